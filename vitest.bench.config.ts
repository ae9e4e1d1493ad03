import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { chromiumArgs, chromiumPath } from './scripts/chromium.mjs';

/** Benchmarks in real Chromium (`npm run bench:page`): they print figures, they are not part of `npm test`. */
export default defineConfig({
  test: {
    include: ['bench/**/*.bench.test.ts'],
    testTimeout: 300_000,
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({ launchOptions: { executablePath: chromiumPath, args: chromiumArgs } }),
      instances: [{ browser: 'chromium' }],
    },
  },
});

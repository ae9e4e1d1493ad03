import { existsSync } from 'node:fs';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';

// The system's Chromium, never a downloaded one: CHROMIUM_PATH overrides the Debian path.
const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (!existsSync(chromium)) throw new Error(`Chromium was not found at ${chromium}: install it (apt-get install chromium) or set CHROMIUM_PATH`);

export default defineConfig({
  // cutover-lab ships TypeScript sources; with a file: dependency they live outside this folder.
  server: { fs: { allow: ['.', '../..'] } },
  test: {
    setupFiles: ['test/setup.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'node', include: ['test/*.node.test.ts'], environment: 'node' },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/*.browser.test.ts'],
          // Runs the plan in Node once and hands the browser test the figures to compare with.
          globalSetup: ['test/node-figures.global.ts'],
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({ launchOptions: { executablePath: chromium, args: ['--no-sandbox', '--disable-gpu'] } }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});

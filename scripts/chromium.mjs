// Where Chromium is and how to start it. Tests and scripts launch the system's Chromium (no tool
// may download a browser here); CHROMIUM_PATH overrides the default.
import { existsSync } from 'node:fs';

export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Flags for headless Chromium on a closed network, as root in a container. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Exits with instructions when Chromium is missing (`node scripts/chromium.mjs --check`). */
if (process.argv.includes('--check') && !existsSync(chromiumPath)) {
  console.error(`Chromium was not found at ${chromiumPath}.

The browser and end-to-end tests run in a real Chromium. Install Debian's package:

    sudo apt-get install -y chromium

or point CHROMIUM_PATH at an existing Chromium or Chrome binary:

    CHROMIUM_PATH=/path/to/chromium npm test
`);
  process.exit(1);
}

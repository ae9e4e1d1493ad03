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

/** Whether the sqlite3 command-line tool is on the PATH (the import and export tests check files with it). */
function hasSqlite3() {
  return (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(`${dir}/sqlite3`));
}

/** Exits with instructions when Chromium or sqlite3 is missing (`node scripts/chromium.mjs --check`). */
if (process.argv.includes('--check') && !existsSync(chromiumPath)) {
  console.error(`Chromium was not found at ${chromiumPath}.

The browser and end-to-end tests run in a real Chromium. Install Debian's package:

    sudo apt-get install -y chromium

or point CHROMIUM_PATH at an existing Chromium or Chrome binary:

    CHROMIUM_PATH=/path/to/chromium npm test
`);
  process.exit(1);
}
if (process.argv.includes('--check') && !hasSqlite3()) {
  console.error(`The sqlite3 command-line tool was not found on the PATH.

The import and export tests make and check .sqlite files with a SQLite other than the app's.
Install Debian's package:

    sudo apt-get install -y sqlite3
`);
  process.exit(1);
}

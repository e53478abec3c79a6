// Makes sure Debian's Chromium is installed for the browser tests (playwright-core drives /usr/bin/chromium;
// it never downloads a browser of its own). Installs the `chromium` package with apt when it is missing and
// the process may (root); otherwise says how, and the browser tests report themselves skipped.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';
if (existsSync(CHROMIUM)) process.exit(0);
if (process.getuid?.() !== 0) {
  process.stderr.write(`Chromium is missing: run "sudo apt-get install -y chromium" to enable the browser tests.\n`);
  process.exit(0);
}
process.stderr.write('Installing Debian\'s chromium for the browser tests (apt-get, about a minute)...\n');
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const update = spawnSync('apt-get', ['update', '-qq'], { env, stdio: 'inherit' });
if (update.status !== 0) process.stderr.write('apt-get update failed; trying the install anyway\n');
execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium', 'fonts-dejavu-core'], { env, stdio: 'inherit' });
process.stderr.write(`Installed ${CHROMIUM}\n`);

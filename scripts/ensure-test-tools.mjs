// Makes sure the Debian packages the tests drive are installed: chromium (playwright-core drives
// /usr/bin/chromium for the browser tests; it never downloads a browser of its own) and awscli 2.9
// (/usr/bin/aws, for the classic lab's steps against the CloudWatch API: test/api/aws-cli-lab.test.ts).
// Installs what is missing with one apt-get when the process may (root); otherwise says how, and those tests
// report themselves skipped.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const TOOLS = [
  {
    path: '/usr/bin/chromium',
    packages: ['chromium', 'fonts-dejavu-core'],
    tests: 'the browser tests',
    required: true,
  },
  { path: '/usr/bin/aws', packages: ['awscli'], tests: 'the AWS CLI lab test', required: false },
];
const missing = TOOLS.filter((t) => !existsSync(t.path));
if (missing.length === 0) process.exit(0);
const packages = missing.flatMap((t) => t.packages);
if (process.getuid?.() !== 0) {
  for (const t of missing)
    process.stderr.write(
      `${t.path} is missing: run "sudo apt-get install -y ${t.packages.join(' ')}" to enable ${t.tests}.\n`,
    );
  process.exit(0);
}
process.stderr.write(`Installing ${packages.join(', ')} with apt-get for the tests (about a minute)...\n`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const update = spawnSync('apt-get', ['update', '-qq'], { env, stdio: 'inherit' });
if (update.status !== 0) process.stderr.write('apt-get update failed; trying the install anyway\n');
const install = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {
  env,
  stdio: 'inherit',
});
let failed = false;
for (const t of missing) {
  if (existsSync(t.path)) process.stderr.write(`Installed ${t.path}\n`);
  else if (t.required) {
    failed = true;
    process.stderr.write(
      `\n*** Could not install ${t.packages.join(', ')} with apt (exit ${install.status}): ${t.tests} need it. ***\n\n`,
    );
  } else
    process.stderr.write(
      `\n*** Could not install ${t.packages.join(', ')} with apt (exit ${install.status}): ${t.tests} will be SKIPPED. ***\n\n`,
    );
}
process.exit(failed ? 1 : 0);

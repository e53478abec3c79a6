// Makes sure Debian's AWS CLI (awscli 2.9, /usr/bin/aws) is installed for the CloudWatch API tests, which run the
// classic lab's steps with the real CLI (test/api/aws-cli-lab.test.ts). Installs the `awscli` package with apt
// when it is missing and the process may (root); otherwise says how, and that test reports itself skipped.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const AWS = '/usr/bin/aws';
if (existsSync(AWS)) process.exit(0);
if (process.getuid?.() !== 0) {
  process.stderr.write(`The AWS CLI is missing: run "sudo apt-get install -y awscli" to enable the AWS CLI lab test.\n`);
  process.exit(0);
}
process.stderr.write("Installing Debian's awscli for the CloudWatch API tests (apt-get, about a minute)...\n");
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const update = spawnSync('apt-get', ['update', '-qq'], { env, stdio: 'inherit' });
if (update.status !== 0) process.stderr.write('apt-get update failed; trying the install anyway\n');
try {
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'awscli'], { env, stdio: 'inherit' });
  process.stderr.write(`Installed ${AWS}\n`);
} catch {
  process.stderr.write('\n*** Could not install awscli with apt: the AWS CLI lab test will be SKIPPED. ***\n\n');
}

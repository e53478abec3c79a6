// `flowwatch init`: writes a commented starter flowwatch.yaml (rejected SSH and denied ICMP, their alarms,
// an email topic, a watched folder).

import { existsSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_CONFIG, parseConfig } from '../config/config.js';
import { INIT_TEMPLATE } from '../config/init-template.js';
import { UserError } from '../core/errors.js';
import type { Io } from './context.js';

export function registerInit(program: Command, io: Io): void {
  program
    .command('init')
    .description(
      'write a commented flowwatch.yaml with the classic setups (rejected SSH, denied ICMP, alarms, email)',
    )
    .option('--config <file>', 'file to write', DEFAULT_CONFIG)
    .option('--force', 'overwrite an existing file')
    .action((flags: { config: string; force?: boolean }) => {
      if (existsSync(flags.config) && !flags.force) {
        throw new UserError(
          'CONFIG_EXISTS',
          `${flags.config} already exists`,
          'use --force to overwrite it, or --config to write another file',
        );
      }
      parseConfig(flags.config, INIT_TEMPLATE);
      writeFileSync(flags.config, INIT_TEMPLATE);
      io.out(
        `Wrote ${flags.config}: metric filters and alarms for rejected SSH and denied ICMP, a "netops" topic
(email to netops@example.com and stdout) and a watched folder ./flowlogs.
Next: edit the email address and the smtp: section, then run
  flowwatch monitor
and drop flow log files into ./flowlogs (or point a source at S3, CloudWatch Logs or Firehose).
`,
      );
    });
}

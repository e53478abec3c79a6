// `flowwatch token show|rotate`: the API token of a monitor's state folder, shown on demand (the monitor and
// serve print it only when they create it) or replaced by a new one.

import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_CONFIG, loadConfig } from '../config/config.js';
import { readApiToken, rotateApiToken } from '../monitor/api-token.js';
import type { Io } from './context.js';

interface TokenFlags {
  config: string;
  stateDir?: string;
}

export function registerToken(program: Command, io: Io): void {
  const token = program
    .command('token')
    .description("show or rotate the API token of the monitor's state folder (for the dashboard and /api)");
  const stateDirOf = (flags: TokenFlags) =>
    resolve(flags.stateDir ?? loadConfig(flags.config).monitor.stateDir);
  token
    .command('show')
    .description('print the API token (and the file holding it)')
    .option('--config <file>', 'configuration file', DEFAULT_CONFIG)
    .option('--state-dir <dir>', 'the monitor state folder (default: monitor.stateDir of the config)')
    .action((flags: TokenFlags) => {
      const { token: t, file } = readApiToken(stateDirOf(flags));
      io.out(`${t}\n`);
      io.err(`(from ${file}; send it as Authorization: Bearer <token>)\n`);
    });
  token
    .command('rotate')
    .description('replace the API token with a new one; the old one stops working')
    .option('--config <file>', 'configuration file', DEFAULT_CONFIG)
    .option('--state-dir <dir>', 'the monitor state folder (default: monitor.stateDir of the config)')
    .addHelpText(
      'after',
      `
A running monitor or serve reads the new token within a second: the old one is refused from then on,
without a restart. Open the dashboard again with the new token (…/#token=<token>).`,
    )
    .action(async (flags: TokenFlags) => {
      const { token: t, file } = await rotateApiToken(stateDirOf(flags));
      io.out(`${t}\n`);
      io.err(`(new API token written to ${file}; the old one no longer works, also for a running monitor)\n`);
    });
}

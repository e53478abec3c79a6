// The flowwatch command line: registers the commands and maps errors to messages and exit codes in one place.

import { Command, CommanderError } from 'commander';
import { UsageError, UserError } from '../core/errors.js';
import { registerAlarms } from './alarms-command.js';
import { registerAthena } from './athena-command.js';
import { type Io, processIo } from './context.js';
import { registerDemo } from './demo-command.js';
import { registerExport } from './export-command.js';
import { registerFields } from './fields-command.js';
import { registerForget } from './forget-command.js';
import { registerIngest } from './ingest-command.js';
import { registerInit } from './init-command.js';
import { registerMetricFilter } from './metric-filter-command.js';
import { registerMetrics } from './metrics-command.js';
import { registerMonitor } from './monitor-command.js';
import { registerNetwork } from './network-command.js';
import { registerNotifications } from './notifications-command.js';
import { registerQuery } from './query-command.js';
import { registerServe } from './serve-command.js';
import { registerSimulate } from './simulate-command.js';
import { registerSql } from './sql-command.js';
import { registerTestPattern } from './test-pattern-command.js';
import { registerToken } from './token-command.js';
import { registerTop } from './top-command.js';
import { registerTopics } from './topics-command.js';

/** Exit codes: 0 ok, 1 bad input or store problem, 2 bad usage, 3 ingest finished with failed files, 70 bug. */
export const EXIT = { ok: 0, input: 1, usage: 2, partial: 3, internal: 70 } as const;

export const VERSION = '0.1.0';

/**
 * Runs the CLI with `argv` (without node and script) and returns the exit code.
 *
 * @example await main(['top', 'rejected', '--limit', '5'])
 */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const debug = argv.includes('--debug');
  const args = argv.filter((a) => a !== '--debug');
  let exit: number = EXIT.ok;
  const program = new Command()
    .name('flowwatch')
    .description(
      'Read every AWS VPC flow log, store it in embedded DuckDB, and answer questions about the traffic.',
    )
    .version(VERSION)
    .option('--debug', 'print stack traces of errors')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError('(run "flowwatch --help" or "flowwatch <command> --help" for usage)');
  const setExit = (code: number) => {
    exit = code;
  };
  registerIngest(program, io, setExit);
  registerForget(program, io);
  registerTopics(program, io);
  registerSql(program, io);
  registerAthena(program, io);
  registerQuery(program, io);
  registerInit(program, io);
  registerMonitor(program, io);
  registerServe(program, io);
  registerToken(program, io);
  registerAlarms(program, io);
  registerNotifications(program, io);
  registerTop(program, io);
  registerFields(program, io);
  registerTestPattern(program, io);
  registerMetricFilter(program, io);
  registerMetrics(program, io);
  registerSimulate(program, io);
  registerDemo(program, io);
  registerExport(program, io);
  registerNetwork(program, io);
  const override = (c: Command): void => {
    c.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
    for (const sub of c.commands) override(sub);
  };
  for (const c of program.commands) override(c);
  try {
    await program.parseAsync(args, { from: 'user' });
    return exit;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) {
        return EXIT.ok;
      }
      return EXIT.usage;
    }
    if (err instanceof UserError) {
      io.err(`flowwatch: ${err.message}\n`);
      if (err.detail) io.err(`${err.detail}\n`);
      if (err.hint) io.err(`  hint: ${err.hint}\n`);
      if (debug && err.stack) io.err(`${err.stack}\n`);
      return err instanceof UsageError ? EXIT.usage : EXIT.input;
    }
    const e = err instanceof Error ? err : new Error(String(err));
    io.err(`flowwatch: unexpected error: ${e.message.split('\n')[0]}\n`);
    io.err(debug ? `${e.stack}\n` : '  (run again with --debug for the stack trace, and report it)\n');
    return EXIT.internal;
  }
}

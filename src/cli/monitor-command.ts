// `flowwatch monitor`: the long-running process of live monitoring; stops cleanly on Ctrl-C / SIGTERM.

import { writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_CONFIG, loadConfig } from '../config/config.js';
import { UsageError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { type Monitor, startMonitor } from '../monitor/monitor.js';
import { dbPath, type Io, memoryLimitFlag, PID_FILE } from './context.js';

export function registerMonitor(program: Command, io: Io): void {
  program
    .command('monitor')
    .description(
      'watch live flow logs: ingest from the configured sources, evaluate alarms, send notifications',
    )
    .option('--config <file>', 'configuration file', DEFAULT_CONFIG)
    .option('--db <file>', 'store (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .option('--listen <host:port>', 'HTTP address (default: monitor.listen of the config, 127.0.0.1:8080)')
    .option('--state-dir <dir>', 'state folder (default: monitor.stateDir of the config, ./flowwatch-state)')
    .option(
      '--memory-limit <size>',
      'DuckDB memory limit of the store, e.g. 2GB (default: monitor.memoryLimit of the config, 1GB)',
    )
    .option('--log <format>', 'json or text', 'json')
    .addHelpText(
      'after',
      `
Sources, metric filters, alarms and topics come from the configuration ("flowwatch init" writes a
starter). The process prints its URL and, on its first start, the API token for /healthz and
/metrics (kept in <state-dir>/api-token). Ctrl-C or SIGTERM commits what was received and stops;
a restart resumes where it stopped. Changes to the configuration file (e.g. by "flowwatch alarms put" or
"flowwatch topics subscribe") are applied within a second, or at once on SIGHUP: metric filters, alarms
and topics; sources, smtp, notifications and monitor settings need a restart.`,
    )
    .action(
      async (flags: {
        config: string;
        db?: string;
        listen?: string;
        stateDir?: string;
        memoryLimit?: string;
        log: string;
      }) => {
        if (flags.log !== 'json' && flags.log !== 'text')
          throw new UsageError('BAD_LOG', `--log "${flags.log}" is not json or text`);
        const config = loadConfig(flags.config, true);
        const log = createLogger(io.err, flags.log);
        const monitor = await startMonitor({
          config,
          db: dbPath(io, flags.db),
          log,
          env: io.env,
          listen: flags.listen,
          stateDir: flags.stateDir,
          memoryLimit: memoryLimitFlag(flags.memoryLimit),
          configPath: flags.config,
          onNewToken: (token, file) =>
            io.err(
              `\nAPI token (shown once; also in ${file}):\n  ${token}\nUse it as: Authorization: Bearer <token>\n\n`,
            ),
        });
        io.err(`flowwatch monitor listening on ${monitor.url} (Ctrl-C to stop)\n`);
        await runUntilSignal(io, monitor);
      },
    );
}

/**
 * Writes the pid file, waits for SIGINT/SIGTERM, stops the monitor cleanly (a second signal exits at once) and
 * removes the pid file. `before` runs first (e.g. stopping a traffic generator).
 */
export async function runUntilSignal(io: Io, monitor: Monitor, before?: () => Promise<void>): Promise<void> {
  const pidFile = join(monitor.stateDir, PID_FILE);
  writeFileSync(pidFile, `${process.pid}\n`);
  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        io.err(`\n${sig} again: exiting without waiting\n`);
        process.exit(130);
      }
      io.err(`\n${sig}: stopping (committing what was received)...\n`);
      void (before ?? (async () => {}))()
        .then(() => monitor.stop())
        .then(() => rm(pidFile, { force: true }))
        .then(resolve);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // SIGHUP: reload the configuration (alarms, topics, metric filters) without stopping.
    process.on('SIGHUP', () => {
      void monitor.reload();
    });
  });
}

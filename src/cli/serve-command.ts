// `flowwatch serve`: the monitor plus the dashboard and its JSON API, in one process.

import type { Command } from 'commander';
import { DEFAULT_CONFIG, loadConfig } from '../config/config.js';
import { UsageError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { startMonitor } from '../monitor/monitor.js';
import { dashboardRoutes } from '../server/dashboard.js';
import { dbPath, type Io, memoryLimitFlag } from './context.js';
import { runUntilSignal } from './monitor-command.js';

export function registerServe(program: Command, io: Io): void {
  program
    .command('serve')
    .description('the monitor plus the web dashboard and its JSON API (OpenAPI at /api/openapi.json)')
    .option('--port <n>', 'HTTP port', '8080')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--config <file>',
      'configuration file (optional: without it, the dashboard shows the store)',
      DEFAULT_CONFIG,
    )
    .option('--db <file>', 'store (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .option('--state-dir <dir>', 'state folder (default: monitor.stateDir of the config, ./flowwatch-state)')
    .option(
      '--memory-limit <size>',
      'DuckDB memory limit of the store, e.g. 2GB (default: monitor.memoryLimit of the config, 1GB)',
    )
    .option('--log <format>', 'json or text', 'text')
    .action(
      async (flags: {
        port: string;
        host: string;
        config: string;
        db?: string;
        stateDir?: string;
        memoryLimit?: string;
        log: string;
      }) => {
        if (!/^\d{1,5}$/.test(flags.port) || Number(flags.port) > 65535)
          throw new UsageError('BAD_PORT', `--port "${flags.port}" is not a port number`);
        if (flags.log !== 'json' && flags.log !== 'text')
          throw new UsageError('BAD_LOG', `--log "${flags.log}" is not json or text`);
        const config = loadConfig(flags.config);
        const monitor = await startMonitor({
          config,
          db: dbPath(io, flags.db),
          log: createLogger(io.err, flags.log),
          env: io.env,
          listen: `${flags.host}:${flags.port}`,
          stateDir: flags.stateDir,
          // Filters, alarms and topics defined through the dashboard or the CloudWatch API are saved to the file.
          configPath: config.exists ? flags.config : undefined,
          memoryLimit: memoryLimitFlag(flags.memoryLimit),
          ...dashboardRoutes(),
          onNewToken: (token, file) => io.err(`\nAPI token (shown once; also in ${file}):\n  ${token}\n\n`),
        });
        // The token goes to the terminal only when it was just created: logs of later starts (journald,
        // container logs) never hold it. `flowwatch token show` prints it again.
        io.err(
          monitor.tokenCreated
            ? `flowwatch dashboard: ${monitor.url}/#token=${monitor.token}\n(Ctrl-C to stop)\n`
            : `flowwatch dashboard: ${monitor.url}/#token=<token>\n(the API token: flowwatch token show; Ctrl-C to stop)\n`,
        );
        await runUntilSignal(io, monitor);
      },
    );
}

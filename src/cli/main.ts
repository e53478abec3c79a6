// The flowwatch command line: lists the commands, loads only the one that runs, and maps errors to messages
// and exit codes in one place.

import { Command, CommanderError, Help } from 'commander';
import { UsageError, UserError } from '../core/errors.js';
import { type Io, processIo } from './context.js';

/** Exit codes: 0 ok, 1 bad input or store problem, 2 bad usage, 3 ingest finished with failed files, 70 bug. */
export const EXIT = { ok: 0, input: 1, usage: 2, partial: 3, internal: 70 } as const;

export const VERSION = '0.1.0';

/** What a command module exports: adds its command (options, help, action) to the program. */
export type Register = (program: Command, io: Io, setExit: (code: number) => void) => void;

/**
 * One command as `flowwatch --help` lists it, and where its module is. Only the module of the command being
 * run is imported (DuckDB, the AWS SDK and fastify load with the commands that use them), so `--help` and
 * light commands start at once. `args` and `summary` must equal what the module registers (a test checks).
 */
export interface CommandEntry {
  readonly name: string;
  /** The usage shown beside the name in the command list, e.g. `[options] <paths...>`. */
  readonly args: string;
  readonly summary: string;
  readonly load: () => Promise<Register>;
}

/** Every command, in the order of `flowwatch --help`. Adding a command is one line here. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'ingest',
    args: '[options] <paths...>',
    summary: 'load flow log files, S3-layout directory trees or stdin ("-") into the store',
    load: async () => (await import('./ingest-command.js')).registerIngest,
  },
  {
    name: 'forget',
    args: '[options] <paths...>',
    summary: 'remove ingested files from the store, with their records, rejected lines and metric datapoints',
    load: async () => (await import('./forget-command.js')).registerForget,
  },
  {
    name: 'topics',
    args: '',
    summary: 'the SNS-like topics of flowwatch.yaml: put, subscribe, unsubscribe, list',
    load: async () => (await import('./topics-command.js')).registerTopics,
  },
  {
    name: 'sql',
    args: '[options] <sql>',
    summary: 'run read-only SQL over the store (table flows, files, rejects)',
    load: async () => (await import('./sql-command.js')).registerSql,
  },
  {
    name: 'athena',
    args: '[options] [statement]',
    summary: 'run Athena statements locally: CREATE EXTERNAL TABLE, ADD PARTITION, MSCK REPAIR, SELECT ...',
    load: async () => (await import('./athena-command.js')).registerAthena,
  },
  {
    name: 'detect',
    args: '[options]',
    summary: 'run the detections over stored flow records (or an Athena table) and store the findings',
    load: async () => (await import('./detect-command.js')).registerDetect,
  },
  {
    name: 'anomalies',
    args: '[options]',
    summary:
      'score each interface against its own history (Random Cut Forest) and store the anomalies as findings',
    load: async () => (await import('./anomalies-command.js')).registerAnomalies,
  },
  {
    name: 'findings',
    args: '',
    summary: 'the findings of the detections: list, show, ack, suppress, reopen, export',
    load: async () => (await import('./findings-command.js')).registerFindings,
  },
  {
    name: 'detections',
    args: '',
    summary: 'the detection catalog with effective thresholds: list, show',
    load: async () => (await import('./detections-command.js')).registerDetections,
  },
  {
    name: 'query',
    args: '[options] [query]',
    summary: 'run a CloudWatch Logs Insights query over the store',
    load: async () => (await import('./query-command.js')).registerQuery,
  },
  {
    name: 'init',
    args: '[options]',
    summary:
      'write a commented flowwatch.yaml with the classic setups (rejected SSH, denied ICMP, alarms, email)',
    load: async () => (await import('./init-command.js')).registerInit,
  },
  {
    name: 'monitor',
    args: '[options]',
    summary: 'watch live flow logs: ingest from the configured sources, evaluate alarms, send notifications',
    load: async () => (await import('./monitor-command.js')).registerMonitor,
  },
  {
    name: 'serve',
    args: '[options]',
    summary: 'the monitor plus the web dashboard and its JSON API (OpenAPI at /api/openapi.json)',
    load: async () => (await import('./serve-command.js')).registerServe,
  },
  {
    name: 'token',
    args: '',
    summary: "show or rotate the API token of the monitor's state folder (for the dashboard and /api)",
    load: async () => (await import('./token-command.js')).registerToken,
  },
  {
    name: 'alarms',
    args: '',
    summary: 'alarm states, history, set-state and replay; put and put-composite define alarms',
    load: async () => (await import('./alarms-command.js')).registerAlarms,
  },
  {
    name: 'notifications',
    args: '',
    summary: 'notification deliveries: pending retries and dead letters',
    load: async () => (await import('./notifications-command.js')).registerNotifications,
  },
  {
    name: 'top',
    args: '[options] <what>',
    summary: 'top talkers, rejected sources, ports, protocols or interfaces',
    load: async () => (await import('./top-command.js')).registerTop,
  },
  {
    name: 'intel',
    args: '',
    summary: 'threat-intelligence feeds kept in the store: add (or replace), list, remove',
    load: async () => (await import('./intel-command.js')).registerIntel,
  },
  {
    name: 'hunt',
    args: '[options]',
    summary:
      'retro hunt: which stored flows touched the addresses of an indicator file (or the stored feeds)',
    load: async () => (await import('./hunt-command.js')).registerHunt,
  },
  {
    name: 'enrich',
    args: '',
    summary: 'offline enrichment: load AWS ip-ranges.json, look addresses up (AS, country, AWS service)',
    load: async () => (await import('./enrich-command.js')).registerEnrich,
  },
  {
    name: 'fields',
    args: '[options]',
    summary: 'list every flow log field: AWS, column and Logs Insights names, version, types',
    load: async () => (await import('./fields-command.js')).registerFields,
  },
  {
    name: 'test-pattern',
    args: '[options] <pattern>',
    summary:
      "test a CloudWatch Logs filter pattern against log lines (CloudWatch's TestMetricFilter, offline)",
    load: async () => (await import('./test-pattern-command.js')).registerTestPattern,
  },
  {
    name: 'metric-filter',
    args: '',
    summary: 'manage the metric filters of flowwatch.yaml (CloudWatch PutMetricFilter, locally)',
    load: async () => (await import('./metric-filter-command.js')).registerMetricFilter,
  },
  {
    name: 'metrics',
    args: '',
    summary: 'metric-filter datapoints: back-fill and statistics',
    load: async () => (await import('./metrics-command.js')).registerMetrics,
  },
  {
    name: 'simulate',
    args: '[options]',
    summary: 'write simulated flow logs of a small VPC (web, database, SSH, and attacks) in the S3 layout',
    load: async () => (await import('./simulate-command.js')).registerSimulate,
  },
  {
    name: 'demo',
    args: '[options]',
    summary:
      'the quick start (npm start): a simulated VPC streams flow logs live into the monitor and its dashboard',
    load: async () => (await import('./demo-command.js')).registerDemo,
  },
  {
    name: 'export',
    args: '[options]',
    summary: 'write the stored records out: Parquet in AWS S3 layout, OCSF 1.1, ECS, NDJSON or CSV',
    load: async () => (await import('./export-command.js')).registerExport,
  },
  {
    name: 'report',
    args: '',
    summary:
      'views over the newest flow log fields (encryption in transit, traffic kinds, paths and cost) and the compliance evidence report',
    load: async () => (await import('./report-command.js')).registerReport,
  },
  {
    name: 'network',
    args: '',
    summary: 'network configuration snapshots (security groups, network ACLs, interfaces) for explain',
    load: async () => (await import('./network-command.js')).registerNetwork,
  },
  {
    name: 'explain',
    args: '[options]',
    summary: 'why was a flow rejected: the security group or network ACL rule, on the request or the reply',
    load: async () => (await import('./network-command.js')).registerExplain,
  },
];

/** The command a command line runs (`help <name>` included), or undefined for the program's own help. */
function commandOf(args: readonly string[]): CommandEntry | undefined {
  const i = args.findIndex((a) => !a.startsWith('-'));
  if (i < 0) return undefined;
  const name = args[i] === 'help' ? args[i + 1] : args[i];
  return COMMANDS.find((c) => c.name === name);
}

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
  try {
    // The command being run is registered in full; the others only by name, for the command list and
    // commander's "unknown command" suggestions.
    const running = commandOf(args);
    const terms = new Map(COMMANDS.map((c) => [c.name, `${c.name} ${c.args}`.trim()]));
    const standard = new Help();
    program.configureHelp({ subcommandTerm: (c) => terms.get(c.name()) ?? standard.subcommandTerm(c) });
    for (const c of COMMANDS) {
      if (c === running) (await c.load())(program, io, setExit);
      else program.command(c.name).description(c.summary);
    }
    const override = (c: Command): void => {
      c.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
      for (const sub of c.commands) override(sub);
    };
    for (const c of program.commands) override(c);
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

// `flowwatch query`: a CloudWatch Logs Insights query over the store, or one from the named library.

import type { Command } from 'commander';
import { partitionPredicate } from '../athena/setup.js';
import { UsageError } from '../core/errors.js';
import { unknownNameHint } from '../core/suggest.js';
import { parseTime } from '../core/time.js';
import {
  analyze,
  findLibraryQuery,
  InsightsError,
  LIBRARY,
  parseQuery,
  runQuery,
  toSql,
  toTrino,
} from '../insights/index.js';
import { DEFAULT_FORMAT } from '../records/catalog.js';
import { parseFormat } from '../records/format.js';
import { literal } from '../storage/sql.js';
import { Store } from '../storage/store.js';
import { dbPath, type Io, timeoutFlag, timeRange } from './context.js';
import { caret, flatSpan } from './input-lines.js';
import { parseOutput, render, wrap } from './output.js';

/** `query --list` fits a terminal this wide. */
const LIST_WIDTH = 100;

import { DEFAULT_CLI_TIMEOUT, type EngineFlags, parseEngine } from './sql-command.js';

interface Flags extends EngineFlags {
  table: string;
  format?: string;
  account?: string;
  layout?: string;
  partition: string;
  db?: string;
  output: string;
  since?: string;
  until?: string;
  last?: string;
  name?: string;
  list?: boolean;
  perEni?: boolean;
  stats?: boolean;
  sql?: boolean;
  timeout: string;
}

export function registerQuery(program: Command, io: Io): void {
  program
    .command('query')
    .description('run a CloudWatch Logs Insights query over the store')
    .argument('[query]', 'the query, e.g. \'filter action = "REJECT" | stats count(*) by srcAddr\'')
    .option('--db <file>', 'store to query (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .option('-o, --output <format>', 'table, json or csv', 'table')
    .option(
      '--since <time>',
      'only records whose event time (@timestamp) is at or after this time (ISO-8601, unix seconds, or 2h/7d ago)',
    )
    .option('--until <time>', 'only records whose event time is at or before this time')
    .option('--last <span>', 'only the last span of time, e.g. 15m, 1h, 7d (instead of --since/--until)')
    .option('-n, --name <name>', 'run a query from the library (see --list)')
    .option('--list', 'list the library of named queries')
    .option(
      '--per-eni',
      "with --name: count every ENI's record (library queries that sum bytes count each flow once by default)",
    )
    .option('--stats', 'also report records scanned and matched (one more pass over the data)')
    .option(
      '--timeout <duration>',
      'stop the query after this long (e.g. 30s, 10m; 0 for no limit)',
      DEFAULT_CLI_TIMEOUT,
    )
    .option(
      '--sql',
      'print the SQL the query compiles to (DuckDB, or Trino with --engine athena), and do not run it',
    )
    .option('--engine <engine>', 'duckdb (the local store) or athena (Amazon Athena, Trino SQL)', 'duckdb')
    .option('--workgroup <name>', 'Athena workgroup (with --engine athena)')
    .option('--database <name>', 'Athena database (with --engine athena)')
    .option('--table <name>', 'Athena table (with --engine athena)', 'vpc_flow_logs')
    .option('--format <format>', 'flow log format of the Athena table (as given to athena setup)')
    .option('--account <id>', "account id for the table's injected acct partition (athena setup tables)")
    .option('--layout <layout>', "plain or hive: prune the athena setup table's partitions by the time range")
    .option(
      '--partition <p>',
      'daily or hourly partitions of the athena setup table (with --layout)',
      'daily',
    )
    .option('--region <region>', 'AWS region of Athena (default: $AWS_REGION or us-east-1)')
    .option('--endpoint <url>', "Athena endpoint URL (default: the region's)")
    .option('--output-location <s3uri>', "where Athena writes results (default: the workgroup's)")
    .addHelpText(
      'after',
      `
The language is CloudWatch Logs Insights': fields, filter, stats (count, sum, avg, min, max, pct,
stddev, count_distinct, earliest, latest, sortsFirst, sortsLast; by bin(5m)), sort, limit, parse,
display, dedup, and its functions (isIpv4InSubnet, strcontains, datefloor, ...). Flow log fields have
their Insights names (srcAddr, dstPort, flowDirection, ...: see "flowwatch fields") for every format,
plus @timestamp, @message, @logStream, @log and @ingestionTime.

Examples:
  flowwatch query 'filter action = "REJECT" | stats count(*) as n by srcAddr | sort n desc | limit 20'
  flowwatch query --name ssh-attempts --last 1h
  flowwatch query 'stats sum(bytes) by bin(1h)' --output json`,
    )
    .action(async (text: string | undefined, flags: Flags) => {
      if (flags.list) {
        const output = parseOutput(flags.output);
        if (output === 'table') {
          // One block per query, wrapped to fit 100 columns: the query text is too long for a table row.
          io.out(`${LIBRARY.length} named queries; run one with: flowwatch query --name <name>\n`);
          for (const q of LIBRARY)
            io.out(`\n${q.name}\n${wrap(q.title, LIST_WIDTH, '  ')}${wrap(q.query, LIST_WIDTH, '      ')}`);
          return;
        }
        io.out(
          render(
            {
              columns: ['name', 'title', 'query'],
              rows: LIBRARY.map((q) => ({ name: q.name, title: q.title, query: q.query })),
            },
            output,
          ),
        );
        return;
      }
      if (flags.name !== undefined && text !== undefined) {
        throw new UsageError('QUERY_AND_NAME', 'give either a query or --name, not both');
      }
      let query = text;
      // Which records a library query that sums bytes counts; said after the answer, on stderr.
      let viewNote: string | undefined;
      if (flags.name !== undefined) {
        const q = findLibraryQuery(flags.name);
        if (!q) {
          throw new UsageError(
            'UNKNOWN_QUERY',
            `there is no library query named "${flags.name}"`,
            unknownNameHint(
              flags.name,
              LIBRARY.map((x) => x.name),
              'list them with: flowwatch query --list',
            ),
          );
        }
        query = flags.perEni === true ? (q.perEni ?? q.query) : q.query;
        if (q.perEni !== undefined) {
          viewNote =
            flags.perEni === true
              ? 'view: per ENI (every record counted, so traffic between two logged ENIs counts twice)\n'
              : 'view: deduplicated (egress records to private addresses dropped, the receiving ENI counts them; --per-eni counts every record)\n';
        }
      } else if (flags.perEni === true) {
        throw new UsageError(
          'PER_ENI_WITHOUT_NAME',
          '--per-eni applies to library queries (--name)',
          'write the query you want, or add --name',
        );
      }
      if (query === undefined) {
        throw new UsageError(
          'NO_QUERY',
          'give a query, or --name with a library query',
          "e.g. flowwatch query 'stats count(*) by action'; flowwatch query --list",
        );
      }
      const output = parseOutput(flags.output);
      const timeoutMs = timeoutFlag(flags.timeout);
      if (flags.last !== undefined && (flags.since !== undefined || flags.until !== undefined)) {
        throw new UsageError('BAD_RANGE', '--last cannot be combined with --since or --until');
      }
      const range =
        flags.last !== undefined
          ? // `until` is exclusive and event times are whole seconds: + 1 keeps this second's records (ingested
            // just now) in the last span.
            { since: lastSpan(flags.last), until: Math.floor(Date.now() / 1000) + 1 }
          : timeRange(flags.since, flags.until);
      if (parseEngine(flags.engine) === 'athena') {
        await runOnAthena(io, query, flags, range, output);
        if (viewNote !== undefined) io.err(viewNote);
        return;
      }
      const store = flags.sql ? undefined : await Store.open(dbPath(io, flags.db), { readOnly: true });
      try {
        if (flags.sql) {
          const plan = analyze(parseQuery(query), Math.floor(Date.now() / 1000));
          io.out(`${toSql(plan, { formats: ['<format of each file>'], ...range }).sql}\n`);
          return;
        }
        const r = await store!.withReader(
          (reader) => runQuery(reader, query, { ...range, statistics: flags.stats === true }),
          { timeoutMs },
        );
        io.out(render({ columns: r.columns, rows: r.rows }, output));
        for (const w of r.warnings) io.err(`warning: ${w}\n`);
        if (viewNote !== undefined) io.err(viewNote);
        if (output === 'table') {
          const parts = [`${r.rows.length.toLocaleString('en-US')} row${r.rows.length === 1 ? '' : 's'}`];
          if (r.statistics) {
            parts.push(
              `${r.statistics.recordsMatched.toLocaleString('en-US')} records matched`,
              `${r.statistics.recordsScanned.toLocaleString('en-US')} scanned`,
            );
          }
          parts.push(`${Math.round(r.elapsedMs).toLocaleString('en-US')} ms`);
          io.err(`${parts.join(' · ')}\n`);
        } else if (r.statistics) {
          io.err(`${JSON.stringify(r.statistics)}\n`);
        }
      } catch (err) {
        if (err instanceof InsightsError)
          err.detail = caret(query.replace(/\s*\n\s*/g, ' '), ...flatSpan(query, err.start, err.end));
        throw err;
      } finally {
        store?.close();
      }
    });
}

/** `query --engine athena`: the plan rendered by the Trino backend and run on Athena. */
async function runOnAthena(
  io: Io,
  query: string,
  flags: Flags,
  range: { since?: number; until?: number },
  output: ReturnType<typeof parseOutput>,
): Promise<void> {
  try {
    const plan = analyze(parseQuery(query), Math.floor(Date.now() / 1000));
    const columns = parseFormat(flags.format ?? DEFAULT_FORMAT).fields.map(
      (f) => f.def?.column ?? f.key.replaceAll('-', '_'),
    );
    const filters: string[] = [];
    if (flags.account !== undefined) filters.push(`"acct" = ${literal(flags.account)}`);
    if (flags.layout !== undefined) {
      const layout = flags.layout;
      const partition = flags.partition;
      if ((layout !== 'plain' && layout !== 'hive') || (partition !== 'daily' && partition !== 'hourly'))
        throw new UsageError('BAD_OPTION', '--layout is plain or hive, --partition daily or hourly');
      const p = partitionPredicate(layout, partition, range.since, range.until);
      if (p !== undefined) filters.push(p);
    }
    const sql = toTrino(plan, {
      table: flags.database === undefined ? flags.table : `${flags.database}.${flags.table}`,
      columns,
      ...range,
      ...(filters.length === 0 ? {} : { partitionFilter: filters.join(' AND ') }),
    });
    if (flags.sql) {
      io.out(`${sql}\n`);
      return;
    }
    // The AWS SDK loads only when Athena is asked.
    const { athenaClient, costLine, runRemote, withInterrupt } = await import('../athena/remote.js');
    const r = await withInterrupt((signal) =>
      runRemote(athenaClient(flags), sql, {
        workgroup: flags.workgroup,
        database: flags.database,
        outputLocation: flags.outputLocation,
        maxRows: plan.limit,
        signal,
      }),
    );
    const names = plan.output.map((o) => o.name);
    io.out(render({ columns: names, rows: r.rows }, output));
    io.err(`${costLine(r.queryExecutionId, r.statistics)}\n`);
  } catch (err) {
    if (err instanceof InsightsError)
      err.detail = caret(query.replace(/\s*\n\s*/g, ' '), ...flatSpan(query, err.start, err.end));
    throw err;
  }
}

/** Maps a span of the query onto its one-line rendering (newlines and their indentation become one space). */
function lastSpan(v: string): number {
  if (!/^\d+[smhdw]$/.test(v.trim())) {
    throw new UsageError(
      'BAD_LAST',
      `--last "${v}" is not a span of time`,
      'e.g. --last 15m, --last 2h, --last 7d',
    );
  }
  return parseTime(v, '--last');
}

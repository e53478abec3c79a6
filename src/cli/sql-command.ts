// `flowwatch sql`: the user's SQL over the store, read-only, without file system access, in the SQL sandbox and
// with a time limit.

import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { sqlMissingFieldWarnings } from '../storage/missing-fields.js';
import { SandboxError } from '../storage/sandbox.js';
import { Store } from '../storage/store.js';
import { dbPath, type Io, positiveInt, timeoutFlag } from './context.js';
import { caret, flatSpan } from './input-lines.js';
import { parseOutput, render } from './output.js';

/** The options `sql` and `query` share for choosing and reaching an engine. */
export interface EngineFlags {
  engine: string;
  workgroup?: string;
  database?: string;
  region?: string;
  endpoint?: string;
  outputLocation?: string;
}

interface SqlFlags extends EngineFlags {
  db?: string;
  output: string;
  maxRows: string;
  timeout: string;
}

/** `flowwatch sql` and `flowwatch query` stop a local query after this long unless --timeout says otherwise. */
export const DEFAULT_CLI_TIMEOUT = '5m';

export function parseEngine(v: string): 'duckdb' | 'athena' {
  if (v === 'duckdb' || v === 'athena') return v;
  throw new UsageError('BAD_ENGINE', `--engine "${v}" is not one of duckdb, athena`);
}

export function registerSql(program: Command, io: Io): void {
  program
    .command('sql')
    .description('run read-only SQL over the store (table flows, files, rejects)')
    .argument('<sql>', 'one SQL query, e.g. "SELECT action, count(*) FROM flows GROUP BY 1"')
    .option('--db <file>', 'store to query (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .option('-o, --output <format>', 'table, json or csv', 'table')
    .option('--max-rows <n>', 'stop after this many rows', '10000')
    .option(
      '--timeout <duration>',
      'stop the query after this long (e.g. 30s, 10m; 0 for no limit)',
      DEFAULT_CLI_TIMEOUT,
    )
    .option('--engine <engine>', 'duckdb (the local store) or athena (Amazon Athena)', 'duckdb')
    .option('--workgroup <name>', 'Athena workgroup (with --engine athena)')
    .option('--database <name>', 'Athena database (with --engine athena)')
    .option('--region <region>', 'AWS region of Athena (default: $AWS_REGION or us-east-1)')
    .option('--endpoint <url>', "Athena endpoint URL (default: the region's)")
    .option('--output-location <s3uri>', "where Athena writes results (default: the workgroup's)")
    .addHelpText(
      'after',
      `
Tables: flows (one column per field, see "flowwatch fields"; plus extra, file_id, line),
files (what was ingested), rejects (lines that could not be read, with their reasons).
The store is opened read-only; SQL cannot read or write files, reach URLs, load extensions or read
settings (the same sandbox as the dashboard's SQL editor: one SELECT over the store's tables).

Example:
  flowwatch sql "SELECT srcaddr, count(*) AS n FROM flows WHERE action = 'REJECT' GROUP BY 1 ORDER BY n DESC LIMIT 5"`,
    )
    .action(async (sql: string, flags: SqlFlags) => {
      const output = parseOutput(flags.output);
      const maxRows = positiveInt(flags.maxRows, '--max-rows');
      const timeoutMs = timeoutFlag(flags.timeout);
      if (parseEngine(flags.engine) === 'athena') {
        // The AWS SDK loads only when Athena is asked.
        const { athenaClient, costLine, runRemote, withInterrupt } = await import('../athena/remote.js');
        const r = await withInterrupt((signal) =>
          runRemote(athenaClient(flags), sql, {
            workgroup: flags.workgroup,
            database: flags.database,
            outputLocation: flags.outputLocation,
            maxRows,
            signal,
          }),
        );
        io.out(render({ columns: r.columns, rows: r.rows }, output));
        if (r.truncated) io.err(`(only the first ${maxRows} rows are shown; raise --max-rows to see more)\n`);
        io.err(`${costLine(r.queryExecutionId, r.statistics)}\n`);
        return;
      }
      const store = await Store.open(dbPath(io, flags.db), { readOnly: true });
      try {
        const r = await store.sandboxQuery(sql, { timeoutMs, maxRows });
        io.out(render({ columns: r.columns.map((c) => c.name), rows: r.rows }, output));
        for (const w of await sqlMissingFieldWarnings(store, sql)) io.err(`warning: ${w}\n`);
        if (r.truncated) io.err(`(only the first ${maxRows} rows are shown; raise --max-rows to see more)\n`);
      } catch (err) {
        // A pasted quote or dash: show where it is, as query and test-pattern do.
        if (err instanceof SandboxError && err.code === 'PASTED_CHARACTER' && err.start !== undefined)
          err.detail = caret(
            sql.replace(/\s*\n\s*/g, ' '),
            ...flatSpan(sql, err.start, err.end ?? err.start + 1),
          );
        throw err;
      } finally {
        store.close();
      }
    });
}

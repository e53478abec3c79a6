// `flowwatch sql`: the user's SQL over the store, read-only and without file system access.

import type { Command } from 'commander';
import { Store } from '../storage/store.js';
import { dbPath, type Io, positiveInt } from './context.js';
import { parseOutput, render } from './output.js';

export function registerSql(program: Command, io: Io): void {
  program
    .command('sql')
    .description('run read-only SQL over the store (table flows, files, rejects)')
    .argument('<sql>', 'one SQL query, e.g. "SELECT action, count(*) FROM flows GROUP BY 1"')
    .option('--db <file>', 'store to query (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .option('-o, --output <format>', 'table, json or csv', 'table')
    .option('--max-rows <n>', 'stop after this many rows', '10000')
    .addHelpText(
      'after',
      `
Tables: flows (one column per field, see "flowwatch fields"; plus extra, file_id, line),
files (what was ingested), rejects (lines that could not be read, with their reasons).
The store is opened read-only and SQL cannot read or write files.

Example:
  flowwatch sql "SELECT srcaddr, count(*) AS n FROM flows WHERE action = 'REJECT' GROUP BY 1 ORDER BY n DESC LIMIT 5"`,
    )
    .action(async (sql: string, flags: { db?: string; output: string; maxRows: string }) => {
      const output = parseOutput(flags.output);
      const maxRows = positiveInt(flags.maxRows, '--max-rows');
      const store = await Store.open(dbPath(io, flags.db), { readOnly: true });
      try {
        const r = await store.userQuery(sql, maxRows);
        io.out(render({ columns: r.columns.map((c) => c.name), rows: r.rows }, output));
        if (r.truncated) io.err(`(only the first ${maxRows} rows are shown; raise --max-rows to see more)\n`);
      } finally {
        store.close();
      }
    });
}

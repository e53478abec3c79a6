// `flowwatch forget <path|glob>...`: remove ingested files from the store with their records, rejects and metric
// datapoints, in one transaction (`--dry-run` lists what would go).

import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../core/errors.js';
import { Store } from '../storage/store.js';
import { dbPath, type Io } from './context.js';
import { parseOutput, render } from './output.js';

export function registerForget(program: Command, io: Io): void {
  program
    .command('forget')
    .description(
      'remove ingested files from the store, with their records, rejected lines and metric datapoints',
    )
    .argument('<paths...>', 'stored file paths, or globs over them (quote them: "logs/*.log.gz")')
    .option('--db <file>', 'store (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .option('--dry-run', 'only list the files that would be removed, with their counts')
    .option('-o, --output <format>', 'table, json or csv', 'table')
    .addHelpText(
      'after',
      `
A path matches a stored file's path as ingest recorded it (as you gave it) or its absolute form; "*", "?"
and "[...]" are globs ("*" also crosses "/"). Everything goes in one transaction: on any failure nothing is
removed. See the stored paths with: flowwatch sql "SELECT path, records, rejected FROM files"

Examples:
  flowwatch forget flows.log --dry-run
  flowwatch forget 'AWSLogs/*/2024/05/20/*'`,
    )
    .action(async (paths: string[], flags: { db?: string; dryRun?: boolean; output: string }) => {
      const output = parseOutput(flags.output);
      const patterns = [...new Set(paths.flatMap((p) => [p, resolve(p)]))];
      const store = await Store.open(dbPath(io, flags.db));
      try {
        const files = await store.forget(patterns, flags.dryRun === true);
        if (files.length === 0) {
          throw new UserError(
            'NOTHING_TO_FORGET',
            `no stored file matches ${paths.map((p) => `"${p}"`).join(', ')}`,
            'see the stored paths with: flowwatch sql "SELECT path FROM files ORDER BY path"',
          );
        }
        const records = files.reduce((a, f) => a + f.records, 0);
        const rejected = files.reduce((a, f) => a + f.rejected, 0);
        if (output === 'json') {
          io.out(`${JSON.stringify({ dryRun: flags.dryRun === true, files, records, rejected })}\n`);
          return;
        }
        io.out(
          render(
            {
              columns: ['path', 'records', 'rejected'],
              rows: files.map((f) => ({ path: f.path, records: f.records, rejected: f.rejected })),
            },
            output,
          ),
        );
        const what = `${files.length} file${files.length === 1 ? '' : 's'} (${records.toLocaleString('en-US')} records, ${rejected.toLocaleString('en-US')} rejected lines)`;
        io.out(
          flags.dryRun
            ? `Would remove ${what}; run again without --dry-run to remove them.\n`
            : `Removed ${what} and their metric datapoints.\n`,
        );
        if (!flags.dryRun) await store.checkpoint();
      } finally {
        store.close();
      }
    });
}

// `flowwatch export`: the store's records as Parquet in AWS's Hive layout, OCSF, ECS, NDJSON or CSV.

import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { StoreError, UsageError } from '../core/errors.js';
import { EXPORT_FORMATS, type ExportFormat, exportFlows } from '../export/export.js';
import { Store } from '../storage/store.js';
import { dbPath, type Io, timeRange } from './context.js';
import { rate } from './progress.js';

/** Exports above this many records report their progress on stderr. */
const BIG_EXPORT = 100_000;

interface ExportFlags {
  to: string;
  format: string;
  since?: string;
  until?: string;
  db?: string;
  endpoint?: string;
  enrich: boolean;
}

export function registerExport(program: Command, io: Io): void {
  program
    .command('export')
    .description('write the stored records out: Parquet in AWS S3 layout, OCSF 1.1, ECS, NDJSON or CSV')
    .requiredOption('--to <dest>', 'a folder or s3://bucket/prefix')
    .requiredOption('--format <format>', EXPORT_FORMATS.join(', '))
    .option('--since <time>', 'only records that start at or after this time')
    .option('--until <time>', 'only records that start before this time')
    .option('--db <file>', 'store to read (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .option('--endpoint <url>', 'S3 endpoint for s3:// destinations (default: the SDK default)')
    .option(
      '--no-enrich',
      'ocsf/ecs: leave out the AS and country of each side (offline data, README "Enrichment")',
    )
    .addHelpText(
      'after',
      `
Formats:
  parquet  AWSLogs/aws-account-id=<a>/aws-service=vpcflowlogs/aws-region=<r>/year=/month=/day=/hour=/
           <a>_vpcflowlogs_<r>_<flow-log-id>_<YYYYMMDD>T<HHmm>Z_<hash>.log.parquet (AWS's own schema)
  ocsf     flows.ocsf.ndjson: OCSF 1.1.0 Network Activity (class 4001), as Amazon Security Lake maps flow logs
  ecs      flows.ecs.ndjson: Elastic Common Schema documents
  ndjson   flows.ndjson: one object per record, catalog column names
  csv      flows.csv: header of AWS field names, "-" for absent values

Example:
  flowwatch export --to s3://my-bucket/flow --format parquet --since 2024-05-20 --until 2024-05-21`,
    )
    .action(async (flags: ExportFlags) => {
      if (!(EXPORT_FORMATS as readonly string[]).includes(flags.format)) {
        throw new UsageError(
          'BAD_FORMAT',
          `unknown export format "${flags.format}"`,
          `use one of ${EXPORT_FORMATS.join(', ')}`,
        );
      }
      const range = timeRange(flags.since, flags.until);
      const path = dbPath(io, flags.db);
      if (!existsSync(path))
        throw new StoreError('NO_STORE', `no store at ${path}`, 'run "flowwatch ingest" first');
      // Writable open: a read-only store has DuckDB's file access disabled, which COPY ... TO needs.
      const store = await Store.open(path);
      const t0 = performance.now();
      let lastShown = 0;
      try {
        const summary = await exportFlows(store, {
          to: flags.to,
          format: flags.format as ExportFormat,
          ...range,
          enrich: flags.enrich,
          s3: { endpoint: flags.endpoint, forcePathStyle: flags.endpoint !== undefined ? true : undefined },
          onProgress: (done, total) => {
            if (total < BIG_EXPORT) return;
            const now = performance.now();
            if (done > 0 && done < total && now - lastShown < 1000) return;
            lastShown = now;
            io.err(`export: ${done} / ${total} records\n`);
          },
        });
        const secs = (performance.now() - t0) / 1000;
        io.out(
          `exported ${summary.records} records to ${summary.files.length} file(s) in ${flags.to} ` +
            `(${flags.format}, ${secs.toFixed(1)} s, ${rate(summary.records / Math.max(secs, 1e-3))} records/s)\n`,
        );
      } finally {
        store.close();
      }
    });
}

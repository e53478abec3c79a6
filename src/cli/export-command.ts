// `flowwatch export`: the store's records as Parquet in AWS's Hive layout, OCSF, ECS, NDJSON or CSV.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { StoreError } from '../core/errors.js';
import {
  COMPRESSIONS,
  EXPORT_FORMATS,
  EXPORT_MEMORY_LIMIT,
  type ExportFormat,
  type ExportOptions,
  exportFlows,
  prepareExport,
} from '../export/export.js';
import type { Compression } from '../storage/export-sql.js';
import { emptyRangeNote } from '../storage/range-note.js';
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
  names: boolean;
  compress?: string;
  force?: boolean;
}

export function registerExport(program: Command, io: Io): void {
  program
    .command('export')
    .description('write the stored records out: Parquet in AWS S3 layout, OCSF 1.1, ECS, NDJSON or CSV')
    .requiredOption('--to <dest>', 'a folder, a file (.ndjson/.csv, + .gz/.zst) or s3://bucket/prefix')
    .requiredOption('--format <format>', EXPORT_FORMATS.join(', '))
    .option('--since <time>', 'only records that start at or after this time')
    .option('--until <time>', 'only records that start before this time')
    .option(
      '--compress <codec>',
      `${COMPRESSIONS.join(', ')} (default: from a .gz/.zst file name, else none)`,
    )
    .option('--force', 'replace files that exist already')
    .option('--db <file>', 'store to read (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .option('--endpoint <url>', 'S3 endpoint for s3:// destinations (default: the SDK default)')
    .option(
      '--no-enrich',
      'ocsf/ecs: leave out the AS and country of each side (offline data, README "Enrichment")',
    )
    .option(
      '--no-names',
      "leave out the names from the newest network snapshot: csv/ndjson the interface_name, instance_name, subnet_name and security_groups columns; ecs cloud.instance.name; ocsf/ocsf-parquet the owning endpoint's name and snapshot ids and those four under unmapped",
    )
    .addHelpText(
      'after',
      `
Formats:
  parquet       AWSLogs/aws-account-id=<a>/aws-service=vpcflowlogs/aws-region=<r>/year=/month=/day=/hour=/
                <a>_vpcflowlogs_<r>_<flow-log-id>_<YYYYMMDD>T<HHmm>Z_<hash>.log.parquet (AWS's own schema)
  ocsf          flows.ocsf.ndjson: OCSF 1.1.0 Network Activity (class 4001), as Amazon Security Lake maps flow logs
  ocsf-parquet  the same events as Parquet in Security Lake's custom-source layout:
                region=<r>/accountId=<a>/eventDay=<YYYYMMDD>/<a>_<r>_<YYYYMMDD>T<HH>Z.parquet (one file an hour)
  ecs           flows.ecs.ndjson: Elastic Common Schema documents
  ndjson        flows.ndjson: one object per record, catalog column names
  csv           flows.csv: header of AWS field names, "-" for absent values

Compression: --compress gzip|zstd, or a --to file name ending in .gz/.zst, compresses the text formats
(flows.csv.gz, ...); for the Parquet formats it picks the codec inside the files (default gzip for parquet,
zstd for ocsf-parquet). zstd is the one to choose unless the reader needs gzip: DuckDB's gzip is single-threaded
deflate and about doubles an export's CPU time, zstd adds little and compresses as well or better.
Existing files are never replaced without --force.

Examples:
  flowwatch export --to s3://my-bucket/flow --format parquet --since 2024-05-20 --until 2024-05-21
  flowwatch export --to out/flows.ocsf.ndjson.zst --format ocsf
  flowwatch export --to s3://aws-security-data-lake-eu-west-1-abc/ext/flowwatch/ --format ocsf-parquet`,
    )
    .action(async (flags: ExportFlags) => {
      const range = timeRange(flags.since, flags.until);
      const path = dbPath(io, flags.db);
      if (!existsSync(path))
        throw new StoreError('NO_STORE', `no store at ${path}`, 'run "flowwatch ingest" first');
      const opts: ExportOptions = {
        to: flags.to,
        format: flags.format as ExportFormat,
        ...range,
        enrich: flags.enrich,
        names: flags.names,
        compress: flags.compress as Compression | undefined,
        force: flags.force === true,
        s3: { endpoint: flags.endpoint, forcePathStyle: flags.endpoint !== undefined ? true : undefined },
        onProgress: (done, total) => {
          if (total >= BIG_EXPORT && done === 0)
            io.err(`export: ${total.toLocaleString('en-US')} records...\n`);
        },
      };
      // Format, compression and destination are checked (and the work folder made) before the store opens.
      const prepared = await prepareExport(opts);
      try {
        // Read-only and confined: DuckDB can write nowhere but the export's work folder (and read no other file).
        // Memory bounded: DuckDB spills what does not fit (OCSF Parquet's sort by time) into the work folder.
        const store = await Store.open(path, {
          readOnly: true,
          confineTo: [prepared.work],
          memoryLimit: EXPORT_MEMORY_LIMIT,
          tempDirectory: join(prepared.work, 'spill'),
        });
        const t0 = performance.now();
        try {
          const summary = await exportFlows(store, opts, prepared);
          const secs = (performance.now() - t0) / 1000;
          io.out(
            `exported ${summary.records.toLocaleString('en-US')} records to ${summary.files.length} file(s) in ${flags.to} ` +
              `(${flags.format}, ${secs.toFixed(1)} s, ${rate(summary.records / Math.max(secs, 1e-3))} records/s)\n`,
          );
          for (const note of summary.notes ?? []) io.err(`note: ${note}\n`);
          if (summary.records === 0) {
            const empty = await emptyRangeNote(store, range);
            if (empty !== undefined) io.err(`warning: ${empty}\n`);
          }
        } finally {
          store.close();
        }
      } finally {
        await prepared.dispose();
      }
    });
}

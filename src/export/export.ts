// `flowwatch export`: the store's records written out as Parquet in AWS's own Hive-compatible hourly S3
// layout, as OCSF 1.1 or ECS NDJSON, or as plain NDJSON/CSV — to a folder or to `s3://bucket/prefix`.
//
// Files appear atomically: everything is written to a temporary name first and renamed (or uploaded) when
// complete, so a reader never sees half a file.

import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { finished } from 'node:stream/promises';
import { enricherOf } from '../enrich/load-enricher.js';
import type { FieldDef } from '../records/catalog.js';
import {
  type ExportRange,
  exportColumns,
  exportCountSql,
  FIELD_SETS_SQL,
  flatExportSql,
  parquetExportSql,
  recordsSql,
} from '../storage/export-sql.js';
import type { Store } from '../storage/store.js';
import { toEcs } from './ecs.js';
import type { FlowRow } from './flow-row.js';
import { toOcsf } from './ocsf.js';
import { parseS3Uri, type S3UploadOptions, uploadTree } from './s3-upload.js';

export const EXPORT_FORMATS = ['parquet', 'ocsf', 'ecs', 'ndjson', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** File names of the single-file formats (inside the destination folder or prefix). */
export const FLAT_FILE: Record<Exclude<ExportFormat, 'parquet'>, string> = {
  ocsf: 'flows.ocsf.ndjson',
  ecs: 'flows.ecs.ndjson',
  ndjson: 'flows.ndjson',
  csv: 'flows.csv',
};

export interface ExportOptions extends ExportRange {
  /** A local folder or `s3://bucket/prefix`. */
  readonly to: string;
  readonly format: ExportFormat;
  readonly s3?: S3UploadOptions | undefined;
  /** Called as records are written (for the OCSF/ECS mappers after every page; for COPY at start and end). */
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
  /** OCSF/ECS: add each side's AS and country from the packaged offline data (default true). */
  readonly enrich?: boolean | undefined;
}

export interface ExportSummary {
  readonly records: number;
  /** Paths relative to the destination (S3 keys for `s3://`), sorted. */
  readonly files: readonly string[];
}

/**
 * Exports the records whose `start` lies in [since, until).
 *
 * @example await exportFlows(store, { to: './out', format: 'parquet' }) // out/AWSLogs/aws-account-id=.../...log.parquet
 */
export async function exportFlows(store: Store, opts: ExportOptions): Promise<ExportSummary> {
  const s3 = parseS3Uri(opts.to);
  const sets = (await store.query(FIELD_SETS_SQL)).rows.map((r) => String(r['set']));
  const columns = exportColumns(sets);
  if (columns.length === 0) return { records: 0, files: [] }; // an empty store: nothing ever ingested
  const total = Number((await store.query(exportCountSql(opts))).rows[0]!['n']);
  opts.onProgress?.(0, total);
  // Local: build beside the destination (same file system, so renames are atomic). S3: in the temp folder.
  const dest = s3 ? await mkdtemp(join(tmpdir(), 'flowwatch-export-')) : resolve(opts.to);
  await mkdir(dest, { recursive: true });
  const work = await mkdtemp(join(dest, '.flowwatch-export-'));
  try {
    const files =
      opts.format === 'parquet'
        ? await writeParquet(store, columns, opts, work, dest)
        : [await writeFlat(store, columns, opts, opts.format, work, dest, total)];
    opts.onProgress?.(total, total);
    await rm(work, { recursive: true, force: true });
    if (s3) return { records: total, files: await uploadTree(dest, s3, opts.s3 ?? {}) };
    return { records: total, files: files.sort() };
  } finally {
    await rm(work, { recursive: true, force: true });
    if (s3) await rm(dest, { recursive: true, force: true });
  }
}

async function* walk(dir: string): AsyncGenerator<string> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.isFile()) yield p;
  }
}

/** AWS's opaque 8-hex-digit suffix, here a digest of the file's stem (stable across runs). */
function fileHash(stem: string, n: number): string {
  return createHash('sha256').update(`${stem}/${n}`).digest('hex').slice(0, 8);
}

/**
 * DuckDB writes `AWSLogs/<hive partitions>/file=<stem>/data_<n>.parquet`; each becomes
 * `AWSLogs/<hive partitions>/<stem>_<hash>.log.parquet` in `dest`.
 */
async function writeParquet(
  store: Store,
  columns: readonly FieldDef[],
  range: ExportRange,
  work: string,
  dest: string,
): Promise<string[]> {
  const root = join(work, 'AWSLogs');
  await store.query(parquetExportSql(columns, range, root));
  const out: string[] = [];
  let found: string[];
  try {
    found = [];
    for await (const f of walk(root)) found.push(f);
  } catch {
    return out; // nothing in range: DuckDB wrote no folder
  }
  for (const file of found) {
    const rel = relative(root, file).split(sep);
    const fileDir = rel[rel.length - 2] ?? '';
    const m = /^data_(\d+)\.parquet$/.exec(rel[rel.length - 1] ?? '');
    if (!fileDir.startsWith('file=') || !m) continue;
    const stem = decodeURIComponent(fileDir.slice('file='.length));
    const target = join(
      dest,
      'AWSLogs',
      ...rel.slice(0, -2),
      `${stem}_${fileHash(stem, Number(m[1]))}.log.parquet`,
    );
    await mkdir(dirname(target), { recursive: true });
    await rename(file, target);
    out.push(relative(dest, target).split(sep).join('/'));
  }
  return out;
}

/** One file: COPY for CSV/NDJSON, the streamed records through a JS mapper for OCSF/ECS. Renamed when complete. */
async function writeFlat(
  store: Store,
  columns: readonly FieldDef[],
  opts: ExportOptions,
  format: Exclude<ExportFormat, 'parquet'>,
  work: string,
  dest: string,
  total: number,
): Promise<string> {
  const name = FLAT_FILE[format];
  const tmp = join(work, name);
  if (format === 'csv' || format === 'ndjson') {
    await store.query(flatExportSql(columns, opts, tmp, format));
  } else {
    // Offline enrichment (AS, country) of each side; off with `enrich: false`.
    const enricher = opts.enrich === false ? undefined : await enricherOf(store);
    const lookup = enricher ? (ip: string | undefined) => enricher.lookup(ip) : undefined;
    const map = (r: FlowRow) => (format === 'ocsf' ? toOcsf(r, lookup) : toEcs(r, lookup));
    const out = createWriteStream(tmp);
    const done = finished(out);
    let written = 0;
    let reported = 0;
    try {
      // One query, read chunk by chunk (bounded memory; no page re-scans the store).
      for await (const rows of store.streamRows(recordsSql(columns, opts))) {
        const text = rows.map((r) => JSON.stringify(map(r as FlowRow))).join('\n');
        if (!out.write(`${text}\n`)) await once(out, 'drain');
        written += rows.length;
        if (written - reported >= 20_000) {
          opts.onProgress?.(written, total);
          reported = written;
        }
      }
      opts.onProgress?.(written, total);
    } finally {
      out.end();
      await done;
    }
  }
  await rename(tmp, join(dest, name));
  return name;
}

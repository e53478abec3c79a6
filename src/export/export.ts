// `flowwatch export`: the store's records written out as Parquet in AWS's own Hive-compatible hourly S3
// layout, as OCSF 1.1 (NDJSON, or Parquet in Amazon Security Lake's layout) or ECS NDJSON, or as plain
// NDJSON/CSV — to a folder, a file or `s3://bucket/prefix`, optionally gzip- or zstd-compressed.
//
// DuckDB writes every file itself (the OCSF and ECS mappings are SQL: src/storage/export-map-sql.ts), into a
// hidden work folder beside the destination; complete files are then renamed into place (or uploaded), so a
// reader never sees half a file. The work folder is the only place DuckDB is asked to write: the CLI opens the
// store confined to it (prepareExport, then Store.open with `confineTo`).

import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { access, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { UsageError, UserError } from '../core/errors.js';
import { enricherOf } from '../enrich/load-enricher.js';
import {
  NAME_COLUMNS,
  NO_SNAPSHOT_NAMES_NOTE,
  nameRows,
  resourceNames,
  SNAPSHOT_ID_COLUMNS,
} from '../network/resource-names.js';
import type { FieldDef } from '../records/catalog.js';
import {
  ENRICH_COLUMNS,
  type EnrichKey,
  enrichAddressesSql,
  jsonLinesSelect,
  type LakeFile,
  ocsfParquetFileSql,
  ocsfParquetFilesSql,
} from '../storage/export-map-sql.js';
import {
  type Compression,
  type ExportRange,
  exportColumns,
  exportCountSql,
  FIELD_SETS_SQL,
  flatExportSql,
  linesCopySql,
  type ParquetCodec,
  parquetExportSql,
} from '../storage/export-sql.js';
import type { Store } from '../storage/store.js';
import { parseS3Uri, type S3Location, type S3UploadOptions, uploadTree } from './s3-upload.js';

/**
 * DuckDB's memory limit for an export from the CLI: past it DuckDB spills (OCSF Parquet's sort by time) into the
 * export's work folder, so an export stays under 1 GB of memory whatever its size.
 */
export const EXPORT_MEMORY_LIMIT = '512MB';

export const EXPORT_FORMATS = ['parquet', 'ocsf', 'ocsf-parquet', 'ecs', 'ndjson', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The formats written as one file (the others write a tree of Parquet files). */
export type FlatFormat = 'ocsf' | 'ecs' | 'ndjson' | 'csv';

export const COMPRESSIONS = ['none', 'gzip', 'zstd'] as const;

/** File names of the single-file formats (inside the destination folder or prefix), before a compression suffix. */
export const FLAT_FILE: Record<FlatFormat, string> = {
  ocsf: 'flows.ocsf.ndjson',
  ecs: 'flows.ecs.ndjson',
  ndjson: 'flows.ndjson',
  csv: 'flows.csv',
};

const SUFFIX: Record<Compression, string> = { none: '', gzip: '.gz', zstd: '.zst' };

/** A `--to` that names a file rather than a folder: a text export's extension, optionally compressed. */
const FILE_NAME = /\.(ndjson|jsonl|json|csv|txt)(\.gz|\.zst)?$/i;

export interface ExportOptions extends ExportRange {
  /** A local folder, a local file (single-file formats) or `s3://bucket/prefix`. */
  readonly to: string;
  readonly format: ExportFormat;
  readonly s3?: S3UploadOptions | undefined;
  /** Called at the start and the end of the export. */
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
  /** OCSF/ECS: add each side's AS and country from the packaged offline data (default true). */
  readonly enrich?: boolean | undefined;
  /**
   * Text formats: compress the file (default: from a `.gz`/`.zst` file name, else none). Parquet formats: the
   * codec inside the files (default gzip for `parquet`, as AWS writes, zstd for `ocsf-parquet`).
   */
  readonly compress?: Compression | undefined;
  /** Replace files that exist already (default: refuse, naming the file). */
  readonly force?: boolean | undefined;
  /**
   * Add each record's interface names (and, for OCSF, the ids its format lacks) from the newest network snapshot
   * (default true; every format but `parquet`, which keeps AWS's own schema).
   */
  readonly names?: boolean | undefined;
}

export interface ExportSummary {
  readonly records: number;
  /** Things the user should know about the files (e.g. names left out for want of a snapshot). */
  readonly notes?: readonly string[];
  /** Paths relative to the destination (S3 keys for `s3://`), sorted. */
  readonly files: readonly string[];
}

/** Where an export writes: checked and prepared before the store is opened. */
export interface PreparedExport {
  /** The hidden folder DuckDB writes into (the only one it needs). */
  readonly work: string;
  /** The folder the finished files are renamed into (a temporary one for S3). */
  readonly dest: string;
  /** Single-file formats: the file's name in `dest`. */
  readonly fileName?: string | undefined;
  readonly compression: Compression;
  readonly s3?: S3Location | undefined;
  /** Removes the work folder (and for S3 the staging folder). */
  dispose(): Promise<void>;
}

/** An output path that cannot be written (missing permission, a file where a folder is needed, a file that exists). */
export class ExportPathError extends UserError {}

function isFlat(format: ExportFormat): format is FlatFormat {
  return format !== 'parquet' && format !== 'ocsf-parquet';
}

function checkFormat(format: string): asserts format is ExportFormat {
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(
      'BAD_FORMAT',
      `unknown export format "${format}"`,
      `use one of ${EXPORT_FORMATS.join(', ')}`,
    );
  }
}

/** The compression of a file name's suffix, if any. */
function suffixCompression(name: string): Compression | undefined {
  if (/\.gz$/i.test(name)) return 'gzip';
  if (/\.zst$/i.test(name)) return 'zstd';
  return undefined;
}

function pathProblem(err: unknown, path: string, what: string): ExportPathError {
  const code = (err as NodeJS.ErrnoException)?.code;
  const why =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied'
      : code === 'ENOTDIR' || code === 'EEXIST'
        ? 'a file is in the way (a folder is needed)'
        : code === 'EROFS'
          ? 'read-only file system'
          : err instanceof Error
            ? err.message
            : String(err);
  return new ExportPathError(
    'EXPORT_PATH',
    `cannot ${what} ${path}: ${why}`,
    'choose another --to, or fix the folder permissions',
  );
}

/**
 * Checks the destination and makes the work folder, before any record is read: an unknown format or compression,
 * a destination that cannot be written, or a file that exists (without `force`) fail here, naming the path.
 *
 * @example const p = await prepareExport({ to: 'out/flows.ocsf.ndjson.gz', format: 'ocsf' }) // p.compression === 'gzip'
 */
export async function prepareExport(opts: ExportOptions): Promise<PreparedExport> {
  checkFormat(opts.format);
  if (opts.compress !== undefined && !(COMPRESSIONS as readonly string[]).includes(opts.compress)) {
    throw new UsageError(
      'BAD_COMPRESSION',
      `unknown compression "${String(opts.compress)}"`,
      `use one of ${COMPRESSIONS.join(', ')}`,
    );
  }
  const s3 = parseS3Uri(opts.to);
  const flat = isFlat(opts.format);
  let dest: string;
  let fileName: string | undefined;
  const full = s3 ? undefined : resolve(opts.to);
  const namesFile =
    full !== undefined && FILE_NAME.test(full) && !(existsSync(full) && statSync(full).isDirectory());
  if (namesFile && !flat) {
    throw new UsageError(
      'EXPORT_NOT_A_FOLDER',
      `--format ${opts.format} writes a tree of Parquet files, so --to must be a folder, not ${opts.to}`,
      'give a folder (it is created if needed) or an s3:// prefix',
    );
  }
  const named = namesFile ? suffixCompression(full!) : undefined;
  if (named !== undefined && opts.compress !== undefined && opts.compress !== named) {
    throw new UsageError(
      'EXPORT_COMPRESSION_CONFLICT',
      `--compress ${opts.compress} does not match the file name ${opts.to} (${named})`,
      `drop --compress, or name the file ${full!.replace(/\.(gz|zst)$/i, SUFFIX[opts.compress])}`,
    );
  }
  const compression: Compression =
    named ?? opts.compress ?? (flat ? 'none' : opts.format === 'parquet' ? 'gzip' : 'zstd');
  let staging: string | undefined;
  if (s3) {
    staging = await mkdtemp(join(tmpdir(), 'flowwatch-export-'));
    dest = staging;
  } else if (namesFile) {
    dest = dirname(full!);
    fileName = basename(full!);
  } else {
    dest = full!;
  }
  if (flat && fileName === undefined) fileName = FLAT_FILE[opts.format as FlatFormat] + SUFFIX[compression];
  try {
    await mkdir(dest, { recursive: true });
  } catch (err) {
    throw pathProblem(err, dest, 'create the output folder');
  }
  if (fileName !== undefined && !s3) {
    const target = join(dest, fileName);
    if (existsSync(target)) {
      if (statSync(target).isDirectory()) {
        throw new ExportPathError(
          'EXPORT_PATH',
          `cannot write ${target}: it is a folder`,
          'choose another --to',
        );
      }
      if (!opts.force) {
        throw new ExportPathError(
          'EXPORT_EXISTS',
          `${target} exists already`,
          'add --force to replace it, or choose another --to',
        );
      }
      try {
        await access(target, 2 /* W_OK */);
      } catch (err) {
        throw pathProblem(err, target, 'replace');
      }
    }
  }
  let work: string;
  try {
    work = await mkdtemp(join(dest, '.flowwatch-export-'));
  } catch (err) {
    if (staging) await rm(staging, { recursive: true, force: true });
    throw pathProblem(err, dest, 'write into');
  }
  return {
    work,
    dest,
    fileName,
    compression,
    s3,
    async dispose() {
      await rm(work, { recursive: true, force: true });
      if (staging) await rm(staging, { recursive: true, force: true });
    },
  };
}

/**
 * Exports the records whose event time lies in [since, until). `prepared` comes from prepareExport (made here
 * when omitted).
 *
 * @example await exportFlows(store, { to: './out', format: 'parquet' }) // out/AWSLogs/aws-account-id=.../...log.parquet
 */
export async function exportFlows(
  store: Store,
  opts: ExportOptions,
  prepared?: PreparedExport,
): Promise<ExportSummary> {
  const p = prepared ?? (await prepareExport(opts));
  try {
    const sets = (await store.query(FIELD_SETS_SQL)).rows.map((r) => String(r['set']));
    const columns = exportColumns(sets);
    if (columns.length === 0) return { records: 0, files: [] }; // an empty store: nothing ever ingested
    const total = Number((await store.query(exportCountSql(opts))).rows[0]!['n']);
    opts.onProgress?.(0, total);
    const notes: string[] = [];
    const files =
      opts.format === 'parquet' || opts.format === 'ocsf-parquet'
        ? await writeTree(store, columns, opts, p, notes)
        : [await writeFlat(store, columns, opts, opts.format, p, notes)];
    opts.onProgress?.(total, total);
    const more = notes.length > 0 ? { notes } : {};
    if (p.s3) {
      await rm(p.work, { recursive: true, force: true });
      return { records: total, files: await uploadTree(p.dest, p.s3, opts.s3 ?? {}), ...more };
    }
    return { records: total, files: files.sort(), ...more };
  } finally {
    if (!prepared) await p.dispose();
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

/** A temporary lookup table of an export: its name and how many rows it holds. */
interface Lookup {
  readonly table: string;
  readonly rows: number;
}

/** Loads the enrichment of the records' endpoint addresses into a temporary table, or undefined. */
async function enrichTable(store: Store, key: EnrichKey, opts: ExportOptions): Promise<Lookup | undefined> {
  if (opts.enrich === false) return undefined;
  const enricher = await enricherOf(store);
  const rows: (string | number | null)[][] = [];
  for await (const chunk of store.streamRows(enrichAddressesSql(key, opts))) {
    for (const r of chunk) {
      const ip = String(r['ip']);
      const e = enricher.lookup(ip);
      if (e && (e.asNumber !== undefined || e.asOrganization !== undefined || e.country !== undefined))
        rows.push([ip, e.asNumber ?? null, e.asOrganization ?? null, e.country ?? null]);
    }
  }
  const table = `export_enrich_${process.pid}_${++enrichTables}`;
  await store.tempTable(table, ENRICH_COLUMNS, rows);
  return { table, rows: rows.length };
}
let enrichTables = 0;

/**
 * Loads the interface names of the newest network snapshot into a temporary table (interface_id, NAME_COLUMNS,
 * SNAPSHOT_ID_COLUMNS); its name, or undefined (and a note saying so) when the store has no snapshot.
 */
async function namesTable(store: Store, notes: string[], what: string): Promise<Lookup | undefined> {
  const names = await resourceNames(store);
  if (names === undefined) {
    notes.push(`${NO_SNAPSHOT_NAMES_NOTE}; ${what}`);
    return undefined;
  }
  const table = `export_names_${process.pid}_${++enrichTables}`;
  const rows = nameRows(names);
  await store.tempTable(
    table,
    [
      { name: 'interface_id', type: 'VARCHAR' },
      ...[...NAME_COLUMNS, ...SNAPSHOT_ID_COLUMNS].map((name) => ({ name, type: 'VARCHAR' as const })),
    ],
    rows,
  );
  return { table, rows: rows.length };
}

/** What an OCSF export lacks without a snapshot (the note's second half). */
const OCSF_NO_NAMES = `the OCSF events have no endpoint name nor ${NAME_COLUMNS.join(', ')} under unmapped`;

/**
 * Parquet trees. `parquet` (AWS layout under AWSLogs/): one partitioned COPY; DuckDB writes
 * `<hive partitions>/file=<stem>/data_<n>.parquet`, each renamed `<hive partitions>/<stem>_<hash>.log.parquet` in
 * `dest`. `ocsf-parquet` (Security Lake layout): one COPY per file (account, region and hour), each sorted by time,
 * written as `<hive partitions>/<stem>.parquet` in the work folder, then renamed into `dest`.
 */
async function writeTree(
  store: Store,
  columns: readonly FieldDef[],
  opts: ExportOptions,
  p: PreparedExport,
  notes: string[],
): Promise<string[]> {
  const codec: ParquetCodec = p.compression === 'none' ? 'uncompressed' : p.compression;
  if (opts.format === 'ocsf-parquet') return writeLake(store, columns, opts, p, notes, codec);
  const root = join(p.work, 'AWSLogs');
  await store.query(parquetExportSql(columns, opts, root, codec));
  const found: string[] = [];
  try {
    for await (const f of walk(root)) found.push(f);
  } catch {
    return []; // nothing in range: DuckDB wrote no folder
  }
  const moves: [string, string][] = [];
  for (const file of found) {
    const rel = relative(root, file).split(sep);
    const fileDir = rel[rel.length - 2] ?? '';
    const m = /^data_(\d+)\.parquet$/.exec(rel[rel.length - 1] ?? '');
    if (!fileDir.startsWith('file=') || !m) continue;
    const stem = decodeURIComponent(fileDir.slice('file='.length));
    const name = `${stem}_${fileHash(stem, Number(m[1]))}.log.parquet`;
    moves.push([file, join(p.dest, 'AWSLogs', ...rel.slice(0, -2), name)]);
  }
  refuseExisting(moves, opts, p);
  return moveInto(moves, p);
}

/** OCSF Parquet in Security Lake's layout: one COPY per account, region and hour, each sorted by time. */
async function writeLake(
  store: Store,
  columns: readonly FieldDef[],
  opts: ExportOptions,
  p: PreparedExport,
  notes: string[],
  codec: ParquetCodec,
): Promise<string[]> {
  const root = join(p.work, 'lake');
  const files = (await store.query(ocsfParquetFilesSql(opts))).rows.map(
    (r): LakeFile => ({
      account: String(r['account']),
      region: String(r['region']),
      hour: Number(r['hour']),
      day: String(r['day']),
      stem: String(r['stem']),
    }),
  );
  const rel = (f: LakeFile) => [
    `region=${f.region}`,
    `accountId=${f.account}`,
    `eventDay=${f.day}`,
    `${f.stem}.parquet`,
  ];
  const moves = files.map((f): [string, string] => [join(root, ...rel(f)), join(p.dest, ...rel(f))]);
  refuseExisting(moves, opts, p); // before any record is written
  const table = await enrichTable(store, 'ocsf', opts);
  // the owning endpoint's name and ids, the names under unmapped, from the newest network snapshot
  const names = opts.names === false ? undefined : await namesTable(store, notes, OCSF_NO_NAMES);
  try {
    for (const [i, f] of files.entries()) {
      const tmp = moves[i]![0];
      await mkdir(dirname(tmp), { recursive: true });
      await store.query(ocsfParquetFileSql(opts, f, tmp, table?.table, codec, columns, names?.table));
    }
  } finally {
    if (table) await store.dropTempTable(table.table);
    if (names) await store.dropTempTable(names.table);
  }
  return moveInto(moves, p);
}

/** Refuses (without `force`) to replace files that exist, naming the first. */
function refuseExisting(moves: readonly [string, string][], opts: ExportOptions, p: PreparedExport): void {
  if (opts.force || p.s3) return;
  const existing = moves.filter(([, target]) => existsSync(target)).map(([, t]) => t);
  if (existing.length > 0) {
    throw new ExportPathError(
      'EXPORT_EXISTS',
      `${existing[0]} exists already${existing.length > 1 ? ` (and ${existing.length - 1} more of this export's files)` : ''}`,
      'add --force to replace them, or choose another --to',
    );
  }
}

/** Renames the written files into place; their paths relative to `dest`, `/`-separated. */
async function moveInto(moves: readonly [string, string][], p: PreparedExport): Promise<string[]> {
  const out: string[] = [];
  for (const [file, target] of moves) {
    try {
      await mkdir(dirname(target), { recursive: true });
      await rename(file, target);
    } catch (err) {
      throw pathProblem(err, target, 'write');
    }
    out.push(relative(p.dest, target).split(sep).join('/'));
  }
  return out;
}

/**
 * Runs `copy`, a COPY whose every operator keeps the store's order, as DuckDB's order-keeping COPY (each thread's
 * batches written in scan order: the same store gives the same bytes, whatever the threads). DuckDB keeps the order
 * only with `preserve_insertion_order` on (the CLI's read-only store; a writable store has it off, so it is turned
 * on for the COPY). Should DuckDB still plan a COPY that writes in any order (checked in its plan), `sorted` is run
 * instead: the same lines in (file, line) order, at the cost of a sort of the documents.
 */
async function inStoreOrder(store: Store, copy: string, sorted: string): Promise<void> {
  const setting = async () =>
    String((await store.query(`SELECT current_setting('preserve_insertion_order') AS v`)).rows[0]!['v']);
  const before = await setting();
  let changed = false;
  if (before !== 'true') {
    try {
      await store.query('SET preserve_insertion_order = true');
      changed = true;
    } catch {
      // a confined store's configuration is locked: the plan check below falls back to the sort
    }
  }
  try {
    const plan = (await store.query(`EXPLAIN (FORMAT json) ${copy}`)).rows
      .map((r) => String(r['explain_value']))
      .join('');
    const top = (JSON.parse(plan) as { name?: string }[])[0]?.name;
    // On one thread DuckDB plans the plain COPY, written in the order of its one pipeline: the same order.
    const threads = Number((await store.query(`SELECT current_setting('threads') AS v`)).rows[0]!['v']);
    const keeps = top === 'BATCH_COPY_TO_FILE' || (threads === 1 && top === 'COPY_TO_FILE');
    await store.query(keeps ? copy : sorted);
  } finally {
    if (changed) await store.query('SET preserve_insertion_order = false');
  }
}

/** One file, written by DuckDB's COPY (OCSF/ECS mapped in SQL), then renamed into place. */
async function writeFlat(
  store: Store,
  columns: readonly FieldDef[],
  opts: ExportOptions,
  format: FlatFormat,
  p: PreparedExport,
  notes: string[],
): Promise<string> {
  const name = p.fileName ?? FLAT_FILE[format];
  const tmp = join(p.work, 'out');
  if (format === 'csv' || format === 'ndjson') {
    const table =
      opts.names === false
        ? undefined
        : await namesTable(store, notes, `the export has no ${NAME_COLUMNS.join(', ')} columns`);
    try {
      await store.query(
        flatExportSql(
          columns,
          opts,
          tmp,
          format,
          p.compression,
          table === undefined ? undefined : { table: table.table, columns: NAME_COLUMNS },
        ),
      );
    } finally {
      if (table) await store.dropTempTable(table.table);
    }
  } else {
    const table = await enrichTable(store, format, opts);
    // ECS: cloud.instance.name; OCSF: the owning endpoint's name and ids, the names under unmapped
    const names =
      opts.names === false
        ? undefined
        : await namesTable(
            store,
            notes,
            format === 'ecs' ? 'the ECS documents have no cloud.instance.name' : OCSF_NO_NAMES,
          );
    try {
      const files = Number((await store.query('SELECT count(*) AS n FROM files')).rows[0]!['n']);
      const sizes = { files, enrich: table?.rows, names: names?.rows };
      const copy = (orderBy: boolean) =>
        linesCopySql(
          jsonLinesSelect(format, opts, table?.table, columns, names?.table, sizes, orderBy),
          tmp,
          p.compression,
        );
      await inStoreOrder(store, copy(false), copy(true));
    } finally {
      if (table) await store.dropTempTable(table.table);
      if (names) await store.dropTempTable(names.table);
    }
  }
  const target = join(p.dest, name);
  try {
    await rename(tmp, target);
  } catch (err) {
    throw pathProblem(err, target, 'write');
  }
  return name;
}

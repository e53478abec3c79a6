// Ingest: files, directory trees and stdin into the store, in parallel, one crash-safe transaction per file.

import { createWriteStream, rmSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { SourceError, UserError } from '../core/errors.js';
import type { TimeSource } from '../records/event-time.js';
import { DEFAULT, detectHeader, type Format, parseFormat } from '../records/format.js';
import { parseKey } from '../records/s3-key.js';
import { updateAddressDictionary } from '../storage/address-dictionary.js';
import type {
  BatchItem,
  DeriveSql,
  FileMeta,
  FileProblem,
  Loader,
  LoadResult,
  RejectInfo,
  Store,
} from '../storage/store.js';
import { discover } from './discover.js';
import { type FileKind, fileKind, fileKindOf, sha256, sha256File } from './file-probe.js';
import { LineFile, type LineTimesAt, type NormalTarget, normalize, normalizeBytes } from './normalize.js';
import { Scratch } from './scratch.js';

export interface IngestOptions {
  /** Format of header-less input (CloudWatch Logs exports, stdin). Default: the default format. */
  readonly format?: Format | undefined;
  readonly since?: number | undefined;
  readonly until?: number | undefined;
  /** Files loaded at once (default: the number of cores, at most 4). */
  readonly concurrency?: number | undefined;
  /** Where stdin ("-") is read from; tests pass their own stream. */
  readonly stdin?: NodeJS.ReadableStream | undefined;
  readonly onProgress?: ((p: IngestProgress) => void) | undefined;
  /** Folder for scratch files; the caller owns it. Default: a run folder made (and removed) by `Scratch`. */
  readonly scratch?: string | undefined;
  /** SQL run in each file's transaction after its records (metric-filter datapoints). */
  readonly derive?: DeriveSql | undefined;
  /** Re-ingest files already in the store (same content or path): old rows and rejects replaced atomically. */
  readonly replace?: boolean | undefined;
  /** Most text files (and lines) loaded in one transaction; default BATCH_MAX_FILES and BATCH_MAX_LINES. */
  readonly batch?: { readonly files?: number; readonly lines?: number } | undefined;
}

export interface IngestProgress {
  readonly filesDone: number;
  readonly filesTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly records: number;
}

export interface FileReport {
  readonly file: string;
  readonly status: 'loaded' | 'duplicate' | 'failed';
  readonly records: number;
  readonly rejected: number;
  readonly format?: string;
  readonly message?: string;
  /** Stored files this load replaced, and why. */
  readonly replaced?: LoadResult['replaced'];
  /** A file of 0 bytes (one already stored is a `duplicate` of every other empty file). */
  readonly empty?: boolean;
}

/** SHA-256 of no bytes: the content hash every empty file shares. */
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface IngestSummary {
  /** Files found (after pruning). */
  readonly files: number;
  readonly loaded: number;
  readonly duplicates: number;
  readonly failed: number;
  /** Files skipped by --since/--until from their S3 key alone. */
  readonly pruned: number;
  /** Files in the given directories skipped for their names (not .log, .gz, .parquet), and the first few. */
  readonly skippedByName: number;
  readonly skippedExamples: readonly string[];
  readonly records: number;
  readonly rejected: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly recordsPerSecond: number;
  /** The first rejected lines, with file, line, field and reason. */
  readonly firstRejects: readonly (RejectInfo & { file: string })[];
  /** Field names not in the catalog, kept as text in `extra`. */
  readonly unknownFields: readonly string[];
  readonly fileReports: readonly FileReport[];
  /** Files loaded again because their earlier ingest had every line rejected. */
  readonly retried: number;
  /** Files re-ingested over their stored version (`replace`). */
  readonly replaced: number;
  /** Files loaded now whose every line was rejected: not "done", a later ingest retries them. */
  readonly allRejected: readonly string[];
  /**
   * Files that held no record and no rejected line (empty, or a header line only; an empty file already stored
   * counts too): nothing was loaded from them, which the totals alone would not say.
   */
  readonly noRecords: readonly string[];
  /** File ids loaded in this run (to export their rejects). */
  readonly fileIds: readonly number[];
  /** How many loaded records took their event time from each source (src/records/event-time.ts). */
  readonly timeSources: Partial<Record<TimeSource, number>>;
}

const MAX_FIRST_REJECTS = 10;

/**
 * Text files loaded in one transaction, at most: this many files, or until they hold this many lines (a batch
 * of thousands of 5-minute files costs one commit; one large file is a batch of its own). Decision record
 * 45-ingest-batching.
 */
export const BATCH_MAX_FILES = 500;
export const BATCH_MAX_LINES = 1_000_000;

/** A split file waiting in its worker's batch. */
interface Pending {
  readonly index: number;
  readonly label: string;
  readonly file: string;
  readonly item: BatchItem;
}

/**
 * A worker's batch of one format: the normal lines of all its files in ONE scratch file, each line tagged with
 * its file (DuckDB's reader then opens one file per batch, not one per small file), and the files waiting.
 */
interface OpenBatch {
  readonly file: LineFile;
  readonly items: Pending[];
  /** Tags handed out (a file failing while it is split keeps its tag; its lines are left out). */
  tags: number;
  lines: number;
}

/** Files up to this size are read into memory once (hash, kind and split from the same bytes); larger ones are streamed twice. */
const READ_WHOLE_BYTES = 32 << 20;

/** With at most this many files stored, their hashes are read once and a file is looked up only on a match. */
const KNOWN_HASHES_MAX = 200_000;

/** Removes a split file's scratch copies (they are also removed with the scratch folder at the end). */
function removeScratch(split: { normalPath: string; oddPath: string }): void {
  rmSync(split.normalPath, { force: true });
  rmSync(split.oddPath, { force: true });
}

/** Spools stdin to a temporary file so that it is loaded (and de-duplicated) like any other file. */
async function spoolStdin(stream: NodeJS.ReadableStream, dir: string): Promise<string> {
  const out = join(dir, 'stdin.log');
  await pipeline(stream, createWriteStream(out));
  return out;
}

/**
 * Ingests the given paths (files, directories, "-" for stdin) into the store.
 *
 * @example const summary = await ingest(store, ['./AWSLogs'], {}); summary.records
 */
export async function ingest(
  store: Store,
  paths: readonly string[],
  opts: IngestOptions = {},
): Promise<IngestSummary> {
  const t0 = performance.now();
  const { files, pruned, skippedByName, skippedExamples } = await discover(paths, opts.since, opts.until);
  const own = opts.scratch === undefined ? await Scratch.create() : undefined;
  const tmp = opts.scratch ?? own!.dir;
  try {
    const sizes = new Map<string, number>();
    let stdinPath: string | undefined;
    for (const f of files) {
      if (f === '-') {
        stdinPath = await spoolStdin(opts.stdin ?? process.stdin, tmp);
        sizes.set(f, (await stat(stdinPath)).size);
      } else {
        sizes.set(f, (await stat(f)).size);
      }
    }
    const bytesTotal = [...sizes.values()].reduce((a, b) => a + b, 0);
    let bytesDone = 0;
    let filesDone = 0;
    let recordsDone = 0;
    const reports: FileReport[] = new Array(files.length);
    const firstRejects: (RejectInfo & { file: string })[] = [];
    const unknown = new Set<string>();
    const fileIds: number[] = [];
    const claimed = new Map<string, string>();
    const timeSources: Partial<Record<TimeSource, number>> = {};
    let next = 0;

    /** Files of each worker split and waiting to be loaded in one transaction, per format (see flush). */
    const pending: Map<string, OpenBatch>[] = [];
    let scratchSeq = 0;
    /** Hashes of the stored files (undefined: too many to hold, each file is looked up): see KNOWN_HASHES_MAX. */
    let known: Promise<Set<string> | undefined> | undefined;
    const maxFiles = Math.max(1, opts.batch?.files ?? BATCH_MAX_FILES);
    const maxLines = Math.max(1, opts.batch?.lines ?? BATCH_MAX_LINES);

    const progress = (file: string): void => {
      filesDone++;
      bytesDone += sizes.get(file) ?? 0;
      opts.onProgress?.({ filesDone, filesTotal: files.length, bytesDone, bytesTotal, records: recordsDone });
    };
    const record = (index: number, label: string, format: Format, result: LoadResult): void => {
      for (const u of format.unknown) unknown.add(u);
      if (result.status === 'loaded') fileIds.push(result.fileId);
      for (const rej of result.firstRejects) {
        if (firstRejects.length < MAX_FIRST_REJECTS) firstRejects.push({ ...rej, file: label });
      }
      recordsDone += result.records;
      for (const [k, v] of Object.entries(result.timeSources) as [TimeSource, number][]) {
        timeSources[k] = (timeSources[k] ?? 0) + v;
      }
      reports[index] = {
        file: label,
        status: result.status,
        records: result.records,
        rejected: result.rejected,
        format: format.text,
        ...(result.duplicateOf ? { message: `already ingested as ${result.duplicateOf}` } : {}),
        ...(result.replaced ? { replaced: result.replaced } : {}),
      };
    };
    const failed = (index: number, label: string, err: unknown): void => {
      if (!(err instanceof UserError)) throw err;
      reports[index] = { file: label, status: 'failed', records: 0, rejected: 0, message: err.message };
    };

    /**
     * Loads a worker's waiting files: several in one transaction (Loader.loadTextBatch), so that thousands of
     * small files do not pay a transaction, a commit and a dozen statements each. When the batch fails, its
     * files are loaded one by one, each in its own transaction, so that a bad file fails alone.
     */
    const flush = async (loader: Loader, worker: number, format: string): Promise<void> => {
      const open = pending[worker]?.get(format);
      if (open === undefined) return;
      pending[worker]!.delete(format);
      const batch = open.items;
      try {
        await open.file.close();
        if (batch.length === 0) return;
        let results: LoadResult[] | undefined;
        if (batch.length > 1) {
          results = await loader.loadTextBatch(batch.map((b) => b.item)).catch(() => undefined);
        }
        for (let j = 0; j < batch.length; j++) {
          const b = batch[j]!;
          try {
            const result =
              results?.[j] ??
              (await loader.loadText(b.item.meta, b.item.split, b.item.problems).catch((err: unknown) => {
                throw new SourceError('UNREADABLE', b.label, `cannot load the file: ${firstLineOf(err)}`);
              }));
            record(b.index, b.label, b.item.meta.format, result);
          } catch (err) {
            failed(b.index, b.label, err);
          } finally {
            progress(b.file);
          }
        }
      } finally {
        for (const b of batch) removeScratch(b.item.split);
        rmSync(open.file.path, { force: true });
      }
    };
    const flushAll = async (loader: Loader, worker: number): Promise<void> => {
      for (const format of [...(pending[worker]?.keys() ?? [])]) await flush(loader, worker, format);
    };

    const one = async (loader: Loader, worker: number, file: string, index: number): Promise<void> => {
      const label = file === '-' ? '<stdin>' : file;
      const real = file === '-' ? stdinPath! : file;
      let waiting = false;
      try {
        // A small file is read once: its kind, hash and lines come from the same bytes.
        const whole = (sizes.get(file) ?? Infinity) <= READ_WHOLE_BYTES ? await readFile(real) : undefined;
        const kind = whole === undefined ? await fileKind(real) : fileKindOf(whole);
        if (kind === 'binary') {
          throw new SourceError(
            'BINARY',
            label,
            'is neither a flow log text file, gzip nor Parquet (it holds binary data)',
            'check the path; flow logs are .log, .log.gz or .parquet files',
          );
        }
        const sha = whole === undefined ? await sha256File(real) : sha256(whole);
        known ??= loader.storedHashes(KNOWN_HASHES_MAX);
        const stored = opts.replace ? undefined : await known;
        const twin =
          claimed.get(sha) ??
          (opts.replace || (stored !== undefined && !stored.has(sha))
            ? undefined
            : await loader.ingestedAs(sha));
        if (twin !== undefined) {
          reports[index] = {
            file: label,
            status: 'duplicate',
            records: 0,
            rejected: 0,
            message: `same content as ${twin}`,
            ...(sha === EMPTY_SHA256 ? { empty: true } : {}),
          };
          return;
        }
        claimed.set(sha, label);
        const bytes = sizes.get(file) ?? 0;
        if (kind === 'parquet' || file === '-') {
          const r = await loadFile(
            loader,
            { label, path: real, kind, sha256: sha },
            bytes,
            opts.format,
            { normal: join(tmp, `normal-${worker}.txt`), odd: join(tmp, `odd-${worker}.txt`) },
            opts.replace === true,
          );
          record(index, label, r.format, r.result);
          return;
        }
        const seq = scratchSeq++;
        const odd = join(tmp, `odd-${seq}.txt`);
        // A batch holds one format (one record table): the file's normal lines go to its worker's open batch of
        // the format its first line names (a new one when there is none), tagged with the file.
        const batches = pending[worker] ?? new Map<string, OpenBatch>();
        pending[worker] = batches;
        let mine: { batch: OpenBatch } | undefined;
        const target: NormalTarget = (format) => {
          let batch = batches.get(format.text);
          if (batch === undefined) {
            batch = {
              file: new LineFile(join(tmp, `normal-${scratchSeq++}.txt`)),
              items: [],
              tags: 0,
              lines: 0,
            };
            batches.set(format.text, batch);
          }
          mine = { batch };
          return { file: batch.file, tag: batch.tags++ };
        };
        let item: BatchItem;
        try {
          item = await splitText(
            label,
            whole ?? real,
            kind,
            keyMeta(label, sha, bytes, opts.replace === true),
            opts.format,
            { normal: target, odd },
          );
        } catch (err) {
          rmSync(odd, { force: true });
          throw err;
        }
        // A file with no line named no format: it joins (or opens) the batch of the format it was given.
        let batch = mine?.batch ?? batches.get(item.meta.format.text);
        if (batch === undefined) {
          batch = {
            file: new LineFile(join(tmp, `normal-${scratchSeq++}.txt`)),
            items: [],
            tags: 0,
            lines: 0,
          };
          batches.set(item.meta.format.text, batch);
        }
        batch.items.push({ index, label, file, item });
        waiting = true;
        batch.lines += item.split.normalLines + item.split.oddLines;
        if (batch.items.length >= maxFiles || batch.lines >= maxLines) {
          await flush(loader, worker, item.meta.format.text);
        }
      } catch (err) {
        failed(index, label, err);
      } finally {
        if (!waiting) progress(file);
      }
    };

    const workers = Math.max(
      1,
      Math.min(opts.concurrency ?? Math.min(availableParallelism(), 4), files.length),
    );
    await Promise.all(
      Array.from({ length: workers }, async (_, worker) => {
        const loader = await store.loader(opts.derive);
        try {
          for (let i = next++; i < files.length; i = next++) await one(loader, worker, files[i]!, i);
          await flushAll(loader, worker);
        } finally {
          loader.close();
        }
      }),
    );

    // The new files' addresses into the hunt's dictionary (on a store that had none: every file's, once).
    await updateAddressDictionary(store);
    if (fileIds.length > 0) await store.checkpoint();
    const seconds = (performance.now() - t0) / 1000;
    const sum = (k: 'records' | 'rejected') => reports.reduce((a, r) => a + r[k], 0);
    const records = sum('records');
    return {
      files: files.length,
      loaded: reports.filter((r) => r.status === 'loaded').length,
      duplicates: reports.filter((r) => r.status === 'duplicate').length,
      failed: reports.filter((r) => r.status === 'failed').length,
      pruned,
      skippedByName,
      skippedExamples,
      records,
      rejected: sum('rejected'),
      bytes: bytesTotal,
      seconds,
      recordsPerSecond: seconds > 0 ? records / seconds : 0,
      firstRejects: firstRejects.sort((a, b) =>
        a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1,
      ),
      unknownFields: [...unknown].sort(),
      fileReports: reports,
      retried: reports.filter((r) => r.replaced?.some((x) => x.reason === 'all-rejected')).length,
      replaced: reports.filter((r) => r.replaced?.some((x) => x.reason === 'replace')).length,
      allRejected: reports
        .filter((r) => r.status === 'loaded' && r.records === 0 && r.rejected > 0)
        .map((r) => r.file),
      noRecords: reports
        .filter((r) => (r.status === 'loaded' && r.records === 0 && r.rejected === 0) || r.empty === true)
        .map((r) => r.file),
      fileIds,
      timeSources,
    };
  } finally {
    own?.remove();
  }
}

/** A file ready to load: its name for the store, its real path, kind and content hash. */
export interface Probed {
  readonly label: string;
  readonly path: string;
  readonly kind: Exclude<FileKind, 'binary'>;
  readonly sha256: string;
}

/**
 * Loads one probed file with a loader (one transaction): text and gzip through the line splitter, Parquet by
 * column names. `given` is the format of header-less text. Throws SourceError when the file cannot be read.
 */
export async function loadFile(
  loader: Loader,
  { label, path, kind, sha256 }: Probed,
  bytes: number,
  given: Format | undefined,
  scratch: { normal: string; odd: string },
  replace = false,
): Promise<{ format: Format; result: LoadResult }> {
  const base = keyMeta(label, sha256, bytes, replace);
  if (kind === 'parquet') {
    let schema: { name: string }[];
    try {
      schema = await loader.parquetSchema(path);
    } catch (err) {
      throw new SourceError('BAD_PARQUET', label, `cannot read the Parquet file: ${firstLineOf(err)}`);
    }
    const names = schema.map((c) => c.name);
    const format = parseFormat(names.join(' '));
    return { format, result: await loader.loadParquet({ ...base, kind: 'parquet', format }, names) };
  }
  const text = await splitText(label, path, kind, base, given, scratch);
  try {
    const result = await loader.loadText(text.meta, text.split, text.problems);
    return { format: text.meta.format, result };
  } catch (err) {
    throw new SourceError('UNREADABLE', label, `cannot load the file: ${firstLineOf(err)}`);
  }
}

/** The S3-key facts of a file, for its `files` row. */
function keyMeta(label: string, sha256: string, bytes: number, replace: boolean) {
  const key = parseKey(label);
  return {
    replace,
    path: label,
    sha256,
    bytes,
    account: key.account,
    region: key.region,
    flowLogId: key.flowLogId,
    keyTime: key.fileTime ?? key.from,
  };
}

/** A text file split into its scratch files, ready for Loader.loadText or a batch (Loader.loadTextBatch). */
async function splitText(
  label: string,
  source: string | Buffer,
  kind: 'text' | 'gzip',
  base: ReturnType<typeof keyMeta>,
  given: Format | undefined,
  scratch: { normal: NormalTarget; odd: string },
): Promise<BatchItem> {
  // Where the normal lines went: the file's own scratch file, or its tag in a batch's shared file.
  let shared: { path: string; tag: number } | undefined;
  const target: NormalTarget =
    typeof scratch.normal === 'string'
      ? scratch.normal
      : (format) => {
          const to = (scratch.normal as Exclude<NormalTarget, string>)(format);
          shared = { path: to.file.path, tag: to.tag };
          return to;
        };
  const split = await normalize(
    source,
    kind === 'gzip',
    (first) => {
      const header = detectHeader(first);
      return header ? { format: header, header: true } : { format: given ?? DEFAULT, header: false };
    },
    target,
    scratch.odd,
  );
  const meta: FileMeta = { ...base, kind: label === '<stdin>' ? 'stdin' : kind, format: split.format };
  // A damaged gzip file keeps every whole line before the damage; the damage itself is a reject.
  const problems: FileProblem[] = [...split.problems];
  if (split.damage) {
    problems.push({
      line: split.damage.line,
      code: 'TRUNCATED',
      reason: `${split.damage.reason}; the ${split.damage.line - 1} lines before it were read`,
    });
  }
  return {
    meta,
    split: {
      normalPath: shared?.path ?? (typeof scratch.normal === 'string' ? scratch.normal : ''),
      normalLines: split.normalLines,
      oddPath: scratch.odd,
      oddLines: split.oddLines,
      ...(shared ? { tag: shared.tag } : {}),
    },
    problems,
  };
}

/**
 * Loads a live batch held in memory (its lines joined by LF) with a loader, in one transaction, as loadFile loads a
 * text file but without writing and re-reading it: the bytes are split straight into the normal and odd scratch
 * files. With `times`, each normal line carries its event's time into DuckDB's reader (no join); the few odd
 * lines with a time go to `timesPath`, joined on their line numbers by the general path.
 */
export async function loadBytes(
  loader: Loader,
  label: string,
  bytes: Buffer,
  sha256: string,
  given: Format | undefined,
  scratch: { normal: string; odd: string; times: string },
  times: LineTimesAt | undefined,
  /** Every key of the batch was made for it alone (Batch.fresh): no earlier version is looked up. */
  fresh = false,
): Promise<{ format: Format; result: LoadResult }> {
  const split = await normalizeBytes(
    bytes,
    (first) => {
      const header = detectHeader(first);
      return header ? { format: header, header: true } : { format: given ?? DEFAULT, header: false };
    },
    scratch.normal,
    scratch.odd,
    times,
  );
  const meta: FileMeta = {
    ...keyMeta(label, sha256, bytes.length, false),
    kind: 'text',
    format: split.format,
    ...(fresh ? { fresh } : {}),
  };
  if (split.oddTimes !== '') await writeFile(scratch.times, split.oddTimes);
  try {
    const result = await loader.loadText(
      meta,
      {
        normalPath: scratch.normal,
        normalLines: split.normalLines,
        oddPath: scratch.odd,
        oddLines: split.oddLines,
        normalTimes: split.normalTimes,
        timesPath: split.oddTimes === '' ? undefined : scratch.times,
      },
      split.problems,
    );
    return { format: split.format, result };
  } catch (err) {
    throw new SourceError('UNREADABLE', label, `cannot load the batch: ${firstLineOf(err)}`);
  }
}

function firstLineOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

// The DuckDB module: the only importer of @duckdb/node-api. Opens the store, owns its schema, loads files
// in crash-safe per-file transactions, runs read-only queries on reader connections with a time limit, and
// runs user SQL in the sandbox (see sandbox.ts).

import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { batchPause, crashPoint } from '../core/crash-points.js';
import { QueryTimeoutError, StoreError, UserError } from '../core/errors.js';
import { findPastedSql } from '../core/pasted-text.js';
import { protocolNumber, servicePort } from '../core/protocols.js';
import type { TimeSource } from '../records/event-time.js';
import { type Format, parseFormat } from '../records/format.js';
import { DELETE_ADDRESS_KEY_FILE } from './address-dictionary.js';
import { DuckDBInstance } from './duckdb.js';
import {
  eventTimeSql,
  lineTimesSql,
  normalRecordsSql,
  oddSelectSql,
  parquetSelectSql,
  type TimeInputs,
} from './ingest-sql.js';
import { LogEventStore } from './log-events.js';
import { DELETE_OVERVIEW_ROLLUP, overviewRollupSql } from './overview-rollup.js';
import { QueryGate } from './query-gate.js';
import {
  DELETE_REJECT_ROLLUP,
  pendingRollupSql,
  rejectRollupSql,
  WIDEN_REJECT_ROLLUP,
} from './reject-rollup.js';
import { checkSandboxedSql, SANDBOX_SYSTEM_VIEWS, type SandboxCatalog, SandboxError } from './sandbox.js';
import {
  baseSchema,
  fieldSet,
  flowsViewDdl,
  LIST_RECORD_TABLES,
  migrationSql,
  recordTableDdl,
  registerRecordTable,
  SCHEMA_VERSION,
  schemaFingerprint,
  schemaFingerprintSql,
  sourceCheckpointSql,
  sourceKeyIfNewSql,
} from './schema.js';
import { ident, literal } from './sql.js';
import { sqlErrorSpan } from './sql-error-span.js';
import { DELETE_VIEW_ROLLUPS, viewRollupSql } from './view-rollups.js';

/** The tables of the base schema (baseSchema's CREATE TABLE statements). */
const BASE_TABLES = new Set(
  baseSchema().flatMap((sql) => /^CREATE TABLE IF NOT EXISTS (\w+)/.exec(sql)?.slice(1) ?? []),
);

/** A query result as plain JSON-friendly values (64-bit integers become numbers when exact, else strings). */
export interface QueryResult {
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly rows: readonly Record<string, unknown>[];
  /** True when the row cap cut the result. */
  readonly truncated: boolean;
}

export interface OpenOptions {
  /** Open for reading only, with file system access disabled (for user SQL). */
  readonly readOnly?: boolean;
  /** DuckDB memory limit, e.g. '1GB'. Bounds memory whatever the input size (DuckDB spills to disk). */
  readonly memoryLimit?: string;
  /** Where DuckDB spills what does not fit the memory limit (default: `<store>.tmp`). */
  readonly tempDirectory?: string;
  /**
   * Confine the database to these directories: it reads and writes files only under them (and its own
   * database, WAL and spill files); every other path and URL, extension installation and loading, and any
   * change of settings are refused by DuckDB itself. A store that runs user SQL (sandboxQuery) must be
   * confined or read-only. `[]` allows no directory at all.
   */
  readonly confineTo?: readonly string[];
  /** The line user queries (withReader, sandboxQuery) wait in; default: half the libuv pool, 64 waiting. */
  readonly queryGate?: QueryGate;
  /**
   * DuckDB's threads for the whole instance (every connection: a setting of the instance, not of a connection);
   * default DuckDB's own, one per core. 1 runs each statement on the thread that calls it: small statements (a
   * live batch's insert, commit and rollups) cost less CPU, large queries lose their parallelism (decision record
   * "PutLogEvents speed 4").
   */
  readonly threads?: number;
}

/**
 * Takes away the file, network and extension access of `conn`'s whole instance, but for files under
 * `directories` and the exact files `paths`, and locks its configuration, so that nothing run on any of its
 * connections can give them back. (The database's own files and spill folder stay allowed: DuckDB adds them.)
 *
 * @example await confine(conn, { directories: ['/var/lib/flowwatch/scratch'] })
 */
export async function confine(
  conn: DuckDBConnection,
  allow: { readonly directories?: readonly string[]; readonly paths?: readonly string[] },
): Promise<void> {
  await conn.run('SET autoinstall_known_extensions = false');
  await conn.run('SET autoload_known_extensions = false');
  const dirs = allow.directories ?? [];
  if (dirs.length > 0) {
    // A trailing separator, or `/data/logs` would also allow `/data/logs-private`.
    const list = dirs.map((d) => literal(resolve(d).replace(/[\\/]+$/, '') + sep));
    await conn.run(`SET allowed_directories = [${list.join(', ')}]`);
  }
  const paths = allow.paths ?? [];
  if (paths.length > 0) {
    await conn.run(`SET allowed_paths = [${paths.map((p) => literal(p)).join(', ')}]`);
  }
  await conn.run('SET enable_external_access = false');
  await conn.run('SET lock_configuration = true');
}

/** What is known about a file before it is loaded. */
export interface FileMeta {
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly kind: 'text' | 'gzip' | 'parquet' | 'stdin';
  readonly format: Format;
  readonly account?: string | undefined;
  readonly region?: string | undefined;
  readonly flowLogId?: string | undefined;
  /** Unix seconds of the file's S3 key time (the 5-minute slot), when known. */
  readonly keyTime?: number | undefined;
  /** Replace a stored file with the same content or path (`ingest --replace`) instead of skipping it. */
  readonly replace?: boolean | undefined;
  /**
   * A live batch whose every key was made for it alone (Batch.fresh): no stored file can have its content hash
   * (which covers the keys) nor its path (which holds one), so the look-up of an earlier version is skipped.
   */
  readonly fresh?: boolean | undefined;
}

/**
 * A problem found before DuckDB reads the file, recorded as a reject: a truncated gzip stream (TRUNCATED: the
 * file is then stored as not complete), an over-long line, trailing garbage after the gzip data.
 */
export interface FileProblem {
  readonly line: number;
  readonly code: string;
  readonly reason: string;
  /** The line's text (or its start), when there is one. */
  readonly text?: string | null;
}

export interface LoadResult {
  readonly status: 'loaded' | 'duplicate';
  readonly fileId: number;
  readonly records: number;
  readonly rejected: number;
  /** The first few rejects, for the summary. */
  readonly firstRejects: readonly RejectInfo[];
  /** For duplicates: the path under which the same content was ingested before. */
  readonly duplicateOf?: string;
  /** How many of the loaded records took their event time from each source. */
  readonly timeSources: Partial<Record<TimeSource, number>>;
  /**
   * Stored files this load replaced (in its transaction): `replace` (asked for), `all-rejected` (the same content
   * whose every line was rejected, e.g. read with the wrong --format), `incomplete` (a truncated earlier version).
   */
  readonly replaced?: readonly { readonly path: string; readonly reason: ReplaceReason }[];
}

/** Why a load replaced a stored file. */
export type ReplaceReason = 'replace' | 'all-rejected' | 'incomplete';

/** A stored file chosen by `forget`, with what it holds. */
export interface StoredFile {
  readonly id: number;
  readonly path: string;
  readonly records: number;
  readonly rejected: number;
}

export interface RejectInfo {
  readonly line: number;
  readonly code: string;
  readonly field: string | null;
  readonly reason: string;
  readonly text: string | null;
}

const FIRST_REJECTS = 5;

/**
 * SQL derived from a file's records inside its load transaction (e.g. metric-filter datapoints): given the
 * file's format and a relation over its rows, the statements to run before COMMIT.
 */
export type DeriveSql = (format: Format, rows: string, fileId: number) => readonly (string | BoundSql)[];

/** A statement with its bound parameters (values that are not written into SQL text, e.g. a BLOB). */
export interface BoundSql {
  readonly sql: string;
  readonly params: readonly DuckDBValue[];
}

/** Runs a statement given as text or with bound parameters. */
function runSql(c: DuckDBConnection, s: string | BoundSql): Promise<unknown> {
  return typeof s === 'string' ? c.run(s) : c.run(s.sql, [...s.params]);
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Converts a DuckDB JS value into plain JSON-friendly data. */
function plain(v: unknown): unknown {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'bigint') return v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : v.toString();
    return v;
  }
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString().replace('.000Z', 'Z');
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(plain);
  // a row or a struct (a result's rows are many: one loop, no intermediate arrays)
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = plain((v as Record<string, unknown>)[k]);
  return out;
}

/**
 * Runs a query and reads its rows. With `stream`, rows are pulled only until `maxRows + 1` are read (a
 * materialized result computes every row first, however many are wanted).
 */
export async function read(
  conn: DuckDBConnection,
  sql: string,
  params?: DuckDBValue[],
  maxRows?: number,
  stream = false,
) {
  const reader =
    maxRows === undefined
      ? await conn.runAndReadAll(sql, params)
      : stream
        ? await conn.streamAndReadUntil(sql, maxRows + 1, params)
        : await conn.runAndReadUntil(sql, maxRows + 1, params);
  const names = reader.columnNames();
  const types = reader.columnTypes().map((t) => t.toString());
  let rows = reader.getRowObjectsJS().map((r) => plain(r) as Record<string, unknown>);
  const truncated = maxRows !== undefined && rows.length > maxRows;
  if (truncated) rows = rows.slice(0, maxRows);
  return { columns: names.map((name, i) => ({ name, type: types[i] ?? '' })), rows, truncated };
}

/** Turns a DuckDB error into a user-facing StoreError, keeping DuckDB's own explanation. */
export function userSqlError(err: unknown, sql?: string): StoreError {
  const msg = (err instanceof Error ? err.message : String(err)).replace(/\s+$/, '');
  if (sql === undefined) return new StoreError('SQL_ERROR', msg);
  // The caret context DuckDB appends is turned into a span of the text the user sent (run as is, unwrapped).
  const s = sqlErrorSpan(sql, msg);
  // The findings tables appear with the first `flowwatch detect` (or live detection): say so, not just "no table".
  const noFindings = /Table with name (findings|finding_states) does not exist/i.test(msg)
    ? 'no findings are stored yet: flowwatch detect (or the monitor, live) stores them in the table findings'
    : undefined;
  // A date compared with start or end (unix seconds): DuckDB says only that the text is not a number.
  const date = /Could not convert string '(\d{4}-\d{2}-\d{2}[^']*)' to (U?BIGINT|U?INT(?:EGER|32|64)?)/i.exec(
    msg,
  );
  const dateHint = date
    ? `start and end are unix seconds (BIGINT), not timestamps: write start >= epoch(TIMESTAMP '${date[1]}'), or compare to_timestamp(start) with a TIMESTAMP`
    : undefined;
  // A port or protocol by name (dstport = 'https', protocol = 'tcp'): the columns hold numbers.
  const named = /Could not convert string '([A-Za-z][\w-]*)' to (U?BIGINT|U?INT(?:EGER|32|64)?)/i.exec(msg);
  const port = named ? servicePort(named[1]!) : undefined;
  const proto = named ? protocolNumber(named[1]!) : undefined;
  const nameHint =
    port !== undefined
      ? `srcport and dstport hold port numbers, not service names: write ${port} for '${named![1]}'`
      : proto !== undefined
        ? `protocol holds the IANA protocol number, not its name: write ${proto} for '${named![1]}'`
        : undefined;
  const literalOf = date?.[1] ?? (nameHint !== undefined ? named?.[1] : undefined);
  let span = s.start !== undefined && s.end !== undefined ? { start: s.start, end: s.end } : undefined;
  if (literalOf !== undefined && span === undefined) {
    // DuckDB gives no position for a conversion error: underline the literal itself when it occurs once.
    const literal = `'${literalOf}'`;
    const at = sql.indexOf(literal);
    if (at >= 0 && sql.indexOf(literal, at + 1) < 0) span = { start: at, end: at + literal.length };
  }
  return new SandboxError('SQL_ERROR', s.message, noFindings ?? dateHint ?? nameHint, span);
}

/** What is left of a time limit started at `started` (at least 1 ms; undefined: no limit). */
function remaining(timeoutMs: number | undefined, started: number): number | undefined {
  if (timeoutMs === undefined || !Number.isFinite(timeoutMs)) return timeoutMs;
  return Math.max(1, timeoutMs - (Date.now() - started));
}

/**
 * Interrupts `conn` once `timeoutMs` have passed (and again every 25 ms, in case the interrupt fell between two
 * queries), calling `onExpire` first. Returns the function that cancels it.
 */
export function deadline(
  conn: DuckDBConnection,
  timeoutMs: number | undefined,
  onExpire: () => void,
): () => void {
  if (timeoutMs === undefined || !Number.isFinite(timeoutMs)) return () => undefined;
  let again: NodeJS.Timeout | undefined;
  const first = setTimeout(() => {
    onExpire();
    conn.interrupt();
    again = setInterval(() => conn.interrupt(), 25);
  }, timeoutMs);
  return () => {
    clearTimeout(first);
    if (again) clearInterval(again);
  };
}

export interface SandboxOptions {
  /** Interrupt the query after this many milliseconds (QueryTimeoutError). */
  readonly timeoutMs: number;
  /** Return at most this many rows (`truncated` says when more existed). */
  readonly maxRows: number;
}

/** The embedded flow store: one DuckDB database file. */
export class Store {
  /** Set on a reader whose time ran out: its next query fails at once. */
  private expired = false;
  /** Names of the functions DuckDB has loaded, for the sandbox (computed once). */
  private functionNames: Promise<Set<string>> | undefined;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    readonly path: string,
    readonly readOnly: boolean,
    /**
     * `reader`: a connection of its own on another Store's database; close() closes only the connection.
     * `session`: the same, writable (see session()).
     */
    private readonly role: 'owner' | 'reader' | 'session' = 'owner',
    private readonly timeoutMs?: number,
    /** The instance has no file, network or extension access beyond what it needs (see confine). */
    private readonly confined = false,
    /** Admits user queries (shared by the owner and its readers). */
    readonly gate: QueryGate = new QueryGate(),
  ) {}

  /**
   * Opens (creating if needed) the store at `path`. Read-only stores must exist; they are opened with
   * DuckDB's external access disabled and the configuration locked, so user SQL cannot touch files.
   *
   * @example const store = await Store.open('flowwatch.duckdb'); await store.close();
   */
  static async open(path: string, opts: OpenOptions = {}): Promise<Store> {
    const full = path === ':memory:' ? path : resolve(path);
    const options: Record<string, string> = {};
    if (opts.memoryLimit) {
      options['memory_limit'] = opts.memoryLimit;
      // A partitioned COPY (the AWS-layout Parquet export: one partition per 5-minute file) buffers every
      // partition's rows per column until 524,288 rows have arrived, with 100 files open: a day of a wide format
      // (288 partitions, 60+ columns) did not fit 512 MB from about 60k records on ("Out of Memory Error").
      // Flushing every 20,000 rows into at most 8 open files keeps it inside the limit (10M records: 0.9 GB
      // peak RSS); a partition may then be written as more than one file, as AWS itself does.
      options['partitioned_write_flush_threshold'] = '20000';
      options['partitioned_write_max_open_files'] = '8';
    }
    if (opts.tempDirectory) options['temp_directory'] = opts.tempDirectory;
    if (opts.threads !== undefined && opts.threads > 0) options['threads'] = String(opts.threads);
    if (opts.readOnly) {
      options['access_mode'] = 'READ_ONLY';
    } else {
      // Checkpointing after every file's commit dominates the load time of small files; let the WAL grow during a
      // load and checkpoint once at the end (see checkpoint()). The WAL is replayed after a crash, so committed
      // files are never lost. Every stored row carries its own line number, so rows need not be stored in file
      // order; keeping that order would make each INSERT single-threaded (measured: 8.8 s on one core against
      // 4.3 s). Both as options of the instance: two statements fewer at every open.
      options['checkpoint_threshold'] = '1GB';
      options['preserve_insertion_order'] = 'false';
    }
    // A store made by this open: its schema is made whole in one transaction (prepareSchema).
    const fresh = full === ':memory:' || (!opts.readOnly && !existsSync(full) && !existsSync(`${full}.wal`));
    if (!opts.readOnly && full !== ':memory:') {
      mkdirSync(dirname(full), { recursive: true });
      // A new store file uses this DuckDB's own storage format, whose compression (DICT_FSST strings, Roaring
      // validity) makes the record tables 5-9% smaller than DuckDB's backward-compatible default (v0.10.2);
      // an existing file keeps the format it was created with. Decision record 57-storage-format.
      options['storage_compatibility_version'] = 'latest';
    }
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(full, options);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if (/lock/i.test(msg)) {
        throw new StoreError(
          'STORE_LOCKED',
          `the store ${path} is in use by another flowwatch process`,
          'wait for it to finish, or use --db to choose another store',
        );
      }
      if (opts.readOnly && /not exist|No such file|Cannot open/i.test(msg)) {
        throw new StoreError(
          'STORE_MISSING',
          `there is no store at ${path}`,
          'ingest flow logs first (flowwatch ingest <path>), or point --db / FLOWWATCH_DB at an existing store',
        );
      }
      throw new StoreError('STORE_OPEN', `cannot open the store ${path}: ${msg}`);
    }
    const conn = await instance.connect();
    const confined = opts.readOnly === true || opts.confineTo !== undefined;
    const store = new Store(
      instance,
      conn,
      full,
      opts.readOnly === true,
      'owner',
      undefined,
      confined,
      opts.queryGate,
    );
    if (opts.readOnly) {
      await confine(conn, { directories: opts.confineTo ?? [] });
      const ok = await read(
        conn,
        `SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'flows'`,
      );
      if (Number(ok.rows[0]?.['n']) === 0) {
        store.close();
        throw new StoreError('STORE_EMPTY', `${path} is not a flowwatch store (it has no flows table)`);
      }
      const stored = Number(await store.storedVersion());
      if (stored >= 2 && stored < SCHEMA_VERSION && full !== ':memory:') {
        // An older store: upgrade it once with a writable open (the same thing any writing command does).
        store.close();
        (await Store.open(path, { ...opts, readOnly: false })).close();
        return Store.open(path, opts);
      }
      await store.checkVersion();
    } else {
      await store.prepareSchema(fresh);
      if (opts.confineTo !== undefined) await confine(conn, { directories: opts.confineTo });
    }
    return store;
  }

  /**
   * Brings a writable store's schema up to date: the base schema's DDL, the reject rollup's widening, the
   * migrations and the `flows` view. A store whose fingerprint (schemaFingerprint: this version's DDL and view
   * text) is the one stored in `meta` had all of it done by an open of this very schema: two reads and nothing
   * else. A new store gets its whole schema, view and fingerprint in one transaction. Decision record
   * 75-ingest-fixed-cost.
   */
  private async prepareSchema(fresh: boolean): Promise<void> {
    const conn = this.conn;
    if (fresh) {
      await this.inTransaction([
        ...baseSchema(),
        flowsViewDdl([]),
        schemaFingerprintSql(schemaFingerprint([])),
      ]);
      return;
    }
    // A store without `meta` or `record_tables` (not a flowwatch store yet) has no fingerprint either.
    const meta = await read(
      conn,
      `SELECT key, value FROM meta WHERE key IN ('schema_version', 'schema_fingerprint')`,
    ).catch(() => undefined);
    const value = (key: string) => meta?.rows.find((r) => r['key'] === key)?.['value'];
    const tables = await this.recordTableList().catch(() => undefined);
    if (
      tables !== undefined &&
      value('schema_version') === String(SCHEMA_VERSION) &&
      value('schema_fingerprint') === schemaFingerprint(tables)
    ) {
      for (const t of tables) this.recordTables.set(t.set, t.name);
      return;
    }
    await this.inTransaction(baseSchema());
    for (const row of (await read(conn, WIDEN_REJECT_ROLLUP)).rows)
      await conn.run(`ALTER TABLE reject_rollup ALTER "${String(row['column_name'])}" TYPE HUGEINT`);
    await this.migrate();
    await this.checkVersion();
    await this.refreshView();
  }

  /** Runs statements (without parameters) in one transaction, sent to DuckDB in one call. */
  private async inTransaction(statements: readonly string[]): Promise<void> {
    try {
      await this.conn.run(['BEGIN TRANSACTION', ...statements, 'COMMIT'].join(';\n'));
    } catch (err) {
      await this.conn.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  /** The record tables (name and field set), in creation order. */
  private async recordTableList(): Promise<{ name: string; set: string }[]> {
    return (await read(this.conn, LIST_RECORD_TABLES)).rows.map((r) => ({
      name: String(r['name']),
      set: String(r['set']),
    }));
  }

  /** The schema version the store was written with (undefined when it has none). */
  private async storedVersion(): Promise<string | undefined> {
    const r = await read(this.conn, `SELECT value FROM meta WHERE key = 'schema_version'`).catch(
      () => undefined,
    );
    const v = r?.rows[0]?.['value'];
    return v === undefined || v === null ? undefined : String(v);
  }

  /** Upgrades an older store in place, in one transaction (see migrationSql); no-op when it is current. */
  private async migrate(): Promise<void> {
    const found = await this.storedVersion();
    if (found === undefined || found === String(SCHEMA_VERSION)) return;
    const tables = await this.recordTableList();
    const steps = migrationSql(found, tables);
    if (steps === undefined) return;
    await this.inTransaction(steps);
  }

  /** Refuses a store written by another schema version (closing it first). */
  private async checkVersion(): Promise<void> {
    const found = await this.storedVersion();
    if (found !== String(SCHEMA_VERSION)) {
      this.close();
      throw new StoreError(
        'STORE_VERSION',
        `${this.path} was written by another version of flowwatch (schema ${found ?? 'unknown'}, this one reads ${SCHEMA_VERSION})`,
        'ingest your flow logs into a new store (--db new.duckdb)',
      );
    }
  }

  private checkTime(): void {
    if (this.expired) throw new QueryTimeoutError(this.timeoutMs ?? 0);
  }

  /** Refuses writes through a reader (its connection could write: the database is not opened read-only). */
  private checkWriter(): void {
    if (this.role === 'reader') throw new Error('a reader cannot write to the store');
  }

  /**
   * What each live source has stored so far (source_keys joined to files): batches, records, rejected lines
   * and the unix ms of its last stored batch. The monitor starts its per-source counters from these, so a
   * restart does not show a folder already read as "0 records".
   */
  async sourceTotals(): Promise<
    { source: string; batches: number; records: number; rejected: number; lastBatchAt: number | undefined }[]
  > {
    const r = await read(
      this.conn,
      `WITH k AS (
  SELECT source, count(*) FILTER (WHERE file_id IS NOT NULL) AS batches, max(stored_at) AS last
  FROM source_keys GROUP BY source
), f AS (
  SELECT d.source, sum(files.records) AS records, sum(files.rejected) AS rejected
  FROM (SELECT DISTINCT source, file_id FROM source_keys WHERE file_id IS NOT NULL) d
  JOIN files ON files.id = d.file_id GROUP BY d.source
)
SELECT k.source, k.batches, coalesce(f.records, 0) AS records, coalesce(f.rejected, 0) AS rejected,
  epoch_ms(k.last) AS last
FROM k LEFT JOIN f USING (source) ORDER BY k.source`,
    );
    return r.rows.map((x) => ({
      source: String(x['source']),
      batches: Number(x['batches']),
      records: Number(x['records']),
      rejected: Number(x['rejected']),
      lastBatchAt: x['last'] == null ? undefined : Number(x['last']),
    }));
  }

  /** Runs an internal query with bound parameters. */
  async query(sql: string, params?: DuckDBValue[]): Promise<QueryResult> {
    this.checkTime();
    return read(this.conn, sql, params);
  }

  /**
   * Runs SQL that flowwatch generated (e.g. from a Logs Insights query) on a store opened read-only or on a
   * reader (see withReader). Errors become StoreError with DuckDB's message. At most `maxRows` rows are
   * returned (`truncated` says when more existed). A reader shares the writable database, whose external
   * access stays enabled: SQL typed by a user must go through sandboxQuery instead.
   */
  async userQuery(sql: string, maxRows = 10_000): Promise<QueryResult> {
    if (!this.readOnly) throw new Error('userQuery needs a store opened read-only, or a reader');
    this.checkTime();
    try {
      return await read(this.conn, sql, undefined, maxRows);
    } catch (err) {
      throw userSqlError(err);
    }
  }

  /** True when a live source's batch with this key was already stored. */
  async hasSourceKey(source: string, key: string): Promise<boolean> {
    const r = await read(this.conn, 'SELECT 1 FROM source_keys WHERE source = $1 AND key = $2', [
      source,
      key,
    ]);
    return r.rows.length > 0;
  }

  /** A live source's last committed resume point. */
  async sourceCheckpoint(source: string): Promise<string | undefined> {
    const r = await read(this.conn, 'SELECT value FROM source_checkpoints WHERE source = $1', [source]);
    return r.rows.length > 0 ? String(r.rows[0]!['value']) : undefined;
  }

  /** Records a batch key (and the source's checkpoint) without records, e.g. for a file already stored. */
  async recordSourceKey(
    source: string,
    key: string,
    checkpoint?: string,
    fileId?: number,
    storedAtMs?: number,
  ): Promise<void> {
    this.checkWriter();
    await this.conn.run('BEGIN TRANSACTION');
    try {
      await this.conn.run(sourceKeyIfNewSql(source, key, fileId, storedAtMs));
      if (checkpoint !== undefined) await this.conn.run(sourceCheckpointSql(source, checkpoint));
      await this.conn.run('COMMIT');
    } catch (err) {
      await this.conn.run('ROLLBACK');
      throw err;
    }
  }

  /**
   * Streams a query's rows in DuckDB's chunks (about 2,048 rows each) as plain values, without
   * materializing the whole result: memory stays bounded whatever the number of rows.
   */
  async *streamRows(sql: string, params?: DuckDBValue[]): AsyncGenerator<Record<string, unknown>[]> {
    const result = await this.conn.stream(sql, params);
    for await (const rows of result.yieldRowObjectJs())
      yield rows.map((r) => plain(r) as Record<string, unknown>);
  }

  /**
   * Creates (or replaces) a temporary table of this connection and fills it with `rows` through DuckDB's appender
   * (no SQL text per value). Temporary tables live beside the store, never in it: a read-only store takes them too.
   *
   * @example await store.tempTable('export_enrich', [{ name: 'ip', type: 'VARCHAR' }], [['1.0.0.1']])
   */
  async tempTable(
    name: string,
    columns: readonly { readonly name: string; readonly type: 'VARCHAR' | 'BIGINT' }[],
    rows: Iterable<readonly (string | number | null)[]>,
  ): Promise<void> {
    this.checkTime();
    await this.conn.run(
      `CREATE OR REPLACE TEMP TABLE ${ident(name)} (${columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ')})`,
    );
    const appender = await this.conn.createAppender(name, 'main', 'temp');
    try {
      for (const row of rows) {
        columns.forEach((c, i) => {
          const v = row[i];
          if (v === null || v === undefined) appender.appendNull();
          else if (c.type === 'BIGINT') appender.appendBigInt(BigInt(v));
          else appender.appendVarchar(String(v));
        });
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  /** Drops a temporary table made by tempTable (no-op when it is gone). */
  async dropTempTable(name: string): Promise<void> {
    await this.conn.run(`DROP TABLE IF EXISTS temp.main.${ident(name)}`);
  }

  /** Writes the WAL into the database file (after a load); an in-memory store has neither, and skips it. */
  async checkpoint(): Promise<void> {
    this.checkWriter();
    if (this.path === ':memory:') return;
    await this.conn.run('CHECKPOINT');
  }

  /** Every rejected line of one ingested file, in line order. */
  async rejectsOf(fileId: number): Promise<(RejectInfo & { file: string })[]> {
    const r = await read(
      this.conn,
      `SELECT f.path AS file, r.line, r.code, r.field, r.reason, r.text
       FROM rejects r JOIN files f ON f.id = r.file_id WHERE r.file_id = $1 ORDER BY r.line`,
      [fileId],
    );
    return r.rows as unknown as (RejectInfo & { file: string })[];
  }

  /**
   * Removes stored files with their records, rejects, metric datapoints and live-source keys, in one
   * transaction; with `dryRun` only lists them. `patterns` match the stored path exactly or as a glob
   * (`*`, `?`, `[...]`, as DuckDB's GLOB).
   *
   * @example await store.forget(['logs/2024-05-20/*.log.gz'], true) // the files that would go
   */
  async forget(patterns: readonly string[], dryRun: boolean): Promise<StoredFile[]> {
    this.checkWriter();
    if (patterns.length === 0) return [];
    const where = patterns.map((_, i) => `path = $${i + 1} OR path GLOB $${i + 1}`).join(' OR ');
    const c = this.conn;
    await c.run('BEGIN TRANSACTION');
    try {
      const found = await read(
        c,
        `SELECT id, path, records, rejected, record_table FROM files WHERE ${where} ORDER BY path, id`,
        [...patterns],
      );
      const files = found.rows.map((r) => ({
        id: Number(r['id']),
        path: String(r['path']),
        records: Number(r['records']),
        rejected: Number(r['rejected']),
        table: String(r['record_table']),
      }));
      if (!dryRun) {
        const hasKeys = await this.hasTable('source_keys');
        for (const f of files) {
          await c.run(`DELETE FROM ${ident(f.table)} WHERE file_id = $1`, [f.id]);
          await c.run(`DELETE FROM rejects WHERE file_id = $1`, [f.id]);
          await c.run(`DELETE FROM metric_datapoints WHERE file_id = $1`, [f.id]);
          for (const sql of DELETE_REJECT_ROLLUP) await c.run(sql, [f.id]);
          for (const sql of DELETE_VIEW_ROLLUPS) await c.run(sql, [f.id]);
          await c.run(DELETE_ADDRESS_KEY_FILE, [f.id]);
          for (const sql of DELETE_OVERVIEW_ROLLUP) await c.run(sql, [f.id]);
          if (hasKeys) await c.run(`DELETE FROM source_keys WHERE file_id = $1`, [f.id]);
          await c.run(`DELETE FROM files WHERE id = $1`, [f.id]);
        }
      }
      await c.run(dryRun ? 'ROLLBACK' : 'COMMIT');
      return files.map(({ table: _t, ...f }) => f);
    } catch (err) {
      await c.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  /** The CloudWatch-compatible API's log groups, streams and events, on a connection of their own. */
  async logEvents(): Promise<LogEventStore> {
    this.checkWriter();
    if (this.readOnly) throw new Error('the API needs a writable store');
    return LogEventStore.open(await this.instance.connect());
  }

  /**
   * A writable Store on a connection of its own to the same database, so that its queries and transactions do
   * not wait behind this connection's (the live detections beside the monitor's commits). Its temporary tables
   * are its own. close() closes only the connection.
   *
   * @example const s = await store.session(); await s.query('SELECT 1'); s.close();
   */
  async session(): Promise<Store> {
    this.checkWriter();
    if (this.readOnly) throw new Error('a read-only store has no writable session');
    return new Store(this.instance, await this.instance.connect(), this.path, false, 'session');
  }

  /** A loader on its own connection; several loaders load files in parallel. */
  async loader(derive?: DeriveSql): Promise<Loader> {
    this.checkWriter();
    if (this.readOnly) throw new Error('cannot load into a read-only store');
    return new Loader(await this.instance.connect(), this, derive);
  }

  /**
   * Runs statements in one transaction: `build` gets every stored file's id, format and record table and
   * returns the SQL (used to recompute derived data such as metric datapoints over all stored records).
   */
  async rebuild(
    build: (files: readonly { id: number; format: string; table: string }[]) => readonly string[],
  ): Promise<void> {
    this.checkWriter();
    const files = (await read(this.conn, `SELECT id, format, record_table FROM files ORDER BY id`)).rows.map(
      (r) => ({ id: Number(r['id']), format: String(r['format']), table: String(r['record_table']) }),
    );
    const statements = build(files);
    await this.conn.run('BEGIN TRANSACTION');
    try {
      for (const sql of statements) await this.conn.run(sql);
      await this.conn.run('COMMIT');
    } catch (err) {
      await this.conn.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  /**
   * True when the store has a table of this name (read-only stores of older versions may lack newer tables). A
   * store opened for writing has every table of the base schema (its open made them): no catalog read for those.
   */
  async hasTable(name: string): Promise<boolean> {
    if (this.role !== 'reader' && !this.readOnly && BASE_TABLES.has(name)) return true;
    const r = await read(
      this.conn,
      `SELECT count(*) AS n FROM information_schema.tables WHERE table_name = $1`,
      [name],
    );
    return Number(r.rows[0]?.['n']) > 0;
  }

  private tableLock: Promise<unknown> = Promise.resolve();
  /** Record table names by field set, once looked up (see recordTable). */
  private readonly recordTables = new Map<string, string>();

  /**
   * The record table for a format's field set, created (with the `flows` view updated) on first use.
   * Serialised, so that parallel loaders never race on the catalog.
   */
  async recordTable(format: Format): Promise<string> {
    this.checkWriter();
    const set = fieldSet(format);
    // Record tables are never dropped nor renamed: a name once found stays right for this store.
    const known = this.recordTables.get(set);
    if (known !== undefined) return known;
    const run = this.tableLock.then(async () => {
      // One read tells whether it exists (another connection may have made it), its would-be name and the view.
      const tables = await this.recordTableList();
      const found = tables.find((t) => t.set === set);
      if (found !== undefined) {
        this.recordTables.set(set, found.name);
        return found.name;
      }
      const name = `flows_${tables.length + 1}`;
      // In LIST_RECORD_TABLES order (by name), as the next open lists them for the fingerprint.
      const all = [...tables, { name, set }].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      // The table, its registration, the view over it and the schema's fingerprint in one transaction.
      await this.inTransaction([
        recordTableDdl(name, set),
        registerRecordTable(name, set),
        flowsViewDdl(all),
        schemaFingerprintSql(schemaFingerprint(all)),
      ]);
      this.recordTables.set(set, name);
      return name;
    });
    this.tableLock = run.catch(() => undefined);
    return run;
  }

  /** Recreates the `flows` view over every record table, and stores the schema's fingerprint with it. */
  async refreshView(): Promise<void> {
    this.checkWriter();
    const tables = await this.recordTableList();
    await this.inTransaction([flowsViewDdl(tables), schemaFingerprintSql(schemaFingerprint(tables))]);
  }

  /**
   * Runs `fn` with a reader: a Store on a connection of its own to the same database (so that API reads run
   * beside the loaders and each other); its writing methods throw. After `timeoutMs` its running query is
   * interrupted and the call fails with QueryTimeoutError. The connection is closed afterwards.
   *
   * @example const r = await store.withReader((reader) => top(reader, 'talkers'), { timeoutMs: 10_000 });
   */
  async withReader<T>(fn: (reader: Store) => Promise<T>, opts: { timeoutMs?: number } = {}): Promise<T> {
    const started = Date.now();
    const leave = await this.gate.enter(
      started + (opts.timeoutMs ?? Number.POSITIVE_INFINITY),
      opts.timeoutMs ?? 0,
    );
    try {
      const conn = await this.instance.connect();
      const reader = new Store(
        this.instance,
        conn,
        this.path,
        true,
        'reader',
        opts.timeoutMs,
        this.confined,
        this.gate,
      );
      const cancel = deadline(conn, remaining(opts.timeoutMs, started), () => {
        reader.expired = true;
      });
      try {
        return await fn(reader);
      } catch (err) {
        if (reader.expired) throw new QueryTimeoutError(opts.timeoutMs ?? 0);
        throw err;
      } finally {
        cancel();
        conn.closeSync();
      }
    } finally {
      leave();
    }
  }

  /**
   * Runs SQL typed by a user, read-only, on a connection of its own: DuckDB parses it first
   * (`json_serialize_sql`) and the parse tree must pass the sandbox's rules (one SELECT over the store's
   * tables, no file, settings or extension access: see sandbox.ts). The query is interrupted after
   * `timeoutMs` (QueryTimeoutError) and at most `maxRows` rows are read. Throws SandboxError for refused SQL
   * and StoreError (`SQL_ERROR`) with DuckDB's message when it fails.
   *
   * The rules are the second wall. The first is the instance itself: it must be confined (Store.open with
   * `confineTo`, or read-only), so that DuckDB refuses every file, URL, extension and setting change even to
   * SQL the rules let through, e.g. SQL text bound by a function (json_serialize_plan) that the rules never see
   * as a statement. The monitor confines its store to its scratch folder and its directory sources.
   *
   * @example await store.sandboxQuery('SELECT action, count(*) FROM flows GROUP BY 1', { timeoutMs: 10_000, maxRows: 10_000 })
   */
  async sandboxQuery(sql: string, opts: SandboxOptions): Promise<QueryResult> {
    if (!this.confined) throw new Error('user SQL needs a confined store (Store.open with confineTo)');
    const started = Date.now();
    const leave = await this.gate.enter(started + opts.timeoutMs, opts.timeoutMs);
    const conn = await this.instance.connect();
    let expired = false;
    let cancel = () => {};
    try {
      const parsed = await read(conn, 'SELECT json_serialize_sql($1::VARCHAR) AS j', [sql]);
      checkSandboxedSql(sql, String(parsed.rows[0]?.['j']), await this.sandboxCatalog(conn));
      cancel = deadline(conn, remaining(opts.timeoutMs, started), () => {
        expired = true;
      });
      return await read(conn, sql, undefined, Math.max(0, opts.maxRows), true);
    } catch (err) {
      if (expired) throw new QueryTimeoutError(opts.timeoutMs);
      // A typographic quote or dash pasted from a web page: DuckDB's own message does not name it.
      const pasted = findPastedSql(sql);
      if (pasted) throw new SandboxError(pasted.code, pasted.message, pasted.hint, pasted);
      if (err instanceof UserError) throw err;
      throw userSqlError(err, sql);
    } finally {
      cancel();
      conn.closeSync();
      leave();
    }
  }

  /** The database's name, tables, views, functions and types, as the sandbox checks them. */
  private async sandboxCatalog(conn: DuckDBConnection): Promise<SandboxCatalog> {
    this.functionNames ??= read(
      conn,
      'SELECT DISTINCT lower(function_name) AS n FROM duckdb_functions()',
    ).then(
      (r) => new Set(r.rows.map((x) => String(x['n']))),
      (err: unknown) => {
        this.functionNames = undefined;
        throw err;
      },
    );
    const db = String((await read(conn, 'SELECT current_database() AS d')).rows[0]?.['d']).toLowerCase();
    const own = await read(
      conn,
      `SELECT lower(table_name) AS n FROM information_schema.tables
       WHERE table_catalog = current_database() AND table_schema = 'main'`,
    );
    const tables = new Set<string>(SANDBOX_SYSTEM_VIEWS);
    for (const r of own.rows) {
      tables.add(String(r['n']));
      tables.add(`main.${String(r['n'])}`);
    }
    const types = await read(conn, 'SELECT DISTINCT lower(type_name) AS n FROM duckdb_types()');
    return {
      database: db,
      functions: await this.functionNames,
      tables,
      types: new Set(types.rows.map((x) => String(x['n']))),
    };
  }

  close(): void {
    this.conn.closeSync();
    if (this.role === 'owner') this.instance.closeSync();
  }
}

/** A text file split by src/ingest/normalize.ts into normal and odd lines. */
export interface SplitText {
  readonly normalPath: string;
  readonly normalLines: number;
  readonly oddPath: string;
  readonly oddLines: number;
  /**
   * Per-line times of a live batch (`<line> <unix seconds> <source>` per line, source `cwl-event` or
   * `firehose`), for lines whose event carried a time; see eventTimeSql.
   */
  readonly timesPath?: string | undefined;
  /**
   * The normal lines carry their live batch's event time after the line number (`<line> <unix seconds|->
   * <source|-> <record>`, see normalizeBytes), so only the odd lines' times are in `timesPath`.
   */
  readonly normalTimes?: boolean | undefined;
  /**
   * `normalPath` is a batch's shared file and this file's lines there start with this tag (`<tag> <line>
   * <record>`, see src/ingest/normalize.ts NormalTarget); the other files' lines are not this file's.
   */
  readonly tag?: number | undefined;
}

/** One file of a batch (Loader.loadTextBatch): what is known about it, its split lines, its problems. */
export interface BatchItem {
  readonly meta: FileMeta;
  readonly split: SplitText;
  readonly problems: readonly FileProblem[];
}

type Replaced = { path: string; reason: ReplaceReason };

/** A row of `rejects` (line, code, field, reason, text) as a RejectInfo. */
function rejectInfo(r: Record<string, unknown>): RejectInfo {
  return {
    line: Number(r['line']),
    code: String(r['code']),
    field: r['field'] == null ? null : String(r['field']),
    reason: String(r['reason']),
    text: r['text'] == null ? null : String(r['text']),
  };
}

interface Unreadable {
  line: number;
  code: string;
  reason: string;
  text: string | null;
}

/** What a load's records hold, counted before its rollups are written (see allRollupSql). */
interface RollupInputs {
  /** Records of the load's files. */
  readonly records: number;
  /** Of them, rejected (action REJECT). */
  readonly rejectRecords: number;
}

/** Rollup tables whose rows come from rejected records only (rejectRollupSql, rejectKeyRows). */
const REJECT_ONLY_ROLLUPS = ['reject_rollup', 'reject_key_rollup'];

/**
 * Every rollup of files of one format and record table (reject, view and Overview rollups), with their markers.
 * With `inputs`, the statements that cannot add a row are left out (each would scan the files' records and
 * group nothing, about 1–4 ms of CPU apiece): every data statement when the files hold no record, the rejected
 * traffic's when no record is rejected. The markers are always written. Decision record 75-ingest-fixed-cost.
 */
function allRollupSql(
  format: Format,
  table: string,
  ids: readonly number[],
  inputs?: RollupInputs,
): string[] {
  const all = [
    ...rejectRollupSql(format, table, ids),
    ...viewRollupSql(format, table, ids),
    ...overviewRollupSql(format, table, ids),
  ];
  if (inputs === undefined) return all;
  const target = (sql: string) => /^INSERT INTO (\w+)/.exec(sql)?.[1] ?? '';
  return all.filter((sql) => {
    const t = target(sql);
    if (t.endsWith('_files')) return true;
    if (inputs.records === 0) return false;
    return inputs.rejectRecords > 0 || !REJECT_ONLY_ROLLUPS.includes(t);
  });
}

/** `count(...)` of a load's rejected records, as a column of a grouping over its record table. */
function rejectRecordsSql(format: Format): string {
  return format.fields.some((f) => f.def?.column === 'action')
    ? `count(*) FILTER (WHERE action = 'REJECT')`
    : '0';
}

/** Loads files into the store, one transaction per file, on one connection. */

export class Loader {
  private readonly scan: string;
  private static counter = 0;

  constructor(
    private readonly conn: DuckDBConnection,
    private readonly store: Store,
    private readonly derive?: DeriveSql,
  ) {
    this.scan = `fw_csv_rejects_${Loader.counter++}`;
  }

  /**
   * Commit loaded files without their rollups, marked pending (`rollup_pending`) instead; `rollUpPending` writes
   * them later for many files at once. The rollup statements cost mostly per statement, not per record (a
   * 10,000-record live batch paid about 10 CPU-µs per record for them, ten batches at once about 3): decision
   * record "PutLogEvents speed 2". Set by the monitor's sink; `flowwatch ingest` keeps them in the load.
   */
  deferRollups = false;

  /** The statements adding the rollups of these just-loaded files of one format, or marking them pending. */
  private rollupSql(format: Format, table: string, ids: readonly number[], inputs: RollupInputs): string[] {
    if (ids.length === 0) return [];
    return this.deferRollups ? [pendingRollupSql(ids)] : allRollupSql(format, table, ids, inputs);
  }

  /** Runs statements without parameters in one call to DuckDB (in the caller's transaction). */
  private async runAll(statements: readonly string[]): Promise<void> {
    if (statements.length > 0) await this.conn.run(statements.join(';\n'));
  }

  /**
   * Writes the rollups of every file marked pending, in one transaction that also removes the marks: one rollup
   * statement per kind and record table for all of them. A crash before its COMMIT leaves the marks (and no
   * rollup row), so the next call rolls the same files up once; a file deleted meanwhile is only unmarked; a file
   * that somehow has its rollup already is unmarked, not counted twice. Returns the files and records rolled up.
   */
  async rollUpPending(): Promise<{ files: number; records: number }> {
    const c = this.conn;
    await c.run('BEGIN TRANSACTION');
    try {
      const pending = await read(
        c,
        `SELECT p.file_id AS id, f.record_table AS t, f.format AS fmt, f.records AS n,
           f.id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM reject_rollup_files r WHERE r.file_id = p.file_id)
             AND NOT EXISTS (SELECT 1 FROM view_rollup_files r WHERE r.file_id = p.file_id)
             AND NOT EXISTS (SELECT 1 FROM overview_rollup_files r WHERE r.file_id = p.file_id) AS todo
         FROM rollup_pending p LEFT JOIN files f ON f.id = p.file_id ORDER BY p.file_id`,
      );
      if (pending.rows.length === 0) {
        await c.run('ROLLBACK');
        return { files: 0, records: 0 };
      }
      const groups = new Map<string, { table: string; format: string; ids: number[] }>();
      let records = 0;
      for (const r of pending.rows) {
        if (r['todo'] !== true) continue;
        const key = `${String(r['t'])}\u0000${String(r['fmt'])}`;
        const g = groups.get(key) ?? { table: String(r['t']), format: String(r['fmt']), ids: [] };
        g.ids.push(Number(r['id']));
        groups.set(key, g);
        records += Number(r['n'] ?? 0);
      }
      for (const g of groups.values()) {
        for (const sql of allRollupSql(parseFormat(g.format), g.table, g.ids)) await c.run(sql);
      }
      const all = pending.rows.map((r) => Math.trunc(Number(r['id'])));
      await c.run(`DELETE FROM rollup_pending WHERE file_id IN (${all.join(', ')})`);
      await c.run('COMMIT');
      return { files: [...groups.values()].reduce((n, g) => n + g.ids.length, 0), records };
    } catch (err) {
      await c.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  /**
   * Loads a text file already split into normal and odd lines (line numbers travel with the lines). Every
   * line written to the split files must come back as a record or a reject: if DuckDB's reader dropped one
   * silently, the file fails (rolled back) rather than being stored as complete with lines missing.
   */
  async loadText(
    meta: FileMeta,
    split: SplitText,
    problems: readonly FileProblem[] = [],
  ): Promise<LoadResult> {
    const table = await this.store.recordTable(meta.format);
    return this.load(meta, table, problems, async (id, into) => {
      let records = 0;
      const unreadable: Unreadable[] = [];
      const times = split.timesPath;
      const join = (alias: string, ln: string) =>
        times === undefined ? '' : ` LEFT JOIN ${lineTimesSql(times)} AS lt ON lt.__ln = ${alias}.${ln}`;
      const line = times === undefined ? undefined : { time: 'lt.__ts', source: 'lt.__src' };
      if (split.normalLines > 0) {
        const scan1 = await this.freshScan(`${this.scan}_n`);
        const carried = split.normalTimes === true;
        const t = eventTimeSql(meta.format, {
          line: carried ? { time: 'r.__ts', source: 'r.__src' } : line,
          keyTime: meta.keyTime,
        });
        const tagged = split.tag ?? false;
        records += await this.insertCount(
          `INSERT INTO ${into} SELECT ${this.targets(meta.format, 'r')}, ${t.time}, ${t.source}, $1, r.ln
           FROM (${normalRecordsSql(meta.format, split.normalPath, scan1, carried, tagged)}) AS r${carried ? '' : join('r', 'ln')}`,
          [id],
        );
        // The splitter checked every normal line, so only unreadable (invalid UTF-8) lines can be missing (and
        // none is when every line is a record).
        const bad =
          records === split.normalLines ? [] : await this.unreadable(scan1, carried ? 3 : 1, split.tag);
        unreadable.push(...bad);
        this.accounted(meta, 'normal', split.normalLines, records + bad.length);
      }
      let rejected = 0;
      if (split.oddLines > 0) {
        const odd = await this.loadOdd(meta, split, id, into);
        records += odd.records;
        rejected = odd.rejected;
        unreadable.push(...odd.unreadable);
      }
      return { records, unreadable, rejected };
    });
  }

  /**
   * The general path of one file: its odd lines (split and classified in SQL) as records of file `id` or
   * located rejects. Inside a load transaction.
   */
  private async loadOdd(
    meta: FileMeta,
    split: SplitText,
    id: number,
    into: string,
  ): Promise<{ records: number; unreadable: Unreadable[]; rejected: number }> {
    const times = split.timesPath;
    const join = times === undefined ? '' : ` LEFT JOIN ${lineTimesSql(times)} AS lt ON lt.__ln = r.rn`;
    const line = times === undefined ? undefined : { time: 'lt.__ts', source: 'lt.__src' };
    const scan3 = await this.freshScan(`${this.scan}_o`);
    const odd = oddSelectSql(meta.format, split.oddPath, scan3);
    const t = eventTimeSql(meta.format, { prefix: 'r.pfx', line, keyTime: meta.keyTime });
    const good = await this.insertCount(
      `INSERT INTO ${into} SELECT ${this.targets(meta.format, 'r')}, ${t.time}, ${t.source}, $1, r.rn
       FROM (${odd}) AS r${join} WHERE r.err IS NULL`,
      [id],
    );
    const bad = good === split.oddLines ? [] : await this.unreadable(scan3, 2);
    let rejected = 0;
    if (good + bad.length < split.oddLines) {
      const scan4 = await this.freshScan(`${this.scan}_o2`);
      rejected = await this.insertCount(
        `INSERT INTO rejects SELECT $1, rn, err.code, err.field, err.reason, raw
         FROM (${oddSelectSql(meta.format, split.oddPath, scan4)}) WHERE err IS NOT NULL`,
        [id],
      );
    }
    this.accounted(meta, 'odd', split.oddLines, good + bad.length + rejected);
    return { records: good, unreadable: bad, rejected };
  }

  /** Throws when fewer lines came back from DuckDB's reader than the splitter wrote. */
  private accounted(meta: FileMeta, which: string, written: number, seen: number): void {
    if (seen !== written) {
      throw new StoreError(
        'LINES_UNACCOUNTED',
        `${written - seen} of the ${written} ${which} lines of ${meta.path} came back neither as a record nor as a reject`,
        'this is a flowwatch bug: please report it with the file',
      );
    }
  }

  /** Loads a Parquet file, reading columns by name. `columns` are the file's column names in `meta.format` order. */
  async loadParquet(meta: FileMeta, columns: readonly string[]): Promise<LoadResult> {
    const table = await this.store.recordTable(meta.format);
    return this.load(meta, table, [], async (id, into) => {
      const select = parquetSelectSql(meta.format, meta.path, columns);
      const rows = Number(
        (await read(this.conn, `SELECT count(*) AS n FROM read_parquet(${literal(meta.path)})`)).rows[0]![
          'n'
        ],
      );
      const t = eventTimeSql(meta.format, { keyTime: meta.keyTime } satisfies TimeInputs);
      const records = await this.insertCount(
        `INSERT INTO ${into} SELECT ${this.targets(meta.format, 'r')}, ${t.time}, ${t.source}, $1, r.rn
         FROM (${select}) AS r WHERE r.err IS NULL`,
        [id],
      );
      if (records < rows) {
        await this.conn.run(
          `INSERT INTO rejects SELECT $1, rn, err.code, err.field, err.reason, raw FROM (${select}) WHERE err IS NOT NULL`,
          [id],
        );
      }
      return { records, unreadable: [] };
    });
  }

  /**
   * The path under which a file with this content was ingested, if any. A file whose every line was rejected
   * does not count: it is loaded again.
   */
  async ingestedAs(sha256: string): Promise<string | undefined> {
    return (await this.storedTwin(sha256))?.path;
  }

  /**
   * The hashes of the stored files that count as ingested (as ingestedAs), or undefined when there are more than
   * `max`: then each file is looked up (one query per file cost ~3 ms of CPU, a fifth of a 5-minute file's load).
   */
  async storedHashes(max: number): Promise<Set<string> | undefined> {
    const r = await read(
      this.conn,
      `SELECT sha256 FROM files WHERE NOT (records = 0 AND rejected > 0) LIMIT ${Math.floor(max) + 1}`,
    );
    return r.rows.length > max ? undefined : new Set(r.rows.map((x) => String(x['sha256'])));
  }

  /** The stored file with this content (as ingestedAs), with its id and counts. */
  async storedTwin(
    sha256: string,
  ): Promise<{ id: number; path: string; records: number; rejected: number } | undefined> {
    const r = await read(
      this.conn,
      `SELECT id, path, records, rejected FROM files WHERE sha256 = $1 AND NOT (records = 0 AND rejected > 0) LIMIT 1`,
      [sha256],
    );
    const x = r.rows[0];
    return x === undefined
      ? undefined
      : {
          id: Number(x['id']),
          path: String(x['path']),
          records: Number(x['records']),
          rejected: Number(x['rejected']),
        };
  }

  /** Column names and DuckDB types of a Parquet file. */
  async parquetSchema(path: string): Promise<{ name: string; type: string }[]> {
    const r = await read(
      this.conn,
      `DESCRIBE SELECT * FROM read_parquet(${literal(path)}, hive_partitioning = false)`,
    );
    return r.rows.map((x) => ({ name: String(x['column_name']), type: String(x['column_type']) }));
  }

  /** The selected columns of relation `alias` matching `into`'s column list (see load()). */
  private targets(format: Format, alias: string): string {
    const cols = format.fields.flatMap((f) => (f.def ? [`${alias}.${ident(f.def.column)}`] : []));
    if (format.unknown.length > 0) cols.push(`${alias}.extra`);
    return cols.join(', ');
  }

  private async insertCount(sql: string, params?: DuckDBValue[]): Promise<number> {
    const r = await read(this.conn, sql, params);
    return Number(Object.values(r.rows[0] ?? { n: 0 })[0]);
  }

  /**
   * Lines DuckDB's CSV reader could not read (invalid UTF-8) from one of our split files: the original line
   * number is the first token of the line, the text follows `prefixTokens` tokens.
   */
  private async unreadable(scan: string, prefixTokens: number, tag?: number): Promise<Unreadable[]> {
    const r = await read(this.conn, `SELECT csv_line, error_type, error_message FROM ${ident(scan)}`);
    // In a batch's shared file, a line is `<tag> <line> ...`: only this file's lines, without their tag.
    const lines = r.rows.flatMap((row) => {
      const text = row['csv_line'] == null ? '' : String(row['csv_line']);
      if (tag === undefined) return [{ row, text }];
      const sp = text.indexOf(' ');
      return text.slice(0, sp) === String(tag) ? [{ row, text: text.slice(sp + 1) }] : [];
    });
    return lines.map(({ row, text }) => {
      const parts = text.split(' ');
      const invalid = row['error_type'] === 'INVALID ENCODING';
      return {
        line: Number(parts[0]),
        code: invalid ? 'INVALID_UTF8' : String(row['error_type']).replaceAll(' ', '_'),
        reason: invalid ? 'the line is not valid UTF-8' : String(row['error_message']).split('\n')[0]!,
        text: parts.slice(prefixTokens).join(' '),
      };
    });
  }

  /** As unreadable(), for a scan over several files: each line with the path of the file it came from. */
  private async unreadableByFile(
    scan: string,
    prefixTokens: number,
  ): Promise<(Unreadable & { file: string })[]> {
    const r = await read(
      this.conn,
      `SELECT r.csv_line, r.error_type, r.error_message, s.file_path
       FROM ${ident(scan)} AS r JOIN ${ident(`${scan}_scan`)} AS s USING (scan_id, file_id)`,
    );
    return r.rows.map((row) => {
      const text = row['csv_line'] == null ? '' : String(row['csv_line']);
      const parts = text.split(' ');
      const invalid = row['error_type'] === 'INVALID ENCODING';
      return {
        file: String(row['file_path']),
        line: Number(parts[0]),
        code: invalid ? 'INVALID_UTF8' : String(row['error_type']).replaceAll(' ', '_'),
        reason: invalid ? 'the line is not valid UTF-8' : String(row['error_message']).split('\n')[0]!,
        text: parts.slice(prefixTokens).join(' '),
      };
    });
  }

  /**
   * Scan names of this loader's connection whose reject tables (temporary, made by DuckDB's CSV reader) may
   * exist: a scan's tables are dropped before its name is used again, not after each use, so that a loader used
   * once (every `ingest` call makes its own) runs no DROP at all; the connection's close removes them.
   */
  private readonly scans = new Set<string>();

  /** `name`, with its reject tables from an earlier use on this connection dropped, for a CSV scan. */
  private async freshScan(name: string): Promise<string> {
    if (this.scans.has(name)) {
      await this.conn.run(
        `DROP TABLE IF EXISTS ${ident(name)}; DROP TABLE IF EXISTS ${ident(`${name}_scan`)}`,
      );
    }
    this.scans.add(name);
    return name;
  }

  private async load(
    meta: FileMeta,
    table: string,
    problems: readonly FileProblem[],
    /** Loads the records; `rejected`: the rows it wrote to `rejects`, when it counted them. */
    fill: (
      id: number,
      into: string,
    ) => Promise<{ records: number; unreadable: Unreadable[]; rejected?: number }>,
  ): Promise<LoadResult> {
    const c = this.conn;
    await c.run('BEGIN TRANSACTION');
    try {
      const prior = meta.fresh === true ? { replaced: [] } : await this.clearPrior(meta);
      if (prior.duplicate) {
        await c.run('ROLLBACK');
        return prior.duplicate;
      }
      const id = Number((await read(c, `SELECT nextval('file_ids') AS id`)).rows[0]!['id']);
      const { records, unreadable, rejected } = await fill(id, this.intoColumns(meta.format, table));
      const result = await this.finishFile(
        meta,
        table,
        id,
        records,
        unreadable,
        problems,
        prior.replaced,
        rejected,
      );
      await c.run('COMMIT');
      return result;
    } catch (err) {
      await c.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  /**
   * Loads a batch of text files of one format, already split, in ONE transaction: the normal lines of every
   * file are read by one DuckDB scan (the per-file cost of a statement, a transaction and its commit is what
   * made thousands of small files slow), each row tagged with its file's id; the odd lines, rollups, rejects
   * and `files` rows stay per file. Every file keeps its own id, row in `files`, rejects with line numbers
   * and idempotency (a file already stored is reported as a duplicate, the others load). When anything fails
   * the whole batch is rolled back and the error thrown; the caller then loads the files one by one, so that
   * one bad file fails alone. Results are in the order of `items`.
   */
  async loadTextBatch(items: readonly BatchItem[]): Promise<LoadResult[]> {
    if (items.length === 0) return [];
    const format = items[0]!.meta.format;
    if (items.some((x) => x.meta.format.text !== format.text || x.split.timesPath !== undefined)) {
      throw new Error('loadTextBatch: every file of a batch has the same format and no per-line times');
    }
    await batchPause();
    const table = await this.store.recordTable(format);
    const c = this.conn;
    await c.run('BEGIN TRANSACTION');
    try {
      const results: (LoadResult | undefined)[] = new Array(items.length);
      const live: {
        i: number;
        id: number;
        replaced: Replaced[];
        unreadable: Unreadable[];
        records: number;
        /** Rows of `rejects` written so far (the odd lines' rejects). */
        rejected: number;
      }[] = [];
      // One look-up for the batch; only files with a stored twin or an earlier version go through clearPrior.
      const shas = items.map((x) => literal(x.meta.sha256)).join(', ');
      const paths = items.map((x) => literal(x.meta.path)).join(', ');
      const known = await read(
        c,
        `SELECT sha256, path FROM files WHERE sha256 IN (${shas}) OR path IN (${paths})`,
      );
      const seen = new Set(known.rows.flatMap((r) => [`s:${String(r['sha256'])}`, `p:${String(r['path'])}`]));
      const ids = (
        await read(c, `SELECT nextval('file_ids') AS id FROM range(${items.length}) ORDER BY range`)
      ).rows.map((r) => Number(r['id']));
      for (let i = 0; i < items.length; i++) {
        const meta = items[i]!.meta;
        const prior =
          seen.has(`s:${meta.sha256}`) || seen.has(`p:${meta.path}`)
            ? await this.clearPrior(meta)
            : { replaced: [] };
        if (prior.duplicate) {
          results[i] = prior.duplicate;
          continue;
        }
        live.push({ i, id: ids[i]!, replaced: prior.replaced, unreadable: [], records: 0, rejected: 0 });
      }
      const into = this.intoColumns(format, table);
      let stored = 0;
      let readUnreadable = async (): Promise<void> => undefined;
      const withNormal = live.filter((f) => items[f.i]!.split.normalLines > 0);
      const shared = withNormal[0]?.i === undefined ? undefined : items[withNormal[0].i]!.split.normalPath;
      if (
        withNormal.length > 0 &&
        items.every(
          (x) => x.split.normalLines === 0 || (x.split.tag !== undefined && x.split.normalPath === shared),
        )
      ) {
        // The batch's normal lines are in one shared file, each tagged with its file (src/ingest/normalize.ts): one
        // scan of one file, each line's file id and key time picked from two lists by its tag. Lines of files not
        // loaded here (stored twins; a file that failed while being split) have no id and are left out.
        const scan = await this.freshScan(`${this.scan}_b`);
        const byTag = new Map(withNormal.map((f) => [items[f.i]!.split.tag!, f]));
        const top = Math.max(...items.map((x) => x.split.tag ?? 0));
        const ids: string[] = [];
        const kts: string[] = [];
        for (let k = 0; k <= top; k++) {
          const f = byTag.get(k);
          const kt = f === undefined ? undefined : items[f.i]!.meta.keyTime;
          ids.push(f === undefined ? 'NULL' : String(f.id));
          kts.push(kt === undefined ? 'NULL' : String(Math.floor(kt)));
        }
        const t = eventTimeSql(format, { keyTimeColumn: 'r.kt' });
        stored = await this.insertCount(
          `INSERT INTO ${into} SELECT ${this.targets(format, 'r')}, ${t.time}, ${t.source}, r.fid, r.ln
           FROM (SELECT *, ([${ids.join(', ')}]::INTEGER[])[fi + 1] AS fid, ([${kts.join(', ')}]::BIGINT[])[fi + 1] AS kt
                 FROM (${normalRecordsSql(format, shared!, scan, false, true)})) AS r
           WHERE r.fid IS NOT NULL`,
        );
        readUnreadable = async () => {
          for (const u of await this.unreadable(scan, 1)) {
            // `<tag> <line> ...` read as line = tag, text from the line number on: take the tag off.
            const f = byTag.get(u.line);
            if (f === undefined) continue;
            const sp = u.text === null ? -1 : u.text.indexOf(' ');
            const line = Number(sp < 0 ? u.text : u.text!.slice(0, sp));
            f.unreadable.push({ ...u, line, text: sp < 0 ? '' : u.text!.slice(sp + 1) });
          }
        };
      } else if (withNormal.length > 0) {
        // One scan over every file's normal lines; the file's id and key time come from a small table of names.
        const scan = await this.freshScan(`${this.scan}_b`);
        const names = withNormal.map((f) => {
          const kt = items[f.i]!.meta.keyTime;
          return `(${literal(items[f.i]!.split.normalPath)}, ${f.id}, ${kt === undefined ? 'NULL' : Math.floor(kt)}::BIGINT)`;
        });
        const t = eventTimeSql(format, { keyTimeColumn: 'm.kt' });
        stored = await this.insertCount(
          `INSERT INTO ${into} SELECT ${this.targets(format, 'r')}, ${t.time}, ${t.source}, m.fid, r.ln
           FROM (${normalRecordsSql(
             format,
             withNormal.map((f) => items[f.i]!.split.normalPath),
             scan,
           )}) AS r JOIN (VALUES ${names.join(', ')}) AS m(fname, fid, kt) ON m.fname = r.filename`,
        );
        readUnreadable = async () => {
          const byFile = new Map(withNormal.map((f) => [items[f.i]!.split.normalPath, f]));
          for (const u of await this.unreadableByFile(scan, 1)) byFile.get(u.file)?.unreadable.push(u);
        };
      }
      // A file's lines come back as its records at most once each: when the scan stored as many records as the
      // batch's files have normal lines, every file has all of its lines stored and none unreadable.
      const normalLines = withNormal.reduce((a, f) => a + items[f.i]!.split.normalLines, 0);
      if (stored === normalLines) {
        for (const f of withNormal) f.records = items[f.i]!.split.normalLines;
      } else {
        // Either scan: the unreadable lines, each file's stored records, counted once, and its lines accounted for.
        await readUnreadable();
        const counts = await read(
          c,
          `SELECT file_id, count(*) AS n FROM ${ident(table)} WHERE file_id IN (${withNormal.map((f) => f.id).join(', ')}) GROUP BY ALL`,
        );
        const n = new Map(counts.rows.map((r) => [Number(r['file_id']), Number(r['n'])]));
        for (const f of withNormal) {
          f.records = n.get(f.id) ?? 0;
          const item = items[f.i]!;
          this.accounted(item.meta, 'normal', item.split.normalLines, f.records + f.unreadable.length);
        }
      }
      for (const f of live) {
        const item = items[f.i]!;
        if (item.split.oddLines > 0) {
          const odd = await this.loadOdd(item.meta, item.split, f.id, into);
          f.records += odd.records;
          f.rejected = odd.rejected;
          f.unreadable.push(...odd.unreadable);
        }
      }
      // Time sources (and rejected records, for the rollups) of the whole batch in one scan, not one per file.
      const liveIds = live.length === 0 ? 'NULL' : live.map((f) => f.id).join(', ');
      const sources = new Map<number, Partial<Record<TimeSource, number>>>();
      let rejectRecords = 0;
      for (const r of (
        await read(
          c,
          `SELECT file_id, time_source AS s, count(*) AS n, ${rejectRecordsSql(format)} AS rej FROM ${ident(table)} WHERE file_id IN (${liveIds}) GROUP BY ALL`,
        )
      ).rows) {
        const m = sources.get(Number(r['file_id'])) ?? {};
        m[String(r['s']) as TimeSource] = Number(r['n']);
        sources.set(Number(r['file_id']), m);
        rejectRecords += Number(r['rej']);
      }
      // What is derived from the records (the reject and view rollups) for the whole batch in one scan each; the
      // derive hook (metric datapoints, baseline bins) per file, as it is written per file.
      const batchIds = live.map((f) => f.id);
      const records = live.reduce((a, f) => a + f.records, 0);
      await this.runAll(this.rollupSql(format, table, batchIds, { records, rejectRecords }));
      const rows: DuckDBValue[] = [];
      for (const f of live) {
        const item = items[f.i]!;
        const extra = await this.deriveAndReject(format, table, f.id, f.unreadable, item.problems);
        const rejected = f.rejected + extra.length;
        const first =
          rejected === 0
            ? []
            : (
                await read(
                  c,
                  `SELECT line, code, field, reason, text FROM rejects WHERE file_id = $1 ORDER BY line LIMIT ${FIRST_REJECTS}`,
                  [f.id],
                )
              ).rows.map(rejectInfo);
        const m = item.meta;
        rows.push(
          f.id,
          m.path,
          m.sha256,
          m.bytes,
          m.kind,
          m.format.text,
          f.records,
          rejected,
          !extra.some((e) => e.code === 'TRUNCATED'),
          m.account ?? null,
          m.region ?? null,
          m.flowLogId ?? null,
          m.keyTime ?? null,
          table,
        );
        results[f.i] = {
          status: 'loaded',
          fileId: f.id,
          records: f.records,
          rejected,
          timeSources: sources.get(f.id) ?? {},
          firstRejects: first,
          ...(f.replaced.length > 0 ? { replaced: f.replaced } : {}),
        };
      }
      if (live.length > 0) {
        // The `files` rows of the batch in one statement.
        const tuple = (k: number) => {
          const p = (j: number) => `$${k * 14 + j}`;
          return `(${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}, ${p(8)}, ${p(9)}, ${p(10)}, ${p(11)}, ${p(12)},
            CASE WHEN ${p(13)} IS NULL THEN NULL ELSE to_timestamp(${p(13)}::BIGINT) END, now(), ${p(14)})`;
        };
        await c.run(`INSERT INTO files VALUES ${live.map((_, k) => tuple(k)).join(', ')}`, rows);
      }
      crashPoint('batch-commit');
      await c.run('COMMIT');
      crashPoint('batch-committed');
      return results as LoadResult[];
    } catch (err) {
      await c.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  /** `table (columns..., event_time, time_source, file_id, line)`: the insert target for a format's records. */
  private intoColumns(format: Format, table: string): string {
    const cols = format.fields.flatMap((f) => (f.def ? [ident(f.def.column)] : []));
    if (format.unknown.length > 0) cols.push('extra');
    return `${ident(table)} (${[...cols, 'event_time', 'time_source', 'file_id', 'line'].join(', ')})`;
  }

  /**
   * Inside a load transaction: the stored file with this content, as a duplicate result (unless it is to be
   * loaded again), else deletes what this file replaces: an earlier, incomplete (truncated) version of its path,
   * the same content whose every line was rejected and, with `replace`, any stored file of this content or path.
   */
  private async clearPrior(meta: FileMeta): Promise<{ duplicate?: LoadResult; replaced: Replaced[] }> {
    const c = this.conn;
    // A file whose every line was rejected is not "done": the same content is loaded again (and replaces it).
    const replace = meta.replace === true;
    const prior = await read(
      c,
      `SELECT id, path, record_table, sha256 = $1 AS same, (records = 0 AND rejected > 0) AS failed
       FROM files WHERE sha256 = $1 OR (path = $2 AND (NOT complete OR $3))`,
      [meta.sha256, meta.path, replace],
    );
    const same = replace ? undefined : prior.rows.find((r) => r['same'] === true && r['failed'] !== true);
    if (same) {
      return {
        duplicate: {
          status: 'duplicate',
          fileId: Number(same['id']),
          records: 0,
          rejected: 0,
          firstRejects: [],
          timeSources: {},
          duplicateOf: String(same['path']),
        },
        replaced: [],
      };
    }
    const replaced: Replaced[] = [];
    for (const old of prior.rows) {
      const oldId = Number(old['id']);
      replaced.push({
        path: String(old['path']),
        reason: replace ? 'replace' : old['same'] === true ? 'all-rejected' : 'incomplete',
      });
      await c.run(`DELETE FROM ${ident(String(old['record_table']))} WHERE file_id = $1`, [oldId]);
      await c.run(`DELETE FROM rejects WHERE file_id = $1`, [oldId]);
      await c.run(`DELETE FROM metric_datapoints WHERE file_id = $1`, [oldId]);
      for (const sql of DELETE_REJECT_ROLLUP) await c.run(sql, [oldId]);
      for (const sql of DELETE_VIEW_ROLLUPS) await c.run(sql, [oldId]);
      await c.run(DELETE_ADDRESS_KEY_FILE, [oldId]);
      for (const sql of DELETE_OVERVIEW_ROLLUP) await c.run(sql, [oldId]);
      await c.run(`DELETE FROM files WHERE id = $1`, [oldId]);
    }
    return { replaced };
  }

  /**
   * Inside a load transaction, after a file's records are in: what is derived from them (the reject rollup,
   * the derive hook's datapoints and baseline bins), its other rejects, and its `files` row.
   */
  /**
   * The derive hook's statements over one stored file's records (metric datapoints, baseline bins), then its
   * unreadable lines and problems stored as rejects; returns those rejects. For a single file (finishFile) and
   * for each file of a batch (loadTextBatch) alike.
   */
  private async deriveAndReject(
    format: Format,
    table: string,
    id: number,
    unreadable: readonly Unreadable[],
    problems: readonly FileProblem[],
  ) {
    const c = this.conn;
    if (this.derive) {
      for (const sql of this.derive(format, `(SELECT * FROM ${ident(table)} WHERE file_id = ${id})`, id)) {
        await runSql(c, sql);
      }
    }
    const extra = [...unreadable, ...problems.map((p) => ({ ...p, text: p.text ?? null }))];
    for (const e of extra) {
      await c.run(`INSERT INTO rejects VALUES ($1, $2, $3, NULL, $4, $5)`, [
        id,
        e.line,
        e.code,
        e.reason,
        e.text,
      ]);
    }
    return extra;
  }

  private async finishFile(
    meta: FileMeta,
    table: string,
    id: number,
    records: number,
    unreadable: readonly Unreadable[],
    problems: readonly FileProblem[],
    replaced: readonly Replaced[],
    /** Rows the load wrote to `rejects` so far, when it counted them (else they are counted here). */
    rejectedSoFar?: number,
  ): Promise<LoadResult> {
    const c = this.conn;
    // The file's time sources, and its rejected records for the rollups, in one scan of its records.
    const timeSources: Partial<Record<TimeSource, number>> = {};
    let rejectRecords = 0;
    const sources = await read(
      c,
      `SELECT time_source AS s, count(*) AS n, ${rejectRecordsSql(meta.format)} AS rej FROM ${ident(table)} WHERE file_id = $1 GROUP BY ALL`,
      [id],
    );
    for (const r of sources.rows) {
      timeSources[String(r['s']) as TimeSource] = Number(r['n']);
      rejectRecords += Number(r['rej']);
    }
    // Called with no records too: the hook also writes a live batch's key, which must be kept even when
    // every line was a reject (otherwise a retry would store the rejects again).
    await this.runAll(this.rollupSql(meta.format, table, [id], { records, rejectRecords }));
    const extra = await this.deriveAndReject(meta.format, table, id, unreadable, problems);
    const rejected =
      rejectedSoFar === undefined
        ? Number((await read(c, `SELECT count(*) AS n FROM rejects WHERE file_id = $1`, [id])).rows[0]!['n'])
        : rejectedSoFar + extra.length;
    const first =
      rejected === 0
        ? { rows: [] }
        : await read(
            c,
            `SELECT line, code, field, reason, text FROM rejects WHERE file_id = $1 ORDER BY line LIMIT ${FIRST_REJECTS}`,
            [id],
          );
    await c.run(
      `INSERT INTO files VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
         CASE WHEN $13 IS NULL THEN NULL ELSE to_timestamp($13::BIGINT) END, now(), $14)`,
      [
        id,
        meta.path,
        meta.sha256,
        meta.bytes,
        meta.kind,
        meta.format.text,
        records,
        rejected,
        !extra.some((e) => e.code === 'TRUNCATED'),
        meta.account ?? null,
        meta.region ?? null,
        meta.flowLogId ?? null,
        meta.keyTime ?? null,
        table,
      ],
    );
    return {
      status: 'loaded',
      fileId: id,
      records,
      rejected,
      timeSources,
      firstRejects: first.rows.map(rejectInfo),
      ...(replaced.length > 0 ? { replaced: [...replaced] } : {}),
    };
  }

  close(): void {
    this.conn.closeSync();
  }
}

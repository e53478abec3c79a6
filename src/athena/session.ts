// The local Athena session: runs parsed statements against the catalog in the store (DDL) and DuckDB over
// the tables' files (SELECT/WITH), with a current database (USE).

import { resolve } from 'node:path';
import { normalizeSpaces } from '../core/pasted-text.js';
import { AthenaCatalog, type CatalogTable, partitionSpec } from '../storage/athena-catalog.js';
import { type AthenaView, runAthenaQuery, serializeSql } from '../storage/athena-engine.js';
import { relationSql } from '../storage/athena-relation.js';
import { SandboxError } from '../storage/sandbox.js';
import type { Store } from '../storage/store.js';
import type { QualifiedName, Statement } from './ast.js';
import { AthenaError, caretUnder } from './errors.js';
import { duckdbType } from './hive-types.js';
import { tokenize } from './lexer.js';
import { listFiles, localDir } from './locations.js';
import { parseStatement } from './parser.js';
import { hivePartitions, projectedPartitions, projectionEnabled } from './projection.js';
import { allowed, type FixedValues, fixedValues } from './pruning.js';
import { rewriteQuery } from './rewrite.js';
import type { S3Mirror } from './s3-mirror.js';

/** What a statement returns: rows for queries and SHOW, a message for DDL. */
export interface AthenaResult {
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, unknown>[];
  readonly truncated: boolean;
  readonly message?: string;
}

export interface SessionOptions {
  /** The database unqualified names use at first (default `default`). */
  readonly database?: string;
  /** A local mirror of S3: `s3://bucket/key` is read from `<s3Root>/bucket/key` (and S3 is not called). */
  readonly s3Root?: string;
  /** Reads `s3://` locations through the AWS SDK into its cache folder (when no s3Root is given). */
  readonly s3?: S3Mirror;
  /** Row cap of a SELECT (default 10 000). */
  readonly maxRows?: number;
  /** A SELECT is interrupted after this many milliseconds (QueryTimeoutError; default: no limit). */
  readonly timeoutMs?: number;
  /** The clock for `NOW` in projection ranges. */
  readonly now?: () => Date;
}

const done = (message: string): AthenaResult => ({ columns: [], rows: [], truncated: false, message });
const list = (column: string, values: readonly string[]): AthenaResult => ({
  columns: [column],
  rows: values.map((v) => ({ [column]: v })),
  truncated: false,
});

/**
 * A local Athena over one store's catalog.
 *
 * @example const s = await AthenaSession.open(store); await s.run("CREATE DATABASE logs"); await s.run('SHOW DATABASES');
 */
export class AthenaSession {
  private db: string;
  private constructor(
    private readonly catalog: AthenaCatalog,
    private readonly opts: SessionOptions,
  ) {
    this.db = opts.database ?? 'default';
  }

  static async open(store: Store, opts: SessionOptions = {}): Promise<AthenaSession> {
    const session = new AthenaSession(await AthenaCatalog.open(store), opts);
    if (opts.database !== undefined && !(await session.catalog.hasDatabase(opts.database))) {
      throw new AthenaError('ATHENA_UNKNOWN_DATABASE', `there is no database ${opts.database}`, {
        start: 0,
        end: 0,
      });
    }
    return session;
  }

  /** The current database. */
  get database(): string {
    return this.db;
  }

  /**
   * Parses and runs one statement. User mistakes throw UserError subclasses (AthenaError, SandboxError,
   * StoreError) whose `detail` shows the statement with a caret under the fault.
   */
  async run(source: string): Promise<AthenaResult> {
    // DuckDB reads the SELECTs too: give it the text with Unicode spaces as spaces (same length, core/pasted-text).
    const text = normalizeSpaces(source);
    try {
      return await this.execute(parseStatement(text), text);
    } catch (err) {
      if ((err instanceof AthenaError || err instanceof SandboxError) && err.start !== undefined) {
        const atEnd = err.start === text.length && err.start > 0;
        if (err.end !== undefined && (err.end > err.start || atEnd)) {
          err.detail = caretUnder(text, err.start, err.end);
        }
      }
      throw err;
    }
  }

  /** The S3 mirror a table's locations are read from: this session's `s3Root`, else the table's own. */
  private rootOf(t: CatalogTable | undefined): string | undefined {
    return this.opts.s3Root ?? t?.locationRoot;
  }

  private dirOf(location: string, span: { start: number; end: number }, t?: CatalogTable): string {
    return localDir(location, this.rootOf(t) ?? this.opts.s3?.cacheDir, span);
  }

  /** Brings an `s3://` location into the S3 cache first (when reading S3 through the SDK). */
  private async fetched(
    location: string,
    span: { start: number; end: number },
    t?: CatalogTable,
  ): Promise<string> {
    const dir = this.dirOf(location, span, t); // refuses a location leading out of the cache first
    if (this.rootOf(t) === undefined && this.opts.s3 && /^s3[an]?:\/\//i.test(location)) {
      await this.opts.s3.sync(location);
    }
    return dir;
  }

  private async table(q: QualifiedName): Promise<CatalogTable> {
    const db = q.db ?? this.db;
    const t = await this.catalog.table(db, q.name);
    if (!t) {
      throw new AthenaError(
        'ATHENA_UNKNOWN_TABLE',
        `there is no table ${db}.${q.name}`,
        q,
        'see SHOW TABLES',
      );
    }
    return t;
  }

  private async execute(s: Statement, text: string): Promise<AthenaResult> {
    const whole = { start: 0, end: text.length };
    switch (s.kind) {
      case 'create_database': {
        const created = await this.catalog.createDatabase(s.name);
        if (!created && !s.ifNotExists) {
          throw new AthenaError(
            'ATHENA_DATABASE_EXISTS',
            `the database ${s.name} already exists`,
            whole,
            'write CREATE DATABASE IF NOT EXISTS',
          );
        }
        return done(created ? `database ${s.name} created` : `database ${s.name} already exists`);
      }
      case 'drop_database': {
        if (!(await this.catalog.hasDatabase(s.name))) {
          if (s.ifExists) return done(`there is no database ${s.name}`);
          throw new AthenaError('ATHENA_UNKNOWN_DATABASE', `there is no database ${s.name}`, whole);
        }
        await this.catalog.dropDatabase(s.name);
        if (this.db === s.name) this.db = 'default';
        return done(`database ${s.name} dropped`);
      }
      case 'create_table':
        return this.createTable(s);
      case 'add_partitions': {
        const t = await this.table(s.table);
        if (t.partitionColumns.length === 0) {
          throw new AthenaError('ATHENA_NOT_PARTITIONED', `${t.db}.${t.name} is not partitioned`, s.table);
        }
        let added = 0;
        for (const p of s.partitions) {
          const keys = Object.keys(p.values);
          const want = t.partitionColumns.map((c) => c.name);
          if (keys.length !== want.length || !want.every((k) => keys.includes(k))) {
            throw new AthenaError(
              'ATHENA_PARTITION_KEYS',
              `the partition gives ${keys.join(', ')} but ${t.name} is partitioned by ${want.join(', ')}`,
              whole,
              `give a value for each of ${want.join(', ')}`,
            );
          }
          const values = want.map((k) => p.values[k]!);
          const location =
            p.location ?? `${t.location.replace(/\/+$/, '')}/${partitionSpec(t.partitionColumns, values)}`;
          const ok = await this.catalog.addPartition(t, { values, location });
          if (!ok && !s.ifNotExists) {
            throw new AthenaError(
              'ATHENA_PARTITION_EXISTS',
              `the partition ${partitionSpec(t.partitionColumns, values)} already exists`,
              whole,
              'write ADD IF NOT EXISTS PARTITION',
            );
          }
          if (ok) added++;
        }
        return done(`${added} partition${added === 1 ? '' : 's'} added`);
      }
      case 'msck_repair': {
        const t = await this.table(s.table);
        if (t.partitionColumns.length === 0) {
          throw new AthenaError('ATHENA_NOT_PARTITIONED', `${t.db}.${t.name} is not partitioned`, s.table);
        }
        const dir = await this.fetched(t.location, s.table, t);
        const rows: Record<string, unknown>[] = [];
        for (const p of hivePartitions(
          dir,
          t.partitionColumns.map((c) => c.name),
        )) {
          const rel = p.dir
            .slice(dir.length)
            .replace(/^[/\\]+/, '')
            .split(/[/\\]/)
            .join('/');
          const location = `${t.location.replace(/\/+$/, '')}/${rel}`;
          if (await this.catalog.addPartition(t, { values: p.values, location })) {
            rows.push({
              result: `Repair: Added partition to metastore ${t.name}:${partitionSpec(t.partitionColumns, p.values)}`,
            });
          }
        }
        return { columns: ['result'], rows, truncated: false, message: `${rows.length} partitions added` };
      }
      case 'drop_table': {
        const db = s.table.db ?? this.db;
        if (!(await this.catalog.table(db, s.table.name))) {
          if (s.ifExists) return done(`there is no table ${db}.${s.table.name}`);
          await this.table(s.table);
        }
        await this.catalog.dropTable(db, s.table.name);
        return done(`table ${db}.${s.table.name} dropped (its files are kept)`);
      }
      case 'show_tables': {
        const db = s.db ?? this.db;
        if (!(await this.catalog.hasDatabase(db))) {
          throw new AthenaError('ATHENA_UNKNOWN_DATABASE', `there is no database ${db}`, whole);
        }
        return list('tab_name', await this.catalog.tables(db));
      }
      case 'show_databases':
        return list('database_name', await this.catalog.databases());
      case 'show_partitions': {
        const t = await this.table(s.table);
        const parts = await this.catalog.partitions(t);
        return list(
          'partition',
          parts.map((p) => partitionSpec(t.partitionColumns, p.values)),
        );
      }
      case 'use': {
        if (!(await this.catalog.hasDatabase(s.db))) {
          throw new AthenaError(
            'ATHENA_UNKNOWN_DATABASE',
            `there is no database ${s.db}`,
            whole,
            'see SHOW DATABASES',
          );
        }
        this.db = s.db;
        return done(`using ${s.db}`);
      }
      case 'query':
        return this.query(s.sql);
      default: {
        const never: never = s;
        throw new Error(`unhandled statement ${JSON.stringify(never)}`);
      }
    }
  }

  private async createTable(s: Extract<Statement, { kind: 'create_table' }>): Promise<AthenaResult> {
    const db = s.table.db ?? this.db;
    if (!(await this.catalog.hasDatabase(db))) {
      throw new AthenaError(
        'ATHENA_UNKNOWN_DATABASE',
        `there is no database ${db}`,
        s.table,
        `CREATE DATABASE ${db} first`,
      );
    }
    if (await this.catalog.table(db, s.table.name)) {
      if (s.ifNotExists) return done(`table ${db}.${s.table.name} already exists`);
      throw new AthenaError(
        'ATHENA_TABLE_EXISTS',
        `the table ${db}.${s.table.name} already exists`,
        s.table,
        'write CREATE EXTERNAL TABLE IF NOT EXISTS, or DROP TABLE first',
      );
    }
    const seen = new Set<string>();
    for (const c of [...s.columns, ...s.partitionedBy]) {
      if (duckdbType(c.type) === undefined) {
        throw new AthenaError(
          'ATHENA_UNSUPPORTED_TYPE',
          `the column ${c.name} has the type ${c.type}, which the local Athena cannot read`,
          c,
          'use string, int, bigint, smallint, tinyint, double, float, boolean, date, timestamp, decimal(p,s)',
        );
      }
      if (seen.has(c.name)) {
        throw new AthenaError('ATHENA_DUPLICATE_COLUMN', `the column ${c.name} is defined twice`, c);
      }
      seen.add(c.name);
    }
    const skip = s.properties['skip.header.line.count'];
    if (skip !== undefined && !/^\d+$/.test(skip)) {
      throw new AthenaError(
        'ATHENA_BAD_PROPERTY',
        `skip.header.line.count must be a whole number (found "${skip}")`,
        s.table,
      );
    }
    await this.catalog.createTable({
      db,
      name: s.table.name,
      columns: s.columns.map((c) => ({ name: c.name, type: c.type })),
      partitionColumns: s.partitionedBy.map((c) => ({ name: c.name, type: c.type })),
      format: s.format,
      delimiter: s.delimiter,
      location: s.location,
      properties: s.properties,
      // A table on S3 created with a local mirror keeps reading it: later sessions need no --location-root.
      ...(this.opts.s3Root !== undefined && /^s3[an]?:\/\//i.test(s.location)
        ? { locationRoot: resolve(this.opts.s3Root) }
        : {}),
    });
    return done(`table ${db}.${s.table.name} created`);
  }

  /** The catalog tables a SELECT may name: every `name` and `db.name` among its words that is a table. */
  private async referencedTables(sql: string): Promise<CatalogTable[]> {
    const tokens = tokenize(sql);
    // The catalog's tables in one query: a detection's SELECT has hundreds of distinct words, and a query per
    // word took most of its time (0.3-2 s of CPU per statement).
    const keyOf = (db: string, name: string) => JSON.stringify([db, name]);
    const known = new Set((await this.catalog.allTables()).map(([db, name]) => keyOf(db, name)));
    const found = new Map<string, CatalogTable>();
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t.kind !== 'word' && t.kind !== 'quoted') continue;
      const dot = tokens[i + 1]?.value === '.' ? tokens[i + 2] : undefined;
      const candidates: [string, string][] = [[this.db, t.value.toLowerCase()]];
      if (dot && (dot.kind === 'word' || dot.kind === 'quoted'))
        candidates.push([t.value.toLowerCase(), dot.value.toLowerCase()]);
      for (const [db, name] of candidates) {
        const key = `${db}.${name}`;
        if (found.has(key) || !known.has(keyOf(db, name))) continue;
        const table = await this.catalog.table(db, name);
        if (table) found.set(key, table);
      }
    }
    return [...found.values()];
  }

  /** A table as a relation over its files (partition folders from the catalog or the projection). */
  private async view(t: CatalogTable, fixed: FixedValues | undefined): Promise<AthenaView> {
    const span = { start: 0, end: 0 };
    // partitions the WHERE clause rules out are neither listed nor fetched
    const here = fixed && (fixed.table === t.name || fixed.table === `${t.db}.${t.name}`) ? fixed : undefined;
    const keep = (values: readonly string[]) =>
      t.partitionColumns.every((c, i) => allowed(here?.columns.get(c.name), values[i] ?? ''));
    let parts: { files: string[]; values: string[] }[];
    if (t.partitionColumns.length === 0) {
      parts = [{ files: listFiles(await this.fetched(t.location, span, t)), values: [] }];
    } else if (projectionEnabled(t.properties)) {
      const now = (this.opts.now ?? (() => new Date()))();
      const template = t.properties['storage.location.template'] ?? t.location;
      await this.fetched(template.slice(0, template.lastIndexOf('/', template.indexOf('${')) + 1), span, t);
      parts = projectedPartitions(
        t.partitionColumns.map((c) => c.name),
        t.properties,
        t.location,
        (l) => this.dirOf(l, span, t),
        now,
      )
        .filter((p) => keep(p.values))
        .map((p) => ({ files: listFiles(p.dir), values: [...p.values] }));
    } else {
      parts = [];
      for (const p of await this.catalog.partitions(t)) {
        if (!keep(p.values)) continue;
        parts.push({ files: listFiles(await this.fetched(p.location, span, t)), values: [...p.values] });
      }
    }
    const typed = (c: { name: string; type: string }) => ({
      name: c.name,
      duckdb: duckdbType(c.type) ?? 'VARCHAR',
    });
    return {
      db: t.db,
      name: t.name,
      files: parts.flatMap((p) => p.files),
      sql: relationSql({
        columns: t.columns.map(typed),
        partitionColumns: t.partitionColumns.map(typed),
        format: t.format,
        delimiter: t.delimiter,
        skipHeaderLines: t.format === 'text' ? Number(t.properties['skip.header.line.count'] ?? 0) : 0,
        parts,
      }),
    };
  }

  private async query(sql: string): Promise<AthenaResult> {
    const rewritten = rewriteQuery(sql);
    const tables = await this.referencedTables(sql);
    const fixed = tables.some((t) => t.partitionColumns.length > 0)
      ? fixedValues(await serializeSql(rewritten))
      : undefined;
    const views: AthenaView[] = [];
    for (const t of tables) views.push(await this.view(t, fixed));
    const r = await runAthenaQuery(rewritten, views, {
      currentDb: this.db,
      maxRows: this.opts.maxRows ?? 10_000,
      ...(this.opts.timeoutMs === undefined ? {} : { timeoutMs: this.opts.timeoutMs }),
    });
    return { columns: r.columns.map((c) => c.name), rows: r.rows, truncated: r.truncated };
  }
}

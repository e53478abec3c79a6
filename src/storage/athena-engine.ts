// The local Athena's query engine: a private in-memory DuckDB with the Trino macros, one view per referenced
// Athena table (schema = Athena database) over exactly that table's files, confined by DuckDB to those files
// (no other file, URL, extension or setting change), and the user's SELECT checked by the SQL sandbox
// (sandbox.ts) before it runs, so it can read those views and nothing else.

import { QueryTimeoutError, UserError } from '../core/errors.js';
import { TRINO_MACROS } from './athena-macros.js';
import { DuckDBInstance } from './duckdb.js';
import { checkSandboxedSql, SandboxError } from './sandbox.js';
import { ident, literal } from './sql.js';
import { confine, deadline, type QueryResult, read, userSqlError } from './store.js';

/** An Athena table as a relation: its database, name and the SELECT over its files (athena-relation.ts). */
export interface AthenaView {
  readonly db: string;
  readonly name: string;
  readonly sql: string;
  /** Every file `sql` reads: the only files the engine may open. */
  readonly files: readonly string[];
}

export interface AthenaQueryOptions {
  /** The database unqualified names resolve in (`USE db`). */
  readonly currentDb: string;
  readonly maxRows: number;
  /** Interrupt the SELECT after this many milliseconds (QueryTimeoutError); default no limit. */
  readonly timeoutMs?: number;
}

/**
 * Runs one SELECT/WITH statement over `views`. Throws SandboxError when the statement is not a single
 * SELECT over the views (e.g. it calls read_csv or names a file), StoreError (`SQL_ERROR`) when DuckDB fails.
 *
 * @example await runAthenaQuery('SELECT count(*) FROM t', [{ db: 'default', name: 't', sql }], { currentDb: 'default', maxRows: 100 })
 */
export async function runAthenaQuery(
  sql: string,
  views: readonly AthenaView[],
  opts: AthenaQueryOptions,
): Promise<QueryResult> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  let expired = false;
  let cancel = () => {};
  try {
    await conn.run(`SET TimeZone = 'UTC'`);
    // Trino divides integers as integers (7 / 2 = 3); DuckDB's `/` would give 3.5.
    await conn.run('SET integer_division = true');
    for (const m of TRINO_MACROS) await conn.run(m.sql);
    const schemas = new Set([opts.currentDb, ...views.map((v) => v.db)]);
    for (const s of schemas) await conn.run(`CREATE SCHEMA IF NOT EXISTS ${ident(s)}`);
    await conn.run(`SET search_path = ${literal(ident(opts.currentDb))}`);
    // From here on DuckDB itself refuses every file but the tables' own, every URL and extension, and any
    // change of settings: the user's SQL runs on this instance, whatever SQL text it makes DuckDB bind.
    await confine(conn, { paths: views.flatMap((v) => v.files) });
    for (const v of views) await conn.run(`CREATE VIEW ${ident(v.db)}.${ident(v.name)} AS ${v.sql}`);
    const parsed = await read(conn, 'SELECT json_serialize_sql($1::VARCHAR) AS j', [sql]);
    const functions = await read(conn, 'SELECT DISTINCT lower(function_name) AS n FROM duckdb_functions()');
    const types = await read(conn, 'SELECT DISTINCT lower(type_name) AS n FROM duckdb_types()');
    const db = await read(conn, 'SELECT current_database() AS d');
    const tables = new Set<string>();
    for (const v of views) {
      tables.add(`${v.db}.${v.name}`);
      if (v.db === opts.currentDb) tables.add(v.name);
    }
    try {
      checkSandboxedSql(sql, String(parsed.rows[0]?.['j']), {
        database: String(db.rows[0]?.['d']).toLowerCase(),
        functions: new Set(functions.rows.map((x) => String(x['n']))),
        tables,
        types: new Set(types.rows.map((x) => String(x['n']))),
      });
    } catch (err) {
      if (err instanceof SandboxError && err.code === 'SQL_UNKNOWN_TABLE') {
        throw new SandboxError(
          'ATHENA_UNKNOWN_TABLE',
          err.message.replace('table or view', 'table'),
          `tables of ${opts.currentDb}: see SHOW TABLES; create one with CREATE EXTERNAL TABLE`,
          err.start === undefined || err.end === undefined ? undefined : { start: err.start, end: err.end },
        );
      }
      throw err;
    }
    cancel = deadline(conn, opts.timeoutMs, () => {
      expired = true;
    });
    return await read(conn, sql, undefined, Math.max(0, opts.maxRows), true);
  } catch (err) {
    if (expired) throw new QueryTimeoutError(opts.timeoutMs ?? 0);
    if (err instanceof UserError) throw err;
    throw userSqlError(err);
  } finally {
    cancel();
    conn.closeSync();
    instance.closeSync();
  }
}

/**
 * DuckDB's parse tree of `sql` as JSON (`json_serialize_sql`), for analyses such as partition pruning.
 *
 * @example JSON.parse(await serializeSql('SELECT 1')).statements.length // 1
 */
export async function serializeSql(sql: string): Promise<string> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const r = await read(conn, 'SELECT json_serialize_sql($1::VARCHAR) AS j', [sql]);
    return String(r.rows[0]?.['j']);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

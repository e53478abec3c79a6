// The SQL sandbox's rules for user SQL (the dashboard's SQL editor), checked on DuckDB's own parse tree
// (json_serialize_sql): exactly one SELECT, reading only the store's tables and views, calling no function that
// reads files, runs other SQL, or changes the database or its settings. Store.sandboxQuery applies them.

import { StoreError } from '../core/errors.js';

/**
 * User SQL the sandbox refuses, with the span (0-based UTF-16 offsets, end excluded) of the offending part
 * when DuckDB's parser reported one.
 *
 * @example try { await store.sandboxQuery("COPY flows TO 'x.csv'", o) } catch (e) { (e as SandboxError).code } // 'SQL_NOT_SELECT'
 */
export class SandboxError extends StoreError {
  readonly start: number | undefined;
  readonly end: number | undefined;
  constructor(code: string, message: string, hint?: string, span?: { start: number; end: number }) {
    super(code, message, hint);
    this.start = span?.start;
    this.end = span?.end;
  }
}

/** What the database offers, as the checker needs it (all names lower-case). */
export interface SandboxCatalog {
  /** The database's own name (`current_database()`), the only catalog a reference may name. */
  readonly database: string;
  /** Every function DuckDB has loaded (scalar, aggregate, macro, table). Others would autoload an extension. */
  readonly functions: ReadonlySet<string>;
  /** Readable tables and views: `name` and `schema.name`. */
  readonly tables: ReadonlySet<string>;
  /** Type names (for casts to named types). */
  readonly types: ReadonlySet<string>;
}

/** Table functions user SQL may call in FROM: generators, JSON walkers and catalog listings. */
export const SANDBOX_TABLE_FUNCTIONS: readonly string[] = [
  'range',
  'generate_series',
  'unnest',
  'json_each',
  'json_tree',
  'duckdb_tables',
  'duckdb_views',
  'duckdb_columns',
  'duckdb_types',
  'duckdb_functions',
  'duckdb_keywords',
  'duckdb_schemas',
  'duckdb_constraints',
  'duckdb_indexes',
  'pragma_table_info',
];
const TABLE_FUNCTIONS = new Set(SANDBOX_TABLE_FUNCTIONS);

/** System views user SQL may read besides the store's own tables. */
export const SANDBOX_SYSTEM_VIEWS: readonly string[] = [
  'information_schema.tables',
  'information_schema.columns',
  'information_schema.views',
  'information_schema.schemata',
  'duckdb_tables',
  'duckdb_views',
  'duckdb_columns',
  'duckdb_types',
  'duckdb_schemas',
  'duckdb_constraints',
  'duckdb_indexes',
];

/**
 * Functions refused wherever they appear: file readers and scanners, functions binding or running SQL given as
 * text (query, json_serialize_plan, json_execute_serialized_sql), variables,
 * checkpoints, logging/profiling/parser switches, secrets, settings, sequences, the random seed, extension
 * loading. (Table functions must moreover be in SANDBOX_TABLE_FUNCTIONS; scalars must already be loaded.)
 */
const FORBIDDEN =
  /^(read_.*|.*_scan|parquet_.*|sniff_csv|glob|query|query_table|json_execute_serialized_sql|json_serialize_plan|getvariable|.*checkpoint.*|enable_.*|disable_.*|truncate_duckdb_logs|duckdb_logs.*|.*secret.*|.*setting.*|nextval|currval|setval|setseed|write_log|getenv|install.*|load.*|import_.*|export_.*|copy_.*|attach.*|detach.*|iceberg_.*|delta_.*|sqlite_.*|postgres_.*|mysql_.*|arrow_.*|pragma_(?!table_info$).*)$/;

/** SHOW TABLES / SHOW ALL TABLES / SHOW DATABASES, as the parser names them. */
const SHOW_LISTS = new Set(['"tables"', '__show_tables_expanded', '"databases"']);

/** A plain identifier: a name DuckDB could never take for a file (replacement scans need a dot or a slash). */
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_$]*$/;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Node = { [k: string]: Json };

function isNode(v: Json | undefined): v is Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A UTF-8 byte offset of `text` as a UTF-16 offset; undefined for DuckDB's "no location" (2^64 - 1). */
function charOffset(text: string, bytes: Json | undefined): number | undefined {
  const n = Number(bytes);
  if (!Number.isInteger(n) || n < 0) return undefined;
  const buf = Buffer.from(text, 'utf8');
  if (n > buf.length) return undefined;
  return buf.subarray(0, n).toString('utf8').length;
}

/** The span of the word starting at `start` (a function or table name, a token). */
function wordSpan(text: string, start: number | undefined): { start: number; end: number } | undefined {
  if (start === undefined) return undefined;
  const word = /^("[^"]*"|'[^']*'|[\p{L}\p{N}_$.]+|\S)/u.exec(text.slice(start));
  return { start, end: start + (word?.[0].length ?? 0) };
}

/** Every CTE name defined anywhere in the statement (lower-case). */
function cteNames(node: Json, out: Set<string>): Set<string> {
  if (Array.isArray(node)) {
    for (const x of node) cteNames(x, out);
  } else if (isNode(node)) {
    const map = node['cte_map'];
    if (isNode(map) && Array.isArray(map['map'])) {
      for (const e of map['map'])
        if (isNode(e) && typeof e['key'] === 'string') out.add(e['key'].toLowerCase());
    }
    for (const v of Object.values(node)) cteNames(v, out);
  }
  return out;
}

/**
 * Checks one statement as serialized by DuckDB's `json_serialize_sql(sql)`; throws SandboxError on the first
 * rule broken. The rules:
 * - the text holds exactly one statement and it is a SELECT (DuckDB only serializes SELECTs, so COPY, ATTACH,
 *   PRAGMA, SET, INSTALL, LOAD, CALL, CREATE, INSERT... all fail here);
 * - every table reference is a plain name: a CTE of the statement, a table or view of the store, or one of
 *   SANDBOX_SYSTEM_VIEWS; no other database (so no replacement scan can read a file such as `'x.csv'`);
 * - every table function is in SANDBOX_TABLE_FUNCTIONS; no function matches the forbidden list; every other
 *   function is already loaded (so no extension is autoloaded); casts name only known types.
 *
 * @example checkSandboxedSql('SELECT 1', serialized, catalog) // returns; throws SandboxError for 'COPY ...'
 */
export function checkSandboxedSql(sql: string, serialized: string, catalog: SandboxCatalog): void {
  const parsed = JSON.parse(serialized) as Node;
  if (parsed['error'] === true) {
    const message = String(parsed['error_message'] ?? 'the SQL cannot be parsed');
    if (/only select statements/i.test(message)) {
      throw new SandboxError(
        'SQL_NOT_SELECT',
        'only SELECT statements can run here: the SQL sandbox is read-only',
        'write a SELECT (or WITH ... SELECT) over flows, files, rejects or metric_datapoints',
      );
    }
    const at = parsed['position'] === undefined ? undefined : charOffset(sql, Number(parsed['position']));
    throw new SandboxError(
      'SQL_PARSE_ERROR',
      `SQL syntax error: ${message}`,
      undefined,
      wordSpan(sql, at === undefined ? undefined : Math.min(at, sql.length)),
    );
  }
  const statements = Array.isArray(parsed['statements']) ? parsed['statements'] : [];
  if (statements.length === 0) {
    throw new SandboxError(
      'SQL_EMPTY',
      'there is no SQL statement to run',
      'e.g. SELECT count(*) FROM flows',
    );
  }
  if (statements.length > 1) {
    throw new SandboxError(
      'SQL_MULTIPLE_STATEMENTS',
      `exactly one statement can run at a time; found ${statements.length}`,
      'remove the semicolon-separated statements after the first',
    );
  }
  const ctes = cteNames(statements[0]!, new Set());

  const refuse = (code: string, message: string, node: Node, hint?: string): never => {
    throw new SandboxError(code, message, hint, wordSpan(sql, charOffset(sql, node['query_location'])));
  };

  const checkTable = (node: Node, name: string, schema: string, db: string): void => {
    if (db !== '' && db.toLowerCase() !== catalog.database) {
      refuse(
        'SQL_FORBIDDEN_TABLE',
        `"${db}" is not this store: only the store's own tables can be read`,
        node,
      );
    }
    if (!PLAIN_NAME.test(name) || (schema !== '' && !PLAIN_NAME.test(schema))) {
      refuse(
        'SQL_FORBIDDEN_TABLE',
        `"${name}" is not a table of the store: the SQL sandbox cannot read files`,
        node,
        'query the tables flows, files, rejects or metric_datapoints',
      );
    }
    const lower = name.toLowerCase();
    if (schema === '' && ctes.has(lower)) return;
    const key = schema === '' ? lower : `${schema.toLowerCase()}.${lower}`;
    if (!catalog.tables.has(key)) {
      refuse(
        'SQL_UNKNOWN_TABLE',
        `there is no table or view named ${schema === '' ? name : `${schema}.${name}`}`,
        node,
        'the store has flows, files, rejects, metric_datapoints, record_tables, source_keys and source_checkpoints',
      );
    }
  };

  const checkFunction = (node: Node, table: boolean): void => {
    const name = String(node['function_name'] ?? '').toLowerCase();
    const db = String(node['catalog'] ?? '');
    if (db !== '' && db.toLowerCase() !== catalog.database && db.toLowerCase() !== 'system') {
      refuse('SQL_FORBIDDEN_FUNCTION', `functions of "${db}" cannot be called here`, node);
    }
    if (FORBIDDEN.test(name)) {
      refuse(
        'SQL_FORBIDDEN_FUNCTION',
        `${name}() is not allowed in the SQL sandbox: it reads files, runs other SQL, or changes the database or its settings`,
        node,
        'query the store’s tables (flows, files, rejects, metric_datapoints) instead',
      );
    }
    if (table) {
      if (!TABLE_FUNCTIONS.has(name)) {
        refuse(
          'SQL_FORBIDDEN_FUNCTION',
          `the table function ${name}() is not allowed in the SQL sandbox`,
          node,
          `allowed table functions: ${SANDBOX_TABLE_FUNCTIONS.join(', ')}`,
        );
      }
    } else if (!catalog.functions.has(name)) {
      refuse('SQL_UNKNOWN_FUNCTION', `there is no function named ${name}`, node);
    }
  };

  const visit = (v: Json | undefined): void => {
    if (Array.isArray(v)) {
      for (const x of v) visit(x);
      return;
    }
    if (!isNode(v)) return;
    const type = v['type'];
    if (type === 'TABLE_FUNCTION' && isNode(v['function'])) {
      const fn = v['function'];
      checkFunction(fn, true);
      for (const [k, x] of Object.entries(fn)) if (k !== 'function_name') visit(x);
      for (const [k, x] of Object.entries(v)) if (k !== 'function') visit(x);
      return;
    }
    if (type === 'BASE_TABLE') {
      checkTable(
        v,
        String(v['table_name'] ?? ''),
        String(v['schema_name'] ?? ''),
        String(v['catalog_name'] ?? ''),
      );
    } else if (type === 'SHOW_REF') {
      const name = String(v['table_name'] ?? '');
      if (name !== '' && !SHOW_LISTS.has(name)) {
        checkTable(v, name, String(v['schema_name'] ?? ''), String(v['catalog_name'] ?? ''));
      }
    }
    const cls = v['class'];
    if (cls === 'FUNCTION' || (cls === 'WINDOW' && type === 'WINDOW_AGGREGATE')) checkFunction(v, false);
    if (v['id'] === 'UNBOUND' && isNode(v['type_info'])) {
      const name = String(v['type_info']['name'] ?? '').toLowerCase();
      if (!catalog.types.has(name)) {
        throw new SandboxError('SQL_UNKNOWN_TYPE', `there is no type named ${name}`);
      }
    }
    for (const x of Object.values(v)) visit(x);
  };
  visit(statements[0]);
}

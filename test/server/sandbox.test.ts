// The SQL sandbox on a real DuckDB store: what user SQL may run, what is refused (and with which code), the
// row cap and the timeout. Refusals are decided on DuckDB's own parse tree, before anything runs.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryTimeoutError } from '../../src/core/errors.js';
import { SandboxError } from '../../src/storage/sandbox.js';
import { Store } from '../../src/storage/store.js';

let store: Store;
const opts = { timeoutMs: 5_000, maxRows: 100 };

beforeAll(async () => {
  store = await Store.open(':memory:', { confineTo: [] });
});
afterAll(() => store?.close());

const ALLOWED = [
  'SELECT 1 AS one',
  'select count(*) AS n from flows;',
  'FROM flows SELECT srcaddr LIMIT 1',
  'WITH a AS (SELECT action, count(*) AS n FROM flows GROUP BY ALL) SELECT * FROM a ORDER BY n DESC',
  'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT sum(n) FROM r',
  "SELECT row_number() OVER (), sum(bytes) OVER (PARTITION BY action), coalesce(srcaddr, '-'), srcaddr LIKE '10.%', bytes::DOUBLE, try_cast('1' AS INT), list_transform([1, 2], x -> x + 1), {'a': 1}.a, CASE WHEN action = 'REJECT' THEN 1 ELSE 0 END, protocol IN (6, 17), regexp_matches(srcaddr, '^10\\.'), to_timestamp(start), date_trunc('hour', to_timestamp(start)), epoch(now()), ifnull(bytes, 0), nullif(bytes, 0), strftime(to_timestamp(start), '%H') FROM flows",
  'SELECT * FROM range(3) t(x) JOIN generate_series(1, 2) g(y) ON true',
  'SELECT unnest([1, 2])',
  'SELECT * FROM unnest([1, 2])',
  'SELECT f.path, count(*) FROM rejects r JOIN files f ON f.id = r.file_id GROUP BY ALL',
  'SELECT * FROM metric_datapoints, meta, record_tables, source_keys, source_checkpoints, main.flows LIMIT 1',
  'SELECT table_name FROM information_schema.tables',
  'SELECT * FROM duckdb_columns() WHERE table_name = $$flows$$',
  'SELECT column_name FROM duckdb_columns',
  'DESCRIBE flows',
  'SUMMARIZE SELECT bytes FROM flows',
  'SHOW TABLES',
  'SELECT * FROM pragma_table_info($$flows$$)',
  "SELECT * FROM flows PIVOT (sum(bytes) FOR action IN ('ACCEPT', 'REJECT'))",
  'SELECT approx_quantile(bytes, 0.99), median(bytes), histogram(protocol) FROM flows',
  "SELECT 'read_csv(x)' AS not_a_call, json_extract_string('{\"a\":1}', '$.a')",
];

describe('the SQL sandbox runs', () => {
  it.each(ALLOWED)('%s', async (sql) => {
    await expect(store.sandboxQuery(sql, opts)).resolves.toHaveProperty('rows');
  });
});

/** [sql, code, offending text (its span)] */
const REFUSED: [string, string, string | undefined][] = [
  ["COPY flows TO '/tmp/x.csv'", 'SQL_NOT_SELECT', undefined],
  ["ATTACH '/tmp/other.duckdb' AS o", 'SQL_NOT_SELECT', undefined],
  ['PRAGMA version', 'SQL_NOT_SELECT', undefined],
  ['SET enable_external_access = true', 'SQL_NOT_SELECT', undefined],
  ['INSTALL httpfs', 'SQL_NOT_SELECT', undefined],
  ['LOAD httpfs', 'SQL_NOT_SELECT', undefined],
  ['CREATE TABLE t AS SELECT 1', 'SQL_NOT_SELECT', undefined],
  ['INSERT INTO meta VALUES (1, 2)', 'SQL_NOT_SELECT', undefined],
  ['DELETE FROM flows_1', 'SQL_NOT_SELECT', undefined],
  ['CALL enable_logging()', 'SQL_NOT_SELECT', undefined],
  ['EXPLAIN SELECT 1', 'SQL_NOT_SELECT', undefined],
  ['SELECT 1; DROP TABLE files', 'SQL_NOT_SELECT', undefined],
  ['SELECT 1; SELECT 2', 'SQL_MULTIPLE_STATEMENTS', undefined],
  ['', 'SQL_EMPTY', undefined],
  ['-- nothing', 'SQL_EMPTY', undefined],
  ['SELEC 1', 'SQL_PARSE_ERROR', 'SELEC'],
  ["SELECT * FROM read_csv('/etc/passwd')", 'SQL_FORBIDDEN_FUNCTION', 'read_csv'],
  ["SELECT * FROM READ_CSV_AUTO('/etc/passwd')", 'SQL_FORBIDDEN_FUNCTION', 'READ_CSV_AUTO'],
  ["SELECT * FROM main.read_text('/etc/passwd')", 'SQL_FORBIDDEN_FUNCTION', 'main.read_text'],
  ["SELECT (SELECT content FROM read_blob('/etc/passwd'))", 'SQL_FORBIDDEN_FUNCTION', 'read_blob'],
  ["SELECT * FROM read_parquet('x.parquet')", 'SQL_FORBIDDEN_FUNCTION', 'read_parquet'],
  ["SELECT * FROM parquet_metadata('x.parquet')", 'SQL_FORBIDDEN_FUNCTION', 'parquet_metadata'],
  ["SELECT * FROM read_json_auto('x.json')", 'SQL_FORBIDDEN_FUNCTION', 'read_json_auto'],
  ["SELECT * FROM glob('/*')", 'SQL_FORBIDDEN_FUNCTION', 'glob'],
  ["SELECT * FROM sniff_csv('x.csv')", 'SQL_FORBIDDEN_FUNCTION', 'sniff_csv'],
  ["SELECT * FROM query('COPY flows TO ''x''')", 'SQL_FORBIDDEN_FUNCTION', 'query'],
  ["SELECT * FROM query_table('flows')", 'SQL_FORBIDDEN_FUNCTION', 'query_table'],
  [
    "SELECT * FROM json_execute_serialized_sql('{}')",
    'SQL_FORBIDDEN_FUNCTION',
    'json_execute_serialized_sql',
  ],
  ['SELECT * FROM checkpoint()', 'SQL_FORBIDDEN_FUNCTION', 'checkpoint'],
  ['SELECT * FROM enable_logging()', 'SQL_FORBIDDEN_FUNCTION', 'enable_logging'],
  ['SELECT * FROM enable_peg_parser()', 'SQL_FORBIDDEN_FUNCTION', 'enable_peg_parser'],
  ['SELECT * FROM duckdb_settings()', 'SQL_FORBIDDEN_FUNCTION', 'duckdb_settings'],
  ['SELECT * FROM duckdb_secrets()', 'SQL_FORBIDDEN_FUNCTION', 'duckdb_secrets'],
  ['SELECT * FROM seq_scan()', 'SQL_FORBIDDEN_FUNCTION', 'seq_scan'],
  ['SELECT * FROM test_all_types()', 'SQL_FORBIDDEN_FUNCTION', 'test_all_types'],
  ["SELECT current_setting('threads')", 'SQL_FORBIDDEN_FUNCTION', 'current_setting'],
  ["SELECT nextval('file_ids')", 'SQL_FORBIDDEN_FUNCTION', 'nextval'],
  ["SELECT write_log('x')", 'SQL_FORBIDDEN_FUNCTION', 'write_log'],
  ['SELECT setseed(0.5)', 'SQL_FORBIDDEN_FUNCTION', 'setseed'],
  ['SELECT st_point(1, 2)', 'SQL_UNKNOWN_FUNCTION', 'st_point'],
  ["SELECT * FROM '/etc/passwd'", 'SQL_FORBIDDEN_TABLE', "'/etc/passwd'"],
  ["SELECT * FROM 'flows.csv'", 'SQL_FORBIDDEN_TABLE', "'flows.csv'"],
  ['SELECT * FROM "x.parquet"', 'SQL_FORBIDDEN_TABLE', '"x.parquet"'],
  ["DESCRIBE 'x.csv'", 'SQL_FORBIDDEN_TABLE', "'x.csv'"],
  ["SUMMARIZE 'x.csv'", 'SQL_FORBIDDEN_TABLE', "'x.csv'"],
  ['SELECT * FROM (WITH "a.csv" AS (SELECT 1) SELECT 1), \'a.csv\'', 'SQL_FORBIDDEN_TABLE', "'a.csv'"], // not the CTE's scope
  ['SELECT * FROM nosuchtable', 'SQL_UNKNOWN_TABLE', 'nosuchtable'],
  ['SELECT * FROM other.main.flows', 'SQL_FORBIDDEN_TABLE', 'other.main.flows'],
  ['SELECT * FROM pg_catalog.pg_settings', 'SQL_UNKNOWN_TABLE', 'pg_catalog.pg_settings'],
  ['SELECT * FROM duckdb_logs', 'SQL_UNKNOWN_TABLE', 'duckdb_logs'],
  ['SELECT 1::my_extension_type', 'SQL_UNKNOWN_TYPE', undefined],
];

describe('the SQL sandbox refuses', () => {
  it.each(REFUSED)('%s (%s)', async (sql, code, text) => {
    const err = await store.sandboxQuery(sql, opts).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SandboxError);
    expect((err as SandboxError).code).toBe(code);
    if (text !== undefined) {
      const e = err as SandboxError;
      expect(sql.slice(e.start, e.end)).toBe(text);
    }
  });
});

describe('the SQL sandbox limits', () => {
  it('caps the rows and says so, without computing the rest', async () => {
    const t0 = performance.now();
    const r = await store.sandboxQuery('SELECT * FROM range(1000000000)', { timeoutMs: 5_000, maxRows: 3 });
    expect(r.rows).toEqual([{ range: 0 }, { range: 1 }, { range: 2 }]);
    expect(r.truncated).toBe(true);
    expect(performance.now() - t0).toBeLessThan(2_000);
    const all = await store.sandboxQuery('SELECT * FROM range(3)', { timeoutMs: 5_000, maxRows: 3 });
    expect(all.truncated).toBe(false);
  });

  it('interrupts a query that runs too long', async () => {
    const t0 = performance.now();
    const err = await store
      .sandboxQuery('SELECT count(*) FROM range(1000000000000)', { timeoutMs: 200, maxRows: 10 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryTimeoutError);
    expect(performance.now() - t0).toBeLessThan(3_000);
    // The store is still usable.
    expect((await store.sandboxQuery('SELECT 2 AS two', opts)).rows).toEqual([{ two: 2 }]);
  });

  it('reports DuckDB errors of accepted SQL with its message', async () => {
    await expect(store.sandboxQuery('SELECT nosuchcolumn FROM flows', opts)).rejects.toMatchObject({
      code: 'SQL_ERROR',
    });
  });
});

describe('readers', () => {
  it('interrupt their query after the time limit and close their connection', async () => {
    const t0 = performance.now();
    const err = await store
      .withReader((r) => r.query('SELECT count(*) AS n FROM range(1000000000000)'), { timeoutMs: 200 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryTimeoutError);
    expect(performance.now() - t0).toBeLessThan(3_000);
    const n = await store.withReader((r) => r.query('SELECT count(*) AS n FROM flows'), { timeoutMs: 200 });
    expect(n.rows).toEqual([{ n: 0 }]);
  });

  it('run generated SQL read-only, and cannot write', async () => {
    await expect(store.withReader((r) => r.userQuery('SELECT 1 AS one'))).resolves.toMatchObject({
      rows: [{ one: 1 }],
    });
    await expect(store.withReader((r) => r.loader())).rejects.toThrow(/reader cannot write/);
    await expect(store.withReader((r) => r.checkpoint())).rejects.toThrow(/reader cannot write/);
  });
});

describe('user SQL', () => {
  it('runs only on a confined store: an instance with file access refuses it outright', async () => {
    const open = await Store.open(':memory:');
    try {
      await expect(open.sandboxQuery('SELECT 1', opts)).rejects.toThrow(/confined store/);
    } finally {
      open.close();
    }
  });
});

// Sandbox escapes, table-driven: every DuckDB function or statement of this version that reads files, URLs,
// settings or the environment, installs or loads extensions, or writes files is refused through POST /api/sql,
// `flowwatch sql` and the local Athena, and no answer reveals the secret files' names, columns or contents;
// the stores that run user SQL are confined by DuckDB itself (the wall under the sandbox's rules).

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { parseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/core/logger.js';
import { ingest } from '../../src/ingest/ingest.js';
import { type Monitor, startMonitor } from '../../src/monitor/monitor.js';
import { registerApi } from '../../src/server/api.js';
import { Store } from '../../src/storage/store.js';
import { CREATE_TABLE, writeAwsLayout } from '../athena/fixtures.js';
import { io } from '../support/capture-io.js';

let dir: string;
let secret: string;
let monitor: Monitor;
let cliDb: string;
let athenaDb: string;

/** Strings that must never appear in any answer: the secret files' column names and contents. */
const SECRETS = ['hunter2_column', 'hunter2_value', 'csv_secret_header', 'csv_secret_value'];

const LOG = [
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
  '2 123456789012 eni-1 10.0.0.1 10.0.0.2 40000 22 6 1 40 1716199200 1716199260 REJECT OK',
  '2 123456789012 eni-1 10.0.0.3 10.0.0.2 40001 443 6 5 500 1716199200 1716199260 ACCEPT OK',
].join('\n');

async function store(path: string, log: string): Promise<void> {
  const s = await Store.open(path);
  await ingest(s, [log]);
  await s.checkpoint();
  s.close();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-escape-'));
  secret = join(dir, 'secret');
  mkdirSync(secret);
  const duck = await DuckDBInstance.create(':memory:');
  const c = await duck.connect();
  await c.run(
    `COPY (SELECT 'hunter2_value' AS hunter2_column) TO '${join(secret, 'private.parquet')}' (FORMAT parquet)`,
  );
  c.closeSync();
  duck.closeSync();
  writeFileSync(join(secret, 'private.csv'), 'csv_secret_header\ncsv_secret_value\n');
  writeFileSync(join(secret, 'private.json'), '{"hunter2_column": "hunter2_value"}\n');
  const log = join(dir, 'flows.log');
  writeFileSync(log, `${LOG}\n`);
  const monitorDb = join(dir, 'monitor.duckdb');
  cliDb = join(dir, 'cli.duckdb');
  await store(monitorDb, log);
  await store(cliDb, log);

  athenaDb = join(dir, 'athena.duckdb');
  writeAwsLayout(join(dir, 'mirror'));
  const a = io();
  expect(
    await main(['athena', '--db', athenaDb, '--location-root', join(dir, 'mirror'), CREATE_TABLE], a),
    a.stderr,
  ).toBe(0);
  expect(
    await main(
      [
        'athena',
        '--db',
        athenaDb,
        '--location-root',
        join(dir, 'mirror'),
        `ALTER TABLE vpc_flow_logs ADD PARTITION (dt='2024-05-20') LOCATION 's3://netmon-logs/flow/AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/20'`,
      ],
      io(),
    ),
  ).toBe(0);

  const config = parseConfig(join(dir, 'flowwatch.yaml'), 'metricFilters: []\n');
  monitor = await startMonitor({
    config,
    db: monitorDb,
    log: createLogger(() => undefined),
    env: {},
    listen: '127.0.0.1:0',
    stateDir: join(dir, 'state'),
    register: (app, parts) =>
      registerApi(app, { store: parts.store, config: parts.config, monitor: parts, queryTimeoutMs: 5000 }),
  });
});

afterAll(async () => {
  await monitor?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const P = () => join(secret, 'private.parquet');
const C = () => join(secret, 'private.csv');
const J = () => join(secret, 'private.json');
const q = (s: string) => s.replaceAll("'", "''");

/**
 * [what, SQL]: one probe per DuckDB 1.5 function or statement that reads files, URLs, settings or the
 * environment, binds SQL text, installs/loads extensions or writes files (from duckdb_functions(): read_*,
 * *_scan, parquet_*, glob, sniff_csv, query*, json_serialize_plan, json_execute_serialized_sql,
 * current_setting, duckdb_settings, getenv, getvariable, *secret*, duckdb_extensions; and the statements).
 */
const PROBES: readonly [string, () => string][] = [
  ['read_csv', () => `SELECT * FROM read_csv('${C()}')`],
  ['read_csv_auto', () => `SELECT * FROM read_csv_auto('${C()}')`],
  ['read_text', () => `SELECT content FROM read_text('${C()}')`],
  ['read_blob', () => `SELECT content FROM read_blob('${C()}')`],
  ['read_json', () => `SELECT * FROM read_json('${J()}')`],
  ['read_json_auto', () => `SELECT * FROM read_json_auto('${J()}')`],
  ['read_ndjson', () => `SELECT * FROM read_ndjson('${J()}')`],
  ['read_json_objects', () => `SELECT * FROM read_json_objects('${J()}')`],
  ['read_parquet', () => `SELECT * FROM read_parquet('${P()}')`],
  ['parquet_scan', () => `SELECT * FROM parquet_scan('${P()}')`],
  ['parquet_schema', () => `SELECT name FROM parquet_schema('${P()}')`],
  ['parquet_metadata', () => `SELECT path_in_schema FROM parquet_metadata('${P()}')`],
  ['parquet_kv_metadata', () => `SELECT * FROM parquet_kv_metadata('${P()}')`],
  ['read_duckdb', () => `SELECT * FROM read_duckdb('${cliDb}')`],
  ['sniff_csv', () => `SELECT * FROM sniff_csv('${C()}')`],
  ['glob', () => `SELECT file FROM glob('${secret}/*')`],
  ['a file as a table', () => `SELECT * FROM '${C()}'`],
  ['a URL', () => `SELECT * FROM read_csv('http://127.0.0.1:9/x.csv')`],
  ['query()', () => `SELECT * FROM query('SELECT * FROM read_csv(''${C()}'')')`],
  ['query_table()', () => `SELECT * FROM query_table('${C()}')`],
  [
    'json_serialize_plan: a Parquet file',
    () => `SELECT json_serialize_plan('${q(`SELECT * FROM read_parquet('${P()}')`)}')`,
  ],
  ['json_serialize_plan: a CSV file', () => `SELECT json_serialize_plan('${q(`SELECT * FROM '${C()}'`)}')`],
  [
    'json_serialize_plan: a setting',
    () => `SELECT json_serialize_plan('SELECT current_setting(''temp_directory'')')`,
  ],
  [
    'json_serialize_plan: an extension',
    () => `SELECT json_serialize_plan('SELECT * FROM st_read(''x.shp'')')`,
  ],
  [
    'json_execute_serialized_sql',
    () => `SELECT * FROM json_execute_serialized_sql(json_serialize_sql('SELECT 1'))`,
  ],
  ['current_setting', () => `SELECT current_setting('temp_directory')`],
  ['duckdb_settings', () => `SELECT * FROM duckdb_settings()`],
  ['getenv', () => `SELECT getenv('HOME')`],
  ['getvariable', () => `SELECT getvariable('x')`],
  ['which_secret', () => `SELECT * FROM which_secret('s3://b/k', 's3')`],
  ['duckdb_secrets', () => `SELECT * FROM duckdb_secrets()`],
  ['duckdb_extensions', () => `SELECT * FROM duckdb_extensions()`],
  ['INSTALL', () => 'INSTALL spatial'],
  ['LOAD', () => 'LOAD spatial'],
  ['ATTACH', () => `ATTACH '${cliDb}' AS other`],
  ['COPY', () => `COPY (SELECT 1) TO '${join(dir, 'out.csv')}'`],
  ['EXPORT DATABASE', () => `EXPORT DATABASE '${join(dir, 'export')}'`],
  ['IMPORT DATABASE', () => `IMPORT DATABASE '${secret}'`],
  ['SET', () => 'SET enable_external_access = true'],
  ['PRAGMA', () => 'PRAGMA database_list'],
];

function leaks(text: string): string[] {
  return SECRETS.filter((s) => text.includes(s));
}

describe('POST /api/sql refuses', () => {
  it.each(PROBES)('%s', async (_, sql) => {
    const r = await fetch(`${monitor.url}/api/sql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${monitor.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sql: sql() }),
    });
    const text = await r.text();
    expect(r.status, text).toBe(400);
    expect(leaks(text)).toEqual([]);
  });

  it('and still answers queries over the flows view', async () => {
    const r = await fetch(`${monitor.url}/api/sql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${monitor.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sql: 'SELECT action, count(*) AS n FROM flows GROUP BY 1 ORDER BY 1' }),
    });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { rows: unknown[] }).rows).toEqual([
      { action: 'ACCEPT', n: 1 },
      { action: 'REJECT', n: 1 },
    ]);
  });
});

describe('flowwatch sql refuses', () => {
  it.each(PROBES)('%s', async (_, sql) => {
    const o = io();
    expect(await main(['sql', '--db', cliDb, sql()], o)).not.toBe(0);
    expect(leaks(o.stdout + o.stderr)).toEqual([]);
  });

  it('and still answers queries over the flows view', async () => {
    const o = io();
    const sql = 'SELECT action, count(*) AS n FROM flows GROUP BY 1 ORDER BY 1';
    expect(await main(['sql', '--db', cliDb, '-o', 'json', sql], o), o.stderr).toBe(0);
    expect(JSON.parse(o.stdout)).toEqual([
      { action: 'ACCEPT', n: 1 },
      { action: 'REJECT', n: 1 },
    ]);
  });
});

describe('the local Athena refuses', () => {
  const athena = (sql: string, o: ReturnType<typeof io>) =>
    main(['athena', '--db', athenaDb, '--location-root', join(dir, 'mirror'), '-o', 'json', sql], o);

  it.each(PROBES)('%s', async (_, sql) => {
    const o = io();
    expect(await athena(sql(), o)).not.toBe(0);
    expect(leaks(o.stdout + o.stderr)).toEqual([]);
  });

  it('and still reads its tables', async () => {
    const o = io();
    expect(await athena('SELECT count(*) AS n FROM vpc_flow_logs', o), o.stderr).toBe(0);
    // 2024-05-20's two files: four + two records (fixtures.ts DAY1_A, DAY1_B).
    expect(JSON.parse(o.stdout)).toEqual([{ n: 6 }]);
  });
});

describe('the monitor store itself', () => {
  // Beneath the sandbox's rules: SQL run on any connection of the instance, unchecked, still cannot reach a
  // file outside the confined folders, a URL, an extension or a setting change.
  const refused: readonly [string, string][] = [
    ['a file', `SELECT * FROM read_csv('${join('SECRET', 'private.csv')}')`],
    ['a URL', `SELECT * FROM read_csv('http://127.0.0.1:9/x.csv')`],
    ['INSTALL', 'INSTALL spatial'],
    ['LOAD', 'LOAD spatial'],
    ['SET', 'SET enable_external_access = true'],
    ['ATTACH', `ATTACH '${'CLI'}' AS other`],
  ];
  it.each(refused)('refuses %s to unchecked SQL', async (_, sql) => {
    const text = sql.replace('SECRET', secret).replace('CLI', cliDb);
    await expect(monitor.store.query(text)).rejects.toThrow(/Permission|disabled|locked/i);
  });

  it('binds no SQL text against a file (json_serialize_plan)', async () => {
    const r = await monitor.store.query(
      `SELECT json_serialize_plan('${q(`SELECT * FROM read_parquet('${P()}')`)}') AS plan`,
    );
    const plan = String(r.rows[0]?.['plan']);
    expect(plan).toMatch(/permission/i);
    expect(leaks(plan)).toEqual([]);
  });
});

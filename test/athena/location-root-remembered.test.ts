// --location-root is remembered per table (issue 13, item 7): a table on s3:// created with a local mirror
// keeps reading that mirror in later sessions without the flag; a table created without one does not.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { Store } from '../../src/storage/store.js';
import { io } from '../support/capture-io.js';

let dir: string;
let mirror: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-athena-root-'));
  mirror = join(dir, 'mirror');
  mkdirSync(join(mirror, 'bucket', 'logs'), { recursive: true });
  writeFileSync(join(mirror, 'bucket', 'logs', 'a.txt'), 'first\nsecond\n');
  // Any S3 call fails fast (a closed port, dummy credentials): the mirror must be used, not S3.
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
  vi.stubEnv('AWS_REGION', 'us-east-1');
});
afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

const offline = ['--s3-endpoint', 'http://127.0.0.1:9'];

describe('--location-root', () => {
  it('is kept with the table: a later SELECT without the flag reads the same mirror', async () => {
    const db = join(dir, 'remembered.duckdb');
    const create = io();
    const ddl = "CREATE EXTERNAL TABLE t (v string) LOCATION 's3://bucket/logs/'";
    expect(await main(['athena', ddl, '--db', db, '--location-root', mirror], create), create.stderr).toBe(0);
    const select = io();
    const code = await main(
      ['athena', 'SELECT v FROM t ORDER BY v', '--db', db, '-o', 'json', ...offline],
      select,
    );
    expect(select.stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(select.stdout)).toEqual([{ v: 'first' }, { v: 'second' }]);
  });

  it('is not invented: a table created without it still reads S3 (which fails here, loudly)', async () => {
    const db = join(dir, 'plain.duckdb');
    const ddl = "CREATE EXTERNAL TABLE t (v string) LOCATION 's3://bucket/logs/'";
    expect(await main(['athena', ddl, '--db', db, ...offline], io())).toBe(0);
    const select = io();
    expect(await main(['athena', 'SELECT v FROM t', '--db', db, ...offline], select)).not.toBe(0);
    expect(select.stdout).toBe('');
  });

  it('a store made before tables kept their root still works (the column is added, empty)', async () => {
    const db = join(dir, 'legacy.duckdb');
    const store = await Store.open(db);
    await store.query(
      'CREATE TABLE athena_databases (name VARCHAR PRIMARY KEY, created_at TIMESTAMPTZ NOT NULL)',
    );
    await store.query(`CREATE TABLE athena_tables (db VARCHAR NOT NULL, name VARCHAR NOT NULL, columns VARCHAR NOT NULL,
      partition_columns VARCHAR NOT NULL, format VARCHAR NOT NULL, delimiter VARCHAR NOT NULL, location VARCHAR NOT NULL,
      properties VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (db, name))`);
    await store.query(
      `INSERT INTO athena_tables VALUES ('default', 'old', '[{"name":"v","type":"string"}]', '[]', 'text', ' ', $1, '{}', now())`,
      [join(mirror, 'bucket', 'logs')],
    );
    store.close();
    const select = io();
    expect(
      await main(['athena', 'SELECT count(*) AS n FROM old', '--db', db, '-o', 'json'], select),
      select.stderr,
    ).toBe(0);
    expect(JSON.parse(select.stdout)).toEqual([{ n: 2 }]);
    const ddl = "CREATE EXTERNAL TABLE t (v string) LOCATION 's3://bucket/logs/'";
    expect(await main(['athena', ddl, '--db', db, '--location-root', mirror], io())).toBe(0);
    const again = io();
    expect(
      await main(['athena', 'SELECT count(*) AS n FROM t', '--db', db, '-o', 'json', ...offline], again),
    ).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual([{ n: 2 }]);
  });
});

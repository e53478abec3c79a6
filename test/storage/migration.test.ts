// A store written by schema 2 (no event time) is upgraded in place when opened: each record's event time is
// its start, else its file's S3 key time, else its file's ingest time; read-only opens upgrade it first.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/ingest/ingest.js';
import { parseFormat } from '../../src/records/format.js';
import { SCHEMA_VERSION } from '../../src/storage/schema.js';
import { Store } from '../../src/storage/store.js';

let dir: string;
const CDK = parseFormat(
  '${traffic-path} ${flow-direction} ${region} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${action} ${log-status}',
);
const KEY =
  'AWSLogs/111122223333/vpcflowlogs/eu-west-1/2024/05/20/111122223333_vpcflowlogs_eu-west-1_fl-0123456789abcdef0_20240520T1015Z_ab12cd34.log';

/** Builds a store, then turns it back into what schema 2 wrote: record tables without the event-time columns. */
async function schema2Store(path: string): Promise<void> {
  const store = await Store.open(path);
  writeFileSync(
    join(dir, 'default.log'),
    '2 111122223333 eni-a 203.0.113.9 10.0.1.10 1 22 6 1 44 1716200010 1716200011 REJECT OK\n',
  );
  writeFileSync(
    join(dir, 'plain.log'),
    '1 ingress eu-west-1 111122223333 eni-a 203.0.113.9 10.0.1.10 2 22 REJECT OK\n',
  );
  mkdirSync(join(dir, KEY, '..'), { recursive: true });
  writeFileSync(
    join(dir, KEY),
    '1 ingress eu-west-1 111122223333 eni-a 203.0.113.9 10.0.1.10 3 22 REJECT OK\n',
  );
  await ingest(store, [join(dir, 'default.log')], {});
  await ingest(store, [join(dir, 'plain.log'), join(dir, KEY)], { format: CDK });
  await store.query(
    `UPDATE files SET ingested_at = TIMESTAMPTZ '2024-06-01 00:00:00+00' WHERE path LIKE '%plain.log'`,
  );
  await store.query(`DROP VIEW flows`);
  const tables = (await store.query('SELECT name FROM record_tables')).rows.map((r) => String(r['name']));
  for (const t of tables) {
    await store.query(`ALTER TABLE ${t} DROP COLUMN event_time`);
    await store.query(`ALTER TABLE ${t} DROP COLUMN time_source`);
  }
  await store.query(
    `CREATE VIEW flows AS ${tables.map((t) => `SELECT * FROM ${t}`).join(' UNION ALL BY NAME ')}`,
  );
  await store.query(`UPDATE meta SET value = '2' WHERE key = 'schema_version'`);
  store.close();
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-migrate-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const EXPECTED = [
  { srcport: 1, event_time: 1716200010, time_source: 'start' }, // its start
  { srcport: 2, event_time: 1717200000, time_source: 'ingest' }, // 2024-06-01T00:00:00Z, the file's ingest time
  { srcport: 3, event_time: 1716200100, time_source: 's3-key' }, // 2024-05-20T10:15:00Z, the key's slot
];

describe('schema 2 → 3', () => {
  it('gives every stored record an event time when the store is opened for writing', async () => {
    const path = join(dir, 'w.duckdb');
    await schema2Store(path);
    const store = await Store.open(path);
    try {
      const v = await store.query(`SELECT value FROM meta WHERE key = 'schema_version'`);
      expect(v.rows[0]!['value']).toBe(String(SCHEMA_VERSION));
      const rows = await store.query('SELECT srcport, event_time, time_source FROM flows ORDER BY srcport');
      expect(rows.rows).toEqual(EXPECTED);
    } finally {
      store.close();
    }
  });

  it('upgrades first when a command opens an older store read-only', async () => {
    const path = join(dir, 'r.duckdb');
    await schema2Store(path);
    const store = await Store.open(path, { readOnly: true });
    try {
      const rows = await store.query('SELECT srcport, event_time, time_source FROM flows ORDER BY srcport');
      expect(rows.rows).toEqual(EXPECTED);
    } finally {
      store.close();
    }
  });
});

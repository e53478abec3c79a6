// The rejected-traffic rollup behind `top rejected`: two hand-written files of rejected and accepted records
// over four UTC hours; the expected rows are worked out by hand in the comments. Whole hours come from the
// rollup and the partial hours at a range's edges from the records, so the answers equal the records' own.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/ingest/ingest.js';
import { rejectedSourcesSql, splitHours } from '../../src/storage/reject-rollup.js';
import { Store } from '../../src/storage/store.js';
import { top } from '../../src/storage/top-queries.js';
import { runMain } from '../support/capture-io.js';

const T = 1716199200; // 2024-05-20T10:00:00Z, a whole hour
const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const S1 = '198.51.100.1';
const S2 = '203.0.113.9';
const S3 = '2001:db8::7';
// Every record lasts 50 s (end = start + 50); event time is start.
const rec = (src: string, dst: string, dp: number, pk: number, by: number, at: number, action = 'REJECT') =>
  `2 111122223333 eni-1 ${src} ${dst} 40000 ${dp} 6 ${pk} ${by} ${T + at} ${T + at + 50} ${action} OK`;

const FILE_A = [
  HEADER,
  rec(S1, '10.0.0.1', 22, 1, 40, 100), // #1 10:01:40
  rec(S1, '10.0.0.2', 22, 2, 80, 3610), // #2 11:00:10
  rec(S1, '10.0.0.1', 23, 1, 40, 9000), // #3 12:30:00
  rec(S2, '10.0.0.1', 3389, 3, 120, 4800), // #4 11:20:00
  rec(S2, '10.0.0.1', 3389, 9, 900, 3600, 'ACCEPT'), // not rejected
  rec(S1, '10.0.0.3', 22, 9, 900, 200, 'ACCEPT'), // not rejected
];
const FILE_B = [
  HEADER,
  rec(S2, '10.0.0.2', 3389, 1, 40, 7800), // #7 12:10:00
  rec(S1, '10.0.0.1', 22, 1, 40, 11100), // #8 13:05:00
  rec(S3, '10.0.0.1', 443, 5, 300, 1800), // #9 10:30:00
];

type Row = { source: string; flows: number; packets: number; bytes: number; targets: number; ports: number };
const pick = (rows: readonly Record<string, unknown>[]): Row[] =>
  rows.map((r) => ({
    source: String(r['source']),
    flows: Number(r['flows']),
    packets: Number(r['packets']),
    bytes: Number(r['bytes']),
    targets: Number(r['targets']),
    ports: Number(r['ports']),
  }));
const times = (rows: readonly Record<string, unknown>[]) =>
  rows.map((r) => [String(r['first_seen']), String(r['last_seen'])]);
const iso = (at: number) => new Date((T + at) * 1000).toISOString().replace('.000Z', 'Z');

describe('the rejected-traffic rollup', () => {
  let dir: string;
  let db: string;
  let store: Store;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fw-reject-rollup-'));
    writeFileSync(join(dir, 'a.log'), `${FILE_A.join('\n')}\n`);
    writeFileSync(join(dir, 'b.log'), `${FILE_B.join('\n')}\n`);
    db = join(dir, 'store.duckdb');
    store = await Store.open(db);
    await ingest(store, [join(dir, 'a.log'), join(dir, 'b.log')]);
  });
  afterAll(() => {
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps one row per file, hour, source, target and port of rejected records, and marks every file', async () => {
    // A: #1 (10h S1 .1:22), #2 (11h S1 .2:22), #3 (12h S1 .1:23), #4 (11h S2 .1:3389); B: #7, #8, #9.
    const rows = await store.query('SELECT count(*) AS n, sum(flows) AS f FROM reject_rollup');
    expect([Number(rows.rows[0]!['n']), Number(rows.rows[0]!['f'])]).toEqual([7, 7]);
    const files = await store.query('SELECT count(*) AS n FROM reject_rollup_files');
    expect(Number(files.rows[0]!['n'])).toBe(2);
  });

  it('answers the whole store as the records do', async () => {
    // S1: #1 #2 #3 #8 = 4 flows, 5 packets, 200 bytes, targets .1 .2, ports 22 23, 10:01:40 to 13:05:50.
    // S2: #4 #7 = 2 flows, 4 packets, 160 bytes, targets .1 .2, port 3389. S3: #9.
    const r = await top(store, 'rejected', { limit: 10 });
    expect(pick(r.rows)).toEqual([
      { source: S1, flows: 4, packets: 5, bytes: 200, targets: 2, ports: 2 },
      { source: S2, flows: 2, packets: 4, bytes: 160, targets: 2, ports: 1 },
      { source: S3, flows: 1, packets: 5, bytes: 300, targets: 1, ports: 1 },
    ]);
    expect(times(r.rows)).toEqual([
      [iso(100), iso(11150)],
      [iso(4800), iso(7850)],
      [iso(1800), iso(1850)],
    ]);
    expect(pick((await top(store, 'rejected', { limit: 10, rollup: false })).rows)).toEqual(pick(r.rows));
  });

  it('reads the partial hours at both edges of a range from the records', async () => {
    // [10:30, 13:01): whole hours 11 and 12 from the rollup (#2 #3 #4 #7), 10:30–11:00 from the records (#9),
    // 13:00–13:01 from the records (nothing: #8 is 13:05). S1 and S2 tie on 2 flows: source order.
    const range = { since: T + 1800, until: T + 3 * 3600 + 60, limit: 10 };
    const r = await top(store, 'rejected', range);
    expect(pick(r.rows)).toEqual([
      { source: S1, flows: 2, packets: 3, bytes: 120, targets: 2, ports: 2 },
      { source: S2, flows: 2, packets: 4, bytes: 160, targets: 2, ports: 1 },
      { source: S3, flows: 1, packets: 5, bytes: 300, targets: 1, ports: 1 },
    ]);
    expect(times(r.rows)[0]).toEqual([iso(3610), iso(9050)]);
    const byBytes = await top(store, 'rejected', { ...range, by: 'bytes' });
    expect(pick(byBytes.rows).map((x) => x.source)).toEqual([S3, S2, S1]);
    expect(pick((await top(store, 'rejected', { ...range, rollup: false })).rows)).toEqual(pick(r.rows));
  });

  it('answers a range inside one hour from the records alone', async () => {
    // [11:10, 11:25): only #4.
    expect(splitHours(T + 4200, T + 5100)).toBeUndefined();
    const r = await top(store, 'rejected', { since: T + 4200, until: T + 5100 });
    expect(pick(r.rows)).toEqual([{ source: S2, flows: 1, packets: 3, bytes: 120, targets: 1, ports: 1 }]);
  });

  it('splits a range into whole hours and edges', () => {
    expect(splitHours(5400, 14400)).toEqual({ fullFrom: 7200, fullTo: 14400 });
    expect(splitHours(null, 9000)).toEqual({ fullFrom: null, fullTo: 7200 });
    expect(splitHours(3600, null)).toEqual({ fullFrom: 3600, fullTo: null });
    // No edge part when the range is whole hours; an edge part for each side that is not.
    expect(rejectedSourcesSql({ fullFrom: 3600, fullTo: 7200 }, 3600, 7200, 'flows DESC', 5)).not.toContain(
      'FROM flows',
    );
    expect(
      rejectedSourcesSql({ fullFrom: 7200, fullTo: 7200 * 2 }, 5400, 7200 * 2 + 1, 'flows DESC', 5),
    ).toContain('event_time >= 5400 AND event_time < 7200) OR (event_time >= 14400 AND event_time < 14401');
  });

  it('reads the rollup (a changed rollup row changes the answer)', async () => {
    // Proof that the rollup is read, not the records: inflate #9's row and see S3 grow; then put it back.
    await store.query(`UPDATE reject_rollup SET flows = 10 WHERE srcaddr = '${S3}'`);
    try {
      const r = await top(store, 'rejected', { limit: 1 });
      expect(pick(r.rows)[0]).toMatchObject({ source: S3, flows: 10 });
    } finally {
      await store.query(`UPDATE reject_rollup SET flows = 1 WHERE srcaddr = '${S3}'`);
    }
  });

  it('falls back to the records when a stored file has no rollup (a store written before it existed)', async () => {
    const fileB = Number((await store.query(`SELECT id FROM files WHERE path LIKE '%b.log'`)).rows[0]!['id']);
    await store.query(`DELETE FROM reject_rollup WHERE file_id = ${fileB}`);
    await store.query(`DELETE FROM reject_rollup_files WHERE file_id = ${fileB}`);
    const r = await top(store, 'rejected', { limit: 10 });
    expect(pick(r.rows).map((x) => [x.source, x.flows])).toEqual([
      [S1, 4],
      [S2, 2],
      [S3, 1],
    ]);
  });

  it('forgets a file with its rollup', async () => {
    await store.forget([join(dir, 'b.log')], false);
    // Left: A's rejects. S1: #1 #2 #3 = 3 flows; S2: #4 = 1 flow.
    const r = await top(store, 'rejected', { limit: 10 });
    expect(pick(r.rows).map((x) => [x.source, x.flows, x.targets])).toEqual([
      [S1, 3, 2],
      [S2, 1, 1],
    ]);
    const left = await store.query('SELECT count(*) AS n FROM reject_rollup_files');
    expect(Number(left.rows[0]!['n'])).toBe(1);
  });
});

describe('rejected sources over records without an action field', () => {
  it('counts those records and says so, instead of an empty list that reads as "nothing rejected"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-no-action-'));
    try {
      // Two records of a format with no action (no way to know whether they were rejected), one with it.
      writeFileSync(
        join(dir, 'a.log'),
        `version srcaddr dstaddr dstport start\n2 ${S1} 10.0.0.1 22 ${T}\n2 ${S2} 10.0.0.1 23 ${T + 60}\n`,
      );
      writeFileSync(join(dir, 'b.log'), `${HEADER}\n${rec(S3, '10.0.0.1', 443, 1, 40, 120)}\n`);
      const db = join(dir, 's.duckdb');
      const store = await Store.open(db);
      try {
        await ingest(store, [join(dir, 'a.log')]);
        expect((await top(store, 'rejected')).rows).toEqual([]);
        expect((await top(store, 'rejected')).withoutAction).toBe(2);
        await ingest(store, [join(dir, 'b.log')]);
        const r = await top(store, 'rejected');
        expect([r.rows.length, r.withoutAction]).toEqual([1, 2]);
        // A range holding only the record with action: nothing to warn about.
        expect((await top(store, 'rejected', { since: T + 100 })).withoutAction).toBe(0);
      } finally {
        store.close();
      }
      const cli = await runMain(['top', 'rejected', '--db', db, '--until', String(T + 100)]);
      expect(cli.code).toBe(0);
      expect(cli.out).toContain('(no rows)');
      expect(cli.out).toContain(
        'warning: 2 records in range come from flow logs whose format has no action field',
      );
      expect(cli.out).toContain('the empty list does not mean nothing was rejected');
      expect(cli.out).toContain('${action}');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sums byte counts past 2^63 without failing the file, also in a store whose rollup was BIGINT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-reject-rollup-big-'));
    try {
      // Two rejected records of 9e18 bytes each, one source, target, port and hour: 1.8e19 > 2^63 - 1 (9.22e18).
      const big = 9_000_000_000_000_000_000n;
      const line = (at: number) =>
        `2 111122223333 eni-1 ${S1} 10.0.0.1 40000 22 6 1 ${big} ${T + at} ${T + at + 50} REJECT OK`;
      writeFileSync(join(dir, 'a.log'), `${HEADER}\n${line(10)}\n${line(20)}\n`);
      writeFileSync(join(dir, 'b.log'), `${HEADER}\n${line(30)}\n`);
      const db = join(dir, 's.duckdb');
      // A store made by an earlier version: the rollup's sums were BIGINT.
      let store = await Store.open(db);
      await store.query('DROP TABLE reject_rollup');
      await store.query(`CREATE TABLE reject_rollup (file_id INTEGER NOT NULL, hour BIGINT NOT NULL,
        srcaddr VARCHAR NOT NULL, dstaddr VARCHAR, dstport INTEGER, flows BIGINT NOT NULL, packets BIGINT,
        bytes BIGINT, first_seen BIGINT NOT NULL, last_seen BIGINT NOT NULL)`);
      // Written by a build before the schema's fingerprint (or with another schema): none in its meta.
      await store.query(`DELETE FROM meta WHERE key = 'schema_fingerprint'`);
      store.close();
      store = await Store.open(db);
      try {
        const s = await ingest(store, [join(dir, 'a.log'), join(dir, 'b.log')]);
        expect([s.loaded, s.failed, s.records]).toEqual([2, 0, 3]);
        const r = await top(store, 'rejected');
        // 3 records x 9e18 = 2.7e19 bytes, 3 packets.
        expect(r.rows.map((x) => [x['source'], BigInt(String(x['bytes'])), Number(x['packets'])])).toEqual([
          [S1, 3n * big, 3],
        ]);
      } finally {
        store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a store written when the rollup summed as BIGINT', () => {
  it('is widened to HUGEINT on a writable open, and then takes two records of 2^62 bytes of one source and hour', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-rollup-widen-'));
    try {
      const db = join(dir, 'old.duckdb');
      const old = await Store.open(db);
      // What the earlier build wrote: the sums as BIGINT.
      await old.query('ALTER TABLE reject_rollup ALTER packets TYPE BIGINT');
      await old.query('ALTER TABLE reject_rollup ALTER bytes TYPE BIGINT');
      // Written by a build before the schema's fingerprint (or with another schema): none in its meta.
      await old.query(`DELETE FROM meta WHERE key = 'schema_fingerprint'`);
      old.close();
      const store = await Store.open(db);
      const types = await store.query(
        `SELECT name, type FROM pragma_table_info('reject_rollup') WHERE name IN ('packets', 'bytes') ORDER BY name`,
      );
      expect(types.rows).toEqual([
        { name: 'bytes', type: 'HUGEINT' },
        { name: 'packets', type: 'HUGEINT' },
      ]);
      // 2 × 2^62 = 2^63 overflows BIGINT (at most 2^63 − 1); as HUGEINT the hour's sum is exact.
      const big = 4611686018427387904n;
      const f = join(dir, 'big.log');
      writeFileSync(
        f,
        `${[HEADER, rec(S1, '10.0.0.1', 22, 1, 0, 100), rec(S1, '10.0.0.1', 22, 1, 0, 200)].map((l) => l.replace(/ 0 (\d+ \d+ REJECT)/, ` ${big} $1`)).join('\n')}\n`,
      );
      expect((await ingest(store, [f])).records).toBe(2);
      const sum = await store.query('SELECT CAST(sum(bytes) AS VARCHAR) AS b FROM reject_rollup');
      expect(sum.rows[0]?.['b']).toBe((2n * big).toString());
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

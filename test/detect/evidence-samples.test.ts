// Evidence samples worked out for many findings at once (one query per detection, then the records read whole by
// file id): each stored sample is the first five records of the finding's own evidence query, whole, in event-time
// order. Records are hand-made: two vertical scans (≥ 15 refused ports of one host in a 600 s window, cases.ts)
// and traffic with an address of a listed /24 (known-bad-address), beside traffic with an unlisted address.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinCatalog } from '../../src/detect/catalog.js';
import { SAMPLE_SIZE, storeFindings } from '../../src/detect/findings.js';
import { detectWithSql, type RunSql } from '../../src/detect/run.js';
import { SamplePicks } from '../../src/detect/sample-picks.js';
import { parsePlainList } from '../../src/enrich/feeds/plain-list.js';
import { ingest } from '../../src/ingest/ingest.js';
import { listFindings } from '../../src/storage/findings.js';
import { saveFeed } from '../../src/storage/intel.js';
import { Store } from '../../src/storage/store.js';
import { HEADER, rec, T } from './cases.js';

let dir: string;
let store: Store;
let lines: string[];
const ids = ['vertical-port-scan', 'known-bad-address', 'nacl-reply-drop'];
const catalog = builtinCatalog()
  .filter((d) => ids.includes(d.id))
  .map((d) => ({ ...d, enabled: true }));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-samples-'));
  lines = [
    // 10.0.1.10: ports 1..20 at T .. T+19
    ...Array.from({ length: 20 }, (_, i) =>
      rec('eni-a', '203.0.113.9', '10.0.1.10', 40000, i + 1, 6, 'REJECT', T + i),
    ),
    // 10.0.1.11: ports 20 down to 1 at T+100 .. T+119, so its first five records are ports 20..16
    ...Array.from({ length: 20 }, (_, i) =>
      rec('eni-b', '203.0.113.8', '10.0.1.11', 40000, 20 - i, 6, 'REJECT', T + 100 + i),
    ),
    // 10.0.1.5 with the listed 198.51.100.7: out, the reply, out again; with an unlisted address in between
    rec('eni-k', '10.0.1.5', '198.51.100.7', 40000, 443, 6, 'ACCEPT', T + 30, 700),
    rec('eni-k', '198.51.100.7', '10.0.1.5', 443, 40000, 6, 'ACCEPT', T + 40, 800),
    rec('eni-k', '10.0.1.5', '8.8.8.8', 40002, 443, 6, 'ACCEPT', T + 45, 900),
    rec('eni-k', '10.0.1.5', '198.51.100.7', 40001, 443, 6, 'ACCEPT', T + 50, 1000),
    // 10.0.1.6 with the listed 198.51.100.9, once
    rec('eni-k', '10.0.1.6', '198.51.100.9', 40003, 443, 6, 'ACCEPT', T + 60, 1100),
    // eni-n: a request from 192.0.2.7 accepted, its reply from 10.0.1.20 rejected (nacl-reply-drop on eni-n and
    // 10.0.1.20); the same reply on eni-m, where no request was logged, is no evidence
    rec('eni-n', '192.0.2.7', '10.0.1.20', 50000, 443, 6, 'ACCEPT', T + 200, 1200),
    rec('eni-n', '10.0.1.20', '192.0.2.7', 443, 50000, 6, 'REJECT', T + 201, 1300),
    rec('eni-m', '10.0.1.20', '192.0.2.7', 443, 50000, 6, 'REJECT', T + 202, 1400),
  ];
  writeFileSync(join(dir, 'f.log'), `${HEADER}\n${lines.join('\n')}\n`);
  store = await openStore('s.duckdb');
});

/** A store of the records above, with the listed /24 as an intel feed. */
async function openStore(name: string): Promise<Store> {
  const store = await Store.open(join(dir, name));
  await ingest(store, [join(dir, 'f.log')], {});
  await saveFeed(store, {
    name: 'case',
    format: 'list',
    source: 'case.txt',
    sha256: '0',
    licence: 'test',
    indicators: parsePlainList('198.51.100.0/24\n').indicators,
    skipped: 0,
    revoked: 0,
  });
  return store;
}
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const run: RunSql = async (sql) => (await store.query(sql)).rows;

describe('evidence samples of many findings', () => {
  it('each sample is the first five records of its finding, whole, in event-time order', async () => {
    const range = { since: T, until: T + 3600 };
    const found = await detectWithSql(catalog, { engine: 'duckdb', shareScan: true }, range, run);
    const s = await storeFindings(store, catalog, found, { engine: 'duckdb' }, run, T + 3600, T + 100_000);
    expect(s.created).toBe(5);
    const all = await listFindings(store);
    const of = (detection: string, entity: string) =>
      all.find((f) => f.detection === detection && f.entity === entity)!;

    const a = of('vertical-port-scan', '10.0.1.10');
    expect(a.sample.map((r) => [r['dstport'], r['start']])).toEqual(
      [1, 2, 3, 4, 5].map((p) => [p, T + p - 1]),
    );
    const b = of('vertical-port-scan', '10.0.1.11');
    expect(b.sample.map((r) => r['dstport'])).toEqual([20, 19, 18, 17, 16]);
    // whole records: every field of the line, and where it was read from
    expect(b.sample[0]).toMatchObject({
      version: 2,
      account_id: '111122223333',
      interface_id: 'eni-b',
      srcaddr: '203.0.113.8',
      dstaddr: '10.0.1.11',
      srcport: 40000,
      protocol: 6,
      packets: 1,
      bytes: 60,
      end: T + 100 + 59,
      action: 'REJECT',
      log_status: 'OK',
      event_time: T + 100,
    });
    expect(typeof b.sample[0]!['file_id']).toBe('number');
    expect(typeof b.sample[0]!['line']).toBe('number');

    // the listed address's records only (not the one with 8.8.8.8), with the side, listed address and rank
    // (3: accepted, started by the internal host, the side with the higher port)
    const k = of('known-bad-address', '10.0.1.5');
    expect(k.sample.map((r) => [r['bytes'], r['host'], r['known_bad'], r['fw_rank']])).toEqual([
      [700, '10.0.1.5', '198.51.100.7', 3],
      [800, '10.0.1.5', '198.51.100.7', 3],
      [1000, '10.0.1.5', '198.51.100.7', 3],
    ]);
    expect(of('known-bad-address', '10.0.1.6').sample.map((r) => r['bytes'])).toEqual([1100]);

    // the rejected reply only (the request is not what the detection counts; eni-m's reply has no request)
    expect(of('nacl-reply-drop', 'eni-n:10.0.1.20').sample.map((r) => [r['bytes'], r['action']])).toEqual([
      [1300, 'REJECT'],
    ]);

    // and each is what its own evidence query returns first
    for (const f of all) {
      const rows = (await store.query(f.evidenceSql)).rows;
      expect(rows).toHaveLength(f.evidenceCount);
      expect(f.sample.map((r) => [r['file_id'], r['line']])).toEqual(
        rows.slice(0, 5).map((r) => [Number(r['file_id']), Number(r['line'])]),
      );
    }
  });
});

describe('evidence samples picked by the hits queries (SamplePicks)', () => {
  /** Runs detect and stores the findings with picks, counting the sample queries (fw_wanted) that still ran. */
  async function detectWithPicks(name: string, range: { since: number; until: number }) {
    const s = await openStore(name);
    let sampleQueries = 0;
    const run: RunSql = async (sql) => {
      if (sql.includes('fw_wanted')) sampleQueries++;
      return (await s.query(sql)).rows;
    };
    const picks = new SamplePicks(SAMPLE_SIZE);
    const found = await detectWithSql(
      catalog,
      { engine: 'duckdb', shareScan: true },
      range,
      run,
      undefined,
      undefined,
      picks,
    );
    await storeFindings(s, catalog, found, { engine: 'duckdb' }, run, range.until, T + 100_000, picks);
    const all = await listFindings(s);
    return { s, all, sampleQueries };
  }

  it('gives the same samples without a sample query when every window lies in the range', async () => {
    const { s, all, sampleQueries } = await detectWithPicks('p.duckdb', { since: T, until: T + 3600 });
    try {
      expect(all).toHaveLength(5);
      expect(sampleQueries).toBe(0);
      const of = (detection: string, entity: string) =>
        all.find((f) => f.detection === detection && f.entity === entity)!;
      expect(of('vertical-port-scan', '10.0.1.11').sample.map((r) => r['dstport'])).toEqual([
        20, 19, 18, 17, 16,
      ]);
      expect(of('vertical-port-scan', '10.0.1.11').sample[0]).toMatchObject({
        interface_id: 'eni-b',
        bytes: 60,
      });
      expect(
        of('known-bad-address', '10.0.1.5').sample.map((r) => [
          r['bytes'],
          r['host'],
          r['known_bad'],
          r['fw_rank'],
        ]),
      ).toEqual([
        [700, '10.0.1.5', '198.51.100.7', 3],
        [800, '10.0.1.5', '198.51.100.7', 3],
        [1000, '10.0.1.5', '198.51.100.7', 3],
      ]);
      expect(of('nacl-reply-drop', 'eni-n:10.0.1.20').sample.map((r) => r['bytes'])).toEqual([1300]);
      for (const f of all) {
        const rows = (await s.query(f.evidenceSql)).rows;
        expect(f.sample.map((r) => [r['file_id'], r['line']])).toEqual(
          rows.slice(0, 5).map((r) => [Number(r['file_id']), Number(r['line'])]),
        );
      }
    } finally {
      s.close();
    }
  });

  it('asks the evidence for a window the range cuts (the hits query saw only part of it)', async () => {
    // from T + 1: the hits of 10.0.1.10's window miss its port-1 record at T, which its evidence holds first
    const { s, all, sampleQueries } = await detectWithPicks('q.duckdb', { since: T + 1, until: T + 3600 });
    try {
      expect(sampleQueries).toBeGreaterThan(0);
      const a = all.find((f) => f.detection === 'vertical-port-scan' && f.entity === '10.0.1.10')!;
      expect(a.sample.map((r) => [r['dstport'], r['start']])).toEqual(
        [1, 2, 3, 4, 5].map((p) => [p, T + p - 1]),
      );
    } finally {
      s.close();
    }
  });
});

// Per-interface features per period, worked out by hand from a handful of records: sums, distinct peers (the
// side that is not the interface's own address), distinct ports, rejects, zero-filled gaps, NODATA left out.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/ingest/ingest.js';
import { interfaceFeatures } from '../../src/storage/interface-features.js';
import { Store } from '../../src/storage/store.js';
import { HEADER, rec, T } from '../detect/cases.js';

let dir: string;
let store: Store;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-ifeat-'));
  const lines = [
    // Period 0 of eni-a (own address 10.0.1.10: in every record): in from 2 peers, out to 1, one reject.
    rec('eni-a', '198.51.100.1', '10.0.1.10', 40000, 443, 6, 'ACCEPT', T + 5, 100),
    rec('eni-a', '198.51.100.2', '10.0.1.10', 40001, 443, 6, 'REJECT', T + 15, 200),
    rec('eni-a', '10.0.1.10', '198.51.100.1', 443, 40000, 6, 'ACCEPT', T + 25, 300),
    // Period 3 of eni-a (periods 1 and 2 empty).
    rec('eni-a', '198.51.100.3', '10.0.1.10', 40000, 22, 6, 'ACCEPT', T + 3 * 600 + 1, 50),
    // eni-b: one record in period 1, and a NODATA record in period 2 (no addresses: left out).
    rec('eni-b', '10.0.2.20', '203.0.113.5', 50000, 53, 17, 'ACCEPT', T + 600, 70),
    `2 111122223333 eni-b - - - - - - - ${T + 1200} ${T + 1259} - NODATA`,
  ];
  writeFileSync(join(dir, 'f.log'), `${HEADER}\n${lines.join('\n')}\n`);
  store = await Store.open(join(dir, 's.duckdb'));
  const r = await ingest(store, [join(dir, 'f.log')]);
  expect([r.records, r.rejected]).toEqual([6, 0]);
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('interfaceFeatures', () => {
  it('gives bytes, packets, flows, distinct peers, distinct ports, rejects per period, gaps as zeros', async () => {
    const f = await interfaceFeatures(store, { period: 600 });
    expect([...f.keys()]).toEqual(['eni-a', 'eni-b']);
    // rec() writes 1 packet per record. Peers of period 0: 198.51.100.1 (in and out) and .2 = 2; ports 443, 40000.
    expect(f.get('eni-a')!.map((p) => [p.period - T, ...p.values])).toEqual([
      [0, 600, 3, 3, 2, 2, 1],
      [600, 0, 0, 0, 0, 0, 0],
      [1200, 0, 0, 0, 0, 0, 0],
      [1800, 50, 1, 1, 1, 1, 0],
    ]);
    expect(f.get('eni-b')!.map((p) => [p.period - T, ...p.values])).toEqual([[600, 70, 1, 1, 1, 1, 0]]);
  });

  it('reads only [since, until)', async () => {
    const f = await interfaceFeatures(store, { period: 600, since: T + 600, until: T + 3600 });
    expect(f.get('eni-a')!.map((p) => p.period - T)).toEqual([1800]);
  });
});

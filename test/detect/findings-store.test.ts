// Stored findings: a re-run over the same range changes nothing; runs over adjoining ranges continue the same
// episode (one finding, the first run's id and state); a gap longer than the quiet period opens another;
// states (ack, suppress with reason and expiry) survive updates; a suppression past its expiry reads as open.
// Records are hand-made: the vertical scan of cases.ts (≥ 15 refused ports of one host per 600 s window).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinCatalog } from '../../src/detect/catalog.js';
import { effectiveState, storeFindings } from '../../src/detect/findings.js';
import { detectWithSql, type RunSql } from '../../src/detect/run.js';
import { ingest } from '../../src/ingest/ingest.js';
import { listFindings, setFindingState } from '../../src/storage/findings.js';
import { Store } from '../../src/storage/store.js';
import { HEADER, rec, T } from './cases.js';

let dir: string;
let store: Store;
const scan = builtinCatalog().filter((d) => d.id === 'vertical-port-scan');
const ports = (t: number, n: number) =>
  Array.from({ length: n }, (_, i) =>
    rec('eni-a', '203.0.113.9', '10.0.1.10', 40000, i + 1, 6, 'REJECT', t + i),
  );

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-findings-'));
  store = await Store.open(join(dir, 's.duckdb'));
  // windows T (20 ports), T+600 (20), T+1200 (20): one episode; T+7200 (20): gap 7200-1800 = 5400 > 1800: another
  const lines = [...ports(T, 20), ...ports(T + 600, 20), ...ports(T + 1200, 20), ...ports(T + 7200, 20)];
  writeFileSync(join(dir, 'f.log'), `${HEADER}\n${lines.join('\n')}\n`);
  await ingest(store, [join(dir, 'f.log')], {});
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const run: RunSql = async (sql) => (await store.query(sql)).rows;
async function detect(since: number, until: number, now = T + 100_000) {
  const found = await detectWithSql(scan, { engine: 'duckdb' }, { since, until }, run);
  return storeFindings(store, scan, found, { engine: 'duckdb' }, run, until, now);
}

describe('stored findings', () => {
  it('a first run over the first half-hour stores one open finding', async () => {
    const s = await detect(T, T + 1200);
    expect([s.created, s.updated, s.unchanged]).toEqual([1, 0, 0]);
    const [f] = await listFindings(store);
    expect(f).toMatchObject({
      entity: '10.0.1.10',
      evidenceCount: 40,
      start: T,
      end: T + 619,
      closed: false,
    });
  });

  it('the same run again changes nothing', async () => {
    const s = await detect(T, T + 1200);
    expect([s.created, s.updated, s.unchanged]).toEqual([0, 0, 1]);
    expect(await listFindings(store)).toHaveLength(1);
  });

  it('acknowledging it, then running the next range, extends the same finding and keeps the state', async () => {
    const [before] = await listFindings(store);
    await setFindingState(store, before!.id, 'acknowledged', 'looking', undefined, T + 50_000);
    const s = await detect(T + 1200, T + 3600);
    expect([s.created, s.updated]).toEqual([0, 1]);
    const all = await listFindings(store);
    expect(all).toHaveLength(1);
    // windows T, T+600, T+1200: 60 records, T .. T+1219; horizon T+3600 ≥ T+1200+600+1800: closed
    expect(all[0]).toMatchObject({
      id: before!.id,
      evidenceCount: 60,
      start: T,
      end: T + 1219,
      state: 'acknowledged',
      stateReason: 'looking',
      closed: true,
    });
    // the evidence query returns exactly the 60 records
    expect((await store.query(all[0]!.evidenceSql)).rows).toHaveLength(60);
    expect(all[0]!.sample).toHaveLength(5);
  });

  it('a run over everything keeps the first finding and adds the second episode', async () => {
    const s = await detect(T, T + 9000);
    expect([s.created, s.updated, s.unchanged]).toEqual([1, 0, 1]);
    const all = await listFindings(store);
    expect(all.map((f) => [f.start, f.evidenceCount])).toEqual([
      [T + 7200, 20],
      [T, 60],
    ]);
  });

  it('a suppression reads as open once expired', async () => {
    const [second] = await listFindings(store);
    await setFindingState(store, second!.id, 'suppressed', 'pentest', T + 200_000, T + 100_000);
    const [f] = await listFindings(store);
    expect(effectiveState(f!, T + 199_999)).toBe('suppressed');
    expect(effectiveState(f!, T + 200_000)).toBe('open');
  });
});

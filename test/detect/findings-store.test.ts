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

// One call of storeFindings that merges stored findings (docs/decisions/79-detect-run-address-sets.md: the stored
// findings read once and the writes made in one transaction must end as the writes one by one did). Windows of 600 s,
// quiet 1800 s: a window continues an episode when it starts at most 1800 s after the episode's last window ends.
describe('one call merging stored findings', () => {
  let dir2: string;
  let s2: Store;
  const at = (host: string, t: number) =>
    Array.from({ length: 20 }, (_, i) => rec('eni-a', '203.0.113.9', host, 40000, i + 1, 6, 'REJECT', t + i));
  const run2: RunSql = async (sql) => (await s2.query(sql)).rows;
  const found = (since: number, until: number) =>
    detectWithSql(scan, { engine: 'duckdb' }, { since, until }, run2);
  const save = (f: Awaited<ReturnType<typeof found>>, horizon: number) =>
    storeFindings(s2, scan, f, { engine: 'duckdb' }, run2, horizon, T + 100_000);
  const of = async (host: string) => (await listFindings(s2)).filter((f) => f.entity === host);

  beforeAll(async () => {
    dir2 = mkdtempSync(join(tmpdir(), 'fw-findings-merge-'));
    s2 = await Store.open(join(dir2, 's.duckdb'));
    // each host: windows t, t+1800, t+3000 (20 refused ports each). t+1800 continues t (1800 - 600 = 1200 ≤ 1800)
    // and t+3000 continues t+1800 (600); t+3000 alone does not continue t (3000 - 600 = 2400 > 1800)
    const lines = [10, 20].flatMap((h) => {
      const t = h === 10 ? T : T + 12_000;
      return [...at(`10.0.1.${h}`, t), ...at(`10.0.1.${h}`, t + 1800), ...at(`10.0.1.${h}`, t + 3000)];
    });
    writeFileSync(join(dir2, 'f.log'), `${HEADER}\n${lines.join('\n')}\n`);
    await ingest(s2, [join(dir2, 'f.log')], {});
  });
  afterAll(() => {
    s2.close();
    rmSync(dir2, { recursive: true, force: true });
  });

  it('two new episodes bridged by a stored one: both merged into it, its id and state kept', async () => {
    // the stored finding: the middle window only
    expect((await save(await found(T + 1800, T + 2400), T + 2400)).created).toBe(1);
    const [mid] = await of('10.0.1.10');
    await setFindingState(s2, mid!.id, 'acknowledged', 'seen', undefined, T + 50_000);
    // one call with the first window's episode and the last window's: the first continues the stored one; the last
    // continues that merged finding (written earlier in the same call), not the first window alone
    const s = await save([...(await found(T, T + 600)), ...(await found(T + 3000, T + 3600))], T + 3600);
    expect([s.created, s.updated, s.unchanged]).toEqual([0, 2, 0]);
    expect(s.ids).toEqual([mid!.id, mid!.id]);
    const all = await of('10.0.1.10');
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({
      id: mid!.id,
      evidenceCount: 60,
      start: T,
      end: T + 3019,
      state: 'acknowledged',
      stateReason: 'seen',
      closed: false,
    });
    expect(all[0]!.windows.map((w) => Number(w['w']))).toEqual([T, T + 1800, T + 3000]);
  });

  it('a new episode bridging two stored ones: one finding with the earlier id, the later deleted', async () => {
    const t = T + 12_000;
    await save(await found(t, t + 600), t + 600);
    await save(await found(t + 3000, t + 3600), t + 3600);
    const two = await of('10.0.1.20');
    expect(two.map((f) => f.start)).toEqual([t + 3000, t]);
    const s = await save(await found(t, t + 3600), t + 3600);
    expect([s.created, s.updated, s.unchanged]).toEqual([0, 1, 0]);
    const all = await of('10.0.1.20');
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({
      id: two[1]!.id,
      evidenceCount: 60,
      start: t,
      end: t + 3019,
      state: 'open',
    });
    expect(all.some((f) => f.id === two[0]!.id)).toBe(false);
  });
});

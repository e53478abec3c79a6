// The Overview's rollups: whole hours from the per-file rollup (per ENI) and the per-hour deduplicated cache, edges
// from the records, must answer exactly as the records alone (`rollup: false`); hand-worked figures for the
// deduplicated rule cut at UTC hours (a record is judged against the receivers of its own hour ±600 s), in the
// Overview and in `top` alike; the cache recomputed when a file within an hour of a cached hour is forgotten,
// replaced or added; a store written before the rollup (files without it) answered from the records.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/ingest/ingest.js';
import { overview } from '../../src/server/routes/overview.js';
import type { FlowView } from '../../src/storage/flow-views.js';
import type { OverviewSource } from '../../src/storage/overview-rollup.js';
import { Store } from '../../src/storage/store.js';
import { top } from '../../src/storage/top-queries.js';

const T = 1716199200; // 2024-05-20T10:00:00Z
const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction pkt-srcaddr pkt-dstaddr';
const row = (
  eni: string,
  src: string,
  dst: string,
  sp: number,
  dp: number,
  pk: number,
  by: number,
  at: number,
  action: string,
  dir: string,
) =>
  `5 111122223333 ${eni} ${src} ${dst} ${sp} ${dp} 6 ${pk} ${by} ${T + at} ${T + at + 30} ${action} OK ${dir} ${src} ${dst}`;
const WEB = '10.0.1.10';
const DB = '10.0.2.20';
const APP = '10.0.3.30';
const NET = '93.184.216.34';
const SCAN = '198.51.100.7';
// a: eni-web, b: eni-db, c: eni-app. a2 and c1 are one flow across 11:00; b1 and c2 one flow at 12:30.
const A = [
  row('eni-web', WEB, DB, 40000, 5432, 10, 1000, 600, 'ACCEPT', 'egress'), // a1 10:10, db receives only at 12:30
  row('eni-web', WEB, APP, 40001, 8080, 5, 500, 3480, 'ACCEPT', 'egress'), // a2 10:58
  row('eni-web', WEB, NET, 40003, 443, 2, 200, 4800, 'ACCEPT', 'egress'), // a3 11:20
  row('eni-web', SCAN, WEB, 50000, 22, 1, 40, 5400, 'REJECT', 'ingress'), // a4 11:30
];
const B = [row('eni-db', APP, DB, 41000, 5432, 7, 700, 9000, 'ACCEPT', 'ingress')]; // b1 12:30
const C = [
  row('eni-app', WEB, APP, 40001, 8080, 5, 500, 3720, 'ACCEPT', 'ingress'), // c1 11:02
  row('eni-app', APP, DB, 41000, 5432, 7, 700, 9000, 'ACCEPT', 'egress'), // c2 12:30
];

let dir: string;
let store: Store;
const write = (name: string, lines: string[]) =>
  writeFileSync(join(dir, name), `${HEADER}\n${lines.join('\n')}\n`);

async function both(since: number, until: number, bin: number, view: FlowView, topN = 10) {
  let source: OverviewSource | undefined;
  const rolled = await overview(store, since, until, bin, topN, view, { source: (s) => (source = s) });
  const records = await overview(store, since, until, bin, topN, view, { rollup: false });
  return { rolled, records, source: source! };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-overview-rollup-'));
  write('a.log', A);
  write('b.log', B);
  write('c.log', C);
  store = await Store.open(join(dir, 'store.duckdb'));
  await ingest(
    store,
    ['a.log', 'b.log', 'c.log'].map((f) => join(dir, f)),
    { concurrency: 1 },
  );
});
afterAll(() => {
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the Overview rollup', () => {
  it('keeps every stored file', async () => {
    const n = async (sql: string) => Number((await store.query(sql)).rows[0]!['n']);
    expect(await n('SELECT count(*) AS n FROM overview_rollup_files')).toBe(3);
    expect(await n(`SELECT sum(flows) AS n FROM overview_rollup WHERE kind = 'series'`)).toBe(7);
  });

  it('counts each hour against its own receivers: hand-worked over 10:00-13:00', async () => {
    // R(10) over 9:50-11:10 = {app (c1)}; R(11) over 10:50-12:10 = {app, web (a4)}; R(12) over 11:50-13:10 = {db}.
    // a1 (egress to db at 10:10) kept: db received nothing within 10 minutes of hour 10 (over the whole range, as
    // before, it was dropped); a2 dropped (app received it at 11:02); a3 (internet) kept; a4 (REJECT), b1, c1
    // (ingress) kept; c2 dropped (db received it). Counted: a1 1000 + a3 200 + a4 40 + b1 700 + c1 500 = 2440.
    const { rolled, records, source } = await both(T, T + 3 * 3600, 3600, 'deduplicated');
    expect(source.path).toBe('rollup');
    expect(rolled).toEqual(records);
    expect(rolled.totals).toEqual({ flows: 5, bytes: 2440, packets: 25, rejectedFlows: 1 });
    expect(rolled.series.map((s) => s.acceptedBytes)).toEqual([1000, 700, 700]);
    expect(rolled.topTalkers).toEqual([
      { addr: WEB, bytes: 1700, flows: 3 },
      { addr: APP, bytes: 700, flows: 1 },
      { addr: SCAN, bytes: 40, flows: 1 },
    ]);
    expect(rolled.topRejectedSources).toEqual([{ addr: SCAN, flows: 1 }]);
    // Directions and interfaces are per ENI: egress a1 a2 a3 c2 = 2400, ingress a4 b1 c1 = 1240.
    expect(rolled.directions).toEqual([
      { direction: 'egress', flows: 4, bytes: 2400 },
      { direction: 'ingress', flows: 3, bytes: 1240 },
    ]);
    // top agrees with the Overview (one rule for every user of the deduplicated relation).
    const talkers = await top(store, 'talkers', { since: T, until: T + 3 * 3600 });
    expect(talkers.rows.map((r) => [r['source'] ?? r['srcaddr'], Number(r['bytes'])])).toEqual([
      [WEB, 1700],
      [APP, 700],
      [SCAN, 40],
    ]);
  });

  it('per ENI: every record, hand-worked', async () => {
    const { rolled, records } = await both(T, T + 3 * 3600, 3600, 'per-eni');
    expect(rolled).toEqual(records);
    expect(rolled.totals).toEqual({ flows: 7, bytes: 3640, packets: 37, rejectedFlows: 1 });
    expect(rolled.interfaces.map((i) => [i.interfaceId, i.bytes])).toEqual([
      ['eni-web', 1740],
      ['eni-app', 1200],
      ['eni-db', 700],
    ]);
  });

  it('edges from the records: 10:30-12:15 counts a3, a4, c1 (a2 is dropped: app received it at 11:02)', async () => {
    const { rolled, records } = await both(T + 1800, T + 2 * 3600 + 900, 300, 'deduplicated');
    expect(rolled).toEqual(records);
    expect(rolled.totals).toEqual({ flows: 3, bytes: 740, packets: 8, rejectedFlows: 1 });
    const perEni = await both(T + 1800, T + 2 * 3600 + 900, 300, 'per-eni');
    expect(perEni.rolled).toEqual(perEni.records);
    expect(perEni.rolled.totals.bytes).toBe(1240);
  });

  it('a range inside one hour is answered by the records alone, as before', async () => {
    const { rolled, records, source } = await both(T + 300, T + 1200, 60, 'deduplicated');
    expect(source.path).toBe('records');
    expect(rolled).toEqual(records);
    expect(rolled.totals.bytes).toBe(1000);
  });

  it('agrees with the records for every bin, view and range, bins across hours and bins not in minutes too', async () => {
    const ranges: [number, number][] = [
      [T - 7200, T + 5 * 3600],
      [T + 60, T + 3 * 3600 - 60],
      [T + 3599, T + 3601 + 3600],
      [T, T + 3600],
    ];
    for (const [since, until] of ranges)
      for (const bin of [60, 7200, 90])
        for (const view of ['deduplicated', 'per-eni'] as const) {
          const { rolled, records, source } = await both(since, until, bin, view, 2);
          expect(rolled, `${since - T} ${until - T} ${bin} ${view}`).toEqual(records);
          if (bin === 90) expect(source.path).toBe('records');
        }
  });

  it('reads the deduplicated hours from the cache once computed (an altered cached row changes the answer)', async () => {
    const first = await both(T, T + 3 * 3600, 3600, 'deduplicated');
    expect(first.source.computedHours).toBe(0);
    expect(first.source.cachedHours).toBe(3);
    await store.query(`UPDATE overview_dedup SET ab = ab + 1 WHERE kind = 'series' AND hour = ${T / 3600}`);
    const altered = await both(T, T + 3 * 3600, 3600, 'deduplicated');
    expect(altered.rolled.series[0]!.acceptedBytes).toBe(1001);
    await store.query(`UPDATE overview_dedup SET ab = ab - 1 WHERE kind = 'series' AND hour = ${T / 3600}`);
  });
});

describe('files forgotten, replaced, added, and stores from before the rollup', () => {
  it('forgetting a file recomputes the hours within an hour of it', async () => {
    await store.forget([join(dir, 'c.log')], false);
    // Without c: R(10) = {} so a2 counts in hour 10 (1000 + 500); R(11) = {web}; R(12) = {db}.
    const { rolled, records, source } = await both(T, T + 3 * 3600, 3600, 'deduplicated');
    expect(source.computedHours).toBe(3);
    expect(rolled).toEqual(records);
    expect(rolled.series.map((s) => s.acceptedBytes)).toEqual([1500, 200, 700]);
    expect((await both(T, T + 3 * 3600, 3600, 'deduplicated')).source.computedHours).toBe(0);
  });

  it('a new file invalidates only the hours it reaches; a replaced file those of both versions', async () => {
    // d: one egress record at 12:50 on eni-app to the internet, reaching hours 11 to 13: hour 10 stays cached.
    write('d.log', [row('eni-app', APP, NET, 42000, 443, 1, 10, 3 * 3600 - 600, 'ACCEPT', 'egress')]);
    await ingest(store, [join(dir, 'd.log')], { concurrency: 1 });
    const after = await both(T, T + 3 * 3600, 3600, 'deduplicated');
    expect(after.source).toEqual({ path: 'rollup', computedHours: 2, cachedHours: 1 });
    expect(after.rolled).toEqual(after.records);
    expect(after.rolled.totals.bytes).toBe(1000 + 500 + 200 + 40 + 700 + 10);
    // b replaced: db's ingress b1 now 900 bytes.
    write('b.log', [row('eni-db', APP, DB, 41000, 5432, 7, 900, 9000, 'ACCEPT', 'ingress')]);
    await ingest(store, [join(dir, 'b.log')], { concurrency: 1, replace: true });
    const replaced = await both(T, T + 3 * 3600, 3600, 'deduplicated');
    expect(replaced.rolled).toEqual(replaced.records);
    expect(replaced.rolled.series.map((s) => s.acceptedBytes)).toEqual([1500, 200, 910]);
  });

  it('a file without its rollup (a store from before it, a live file pending): its hours from its records', async () => {
    await store.query(
      `DELETE FROM overview_rollup WHERE file_id = (SELECT id FROM files WHERE path LIKE '%a.log')`,
    );
    await store.query(
      `DELETE FROM overview_rollup_files WHERE file_id = (SELECT id FROM files WHERE path LIKE '%a.log')`,
    );
    for (const view of ['per-eni', 'deduplicated'] as const) {
      const { rolled, records, source } = await both(T + 1800, T + 3 * 3600, 300, view);
      expect(rolled).toEqual(records);
      // The deduplicated view too: the file's hours are in the hours' fingerprints, computed from the records.
      expect(source.path).toBe('rollup');
    }
    const perEni = await both(T, T + 3 * 3600, 3600, 'per-eni');
    expect(perEni.rolled.totals.bytes).toBe(1000 + 500 + 200 + 40 + 900 + 10);
    // A store whose tables do not exist at all (opened read-only before any writable open since the change).
    for (const t of ['overview_rollup', 'overview_rollup_files', 'overview_dedup', 'overview_dedup_hours'])
      await store.query(`DROP TABLE ${t}`);
    const path = store.path;
    store.close();
    store = await Store.open(path, { readOnly: true });
    const none = await both(T, T + 3 * 3600, 3600, 'deduplicated');
    expect(none.source.path).toBe('records');
    expect(none.rolled).toEqual(none.records);
  });
});

describe('a format without flow-direction, pkt-* or action (the default format, and a two-field one)', () => {
  let dir2: string;
  let store2: Store;
  beforeAll(async () => {
    dir2 = mkdtempSync(join(tmpdir(), 'fw-overview-rollup-v2-'));
    // Default format, no header: three records at 10:50, 11:10 and 11:40; one is NODATA (no addresses).
    const v2 = (at: number, src: string, by: number, action: string) =>
      `2 111122223333 eni-x ${src} 10.0.9.9 5000 80 6 2 ${by} ${T + at} ${T + at + 30} ${action} OK`;
    writeFileSync(
      join(dir2, 'v2.log'),
      `${[v2(3000, '10.0.8.8', 100, 'ACCEPT'), v2(4200, '10.0.8.9', 50, 'REJECT'), v2(6000, '10.0.8.8', 25, 'ACCEPT'), `2 111122223333 eni-x - - - - - - - ${T + 6100} ${T + 6130} - NODATA`].join('\n')}\n`,
    );
    writeFileSync(join(dir2, 'two.log'), `interface-id start\neni-y ${T + 4000}\n`);
    store2 = await Store.open(join(dir2, 'store.duckdb'));
    await ingest(store2, [join(dir2, 'v2.log'), join(dir2, 'two.log')], { concurrency: 1 });
  });
  afterAll(() => {
    store2?.close();
    rmSync(dir2, { recursive: true, force: true });
  });

  it('answers as the records do; records without flow-direction are counted as recorded and said so', async () => {
    for (const view of ['deduplicated', 'per-eni'] as const) {
      for (const [since, until] of [
        [T + 1800, T + 2 * 3600],
        [T, T + 3 * 3600],
      ] as const) {
        let source: OverviewSource | undefined;
        const rolled = await overview(store2, since, until, 300, 10, view, { source: (s) => (source = s) });
        const records = await overview(store2, since, until, 300, 10, view, { rollup: false });
        expect(source?.path).toBe('rollup');
        expect(rolled).toEqual(records);
      }
    }
    const d = await overview(store2, T, T + 3 * 3600, 3600, 10, 'deduplicated');
    // Five records (NODATA and the two-field one included), 175 bytes; three traffic records without direction.
    expect(d.totals).toEqual({ flows: 5, bytes: 175, packets: 6, rejectedFlows: 1 });
    expect(d.undirectedFlows).toBe(3);
    expect(d.recordsWithoutAction).toBe(1);
    expect(d.interfaces.map((i) => [i.interfaceId, i.flows])).toEqual([
      ['eni-x', 4],
      ['eni-y', 1],
    ]);
  });
});

describe('a store opened read-only', () => {
  it('computes the uncached hours for the answer without writing them', async () => {
    const d = mkdtempSync(join(tmpdir(), 'fw-overview-rollup-ro-'));
    try {
      writeFileSync(join(d, 'a.log'), `${HEADER}\n${A.join('\n')}\n`);
      writeFileSync(join(d, 'c.log'), `${HEADER}\n${C.join('\n')}\n`);
      const w = await Store.open(join(d, 'store.duckdb'));
      await ingest(w, [join(d, 'a.log'), join(d, 'c.log')], { concurrency: 1 });
      w.close();
      const ro = await Store.open(join(d, 'store.duckdb'), { readOnly: true });
      try {
        for (let i = 0; i < 2; i++) {
          let source: OverviewSource | undefined;
          const rolled = await overview(ro, T, T + 3 * 3600, 3600, 10, 'deduplicated', {
            source: (s) => (source = s),
          });
          expect(source).toEqual({ path: 'rollup', computedHours: 3, cachedHours: 0 });
          expect(rolled).toEqual(
            await overview(ro, T, T + 3 * 3600, 3600, 10, 'deduplicated', { rollup: false }),
          );
          // a1 1000 (db never received), a2 dropped (app at 11:02), a3 200, a4 40, c1 500; c2 kept (no db log).
          expect(rolled.totals.bytes).toBe(1000 + 200 + 40 + 500 + 700);
        }
      } finally {
        ro.close();
      }
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});

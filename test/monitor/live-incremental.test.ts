// Live threshold detections evaluated incrementally (docs/decisions/66-live-incremental.md): the runner adds each
// slice of stored files to a pre-aggregate as records arrive and, when a window closes, reads the last slice only.
// Its findings must be those of a batch `detect` over the store: hand-worked counts for a scripted input (the
// built-in vertical-port-scan and brute-force-login), the same after a restart in mid-window, and the same as the
// batch over random traffic spread over many files.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinCatalog } from '../../src/detect/catalog.js';
import type { Detection } from '../../src/detect/definition.js';
import type { DetectedFinding } from '../../src/detect/episodes.js';
import { detectWithSql } from '../../src/detect/run.js';
import { ingest } from '../../src/ingest/ingest.js';
import { DetectionsRunner } from '../../src/monitor/detections-runner.js';
import { listFindings, type StoredFinding } from '../../src/storage/findings.js';
import { Store } from '../../src/storage/store.js';

const T = 1716199200; // a multiple of 600: a window of the built-ins starts here
const X = '10.0.1.10'; // the scanned host
const Y = '10.0.1.20'; // the host whose SSH is brute-forced
const S1 = '203.0.113.50';

let dir: string;
let n = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-live-incr-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const rec = (src: string, dst: string, sport: number, dport: number, t: number, action: string, bytes = 60) =>
  `2 111122223333 eni-a ${src} ${dst} ${sport} ${dport} 6 1 ${bytes} ${t} ${t + 1} ${action} OK`;

/** Stores `lines` as one new file (one `files` row, as a live batch is). */
async function store1(store: Store, lines: readonly string[]): Promise<void> {
  const path = join(dir, `f${++n}.log`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  await ingest(store, [path], {});
}

const only = (...ids: string[]): Detection[] => builtinCatalog().filter((d) => ids.includes(d.id));

/** The fields a finding is judged on (stored or detected alike). */
const shape = (f: StoredFinding | DetectedFinding) => ({
  detection: f.detection,
  entity: f.entity,
  severity: f.severity,
  start: f.start,
  end: f.end,
  evidenceCount: f.evidenceCount,
  peak: f.peak,
  peers: [...f.peers],
  morePeers: f.morePeers,
});
const sorted = <T extends { detection: string; entity: string; start: number }>(xs: T[]) =>
  xs.sort(
    (a, b) => a.detection.localeCompare(b.detection) || a.entity.localeCompare(b.entity) || a.start - b.start,
  );

/** The batch: `detect`'s evaluation over the store's records of [since, until). */
async function batch(store: Store, list: readonly Detection[], since: number, until: number) {
  const found = await detectWithSql(
    list,
    { engine: 'duckdb', shareScan: true },
    { since, until },
    async (sql) => (await store.query(sql)).rows,
  );
  return sorted(found.map(shape));
}

function runner(store: Store, clock: { t: number }, list: readonly Detection[]) {
  return new DetectionsRunner(list, [], store, undefined, {
    delaySeconds: 1,
    account: '111122223333',
    region: 'eu-west-1',
    now: () => clock.t,
  });
}

// The scripted window [T, T+600): S1 is refused on ports 1..60 of X over three files (port 5 twice: 61 records,
// 60 distinct ports: medium, ≥ 50), 40 SSH attempts reach Y:22 from 35 distinct (address, port) pairs (5 repeat
// a pair of the first file: low, ≥ 30), plus accepted HTTPS and a probe after the window (T+600: next window).
const fileA = [
  ...Array.from({ length: 10 }, (_, i) => rec(S1, X, 40000 + i, 1 + i, T + 10 + i, 'REJECT')),
  ...Array.from({ length: 25 }, (_, i) => rec(`198.51.100.${i + 1}`, Y, 50000 + i, 22, T + 20 + i, 'ACCEPT')),
  ...Array.from({ length: 5 }, (_, i) => rec('192.0.2.7', X, 51000 + i, 443, T + 30 + i, 'ACCEPT', 5000)),
];
const fileB = [
  ...Array.from({ length: 10 }, (_, i) => rec(S1, X, 40100 + i, 11 + i, T + 200 + i, 'REJECT')),
  rec(S1, X, 40200, 5, T + 220, 'REJECT'),
  // 10 new (address, port) pairs and 5 that file A had already (198.51.100.1..5, ports 50000..50004)
  ...Array.from({ length: 10 }, (_, i) =>
    rec(`198.51.100.${i + 101}`, Y, 52000 + i, 22, T + 230 + i, 'ACCEPT'),
  ),
  ...Array.from({ length: 5 }, (_, i) => rec(`198.51.100.${i + 1}`, Y, 50000 + i, 22, T + 250 + i, 'REJECT')),
];
const fileC = [
  ...Array.from({ length: 40 }, (_, i) => rec(S1, X, 40300 + i, 21 + i, T + 550 + i, 'REJECT')),
  rec(S1, X, 40400, 999, T + 600, 'REJECT'),
];

function expectScripted(found: StoredFinding[]): void {
  const f = sorted(found.map(shape));
  expect(f.map((x) => [x.detection, x.entity, x.severity, x.peak, x.evidenceCount, x.start, x.end])).toEqual([
    ['brute-force-login', `${Y}:22`, 'low', 35, 40, T + 20, T + 254],
    ['vertical-port-scan', X, 'medium', 60, 61, T + 10, T + 589],
  ]);
}

describe('live threshold detections, incrementally', () => {
  it('counts a scripted window slice by slice as the batch does (hand-worked counts)', async () => {
    const store = await Store.open(join(dir, 'scripted.duckdb'));
    const clock = { t: T + 5 };
    const list = only('vertical-port-scan', 'brute-force-login');
    const r = runner(store, clock, list);
    await r.tick(); // first look: the window before T (empty), the state starts
    await store1(store, fileA);
    clock.t = T + 100;
    await r.tick(); // a slice: file A
    await store1(store, fileB);
    clock.t = T + 300;
    await r.tick(); // a slice: file B
    const slicedBefore = r.sliceCount;
    expect(slicedBefore).toBeGreaterThanOrEqual(2);
    expect(await listFindings(store)).toEqual([]); // the window is open
    await store1(store, fileC);
    clock.t = T + 602;
    await r.tick(); // the window closes: the last slice (file C) and the findings
    expect(r.sliceCount).toBe(slicedBefore + 1);
    const found = await listFindings(store);
    expectScripted(found);
    expect(sorted(found.map(shape))).toEqual(await batch(store, list, T, T + 600));
    await r.stop();
    store.close();
  });

  it('loses nothing when the monitor restarts in mid-window (the new state reads what is stored)', async () => {
    const store = await Store.open(join(dir, 'restart.duckdb'));
    const clock = { t: T + 5 };
    const list = only('vertical-port-scan', 'brute-force-login');
    const first = runner(store, clock, list);
    await first.tick();
    await store1(store, fileA);
    clock.t = T + 100;
    await first.tick();
    await first.stop(); // the monitor stops: its state (a temporary table) is gone
    await store1(store, fileB);
    clock.t = T + 300;
    const second = runner(store, clock, list);
    await second.tick(); // first look after the restart: files A and B are read into the new state
    await store1(store, fileC);
    clock.t = T + 602;
    await second.tick();
    expectScripted(await listFindings(store));
    await second.stop();
    store.close();
  });

  it('finds what the batch finds over random traffic stored in many files, window after window', async () => {
    const store = await Store.open(join(dir, 'random.duckdb'));
    const clock = { t: T + 5 };
    // Every threshold built-in of a 600 s window, with lower thresholds so that random traffic crosses them.
    const list = builtinCatalog()
      .filter((d) => d.kind === 'threshold' && d.window === 600)
      .map((d) => ({ ...d, thresholds: { low: 4 } }) as Detection);
    expect(list.length).toBeGreaterThanOrEqual(3);
    const r = runner(store, clock, list);
    await r.tick();
    // A seeded generator: the same input every run.
    let seed = 7;
    const rnd = (k: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % k;
    };
    const hosts = ['10.0.1.1', '10.0.1.2', '10.0.2.3', '203.0.113.9', '198.51.100.4', '8.8.8.8'];
    for (let step = 0; step < 24; step++) {
      // 24 files over two windows, one every 50 s; some records arrive late (event time up to 400 s back)
      const at = T + step * 50 + 20;
      const lines = Array.from({ length: 60 }, () => {
        const t = at - rnd(3) * rnd(200);
        const port = [22, 3389, 25, 8080, 445, 1000 + rnd(30)][rnd(6)]!;
        return rec(
          hosts[rnd(6)]!,
          hosts[rnd(6)]!,
          30000 + rnd(40),
          port,
          t,
          rnd(2) === 0 ? 'REJECT' : 'ACCEPT',
          [60, 90_000][rnd(2)],
        );
      });
      await store1(store, lines);
      clock.t = at + 25;
      await r.tick();
    }
    clock.t = T + 1202;
    await r.tick(); // the second window closes
    const live = sorted((await listFindings(store)).map(shape));
    expect(live.length).toBeGreaterThan(3);
    // The live runs looked at [T, T+600) first, then [T+600, T+1200) and [T, T+600) again for late records: one
    // batch over both windows finds the same episodes.
    expect(live).toEqual(await batch(store, list, T - 600, T + 1200));
    await r.stop();
    store.close();
  });
});

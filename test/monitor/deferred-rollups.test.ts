// The sink's deferred rollups (decision record "PutLogEvents speed 2"): batches are committed with their files marked
// pending and no rollup rows; a reader between the commit and the catch-up still counts every record (from the
// records of the pending files); the catch-up writes each file's rollups exactly once, whether it runs on flush, at
// the next sink's open after a crash, or again after a catch-up that failed half-way.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Batch } from '../../src/ingest/sources/source.js';
import { StoreSink } from '../../src/monitor/store-sink.js';
import { overview } from '../../src/server/routes/overview.js';
import { Store } from '../../src/storage/store.js';
import { top } from '../../src/storage/top-queries.js';

const T = 1716199200; // 2024-05-20T10:00:00Z, a whole hour
const SCAN = '198.51.100.7';
const OTHER = '203.0.113.9';
const WEB = '10.0.1.10';
const NET = '93.184.216.34';
const rec = (src: string, dst: string, dport: number, pk: number, by: number, at: number, action: string) =>
  `2 111122223333 eni-a ${src} ${dst} 40000 ${dport} 6 ${pk} ${by} ${T + at} ${T + at + 30} ${action} OK`;

// Two batches over the hours 10:00 and 11:00. Rejected: SCAN 2 records (3 packets, 140 bytes; ports 22 and 23),
// OTHER 1 record (1 packet, 44 bytes). Five records in all.
const A: Batch = {
  kind: 'lines',
  source: 'test',
  key: 'a',
  origin: 'test://a',
  lines: [
    rec(SCAN, WEB, 22, 2, 100, 60, 'REJECT'),
    rec(SCAN, WEB, 23, 1, 40, 3700, 'REJECT'),
    rec(WEB, NET, 443, 10, 5000, 120, 'ACCEPT'),
  ],
};
const B: Batch = {
  kind: 'lines',
  source: 'test',
  key: 'b',
  origin: 'test://b',
  lines: [rec(OTHER, WEB, 22, 1, 44, 200, 'REJECT'), rec(WEB, NET, 443, 5, 1000, 3800, 'ACCEPT')],
};

let dir: string;
let store: Store;
const sinks: StoreSink[] = [];

/** A sink that defers its rollups and never catches up by itself (only on flush, close or the next open). */
async function deferring(rollupRecords = 1_000_000_000): Promise<StoreSink> {
  const s = await StoreSink.open(store, {
    scratch: join(dir, `scratch-${sinks.length}`),
    flushMillis: 0,
    flushRecords: 1,
    eager: true,
    rollupRecords,
    rollupMillis: 3_600_000,
  });
  sinks.push(s);
  return s;
}

const n = async (sql: string) => Number((await store.query(sql)).rows[0]!['n']);
const pending = () => n('SELECT count(*) AS n FROM rollup_pending');
const rejectFlows = () => n('SELECT coalesce(sum(flows), 0)::BIGINT AS n FROM reject_rollup');
const marked = () =>
  n(`SELECT count(*) AS n FROM files f WHERE EXISTS (SELECT 1 FROM reject_rollup_files r WHERE r.file_id = f.id)
       AND EXISTS (SELECT 1 FROM view_rollup_files r WHERE r.file_id = f.id)
       AND EXISTS (SELECT 1 FROM overview_rollup_files r WHERE r.file_id = f.id)`);

/** `top rejected` over the two whole hours, as plain rows. */
const rejected = async (rollup?: boolean) =>
  (
    await top(store, 'rejected', { since: T, until: T + 7200, ...(rollup === false ? { rollup } : {}) })
  ).rows.map((r) => [String(r['source']), Number(r['flows']), Number(r['packets']), Number(r['bytes'])]);
const EXPECTED_REJECTED = [
  [SCAN, 2, 3, 140],
  [OTHER, 1, 1, 44],
];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-defer-'));
  store = await Store.open(join(dir, 's.duckdb'));
});
afterEach(async () => {
  for (const s of sinks.splice(0)) await s.close().catch(() => undefined);
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('deferred rollups', () => {
  it('commits batches pending, readers count them from the records, and flush rolls them up once', async () => {
    const sink = await deferring();
    await sink.write(A);
    await sink.write(B);
    // Between the commit and the catch-up: every record stored, no rollup row, both files pending.
    expect(await n('SELECT count(*) AS n FROM flows')).toBe(5);
    expect(await pending()).toBe(2);
    expect(await n('SELECT count(*) AS n FROM reject_rollup')).toBe(0);
    expect(await n('SELECT count(*) AS n FROM overview_rollup')).toBe(0);
    expect(await marked()).toBe(0);
    // What /metrics shows as flowwatch_rollup_pending_records: A's 3 records and B's 2, none rolled up yet.
    expect([sink.rollupPendingRecords, sink.stats.rollups]).toEqual([5, 0]);
    // A reader now misses nothing: the pending files are read from their records.
    expect(await rejected()).toEqual(EXPECTED_REJECTED);
    let path = '';
    const before = await overview(store, T, T + 7200, 300, 10, 'per-eni', { source: (s) => (path = s.path) });
    expect(path).toBe('rollup');
    expect(before).toEqual(await overview(store, T, T + 7200, 300, 10, 'per-eni', { rollup: false }));

    await sink.flush();
    expect(await pending()).toBe(0);
    expect(await marked()).toBe(2);
    expect([sink.rollupPendingRecords, sink.stats.rollups, sink.stats.rollupErrors]).toEqual([0, 1, 0]);
    // reject_rollup: A's (10:00, SCAN, 22) and (11:00, SCAN, 23), B's (10:00, OTHER, 22); 3 rejected records.
    expect(await n('SELECT count(*) AS n FROM reject_rollup')).toBe(3);
    expect(await rejectFlows()).toBe(3);
    // Overview series rows count each record once: 5.
    expect(await n(`SELECT sum(flows)::BIGINT AS n FROM overview_rollup WHERE kind = 'series'`)).toBe(5);
    expect(await rejected()).toEqual(EXPECTED_REJECTED);
    expect(await rejected(false)).toEqual(EXPECTED_REJECTED);
    expect(await overview(store, T, T + 7200, 300, 10, 'per-eni')).toEqual(before);
    // Flushing again rolls up nothing twice.
    await sink.flush();
    expect(await rejectFlows()).toBe(3);
  });

  it('rolls up at the threshold of pending records by itself', async () => {
    const sink = await deferring(4); // A (3 records) stays pending, A + B (5) reach it
    await sink.write(A);
    await new Promise((r) => setTimeout(r, 200));
    expect(await pending()).toBe(1);
    expect(sink.stats.rollups).toBe(0);
    await sink.write(B);
    // The catch-up runs in the commit's job, after the batch is acknowledged: no flush, no timer (an hour).
    for (let i = 0; i < 100 && sink.stats.rollups === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(sink.stats.rollups).toBe(1);
    expect(await pending()).toBe(0);
    expect(await rejectFlows()).toBe(3);
  });

  it('after a crash between commit and rollup, the next sink rolls the pending files up exactly once', async () => {
    const crashed = await deferring();
    await crashed.write(A);
    await crashed.write(B);
    sinks.splice(sinks.indexOf(crashed), 1); // never flushed nor closed: as if the process died here
    expect(await pending()).toBe(2);
    expect(await rejectFlows()).toBe(0);

    const next = await deferring();
    expect(await pending()).toBe(0);
    expect(await marked()).toBe(2);
    expect(await rejectFlows()).toBe(3);
    expect(await rejected()).toEqual(EXPECTED_REJECTED);
    // A third start finds nothing pending and counts nothing again.
    await next.close();
    sinks.splice(sinks.indexOf(next), 1);
    await deferring();
    expect(await rejectFlows()).toBe(3);
  });

  it('a catch-up that fails half-way writes nothing and leaves the files pending for the next one', async () => {
    const sink = await deferring();
    await sink.write(A);
    await sink.write(B);
    // paths_rollup is written after reject_rollup in the catch-up: without it the transaction fails there.
    await store.query('ALTER TABLE paths_rollup RENAME TO paths_rollup_away');
    await sink.flush();
    expect(sink.stats.rollupErrors).toBe(1);
    expect(await pending()).toBe(2);
    expect(await rejectFlows()).toBe(0);
    expect(await marked()).toBe(0);
    expect(await rejected()).toEqual(EXPECTED_REJECTED);
    await store.query('ALTER TABLE paths_rollup_away RENAME TO paths_rollup');
    await sink.flush();
    expect(await pending()).toBe(0);
    expect(await rejectFlows()).toBe(3);
    expect(await n('SELECT count(*) AS n FROM paths_rollup')).toBeGreaterThan(0);
  });

  it('a file deleted while pending is only unmarked', async () => {
    const sink = await deferring();
    await sink.write(A);
    await sink.write(B);
    // Through the store's own deletion (what `flowwatch forget` uses).
    expect((await store.forget(['test://a'], false)).map((f) => f.path)).toEqual(['test://a']);
    expect(await pending()).toBe(1);
    await sink.flush();
    expect(await pending()).toBe(0);
    // Only B's rejected record remains, rolled up once.
    expect(await rejectFlows()).toBe(1);
    expect(await rejected()).toEqual([[OTHER, 1, 1, 44]]);
  });
});

// The API's event text store (GetLogEvents, FilterLogEvents read it): events appended in calls to several streams,
// with timestamps that overlap across calls, read back in (timestamp, seq) order, forwards and backwards, in time
// ranges, after and before a position, page by page. Every answer is checked against a plain model: all events
// in one array, filtered and sorted by (timestamp, seq) in the test itself.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '../../src/storage/duckdb.js';
import type { LogEventStore } from '../../src/storage/log-events.js';
import { Store } from '../../src/storage/store.js';

interface Ev {
  stream: string;
  seq: number;
  timestamp: number;
  ingestionTime: number;
  message: string;
}

const T0 = 1_716_199_200_000; // 2024-05-20T10:00:00Z in ms
let dir: string;
let store: Store;
let events: LogEventStore;
const model: Ev[] = [];

/** Appends one call's events to the store and to the model (seq: the store's, counted from the first returned). */
async function put(
  stream: string,
  ts: number[],
  ingestionMs: number,
  text = (i: number) => `${stream} #${i}`,
) {
  const evs = ts.map((timestamp, i) => ({ timestamp, message: text(i) }));
  const first = await events.append('/g', stream, evs, ingestionMs);
  for (const [i, e] of evs.entries())
    model.push({
      stream,
      seq: first + i,
      timestamp: e.timestamp,
      ingestionTime: ingestionMs,
      message: e.message,
    });
}

const cmp = (a: Ev, b: Ev) => a.timestamp - b.timestamp || a.seq - b.seq;

/** The model's answer to the same question as LogEventStore.events. */
function expected(q: {
  streams?: string[];
  startMs?: number;
  endMs?: number;
  after?: { ts: number; seq: number };
  before?: { ts: number; seq: number };
  descending?: boolean;
  limit: number;
}): Ev[] {
  const rows = model
    .filter(
      (e) =>
        (q.streams === undefined || q.streams.includes(e.stream)) &&
        (q.startMs === undefined || e.timestamp >= q.startMs) &&
        (q.endMs === undefined || e.timestamp < q.endMs) &&
        (q.after === undefined ||
          e.timestamp > q.after.ts ||
          (e.timestamp === q.after.ts && e.seq > q.after.seq)) &&
        (q.before === undefined ||
          e.timestamp < q.before.ts ||
          (e.timestamp === q.before.ts && e.seq < q.before.seq)),
    )
    .sort(cmp);
  if (q.descending) rows.reverse();
  return rows.slice(0, q.limit);
}

const shape = (
  rows: readonly {
    logStream: string;
    seq: number;
    timestamp: number;
    ingestionTime: number;
    message: string;
  }[],
) =>
  rows.map((r) => ({
    stream: r.logStream,
    seq: r.seq,
    timestamp: r.timestamp,
    ingestionTime: r.ingestionTime,
    message: r.message,
  }));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-log-events-'));
  store = await Store.open(join(dir, 's.duckdb'));
  events = await store.logEvents();
  expect(await events.createGroup('/g', 'default', T0)).toBe(true);
  expect(await events.createGroup('/other', 'default', T0)).toBe(true);
  for (const s of ['a', 'b', 'c']) expect(await events.createStream('/g', s, T0)).toBe(true);
  expect(await events.createStream('/other', 'a', T0)).toBe(true);
  // Stream a: three calls whose times overlap (the second starts before the first ends), ties within and across.
  await put('a', [0, 1000, 1000, 2000, 5000], T0 + 1);
  await put('b', [500, 500, 3000], T0 + 2);
  await put('a', [1000, 1500, 1500, 9000], T0 + 3);
  await put('c', [-5000, 0, 0, 100_000], T0 + 4);
  await put('a', [200, 300], T0 + 5);
  // Messages that are not plain ASCII, with line breaks, quotes and control characters, kept byte for byte.
  await put(
    'b',
    [3000, 3000, 3001, 4000],
    T0 + 6,
    (i) => ['Grüße "quoted" \\ back', 'two\nlines\r\nhere', '\u0000\u0001 tab\there', 'emoji 🦆 ünïcödé'][i]!,
  );
  // Another group's events never show in /g.
  await events.append('/other', 'a', [{ timestamp: 1000, message: 'other group' }], T0 + 7);
  // A large call (over one internal page): 25,000 events over 50 seconds.
  await put(
    'c',
    Array.from({ length: 25_000 }, (_, i) => 10_000 + Math.floor(i / 500) * 1000),
    T0 + 8,
  );
});

afterAll(async () => {
  events?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('event text store', () => {
  it('reads every event of a group in (timestamp, seq) order, forwards and backwards', async () => {
    for (const descending of [false, true]) {
      const got = await events.events({ group: '/g', limit: 100_000, descending });
      expect(got).toHaveLength(model.length);
      expect(shape(got)).toEqual(expected({ limit: 100_000, descending }));
    }
  });

  it('limits, streams and time ranges', async () => {
    const cases = [
      { limit: 3 },
      { limit: 7, descending: true },
      { streams: ['a'], limit: 100 },
      { streams: ['a', 'b'], limit: 5 },
      { streams: ['b'], limit: 100, descending: true },
      { streams: ['a'], startMs: 1000, endMs: 2000, limit: 100 },
      { startMs: 1000, endMs: 1001, limit: 100 },
      { startMs: 0, limit: 4 },
      { endMs: 0, limit: 100 },
      { startMs: 20_000, endMs: 30_000, limit: 1200 },
      { startMs: 20_000, endMs: 30_000, limit: 1200, descending: true },
      { startMs: 70_000, limit: 10 },
      { streams: ['nope'], limit: 10 },
    ];
    for (const q of cases) {
      expect(shape(await events.events({ group: '/g', ...q })), JSON.stringify(q)).toEqual(expected(q));
    }
  });

  it('after and before a position, with ties on the timestamp', async () => {
    const all = expected({ limit: 100_000 });
    const picks = [0, 1, 2, 5, 8, 13, 20, 100, 12_345, all.length - 2, all.length - 1];
    for (const k of picks) {
      const at = { ts: all[k]!.timestamp, seq: all[k]!.seq };
      for (const limit of [1, 3, 1000]) {
        const fwd = { after: at, limit };
        expect(shape(await events.events({ group: '/g', ...fwd })), JSON.stringify(fwd)).toEqual(
          expected(fwd),
        );
        const back = { before: at, limit, descending: true };
        expect(shape(await events.events({ group: '/g', ...back })), JSON.stringify(back)).toEqual(
          expected(back),
        );
        const one = { streams: [all[k]!.stream], after: at, limit };
        expect(shape(await events.events({ group: '/g', ...one })), JSON.stringify(one)).toEqual(
          expected(one),
        );
      }
    }
    // A position between events (a seq no event has), and a position past the end.
    const between = { after: { ts: 1000, seq: -1 }, limit: 4 };
    expect(shape(await events.events({ group: '/g', ...between }))).toEqual(expected(between));
    const past = { after: { ts: 10 ** 9, seq: 0 }, limit: 4 };
    expect(await events.events({ group: '/g', ...past })).toEqual([]);
  });

  it('pages forwards through everything exactly once', async () => {
    const seen: Ev[] = [];
    let after: { ts: number; seq: number } | undefined;
    for (;;) {
      const page = shape(await events.events({ group: '/g', after, limit: 4000 }));
      seen.push(...page);
      if (page.length < 4000) break;
      const last = page[page.length - 1]!;
      after = { ts: last.timestamp, seq: last.seq };
    }
    expect(seen).toEqual(expected({ limit: 100_000 }));
  });

  it('keeps messages byte for byte and counts the stored bytes', async () => {
    const odd = await events.events({ group: '/g', streams: ['b'], startMs: 3000, endMs: 4001, limit: 10 });
    expect(odd.map((e) => e.message)).toEqual([
      'b #2',
      'Grüße "quoted" \\ back',
      'two\nlines\r\nhere',
      '\u0000\u0001 tab\there',
      'emoji 🦆 ünïcödé',
    ]);
    const groups = await events.groups();
    const bytes = model.reduce((n, e) => n + Buffer.byteLength(e.message), 0);
    expect(groups.find((g) => g.name === '/g')?.storedBytes).toBe(bytes);
    expect(groups.find((g) => g.name === '/other')?.storedBytes).toBe(Buffer.byteLength('other group'));
  });

  it('first and last event times per stream', async () => {
    const streams = await events.streams('/g');
    const a = streams.find((s) => s.name === 'a')!;
    expect([a.firstEventMs, a.lastEventMs, a.lastIngestionMs]).toEqual([0, 9000, T0 + 5]);
    const c = streams.find((s) => s.name === 'c')!;
    expect([c.firstEventMs, c.lastEventMs]).toEqual([-5000, 100_000]);
  });

  it('a rolled-back stage leaves nothing; deleting a stream or a group removes its events', async () => {
    const staged = await events.stage('/g', 'a', [{ timestamp: 1, message: 'never' }], T0 + 9);
    await staged.rollback();
    expect(shape(await events.events({ group: '/g', limit: 100_000 }))).toEqual(expected({ limit: 100_000 }));
    // Sequence numbers stay unique after a rollback: a new event gets one no stored event has.
    await put('b', [3000], T0 + 10);
    const seqs = new Set((await events.events({ group: '/g', limit: 100_000 })).map((e) => e.seq));
    expect(seqs.size).toBe(model.length);
    expect(await events.deleteStream('/g', 'b')).toBe(true);
    const left = model.filter((e) => e.stream !== 'b');
    model.length = 0;
    model.push(...left);
    expect(shape(await events.events({ group: '/g', limit: 100_000 }))).toEqual(expected({ limit: 100_000 }));
    expect(await events.deleteGroup('/other')).toBe(true);
    expect(await events.events({ group: '/other', limit: 10 })).toEqual([]);
    expect((await events.groups()).map((g) => g.name)).toEqual(['/g']);
  });
});

describe('a store from before the blocks', () => {
  it('moves the rows of cwl_log_events (a row per event) into blocks, reads them back the same and drops the table', async () => {
    const old = mkdtempSync(join(tmpdir(), 'fw-log-events-old-'));
    try {
      const path = join(old, 'old.duckdb');
      // The tables as the row-per-event store created them, with two calls to stream a, one to b, interleaved seqs.
      const db = await DuckDBInstance.create(path);
      const c = await db.connect();
      await c.run(`CREATE TABLE cwl_log_groups (name VARCHAR PRIMARY KEY, format VARCHAR NOT NULL,
        created_ms BIGINT NOT NULL, retention_days INTEGER)`);
      await c.run(`CREATE TABLE cwl_log_streams (log_group VARCHAR NOT NULL, name VARCHAR NOT NULL,
        created_ms BIGINT NOT NULL, first_event_ms BIGINT, last_event_ms BIGINT, last_ingestion_ms BIGINT,
        PRIMARY KEY (log_group, name))`);
      await c.run(`CREATE TABLE cwl_log_events (log_group VARCHAR NOT NULL, log_stream VARCHAR NOT NULL,
        seq BIGINT NOT NULL, ts BIGINT NOT NULL, ingestion_ms BIGINT NOT NULL, message VARCHAR NOT NULL)`);
      await c.run(`INSERT INTO cwl_log_groups VALUES ('/g', 'default', 1, NULL)`);
      await c.run(`INSERT INTO cwl_log_streams VALUES ('/g', 'a', 1, 10, 40, 7), ('/g', 'b', 1, 15, 15, 6)`);
      await c.run(`INSERT INTO cwl_log_events VALUES
        ('/g', 'a', 1, 10, 5, 'a one'), ('/g', 'a', 2, 20, 5, 'a two'),
        ('/g', 'b', 3, 15, 6, 'b één'),
        ('/g', 'a', 4, 30, 7, 'a three'), ('/g', 'a', 5, 40, 7, 'a four')`);
      c.closeSync();
      db.closeSync();

      const s = await Store.open(path);
      const ev = await s.logEvents();
      try {
        const all = shape(await ev.events({ group: '/g', limit: 100 }));
        // By hand: (ts, seq) order 10/1, 15/3, 20/2, 30/4, 40/5, each with its call's ingestion time.
        expect(all).toEqual([
          { stream: 'a', seq: 1, timestamp: 10, ingestionTime: 5, message: 'a one' },
          { stream: 'b', seq: 3, timestamp: 15, ingestionTime: 6, message: 'b één' },
          { stream: 'a', seq: 2, timestamp: 20, ingestionTime: 5, message: 'a two' },
          { stream: 'a', seq: 4, timestamp: 30, ingestionTime: 7, message: 'a three' },
          { stream: 'a', seq: 5, timestamp: 40, ingestionTime: 7, message: 'a four' },
        ]);
        expect((await ev.groups())[0]?.storedBytes).toBe(5 + 5 + Buffer.byteLength('b één') + 7 + 6);
        // New events continue after the old sequence numbers.
        expect(await ev.append('/g', 'b', [{ timestamp: 50, message: 'new' }], 8)).toBe(6);
        const tables = await s.query(
          `SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'cwl_log_%' ORDER BY 1`,
        );
        expect(tables.rows.map((r) => r['table_name'])).toEqual([
          'cwl_log_chunks',
          'cwl_log_groups',
          'cwl_log_streams',
        ]);
      } finally {
        ev.close();
        await s.close();
      }
    } finally {
      rmSync(old, { recursive: true, force: true });
    }
  });
});

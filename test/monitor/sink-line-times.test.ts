// The sink's live batches with per-event times (PutLogEvents, subscriptions, Firehose): each stored record gets the
// time of the event it came from, also when an event holds several lines (LF, lone CR) or text of several UTF-8
// bytes per character, and when a line takes the general path (runs of spaces, JSON-wrapped); and group commit
// (`eager`) stores a lone batch without waiting for flushMillis.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Batch, LineTime } from '../../src/ingest/sources/source.js';
import { batchBytes, StoreSink } from '../../src/monitor/store-sink.js';
import { Store } from '../../src/storage/store.js';

const T = 1716199200; // 2024-05-20T10:00:00Z
/** 11 fields, no start/end: the event's time is the record's. */
const FORMAT =
  '${traffic-path} ${flow-direction} ${region} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${action} ${log-status}';
const ssh = (port: number) =>
  `1 ingress eu-west-1 111122223333 eni-a 203.0.113.9 10.0.1.10 ${port} 22 REJECT OK`;
const cwl = (s: number): LineTime => ({ ms: s * 1000, source: 'cwl-event' });

let dir: string;
let store: Store;
let sink: StoreSink | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-sink-times-'));
  store = await Store.open(join(dir, 's.duckdb'));
});
afterEach(async () => {
  await sink?.close().catch(() => undefined);
  sink = undefined;
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const stored = async () =>
  (await store.query('SELECT srcport, event_time, time_source FROM flows ORDER BY srcport')).rows;

describe('sink: event times of live lines', () => {
  it('gives every line the time of its own event, whatever path the line takes', async () => {
    sink = await StoreSink.open(store, {
      scratch: join(dir, 'scratch'),
      flushMillis: 60_000,
      flushRecords: 1e6,
    });
    const a: Batch = {
      kind: 'lines',
      source: 'api',
      key: 'a',
      origin: 'test://a',
      format: FORMAT,
      lines: [
        ssh(1000),
        `${ssh(1001)}\r${ssh(1002)}`, // a lone CR ends a line: two records from one event
        `${ssh(1003)}\n${ssh(1004)}`,
        ssh(1005),
        `  ${ssh(1006)}`, // leading spaces: the general path
        `{"message":"${ssh(1007)}"}`, // JSON-wrapped: the general path
        ssh(1008),
      ],
      times: [
        cwl(T + 1),
        cwl(T + 2),
        cwl(T + 3),
        { ms: (T + 4) * 1000, source: 'firehose' },
        cwl(T + 5),
        cwl(T + 6),
        { ms: (T + 7) * 1000 + 900, source: 'cwl-event' }, // milliseconds are dropped, not rounded
      ],
    };
    const b: Batch = {
      kind: 'lines',
      source: 'api',
      key: 'b',
      origin: 'test://b',
      format: FORMAT,
      lines: [ssh(1009), ssh(1010)],
      times: [undefined, cwl(T + 9)],
    };
    const done = Promise.all([sink.write(a), sink.write(b)]);
    await new Promise((r) => setTimeout(r, 50));
    await sink.flush(); // one commit holding both batches
    expect(await done).toEqual(['stored', 'stored']);
    expect(sink.stats.commits).toBe(1);
    const rows = await stored();
    const ingest = rows.find((r) => r['srcport'] === 1009);
    expect(ingest?.['time_source']).toBe('ingest'); // no time of its own, none from its event
    expect(rows.filter((r) => r['srcport'] !== 1009)).toEqual([
      { srcport: 1000, event_time: T + 1, time_source: 'cwl-event' },
      { srcport: 1001, event_time: T + 2, time_source: 'cwl-event' },
      { srcport: 1002, event_time: T + 2, time_source: 'cwl-event' },
      { srcport: 1003, event_time: T + 3, time_source: 'cwl-event' },
      { srcport: 1004, event_time: T + 3, time_source: 'cwl-event' },
      { srcport: 1005, event_time: T + 4, time_source: 'firehose' },
      { srcport: 1006, event_time: T + 5, time_source: 'cwl-event' },
      { srcport: 1007, event_time: T + 6, time_source: 'cwl-event' },
      { srcport: 1008, event_time: T + 7, time_source: 'cwl-event' },
      { srcport: 1010, event_time: T + 9, time_source: 'cwl-event' },
    ]);
  });

  it('with start in the format: an event time beats start, a Firehose time does not', async () => {
    sink = await StoreSink.open(store, { scratch: join(dir, 'scratch'), flushMillis: 10, flushRecords: 1e6 });
    const line = (port: number) =>
      `2 111122223333 eni-a 203.0.113.9 10.0.1.10 ${port} 22 6 1 44 ${T + 100} ${T + 101} REJECT OK`;
    await sink.write({
      kind: 'lines',
      source: 'api',
      key: 'c',
      origin: 'test://c',
      lines: [line(2000), line(2001), line(2002)],
      times: [cwl(T + 50), { ms: (T + 60) * 1000, source: 'firehose' }, undefined],
    });
    expect(await stored()).toEqual([
      { srcport: 2000, event_time: T + 50, time_source: 'cwl-event' },
      { srcport: 2001, event_time: T + 100, time_source: 'start' },
      { srcport: 2002, event_time: T + 100, time_source: 'start' },
    ]);
  });
});

describe('batchBytes', () => {
  it('joins the batches as the loader reads them and finds each line’s event by byte offset', () => {
    const batch = (lines: string[], times?: (LineTime | undefined)[]): Batch & { kind: 'lines' } => ({
      kind: 'lines',
      source: 's',
      key: 'k',
      origin: 'o',
      lines,
      ...(times ? { times } : {}),
    });
    const { bytes, times } = batchBytes(
      [batch(['é x', 'a'], [cwl(T), cwl(T + 1)]), batch(['']), batch(['b'], [undefined])],
      ['cwl-event'],
    );
    // 'é x' is 4 bytes (é is 2), then LF: 'a' starts at byte 5, 'b' at byte 7 (the empty batch adds nothing).
    expect(bytes.toString()).toBe('é x\na\nb\n');
    expect(times?.at(0)).toBe(`${T} cwl-event`);
    expect(times?.at(5)).toBe(`${T + 1} cwl-event`);
    expect(times?.at(7)).toBeUndefined();
    // Without a wanted time there is no time column at all.
    expect(batchBytes([batch(['a'], [{ ms: T * 1000, source: 'firehose' }])], ['cwl-event']).times).toBe(
      undefined,
    );
  });
});

describe('sink: group commit', () => {
  it('eager: a lone batch is committed at once, not after flushMillis', async () => {
    sink = await StoreSink.open(store, {
      scratch: join(dir, 'scratch'),
      flushMillis: 60_000,
      flushRecords: 1e6,
      eager: true,
    });
    const t0 = Date.now();
    expect(
      await sink.write({
        kind: 'lines',
        source: 's',
        key: 'e',
        origin: 'test://e',
        format: FORMAT,
        lines: [ssh(3000)],
      }),
    ).toBe('stored');
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect((await stored()).map((r) => r['srcport'])).toEqual([3000]);
  });

  it('eager: batches arriving during a commit are committed after it, not after flushMillis', async () => {
    sink = await StoreSink.open(store, {
      scratch: join(dir, 'scratch'),
      flushMillis: 60_000,
      flushRecords: 1e6,
      eager: true,
      writers: 1,
    });
    const write = (k: string, port: number) =>
      sink!.write({
        kind: 'lines',
        source: 's',
        key: k,
        origin: `test://${k}`,
        format: FORMAT,
        lines: [ssh(port)],
      });
    const first = write('f1', 4000);
    await new Promise((r) => setTimeout(r, 5)); // the first commit has started
    const later = [write('f2', 4001), write('f3', 4002)];
    expect(await Promise.all([first, ...later])).toEqual(['stored', 'stored', 'stored']);
    expect((await stored()).map((r) => r['srcport'])).toEqual([4000, 4001, 4002]);
  });
});

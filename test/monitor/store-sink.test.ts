// The monitor's sink over a real store: one key is stored once whatever the timing of its retries, a retry is
// acknowledged only after the first copy is committed, and the store itself refuses a key stored twice.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Batch } from '../../src/ingest/sources/source.js';
import { StoreSink } from '../../src/monitor/store-sink.js';
import { Store } from '../../src/storage/store.js';

const line = (port: number) =>
  `2 111122223333 eni-a 203.0.113.9 10.0.1.10 ${port} 22 6 1 44 1716200000 1716200001 REJECT OK`;

/** A Firehose-like batch of `n` distinct records under `key`. */
function batch(key: string, n: number, source = 'firehose'): Batch {
  return {
    kind: 'lines',
    source,
    key,
    origin: `firehose://test/${key}`,
    lines: Array.from({ length: n }, (_, i) => line(1000 + i)),
  };
}

/** Whether `p` settled within `ms` (without consuming its outcome). */
async function settledWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  p.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await new Promise((r) => setTimeout(r, ms));
  return settled;
}

let dir: string;
let store: Store;
const sinks: StoreSink[] = [];

async function open(flushMillis: number): Promise<StoreSink> {
  const s = await StoreSink.open(store, {
    scratch: join(dir, `scratch-${sinks.length}`),
    flushMillis,
    flushRecords: 1_000_000,
  });
  sinks.push(s);
  return s;
}

const rows = async () => Number((await store.query('SELECT count(*) AS n FROM flows')).rows[0]!['n']);
const keys = async () => Number((await store.query('SELECT count(*) AS n FROM source_keys')).rows[0]!['n']);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-sink-'));
  store = await Store.open(join(dir, 's.duckdb'));
});
afterEach(async () => {
  for (const s of sinks.splice(0)) await s.close().catch(() => undefined);
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('store sink: one key, one copy', () => {
  it('stores the same requestId written twice in the same tick once', async () => {
    const sink = await open(20);
    const results = await Promise.all([sink.write(batch('req-1', 1000)), sink.write(batch('req-1', 1000))]);
    expect(results.sort()).toEqual(['duplicate', 'stored']);
    expect(await rows()).toBe(1000);
    expect(await keys()).toBe(1);
  });

  it('answers a retry only after the first copy is committed', async () => {
    const sink = await open(60_000); // nothing commits until flush()
    const first = sink.write(batch('req-2', 10));
    await new Promise((r) => setTimeout(r, 50)); // the first copy is queued, waiting for its commit
    const retry = sink.write(batch('req-2', 10));
    expect(await settledWithin(retry, 200)).toBe(false); // not acknowledged while nothing is durable
    expect(await rows()).toBe(0);
    await sink.flush();
    expect(await first).toBe('stored');
    expect(await retry).toBe('duplicate');
    expect(await rows()).toBe(10);
  });

  it('a retry waiting for a first copy that fails is stored on its own', async () => {
    const sink = await open(60_000);
    const scratch = join(dir, 'scratch-0');
    const first = sink.write(batch('req-3', 10));
    await new Promise((r) => setTimeout(r, 50));
    const retry = sink.write(batch('req-3', 10));
    rmSync(scratch, { recursive: true }); // the first commit cannot write its scratch file
    await sink.flush();
    await expect(first).rejects.toThrow(/ENOENT/);
    mkdirSync(scratch);
    await new Promise((r) => setTimeout(r, 50)); // the retry re-queues itself after the failure
    await sink.flush();
    expect(await retry).toBe('stored');
    expect(await rows()).toBe(10);
  });

  it('the store refuses a key committed twice, even past the sink (two sinks over one store)', async () => {
    const a = await open(60_000);
    const b = await open(60_000);
    const pa = a.write(batch('req-4', 10));
    const pb = b.write({ ...batch('req-4', 10), lines: [line(1)] } as Batch); // other bytes, same key
    await new Promise((r) => setTimeout(r, 50)); // both passed the "already stored?" check
    await a.flush();
    expect(await pa).toBe('stored');
    await b.flush();
    await expect(pb).rejects.toThrow(/constraint/i);
    expect(await rows()).toBe(10);
    expect(await keys()).toBe(1);
  });

  it('keeps the key of a batch whose every line is a reject, so its retry is not stored again', async () => {
    const sink = await open(20);
    const bad: Batch = { ...batch('req-5', 0), lines: ['not a flow log record', 'nor this'] } as Batch;
    expect(await sink.write(bad)).toBe('stored');
    expect(await sink.write(bad)).toBe('duplicate');
    const rejects = Number((await store.query('SELECT count(*) AS n FROM rejects')).rows[0]!['n']);
    expect(rejects).toBe(2);
  });

  it('a fresh batch (its key made for it) is stored without look-ups; a fresh key stored before is still refused', async () => {
    const sink = await open(20);
    expect(await sink.write({ ...batch('uuid-1', 10), fresh: true } as Batch)).toBe('stored');
    expect(await sink.write({ ...batch('uuid-2', 5), fresh: true } as Batch)).toBe('stored');
    expect(await rows()).toBe(15);
    expect(await keys()).toBe(2);
    // A caller that breaks the promise (a key seen before, called fresh): the store's primary key refuses it.
    await expect(sink.write({ ...batch('uuid-1', 10), fresh: true } as Batch)).rejects.toThrow(/constraint/i);
    expect(await rows()).toBe(15);
    expect(await keys()).toBe(2);
  });

  it("a batch's own statements (PutLogEvents' event text) are committed with its records, or not at all", async () => {
    const sink = await open(20);
    const events = await store.logEvents();
    try {
      await events.createGroup('/g', 'default', 1);
      await events.createStream('/g', 's', 1);
      const text = (n: number, from: number) =>
        Array.from({ length: n }, (_, i) => ({ timestamp: 1000 + from + i, message: line(from + i) }));
      const a = await events.block('/g', 's', text(3, 0), 5);
      expect(await sink.write({ ...batch('uuid-a', 3), fresh: true, also: [a.statement] } as Batch)).toBe(
        'stored',
      );
      // The same key again: the store refuses the commit, so neither its records nor its text are kept.
      const b = await events.block('/g', 's', text(2, 10), 6);
      await expect(
        sink.write({ ...batch('uuid-a', 2), fresh: true, also: [b.statement] } as Batch),
      ).rejects.toThrow(/constraint/i);
      expect(await rows()).toBe(3);
      const stored = await events.events({ group: '/g', limit: 10 });
      expect(stored.map((e) => [e.timestamp, e.seq])).toEqual([
        [1000, a.firstSeq],
        [1001, a.firstSeq + 1],
        [1002, a.firstSeq + 2],
      ]);
      // The failed block's sequence numbers are not given again.
      expect(b.firstSeq).toBe(a.firstSeq + 3);
      expect((await events.block('/g', 's', text(1, 20), 7)).firstSeq).toBe(a.firstSeq + 5);
    } finally {
      events.close();
    }
  });
});

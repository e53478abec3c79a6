// The sink's commit counts what it stored without asking the store again (rejects counted as written), and a
// writer whose commit was rolled back loads its next batch alike (the CSV reads' scan tables are dropped anew).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Batch } from '../../src/ingest/sources/source.js';
import { type CommitInfo, StoreSink } from '../../src/monitor/store-sink.js';
import { type BoundSql, Store } from '../../src/storage/store.js';

const good = (port: number) =>
  `2 111122223333 eni-a 203.0.113.9 10.0.1.10 ${port} 22 6 1 44 1716200000 1716200001 REJECT OK`;
// 14 fields, a padded one (two spaces): the general path reads it as a record.
const padded = '2 111122223333 eni-a 203.0.113.9 10.0.1.10  7 22 6 1 44 1716200000 1716200001 REJECT OK';
// Not a flow log line (4 fields where the default format has 14), and a port that is not a number: both rejects.
const short = 'this is not flowlogs';
const badPort = '2 111122223333 eni-a 203.0.113.9 10.0.1.10 http 22 6 1 44 1716200000 1716200001 REJECT OK';

let dir: string;
let store: Store;
let sink: StoreSink | undefined;
const commits: CommitInfo[] = [];

const one = async (sql: string) => Number(Object.values((await store.query(sql)).rows[0]!)[0]);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-sink-counts-'));
  store = await Store.open(join(dir, 's.duckdb'));
  commits.length = 0;
  sink = await StoreSink.open(store, {
    scratch: join(dir, 'scratch'),
    flushMillis: 20,
    flushRecords: 1_000_000,
    writers: 1,
    onCommit: (c) => commits.push(c),
  });
});
afterEach(async () => {
  await sink?.close().catch(() => undefined);
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function batch(key: string, lines: string[], also?: BoundSql[]): Batch {
  return { kind: 'lines', source: 'test', key, origin: `test://${key}`, lines, ...(also ? { also } : {}) };
}

describe('store sink: counts of a commit', () => {
  it('counts the rejects it wrote: the files row and the commit agree with the rejects table', async () => {
    expect(await sink!.write(batch('k1', [good(1), short, good(2), padded, badPort, good(3)]))).toBe(
      'stored',
    );
    // Six lines: four records (three normal, one padded read by the general path), two rejects.
    expect(await one('SELECT count(*) FROM flows')).toBe(4);
    expect(await one('SELECT count(*) FROM rejects')).toBe(2);
    expect(await one('SELECT records FROM files')).toBe(4);
    expect(await one('SELECT rejected FROM files')).toBe(2);
    expect(commits.map((c) => [c.records, c.rejected])).toEqual([[4, 2]]);
    // The rejects keep their line numbers: lines 2 and 5 of the batch.
    expect(
      (await store.query('SELECT line FROM rejects ORDER BY line')).rows.map((r) => Number(r['line'])),
    ).toEqual([2, 5]);
  });

  it('loads the next batch on the same writer after a commit rolled back', async () => {
    // The first batch's records are read (scan tables made and dropped in its transaction), then its own statement
    // fails: everything of it is rolled back.
    await expect(
      sink!.write(
        batch(
          'k1',
          [good(1), short, good(2)],
          [{ sql: 'INSERT INTO no_such_table VALUES ($1)', params: [1] }],
        ),
      ),
    ).rejects.toThrow();
    expect(await one('SELECT count(*) FROM flows')).toBe(0);
    expect(await sink!.write(batch('k2', [good(3), good(4), short, padded, good(5)]))).toBe('stored');
    expect(await one('SELECT count(*) FROM flows')).toBe(4);
    expect(await one('SELECT count(*) FROM rejects')).toBe(1);
    expect(await one("SELECT rejected FROM files WHERE path LIKE '%k2%'")).toBe(1);
    expect(commits.map((c) => [c.records, c.rejected])).toEqual([[4, 1]]);
  });
});

// Many small files loaded in one transaction (a batch): each file keeps its own row, records, located rejects,
// rollup and idempotency; a batch that fails is rolled back whole. Decision record 45-ingest-batching.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/ingest/ingest.js';
import { DEFAULT } from '../../src/records/format.js';
import { Store } from '../../src/storage/store.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-batch-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

/** Record i of file f: srcport = i (so a row tells its line: line = i + 2), dstport = 1000 + f (its file). */
function rec(f: number, i: number, action = i % 3 === 0 ? 'REJECT' : 'ACCEPT'): string {
  return `2 123456789012 eni-0a1b2c3d4e5f60718 10.0.${f}.${i % 250} 10.0.2.5 ${i} ${1000 + f} 6 3 ${100 + i} ${1716200000 + 60 * i} ${1716200060 + 60 * i} ${action} OK`;
}

/** A folder of `n` small gzip files of `records` records each, in the S3 layout; returns folder and paths. */
function folder(name: string, n: number, records: number): { root: string; paths: string[] } {
  const root = join(dir, name);
  const day = join(root, 'AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/05/20/10');
  mkdirSync(day, { recursive: true });
  const paths: string[] = [];
  for (let f = 0; f < n; f++) {
    const minute = String(f * 5).padStart(2, '0');
    const p = join(
      day,
      `123456789012_vpcflowlogs_us-east-1_fl-0a1b2c3d4e5f6a7b8_20240520T10${minute}Z_${f}.log.gz`,
    );
    const lines = Array.from({ length: records }, (_, i) => rec(f, i));
    writeFileSync(p, gzipSync(`${HEADER}\n${lines.join('\n')}\n`));
    paths.push(p);
  }
  return { root, paths };
}

async function n(store: Store, sql: string): Promise<number> {
  return Number((await store.query(sql)).rows[0]!['n']);
}

describe('a batch of small files', () => {
  it('stores each file with its own row, records, line numbers and rollup, as one file at a time does', async () => {
    const { root } = folder('same', 12, 300);
    const batched = await Store.open(join(dir, 'batched.duckdb'));
    const single = await Store.open(join(dir, 'single.duckdb'));
    const a = await ingest(batched, [root], { concurrency: 1 });
    const b = await ingest(single, [root], { concurrency: 1, batch: { files: 1 } });
    for (const [s, store] of [
      [a, batched],
      [b, single],
    ] as const) {
      expect([s.loaded, s.records, s.rejected, s.failed]).toEqual([12, 3600, 0, 0]);
      expect(s.timeSources).toEqual({ start: 3600 });
      expect(await n(store, 'SELECT count(*) AS n FROM files WHERE records = 300 AND rejected = 0')).toBe(12);
      // Every row sits in its own file (dstport - 1000 is the file's number in path order) on its own line.
      expect(await n(store, 'SELECT count(*) AS n FROM flows WHERE line <> srcport + 2')).toBe(0);
      expect(
        await n(
          store,
          `SELECT count(DISTINCT f.id) AS n FROM flows JOIN files f ON f.id = flows.file_id
           WHERE f.path LIKE '%\\_' || (dstport - 1000) || '.log.gz' ESCAPE '\\'`,
        ),
      ).toBe(12);
      // 100 of each file's 300 records are REJECT (i % 3 = 0), one rollup row per (file, hour, source, port).
      expect(await n(store, 'SELECT sum(flows) AS n FROM reject_rollup')).toBe(1200);
      expect(await n(store, 'SELECT count(*) AS n FROM reject_rollup_files')).toBe(12);
      expect(
        await n(
          store,
          `SELECT count(*) AS n FROM (SELECT file_id, sum(flows) AS s FROM reject_rollup GROUP BY 1) WHERE s <> 100`,
        ),
      ).toBe(0);
    }
    const rollup =
      'SELECT hour, srcaddr, dstport, flows, packets, bytes, first_seen, last_seen FROM reject_rollup ORDER BY ALL';
    expect((await batched.query(rollup)).rows).toEqual((await single.query(rollup)).rows);
    batched.close();
    single.close();
  });

  it('keeps bad lines located in their own file, and the other files land whole', async () => {
    const { root, paths } = folder('bad', 6, 50);
    // File 2: line 5 has a bad port, line 9 too few fields, line 12 is not UTF-8; file 4: gzip cut short.
    const lines = Array.from({ length: 50 }, (_, i) => rec(2, i));
    lines[3] = rec(2, 3).replace(' 1002 6 ', ' 10x2 6 ');
    lines[7] = '2 123456789012 eni-0a1b2c3d4e5f60718 10.0.2.7';
    const body = Buffer.concat([
      Buffer.from(`${HEADER}\n${lines.slice(0, 10).join('\n')}\n`),
      Buffer.from([0x32, 0x20, 0xff, 0xfe, 0x0a]),
      Buffer.from(`${lines.slice(11).join('\n')}\n`),
    ]);
    writeFileSync(paths[2]!, gzipSync(body));
    const full = gzipSync(`${HEADER}\n${Array.from({ length: 50 }, (_, i) => rec(4, i)).join('\n')}\n`);
    writeFileSync(paths[4]!, full.subarray(0, full.length - 30));
    writeFileSync(
      join(root, 'AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/05/20/10/junk.log'),
      Buffer.from([0, 1, 2, 3, 0, 0]),
    );
    const store = await Store.open(join(dir, 'bad.duckdb'));
    const s = await ingest(store, [root], { concurrency: 1 });
    expect([s.loaded, s.failed]).toEqual([6, 1]);
    expect(s.fileReports.find((r) => r.file.endsWith('junk.log'))?.status).toBe('failed');
    // The four good files: all 50 records each.
    const byFile = (
      await store.query(
        `SELECT regexp_extract(path, '_(\\d+)\\.log\\.gz$', 1)::INTEGER AS f, records, rejected, complete
       FROM files ORDER BY f`,
      )
    ).rows;
    expect(byFile.filter((r) => ![2, 4].includes(Number(r['f'])))).toEqual(
      [0, 1, 3, 5].map((f) => ({ f, records: 50, rejected: 0, complete: true })),
    );
    const two = byFile.find((r) => r['f'] === 2)!;
    expect([two['records'], two['rejected'], two['complete']]).toEqual([47, 3, true]);
    const rejects = (
      await store.query(
        `SELECT r.line, r.code FROM rejects r JOIN files f ON f.id = r.file_id
         WHERE f.path = '${paths[2]}' ORDER BY r.line`,
      )
    ).rows;
    // Header is line 1, so lines[3] is line 5, lines[7] line 9, the non-UTF-8 line (index 10) line 12.
    expect(rejects).toEqual([
      { line: 5, code: 'NOT_INTEGER' },
      { line: 9, code: 'FIELD_COUNT' },
      { line: 12, code: 'INVALID_UTF8' },
    ]);
    const four = byFile.find((r) => r['f'] === 4)!;
    expect(four['complete']).toBe(false);
    expect(Number(four['records'])).toBeLessThan(50);
    expect(
      await n(
        store,
        `SELECT count(*) AS n FROM rejects r JOIN files f ON f.id = r.file_id WHERE f.path = '${paths[4]}' AND code = 'TRUNCATED'`,
      ),
    ).toBe(1);
    // No record of one file was stored under another.
    expect(
      await n(
        store,
        "SELECT count(*) AS n FROM flows JOIN files f ON f.id = flows.file_id WHERE f.path NOT LIKE '%\\_' || (dstport - 1000) || '.log.gz' ESCAPE '\\'",
      ),
    ).toBe(0);
    store.close();
  });

  it('a normal-looking line that is not UTF-8 is rejected in its own file at its own line (one shared batch file)', async () => {
    const { root, paths } = folder('utf8', 4, 20);
    // File 1, line 7 (index 5 after the header): 14 fields, the interface id holds bytes that are not UTF-8.
    const lines = Array.from({ length: 20 }, (_, i) => Buffer.from(rec(1, i)));
    lines[5] = Buffer.from(rec(1, 5).replace('eni-0a1b2c3d4e5f60718', 'eni-\u00ff'), 'latin1');
    writeFileSync(
      paths[1]!,
      gzipSync(
        Buffer.concat([
          Buffer.from(`${HEADER}\n`),
          ...lines.map((l) => Buffer.concat([l, Buffer.from('\n')])),
        ]),
      ),
    );
    const store = await Store.open(join(dir, 'utf8.duckdb'));
    const s = await ingest(store, [root], { concurrency: 1 });
    expect([s.loaded, s.records, s.rejected]).toEqual([4, 79, 1]);
    expect(s.firstRejects.map((r) => [r.file, r.line, r.code])).toEqual([[paths[1], 7, 'INVALID_UTF8']]);
    // Every other record of file 1 is there, at its own line (srcport i is on line i + 2).
    expect(
      await n(
        store,
        `SELECT count(*) AS n FROM flows JOIN files f ON f.id = flows.file_id WHERE f.path = '${paths[1]}' AND line = srcport + 2`,
      ),
    ).toBe(19);
    store.close();
  });

  it('loads one file of a shared batch file alone (the one-by-one retry): only the lines with its tag', async () => {
    const store = await Store.open(join(dir, 'tagged.duckdb'));
    const loader = await store.loader();
    const shared = join(dir, 'tagged-normal.txt');
    // Tag 0 is another file's; tag 1 is this file's lines 2 and 3.
    writeFileSync(shared, `0 2 ${rec(0, 0)}\n1 2 ${rec(1, 0)}\n0 3 ${rec(0, 1)}\n1 3 ${rec(1, 1)}\n`);
    const odd = join(dir, 'tagged-odd.txt');
    writeFileSync(odd, '');
    const r = await loader.loadText(
      { path: 'one.log', sha256: 'c'.repeat(64), bytes: 1, kind: 'text', format: DEFAULT },
      { normalPath: shared, normalLines: 2, oddPath: odd, oddLines: 0, tag: 1 },
    );
    expect([r.status, r.records, r.rejected]).toEqual(['loaded', 2, 0]);
    expect((await store.query('SELECT line, dstport FROM flows ORDER BY line')).rows).toEqual([
      { line: 2, dstport: 1001 },
      { line: 3, dstport: 1001 },
    ]);
    loader.close();
    store.close();
  });

  it('is idempotent per file: a batch again is a no-op, a forgotten or new file loads alone', async () => {
    const { root, paths } = folder('idem', 8, 100);
    const store = await Store.open(join(dir, 'idem.duckdb'));
    // Three files first, then the whole folder: those three are duplicates inside the batch, five load.
    const first = await ingest(store, paths.slice(0, 3), { concurrency: 1 });
    expect([first.loaded, first.records]).toEqual([3, 300]);
    const all = await ingest(store, [root], { concurrency: 1 });
    expect([all.loaded, all.duplicates, all.records]).toEqual([5, 3, 500]);
    const again = await ingest(store, [root], { concurrency: 1 });
    expect([again.loaded, again.duplicates, again.records]).toEqual([0, 8, 0]);
    expect(await n(store, 'SELECT count(*) AS n FROM flows')).toBe(800);
    expect(await n(store, 'SELECT count(*) AS n FROM files')).toBe(8);
    // The same content under two names in one batch: stored once.
    const copy = join(dir, 'idem-copy.log.gz');
    writeFileSync(copy, gzipSync(`${HEADER}\n${rec(9, 0)}\n`));
    const twin = join(dir, 'idem-twin.log.gz');
    writeFileSync(twin, gzipSync(`${HEADER}\n${rec(9, 0)}\n`));
    const twins = await ingest(store, [copy, twin], { concurrency: 1 });
    expect([twins.loaded, twins.duplicates, twins.records]).toEqual([1, 1, 1]);
    // forget one file of the batch: only it loads again.
    await store.forget([paths[5]!], false);
    expect(await n(store, 'SELECT count(*) AS n FROM flows')).toBe(701);
    const back = await ingest(store, [root], { concurrency: 1 });
    expect([back.loaded, back.duplicates, back.records]).toEqual([1, 7, 100]);
    // --replace over the batch: every file replaced, counts unchanged.
    const replaced = await ingest(store, [root], { concurrency: 1, replace: true });
    expect([replaced.loaded, replaced.replaced, replaced.records]).toEqual([8, 8, 800]);
    expect(await n(store, 'SELECT count(*) AS n FROM flows')).toBe(801);
    expect(await n(store, 'SELECT count(*) AS n FROM files')).toBe(9);
    expect(await n(store, 'SELECT sum(flows) AS n FROM reject_rollup')).toBe(8 * 34 + 1);
    store.close();
  });

  it('rolls a failing batch back whole, and ingest then loads its files one by one', async () => {
    const store = await Store.open(join(dir, 'rollback.duckdb'));
    const loader = await store.loader();
    const good = join(dir, 'rollback-good.txt');
    writeFileSync(good, `2 ${rec(0, 0)}\n3 ${rec(0, 1)}\n`);
    // Bypasses the splitter's length limit: DuckDB's reader drops a line this long without a word.
    const bad = join(dir, 'rollback-bad.txt');
    writeFileSync(bad, `2 ${rec(1, 0)}\n3 ${'z'.repeat(40 << 20)}\n`);
    const empty = join(dir, 'rollback-odd.txt');
    writeFileSync(empty, '');
    const item = (path: string, normalPath: string, sha: string) => ({
      meta: { path, sha256: sha.repeat(64), bytes: 1, kind: 'text' as const, format: DEFAULT },
      split: { normalPath, normalLines: 2, oddPath: empty, oddLines: 0 },
      problems: [],
    });
    await expect(
      loader.loadTextBatch([item('good.log', good, 'a'), item('bad.log', bad, 'b')]),
    ).rejects.toMatchObject({ code: 'LINES_UNACCOUNTED' });
    expect(await n(store, 'SELECT count(*) AS n FROM files')).toBe(0);
    expect(await n(store, 'SELECT count(*) AS n FROM flows')).toBe(0);
    // The good file alone loads.
    const [r] = await loader.loadTextBatch([item('good.log', good, 'a')]);
    expect([r!.status, r!.records]).toEqual(['loaded', 2]);
    loader.close();
    store.close();
  });
});

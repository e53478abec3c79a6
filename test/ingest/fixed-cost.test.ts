// The fixed cost of a store's open and of one ingest call (decision record 75-ingest-fixed-cost): what no
// longer runs (a current store's DDL, a CHECKPOINT of an in-memory store, rollup statements that cannot add a
// row), and that the answers stay the same.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as DuckDB from '@duckdb/node-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/ingest/ingest.js';
import { Store } from '../../src/storage/store.js';

// The module instance src/storage/duckdb.ts loads (with require), so that its connections' calls can be listed.
const api = createRequire(import.meta.url)('@duckdb/node-api') as typeof DuckDB;
const P = api.DuckDBConnection.prototype as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
const METHODS = ['run', 'runAndReadAll', 'runAndReadUntil', 'streamAndReadUntil'] as const;
const originals = METHODS.map((m) => P[m]!);
let calls: string[] | undefined;
let depth = 0;
for (const [i, m] of METHODS.entries()) {
  P[m] = async function (this: unknown, sql: unknown, ...rest: unknown[]) {
    // runAndReadAll calls run: one statement, listed once.
    if (calls === undefined || depth > 0) return originals[i]!.call(this, sql, ...rest);
    calls.push(String(sql));
    depth++;
    try {
      return await originals[i]!.call(this, sql, ...rest);
    } finally {
      depth--;
    }
  };
}
/** The SQL sent to DuckDB while `fn` runs (one entry per call; a call may hold several statements). */
async function statements(fn: () => Promise<unknown>): Promise<string[]> {
  calls = [];
  try {
    await fn();
    return calls;
  } finally {
    calls = undefined;
  }
}
afterEach(() => {
  calls = undefined;
});
afterAll(() => {
  for (const [i, m] of METHODS.entries()) P[m] = originals[i]!;
});

const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const T = 1716199200; // 2024-05-20T10:00:00Z
const rec = (src: string, port: number, bytes: number, at: number, action: string) =>
  `2 111122223333 eni-1 ${src} 10.0.0.9 40000 ${port} 6 1 ${bytes} ${T + at} ${T + at + 30} ${action} OK`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-fixed-cost-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string | Buffer) => {
  const p = join(dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
};
const n = async (store: Store, sql: string) => Number((await store.query(sql)).rows[0]!['n']);

describe('opening a store', () => {
  it('reads two rows when the store was last made current by this build, and runs no DDL', async () => {
    const db = join(dir, 'reopen.duckdb');
    (await Store.open(db)).close();
    const sql = await statements(async () => (await Store.open(db)).close());
    expect(sql).toHaveLength(2);
    expect(sql.every((s) => s.trimStart().startsWith('SELECT'))).toBe(true);
  });

  it('makes what an older build’s store lacks, stores the fingerprint, and the next open only reads', async () => {
    const db = join(dir, 'older.duckdb');
    const s = await Store.open(db);
    // What a build before the findings table and the fingerprint left: neither.
    await s.query('DROP TABLE findings');
    await s.query(`DELETE FROM meta WHERE key = 'schema_fingerprint'`);
    s.close();
    const w = await Store.open(db);
    expect(await w.hasTable('findings')).toBe(true);
    expect(await n(w, `SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'findings'`)).toBe(1);
    expect(await n(w, `SELECT count(*) AS n FROM meta WHERE key = 'schema_fingerprint'`)).toBe(1);
    w.close();
    expect(await statements(async () => (await Store.open(db)).close())).toHaveLength(2);
  });

  it('keeps a new format’s record table in the flows view and the fingerprint: reopened, it only reads', async () => {
    const db = join(dir, 'formats.duckdb');
    const a = write('formats/a.log', `${HEADER}\n${rec('10.0.1.1', 22, 10, 0, 'ACCEPT')}\n`);
    const b = write(
      'formats/b.log',
      `version srcaddr dstaddr action\n2 10.0.2.1 10.0.0.9 REJECT\n2 10.0.2.2 10.0.0.9 ACCEPT\n`,
    );
    const w = await Store.open(db);
    await ingest(w, [a]);
    await ingest(w, [b]);
    expect(await n(w, 'SELECT count(*) AS n FROM record_tables')).toBe(2);
    w.close();
    let store: Store | undefined;
    expect(
      await statements(async () => {
        store = await Store.open(db);
      }),
    ).toHaveLength(2);
    try {
      // 1 record of a.log and 2 of b.log, through the one view over both tables.
      expect(await n(store!, 'SELECT count(*) AS n FROM flows')).toBe(3);
      expect(await n(store!, `SELECT count(*) AS n FROM flows WHERE srcaddr = '10.0.2.1'`)).toBe(1);
    } finally {
      store!.close();
    }
  });
});

describe('one ingest call', () => {
  it('checkpoints a store on disk, not one in memory', async () => {
    const f = write('cp/a.log', `${HEADER}\n${rec('10.0.1.1', 22, 10, 0, 'ACCEPT')}\n`);
    const mem = await Store.open(':memory:');
    const disk = await Store.open(join(dir, 'cp.duckdb'));
    try {
      const inMemory = await statements(() => ingest(mem, [f]));
      const onDisk = await statements(() => ingest(disk, [f]));
      const checkpoints = (sql: string[]) => sql.filter((s) => /^\s*CHECKPOINT/.test(s)).length;
      expect(checkpoints(inMemory)).toBe(0);
      expect(checkpoints(onDisk)).toBe(1);
      expect(await n(mem, 'SELECT count(*) AS n FROM flows')).toBe(1);
    } finally {
      mem.close();
      disk.close();
    }
  });

  it('writes no rejected-traffic rollup for a file without a rejected record, and marks it covered', async () => {
    const f = write(
      'norej/a.log',
      `${HEADER}\n${[rec('10.0.1.1', 22, 10, 0, 'ACCEPT'), rec('10.0.1.2', 443, 20, 60, 'ACCEPT')].join('\n')}\n`,
    );
    const store = await Store.open(':memory:');
    try {
      const sql = await statements(() => ingest(store, [f]));
      expect(sql.some((s) => /INSERT INTO reject_rollup /.test(s))).toBe(false);
      expect(sql.some((s) => /INSERT INTO reject_key_rollup /.test(s))).toBe(false);
      for (const t of ['reject_rollup_files', 'view_rollup_files', 'overview_rollup_files'])
        expect(await n(store, `SELECT count(*) AS n FROM ${t}`)).toBe(1);
      expect(await n(store, 'SELECT count(*) AS n FROM reject_rollup')).toBe(0);
      // Both records are traffic of one interface in hour 10: one coverage row of 2 records, 0 rejected.
      const cov = (await store.query('SELECT records, rejected FROM coverage_rollup')).rows;
      expect(cov).toEqual([{ records: 2, rejected: 0 }]);
    } finally {
      store.close();
    }
  });

  it('writes the rejected-traffic rollup of a file with one rejected record', async () => {
    const f = write(
      'onerej/a.log',
      `${HEADER}\n${[rec('10.0.1.1', 22, 10, 0, 'ACCEPT'), rec('10.0.1.3', 3389, 40, 120, 'REJECT')].join('\n')}\n`,
    );
    const store = await Store.open(':memory:');
    try {
      await ingest(store, [f]);
      const rows = (await store.query('SELECT srcaddr, dstport, flows, bytes FROM reject_rollup')).rows;
      expect(rows).toEqual([{ srcaddr: '10.0.1.3', dstport: 3389, flows: 1, bytes: 40 }]);
      // src, port/protocol; no reject-reason field in this format.
      expect(
        (await store.query('SELECT kind, key, records FROM reject_key_rollup ORDER BY kind')).rows,
      ).toEqual([
        { kind: 'port', key: '3389/6', records: 1 },
        { kind: 'src', key: '10.0.1.3', records: 1 },
      ]);
    } finally {
      store.close();
    }
  });

  it('writes no rollup rows for a file whose every line is rejected, yet marks it covered', async () => {
    // Two lines of 3 fields where the header names 14.
    const f = write('allbad/a.log', `${HEADER}\n2 a b\n2 c d\n`);
    const store = await Store.open(':memory:');
    try {
      const sql = await statements(() => ingest(store, [f]));
      const data = [
        'reject_rollup',
        'enc_rollup',
        'kinds_rollup',
        'paths_rollup',
        'coverage_rollup',
        'overview_rollup',
      ];
      for (const t of data) expect(sql.some((s) => s.includes(`INSERT INTO ${t} `))).toBe(false);
      const files = (await store.query('SELECT records, rejected FROM files')).rows;
      expect(files).toEqual([{ records: 0, rejected: 2 }]);
      for (const t of ['reject_rollup_files', 'view_rollup_files', 'overview_rollup_files'])
        expect(await n(store, `SELECT count(*) AS n FROM ${t}`)).toBe(1);
      for (const t of data) expect(await n(store, `SELECT count(*) AS n FROM ${t}`)).toBe(0);
    } finally {
      store.close();
    }
  });

  it('one loader, two files with a line that is not UTF-8: each file’s reject at its own line', async () => {
    // Line 3 of a.log and line 4 of b.log (the header is line 1) hold a byte that is not UTF-8.
    const bad = (i: number) =>
      Buffer.from(rec('10.0.1.1', 22, 10, i, 'ACCEPT').replace('eni-1', 'eni-\u00ff'), 'latin1');
    const good = (i: number) => Buffer.from(rec('10.0.1.1', 22, 10, i, 'ACCEPT'));
    const nl = Buffer.from('\n');
    const a = write(
      'utf8/a.log',
      Buffer.concat([Buffer.from(`${HEADER}\n`), good(0), nl, bad(1), nl, good(2), nl]),
    );
    const b = write(
      'utf8/b.log',
      Buffer.concat([Buffer.from(`${HEADER}\n`), good(3), nl, good(4), nl, bad(5), nl, good(6), nl]),
    );
    const store = await Store.open(':memory:');
    try {
      // One worker, one file a batch: the same loader (and its scan names) loads both files.
      const s = await ingest(store, [a, b], { concurrency: 1, batch: { files: 1 } });
      expect([s.loaded, s.records, s.rejected]).toEqual([2, 5, 2]);
      const rejects = (
        await store.query(
          `SELECT f.path, r.line, r.code FROM rejects r JOIN files f ON f.id = r.file_id ORDER BY f.path, r.line`,
        )
      ).rows;
      expect(rejects).toEqual([
        { path: a, line: 3, code: 'INVALID_UTF8' },
        { path: b, line: 4, code: 'INVALID_UTF8' },
      ]);
    } finally {
      store.close();
    }
  });
});

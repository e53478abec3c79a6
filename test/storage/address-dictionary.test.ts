// The hunt's address dictionary (src/storage/address-dictionary.ts): filled by `flowwatch ingest` with every
// distinct address once, read by `flowwatch hunt` with the records of files it does not cover, and never the
// reason for a different answer: the same groups (worked out by hand) from a covered store, a store whose files
// are partly or not at all covered, a store without the tables, and after a file is forgotten (its addresses stay
// in the dictionary, the hunt's fetch of the records drops them).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { parseFeed } from '../../src/enrich/feeds/parse-feed.js';
import { updateAddressDictionary } from '../../src/storage/address-dictionary.js';
import {
  CANDIDATES_TABLE,
  intelCandidates,
  intelMatchSql,
  loadTemporaryIntel,
} from '../../src/storage/intel.js';
import { Store } from '../../src/storage/store.js';
import { io } from '../support/capture-io.js';

const T = 1716199200; // 2024-05-20T10:00:00Z
const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const row = (src: string, dst: string, start: number, bytes: number, action = 'ACCEPT') =>
  `2 111122223333 eni-a ${src} ${dst} 40000 443 6 1 ${bytes} ${T + start} ${T + start + 10} ${action} OK`;
// a.log: two remote addresses in the feed (203.0.113.7 twice), one not; b.log: 198.51.100.7 only there.
const A = [
  row('10.0.1.10', '203.0.113.7', 0, 100),
  row('10.0.1.10', '203.0.113.7', 50, 300),
  row('203.0.113.99', '10.0.1.11', 60, 40, 'REJECT'),
  row('10.0.1.10', '8.8.8.8', 70, 70),
];
const B = [row('10.0.1.12', '198.51.100.7', 150, 500)];
const FEED = '203.0.113.0/24\n198.51.100.7\n2001:db8:bad::/48\n';

let dir: string;
let db: string;
const cli = async (...argv: string[]) => {
  const o = io();
  const code = await main([...argv, '--db', db], o);
  return { code, out: o.stdout, err: o.stderr };
};
/** The hunt's groups as [indicator, address, peer, flows, bytes, rejected]. */
const hunt = async () => {
  const r = await cli('hunt', '--ioc', join(dir, 'feed.txt'), '-o', 'json');
  expect(r.code).toBe(0);
  return (JSON.parse(r.out) as Record<string, unknown>[]).map((x) => [
    x['indicator'],
    x['address'],
    x['peer'],
    x['flows'],
    x['bytes'],
    x['rejected'],
  ]);
};
const withStore = async <T>(fn: (s: Store) => Promise<T>, readOnly = false): Promise<T> => {
  const s = await Store.open(db, { readOnly });
  try {
    return await fn(s);
  } finally {
    s.close();
  }
};
const dictionary = () =>
  withStore(async (s) =>
    (await s.query('SELECT address FROM address_keys ORDER BY address')).rows.map((x) => x['address']),
  );
const covered = () =>
  withStore(async (s) =>
    Number((await s.query('SELECT count(*) AS n FROM address_key_files')).rows[0]?.['n']),
  );

// Worked out by hand: 203.0.113.7 twice to 10.0.1.10 (400 bytes), 198.51.100.7 once (500), 203.0.113.99 once
// rejected (40); most flows first, then most bytes.
const ALL = [
  ['203.0.113.0/24', '203.0.113.7', '10.0.1.10', 2, 400, 0],
  ['198.51.100.7', '198.51.100.7', '10.0.1.12', 1, 500, 0],
  ['203.0.113.0/24', '203.0.113.99', '10.0.1.11', 1, 40, 1],
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-dict-'));
  db = join(dir, 'db.duckdb');
  writeFileSync(join(dir, 'a.log'), `${HEADER}\n${A.join('\n')}\n`);
  writeFileSync(join(dir, 'b.log'), `${HEADER}\n${B.join('\n')}\n`);
  writeFileSync(join(dir, 'feed.txt'), FEED);
  expect((await cli('ingest', join(dir, 'a.log'))).code).toBe(0);
  expect((await cli('ingest', join(dir, 'b.log'))).code).toBe(0);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('address dictionary', () => {
  it('holds every distinct address of the ingested files once, and marks both files covered', async () => {
    expect(await dictionary()).toEqual([
      '10.0.1.10',
      '10.0.1.11',
      '10.0.1.12',
      '198.51.100.7',
      '203.0.113.7',
      '203.0.113.99',
      '8.8.8.8',
    ]);
    expect(await covered()).toBe(2);
    // Nothing left to cover: a second update adds nothing.
    expect(await withStore((s) => updateAddressDictionary(s))).toBe(0);
  });

  it('gives the same hunt from the dictionary, from partly covered files and with no coverage at all', async () => {
    expect(await hunt()).toEqual(ALL);
    // b.log not covered: its addresses come from its records (198.51.100.7 is in the dictionary only through it).
    await withStore((s) =>
      s.query(`DELETE FROM address_keys WHERE address IN ('198.51.100.7', '10.0.1.12')`),
    );
    await withStore((s) =>
      s.query('DELETE FROM address_key_files WHERE file_id = (SELECT id FROM files WHERE path LIKE $1)', [
        '%b.log',
      ]),
    );
    expect(await hunt()).toEqual(ALL);
    // No file covered: the records' own addresses.
    await withStore((s) => s.query('DELETE FROM address_keys'));
    await withStore((s) => s.query('DELETE FROM address_key_files'));
    expect(await hunt()).toEqual(ALL);
    // The next ingest (here: an update) covers every file again, once.
    expect(await withStore((s) => updateAddressDictionary(s))).toBe(2);
    expect((await dictionary()).length).toBe(7);
    expect(await hunt()).toEqual(ALL);
  });

  it('hunts a store written before the dictionary existed (no tables, opened read-only)', async () => {
    const old = join(dir, 'old.duckdb');
    const o = io();
    expect(await main(['ingest', join(dir, 'a.log'), join(dir, 'b.log'), '--db', old], o)).toBe(0);
    const s = await Store.open(old, { readOnly: false });
    await s.query('DROP TABLE address_keys');
    await s.query('DROP TABLE address_key_files');
    // Written by a build before the schema's fingerprint (or with another schema): none in its meta.
    await s.query(`DELETE FROM meta WHERE key = 'schema_fingerprint'`);
    s.close();
    const saved = db;
    db = old;
    try {
      expect(await hunt()).toEqual(ALL);
      // Opened writable and ingested into, the store gains the dictionary with every file covered.
      writeFileSync(join(dir, 'c.log'), `${HEADER}\n${row('10.0.1.13', '192.0.2.1', 200, 1)}\n`);
      expect((await cli('ingest', join(dir, 'c.log'))).code).toBe(0);
      expect(await covered()).toBe(3);
      expect((await dictionary()).length).toBe(9);
      expect(await hunt()).toEqual(ALL);
    } finally {
      db = saved;
    }
  });

  it('leaves a forgotten file’s addresses in the dictionary without changing the answer', async () => {
    expect((await cli('forget', join(dir, 'b.log'))).code).toBe(0);
    expect(await dictionary()).toContain('198.51.100.7');
    expect(await hunt()).toEqual([ALL[0], ALL[2]]);
    const r = await cli('hunt', '--ioc', join(dir, 'feed.txt'), '-o', 'json', '--since', String(T + 100));
    // Only 198.51.100.7's record (T+150, forgotten) was in that period: nothing matches, said loudly.
    expect(JSON.parse(r.out)).toEqual([]);
    expect(r.err).toContain('no stored record has an event time in the period asked for');
  });

  it('answers alike with one untimed candidate per address (the join) and with the general matcher', async () => {
    await withStore(async (s) => {
      const rel = await loadTemporaryIntel(s, 'ioc', parseFeed(FEED).indicators, { segments: false });
      const found = await intelCandidates(s, { relations: rel });
      // 198.51.100.7 is listed from the dictionary although its only record was forgotten: a candidate no record has.
      expect(found).toEqual({ addresses: 3, oneEach: true });
      const rows = async (oneEach: boolean) => {
        const { sql, params } = intelMatchSql({ relations: rel, candidates: CANDIDATES_TABLE, oneEach });
        const r = await s.query(`SELECT * FROM (${sql}) ORDER BY file_id, line, side`, params);
        return r.rows;
      };
      const general = await rows(false);
      expect(general.map((x) => [x['line'], x['side'], x['address'], x['indicator']])).toEqual([
        [2, 'dst', '203.0.113.7', '203.0.113.0/24'],
        [3, 'dst', '203.0.113.7', '203.0.113.0/24'],
        [4, 'src', '203.0.113.99', '203.0.113.0/24'],
      ]);
      expect(await rows(true)).toEqual(general);
    }, true);
  });
});

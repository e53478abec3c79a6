// The one intel matcher (intelMatchSql): hand-built records against a plain list and a STIX feed, with CIDR
// boundaries of both families, the most specific indicator, validity windows at the record's event time,
// feed versions and removal. Expected rows are worked out by hand in the comments.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFeed } from '../../src/enrich/feeds/parse-feed.js';
import { addressKeyText } from '../../src/enrich/segment-index.js';
import { ingest } from '../../src/ingest/ingest.js';
import {
  addressKeySql,
  CANDIDATES_TABLE,
  intelCandidates,
  intelMatches,
  listFeeds,
  loadTemporaryIntel,
  removeFeed,
  saveFeed,
} from '../../src/storage/intel.js';
import { Store } from '../../src/storage/store.js';

const T = 1716199200; // 2024-05-20T10:00:00Z
const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const row = (src: string, dst: string, start: number, bytes = 100) =>
  `2 111122223333 eni-a ${src} ${dst} 40000 443 6 1 ${bytes} ${T + start} ${T + start + 10} ACCEPT OK`;

// File lines: the header is line 1, so the records are lines 2..11.
const RECORDS = [
  row('10.0.1.10', '203.0.113.7', 0), // 2: dst in 203.0.113.7 (and the /24): the /32 is reported, covering 2
  row('203.0.113.200', '10.0.1.10', 10), // 3: src in 203.0.113.0/24
  row('10.0.1.10', '203.0.114.0', 20), // 4: just past the /24: no match
  row('10.0.1.10', '203.0.113.255', 30), // 5: the /24's last address: dst
  row('2001:db8:bad:ffff:ffff:ffff:ffff:ffff', '2001:db8::1', 40), // 6: the /48's last address: src
  row('2001:db8:bae::', '2001:db8::1', 50), // 7: just past the /48: no match
  row('10.0.1.10', '198.51.100.7', 99), // 8: before the STIX valid_from (T+100): no match
  row('10.0.1.10', '198.51.100.7', 100), // 9: at valid_from: dst
  row('10.0.1.10', '198.51.100.7', 200), // 10: at valid_until (exclusive): no match
  row('2001:DB8:BAD:0:0:0:0:1', '10.0.1.10', 60), // 11: upper-case, uncompressed IPv6 in the /48: src
];

const LIST = '# bad hosts\n203.0.113.0/24 ; whole net\n203.0.113.7\n2001:db8:bad::/48\n';
const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');
const STIX = JSON.stringify({
  type: 'bundle',
  id: 'bundle--1',
  objects: [
    {
      type: 'indicator',
      spec_version: '2.1',
      id: 'indicator--a',
      pattern: "[ipv4-addr:value = '198.51.100.7']",
      pattern_type: 'stix',
      valid_from: iso(T + 100),
      valid_until: iso(T + 200),
    },
  ],
});

let dir: string;
let store: Store;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-intel-'));
  writeFileSync(join(dir, 'r.log'), `${HEADER}\n${RECORDS.join('\n')}\n`);
  store = await Store.open(join(dir, 'db.duckdb'));
  const r = await ingest(store, [join(dir, 'r.log')]);
  expect(r.records).toBe(10);
  const feed = (name: string, text: string) => {
    const p = parseFeed(text);
    return {
      name,
      format: p.format,
      source: `${name}.txt`,
      sha256: 'x',
      licence: 'test',
      indicators: p.indicators,
      skipped: 0,
      revoked: 0,
    };
  };
  await saveFeed(store, feed('bad', LIST));
  await saveFeed(store, feed('stix', STIX));
});

afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('address keys in SQL', () => {
  it('turns IPv4 and IPv6 text into the keys worked out by hand', async () => {
    const cases: [string, string | null][] = [
      ['1.2.3.4', 0xffff01020304n.toString()],
      ['255.255.255.255', 0xffffffffffffn.toString()],
      ['::1', '1'],
      ['2001:db8::', (0x20010db8n << 96n).toString()],
      ['2001:DB8:0:0:0:0:0:1', ((0x20010db8n << 96n) + 1n).toString()],
      ['::ffff:1.2.3.4', 0xffff01020304n.toString()],
      ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', ((1n << 128n) - 1n).toString()],
      ['1.2.3.256', null],
      ['1.2.3', null],
      ['1::2::3', null],
      ['-', null],
    ];
    const r = await store.query(
      `SELECT a, k::VARCHAR AS k FROM ${addressKeySql(`(SELECT unnest([${cases.map(([a]) => `'${a}'`).join(', ')}]) AS a)`)}`,
    );
    const got = new Map(r.rows.map((x) => [x['a'], x['k']]));
    for (const [a, k] of cases) expect(got.get(a), a).toBe(k);
  });
});

describe('address keys in JS (hunt)', () => {
  it('gives the key of the SQL rule for every spelling it decides, and leaves the others to the SQL', async () => {
    const cases = [
      '1.2.3.4',
      '01.2.3.4',
      '1.2.3.256',
      '1.2.3',
      ' 1.2.3.4',
      '1.2.3.4.5',
      '::1',
      '::',
      '2001:db8::',
      '2001:DB8:0:0:0:0:0:1',
      '1:2:3:4::5:6:7:8',
      '1::2:3:4:5:6:7:8',
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8:9',
      '1::2::3',
      '1:::2',
      '12345::1',
      '::ffff:1.2.3.4',
      '::ffff:102:304',
      'g::1',
      '-',
      'abc',
    ];
    const r = await store.query(
      `SELECT a, k::VARCHAR AS k FROM ${addressKeySql(`(SELECT unnest([${cases.map((a) => `'${a}'`).join(', ')}]) AS a)`)}`,
    );
    const sql = new Map(r.rows.map((x) => [x['a'], x['k']]));
    const js = (a: string) => {
      const k = addressKeyText(a);
      if (k === undefined || k === null) return k;
      return (typeof k === 'number' ? 0xffff00000000n + BigInt(k) : k).toString();
    };
    for (const a of cases) if (js(a) !== undefined) expect(js(a), a).toBe(sql.get(a));
    // The usual spellings are decided in JS: keys worked out by hand, and the two no-key cases.
    expect(js('1.2.3.4')).toBe(0xffff01020304n.toString());
    expect(js('2001:DB8:0:0:0:0:0:1')).toBe(((0x20010db8n << 96n) + 1n).toString());
    expect(js('1.2.3.256')).toBeNull();
    expect(js('1::2::3')).toBeNull();
  });
});

describe('intelMatches', () => {
  it('gives the same matches from the in-memory candidates (hunt) as from the SQL segment join', async () => {
    const key = (m: { line: number; side: string; indicator: string; covering: number }[]) =>
      m.map((x) => `${x.line} ${x.side} ${x.indicator} ${x.covering}`);
    for (const range of [{}, { since: T + 10, until: T + 60 }, { since: T + 100 }]) {
      await intelCandidates(store, range);
      expect(key(await intelMatches(store, { ...range, candidates: CANDIDATES_TABLE }))).toEqual(
        key(await intelMatches(store, range)),
      );
    }
    // An IPv6 block reaching into the IPv4-mapped block (::ffff:0:0/96 inside it) covers every IPv4 address.
    const rel = await loadTemporaryIntel(store, 'ioc', parseFeed('::ffff:0:0/95\n203.0.113.7\n').indicators);
    await intelCandidates(store, { relations: rel });
    const mem = await intelMatches(store, { relations: rel, candidates: CANDIDATES_TABLE });
    expect(key(mem)).toEqual(key(await intelMatches(store, { relations: rel })));
    // Lines 2-5 and 8-10 have two IPv4 sides, line 11 one: 15 sides; 203.0.113.7 (line 2) the /128-like exact one.
    expect(mem.length).toBe(15);
    expect(mem.find((x) => x.line === 2 && x.side === 'dst')?.covering).toBe(2);
  });

  it('reports each matching record side with its most specific valid indicator', async () => {
    const m = await intelMatches(store);
    expect(m.map((x) => [x.line, x.side, x.address, x.indicator, x.feed, x.covering])).toEqual([
      [2, 'dst', '203.0.113.7', '203.0.113.7', 'bad', 2],
      [3, 'src', '203.0.113.200', '203.0.113.0/24', 'bad', 1],
      [5, 'dst', '203.0.113.255', '203.0.113.0/24', 'bad', 1],
      [6, 'src', '2001:db8:bad:ffff:ffff:ffff:ffff:ffff', '2001:db8:bad::/48', 'bad', 1],
      [11, 'src', '2001:DB8:BAD:0:0:0:0:1', '2001:db8:bad::/48', 'bad', 1],
      [9, 'dst', '198.51.100.7', '198.51.100.7', 'stix', 1],
    ]);
    expect(m[0]!.peer).toBe('10.0.1.10');
    expect(m[0]!.description).toBeNull();
    expect(m[1]!.description).toBe('whole net');
  });

  it('honours since/until on the record event time', async () => {
    const m = await intelMatches(store, { since: T + 10, until: T + 60 });
    expect(m.map((x) => x.line)).toEqual([3, 5, 6]);
  });

  it('matches from temporary tables the same way (hunt)', async () => {
    const rel = await loadTemporaryIntel(store, 'ioc', parseFeed('203.0.113.0/25\n').indicators);
    const m = await intelMatches(store, { relations: rel });
    // 203.0.113.0/25 ends at .127: .7 (line 2) is in it, .200 and .255 are not.
    expect(m.map((x) => [x.line, x.side, x.indicator])).toEqual([[2, 'dst', '203.0.113.0/25']]);
  });

  it('versions a re-added feed and stops matching a removed one', async () => {
    const p = parseFeed('203.0.113.7\n');
    const v = await saveFeed(store, {
      name: 'bad',
      format: p.format,
      source: 'bad2.txt',
      sha256: 'y',
      licence: 'test',
      indicators: p.indicators,
      skipped: 0,
      revoked: 0,
    });
    expect(v).toBe(2);
    expect((await intelMatches(store)).map((x) => [x.line, x.indicator, x.version])).toEqual([
      [2, '203.0.113.7', 2],
      [9, '198.51.100.7', 1],
    ]);
    expect(await removeFeed(store, 'bad')).toBe(1);
    expect(await removeFeed(store, 'bad')).toBeUndefined();
    expect((await intelMatches(store)).map((x) => x.line)).toEqual([9]);
    const feeds = await listFeeds(store);
    expect(feeds.map((f) => [f.name, f.version, f.current])).toEqual([
      ['bad', 1, false],
      ['bad', 2, false],
      ['stix', 1, true],
    ]);
  });
});

// The beacon query over a store (beaconSql) splits connections only for candidate pairs and for the tuples that
// can hold the window's last connection (docs/decisions/46-detect-at-scale.md). These cases check the lists and
// the window's span (lo, hi) it returns against numbers worked out by hand, and against the in-memory gathering
// (beaconPairs, which splits every tuple) on seeded random records.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BeaconPair } from '../../src/detect/beacon.js';
import { builtinCatalog } from '../../src/detect/catalog.js';
import type { BeaconDetection } from '../../src/detect/definition.js';
import { beaconPairs, type DetectRecord } from '../../src/detect/evaluate.js';
import { beaconSql } from '../../src/detect/to-sql.js';
import { ingest } from '../../src/ingest/ingest.js';
import { FIELDS } from '../../src/records/catalog.js';
import { Store } from '../../src/storage/store.js';
import { HEADER, rec, T } from './cases.js';

const beacon = () => builtinCatalog().find((d) => d.id === 'beacon') as BeaconDetection;
const W = T - (T % 86400); // T's day

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-beacon-sql-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The records as the monitor holds them (catalog columns, numbers typed), for beaconPairs. */
function memoryRecords(lines: readonly string[]): DetectRecord[] {
  const columns = HEADER.split(' ').map((f) => f.replaceAll('-', '_'));
  return lines.map((line) => {
    const parts = line.split(' ');
    const r: Record<string, unknown> = {};
    columns.forEach((c, i) => {
      const v = parts[i];
      const type = FIELDS.find((f) => f.column === c)?.type;
      r[c] = v === '-' || v === undefined ? null : type === 'string' ? v : Number(v);
    });
    return { ...r, event_time: Number(r['start']) } as DetectRecord;
  });
}

/** beaconSql's rows over a store holding these records, as BeaconPair values. */
async function sqlPairs(
  name: string,
  lines: readonly string[],
  d: BeaconDetection = beacon(),
): Promise<BeaconPair[]> {
  const file = join(dir, `${name}.log`);
  writeFileSync(file, `${HEADER}\n${lines.join('\n')}\n`);
  const store = await Store.open(join(dir, `${name}.duckdb`));
  try {
    await ingest(store, [file], {});
    const rows = (await store.query(beaconSql({ engine: 'duckdb' }, d, {}))).rows;
    return rows.map((r) => ({
      key: [0, 1, 2, 3].map((i) => String(r[`k${i}`])),
      w: Number(r['w']),
      ts: (r['ts'] as unknown[]).map(Number),
      sizes: (r['sizes'] as unknown[]).map(Number),
      records: Number(r['records']),
      firstSeen: Number(r['first_seen']),
      lastSeen: Number(r['last_seen']),
      lo: Number(r['lo']),
      hi: Number(r['hi']),
      sources: Number(r['sources']),
      allSources: Number(r['all_sources']),
    }));
  } finally {
    store.close();
  }
}

const order = (ps: readonly BeaconPair[]) =>
  [...ps].sort((a, b) => `${a.key.join(' ')} ${a.w}`.localeCompare(`${b.key.join(' ')} ${b.w}`));

describe('the beacon query over a store', () => {
  it("takes the window's last connection from a pair that is no candidate", async () => {
    const lines = [
      // a candidate: 6 connections every 300 s from T (each its own srcport)
      ...Array.from({ length: 6 }, (_, i) =>
        rec('eni-a', '10.0.1.5', '198.51.100.7', 40000 + i, 443, 6, 'ACCEPT', T + i * 300, 640),
      ),
      // 3 records, 2 connections (T+5060 starts within 120 s of T+5000's end T+5059): no candidate;
      // its second connection, at T+9000, is the window's last
      rec('eni-b', '10.0.1.6', '198.51.100.8', 50000, 443, 6, 'ACCEPT', T + 5000),
      rec('eni-b', '10.0.1.6', '198.51.100.8', 50000, 443, 6, 'ACCEPT', T + 5060),
      rec('eni-b', '10.0.1.6', '198.51.100.8', 50000, 443, 6, 'ACCEPT', T + 9000),
      // the latest first record of a tuple (T+8000), whose second record continues the connection
      rec('eni-c', '10.0.1.8', '198.51.100.9', 41000, 443, 6, 'ACCEPT', T + 8000),
      rec('eni-c', '10.0.1.8', '198.51.100.9', 41000, 443, 6, 'ACCEPT', T + 8100),
    ];
    const ps = await sqlPairs('span', lines);
    expect(ps).toEqual([
      {
        key: ['10.0.1.5', '198.51.100.7', '443', '6'],
        w: W,
        ts: [T, T + 300, T + 600, T + 900, T + 1200, T + 1500],
        sizes: [640, 640, 640, 640, 640, 640],
        records: 6,
        firstSeen: T,
        lastSeen: T + 1500,
        lo: T,
        hi: T + 9000,
        sources: 1,
        allSources: 3,
      },
    ]);
    const mem = beaconPairs(beacon(), memoryRecords(lines));
    expect(order(ps)).toEqual(order(mem));
  });

  it('leaves out a destination most sources reach, as the scorer would', async () => {
    // 3 of 3 sources poll 198.51.100.20:443 (shared: ≥ 3 sources and more than 50%)
    const lines = ['10.0.1.5', '10.0.1.6', '10.0.1.7'].flatMap((src, j) =>
      Array.from({ length: 5 }, (_, i) =>
        rec(`eni-${j}`, src, '198.51.100.20', 42000 + i, 443, 6, 'ACCEPT', T + i * 600 + j),
      ),
    );
    expect(await sqlPairs('shared', lines)).toEqual([]);
    // in memory every pair is gathered (3), and each is shared: 3 sources of 3
    const mem = beaconPairs(beacon(), memoryRecords(lines));
    expect(mem.map((p) => [p.sources, p.allSources])).toEqual([
      [3, 3],
      [3, 3],
      [3, 3],
    ]);
  });

  it('keeps the records without a source port as one 5-tuple of their own (a definition without the srcport test)', async () => {
    // the built-in definition tests srcport >= 1024; without that test, records with srcport missing ('-') are in
    // scope and, as in memory, one tuple: split where a start is more than 120 s after every earlier end
    const b = beacon();
    const d: BeaconDetection = { ...b, filter: b.filter.filter((t) => t.field !== 'srcport') };
    const noPort = (t: number) =>
      `2 111122223333 eni-a 10.0.1.5 198.51.100.7 - 443 6 1 60 ${t} ${t + 59} ACCEPT OK`;
    // T+1250 starts before T+1200's end (T+1259) + 120 s: one connection of 120 bytes
    const lines = [0, 300, 600, 900, 1200, 1250].map((s) => noPort(T + s));
    const ps = await sqlPairs('no-port', lines, d);
    expect(ps).toEqual([
      {
        key: ['10.0.1.5', '198.51.100.7', '443', '6'],
        w: W,
        ts: [T, T + 300, T + 600, T + 900, T + 1200],
        sizes: [60, 60, 60, 60, 120],
        records: 6,
        firstSeen: T,
        lastSeen: T + 1250,
        lo: T,
        hi: T + 1200,
        sources: 1,
        allSources: 1,
      },
    ]);
    expect(order(ps)).toEqual(order(beaconPairs(d, memoryRecords(lines))));
  });

  it('agrees with the in-memory gathering on seeded random records (two days)', async () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const srcs = ['10.0.1.5', '10.0.1.6', '10.0.1.7', '10.0.1.8', '10.0.1.9', '10.0.2.1', '10.0.2.2'];
    const dsts = Array.from({ length: 12 }, (_, i) => `198.51.100.${10 + i}`);
    const lines: string[] = [];
    for (let i = 0; i < 1500; i++) {
      // each source talks to 3 of the 12 destinations (a few shared by two sources); some records are followed
      // by another of the same 5-tuple within 0-199 s (one connection, or two)
      const s = rand(srcs.length);
      const dst = dsts[(3 * s + rand(3)) % dsts.length]!;
      const sport = 50000 + rand(4);
      const dport = [443, 8443][rand(2)]!;
      const t = W + rand(2 * 86400);
      lines.push(rec('eni-r', srcs[s]!, dst, sport, dport, 6, 'ACCEPT', t, 100 + rand(900)));
      if (rand(3) === 0)
        lines.push(rec('eni-r', srcs[s]!, dst, sport, dport, 6, 'ACCEPT', t + rand(200), 100 + rand(900)));
    }
    const d = beacon();
    const { percent, minSources } = d.prevalence;
    const mem = beaconPairs(d, memoryRecords(lines)).filter(
      (p) => !(p.sources >= minSources && p.sources * 100 > percent * p.allSources),
    );
    const ps = await sqlPairs('random', lines);
    expect(mem.length).toBeGreaterThan(0);
    expect(order(ps)).toEqual(order(mem));
  });
});

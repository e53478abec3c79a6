// SegmentIndex's lookup of IPv4 keys (a /16 block table, then a binary search inside the block) against a
// brute force over the indicators: the covering set, and the most specific indicator, for random keys.

import { describe, expect, it } from 'vitest';
import { type IndexedIndicator, SegmentIndex } from '../../src/enrich/segment-index.js';

const V4 = 0xffff_0000_0000n;

let seed = 12345;
const rnd = (n: number) => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return Math.floor((seed / 2147483648) * n);
};

describe('SegmentIndex.segmentOf', () => {
  it('finds the covering indicators of IPv4 keys as a brute force does', () => {
    const indicators: IndexedIndicator[] = [];
    // Crowd three /16 blocks (many segments in one block) and scatter the rest; nested blocks and single addresses.
    for (let id = 1; id <= 3000; id++) {
      const crowded = id % 3 === 0;
      const base = crowded ? (10 + rnd(3)) * 16777216 + 5 * 65536 : rnd(4294967296);
      const size = [1, 1, 1, 16, 256, 65536, 1 << 20][rnd(7)]!;
      const lo = Math.min(base - (base % size), 4294967296 - size);
      indicators.push({ id, lo: V4 + BigInt(lo), hi: V4 + BigInt(lo + size - 1), timed: false });
    }
    // The edges of the IPv4 space.
    indicators.push({ id: 3001, lo: V4, hi: V4 + 9n, timed: false });
    indicators.push({ id: 3002, lo: V4 + 0xffff_fff0n, hi: V4 + 0xffff_ffffn, timed: false });
    const index = new SegmentIndex(indicators);
    const keys: number[] = [0, 9, 10, 0xffff_ffef, 0xffff_fff0, 0xffff_ffff];
    for (const i of indicators) {
      const lo = Number(i.lo - V4);
      const hi = Number(i.hi - V4);
      keys.push(lo, hi, lo - 1, hi + 1);
    }
    for (let n = 0; n < 20000; n++)
      keys.push(n % 2 ? rnd(4294967296) : (10 + rnd(3)) * 16777216 + 5 * 65536 + rnd(65536));
    for (const k of keys.filter((x) => x >= 0 && x <= 0xffff_ffff)) {
      const key = V4 + BigInt(k);
      const covering = indicators.filter((i) => i.lo <= key && key <= i.hi);
      const seg = index.segmentOf(k);
      if (covering.length === 0) {
        expect(seg, `key ${k}`).toBe(-1);
        continue;
      }
      expect(seg, `key ${k}`).toBeGreaterThanOrEqual(0);
      const best = [...covering].sort((a, b) => Number(a.hi - a.lo - (b.hi - b.lo)) || a.id - b.id)[0]!;
      expect(index.candidates(seg), `key ${k}`).toEqual({ ids: [best.id], always: covering.length });
    }
  });
});

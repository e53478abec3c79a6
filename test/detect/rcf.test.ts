// Random Cut Forest: hand-worked scores, tree invariants under inserts and deletes, reservoir uniformity,
// determinism, isolation vs density, attribution and outputAfter.

import { describe, expect, it } from 'vitest';
import { RandomCutForest } from '../../src/detect/rcf/forest.js';
import { DecayedReservoir } from '../../src/detect/rcf/sampler.js';
import { type Node, RandomCutTree } from '../../src/detect/rcf/tree.js';
import { Random } from '../../src/simulate/random.js';

/** Checks every invariant below `n` and returns its points (a multiset as "x,y,...": count). */
function check(n: Node | undefined, dim: number, out = new Map<string, number>()): Map<string, number> {
  if (n === undefined) return out;
  if (n.leaf) {
    expect(n.mass).toBeGreaterThanOrEqual(1);
    const k = [...n.point].join(',');
    expect(out.has(k)).toBe(false); // a point is one leaf, its copies are its mass
    out.set(k, n.mass);
    return out;
  }
  expect(n.left.parent).toBe(n);
  expect(n.right.parent).toBe(n);
  expect(n.mass).toBe(n.left.mass + n.right.mass);
  const pts = (m: Node): Float64Array[] => (m.leaf ? [m.point] : [...pts(m.left), ...pts(m.right)]);
  const all = pts(n);
  for (let i = 0; i < dim; i++) {
    // The box is exactly the points' bounding box.
    expect(n.min[i]).toBe(Math.min(...all.map((p) => p[i]!)));
    expect(n.max[i]).toBe(Math.max(...all.map((p) => p[i]!)));
  }
  // The cut separates the children.
  for (const p of pts(n.left)) expect(p[n.dim]!).toBeLessThanOrEqual(n.value);
  for (const p of pts(n.right)) expect(p[n.dim]!).toBeGreaterThan(n.value);
  check(n.left, dim, out);
  check(n.right, dim, out);
  return out;
}

describe('random cut tree', () => {
  it('scores a point by hand: two points 0 and 1, query 3, 0.5 and 0', () => {
    const t = new RandomCutTree(1, new Random(3));
    t.insert(Float64Array.of(0));
    t.insert(Float64Array.of(1));
    // Query 3: it ends at leaf 1 (depth 1): 1/(1+1) = 1/2. Root box [0,1] extended to [0,3]: P = 2/3, so
    // 2/3·1/(0+1) + 1/3·1/2 = 5/6, times log2(2+1).
    const far = t.attribution(Float64Array.of(3));
    expect(far.score).toBeCloseTo((5 / 6) * Math.log2(3), 12);
    expect(far.high[0]).toBeCloseTo(far.score, 12);
    expect(far.low[0]).toBe(0);
    // Query 0.5: a new point at depth 1 inside the root's box: 1/2, carried up unchanged.
    expect(t.attribution(Float64Array.of(0.5)).score).toBeCloseTo(0.5 * Math.log2(3), 12);
    // Query 0, equal to a leaf of mass 1 at depth 1: (1 − 1/(2·2)) / (1 + log2(1+1)) = 0.75/2.
    expect(t.attribution(Float64Array.of(0)).score).toBeCloseTo(0.375 * Math.log2(3), 12);
    // Query -1: below; all of it is `low`.
    const below = t.attribution(Float64Array.of(-1));
    expect(below.low[0]).toBeCloseTo(below.score, 12);
    expect(below.score).toBeCloseTo((1 / 2 + (1 / 2) * (1 / 2)) * Math.log2(3), 12);
  });

  it('keeps boxes, masses, cuts and its point multiset right through 3,000 random inserts and deletes', () => {
    const rng = new Random(42);
    const dim = 3;
    const t = new RandomCutTree(dim, rng.fork(1));
    const held: Float64Array[] = [];
    const expected = new Map<string, number>();
    const bump = (p: Float64Array, by: number) => {
      const k = [...p].join(',');
      const v = (expected.get(k) ?? 0) + by;
      if (v === 0) expected.delete(k);
      else expected.set(k, v);
    };
    for (let step = 0; step < 3000; step++) {
      if (held.length > 0 && rng.chance(held.length > 60 ? 0.6 : 0.3)) {
        const i = rng.int(0, held.length - 1);
        const p = held[i]!;
        held.splice(i, 1);
        t.delete(p);
        bump(p, -1);
      } else {
        // Small integer grid: many duplicates, ties on single dimensions.
        const p = Float64Array.of(rng.int(0, 5), rng.int(0, 5), rng.int(-2, 2) / 2);
        held.push(p);
        t.insert(p);
        bump(p, 1);
      }
      if (step % 150 === 0 || step > 2990) {
        expect(t.mass).toBe(held.length);
        expect(check(t.root, dim)).toEqual(expected);
      }
    }
    for (const p of held) t.delete(p);
    expect(t.root).toBeUndefined();
  });

  it('refuses to delete a point it does not hold', () => {
    const t = new RandomCutTree(2, new Random(1));
    t.insert(Float64Array.of(1, 2));
    expect(() => t.delete(Float64Array.of(2, 1))).toThrow(/not in the tree/);
  });
});

/**
 * χ² statistic of how often each of B equal bins of a stream ends up in a k-sample over R runs. Under uniform
 * sampling with replacement it is χ²(B−1); without replacement (a reservoir) the bin counts vary less (by the
 * finite-population factor (N−k)/(N−1)), so χ²(B−1) quantiles are a conservative bound.
 */
function reservoirChi2(lambda: number, seed: number): number {
  const N = 1000;
  const k = 100;
  const B = 20;
  const R = 200;
  const counts = new Array<number>(B).fill(0);
  const master = new Random(seed);
  for (let r = 0; r < R; r++) {
    const s = new DecayedReservoir<number>(k, lambda, master.fork(r));
    for (let t = 0; t < N; t++) s.offer(t, t);
    expect(s.size).toBe(k);
    for (const item of s.sample) counts[Math.floor(item / (N / B))]!++;
  }
  const e = (R * k) / B;
  return counts.reduce((sum, o) => sum + (o - e) ** 2 / e, 0);
}

describe('time-decayed reservoir', () => {
  // χ²(19) 0.999 quantile (statistical tables): 43.82. A correct sampler fails this once in 1,000 seeds.
  const CHI2_19_999 = 43.82;

  it('with λ = 0 keeps a uniform sample of the stream (χ² over 20 bins of time, 200 runs, seed 11)', () => {
    expect(reservoirChi2(0, 11)).toBeLessThan(CHI2_19_999);
  });

  it('with λ > 0 favours recent points (the same χ² test rejects uniformity)', () => {
    // λ = 1/100 over 1,000 points: the oldest bins are almost never kept.
    expect(reservoirChi2(1 / 100, 11)).toBeGreaterThan(10 * CHI2_19_999);
  });

  it('each forest tree holds exactly its reservoir (insertion and deletion follow the sampler)', () => {
    const f = new RandomCutForest({ dimensions: 2, trees: 5, sampleSize: 32, seed: 5 });
    const rng = new Random(9);
    for (let i = 0; i < 500; i++) f.update([rng.int(0, 9), rng.normal(0, 1)]);
    for (const t of f.treeList) {
      expect(t.mass).toBe(32);
      const leaves = new Map(t.leaves().map((l) => [[...l.point].join(','), l.mass]));
      expect(check(t.root, 2)).toEqual(leaves);
    }
  });
});

function cluster(rng: Random, n: number, dim: number): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: dim }, () => rng.normal(10, 1)));
}

describe('random cut forest', () => {
  it('gives identical scores for the same seed and stream, and other scores for another seed', () => {
    const run = (seed: number) => {
      const f = new RandomCutForest({ dimensions: 3, seed });
      const rng = new Random(1);
      const out: (number | undefined)[] = [];
      for (const p of cluster(rng, 300, 3)) out.push(f.update(p)?.score);
      return out;
    };
    const a = run(7);
    expect(run(7)).toEqual(a);
    expect(a.filter((s) => s !== undefined)).toHaveLength(300 - 64);
    expect(run(8)).not.toEqual(a);
  });

  it('scores an isolated point higher than one in the dense middle', () => {
    const f = new RandomCutForest({ dimensions: 3, seed: 3 });
    for (const p of cluster(new Random(2), 600, 3)) f.update(p);
    const dense = f.score([10, 10, 10])!.score;
    const isolated = f.score([10, 10, 25])!.score;
    const far = f.score([30, 30, 30])!.score;
    expect(isolated).toBeGreaterThan(2 * dense);
    expect(far).toBeGreaterThan(isolated);
  });

  it('attributes the score to the dimension that changed, and to its direction', () => {
    const f = new RandomCutForest({ dimensions: 6, seed: 4 });
    for (const p of cluster(new Random(3), 400, 6)) f.update(p);
    const up = f.score([10, 10, 10, 30, 10, 10])!;
    const top = up.attribution.indexOf(Math.max(...up.attribution));
    expect(top).toBe(3);
    expect(up.attribution[3]!).toBeGreaterThan(0.7 * up.score);
    expect(up.high[3]!).toBeCloseTo(up.attribution[3]!, 12); // above everything seen: all of it is `high`
    expect(up.attribution.reduce((a, b) => a + b, 0)).toBeCloseTo(up.score, 10);
    const down = f.score([10, -10, 10, 10, 10, 10])!;
    expect(down.attribution.indexOf(Math.max(...down.attribution))).toBe(1);
    expect(down.high[1]!).toBeLessThan(0.05 * down.attribution[1]!);
  });

  it('gives no score before outputAfter points (64 by default), then one for every point', () => {
    const f = new RandomCutForest({ dimensions: 2, seed: 1 });
    expect(f.outputAfter).toBe(64);
    expect(f.timeDecay).toBe(1 / 2560);
    expect(f.trees).toBe(50);
    const pts = cluster(new Random(4), 70, 2);
    for (let i = 0; i < 64; i++) expect(f.update(pts[i]!)).toBeUndefined();
    expect(f.update(pts[64]!)).toBeDefined();
    // With shingles of 4, the first shingle is complete at the 4th point: 3 + 64 points without a score.
    const g = new RandomCutForest({ dimensions: 2, shingleSize: 4, seed: 1 });
    const out = pts.map((p) => g.update(p));
    expect(out.findIndex((s) => s !== undefined)).toBe(3 + 64);
    expect(g.score([0, 0])).toBeDefined();
  });

  it('finds a break in a shingled series that no single point shows', () => {
    // A square wave 0,0,0,0,10,10,10,10...: every value is common, but 0 after 4 tens and then 10 at once is
    // not; with shingles of 8 the broken rhythm scores higher than the usual one.
    const f = new RandomCutForest({ dimensions: 1, shingleSize: 8, seed: 2, timeDecay: 0 });
    const wave = (i: number) => (Math.floor(i / 4) % 2 === 0 ? 0 : 10);
    let i = 0;
    for (; i < 600; i++) f.update([wave(i)]);
    const usual = f.score([wave(i)])!.score;
    // i = 600 is at the start of a run of 0s (600/4 = 150, even): 10 there breaks the rhythm.
    const broken = f.score([10 - wave(i)])!.score;
    expect(broken).toBeGreaterThan(2 * usual);
  });

  it('refuses points of the wrong width or with non-finite values', () => {
    const f = new RandomCutForest({ dimensions: 2 });
    expect(() => f.update([1])).toThrow(/dimensions/);
    expect(() => f.update([1, Number.NaN])).toThrow(/non-finite/);
    expect(() => new RandomCutForest({ dimensions: 0 })).toThrow(/dimensions/);
  });
});

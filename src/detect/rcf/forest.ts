// A Random Cut Forest over a stream: trees each fed by its own time-decayed reservoir, optional shingling, AWS's
// published defaults, the score of a point before it is learnt and that score's split per input dimension.

import { hash32, Random } from '../../simulate/random.js';
import { DecayedReservoir } from './sampler.js';
import { type Attribution, RandomCutTree } from './tree.js';

/** Options; the defaults are those of AWS's random-cut-forest-by-aws (3.x). */
export interface ForestOptions {
  /** Dimensions of an input point. */
  readonly dimensions: number;
  /** Trees (default 50). */
  readonly trees?: number;
  /** Points each tree's sample holds (default 256). */
  readonly sampleSize?: number;
  /** λ of the reservoirs (default 1/(10·sampleSize)); 0 keeps a uniform sample of the whole stream. */
  readonly timeDecay?: number;
  /** Points learnt before scores are given (default max(1, ⌊sampleSize/4⌋) = 64). */
  readonly outputAfter?: number;
  /** Consecutive input points joined into one (default 1: no shingling). */
  readonly shingleSize?: number;
  /** Seed of every random choice (default 0): the same seed and stream give the same scores. */
  readonly seed?: number;
}

/** A score and its split per input dimension (summed over the shingle's positions). */
export interface ForestScore {
  readonly score: number;
  /** Contribution of each input dimension; they add up to `score`. */
  readonly attribution: readonly number[];
  /** The part of each dimension's contribution from being above what was seen (the rest is from below). */
  readonly high: readonly number[];
}

export const DEFAULT_TREES = 50;
export const DEFAULT_SAMPLE_SIZE = 256;

/**
 * A streaming Random Cut Forest.
 *
 * @example
 * const f = new RandomCutForest({ dimensions: 2, seed: 7 });
 * for (const p of points) { const s = f.update(p); if (s) console.log(s.score); }
 */
export class RandomCutForest {
  readonly dimensions: number;
  readonly trees: number;
  readonly sampleSize: number;
  readonly timeDecay: number;
  readonly outputAfter: number;
  readonly shingleSize: number;
  private readonly forest: RandomCutTree[] = [];
  private readonly samplers: DecayedReservoir<Float64Array>[] = [];
  private readonly recent: number[][] = [];
  private learnt = 0;
  private readonly scratch: Attribution;

  constructor(o: ForestOptions) {
    this.dimensions = o.dimensions;
    this.trees = o.trees ?? DEFAULT_TREES;
    this.sampleSize = o.sampleSize ?? DEFAULT_SAMPLE_SIZE;
    this.timeDecay = o.timeDecay ?? 1 / (10 * this.sampleSize);
    this.outputAfter = o.outputAfter ?? Math.max(1, Math.floor(0.25 * this.sampleSize));
    this.shingleSize = o.shingleSize ?? 1;
    for (const [name, v] of [
      ['dimensions', this.dimensions],
      ['trees', this.trees],
      ['sampleSize', this.sampleSize],
      ['shingleSize', this.shingleSize],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
    }
    if (!Number.isInteger(this.outputAfter) || this.outputAfter < 0)
      throw new RangeError(`outputAfter must be 0 or a positive integer, got ${this.outputAfter}`);
    if (!(this.timeDecay >= 0)) throw new RangeError(`timeDecay must be 0 or more, got ${this.timeDecay}`);
    const seed = o.seed ?? 0;
    const width = this.dimensions * this.shingleSize;
    for (let i = 0; i < this.trees; i++) {
      this.forest.push(new RandomCutTree(width, new Random(hash32(seed, i, 1))));
      this.samplers.push(
        new DecayedReservoir(this.sampleSize, this.timeDecay, new Random(hash32(seed, i, 2))),
      );
    }
    this.scratch = { score: 0, high: new Float64Array(width), low: new Float64Array(width) };
  }

  /** Points learnt so far (shingles, once the first is complete). */
  get seen(): number {
    return this.learnt;
  }

  /** True once `outputAfter` points have been learnt: update() then returns scores. */
  get ready(): boolean {
    return this.learnt >= this.outputAfter;
  }

  /** The trees (for tests of their invariants). */
  get treeList(): readonly RandomCutTree[] {
    return this.forest;
  }

  /**
   * Scores the point against what the forest has learnt (undefined before `outputAfter` points, or while the
   * first shingle is incomplete), then learns it.
   */
  update(point: readonly number[]): ForestScore | undefined {
    const full = this.shingle(point);
    if (full === undefined) return undefined;
    const out = this.ready ? this.scoreShingle(full) : undefined;
    const t = this.learnt++;
    for (let i = 0; i < this.trees; i++) {
      const offer = this.samplers[i]!.offer(full, t);
      if (offer.evicted !== undefined) this.forest[i]!.delete(offer.evicted);
      if (offer.accepted) this.forest[i]!.insert(full);
    }
    return out;
  }

  /** The point's score without learning it (the current shingle extended by it), or undefined when not ready. */
  score(point: readonly number[]): ForestScore | undefined {
    if (!this.ready) return undefined;
    const kept = this.recent.slice();
    const full = this.shingle(point);
    this.recent.splice(0, this.recent.length, ...kept);
    return full === undefined ? undefined : this.scoreShingle(full);
  }

  private shingle(point: readonly number[]): Float64Array | undefined {
    if (point.length !== this.dimensions)
      throw new RangeError(`point has ${point.length} dimensions, the forest ${this.dimensions}`);
    for (const v of point) if (!Number.isFinite(v)) throw new RangeError(`point has a non-finite value ${v}`);
    this.recent.push([...point]);
    if (this.recent.length > this.shingleSize) this.recent.shift();
    if (this.recent.length < this.shingleSize) return undefined;
    return Float64Array.from(this.recent.flat());
  }

  private scoreShingle(full: Float64Array): ForestScore {
    const d = this.dimensions;
    const high = new Array<number>(d).fill(0);
    const low = new Array<number>(d).fill(0);
    let score = 0;
    for (const tree of this.forest) {
      const a = tree.attribution(full, this.scratch);
      score += a.score;
      for (let j = 0; j < full.length; j++) {
        high[j % d]! += a.high[j]!;
        low[j % d]! += a.low[j]!;
      }
    }
    const n = this.trees;
    return {
      score: score / n,
      attribution: high.map((h, i) => (h + low[i]!) / n),
      high: high.map((h) => h / n),
    };
  }
}

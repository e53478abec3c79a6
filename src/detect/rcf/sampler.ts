// A time-decayed weighted reservoir (as AWS's stream sampler): each candidate gets the key −λ·t + log(−log(U)/w)
// and the sample keeps the `capacity` lowest keys. λ = 0 is plain reservoir sampling (a uniform sample of the
// stream so far); λ > 0 favours recent points, an old one surviving about 1/λ points past being expected.

import type { Random } from '../../simulate/random.js';

/** What offering a point did to the sample. */
export interface Offer<T> {
  readonly accepted: boolean;
  /** The point the sample let go to make room, if any. */
  readonly evicted?: T;
}

/**
 * A bounded sample of a stream, kept in a max-heap of keys (the root is the first to go).
 *
 * @example const s = new DecayedReservoir<number>(2, 0, new Random(1)); s.offer(7, 0); s.size // 1
 */
export class DecayedReservoir<T> {
  private readonly keys: number[] = [];
  private readonly items: T[] = [];

  constructor(
    readonly capacity: number,
    readonly lambda: number,
    private readonly rng: Random,
  ) {
    if (!(capacity >= 1) || !Number.isInteger(capacity))
      throw new Error('capacity must be a positive integer');
    if (!(lambda >= 0)) throw new Error('lambda must be 0 or more');
  }

  get size(): number {
    return this.items.length;
  }

  /** The points held (in heap order). */
  get sample(): readonly T[] {
    return this.items;
  }

  /**
   * Offers the point of sequence index `t` (and sampling weight `w`, default 1): accepted while the sample is not
   * full, else when its key is below the highest key held, whose point is evicted.
   */
  offer(item: T, t: number, w = 1): Offer<T> {
    // 1 − U lies in (0, 1], so −log(1 − U) is finite; a zero (U = 0) gives −Infinity, the lowest key, still valid.
    const key = -this.lambda * t + Math.log(-Math.log(1 - this.rng.next()) / w);
    if (this.items.length < this.capacity) {
      this.keys.push(key);
      this.items.push(item);
      this.up(this.items.length - 1);
      return { accepted: true };
    }
    if (!(key < this.keys[0]!)) return { accepted: false };
    const evicted = this.items[0]!;
    this.keys[0] = key;
    this.items[0] = item;
    this.down(0);
    return { accepted: true, evicted };
  }

  private swap(i: number, j: number): void {
    const k = this.keys[i]!;
    this.keys[i] = this.keys[j]!;
    this.keys[j] = k;
    const it = this.items[i]!;
    this.items[i] = this.items[j]!;
    this.items[j] = it;
  }

  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.keys[p]! >= this.keys[i]!) return;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const n = this.keys.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.keys[l]! > this.keys[m]!) m = l;
      if (r < n && this.keys[r]! > this.keys[m]!) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}

// Seeded pseudo-random numbers (mulberry32), so a simulated corpus is reproducible byte for byte from its seed.

/**
 * Mixes integers into one well-spread unsigned 32-bit hash (murmur3 finalizer over each part).
 * Used to derive independent streams and stable file-name suffixes from a seed.
 *
 * @example hash32(1, 0).toString(16).padStart(8, '0') // the same 8 hex digits on every run
 */
export function hash32(...parts: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    // Fold numbers beyond 32 bits (seeds, unix seconds) in two halves.
    const lo = p >>> 0;
    const hi = Math.floor(p / 4294967296) >>> 0;
    for (const w of [lo, hi]) {
      h = Math.imul(h ^ w, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
    }
  }
  return h >>> 0;
}

/**
 * A small, fast, seeded pseudo-random generator (mulberry32). Deterministic, not cryptographic.
 *
 * @example new Random(1).int(1, 6) // the same die roll on every run
 */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = hash32(seed) | 0;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A uniform integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A uniformly chosen element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** An index in [0, n) skewed towards 0 (a few heavy hitters, a long tail), as with client popularity. */
  skewed(n: number, power = 3): number {
    return Math.floor(this.next() ** power * n);
  }

  /** A normally distributed value (Box–Muller). */
  normal(mean: number, sd: number): number {
    const u = 1 - this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** A log-normally distributed integer with the given median, clamped to [min, max]. */
  logNormal(median: number, sigma: number, min: number, max: number): number {
    const v = Math.round(median * Math.exp(this.normal(0, sigma)));
    return Math.min(Math.max(v, min), max);
  }

  /** `n` lowercase hex digits. */
  hex(n: number): string {
    let s = '';
    while (s.length < n) s += ((this.next() * 4294967296) >>> 0).toString(16).padStart(8, '0');
    return s.slice(0, n);
  }

  /** An independent generator for a sub-purpose, derived from this one's next output and a label. */
  fork(label: number): Random {
    return new Random(hash32(this.next() * 4294967296, label));
  }
}

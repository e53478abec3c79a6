// Sorted, disjoint, inclusive ranges with a value each, searched by binary search: the lookup structure of the
// enrichment data (ASN, country, AWS ranges). Most-specific-prefix choices are made before building one.

/** Ranges over bigint keys (IPv6, or the unified key space of ip-range.ts). */
export class RangeTable<T> {
  private constructor(
    private readonly starts: readonly bigint[],
    private readonly ends: readonly bigint[],
    private readonly values: readonly T[],
  ) {}

  /** Builds a table from ranges that do not overlap (sorted here). */
  static of<T>(ranges: readonly { lo: bigint; hi: bigint; value: T }[]): RangeTable<T> {
    const sorted = [...ranges].sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
    return new RangeTable(
      sorted.map((r) => r.lo),
      sorted.map((r) => r.hi),
      sorted.map((r) => r.value),
    );
  }

  get size(): number {
    return this.starts.length;
  }

  /** The value of the range holding `key`, or undefined. */
  find(key: bigint): T | undefined {
    let lo = 0;
    let hi = this.starts.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! <= key) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return at >= 0 && key <= this.ends[at]! ? this.values[at] : undefined;
  }
}

/** Ranges over IPv4 numbers (0 to 2^32 - 1) in typed arrays: compact for hundreds of thousands of ranges. */
export class V4RangeTable {
  constructor(
    private readonly starts: Float64Array,
    private readonly ends: Float64Array,
    /** Index into the caller's values, per range. */
    readonly slots: Uint32Array,
  ) {}

  get size(): number {
    return this.starts.length;
  }

  /** The slot of the range holding `n`, or -1. */
  find(n: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! <= n) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return at >= 0 && n <= this.ends[at]! ? this.slots[at]! : -1;
  }
}

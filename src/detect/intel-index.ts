// Threat-intelligence indicators held in memory for the in-memory backend of `kind: intel` detections: the same
// answer as the store's matcher (src/storage/intel.ts, intelMatchSql) — an address is listed when an indicator's
// key range covers it and the indicator is valid at the record's event time.

import type { Indicator } from '../enrich/indicator.js';
import { addressKeyOf, V4_BASE } from '../enrich/ip-range.js';

/** Indicators sorted by range start, for "is this address listed at time t?". */
export class IntelIndex {
  private readonly items: readonly Indicator[];
  /** Largest `hi` of items[0..i] (so a search can stop early). */
  private readonly maxHi: readonly bigint[];

  constructor(indicators: readonly Indicator[]) {
    this.items = [...indicators].sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
    let m = -1n;
    this.maxHi = this.items.map((i) => {
      if (i.hi > m) m = i.hi;
      return m;
    });
  }

  get size(): number {
    return this.items.length;
  }

  /**
   * True when some indicator valid at `t` (valid_from ≤ t < valid_until) covers the address.
   *
   * @example new IntelIndex(parsePlainList('10.0.0.0/8').indicators).listed('10.1.2.3', 0) // true
   */
  listed(address: string, t: number): boolean {
    const k = addressKeyOf(address);
    if (k === undefined) return false;
    // last item with lo ≤ k
    let lo = 0;
    let hi = this.items.length - 1;
    let last = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.items[mid]!.lo <= k) {
        last = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    for (let i = last; i >= 0 && this.maxHi[i]! >= k; i--) {
      const x = this.items[i]!;
      if (x.hi < k) continue;
      if (x.validFrom !== undefined && t < x.validFrom) continue;
      if (x.validUntil !== undefined && t >= x.validUntil) continue;
      return true;
    }
    return false;
  }
}

/**
 * The CIDR blocks exactly covering an indicator's key range (a feed's `a-b` range may need several), as text —
 * for backends that test membership with CIDR predicates (Trino).
 *
 * @example rangeCidrs(V4_BASE + 0x0a000000n, V4_BASE + 0x0a0000ffn, false) // ['10.0.0.0/24']
 */
export function rangeCidrs(lo: bigint, hi: bigint, v6: boolean): string[] {
  const width = v6 ? 128 : 32;
  const base = v6 ? 0n : V4_BASE;
  let a = lo - base;
  const b = hi - base;
  const out: string[] = [];
  while (a <= b) {
    let size = 0;
    while (
      size < width &&
      (a & ((1n << BigInt(size + 1)) - 1n)) === 0n &&
      a + (1n << BigInt(size + 1)) - 1n <= b
    )
      size++;
    out.push(`${addressText(a, v6)}/${width - size}`);
    a += 1n << BigInt(size);
  }
  return out;
}

function addressText(n: bigint, v6: boolean): string {
  if (!v6) return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  return groups.join(':');
}

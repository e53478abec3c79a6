// Address texts matched against indicator ranges in memory, for a retro hunt over many distinct addresses: the
// disjoint segments of src/enrich/segments.ts searched by binary search (IPv4 as plain numbers in Float64Arrays,
// everything else as bigint), and the address-text → key rule of the store's SQL (src/storage/intel.ts,
// addressKeySql) for the spellings it can decide; other spellings are left to that SQL.

import { type IdRange, segmentsOf } from './segments.js';

/** An indicator as the index needs it: its range, and whether it has a validity window. */
export interface IndexedIndicator extends IdRange {
  /** valid_from or valid_until set (a STIX window): kept as a candidate whatever its size. */
  readonly timed: boolean;
}

/**
 * A matched address's candidate indicators, as the SQL matcher's `cands` has them: every timed indicator
 * covering it, and of those valid at all times only the most specific (smallest range; ties: lowest id);
 * `always` counts the ones valid at all times.
 */
export interface Candidates {
  readonly ids: readonly number[];
  readonly always: number;
}

const V4_BASE = 0xffff_0000_0000n;
const V4_TOP = V4_BASE + 0xffff_ffffn;
const V4_BASE_N = Number(V4_BASE);
const HEX_GROUPS = /^[0-9a-fA-F]{1,4}(:[0-9a-fA-F]{1,4})*$/;

/**
 * The IPv4 value of text[start, end) when it is four dot-separated runs of 1-3 digits: a number, or null when an
 * octet is above 255 (the SQL rule then gives no key); undefined for any other text.
 */
export function dottedQuadAt(text: string, start: number, end: number): number | null | undefined {
  let n = 0;
  let oct = 0;
  let digits = 0;
  let dots = 0;
  let over = false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++digits > 3) return undefined;
      oct = oct * 10 + (c - 48);
    } else if (c === 46) {
      if (digits === 0 || dots === 3) return undefined;
      if (oct > 255) over = true;
      n = n * 256 + oct;
      oct = 0;
      digits = 0;
      dots++;
    } else return undefined;
  }
  if (dots !== 3 || digits === 0) return undefined;
  if (oct > 255 || over) return null;
  return n * 256 + oct;
}

/**
 * The key of an address text by the rule of addressKeySql: a number (the IPv4 value; key V4_BASE + n) for a
 * dotted quad, a bigint for hex-group IPv6, null when the SQL rule gives no key, undefined for spellings this
 * function does not decide (padded octets, embedded dotted tails, stray colons...): ask the SQL.
 *
 * @example addressKeyText('1.2.3.4') // 0x01020304
 * @example addressKeyText('2001:db8::1') // 0x20010db8000000000000000000000001n
 */
export function addressKeyText(a: string): number | bigint | null | undefined {
  const v4 = dottedQuadAt(a, 0, a.length);
  if (v4 !== undefined) return v4;
  if (!a.includes(':') || a.includes('.') || a.includes(':::')) return undefined;
  const halves = a.split('::');
  if (halves.length > 2) return null; // a LIKE '%::%::%': no key
  const side = (h: string): string[] | undefined =>
    h === '' ? [] : HEX_GROUPS.test(h) ? h.split(':') : undefined;
  const l = side(halves[0]!);
  const r = halves.length === 2 ? side(halves[1]!) : [];
  if (l === undefined || r === undefined) return undefined;
  const groups =
    halves.length === 2 ? [...l, ...Array<string>(Math.max(0, 8 - l.length - r.length)).fill('0'), ...r] : l;
  if (groups.length !== 8) return null;
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(Number.parseInt(g, 16));
  return n;
}

/** Disjoint segments of plain-number ranges (the IPv4 part), as segmentsOf cuts bigint ones. */
function numberSegments(items: readonly { id: number; lo: number; hi: number }[]): {
  lo: number[];
  hi: number[];
  members: number[][];
} {
  const n = items.length;
  const at = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    at[i] = items[i]!.lo;
    at[n + i] = items[i]!.hi + 1;
  }
  // The events in order of position. Below 2^19 indicators each event packs as position * 2^20 + event number
  // (exact in a double: positions are at most 2^32, so this stays below 2^53) and sorts without a comparator:
  // building the index of 100k indicators took 0.20-0.28 CPU-s with the comparator sort, 0.15-0.20 without.
  let order: Uint32Array;
  if (2 * n < 2 ** 20) {
    const packed = new Float64Array(2 * n);
    for (let i = 0; i < 2 * n; i++) packed[i] = at[i]! * 2 ** 20 + i;
    packed.sort();
    order = new Uint32Array(2 * n);
    for (let i = 0; i < 2 * n; i++) order[i] = packed[i]! % 2 ** 20;
  } else order = Uint32Array.from({ length: 2 * n }, (_, i) => i).sort((a, b) => at[a]! - at[b]!);
  const active = new Map<number, number>();
  const out = { lo: [] as number[], hi: [] as number[], members: [] as number[][] };
  let e = 0;
  while (e < order.length) {
    const x = at[order[e]!]!;
    for (; e < order.length && at[order[e]!] === x; e++) {
      const k = order[e]!;
      const id = items[k < n ? k : k - n]!.id;
      const c = (active.get(id) ?? 0) + (k < n ? 1 : -1);
      if (c === 0) active.delete(id);
      else active.set(id, c);
    }
    if (active.size > 0 && e < order.length) {
      out.lo.push(x);
      out.hi.push(at[order[e]!]! - 1);
      out.members.push(active.size === 1 ? [...active.keys()] : [...active.keys()].sort((a, b) => a - b));
    }
  }
  return out;
}

function lastAtOrBelow<T extends number | bigint>(lo: ArrayLike<T>, k: T): number {
  let a = 0;
  let b = lo.length - 1;
  let last = -1;
  while (a <= b) {
    const mid = (a + b) >> 1;
    if (lo[mid]! <= k) {
      last = mid;
      a = mid + 1;
    } else b = mid - 1;
  }
  return last;
}

/** Disjoint segments of indicator ranges, searchable by address key. */
export class SegmentIndex {
  /** Segments in the IPv4-mapped block (clipped to it), as IPv4 numbers; segment number = position. */
  private readonly lo4: Float64Array;
  private readonly hi4: Float64Array;
  /** Segments (or parts of them) outside that block, as keys; segment number = n4 + position. */
  private readonly lo6: readonly bigint[];
  private readonly hi6: readonly bigint[];
  private readonly members: readonly (readonly number[])[];
  private readonly byId: Map<number, IndexedIndicator>;
  private readonly cands = new Map<number, Candidates>();
  /**
   * For each /16 block b of IPv4 (and b = 65536): how many IPv4 segments start below it, so a lookup searches
   * only the segments of its block (about 1.5 of them for 100k indicators, against 17 steps over all).
   */
  private readonly below4: Uint32Array;

  constructor(indicators: readonly IndexedIndicator[]) {
    this.byId = new Map(indicators.map((i) => [i.id, i]));
    const inV4 = (i: IdRange) => i.lo >= V4_BASE && i.hi <= V4_TOP;
    const others = indicators.filter((i) => !inV4(i));
    if (others.every((i) => i.hi < V4_BASE || i.lo > V4_TOP)) {
      // The usual case: IPv4 indicators are cut as plain numbers, the rest (no IPv4 key inside) as bigint.
      const v4 = numberSegments(
        indicators
          .filter(inV4)
          // Number(key) - base, not Number(key - base): no bigint made per indicator (keys < 2^49 are exact).
          .map((i) => ({ id: i.id, lo: Number(i.lo) - V4_BASE_N, hi: Number(i.hi) - V4_BASE_N })),
      );
      const rest = segmentsOf(others);
      this.lo4 = Float64Array.from(v4.lo);
      this.hi4 = Float64Array.from(v4.hi);
      this.lo6 = rest.map((s) => s.lo);
      this.hi6 = rest.map((s) => s.hi);
      this.members = [...v4.members, ...rest.map((s) => s.members)];
    } else {
      // An IPv6 range reaching into the IPv4-mapped block (::ffff:0:0/96, ::/0): cut everything as bigint, and
      // keep the IPv4 part of each segment again as numbers.
      const all = segmentsOf(indicators);
      const v4 = all.filter((s) => s.hi >= V4_BASE && s.lo <= V4_TOP);
      this.lo4 = Float64Array.from(v4, (s) => Number((s.lo < V4_BASE ? V4_BASE : s.lo) - V4_BASE));
      this.hi4 = Float64Array.from(v4, (s) => Number((s.hi > V4_TOP ? V4_TOP : s.hi) - V4_BASE));
      this.lo6 = all.map((s) => s.lo);
      this.hi6 = all.map((s) => s.hi);
      this.members = [...v4.map((s) => s.members), ...all.map((s) => s.members)];
    }
    this.below4 = new Uint32Array(65537);
    let i = 0;
    for (let b = 0; b <= 65536; b++) {
      while (i < this.lo4.length && this.lo4[i]! < b * 65536) i++;
      this.below4[b] = i;
    }
  }

  /**
   * The segment holding a key (a number: an IPv4 value; a bigint: a full key), or -1.
   *
   * @example new SegmentIndex([{ id: 1, lo: 0xffff0a000000n, hi: 0xffff0affffffn, timed: false }]).segmentOf(0x0a000001) // 0
   */
  segmentOf(k: number | bigint): number {
    if (typeof k === 'bigint') {
      if (k >= V4_BASE && k <= V4_TOP) return this.segmentOf(Number(k - V4_BASE));
      const i = lastAtOrBelow(this.lo6, k);
      return i >= 0 && this.hi6[i]! >= k ? this.lo4.length + i : -1;
    }
    // The last segment starting at or below k starts in k's /16 block, or is the last one before it.
    const b = Math.floor(k / 65536);
    if (!(b >= 0 && b < 65536)) return -1;
    let i = this.below4[b]! - 1;
    let hi = this.below4[b + 1]! - 1;
    while (i < hi) {
      const mid = (i + hi + 1) >> 1;
      if (this.lo4[mid]! <= k) i = mid;
      else hi = mid - 1;
    }
    return i >= 0 && this.hi4[i]! >= k ? i : -1;
  }

  /** The candidate indicators of a segment (see Candidates). */
  candidates(segment: number): Candidates {
    const known = this.cands.get(segment);
    if (known !== undefined) return known;
    const ids: number[] = [];
    let best: IndexedIndicator | undefined;
    let always = 0;
    for (const id of this.members[segment] ?? []) {
      const i = this.byId.get(id)!;
      if (i.timed) {
        ids.push(id);
        continue;
      }
      always++;
      const span = i.hi - i.lo;
      const bestSpan = best === undefined ? undefined : best.hi - best.lo;
      if (bestSpan === undefined || span < bestSpan || (span === bestSpan && i.id < best!.id)) best = i;
    }
    if (best !== undefined) ids.push(best.id);
    const out = { ids, always };
    this.cands.set(segment, out);
    return out;
  }
}

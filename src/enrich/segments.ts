// Overlapping key ranges (nested CIDR blocks, the same block in two feeds) cut into disjoint segments, each with
// the ranges covering it: an address then falls in at most one segment, which a sorted search (DuckDB's ASOF
// join, a binary search) finds directly.

/** A range to cut, named by `id`. */
export interface IdRange {
  readonly id: number;
  readonly lo: bigint;
  readonly hi: bigint;
}

/** A disjoint segment and the ids of the ranges that cover all of it. */
export interface Segment {
  readonly lo: bigint;
  readonly hi: bigint;
  readonly members: readonly number[];
}

/**
 * Cuts `ranges` into disjoint, sorted segments covering exactly their union; every point of a segment is covered
 * by exactly the segment's members.
 *
 * @example segmentsOf([{ id: 1, lo: 0n, hi: 9n }, { id: 2, lo: 5n, hi: 5n }])
 * // [{ lo: 0n, hi: 4n, members: [1] }, { lo: 5n, hi: 5n, members: [1, 2] }, { lo: 6n, hi: 9n, members: [1] }]
 */
export function segmentsOf(ranges: readonly IdRange[]): Segment[] {
  // Events: a range opens at lo and closes after hi (at hi + 1).
  const events: { at: bigint; id: number; open: boolean }[] = [];
  for (const r of ranges) {
    events.push({ at: r.lo, id: r.id, open: true }, { at: r.hi + 1n, id: r.id, open: false });
  }
  events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const active = new Map<number, number>();
  const out: Segment[] = [];
  let i = 0;
  while (i < events.length) {
    const at = events[i]!.at;
    for (; i < events.length && events[i]!.at === at; i++) {
      const e = events[i]!;
      const n = (active.get(e.id) ?? 0) + (e.open ? 1 : -1);
      if (n === 0) active.delete(e.id);
      else active.set(e.id, n);
    }
    if (active.size > 0 && i < events.length) {
      const members = [...active.keys()].sort((a, b) => a - b);
      out.push({ lo: at, hi: events[i]!.at - 1n, members });
    }
  }
  return out;
}

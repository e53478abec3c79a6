// The in-memory backend: a detection evaluated over records held in memory (the monitor's live batches, and
// the conformance suite), with the same semantics as the SQL of to-sql.ts (see its header).

import { contains, parseAddress, parseCidr } from '../network/address.js';
import { type BeaconFigures, type BeaconPair, beaconHit, STROBE_CONNECTIONS } from './beacon.js';
import type { BeaconDetection, Condition, Detection, FieldTest } from './definition.js';
import { intelRank, minThreshold } from './definition.js';
import type { IntelIndex } from './intel-index.js';
import { silenceHits } from './silence.js';
import { PEER_LIMIT } from './to-sql.js';

/** A record: catalog column names to values (missing fields null/undefined), plus its event time. */
export type DetectRecord = Readonly<Record<string, unknown>> & { readonly event_time: number };

/** One hit window of one group. */
export interface Hit {
  readonly key: readonly string[];
  /** Window start, unix seconds. */
  readonly w: number;
  readonly value: number;
  readonly records: number;
  readonly firstSeen: number;
  readonly lastSeen: number;
  /** Up to PEER_LIMIT distinct peer values in byte order. */
  readonly peers: readonly string[];
  /** Distinct peer values in the window. */
  readonly peerCount: number;
  /** Baseline detections: what the window's value is, against which baseline ("4.1 GB, 38σ above ..."). */
  readonly summary?: string;
  /** Beacon detections: the figures behind the score. */
  readonly beacon?: BeaconFigures;
}

/** The column holding an intel match's rank (SQL: `fw_rank`). */
const INTEL_RANK = 'fw_rank';

const missing = (v: unknown) => v === null || v === undefined || v === '-';

/** SQL's CAST(x AS VARCHAR) for the values a record holds. */
const text = (v: unknown) => (typeof v === 'bigint' ? v.toString() : String(v));

const cidrCache = new Map<string, ReturnType<typeof parseCidr>>();
function inCidrs(v: unknown, cidrs: readonly string[]): boolean {
  const a = parseAddress(String(v));
  if (a === undefined) return false;
  return cidrs.some((c) => {
    let p = cidrCache.get(c);
    if (p === undefined && !cidrCache.has(c)) {
      p = parseCidr(c);
      cidrCache.set(c, p);
    }
    return p !== undefined && contains(p, a);
  });
}

const same = (v: unknown, x: string | number) => (typeof x === 'number' ? Number(v) === x : String(v) === x);

/** One condition on a value; false for a missing value (SQL's NULL). */
export function holds(c: Condition, v: unknown): boolean {
  if (c.op === 'missing') return missing(v);
  if (missing(v)) return false;
  switch (c.op) {
    case 'in':
      return c.values.some((x) => same(v, x));
    case 'not_in':
      return !c.values.some((x) => same(v, x));
    case 'cmp': {
      const n = Number(v);
      return c.cmp === 'lt'
        ? n < c.value
        : c.cmp === 'lte'
          ? n <= c.value
          : c.cmp === 'gt'
            ? n > c.value
            : n >= c.value;
    }
    case 'cidr':
      return inCidrs(v, c.cidrs);
    case 'not_cidr':
      return !inCidrs(v, c.cidrs);
    case 'present':
      return true;
    default: {
      const never: never = c;
      return never;
    }
  }
}

const all = (tests: readonly FieldTest[], r: DetectRecord) => tests.every((t) => holds(t.cond, r[t.field]));

/** True when the record is in the detection's scope (filter, group fields present, not allow-listed). */
export function inScope(d: Detection, r: DetectRecord): boolean {
  if (!all(d.filter, r)) return false;
  if (d.anyOf.length > 0 && !d.anyOf.some((g) => all(g, r))) return false;
  if (d.kind !== 'intel' && d.groupBy.some((g) => missing(r[g]))) return false;
  if (d.allow.cidrs.some((a) => inCidrs(r[a.field], a.cidrs) && !missing(r[a.field]))) return false;
  if (d.allow.values.some((a) => !missing(r[a.field]) && a.values.some((x) => same(r[a.field], x))))
    return false;
  return true;
}

const windowOf = (d: Detection, t: number) => t - (t % d.window);

/**
 * The records the metric is over: in scope, and for pairs the replies with a request partner; for intel, one
 * record per side lying in a valid indicator, with the pseudo fields `host`, `known_bad` and its rank.
 */
export function matched(d: Detection, records: readonly DetectRecord[], intel?: IntelIndex): DetectRecord[] {
  const scoped = records.filter((r) => inScope(d, r));
  if (d.kind === 'intel') {
    if (intel === undefined) return [];
    const out: DetectRecord[] = [];
    for (const r of scoped) {
      const src = missing(r['pkt_srcaddr']) ? r['srcaddr'] : r['pkt_srcaddr'];
      const dst = missing(r['pkt_dstaddr']) ? r['dstaddr'] : r['pkt_dstaddr'];
      for (const [bad, host, badIsSource] of [
        [src, dst, true],
        [dst, src, false],
      ] as const) {
        if (missing(bad) || !intel.listed(String(bad), r.event_time)) continue;
        out.push({
          ...r,
          host: missing(host) ? null : text(host),
          known_bad: text(bad),
          [INTEL_RANK]: intelRank(
            r['action'],
            badIsSource,
            missing(r['srcport']) ? null : r['srcport'],
            missing(r['dstport']) ? null : r['dstport'],
          ),
        });
      }
    }
    return out;
  }
  if (d.kind !== 'pair') return scoped;
  const tuple = (r: DetectRecord, reverse: boolean) =>
    [
      r['interface_id'],
      reverse ? r['dstaddr'] : r['srcaddr'],
      reverse ? r['srcaddr'] : r['dstaddr'],
      reverse ? r['dstport'] : r['srcport'],
      reverse ? r['srcport'] : r['dstport'],
      r['protocol'],
      windowOf(d, r.event_time),
    ]
      .map((x) => (missing(x) ? '\u0000' : text(x)))
      .join('\u0001');
  const requests = new Set(scoped.filter((r) => all(d.request, r)).map((r) => tuple(r, false)));
  const hasNull = (r: DetectRecord) =>
    ['interface_id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol'].some((f) => missing(r[f]));
  return scoped.filter((r) => all(d.reply, r) && !hasNull(r) && requests.has(tuple(r, true)));
}

function metric(d: Detection, rs: readonly DetectRecord[]): number {
  if (d.kind === 'pair') return rs.length;
  if (d.kind === 'intel') return Math.max(...rs.map((r) => Number(r[INTEL_RANK])));
  if (d.kind === 'beacon') throw new Error('beacon detections have no window metric');
  if (d.kind === 'silence') throw new Error('silence detections count in silence.ts');
  if (d.kind === 'first-seen') throw new Error('first-seen detections are scored by first-seen.ts');
  const m = d.metric;
  switch (m.kind) {
    case 'count':
      return rs.length;
    case 'sum':
      return rs.reduce((s, r) => s + (missing(r[m.field]) ? 0 : Number(r[m.field])), 0);
    case 'distinct': {
      const seen = new Set<string>();
      for (const r of rs) {
        if (m.fields.some((f) => missing(r[f]))) continue;
        seen.add(m.fields.map((f) => text(r[f])).join('|'));
      }
      return seen.size;
    }
    default: {
      const never: never = m;
      return never;
    }
  }
}

/** Byte-order comparison (SQL's default collation for ASCII text). */
export const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The hit windows of a detection over records, ordered by group and window.
 *
 * @example evaluate(detection, records).map((h) => h.value)
 */
export function evaluate(d: Detection, records: readonly DetectRecord[], intel?: IntelIndex): Hit[] {
  if (d.kind === 'silence') return silenceHits(d, records);
  if (d.kind === 'beacon') {
    return beaconPairs(d, records)
      .flatMap((p) => beaconHit(d, p) ?? [])
      .sort((a, b) => compareKeys(a.key, b.key) || a.w - b.w);
  }
  const groups = new Map<string, { key: string[]; w: number; rs: DetectRecord[] }>();
  for (const r of matched(d, records, intel)) {
    if (d.groupBy.some((g) => missing(r[g]))) continue;
    const key = d.groupBy.map((g) => text(r[g]));
    const w = windowOf(d, r.event_time);
    const id = `${key.join('\u0001')}\u0002${w}`;
    let g = groups.get(id);
    if (g === undefined) {
      g = { key, w, rs: [] };
      groups.set(id, g);
    }
    g.rs.push(r);
  }
  const min = minThreshold(d.thresholds);
  const hits: Hit[] = [];
  for (const g of groups.values()) {
    const value = metric(d, g.rs);
    if (value < min) continue;
    const distinct =
      d.peers === undefined
        ? []
        : [...new Set(g.rs.flatMap((r) => (missing(r[d.peers!]) ? [] : [text(r[d.peers!])])))].sort(
            byteOrder,
          );
    const peers = distinct.slice(0, PEER_LIMIT);
    const times = g.rs.map((r) => r.event_time);
    hits.push({
      key: g.key,
      w: g.w,
      value,
      records: g.rs.length,
      firstSeen: Math.min(...times),
      lastSeen: Math.max(...times),
      peers,
      peerCount: distinct.length,
    });
  }
  return hits.sort((a, b) => compareKeys(a.key, b.key) || a.w - b.w);
}

/** Orders group keys field by field in byte order. */
export function compareKeys(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const c = byteOrder(a[i] ?? '', b[i] ?? '');
    if (c !== 0) return c;
  }
  return 0;
}

/**
 * The per-pair lists of a beacon detection, gathered from records as beaconSql gathers them (see its comment):
 * connections of each 5-tuple split where a record starts more than `gap` seconds after every earlier one
 * ended; pairs with fewer than minConnections unique timestamps or a strobe's count are left out.
 */
export function beaconPairs(d: BeaconDetection, records: readonly DetectRecord[]): BeaconPair[] {
  interface Rec {
    readonly key: string[];
    readonly sp: string;
    readonly w: number;
    readonly t: number;
    readonly e: number;
    readonly b: number;
  }
  const recs: Rec[] = matched(d, records).map((r) => ({
    key: d.groupBy.map((g) => text(r[g])),
    sp: missing(r['srcport']) ? '' : text(r['srcport']),
    w: windowOf(d, r.event_time),
    t: r.event_time,
    e: missing(r['end']) ? r.event_time : Number(r['end']),
    b: missing(r['bytes']) ? 0 : Number(r['bytes']),
  }));
  const by = <X>(m: Map<string, X[]>, id: string, x: X) => {
    const l = m.get(id);
    if (l === undefined) m.set(id, [x]);
    else l.push(x);
  };
  const tuples = new Map<string, Rec[]>();
  for (const r of recs) by(tuples, [...r.key, r.sp, r.w].join('\u0001'), r);
  const conns = new Map<string, { ts: number; size: number }[]>();
  const span = new Map<number, { lo: number; hi: number }>();
  for (const rs of tuples.values()) {
    rs.sort((a, b) => a.t - b.t || a.e - b.e);
    let end = Number.NEGATIVE_INFINITY;
    let cur: { ts: number; size: number } | undefined;
    const list: { ts: number; size: number }[] = [];
    for (const r of rs) {
      if (cur === undefined || r.t > end + d.gap) {
        cur = { ts: r.t, size: 0 };
        list.push(cur);
      }
      cur.size += r.b;
      end = Math.max(end, r.e);
    }
    const { key, w } = rs[0]!;
    for (const c of list) by(conns, [...key, w].join('\u0001'), c);
    for (const c of list) {
      const x = span.get(w);
      span.set(
        w,
        x === undefined ? { lo: c.ts, hi: c.ts } : { lo: Math.min(x.lo, c.ts), hi: Math.max(x.hi, c.ts) },
      );
    }
  }
  const everyone = new Map<number, Set<string>>();
  const shared = new Map<string, Set<string>>();
  const stats = new Map<string, { records: number; first: number; last: number; key: string[]; w: number }>();
  for (const r of recs) {
    if (!everyone.has(r.w)) everyone.set(r.w, new Set());
    everyone.get(r.w)!.add(r.key[0]!);
    const dest = [r.w, ...r.key.slice(1)].join('\u0001');
    if (!shared.has(dest)) shared.set(dest, new Set());
    shared.get(dest)!.add(r.key[0]!);
    const id = [...r.key, r.w].join('\u0001');
    const s = stats.get(id);
    if (s === undefined) stats.set(id, { records: 1, first: r.t, last: r.t, key: r.key, w: r.w });
    else
      stats.set(id, {
        ...s,
        records: s.records + 1,
        first: Math.min(s.first, r.t),
        last: Math.max(s.last, r.t),
      });
  }
  const out: BeaconPair[] = [];
  for (const [id, cs] of conns) {
    if (new Set(cs.map((c) => c.ts)).size < d.minConnections || cs.length >= STROBE_CONNECTIONS) continue;
    const s = stats.get(id)!;
    const sp = span.get(s.w)!;
    out.push({
      key: s.key,
      w: s.w,
      ts: cs.map((c) => c.ts).sort((a, b) => a - b),
      sizes: cs.map((c) => c.size).sort((a, b) => a - b),
      records: s.records,
      firstSeen: s.first,
      lastSeen: s.last,
      lo: sp.lo,
      hi: sp.hi,
      sources: shared.get([s.w, ...s.key.slice(1)].join('\u0001'))!.size,
      allSources: everyone.get(s.w)!.size,
    });
  }
  return out;
}

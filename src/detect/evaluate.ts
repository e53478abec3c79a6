// The in-memory backend: a detection evaluated over records held in memory (the monitor's live batches, and
// the conformance suite), with the same semantics as the SQL of to-sql.ts (see its header).

import { contains, parseAddress, parseCidr } from '../network/address.js';
import type { Condition, Detection, FieldTest } from './definition.js';
import { intelRank, minThreshold } from './definition.js';
import type { IntelIndex } from './intel-index.js';
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
  if (d.kind === 'threshold') return scoped;
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

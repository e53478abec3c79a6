// The `silence` kind: an interface that stopped logging while its traffic goes on, on the three backends (in
// memory for the monitor and the conformance suite, DuckDB and Trino SQL). docs/decisions/35-stopped-logging.md.
//
// Semantics shared by the backends (checked by test/detect/conformance):
//   * an interface's own address is the address (srcaddr or dstaddr) in most of its records over
//     [since − lookback, until) (in memory: all records given); ties go to the first in byte order; where the
//     format has flow-direction, an ingress record counts only its dstaddr and an egress one only its srcaddr;
//   * a window w is a hit for interface i with address a when no interface owning a (i included) wrote any
//     record in w (not even NODATA or SKIPDATA) and records in scope with srcaddr = a were written in w by
//     interfaces of i's account that do not own a: the metric counts them, the peers are their interfaces.
//
// So an idle host (no traffic, nothing for others to log), a deleted interface (its address sends nothing) and an
// address moved to a new interface (the new one owns it and logs) are not findings; a host quiet at night is not
// either, as long as it sends nothing.

import { dialectOf } from '../sql/index.js';
import type { SilenceDetection } from './definition.js';
import { minThreshold } from './definition.js';
import { byteOrder, compareKeys, type DetectRecord, type Hit, inScope } from './evaluate.js';
import { PEER_LIMIT, type SqlSource, scopeSql, sourceSql, type TimeRange } from './to-sql.js';

const missing = (v: unknown) => v === null || v === undefined || v === '-';
const text = (v: unknown) => (typeof v === 'bigint' ? v.toString() : String(v));
const acct = (r: DetectRecord) => (missing(r['account_id']) ? '' : text(r['account_id']));

/** Interface id → its own address (see the header), learned from `records`. */
export function ownAddresses(records: readonly DetectRecord[]): Map<string, { acct: string; a: string }> {
  const counts = new Map<string, Map<string, number>>();
  for (const r of records) {
    if (missing(r['interface_id'])) continue;
    const id = `${text(r['interface_id'])}\u0001${acct(r)}`;
    let m = counts.get(id);
    if (m === undefined) {
      m = new Map();
      counts.set(id, m);
    }
    const dir = missing(r['flow_direction']) ? '' : text(r['flow_direction']);
    for (const f of ['srcaddr', 'dstaddr']) {
      if (missing(r[f]) || (f === 'srcaddr' ? dir === 'ingress' : dir === 'egress')) continue;
      const a = text(r[f]);
      m.set(a, (m.get(a) ?? 0) + 1);
    }
  }
  const out = new Map<string, { acct: string; a: string }>();
  for (const [id, m] of counts) {
    let best: [string, number] | undefined;
    for (const [a, n] of m) {
      if (best === undefined || n > best[1] || (n === best[1] && byteOrder(a, best[0]) < 0)) best = [a, n];
    }
    if (best === undefined) continue;
    const [i, account] = id.split('\u0001') as [string, string];
    out.set(i, { acct: account, a: best[0] });
  }
  return out;
}

/**
 * The hit windows of a silence detection over records held in memory, ordered by interface and window.
 *
 * @example silenceHits(detection, records).map((h) => h.key[0]) // ['eni-0app1']
 */
export function silenceHits(d: SilenceDetection, records: readonly DetectRecord[]): Hit[] {
  const own = ownAddresses(records);
  const owners = new Map<string, string[]>();
  for (const [i, o] of own) {
    const k = `${o.acct}\u0001${o.a}`;
    owners.set(k, [...(owners.get(k) ?? []), i]);
  }
  const win = (t: number) => t - (t % d.window);
  const seen = new Set<string>();
  for (const r of records)
    if (!missing(r['interface_id'])) seen.add(`${text(r['interface_id'])}\u0001${win(r.event_time)}`);
  const groups = new Map<string, { key: string[]; w: number; rs: DetectRecord[] }>();
  for (const r of records) {
    if (missing(r['srcaddr']) || !inScope(d, r)) continue;
    const k = `${acct(r)}\u0001${text(r['srcaddr'])}`;
    const list = owners.get(k);
    const logger = text(r['interface_id']);
    if (list === undefined || list.includes(logger)) continue;
    const w = win(r.event_time);
    if (list.some((i) => seen.has(`${i}\u0001${w}`))) continue;
    for (const i of list) {
      const id = `${i}\u0002${w}`;
      let g = groups.get(id);
      if (g === undefined) {
        g = { key: [i], w, rs: [] };
        groups.set(id, g);
      }
      g.rs.push(r);
    }
  }
  const min = minThreshold(d.thresholds);
  const hits: Hit[] = [];
  for (const g of groups.values()) {
    if (g.rs.length < min) continue;
    const peers = [...new Set(g.rs.map((r) => text(r['interface_id'])))].sort(byteOrder);
    const times = g.rs.map((r) => r.event_time);
    hits.push({
      key: g.key,
      w: g.w,
      value: g.rs.length,
      records: g.rs.length,
      firstSeen: Math.min(...times),
      lastSeen: Math.max(...times),
      peers: peers.slice(0, PEER_LIMIT),
      peerCount: peers.length,
    });
  }
  return hits.sort((a, b) => compareKeys(a.key, b.key) || a.w - b.w);
}

/** The range widened by the lookback (the records read) and the tests of the range itself (the records judged). */
function rangeParts(d: SilenceDetection, range: TimeRange): { wide: TimeRange; inRange: string[] } {
  const wide: TimeRange = {
    ...(range.since === undefined ? {} : { since: range.since - d.lookback }),
    ...(range.until === undefined ? {} : { until: range.until }),
  };
  const inRange: string[] = [];
  if (range.since !== undefined) inRange.push(`"event_time" >= ${Math.floor(range.since)}`);
  if (range.until !== undefined) inRange.push(`"event_time" < ${Math.floor(range.until)}`);
  return { wide, inRange };
}

/** CTEs `src` … `ev`: `ev` holds the evidence records (in scope, in range) with `silent_if` and `w`. */
function evidenceCtes(src: SqlSource, d: SilenceDetection, range: TimeRange, narrow = true): string[] {
  const e = src.engine;
  const sq = dialectOf(e);
  const m = e === 'duckdb' ? ' MATERIALIZED' : '';
  const { wide, inRange } = rangeParts(d, range);
  const acctOf = (x: string) => `coalesce(${x}"account_id", '')`;
  const bucket = (x: string) => sq.epochBucket(`${x}"event_time"`, d.window);
  // The narrow records are read once (materialized); the address counts start from one GROUP BY per (interface,
  // src, dst, direction), far fewer rows than records; evidence is found by hash joins, not correlated subqueries.
  return [
    `src AS${m} (${sourceSql(src, d, wide, narrow)})`,
    `pairs AS${m} (SELECT "interface_id" AS i, ${acctOf('')} AS acct, "srcaddr" AS sa, "dstaddr" AS da, coalesce("flow_direction", '') AS dir, count(*) AS n FROM src WHERE "interface_id" IS NOT NULL GROUP BY "interface_id", ${acctOf('')}, "srcaddr", "dstaddr", coalesce("flow_direction", ''))`,
    `learn AS (SELECT i, acct, sa AS a, n FROM pairs WHERE sa IS NOT NULL AND dir <> 'ingress'
  UNION ALL SELECT i, acct, da AS a, n FROM pairs WHERE da IS NOT NULL AND dir <> 'egress')`,
    'counts AS (SELECT i, acct, a, sum(n) AS n FROM learn GROUP BY i, acct, a)',
    `own AS${m} (SELECT i, acct, a FROM (SELECT c.*, row_number() OVER (PARTITION BY i, acct ORDER BY n DESC, a) AS rn FROM counts c) x WHERE rn = 1)`,
    `seen AS${m} (SELECT DISTINCT "interface_id" AS i, ${bucket('')} AS w FROM src WHERE "interface_id" IS NOT NULL${inRange.map((c) => ` AND ${c}`).join('')})`,
    `scoped AS (SELECT * FROM src s WHERE "srcaddr" IN (SELECT a FROM own)${inRange.map((c) => ` AND ${c}`).join('')} AND ${scopeSql(e, d)})`,
    // (address, window) pairs in which an owner of the address logged: their records are no evidence
    'logged AS (SELECT DISTINCT o.a, o.acct, z.w FROM own o JOIN seen z ON z.i = o.i)',
    `ev AS${m} (SELECT s.*, o.i AS silent_if, ${bucket('s.')} AS w FROM scoped s JOIN own o ON o.a = s."srcaddr" AND o.acct = ${acctOf('s.')}
  LEFT JOIN own p ON p.a = o.a AND p.acct = o.acct AND p.i = s."interface_id"
  LEFT JOIN logged g ON g.a = o.a AND g.acct = o.acct AND g.w = ${bucket('s.')}
  WHERE p.i IS NULL AND g.a IS NULL)`,
  ];
}

/**
 * The hits query of a silence detection, with the columns and order of hitsSql (k0 = the silent interface).
 *
 * The records are read once into one aggregate per (interface, account, source, destination, direction, window,
 * in range, in scope) with their count and first and last event time; every step of evidenceCtes then runs over
 * its rows instead of the records (far fewer: 0.8M for 10M records over a day in 15-minute windows), with the same
 * joins, so the hits are those of the per-record form: counts are sums of the rows' counts, times their min and
 * max, peers the rows' interfaces. docs/decisions/62-detect-shared-aggregates.md.
 *
 * @example silenceSql({ engine: 'duckdb' }, detection, { since: 1716163200 })
 */
export function silenceSql(src: SqlSource, d: SilenceDetection, range: TimeRange): string {
  const e = src.engine;
  const sq = dialectOf(e);
  const m = e === 'duckdb' ? ' MATERIALIZED' : '';
  const { wide, inRange } = rangeParts(d, range);
  const keys = ['i', 'acct', 'sa', 'da', 'dir', 'w', 'inr', 'insc'];
  const cd = sq.countDistinct('i');
  const ctes = [
    `agg AS${m} (SELECT ${keys.join(', ')}, count(*) AS n, min("event_time") AS t0, max("event_time") AS t1 FROM (SELECT "interface_id" AS i, coalesce("account_id", '') AS acct, "srcaddr" AS sa, "dstaddr" AS da, coalesce("flow_direction", '') AS dir, ${sq.epochBucket('"event_time"', d.window)} AS w, ${inRange.length === 0 ? 'true' : `(${inRange.join(' AND ')})`} AS inr, coalesce(${scopeSql(e, d)}, false) AS insc, "event_time" FROM (${sourceSql(src, d, wide, true)}) r) x GROUP BY ${keys.join(', ')})`,
    `pairs AS${m} (SELECT i, acct, sa, da, dir, sum(n) AS n FROM agg WHERE i IS NOT NULL GROUP BY i, acct, sa, da, dir)`,
    `learn AS (SELECT i, acct, sa AS a, n FROM pairs WHERE sa IS NOT NULL AND dir <> 'ingress'
  UNION ALL SELECT i, acct, da AS a, n FROM pairs WHERE da IS NOT NULL AND dir <> 'egress')`,
    'counts AS (SELECT i, acct, a, sum(n) AS n FROM learn GROUP BY i, acct, a)',
    `own AS${m} (SELECT i, acct, a FROM (SELECT c.*, row_number() OVER (PARTITION BY i, acct ORDER BY n DESC, a) AS rn FROM counts c) x WHERE rn = 1)`,
    `seen AS${m} (SELECT DISTINCT i, w FROM agg WHERE i IS NOT NULL AND inr)`,
    'scoped AS (SELECT * FROM agg WHERE sa IN (SELECT a FROM own) AND inr AND insc)',
    'logged AS (SELECT DISTINCT o.a, o.acct, z.w FROM own o JOIN seen z ON z.i = o.i)',
    `ev AS${m} (SELECT s.i, s.w, s.n, s.t0, s.t1, o.i AS silent_if FROM scoped s JOIN own o ON o.a = s.sa AND o.acct = s.acct
  LEFT JOIN own p ON p.a = o.a AND p.acct = o.acct AND p.i = s.i
  LEFT JOIN logged g ON g.a = o.a AND g.acct = o.acct AND g.w = s.w
  WHERE p.i IS NULL AND g.a IS NULL)`,
    `hits AS (SELECT silent_if AS k0, w, sum(n) AS value, sum(n) AS records, min(t0) AS first_seen, max(t1) AS last_seen, ${cd} AS peer_count FROM ev GROUP BY silent_if, w HAVING sum(n) >= ${minThreshold(d.thresholds)})`,
    'peers AS (SELECT DISTINCT silent_if AS k0, w, i AS peer FROM ev)',
    'ranked AS (SELECT p.*, row_number() OVER (PARTITION BY k0, w ORDER BY peer) AS rn FROM peers p)',
  ];
  return `WITH ${ctes.join(',\n')}
SELECT h.k0, h.w, h.value, h.records, h.first_seen, h.last_seen, h.peer_count, p.peer AS peer FROM hits h LEFT JOIN ranked p ON p.k0 = h.k0 AND p.w = h.w AND p.rn <= ${PEER_LIMIT}
ORDER BY h.k0, h.w, peer`;
}

/** The evidence query of a silence finding: the records others logged from the interface's address. */
export function silenceEvidenceSql(
  src: SqlSource,
  d: SilenceDetection,
  key: readonly string[],
  windows: readonly number[],
): string {
  const ctes = evidenceCtes(
    src,
    d,
    { since: Math.min(...windows), until: Math.max(...windows) + d.window },
    false,
  );
  const lit = dialectOf('duckdb').string(key[0] ?? '');
  return `WITH ${ctes.join(',\n')}
SELECT * FROM ev WHERE silent_if = ${lit} AND w IN (${windows.map((w) => String(Math.trunc(w))).join(', ')})
ORDER BY "event_time"`;
}

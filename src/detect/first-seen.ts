// First-seen detections (kind `first-seen`): a host talking to a value it has not used before — a remote port,
// a destination country or autonomous system — once the store holds the learning period's history.
//
// Every backend computes the same pairs (the hits query of a threshold detection grouped by the entity and the
// observed field, one row per day: DuckDB and Trino SQL through to-sql.ts, the in-memory evaluator for the
// monitor); the scoring below — enrichment to country/ASN, first time per value, the learning rule — is shared.
// `requestsOnly` keeps only records of connections the entity started (source port above destination port: the
// ephemeral side is the higher), so the replies of a server to its clients' ephemeral ports and countries are
// not the server's own choices.

import { isoUtc as iso } from '../core/time.js';
import { Enricher } from '../enrich/enricher.js';
import { dataStartSql } from './baseline.js';
import { FIRST_SEEN_LOOKBACK_DAYS, type FirstSeenDetection, type ThresholdDetection } from './definition.js';
import { byteOrder, type DetectRecord, evaluate, type Hit } from './evaluate.js';
import { hitsSql, PEER_LIMIT, type SqlSource, type TimeRange } from './to-sql.js';

const DAY = 86_400;
/** How far before the range pairs are read: a value seen in these days before is not new. */
export const FIRST_SEEN_LOOKBACK = FIRST_SEEN_LOOKBACK_DAYS * DAY;

/** The pairs query's detection: entity and observed field grouped per day, every pair kept, no peers. */
export function pairsDetection(d: FirstSeenDetection): ThresholdDetection {
  return {
    ...d,
    kind: 'threshold',
    groupBy: [...d.groupBy, d.value.field],
    window: DAY,
    metric: { kind: 'count' },
    thresholds: { low: 1 },
    peers: undefined,
  };
}

/** The range pairs are read over: the lookback before the range, up to its end. */
export function pairsRange(range: TimeRange): TimeRange {
  return {
    since: range.since === undefined ? undefined : range.since - FIRST_SEEN_LOOKBACK,
    until: range.until,
  };
}

/**
 * The source of the pairs query: for `requestsOnly`, records whose source port is above their destination
 * port (DuckDB: a relation over `flows`; Trino: an extra predicate on the table).
 */
export function pairsSource(src: SqlSource, d: FirstSeenDetection): SqlSource {
  if (!d.requestsOnly) return src;
  if (src.engine === 'duckdb')
    return {
      ...src,
      relation: `(SELECT * FROM ${src.relation ?? 'flows'} WHERE coalesce("srcport" > "dstport", false))`,
    };
  const request = 'v."srcport" > v."dstport"';
  return {
    ...src,
    partitionFilter: src.partitionFilter === undefined ? request : `(${src.partitionFilter}) AND ${request}`,
  };
}

/** The pairs SQL of a first-seen detection over its lookback and range. */
export function firstSeenPairsSql(src: SqlSource, d: FirstSeenDetection, range: TimeRange): string {
  return hitsSql(pairsSource(src, d), pairsDetection(d), pairsRange(range));
}

/** The SQL of the first record's event time over the pairs' read range (the history a store holds). */
export function firstSeenStartSql(src: SqlSource, range: TimeRange): string {
  return dataStartSql(src.engine === 'trino' ? src : { engine: 'duckdb' }, pairsRange(range));
}

let enricher: Enricher | undefined;

/** The value a raw field value stands for: itself, or the address's country or `AS<n> <organisation>`. */
export function observedValue(d: FirstSeenDetection, raw: string): string | undefined {
  if (d.value.as === undefined) return raw;
  enricher ??= new Enricher(undefined);
  const e = enricher.lookup(raw);
  if (d.value.as === 'country') return e?.country;
  return e?.asNumber === undefined ? undefined : `AS${e.asNumber} ${e.asOrganization ?? ''}`.trim();
}

/** What the value is called in summaries and notes. */
export function valueName(d: FirstSeenDetection): string {
  if (d.value.as === 'country') return 'destination country';
  if (d.value.as === 'asn') return 'destination network (ASN)';
  return d.value.field === 'dstport' ? 'remote port' : d.value.field;
}

/** Result of scoring: the hit windows (value = new values in the window) and what the run must tell the user. */
export interface FirstSeenResult {
  readonly hits: Hit[];
  readonly notes: string[];
}

/**
 * Scores the pairs of a first-seen detection. `pairs` are the pairs query's rows (key = the entity's groupBy
 * values then the observed field's value; one per day with records); `dataStart` is the first record's event
 * time over the read range. A value is new for an entity at the first time it is seen, when that time lies in
 * the range and at least `learningDays` of history precede it — of the store's and of the entity's own (its first
 * record in scope: a host new to this traffic is learning too); a window's value is the number of new values
 * first seen in it.
 */
export function scoreFirstSeen(
  d: FirstSeenDetection,
  pairs: readonly Hit[],
  dataStart: number | undefined,
  range: TimeRange,
): FirstSeenResult {
  const n = d.groupBy.length;
  // per entity: value -> first time, records (in range) and last time
  const entities = new Map<
    string,
    {
      key: readonly string[];
      values: Map<string, { first: number; last: number; records: number; raw: Set<string> }>;
    }
  >();
  let unknown = 0;
  const unknownSeen = new Set<string>();
  // The entity's own history: its first in-scope record (of any value, known to the enrichment or not).
  const entityFirst = new Map<string, number>();
  for (const p of pairs) {
    const eid = p.key.slice(0, n).join('\u0001');
    entityFirst.set(eid, Math.min(entityFirst.get(eid) ?? p.firstSeen, p.firstSeen));
  }
  for (const p of pairs) {
    const raw = p.key[n] ?? '';
    const v = observedValue(d, raw);
    if (v === undefined) {
      if (!unknownSeen.has(raw)) {
        unknownSeen.add(raw);
        unknown++;
      }
      continue;
    }
    const key = p.key.slice(0, n);
    const id = key.join('\u0001');
    let e = entities.get(id);
    if (e === undefined) {
      e = { key, values: new Map() };
      entities.set(id, e);
    }
    const x = e.values.get(v);
    const inRange =
      (range.since === undefined || p.w >= range.since - (range.since % DAY)) &&
      (range.until === undefined || p.w < range.until);
    if (x === undefined)
      e.values.set(v, {
        first: p.firstSeen,
        last: p.lastSeen,
        records: inRange ? p.records : 0,
        raw: new Set([raw]),
      });
    else {
      x.first = Math.min(x.first, p.firstSeen);
      x.last = Math.max(x.last, p.lastSeen);
      if (inRange) x.records += p.records;
      if (x.raw.size < PEER_LIMIT) x.raw.add(raw);
    }
  }
  const learnUntil = dataStart === undefined ? undefined : dataStart + d.learningDays * DAY;
  const inRange = (t: number) =>
    (range.since === undefined || t >= range.since) && (range.until === undefined || t < range.until);
  const hits: Hit[] = [];
  let learning = 0;
  let young = 0;
  let lastTime: number | undefined;
  for (const [eid, e] of entities) {
    const own = entityFirst.get(eid)!;
    const windows = new Map<
      number,
      { values: string[]; first: number; last: number; records: number; raws: string[] }
    >();
    for (const [v, x] of e.values) {
      lastTime = Math.max(lastTime ?? x.last, x.last);
      if (!inRange(x.first)) continue;
      if (learnUntil === undefined || x.first < learnUntil) {
        learning++;
        continue;
      }
      if (x.first < own + d.learningDays * DAY) {
        young++;
        continue;
      }
      const w = x.first - (x.first % d.window);
      let g = windows.get(w);
      if (g === undefined) {
        g = { values: [], first: x.first, last: x.first, records: 0, raws: [] };
        windows.set(w, g);
      }
      g.values.push(v);
      g.first = Math.min(g.first, x.first);
      g.last = Math.max(g.last, x.last);
      g.records += x.records;
      g.raws.push(...x.raw);
    }
    const entity = d.entity.map((f) => e.key[d.groupBy.indexOf(f)] ?? '').join(':');
    for (const [w, g] of windows) {
      const values = [...g.values].sort(byteOrder);
      const known = [...e.values.entries()]
        .filter(([, x]) => x.first < g.first)
        .map(([v]) => v)
        .sort(byteOrder);
      const days = Math.floor((g.first - own) / DAY);
      const listed = values.slice(0, 5).join(', ') + (values.length > 5 ? `, … (${values.length})` : '');
      const before =
        known.length === 0
          ? 'none before'
          : `${known.length} before: ${known.slice(0, 5).join(', ')}${known.length > 5 ? ', …' : ''}`;
      hits.push({
        key: e.key,
        w,
        value: values.length,
        records: g.records,
        firstSeen: g.first,
        lastSeen: g.last,
        peers: values.slice(0, PEER_LIMIT),
        peerCount: values.length,
        summary: `${entity} used a new ${valueName(d)}: ${listed}${d.value.as === undefined ? '' : ` (${[...new Set(g.raws)].slice(0, 3).join(', ')})`}, first time in ${days} days of history (${before})`,
      });
    }
  }
  const notes: string[] = [];
  const minValue = Math.min(...Object.values(d.thresholds).filter((x): x is number => x !== undefined));
  const out = hits
    .filter((h) => h.value >= minValue)
    .sort((a, b) => byteOrder(a.key.join('\u0001'), b.key.join('\u0001')) || a.w - b.w);
  if (dataStart === undefined) {
    if (pairs.length === 0 && range.since !== undefined)
      notes.push(
        `needs ${d.learningDays} days of history; none available (no records before the range's end)`,
      );
  } else if (learnUntil !== undefined && (range.since === undefined || range.since < learnUntil)) {
    const end = range.until ?? lastTime ?? learnUntil;
    const available = Math.max(0, Math.floor((Math.min(end, learnUntil) - dataStart) / DAY));
    notes.push(
      available < d.learningDays
        ? `first seen needs ${d.learningDays} days of history; ${available} available (records from ${iso(dataStart)}): nothing is reported before ${iso(learnUntil)} (learning period${learning > 0 ? `; ${learning} first uses in it not reported` : ''}); ingest more history or run detect later`
        : `first seen needs ${d.learningDays} days of history: ${iso(dataStart)} to ${iso(learnUntil)} is the learning period${learning > 0 ? ` (${learning} first uses in it not reported)` : ''}`,
    );
  }
  if (young > 0)
    notes.push(
      `${young} first use${young === 1 ? '' : 's'} by entities with less than ${d.learningDays} days of their own history (new hosts, or hosts new to this traffic) not reported`,
    );
  if (d.value.as !== undefined && unknown > 0 && entities.size === 0)
    notes.push(
      `no ${d.value.as === 'country' ? 'country' : 'ASN'} is known for any of the ${unknown} ${d.value.field} values (private, documentation or unlisted addresses): nothing to compare`,
    );
  return { hits: out, notes };
}

/**
 * The in-memory backend: a first-seen detection over records held in memory (their earliest event time is the
 * history available).
 *
 * @example evaluateFirstSeen(newCountry, records, { since, until }).hits.map((h) => h.summary)
 */
export function evaluateFirstSeen(
  d: FirstSeenDetection,
  records: readonly DetectRecord[],
  range: TimeRange,
): FirstSeenResult {
  const r = pairsRange(range);
  const inRead = records.filter(
    (x) =>
      (r.since === undefined || x.event_time >= r.since) && (r.until === undefined || x.event_time < r.until),
  );
  let dataStart: number | undefined;
  for (const x of inRead)
    dataStart = dataStart === undefined ? x.event_time : Math.min(dataStart, x.event_time);
  const num = (v: unknown) => (v === null || v === undefined || v === '-' ? undefined : Number(v));
  const scoped = d.requestsOnly
    ? inRead.filter((x) => {
        const s = num(x['srcport']);
        const t = num(x['dstport']);
        return s !== undefined && t !== undefined && s > t;
      })
    : inRead;
  return scoreFirstSeen(d, evaluate(pairsDetection(d), scoped), dataStart, range);
}

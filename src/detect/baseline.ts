// Baseline detections (kind `baseline`): per group, a metric per bin (an hour, or a minute for floods) compared
// with the group's own history at the same hour — of the week once the store holds 3 weeks, else of the day
// once it holds 3 days (a daily bin: the same weekday, else the previous days) — by a robust z-score (median and MAD); hours without records count as 0. Below 3 days
// of history (cold start) only the definition's absolute cold-start value is reported, and the run says so.
//
// Every backend computes the same bins (the hits query of a threshold detection with no threshold: DuckDB and
// Trino SQL through to-sql.ts, the in-memory evaluator for the monitor); the scoring below is shared.

import { isoUtc as iso } from '../core/time.js';
import { dialectOf } from '../sql/index.js';
import { type BaselineDetection, minThreshold, type ThresholdDetection } from './definition.js';
import { type DetectRecord, evaluate, type Hit } from './evaluate.js';
import { hitsSql, rangeWhereSql, type SqlSource, type TimeRange } from './to-sql.js';

const HOUR = 3600;
const DAY = 86_400;
const WEEK = 7 * DAY;

/** Days of history before hour-of-week slots are used (3 samples per slot). */
export const HOUR_OF_WEEK_DAYS = 21;
/** Days of history before any baseline is used (3 samples per hour-of-day slot); less is cold start. */
export const HOUR_OF_DAY_DAYS = 3;
/** Samples of an hour-of-day baseline: the same hour on at most this many previous days. */
export const DAY_SAMPLES = 14;
/** Samples of an hour-of-week baseline: the same hour of the week in at most this many previous weeks. */
export const WEEK_SAMPLES = 4;
/** How far before the range bins are read (the longest baseline). */
export const LOOKBACK = WEEK_SAMPLES * WEEK;
/** σ = 1.4826·MAD estimates the standard deviation of normal data. */
export const MAD_SCALE = 1.4826;

/** The bins query's detection: the same scope, metric and groups, every bin kept, no peers. */
export function binsDetection(d: BaselineDetection): ThresholdDetection {
  return { ...d, kind: 'threshold', thresholds: { low: 0 }, peers: undefined };
}

/** The baseline of one group at one hour. */
export interface Baseline {
  readonly mode: 'hour-of-week' | 'hour-of-day';
  /** Earlier days (or weeks) sampled. */
  readonly periods: number;
  readonly median: number;
  readonly mad: number;
  /** The σ used: max(1.4826·MAD, 10% of the median, 1% of minValue), and at least 1. */
  readonly sigma: number;
}

/** Median of numbers (sorted copy). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * The baseline of a group for the hour starting at `hourStart`, from its bins (bin start → value; a missing
 * bin is 0) given `days` full days of history; undefined during cold start.
 *
 * @example baselineAt(d, new Map([[t - 86400, 10]]), t, 3) // hour-of-day over 3 days: median 0 (10, 0, 0)
 */
export function baselineAt(
  d: BaselineDetection,
  values: ReadonlyMap<number, number>,
  hourStart: number,
  days: number,
): Baseline | undefined {
  if (days < HOUR_OF_DAY_DAYS) return undefined;
  const week = days >= HOUR_OF_WEEK_DAYS;
  const step = week ? WEEK : DAY;
  const periods = week ? Math.min(WEEK_SAMPLES, Math.floor(days / 7)) : Math.min(DAY_SAMPLES, days);
  const samples: number[] = [];
  for (let k = 1; k <= periods; k++) {
    const p = hourStart - k * step;
    for (let b = p; b < p + HOUR; b += d.window) samples.push(values.get(b) ?? 0);
  }
  const m = median(samples);
  const mad = median(samples.map((x) => Math.abs(x - m)));
  const sigma = Math.max(MAD_SCALE * mad, 0.1 * m, 0.01 * d.baseline.minValue, 1);
  return { mode: week ? 'hour-of-week' : 'hour-of-day', periods, median: m, mad, sigma };
}

/** A value in the metric's unit: bytes in decimal units, others as counts. */
export function formatAmount(d: BaselineDetection, v: number): string {
  const m = d.metric;
  if (m.kind === 'sum' && m.field === 'bytes') {
    const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
    let x = v;
    let i = 0;
    while (Math.abs(x) >= 1000 && i < units.length - 1) {
      x /= 1000;
      i++;
    }
    return `${i === 0 ? Math.round(x) : x.toFixed(x >= 100 ? 0 : 1)} ${units[i]}`;
  }
  const n = Math.round(v * 10) / 10;
  const what =
    m.kind === 'sum' ? 'packets' : m.kind === 'count' ? 'records' : `distinct ${m.fields.join('+')}`;
  return `${n.toLocaleString('en-US')} ${what}`;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const hhmm = (t: number) => new Date(t * 1000).toISOString().slice(11, 16);

/** The bin's name in sentences: hour, minute or day. */
const binName = (d: BaselineDetection) => (d.window === HOUR ? 'hour' : d.window === DAY ? 'day' : 'minute');

/**
 * The slot's name: `Tuesday 03:00` (hour of week) or `03:00` (hour of day), UTC; a daily bin's `daily` or
 * `Tuesday` (day of week).
 */
export function slotName(b: Pick<Baseline, 'mode'>, hourStart: number, window = HOUR): string {
  const day = WEEKDAYS[new Date(hourStart * 1000).getUTCDay()]!;
  if (window === DAY) return b.mode === 'hour-of-week' ? day : 'daily';
  return b.mode === 'hour-of-week' ? `${day} ${hhmm(hourStart)} UTC` : `${hhmm(hourStart)} UTC`;
}

/** Result of scoring: the hit bins (value = z-score, with a summary) and what the run must tell the user. */
export interface BaselineResult {
  readonly hits: Hit[];
  readonly notes: string[];
}

/**
 * Scores the bins of a baseline detection. `bins` are every non-empty bin of every group from `range.since −
 * LOOKBACK` to `range.until` (the bins query); `dataStart` is the first record's event time there (the
 * history the store holds). Only bins in the range can be hits.
 */
export function scoreBaseline(
  d: BaselineDetection,
  bins: readonly Hit[],
  dataStart: number | undefined,
  range: TimeRange,
): BaselineResult {
  const groups = new Map<string, { key: readonly string[]; values: Map<number, number>; bins: Hit[] }>();
  for (const b of bins) {
    const id = b.key.join('\u0001');
    let g = groups.get(id);
    if (g === undefined) {
      g = { key: b.key, values: new Map(), bins: [] };
      groups.set(id, g);
    }
    g.values.set(b.w, b.value);
    if ((range.since === undefined || b.w >= range.since) && (range.until === undefined || b.w < range.until))
      g.bins.push(b);
  }
  const zMin = minThreshold(d.thresholds);
  const cmp = d.baseline;
  const hits: Hit[] = [];
  let coldUntil: number | undefined;
  let coldDays = Number.POSITIVE_INFINITY;
  let dayModeDays: number | undefined;
  for (const g of groups.values()) {
    const cache = new Map<number, Baseline | undefined>();
    const entity = d.entity.map((f) => g.key[d.groupBy.indexOf(f)] ?? '').join(':');
    for (const b of g.bins) {
      const hourStart = b.w - (b.w % HOUR);
      const days = dataStart === undefined ? 0 : Math.max(0, Math.floor((hourStart - dataStart) / DAY));
      if (!cache.has(hourStart)) cache.set(hourStart, baselineAt(d, g.values, hourStart, days));
      const base = cache.get(hourStart);
      const x = b.value;
      if (base === undefined) {
        coldUntil = Math.max(coldUntil ?? 0, hourStart + HOUR);
        coldDays = Math.min(coldDays, days);
        if (cmp.coldStart !== undefined && x >= cmp.coldStart && x >= cmp.minValue) {
          hits.push({
            ...b,
            value: zMin,
            summary: `${formatAmount(d, x)} in the ${binName(d)} from ${entity}, at or above the cold-start limit of ${formatAmount(d, cmp.coldStart)} (no baseline yet: it needs ${HOUR_OF_DAY_DAYS} days of history; ${days} available)`,
          });
        }
        continue;
      }
      if (base.mode === 'hour-of-day') dayModeDays = Math.min(dayModeDays ?? days, days);
      const z = Math.round(((x - base.median) / base.sigma) * 100) / 100;
      if (x < cmp.minValue || z < zMin || (base.median > 0 && x < cmp.minRatio * base.median)) continue;
      const per = d.window === HOUR ? '' : d.window === DAY ? '' : ' per-minute';
      const over = `median of ${base.periods} ${base.mode === 'hour-of-week' ? 'weeks' : 'days'}`;
      hits.push({
        ...b,
        value: z,
        summary: `${formatAmount(d, x)}, ${z.toLocaleString('en-US', { maximumFractionDigits: 1 })}σ above ${entity}'s ${slotName(base, hourStart, d.window)}${per} baseline of ${formatAmount(d, base.median)} (${over}, σ ${formatAmount(d, base.sigma)})`,
      });
    }
  }
  const notes: string[] = [];
  if (coldUntil !== undefined) {
    notes.push(
      dataStart === undefined
        ? `baseline needs ${HOUR_OF_DAY_DAYS} days of history; none available (no records before the range): ${coldStartWhat(d)}`
        : `baseline needs ${HOUR_OF_DAY_DAYS} days of history; ${coldDays} available (records from ${iso(dataStart)}): up to ${iso(coldUntil)} ${coldStartWhat(d)}`,
    );
  }
  if (dayModeDays !== undefined) {
    notes.push(
      `hour-of-week baseline needs ${HOUR_OF_WEEK_DAYS} days; ${dayModeDays} available: compared with the same hour of the previous days instead`,
    );
  }
  return { hits: hits.sort((a, b) => a.w - b.w), notes };
}

function coldStartWhat(d: BaselineDetection): string {
  return d.baseline.coldStart === undefined
    ? 'nothing is compared (cold start); ingest more history or run detect over a later range'
    : `only the cold-start rule applies (≥ ${formatAmount(d, d.baseline.coldStart)} in ${d.window === HOUR ? 'an hour' : d.window === DAY ? 'a day' : 'a minute'})`;
}

/** The range the bins are read over: the lookback before the range, up to its end. */
export function binsRange(range: TimeRange): TimeRange {
  return { since: range.since === undefined ? undefined : range.since - LOOKBACK, until: range.until };
}

/** The SQL returning the first record's event time (`t`) in a range, for the history a store holds. */
export function dataStartSql(src: SqlSource, range: TimeRange): string {
  if (src.engine === 'duckdb') {
    return `SELECT min(event_time) AS t FROM flows${rangeWhereSql(range)}`;
  }
  const w: string[] = [];
  if (range.since !== undefined) w.push(`v."start" >= ${Math.floor(range.since)}`);
  if (range.until !== undefined) w.push(`v."start" < ${Math.floor(range.until)}`);
  if (src.partitionFilter !== undefined) w.push(`(${src.partitionFilter})`);
  const table = (src.table ?? 'vpc_flow_logs')
    .split('.')
    .map((p) => dialectOf('trino').ident(p))
    .join('.');
  return `SELECT min(v."start") AS t FROM ${table} v${w.length > 0 ? ` WHERE ${w.join(' AND ')}` : ''}`;
}

/** The bins SQL of a baseline detection over its lookback and range. */
export function baselineBinsSql(src: SqlSource, d: BaselineDetection, range: TimeRange): string {
  return hitsSql(src, binsDetection(d), binsRange(range));
}

/**
 * The in-memory backend: a baseline detection over records held in memory (their earliest event time is the
 * history available).
 *
 * @example evaluateBaseline(exfiltration, records, { since, until }).hits.map((h) => h.summary)
 */
export function evaluateBaseline(
  d: BaselineDetection,
  records: readonly DetectRecord[],
  range: TimeRange,
): BaselineResult {
  const r = binsRange(range);
  const inRange = records.filter(
    (x) =>
      (r.since === undefined || x.event_time >= r.since) && (r.until === undefined || x.event_time < r.until),
  );
  let dataStart: number | undefined;
  for (const x of inRange)
    dataStart = dataStart === undefined ? x.event_time : Math.min(dataStart, x.event_time);
  return scoreBaseline(d, evaluate(binsDetection(d), inRange), dataStart, range);
}

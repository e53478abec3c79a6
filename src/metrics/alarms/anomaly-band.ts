// The anomaly-detection band of ANOMALY_DETECTION_BAND(m, k): a robust seasonal model trained on the metric's own
// history before the evaluated period (no look-ahead), expected ± k·σ (docs/decisions/31-anomaly-band-alarms.md).

import type { AlarmStatistic } from './definition.js';
import { combine, type MetricDatapoint, periodValue } from './statistics.js';

/** Seconds in an hour, a day and a week. */
const HOUR = 3600;
const DAY = 86_400;
const WEEK = 7 * DAY;

/** CloudWatch trains on up to two weeks of history. */
export const TRAINING_WINDOW_DAYS = 14;
/** Below this much history (in days, after excluded ranges) the detector has no band. */
export const MIN_TRAINING_DAYS = 7;
/** At most this many excluded time ranges (PutAnomalyDetector). */
export const MAX_EXCLUDED_RANGES = 10;
/** A slot needs this many samples, else the next coarser slot (hour-of-week → hour-of-day → all) is used. */
const MIN_SLOT_SAMPLES = 3;
/** An hour-of-week slot needs samples from both weeks of the window (2 for hourly periods). */
const MIN_WEEK_SLOT_SAMPLES = 2;
/** MAD × 1.4826 estimates σ for normally distributed data. */
const MAD_TO_SIGMA = 1.4826;

/** A time range, epoch seconds, `start` included, `end` excluded. */
export interface TimeRange {
  readonly start: number;
  readonly end: number;
}

/** PutAnomalyDetector's Configuration, as flowwatch uses it. */
export interface AnomalyDetectorConfig {
  /** Left out of training (deployments, outages, holidays): at most {@link MAX_EXCLUDED_RANGES}. */
  readonly excludedTimeRanges?: readonly TimeRange[] | undefined;
  /** tz-database name: hour-of-day and hour-of-week slots follow its local time, DST included. Default UTC. */
  readonly metricTimezone?: string | undefined;
}

/** DescribeAnomalyDetectors' StateValue. */
export type DetectorState = 'PENDING_TRAINING' | 'TRAINED_INSUFFICIENT_DATA' | 'TRAINED';

/** Which seasonal slots a trained model uses. */
export type Seasonality = 'hour-of-week' | 'hour-of-day' | 'none';

/** One period's value of the alarmed statistic. */
export interface PeriodValue {
  /** Epoch seconds: the period's start. */
  readonly start: number;
  readonly value: number;
}

/** Robust centre and spread of a group of values. */
interface Robust {
  readonly median: number;
  readonly sigma: number;
  readonly count: number;
}

/**
 * A model trained at `cutoff` on the periods that ended by then. `state` TRAINED means it can predict; otherwise
 * `message` says why not and what to do.
 */
export interface AnomalyModel {
  readonly state: DetectorState;
  readonly message: string;
  /** Epoch seconds: only periods that ended at or before this were used. */
  readonly cutoff: number;
  /** Days of history used (after excluded ranges). */
  readonly daysAvailable: number;
  readonly seasonality: Seasonality;
  /** Periods used for training. */
  readonly samples: number;
  /** Whether every training value was ≥ 0 (or the statistic cannot be negative): the band is clamped at 0. */
  readonly nonNegative: boolean;
  /** Expected value and σ of the period starting at `start`; undefined when the model is not TRAINED. */
  predict(start: number): { readonly expected: number; readonly sigma: number } | undefined;
}

/** The band at one period. */
export interface BandPoint {
  readonly expected: number;
  readonly lower: number;
  readonly upper: number;
}

/** Options of {@link trainAnomalyModel}. */
export interface TrainOptions {
  /** The alarm period in seconds. */
  readonly period: number;
  readonly config?: AnomalyDetectorConfig | undefined;
  /** The statistic: SampleCount is never negative, whatever the values. */
  readonly statistic?: string | undefined;
  /** Days of history needed before a band is drawn; default {@link MIN_TRAINING_DAYS}. */
  readonly minDays?: number | undefined;
  /** Days before the cutoff the model learns from; default {@link TRAINING_WINDOW_DAYS}. */
  readonly windowDays?: number | undefined;
  /** Days of history before hour-of-week slots are used (else hour-of-day); default 14. */
  readonly weekSeasonDays?: number | undefined;
}

function median(sorted: readonly number[]): number {
  const n = sorted.length;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Median and MAD-based σ (1.4826 · median |x − median|) of some values.
 *
 * @example robust([1, 2, 3, 4, 100]) // { median: 3, sigma: 1.4826, count: 5 }
 */
export function robust(values: readonly number[]): Robust {
  const sorted = [...values].sort((a, b) => a - b);
  const m = median(sorted);
  const dev = sorted.map((v) => Math.abs(v - m)).sort((a, b) => a - b);
  return { median: m, sigma: MAD_TO_SIGMA * median(dev), count: values.length };
}

/**
 * Local time (epoch seconds shifted by the zone's UTC offset at that instant) in a tz-database zone, through Intl
 * so daylight saving time is followed. Offsets are cached per quarter hour.
 */
export class LocalClock {
  private readonly cache = new Map<number, number>();
  private readonly format: Intl.DateTimeFormat | undefined;
  constructor(readonly timeZone: string | undefined) {
    this.format =
      timeZone === undefined || timeZone === 'UTC'
        ? undefined
        : new Intl.DateTimeFormat('en-US', {
            timeZone,
            hourCycle: 'h23',
            year: 'numeric',
            month: 'numeric',
            day: 'numeric',
            hour: 'numeric',
            minute: 'numeric',
            second: 'numeric',
          });
  }

  /** Seconds to add to UTC epoch seconds to get local wall-clock seconds. */
  offset(t: number): number {
    if (this.format === undefined) return 0;
    const key = Math.floor(t / 900);
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const at = key * 900;
    const p: Record<string, number> = {};
    for (const part of this.format.formatToParts(new Date(at * 1000))) {
      if (part.type !== 'literal') p[part.type] = Number(part.value);
    }
    const local = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) / 1000;
    const off = local - at;
    this.cache.set(key, off);
    return off;
  }

  /** Local hour of the day, 0–23. */
  hourOfDay(t: number): number {
    const local = t + this.offset(t);
    return Math.floor((((local % DAY) + DAY) % DAY) / HOUR);
  }

  /** Local hour of the week, 0–167, Sunday 00:00 = 0 (1970-01-01 was a Thursday). */
  hourOfWeek(t: number): number {
    const local = t + this.offset(t);
    const day = Math.floor(local / DAY);
    const weekday = (((day + 4) % 7) + 7) % 7;
    return weekday * 24 + this.hourOfDay(t);
  }

  /** Seconds since the local start of the hour (differs from UTC in half-hour zones). */
  secondOfHour(t: number): number {
    const local = t + this.offset(t);
    return ((local % HOUR) + HOUR) % HOUR;
  }
}

/**
 * Checks a tz-database name with Intl; returns an error text, or undefined when valid.
 *
 * @example timezoneProblem('Europe/Pariss') // 'unknown time zone "Europe/Pariss"'
 */
export function timezoneProblem(tz: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return undefined;
  } catch {
    return `unknown time zone "${tz}"`;
  }
}

function overlaps(a: TimeRange, start: number, end: number): boolean {
  return a.start < end && start < a.end;
}

/** Seconds of [from, to) not inside any of the ranges. */
function uncovered(from: number, to: number, ranges: readonly TimeRange[]): number {
  const clipped = ranges
    .map((r) => ({ start: Math.max(from, r.start), end: Math.min(to, r.end) }))
    .filter((r) => r.start < r.end)
    .sort((a, b) => a.start - b.start);
  let covered = 0;
  let reach = from;
  for (const r of clipped) {
    const s = Math.max(reach, r.start);
    if (r.end > s) covered += r.end - s;
    reach = Math.max(reach, r.end);
  }
  return to - from - covered;
}

function days(seconds: number): string {
  const d = Math.floor((seconds / DAY) * 10) / 10;
  return Number.isInteger(d) ? String(d) : d.toFixed(1);
}

/**
 * Trains the band's model at `cutoff` from period values (any order). Only periods inside the training window
 * [cutoff − 14 days, cutoff) that end by `cutoff` and do not touch an excluded range are used.
 *
 * The expected value of a period is the median of its seasonal slot (local hour-of-week when 14 days of history
 * span the window, else hour-of-day; an hour-of-week slot with fewer than 2 samples or an hour-of-day slot with
 * fewer than 3 falls back to the coarser one), plus the
 * median within-hour offset of its position in the hour (hourly seasonality, periods under an hour), plus the
 * recent level (the median residual of the newest day: trend). σ is the MAD-based σ of the residuals in the slot,
 * at least half the σ of all residuals and 1 % of |expected|.
 *
 * @example trainAnomalyModel(values, t, { period: 300 }).state // 'TRAINED_INSUFFICIENT_DATA' with 2 days of values
 */
export function trainAnomalyModel(
  values: readonly PeriodValue[],
  cutoff: number,
  options: TrainOptions,
): AnomalyModel {
  const { period } = options;
  const minDays = options.minDays ?? MIN_TRAINING_DAYS;
  const excluded = options.config?.excludedTimeRanges ?? [];
  const clock = new LocalClock(options.config?.metricTimezone);
  const windowDays = options.windowDays ?? TRAINING_WINDOW_DAYS;
  const from = cutoff - windowDays * DAY;
  const used = values
    .filter(
      (v) =>
        Number.isFinite(v.value) &&
        v.start >= from &&
        v.start + period <= cutoff &&
        !excluded.some((r) => overlaps(r, v.start, v.start + period)),
    )
    .sort((a, b) => a.start - b.start);
  const nonNegative = options.statistic === 'SampleCount' || used.every((v) => v.value >= 0);
  const base = { cutoff, nonNegative, samples: used.length };
  const none = () => undefined;
  if (used.length === 0) {
    return {
      ...base,
      state: 'PENDING_TRAINING',
      message: `baseline needs ${minDays} days; 0 available (no datapoints in the ${windowDays} days before ${new Date(cutoff * 1000).toISOString()}${excluded.length > 0 ? ' outside the excluded time ranges' : ''})`,
      daysAvailable: 0,
      seasonality: 'none',
      predict: none,
    };
  }
  const span = uncovered(used[0]!.start, cutoff, excluded);
  const daysAvailable = span / DAY;
  if (daysAvailable < minDays || used.length < 2 * MIN_SLOT_SAMPLES) {
    return {
      ...base,
      state: 'TRAINED_INSUFFICIENT_DATA',
      message:
        daysAvailable < minDays
          ? `baseline needs ${minDays} days; ${days(span)} available${excluded.length > 0 ? ' outside the excluded time ranges' : ''}`
          : `baseline needs at least ${2 * MIN_SLOT_SAMPLES} periods with data; ${used.length} in the last ${days(span)} days`,
      daysAvailable,
      seasonality: 'none',
      predict: none,
    };
  }
  const seasonality: Seasonality =
    period > HOUR
      ? 'none'
      : cutoff - used[0]!.start >= (options.weekSeasonDays ?? (2 * WEEK) / DAY) * DAY
        ? 'hour-of-week'
        : 'hour-of-day';

  // Seasonal slots: hour-of-week → hour-of-day → all, each falling back to the next when thin.
  const byWeek = new Map<number, number[]>();
  const byDay = new Map<number, number[]>();
  for (const v of used) {
    push(byWeek, clock.hourOfWeek(v.start), v.value);
    push(byDay, clock.hourOfDay(v.start), v.value);
  }
  const all = robust(used.map((v) => v.value));
  const weekStats = stats(byWeek);
  const dayStats = stats(byDay);
  const slotOf = (t: number): { key: string; r: Robust } => {
    if (seasonality === 'hour-of-week') {
      const w = clock.hourOfWeek(t);
      const r = weekStats.get(w);
      if (r !== undefined && r.count >= MIN_WEEK_SLOT_SAMPLES) return { key: `w${w}`, r };
    }
    if (seasonality !== 'none') {
      const d = clock.hourOfDay(t);
      const r = dayStats.get(d);
      if (r !== undefined && r.count >= MIN_SLOT_SAMPLES) return { key: `d${d}`, r };
    }
    return { key: 'all', r: all };
  };

  // Hourly seasonality: the median offset of each position in the hour from its slot's median.
  const positions = period < HOUR ? Math.floor(HOUR / period) : 1;
  const posOf = (t: number) => Math.min(positions - 1, Math.floor(clock.secondOfHour(t) / period));
  const byPos = new Map<number, number[]>();
  if (positions > 1) for (const v of used) push(byPos, posOf(v.start), v.value - slotOf(v.start).r.median);
  const posEffect = new Map<number, number>();
  for (const [p, rs] of byPos) {
    if (rs.length >= MIN_SLOT_SAMPLES) posEffect.set(p, robust(rs).median);
  }
  const seasonal = (t: number) => slotOf(t).r.median + (posEffect.get(posOf(t)) ?? 0);

  // Residuals per slot give σ; the newest day's residuals give the level (trend).
  const residuals = used.map((v) => ({ v, r: v.value - seasonal(v.start), key: slotOf(v.start).key }));
  const bySlot = new Map<string, number[]>();
  for (const x of residuals) push(bySlot, x.key, x.r);
  const slotSigma = new Map<string, number>();
  for (const [k, rs] of bySlot) slotSigma.set(k, robust(rs).sigma);
  const globalSigma = robust(residuals.map((x) => x.r)).sigma;
  const recent = residuals.filter((x) => x.v.start >= cutoff - DAY).map((x) => x.r);
  const level = recent.length >= MIN_SLOT_SAMPLES ? robust(recent).median : 0;

  const aligned = (start: number) => {
    const { key } = slotOf(start);
    const expected = seasonal(start) + level;
    const sigma = Math.max(slotSigma.get(key) ?? globalSigma, 0.5 * globalSigma, 0.01 * Math.abs(expected));
    return { expected, sigma };
  };
  return {
    ...base,
    state: 'TRAINED',
    message: `trained on ${days(span)} days (${used.length} periods, ${seasonality === 'none' ? 'no seasonal slots' : `${seasonality} slots`})`,
    daysAvailable,
    seasonality,
    predict(start: number) {
      // A period off the training grid (alarm periods slide by the minute) blends the two grid periods it
      // overlaps, weighted by overlap: [08:05, 09:05) is 55/60 of 08:00 and 5/60 of 09:00.
      const off = (((start - cutoff) % period) + period) % period;
      if (off === 0) return aligned(start);
      const a = aligned(start - off);
      const b = aligned(start - off + period);
      const w = off / period;
      return { expected: (1 - w) * a.expected + w * b.expected, sigma: (1 - w) * a.sigma + w * b.sigma };
    },
  };
}
function push<K>(m: Map<K, number[]>, k: K, v: number): void {
  const list = m.get(k);
  if (list === undefined) m.set(k, [v]);
  else list.push(v);
}

function stats<K>(m: Map<K, number[]>): Map<K, Robust> {
  return new Map([...m].map(([k, vs]) => [k, robust(vs)]));
}

/**
 * The band of a trained model at the period starting at `start`: expected ± k·σ, clamped at 0 for a non-negative
 * metric. Undefined when the model is not TRAINED.
 *
 * @example bandAt(model, t, 2) // { expected: 100, lower: 80, upper: 120 } when σ = 10
 */
export function bandAt(model: AnomalyModel, start: number, k: number): BandPoint | undefined {
  const p = model.predict(start);
  if (p === undefined) return undefined;
  let lower = p.expected - k * p.sigma;
  let upper = p.expected + k * p.sigma;
  if (model.nonNegative) {
    lower = Math.max(0, lower);
    upper = Math.max(0, upper);
  }
  return { expected: model.nonNegative ? Math.max(0, p.expected) : p.expected, lower, upper };
}

/** The statistic of a period value, as {@link periodValue} takes it. */
export type BandStatistic = AlarmStatistic | { readonly percentile: string };

/**
 * Period values of datapoints for periods aligned to end at `alignTo` (the alarm's sliding periods), from `from`
 * (inclusive) to `alignTo` (exclusive). Periods without samples are absent: missing data is not zero.
 *
 * @example periodValues(points, 'Sum', 300, t - 86400, t)
 */
export function periodValues(
  datapoints: readonly MetricDatapoint[],
  stat: BandStatistic,
  period: number,
  from: number,
  alignTo: number,
): PeriodValue[] {
  const groups = new Map<number, MetricDatapoint[]>();
  for (const dp of datapoints) {
    if (dp.timestamp < from || dp.timestamp >= alignTo) continue;
    const s = alignTo - Math.ceil((alignTo - dp.timestamp) / period) * period;
    const g = groups.get(s);
    if (g === undefined) groups.set(s, [dp]);
    else g.push(dp);
  }
  const out: PeriodValue[] = [];
  for (const [start, points] of groups) {
    if (start < from) continue;
    const c = combine(points);
    const value = c === undefined ? undefined : periodValue(c, stat);
    if (value !== undefined && Number.isFinite(value)) out.push({ start, value });
  }
  return out.sort((a, b) => a.start - b.start);
}

/**
 * The band of one alarm over a datapoint history, with models retrained every hour: the band of the period that
 * starts at s comes from the model trained at s rounded down to the hour, on the periods that ended by then —
 * never on the period itself or anything after it. Models are cached, so a replay trains ~24 a day.
 *
 * @example new AnomalyBandSource(points, { period: 300, k: 2, statistic: 'Sum' }).at(t)
 */
export class AnomalyBandSource {
  private readonly models = new Map<number, AnomalyModel>();
  private readonly points: readonly MetricDatapoint[];
  constructor(
    datapoints: readonly MetricDatapoint[],
    readonly options: TrainOptions & { readonly k: number; readonly stat: BandStatistic },
  ) {
    this.points = [...datapoints].sort((a, b) => a.timestamp - b.timestamp);
  }

  /** The model in force for the period starting at `start`. */
  model(start: number): AnomalyModel {
    const cutoff = Math.floor(start / HOUR) * HOUR;
    const hit = this.models.get(cutoff);
    if (hit !== undefined) return hit;
    const from = cutoff - TRAINING_WINDOW_DAYS * DAY;
    const lo = lowerBound(this.points, from);
    const hi = lowerBound(this.points, cutoff);
    const vals = periodValues(
      this.points.slice(lo, hi),
      this.options.stat,
      this.options.period,
      from,
      cutoff,
    );
    const model = trainAnomalyModel(vals, cutoff, this.options);
    this.models.set(cutoff, model);
    if (this.models.size > 64) this.models.delete(this.models.keys().next().value!);
    return model;
  }

  /** The band of the period starting at `start`, or the model's reason for having none. */
  at(
    start: number,
  ): { readonly band: BandPoint } | { readonly band?: undefined; readonly model: AnomalyModel } {
    const model = this.model(start);
    const band = bandAt(model, start, this.options.k);
    return band === undefined ? { model } : { band };
  }
}

function lowerBound(points: readonly MetricDatapoint[], t: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (points[mid]!.timestamp < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

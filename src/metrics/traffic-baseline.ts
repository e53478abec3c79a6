// The baseline band (expected range) of a traffic series (the Overview's, a host's): the anomaly-band alarms' seasonal
// median/MAD model (alarms/anomaly-band.ts) trained on the store's own history of the series, hour by hour, with no
// look-ahead (docs/decisions/42-baseline-bands.md).

import { bandAt, type PeriodValue, trainAnomalyModel } from './alarms/anomaly-band.js';

const DAY = 86_400;

/** Days of history before any band is drawn (hour-of-day slots). */
export const BASELINE_MIN_DAYS = 3;
/** Days of history before hour-of-week slots replace hour-of-day ones. */
export const BASELINE_WEEK_DAYS = 21;
/** Days before each cutoff the model learns from. */
export const BASELINE_WINDOW_DAYS = 28;
/** The band is expected ± K·σ (σ = 1.4826 · MAD), CloudWatch's default band width. */
export const BASELINE_K = 2;
/** Coarsest bin a band is drawn for. */
export const BASELINE_MAX_BIN = DAY;

/** The band at one bin of the series. */
export interface BaselinePoint {
  /** Bin start, unix seconds. */
  readonly t: number;
  readonly expected: number;
  readonly lower: number;
  readonly upper: number;
}

/** The band of one series over [since, until), or why there is none. */
export interface BaselineBand {
  readonly points: BaselinePoint[];
  /** Days of history the last bin's model had (before that bin). */
  readonly daysAvailable: number;
  readonly seasonality: 'hour-of-week' | 'hour-of-day' | 'none';
  /** Set when some or all bins have no band: what is missing and what to do. */
  readonly note?: string | undefined;
}

/** Options of {@link baselineBand}. */
export interface BaselineOptions {
  readonly since: number;
  readonly until: number;
  /** Seconds per bin; `history` holds one value per bin start (multiples of `bin`). */
  readonly bin: number;
  readonly k?: number | undefined;
}

function days(seconds: number): string {
  const d = Math.floor((seconds / DAY) * 10) / 10;
  return Number.isInteger(d) ? String(d) : d.toFixed(1);
}

/**
 * The band of each bin in [since, until) from `history` (bin values before and inside the range; bins without a
 * value count as missing, not zero). The bin starting at t gets the model trained at t rounded down to the day (UTC
 * midnight; hourly retraining cost ~5 s for a day of 1-minute bins) on the bins that ended by then, over the {@link BASELINE_WINDOW_DAYS} before: hour-of-day slots from
 * {@link BASELINE_MIN_DAYS} days of history, hour-of-week slots from {@link BASELINE_WEEK_DAYS}. Fewer than 3 days: no
 * points and a note "baseline needs 3 days of history; N available".
 *
 * @example baselineBand(hourly, { since, until, bin: 3600 }).points[0] // { t, expected: 11.5, lower: 8.53, upper: 14.47 }
 */
export function baselineBand(history: readonly PeriodValue[], o: BaselineOptions): BaselineBand {
  const k = o.k ?? BASELINE_K;
  const first = Math.floor(o.since / o.bin) * o.bin;
  if (o.bin > BASELINE_MAX_BIN) {
    return {
      points: [],
      daysAvailable: 0,
      seasonality: 'none',
      note: `no baseline band for bins over 1 day (this chart has ${days(o.bin)}-day bins): choose a shorter time range`,
    };
  }
  const sorted = [...history].sort((a, b) => a.start - b.start);
  const models = new Map<number, ReturnType<typeof trainAnomalyModel>>();
  const model = (t: number) => {
    const cutoff = Math.floor(t / DAY) * DAY;
    let m = models.get(cutoff);
    if (m === undefined) {
      m = trainAnomalyModel(sorted, cutoff, {
        period: o.bin,
        minDays: BASELINE_MIN_DAYS,
        windowDays: BASELINE_WINDOW_DAYS,
        weekSeasonDays: BASELINE_WEEK_DAYS,
      });
      models.set(cutoff, m);
    }
    return m;
  };
  const points: BaselinePoint[] = [];
  let missing = 0;
  let last: ReturnType<typeof model> | undefined;
  for (let t = first; t < o.until; t += o.bin) {
    last = model(t);
    const b = bandAt(last, t, k);
    if (b === undefined) missing++;
    else points.push({ t, ...b });
  }
  const firstData = sorted[0]?.start;
  const seasonality = last?.seasonality ?? 'none';
  const daysAvailable = last?.daysAvailable ?? 0;
  if (points.length === 0) {
    return {
      points,
      daysAvailable,
      seasonality,
      note: `baseline needs ${BASELINE_MIN_DAYS} days of history; ${days(daysAvailable * DAY)} available${firstData === undefined ? ' (no traffic stored before this range ends)' : ''}: keep ingesting (the monitor adds history as it runs) or ingest older flow logs`,
    };
  }
  return {
    points,
    daysAvailable,
    seasonality,
    note:
      missing > 0
        ? `no band on the first ${missing} of ${missing + points.length} bins: baseline needs ${BASELINE_MIN_DAYS} days of history before each bin`
        : undefined,
  };
}

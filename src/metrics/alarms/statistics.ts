// Datapoints → one statistic per alarm period: SampleCount, Sum, Average, Minimum, Maximum and exact percentiles,
// plus the low-sample-count rule of percentile alarms (spec §1.1, §3.5).

import type { AlarmStatistic } from './definition.js';

/**
 * What a metric holds for one interval (a minute for flowwatch's stored datapoints; any interval that fits inside
 * the alarm's evaluation step works). Percentiles are exact only when `values` are given: every raw value, or with
 * `counts` the distinct values and how often each occurred (as PutMetricData's Values/Counts). Without them a
 * percentile is known only when the interval holds one sample or its minimum equals its maximum.
 *
 * @example const dp: MetricDatapoint = { timestamp: 1716200100, sampleCount: 3, sum: 3, minimum: 1, maximum: 1 };
 */
export interface MetricDatapoint {
  /** Epoch seconds: the start of the interval the datapoint summarises. */
  readonly timestamp: number;
  readonly sampleCount: number;
  readonly sum: number;
  readonly minimum: number;
  readonly maximum: number;
  readonly values?: readonly number[] | undefined;
  /** Parallel to `values`: how many times each value occurred (default 1 each). */
  readonly counts?: readonly number[] | undefined;
}

/** The datapoints of one alarm period combined. `values` is undefined when some raw values are unknown. */
export interface PeriodStats {
  readonly sampleCount: number;
  readonly sum: number;
  readonly minimum: number;
  readonly maximum: number;
  /** Distinct values with their counts, or undefined when a percentile cannot be computed exactly. */
  readonly values: readonly (readonly [value: number, count: number])[] | undefined;
}

function rawValues(dp: MetricDatapoint): (readonly [number, number])[] | undefined {
  if (dp.values !== undefined) return dp.values.map((v, i) => [v, dp.counts?.[i] ?? 1] as const);
  if (dp.sampleCount === 1) return [[dp.sum, 1]];
  if (dp.minimum === dp.maximum) return [[dp.minimum, dp.sampleCount]];
  return undefined;
}

/**
 * Combines the datapoints of one period; undefined when they hold no sample.
 *
 * @example combine([{ timestamp: 0, sampleCount: 1, sum: 4, minimum: 4, maximum: 4 }])?.sum // 4
 */
export function combine(points: readonly MetricDatapoint[]): PeriodStats | undefined {
  let sampleCount = 0;
  let sum = 0;
  let minimum = Number.POSITIVE_INFINITY;
  let maximum = Number.NEGATIVE_INFINITY;
  let values: (readonly [number, number])[] | undefined = [];
  for (const p of points) {
    if (!(p.sampleCount > 0)) continue;
    sampleCount += p.sampleCount;
    sum += p.sum;
    minimum = Math.min(minimum, p.minimum);
    maximum = Math.max(maximum, p.maximum);
    if (values === undefined) continue;
    const raw = rawValues(p);
    if (raw === undefined) values = undefined;
    else for (const r of raw) values.push(r);
  }
  if (sampleCount === 0) return undefined;
  return { sampleCount, sum, minimum, maximum, values };
}

/** A percentile p (0–100, decimal text) as the exact fraction p/100 = num/den. */
function fraction(p: string): readonly [bigint, bigint] {
  const [whole = '0', frac = ''] = p.split('.');
  const den = 100n * 10n ** BigInt(frac.length);
  return [BigInt(whole + frac), den];
}

/**
 * The nearest-rank percentile of a sample: the smallest value v such that at least p % of the samples are ≤ v
 * (`p0` is the minimum, `p100` the maximum).
 *
 * @example percentile([[1, 1], [2, 1], [3, 1], [4, 1]], '50') // 2
 */
export function percentile(values: readonly (readonly [number, number])[], p: string): number | undefined {
  const sorted = [...values].filter(([, c]) => c > 0).sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((s, [, c]) => s + c, 0);
  if (total === 0) return undefined;
  const [num, den] = fraction(p);
  const n = BigInt(Math.round(total));
  let rank = (num * n + den - 1n) / den;
  if (rank < 1n) rank = 1n;
  let seen = 0;
  for (const [v, c] of sorted) {
    seen += c;
    if (BigInt(Math.round(seen)) >= rank) return v;
  }
  return sorted[sorted.length - 1]![0];
}

/**
 * The value of a period for an alarm's statistic (`statistic`, or the percentile text of `extendedStatistic`
 * without its `p`); undefined when the percentile cannot be computed from what the datapoints hold.
 *
 * @example periodValue({ sampleCount: 4, sum: 10, minimum: 1, maximum: 4, values: undefined }, 'Average') // 2.5
 */
export function periodValue(
  s: PeriodStats,
  stat: AlarmStatistic | { readonly percentile: string },
): number | undefined {
  if (typeof stat === 'object')
    return s.values === undefined ? undefined : percentile(s.values, stat.percentile);
  switch (stat) {
    case 'SampleCount':
      return s.sampleCount;
    case 'Sum':
      return s.sum;
    case 'Average':
      return s.sum / s.sampleCount;
    case 'Minimum':
      return s.minimum;
    case 'Maximum':
      return s.maximum;
    default: {
      const never: never = stat;
      return never;
    }
  }
}

/**
 * Whether a sample is too small for percentile p (text, 0–100) under `EvaluateLowSampleCountPercentile = ignore`:
 * for p in [50, 100) fewer than 10 / (1 − p/100) samples (p99 ⇒ fewer than 1000), for p in (0, 50) fewer than
 * 10 / (p/100). p0 and p100 (the minimum and maximum) are never too small.
 *
 * @example tooFewSamples(999, '99') // true
 */
export function tooFewSamples(sampleCount: number, p: string): boolean {
  const [num, den] = fraction(p);
  if (num === 0n || num >= den) return false;
  // Compare with integers: count·(1 − q) < 10 ⇔ count·(den − num) < 10·den, and count·q < 10 ⇔ count·num < 10·den.
  const scale = 1_000_000n;
  const count = BigInt(Math.round(sampleCount * 1_000_000));
  const factor = 2n * num >= den ? den - num : num;
  return count * factor < 10n * den * scale;
}

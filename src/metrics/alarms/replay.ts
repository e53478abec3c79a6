// Replays a metric alarm over stored data in event time: create it at `since`, evaluate it on CloudWatch's schedule
// (spec §3.1: every minute, every 10 s for high-resolution periods, hourly beyond a one-day window) until `until`.

import type { MetricAlarm } from './definition.js';
import {
  alarmLookback,
  anomalyBandSource,
  type EvaluateOptions,
  evaluationRange,
  evaluationStep,
  windowEnd,
} from './evaluate.js';
import type { AlarmContext, StateValue } from './events.js';
import { AlarmStateMachine, type HistoryItem, type StateChange } from './state-machine.js';
import type { MetricDatapoint } from './statistics.js';

/** Options of a replay. */
export interface ReplayOptions extends EvaluateOptions {
  readonly context?: AlarmContext | undefined;
}

/** What a replay produced. */
export interface ReplayResult {
  /** The creation (INSUFFICIENT_DATA at `since`) and every transition after it, in time order. */
  readonly changes: readonly StateChange[];
  /** How many evaluations ran. */
  readonly evaluations: number;
  /** The state at `until`. */
  readonly state: StateValue;
  readonly history: readonly HistoryItem[];
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

/**
 * Replays `alarm` from `since` to `until` (epoch seconds, both included). `fetch(from, to)` returns the metric's
 * datapoints with `from <= timestamp < to`; it is called once, for the whole span plus the evaluation range
 * before `since` (plus the 14-day training window of an anomaly band). Evaluations run at every multiple of the evaluation step in [since, until].
 *
 * @example replay(alarm, (from, to) => points.filter(p => p.timestamp >= from && p.timestamp < to), t0, t1).changes
 */
export function replay(
  alarm: MetricAlarm,
  fetch: (from: number, to: number) => readonly MetricDatapoint[],
  since: number,
  until: number,
  options: ReplayOptions = {},
): ReplayResult {
  const sm = new AlarmStateMachine({ context: options.context });
  const changes: StateChange[] = [];
  const created = sm.putMetricAlarm(alarm, since);
  if (created) changes.push(created);
  const step = evaluationStep(alarm);
  const range = Math.max(alarm.evaluationPeriods, options.evaluationRange ?? evaluationRange(alarm));
  const lookback = range * alarm.period;
  const first = Math.ceil(since / step) * step;
  // An anomaly band trains on up to 14 days before each period: fetch them too, and keep one band source so
  // models are trained once an hour, not at every evaluation.
  const history = alarm.anomalyBand !== undefined ? alarmLookback(alarm, options) : 0;
  const points = [
    ...fetch(windowEnd(alarm, first) - Math.max(lookback, history), windowEnd(alarm, until)),
  ].sort((a, b) => a.timestamp - b.timestamp);
  const band = options.band ?? anomalyBandSource(alarm, points);
  const evalOptions = band !== undefined ? { ...options, band } : options;
  let evaluations = 0;
  for (let t = first; t <= until; t += step) {
    const end = windowEnd(alarm, t);
    const slice = points.slice(lowerBound(points, end - lookback), lowerBound(points, end));
    const change = sm.evaluate(alarm.name, slice, t, evalOptions);
    evaluations++;
    if (change) changes.push(change);
  }
  return { changes, evaluations, state: sm.state(alarm.name), history: sm.history(alarm.name) };
}

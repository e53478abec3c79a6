// One evaluation of a metric alarm (spec §3): the evaluation range, M of N, TreatMissingData, the premature-alarm
// rule, low-sample percentiles, and CloudWatch's reason text and reasonData. Pure: the caller supplies datapoints.

import { AnomalyBandSource, TRAINING_WINDOW_DAYS } from './anomaly-band.js';
import {
  type AlarmState,
  type AnomalyOperator,
  type ComparisonOperator,
  datapointsToAlarmOf,
  isAnomalyOperator,
  type MetricAlarm,
  type TreatMissingData,
} from './definition.js';
import { isoTime, type JavaJson, JsonInt, javaDouble, javaJson, plural, reasonTime } from './format.js';
import { combine, type MetricDatapoint, periodValue, tooFewSamples } from './statistics.js';

/**
 * Seconds between two evaluations (spec §3.1, §2): every 10 s for periods under a minute, hourly when
 * period × evaluationPeriods exceeds a day, otherwise every minute.
 *
 * @example evaluationStep({ ...alarm, period: 300, evaluationPeriods: 3 }) // 60
 */
export function evaluationStep(alarm: Pick<MetricAlarm, 'period' | 'evaluationPeriods'>): number {
  if (alarm.period < 60) return 10;
  return alarm.period * alarm.evaluationPeriods > 86_400 ? 3600 : 60;
}

/**
 * The end of the newest period an evaluation at `at` looks at: `at` rounded down to the minute (to 10 s for
 * high-resolution periods). Periods slide with it: at 10:07:30 a 5-minute alarm's newest period is 10:02–10:07.
 *
 * @example windowEnd({ period: 300 }, 1716200850) // 1716200820
 */
export function windowEnd(alarm: Pick<MetricAlarm, 'period'>, at: number): number {
  const unit = alarm.period < 60 ? 10 : 60;
  return Math.floor(at / unit) * unit;
}

/**
 * How many periods an evaluation fetches (the evaluation range, spec §3.3): N + max(2, ⌊N/3⌋). This gives AWS's
 * documented 5 for N = 3 and 3 periods (three days) for a one-day, N = 1 alarm.
 *
 * @example evaluationRange({ evaluationPeriods: 3 }) // 5
 */
export function evaluationRange(alarm: Pick<MetricAlarm, 'evaluationPeriods'>): number {
  const n = alarm.evaluationPeriods;
  return n + Math.max(2, Math.floor(n / 3));
}

/** One period of the evaluation range. A missing period has no `value`. */
export interface RangeSlot {
  /** Epoch seconds: the period's start. */
  readonly start: number;
  readonly value?: number | undefined;
  readonly sampleCount?: number | undefined;
  /** Whether `value <op> threshold` (or outside the band's side); undefined for a missing period or band. */
  readonly breaching?: boolean | undefined;
  /** Anomaly-band alarms: the band of this period, when the detector had one. */
  readonly lower?: number | undefined;
  readonly upper?: number | undefined;
  /** Anomaly-band alarms: why this period has no band (e.g. "baseline needs 7 days; 2 available"). */
  readonly noBand?: string | undefined;
}

/** What {@link decide} concluded: a state, or KEEP (stay in the current state). */
export type Outcome = AlarmState | 'KEEP';

/** Which rule of spec §3.3/§3.4 decided. */
export type DecisionRule =
  | 'complete' // the newest N periods all have data
  | 'recent-real' // some missing, but the range holds ≥ N real points: the N most recent decide
  | 'filled' // fewer than N real points: missing ones filled per TreatMissingData
  | 'real-points' // fewer than N real points, `missing`/`ignore`: decided from the real points alone
  | 'premature' // `missing`: the oldest real point breaches, is ≥ M periods old, nothing newer is good
  | 'no-data'; // not decidable from the data: INSUFFICIENT_DATA (`missing`) or KEEP (`ignore`)

/** The decision on a range of periods, with the periods it used. */
export interface Decision {
  readonly outcome: Outcome;
  readonly rule: DecisionRule;
  /** Indexes (into the range, oldest first) of the real datapoints the decision used. */
  readonly used: readonly number[];
  /** Indexes of missing periods filled per TreatMissingData (the newest missing ones). */
  readonly filled: readonly number[];
  /** What the filled periods counted as. */
  readonly fillAs: 'breaching' | 'notBreaching' | undefined;
}

/**
 * The core of alarm evaluation (spec §3.2–§3.4) on a range of periods, oldest first: `true` breaching, `false` not
 * breaching, `undefined` missing.
 *
 * 1. The newest N periods all real: ALARM when at least M breach, else OK.
 * 2. Some missing but at least N real points in the range: the N most recent real points decide.
 * 3. Fewer than N real points (k): `breaching`/`notBreaching` fill the N − k newest missing periods and decide on
 *    the k real points plus those. `missing` and `ignore` decide from the real points: ALARM when at least M
 *    breach; otherwise OK when one of them does not breach. When every real point breaches (but fewer than M),
 *    `missing` goes to ALARM if the oldest is at least M periods old (premature-alarm rule) and else to
 *    INSUFFICIENT_DATA (as with no real point at all); `ignore` keeps the current state.
 *
 * @example decide([false, undefined, true, undefined, true], 3, 3, 'missing').outcome // 'OK'
 */
export function decide(
  range: readonly (boolean | undefined)[],
  n: number,
  m: number,
  treat: TreatMissingData,
): Decision {
  const reals = range.flatMap((b, i) => (b === undefined ? [] : [i]));
  const breaches = (idx: readonly number[]) => idx.filter((i) => range[i] === true).length;
  const newest = range.map((_, i) => i).slice(-n);
  const none = { filled: [], fillAs: undefined } as const;
  if (newest.length === n && newest.every((i) => range[i] !== undefined)) {
    return { outcome: breaches(newest) >= m ? 'ALARM' : 'OK', rule: 'complete', used: newest, ...none };
  }
  if (reals.length >= n) {
    const used = reals.slice(-n);
    return { outcome: breaches(used) >= m ? 'ALARM' : 'OK', rule: 'recent-real', used, ...none };
  }
  const k = reals.length;
  const b = breaches(reals);
  const missing = range.flatMap((v, i) => (v === undefined ? [i] : []));
  const fill = missing.slice(missing.length - (n - k));
  switch (treat) {
    case 'breaching':
      return {
        outcome: b + fill.length >= m ? 'ALARM' : 'OK',
        rule: 'filled',
        used: reals,
        filled: fill,
        fillAs: 'breaching',
      };
    case 'notBreaching':
      return {
        outcome: b >= m ? 'ALARM' : 'OK',
        rule: 'filled',
        used: reals,
        filled: fill,
        fillAs: 'notBreaching',
      };
    case 'missing':
    case 'ignore': {
      if (b >= m) return { outcome: 'ALARM', rule: 'real-points', used: reals, ...none };
      if (b < k) return { outcome: 'OK', rule: 'real-points', used: reals, ...none };
      const oldestAge = k > 0 ? range.length - reals[0]! : 0;
      if (treat === 'missing' && k > 0 && oldestAge >= m) {
        return { outcome: 'ALARM', rule: 'premature', used: reals, ...none };
      }
      return {
        outcome: treat === 'missing' ? 'INSUFFICIENT_DATA' : 'KEEP',
        rule: 'no-data',
        used: reals,
        ...none,
      };
    }
    default: {
      const never: never = treat;
      return never;
    }
  }
}

/**
 * Whether a value breaches: `value <op> threshold`.
 *
 * @example breaches(5, 'GreaterThanOrEqualToThreshold', 5) // true
 */
export function breaches(value: number, op: ComparisonOperator, threshold: number): boolean {
  switch (op) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
    default: {
      const never: never = op;
      return never;
    }
  }
}

/**
 * Whether a value breaches an anomaly band: above the upper bound, below the lower one, or either.
 *
 * @example breachesBand(12, 'GreaterThanUpperThreshold', { lower: 2, upper: 10 }) // true
 */
export function breachesBand(
  value: number,
  op: AnomalyOperator,
  band: { readonly lower: number; readonly upper: number },
): boolean {
  switch (op) {
    case 'GreaterThanUpperThreshold':
      return value > band.upper;
    case 'LessThanLowerThreshold':
      return value < band.lower;
    case 'LessThanLowerOrGreaterThanUpperThreshold':
      return value < band.lower || value > band.upper;
    default: {
      const never: never = op;
      return never;
    }
  }
}

/**
 * Seconds of datapoints before an evaluation an alarm needs: its evaluation range, plus the 14-day training
 * window of an anomaly band.
 *
 * @example alarmLookback({ period: 300, evaluationPeriods: 3 }) // 1800
 */
export function alarmLookback(
  alarm: Pick<MetricAlarm, 'period' | 'evaluationPeriods' | 'anomalyBand'>,
  options: EvaluateOptions = {},
): number {
  const range = Math.max(alarm.evaluationPeriods, options.evaluationRange ?? evaluationRange(alarm));
  return (range + 1) * alarm.period + (alarm.anomalyBand !== undefined ? TRAINING_WINDOW_DAYS * 86_400 : 0);
}

/**
 * The band source of an anomaly alarm over some datapoints (the metric's history: give at least
 * {@link alarmLookback} seconds of it); undefined for a static-threshold alarm.
 *
 * @example anomalyBandSource(alarm, points)?.at(t)
 */
export function anomalyBandSource(
  alarm: MetricAlarm,
  datapoints: readonly MetricDatapoint[],
): AnomalyBandSource | undefined {
  if (alarm.anomalyBand === undefined) return undefined;
  return new AnomalyBandSource(datapoints, {
    period: alarm.period,
    k: alarm.anomalyBand.k,
    stat: statOf(alarm),
    statistic: alarm.statistic ?? alarm.extendedStatistic,
    config: alarm.anomalyBand.detector,
  });
}

const OP_WORDS: Record<ComparisonOperator, string> = {
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  GreaterThanThreshold: 'greater than',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

/** Options of one evaluation. */
export interface EvaluateOptions {
  /** Periods fetched per evaluation; default {@link evaluationRange}. */
  readonly evaluationRange?: number | undefined;
  /**
   * Anomaly-band alarms: where the band comes from (a replay or runner keeps one over the metric's history so
   * models are trained once an hour). Default: a band source over the datapoints given to the evaluation.
   */
  readonly band?: AnomalyBandSource | undefined;
}

/** The result of evaluating a metric alarm once. */
export interface AlarmEvaluation {
  /** The state the alarm should be in (the previous state when `kept`). */
  readonly state: AlarmState;
  /** True when TreatMissingData `ignore` or a low-sample percentile kept the previous state. */
  readonly kept: boolean;
  /** CloudWatch's reason text for entering `state`. */
  readonly reason: string;
  /** CloudWatch's reasonData: JSON text (`{"version":"1.0","queryDate":...}`). */
  readonly reasonData: string;
  readonly decision: Decision;
  /** The evaluation range, oldest period first. */
  readonly range: readonly RangeSlot[];
}

/** The statistic of an alarm, as {@link periodValue} takes it. */
function statOf(alarm: MetricAlarm) {
  if (alarm.statistic !== undefined) return alarm.statistic;
  return { percentile: (alarm.extendedStatistic ?? 'p100').slice(1) };
}

/**
 * The periods of an evaluation range ending at `end`, oldest first, with each period's statistic. Datapoints are
 * placed by their timestamp; those outside the range are ignored.
 *
 * @example rangeSlots(alarm, points, 1716201000, 5).map(s => s.value)
 */
export function rangeSlots(
  alarm: MetricAlarm,
  datapoints: readonly MetricDatapoint[],
  end: number,
  count: number,
  band?: AnomalyBandSource | undefined,
): RangeSlot[] {
  const source = band ?? anomalyBandSource(alarm, datapoints);
  const first = end - count * alarm.period;
  const groups: MetricDatapoint[][] = Array.from({ length: count }, () => []);
  for (const dp of datapoints) {
    if (dp.timestamp < first || dp.timestamp >= end) continue;
    groups[Math.floor((dp.timestamp - first) / alarm.period)]!.push(dp);
  }
  const stat = statOf(alarm);
  return groups.map((points, i) => {
    const start = first + i * alarm.period;
    const stats = combine(points);
    const value = stats === undefined ? undefined : periodValue(stats, stat);
    const op = alarm.comparisonOperator;
    if (source !== undefined && isAnomalyOperator(op)) {
      const b = source.at(start);
      const bandPart =
        b.band !== undefined ? { lower: b.band.lower, upper: b.band.upper } : { noBand: b.model.message };
      if (stats === undefined || value === undefined || !Number.isFinite(value))
        return { start, ...bandPart };
      return {
        start,
        value,
        sampleCount: stats.sampleCount,
        ...bandPart,
        ...(b.band !== undefined ? { breaching: breachesBand(value, op, b.band) } : {}),
      };
    }
    if (stats === undefined || value === undefined || !Number.isFinite(value)) return { start };
    if (isAnomalyOperator(op) || alarm.threshold === undefined)
      return { start, value, sampleCount: stats.sampleCount };
    return {
      start,
      value,
      sampleCount: stats.sampleCount,
      breaching: breaches(value, op, alarm.threshold),
    };
  });
}

/**
 * The TreatMissingData in force: metrics in `AWS/DynamoDB` always behave as `ignore` (spec §3.3).
 *
 * @example effectiveTreatMissingData({ ...alarm, treatMissingData: undefined }) // 'missing'
 */
export function effectiveTreatMissingData(alarm: MetricAlarm): TreatMissingData {
  return alarm.metric.namespace === 'AWS/DynamoDB' ? 'ignore' : (alarm.treatMissingData ?? 'missing');
}

/**
 * Evaluates a metric alarm at time `at` (epoch seconds) from its metric's datapoints, given the state it is in.
 * The datapoints should cover the evaluation range before `at` (see {@link evaluationRange}); more is harmless.
 *
 * @example
 * evaluateAlarm(alarm, [{ timestamp: t0, sampleCount: 1, sum: 5, minimum: 5, maximum: 5 }], 'OK', t0 + 60).state
 */
export function evaluateAlarm(
  alarm: MetricAlarm,
  datapoints: readonly MetricDatapoint[],
  previous: AlarmState,
  at: number,
  options: EvaluateOptions = {},
): AlarmEvaluation {
  const n = alarm.evaluationPeriods;
  const m = datapointsToAlarmOf(alarm);
  const end = windowEnd(alarm, at);
  const range = rangeSlots(
    alarm,
    datapoints,
    end,
    Math.max(n, options.evaluationRange ?? evaluationRange(alarm)),
    options.band,
  );
  let decision = decide(
    range.map((s) => s.breaching),
    n,
    m,
    effectiveTreatMissingData(alarm),
  );
  const p = alarm.extendedStatistic?.slice(1);
  let lowSample: RangeSlot | undefined;
  if (p !== undefined && alarm.evaluateLowSampleCountPercentile === 'ignore' && decision.outcome !== 'KEEP') {
    lowSample = decision.used.map((i) => range[i]!).find((s) => tooFewSamples(s.sampleCount ?? 0, p));
    if (lowSample !== undefined) decision = { ...decision, outcome: 'KEEP' };
  }
  const state = decision.outcome === 'KEEP' ? previous : decision.outcome;
  const reason =
    decision.outcome === 'KEEP'
      ? keptReason(alarm, decision, lowSample)
      : reasonText(alarm, range, decision, decision.outcome);
  return {
    state,
    kept: decision.outcome === 'KEEP',
    reason,
    reasonData: reasonData(alarm, range, decision, at, end),
    decision,
    range,
  };
}

function keptReason(alarm: MetricAlarm, d: Decision, lowSample: RangeSlot | undefined): string {
  if (lowSample !== undefined) {
    return `Unchanged: ${plural(lowSample.sampleCount ?? 0, 'sample')} at ${reasonTime(lowSample.start)} are too few for ${alarm.extendedStatistic} and low sample counts are ignored.`;
  }
  const k = d.used.length;
  return `Unchanged: ${k === 0 ? 'no datapoints were' : `${plural(k, 'datapoint')} ${k === 1 ? 'was' : 'were'}`} received for ${plural(alarm.evaluationPeriods, 'period')} and missing datapoints are ignored.`;
}

/** The slots that support a decision for `state`, newest first: real points, then filled periods by time. */
function supporting(range: readonly RangeSlot[], d: Decision, state: 'ALARM' | 'OK'): number[] {
  const want = state === 'ALARM';
  const reals = d.used.filter((i) => range[i]!.breaching === want);
  const fills = d.fillAs !== undefined && (d.fillAs === 'breaching') === want ? d.filled : [];
  return [...reals, ...fills].sort((a, b) => b - a);
}

/** ` No anomaly band: <why>.` when a period of the newest N has no band; empty otherwise. */
function noBandClause(alarm: MetricAlarm, range: readonly RangeSlot[]): string {
  const without = range.slice(-alarm.evaluationPeriods).filter((s) => s.noBand !== undefined);
  if (without.length === 0) return '';
  return ` No anomaly band for ${plural(without.length, 'period')}: ${without.at(-1)!.noBand}.`;
}

const BAND_WORDS: Record<AnomalyOperator, string> = {
  GreaterThanUpperThreshold: 'greater than the upper thresholds',
  LessThanLowerThreshold: 'less than the lower thresholds',
  LessThanLowerOrGreaterThanUpperThreshold: 'outside the band',
};

function bandReasonText(
  alarm: MetricAlarm,
  op: AnomalyOperator,
  range: readonly RangeSlot[],
  d: Decision,
  state: AlarmState,
): string {
  const n = alarm.evaluationPeriods;
  const why = noBandClause(alarm, range);
  if (state === 'INSUFFICIENT_DATA') {
    const unknown = n - d.used.length;
    return `Insufficient Data: ${plural(unknown, 'datapoint')} ${unknown === 1 ? 'was' : 'were'} unknown.${why}`;
  }
  const m = datapointsToAlarmOf(alarm);
  const want = state === 'ALARM';
  const cited = d.used.filter((i) => range[i]!.breaching === want).sort((a, b) => b - a);
  const f = d.filled.length;
  const label = d.fillAs === 'breaching' ? 'Breaching' : 'NonBreaching';
  const fillClause =
    f > 0 ? ` and ${plural(f, 'missing datapoint')} ${f === 1 ? 'was' : 'were'} treated as [${label}]` : '';
  if (cited.length === 0) {
    const k = d.used.length;
    const received = k === 0 ? 'no datapoints were' : `${plural(k, 'datapoint')} ${k === 1 ? 'was' : 'were'}`;
    return `Thresholds Crossed: ${received} received for ${plural(n, 'period')}${fillClause}.${why}`;
  }
  const t = (i: number) => reasonTime(range[i]!.start);
  const list = cited.map((i) => `${javaDouble(range[i]!.value!)} (${t(i)})`).join(', ');
  const bound = (i: number) => {
    const s = range[i]!;
    if (op === 'GreaterThanUpperThreshold') return `${javaDouble(s.upper!)} (${t(i)})`;
    if (op === 'LessThanLowerThreshold') return `${javaDouble(s.lower!)} (${t(i)})`;
    return `${javaDouble(s.lower!)}..${javaDouble(s.upper!)} (${t(i)})`;
  };
  const verb = cited.length === 1 ? 'was' : 'were';
  const words = `${want ? '' : 'not '}${BAND_WORDS[op]}`;
  const min = want ? m : n - m + 1;
  const transition = want ? 'OK -> ALARM' : 'ALARM -> OK';
  return `Thresholds Crossed: ${cited.length} out of the last ${n} datapoints [${list}] ${verb} ${words} [${cited.map(bound).join(', ')}]${fillClause} (minimum ${plural(min, 'datapoint')} for ${transition} transition).${why}`;
}

function reasonText(alarm: MetricAlarm, range: readonly RangeSlot[], d: Decision, state: AlarmState): string {
  const op0 = alarm.comparisonOperator;
  if (isAnomalyOperator(op0)) return bandReasonText(alarm, op0, range, d, state);
  const n = alarm.evaluationPeriods;
  if (state === 'INSUFFICIENT_DATA') {
    const unknown = n - d.used.length;
    return `Insufficient Data: ${plural(unknown, 'datapoint')} ${unknown === 1 ? 'was' : 'were'} unknown.`;
  }
  const m = datapointsToAlarmOf(alarm);
  const want = state === 'ALARM';
  const cited = d.used.filter((i) => range[i]!.breaching === want).sort((a, b) => b - a);
  const f = d.filled.length;
  const label = d.fillAs === 'breaching' ? 'Breaching' : 'NonBreaching';
  const fillClause =
    f > 0 ? ` and ${plural(f, 'missing datapoint')} ${f === 1 ? 'was' : 'were'} treated as [${label}]` : '';
  if (cited.length === 0) {
    const k = d.used.length;
    const received = k === 0 ? 'no datapoints were' : `${plural(k, 'datapoint')} ${k === 1 ? 'was' : 'were'}`;
    return `Threshold Crossed: ${received} received for ${plural(n, 'period')}${fillClause}.`;
  }
  const point = (i: number) => `${javaDouble(range[i]!.value!)} (${reasonTime(range[i]!.start)})`;
  const list = cited.map(point).join(', ');
  const verb = cited.length === 1 ? 'was' : 'were';
  const op = `${want ? '' : 'not '}${OP_WORDS[op0]}`;
  const thr = javaDouble(alarm.threshold ?? Number.NaN);
  if (alarm.datapointsToAlarm !== undefined) {
    const min = want ? m : n - m + 1;
    const transition = want ? 'OK -> ALARM' : 'ALARM -> OK';
    return `Threshold Crossed: ${cited.length} out of the last ${n} datapoints [${list}] ${verb} ${op} the threshold (${thr})${fillClause} (minimum ${plural(min, 'datapoint')} for ${transition} transition).`;
  }
  if (want && cited.length > 5 && f === 0) {
    return `Threshold Crossed: ${cited.length} datapoints were ${op} the threshold (${thr}). The most recent datapoints which crossed the threshold: [${cited.slice(0, 5).map(point).join(', ')}].`;
  }
  return `Threshold Crossed: ${plural(cited.length, 'datapoint')} [${list}] ${verb} ${op} the threshold (${thr})${fillClause}.`;
}

function reasonData(
  alarm: MetricAlarm,
  range: readonly RangeSlot[],
  d: Decision,
  at: number,
  end: number,
): string {
  const n = alarm.evaluationPeriods;
  const m = datapointsToAlarmOf(alarm);
  const used = [...d.used].sort((a, b) => a - b);
  const entry = (i: number): JavaJson => {
    const s = range[i]!;
    const band = s.lower !== undefined ? { lowerThreshold: s.lower, upperThreshold: s.upper! } : {};
    return s.value === undefined
      ? { timestamp: isoTime(s.start), ...band }
      : { timestamp: isoTime(s.start), sampleCount: s.sampleCount ?? 0, value: s.value, ...band };
  };
  let evaluated: number[];
  if (d.outcome === 'ALARM' || d.outcome === 'OK') {
    evaluated = supporting(range, d, d.outcome).slice(0, d.outcome === 'ALARM' ? m : n - m + 1);
  } else {
    const missing = range.flatMap((s, i) => (s.value === undefined ? [i] : []));
    evaluated = [...used, ...missing.slice(Math.max(0, missing.length - (n - used.length)))].sort(
      (a, b) => b - a,
    );
  }
  const oldest = used[0];
  const startDate =
    oldest === undefined ? undefined : isoTime(Math.min(end - n * alarm.period, range[oldest]!.start));
  return javaJson({
    version: '1.0',
    queryDate: isoTime(at),
    startDate,
    statistic: alarm.statistic ?? alarm.extendedStatistic,
    period: new JsonInt(alarm.period),
    recentDatapoints: used.map((i) => range[i]!.value!),
    ...(alarm.threshold !== undefined ? { threshold: alarm.threshold } : {}),
    ...(alarm.thresholdMetricId !== undefined ? { thresholdMetricId: alarm.thresholdMetricId } : {}),
    evaluatedDatapoints: evaluated.map(entry),
  });
}

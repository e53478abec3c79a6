// Anomaly-band alarms: the model's semantics (seasonality, k, exclusions, no look-ahead, clamping, too little
// history), the three operators in evaluation, and validation. Numbers are worked out by hand from the model's
// documented rule (docs/decisions/31-anomaly-band-alarms.md), not from AWS (whose model is not published).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AnomalyBandSource,
  bandAt,
  breachesBand,
  checkAlarm,
  evaluateAlarm,
  LocalClock,
  type MetricAlarm,
  type MetricDatapoint,
  replay,
  robust,
  trainAnomalyModel,
} from '../../../src/metrics/alarms/index.js';

const H = 3600;
const D = 86_400;
/** Monday 2026-11-02 00:00 UTC. */
const T0 = Date.parse('2026-11-02T00:00:00Z') / 1000;
const SIGMA = 1.4826; // MAD 1 × 1.4826

function point(ts: number, v: number): MetricDatapoint {
  return { timestamp: ts, sampleCount: 1, sum: v, minimum: v, maximum: v };
}

/**
 * An hourly metric with a daily cycle: 100 from 09:00 to 20:59 UTC, 10 at night, plus noise −1/0/+1 by
 * (day + hour) mod 3. For one hour across 10 days the noise has median 0 and MAD 1; any 24 consecutive hours have
 * residual median 0 (so the recent level is 0).
 */
function cycle(d: number, h: number): number {
  return (h >= 9 && h <= 20 ? 100 : 10) + [-1, 0, 1][(d + h) % 3]!;
}
function dailyCycle(days: number, extraHours = 0): MetricDatapoint[] {
  const out: MetricDatapoint[] = [];
  for (let i = 0; i < days * 24 + extraHours; i++) {
    const d = Math.floor(i / 24);
    out.push(point(T0 + i * H, cycle(d, i % 24)));
  }
  return out;
}

/** An hourly Sum alarm on the band ANOMALY_DETECTION_BAND(m1, 2), read as flowwatch.yaml would give it. */
const bandAlarm: MetricAlarm = checkAlarm({
  name: 'egress-anomaly',
  metrics: [
    {
      id: 'm1',
      metric: { namespace: 'Local/VPC', metricName: 'EgressBytes' },
      statistic: 'Sum',
      period: 3600,
    },
    { id: 'band', expression: 'ANOMALY_DETECTION_BAND(m1, 2)' },
  ],
  thresholdMetricId: 'band',
  evaluationPeriods: 1,
  comparisonOperator: 'LessThanLowerThreshold',
}).value!;

function source(points: readonly MetricDatapoint[], k = 2, extra: object = {}) {
  return new AnomalyBandSource(points, { period: 3600, k, stat: 'Sum', statistic: 'Sum', ...extra });
}

describe('robust statistics', () => {
  it('median and MAD-based σ resist one outlier', () => {
    // sorted 1 2 3 4 100: median 3; |x − 3| = 2 1 0 1 97 → median 1 → σ = 1.4826
    const r = robust([1, 2, 3, 4, 100]);
    expect(r.median).toBe(3);
    expect(r.sigma).toBeCloseTo(SIGMA, 10);
  });
});

describe('seasonality (hour-of-day, worked by hand)', () => {
  // Trained on days 0–9 plus day 10 until the evaluated hour: 10 samples per hour-of-day slot.
  it('the band follows the daily cycle: 10 ± 2σ at 03:00, 100 ± 2σ at 15:00', () => {
    const src = source(dailyCycle(10, 24));
    const night = src.at(T0 + 10 * D + 3 * H);
    const day = src.at(T0 + 10 * D + 15 * H);
    expect(night.band?.expected).toBeCloseTo(10, 9);
    expect(night.band?.lower).toBeCloseTo(10 - 2 * SIGMA, 9);
    expect(night.band?.upper).toBeCloseTo(10 + 2 * SIGMA, 9);
    expect(day.band?.lower).toBeCloseTo(100 - 2 * SIGMA, 9);
    expect(day.band?.upper).toBeCloseTo(100 + 2 * SIGMA, 9);
    expect(src.model(T0 + 10 * D + 3 * H).seasonality).toBe('hour-of-day');
  });

  it('a normal 3 am dip does not breach LessThanLower; the same value at 3 pm does', () => {
    const history = dailyCycle(10);
    const at3 = T0 + 10 * D + 3 * H;
    const at15 = T0 + 10 * D + 15 * H;
    const day10 = (until: number, last: number) => [
      ...history,
      ...Array.from({ length: (until - (T0 + 10 * D)) / H }, (_, h) =>
        point(T0 + 10 * D + h * H, cycle(10, h)),
      ),
      point(until, last),
    ];
    // The alarm at 04:00 looks at 03:00–04:00 (value 10, band 7.03..12.97): OK.
    expect(evaluateAlarm(bandAlarm, day10(at3, 10), 'OK', at3 + H).state).toBe('OK');
    // At 16:00 it looks at 15:00–16:00: 10 < 97.03: ALARM.
    const e = evaluateAlarm(bandAlarm, day10(at15, 10), 'OK', at15 + H);
    expect(e.state).toBe('ALARM');
    expect(e.reason).toContain('less than the lower thresholds');
    expect(e.range.at(-1)?.lower).toBeCloseTo(100 - 2 * SIGMA, 9);
  });

  it('with 14 days of history the slots are hours of the week: a quiet Saturday afternoon is normal', () => {
    // Weekdays follow the daily cycle; Saturdays and Sundays stay at 10 ± 1. T0 is a Monday: days 5, 12, 19 are
    // Saturdays. Saturday 15:00 of day 19 has two samples (days 5 and 12: 11 and 9): expected 10, where the
    // hour-of-day slot would say ~100.
    const points: MetricDatapoint[] = [];
    for (let i = 0; i < 20 * 24; i++) {
      const d = Math.floor(i / 24);
      const weekend = d % 7 === 5 || d % 7 === 6;
      points.push(point(T0 + i * H, weekend ? 10 + [-1, 0, 1][(d + (i % 24)) % 3]! : cycle(d, i % 24)));
    }
    const src = source(points);
    const saturday = T0 + 19 * D + 15 * H;
    expect(src.model(saturday).seasonality).toBe('hour-of-week');
    expect(Math.abs(src.at(saturday).band!.expected - 10)).toBeLessThan(2);
    const monday = T0 + 14 * D + 15 * H;
    expect(Math.abs(src.at(monday).band!.expected - 100)).toBeLessThan(2);
  });
});

describe('timezones (Intl, DST-aware)', () => {
  it('hour of day and week follow local time, summer and winter', () => {
    const ny = new LocalClock('America/New_York');
    const summer = Date.parse('2026-07-01T12:00:00Z') / 1000; // a Wednesday, EDT (UTC−4): 08:00
    const winter = Date.parse('2026-01-15T12:00:00Z') / 1000; // a Thursday, EST (UTC−5): 07:00
    expect(ny.hourOfDay(summer)).toBe(8);
    expect(ny.hourOfDay(winter)).toBe(7);
    expect(ny.hourOfWeek(summer)).toBe(3 * 24 + 8);
    expect(ny.hourOfWeek(winter)).toBe(4 * 24 + 7);
    expect(new LocalClock('Asia/Kolkata').secondOfHour(summer)).toBe(30 * 60); // UTC+5:30
  });
});

describe('k', () => {
  it('bigger k ⇒ wider band ⇒ never more breaches', () => {
    const points = dailyCycle(10, 24);
    const probe = Array.from({ length: 24 }, (_, h) => T0 + 10 * D + h * H);
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 6, noNaN: true }),
        fc.double({ min: 0.1, max: 6, noNaN: true }),
        fc.array(fc.double({ min: 0, max: 200, noNaN: true }), { minLength: 24, maxLength: 24 }),
        (a, b, values) => {
          const [k1, k2] = a <= b ? [a, b] : [b, a];
          const s1 = source(points, k1);
          const s2 = source(points, k2);
          let n1 = 0;
          let n2 = 0;
          probe.forEach((t, i) => {
            const b1 = s1.at(t).band!;
            const b2 = s2.at(t).band!;
            expect(b2.lower).toBeLessThanOrEqual(b1.lower);
            expect(b2.upper).toBeGreaterThanOrEqual(b1.upper);
            n1 += breachesBand(values[i]!, 'LessThanLowerOrGreaterThanUpperThreshold', b1) ? 1 : 0;
            n2 += breachesBand(values[i]!, 'LessThanLowerOrGreaterThanUpperThreshold', b2) ? 1 : 0;
          });
          expect(n2).toBeLessThanOrEqual(n1);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('operators', () => {
  const band = { lower: 10, upper: 20 };
  it.each([
    ['GreaterThanUpperThreshold', 25, true],
    ['GreaterThanUpperThreshold', 20, false],
    ['GreaterThanUpperThreshold', 5, false],
    ['LessThanLowerThreshold', 5, true],
    ['LessThanLowerThreshold', 10, false],
    ['LessThanLowerThreshold', 25, false],
    ['LessThanLowerOrGreaterThanUpperThreshold', 5, true],
    ['LessThanLowerOrGreaterThanUpperThreshold', 25, true],
    ['LessThanLowerOrGreaterThanUpperThreshold', 15, false],
  ] as const)('%s with value %d breaches: %s', (op, v, want) => {
    expect(breachesBand(v, op, band)).toBe(want);
  });

  it('in evaluation: a spike alarms GreaterThanUpper and not LessThanLower', () => {
    const at = T0 + 10 * D + 15 * H;
    const points = [...dailyCycle(10, 15), point(at, 500)];
    const up = evaluateAlarm(
      { ...bandAlarm, comparisonOperator: 'GreaterThanUpperThreshold' },
      points,
      'OK',
      at + H,
    );
    const down = evaluateAlarm(bandAlarm, points, 'OK', at + H);
    const both = evaluateAlarm(
      { ...bandAlarm, comparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold' },
      points,
      'OK',
      at + H,
    );
    expect([up.state, down.state, both.state]).toEqual(['ALARM', 'OK', 'ALARM']);
    expect(JSON.parse(up.reasonData).thresholdMetricId).toBe('band');
  });
});

describe('excluded time ranges', () => {
  // 14 days; days 2–8 (7 days) carry an outage-like flood of 1000 every hour. Excluding them leaves 7 clean days.
  const flooded = dailyCycle(14, 24).map((p) => {
    const d = Math.floor((p.timestamp - T0) / D);
    return d >= 2 && d <= 8 ? point(p.timestamp, 1000) : p;
  });
  const excluded = [{ start: T0 + 2 * D, end: T0 + 9 * D }];
  const at = T0 + 14 * D + 3 * H;

  it('a flood inside an excluded range does not move or widen the band', () => {
    const withExclusion = source(flooded, 2, { config: { excludedTimeRanges: excluded } }).at(at).band!;
    const cleanOnly = source(
      flooded.filter((p) => p.timestamp < excluded[0]!.start || p.timestamp >= excluded[0]!.end),
      2,
    );
    // Same periods used: the same band as if the flood had never been stored (min-days counts the gap out).
    const model = trainAnomalyModel([], at, { period: 3600 });
    expect(model.state).toBe('PENDING_TRAINING');
    expect(withExclusion.upper).toBeLessThan(20);
    expect(withExclusion.lower).toBeGreaterThan(0);
    const clean = cleanOnly.model(at);
    // Without the flood days the span is still 14 days but only 7 days of data: the band is the same.
    expect(clean.state).toBe('TRAINED');
    expect(withExclusion).toEqual(cleanOnly.at(at).band);
  });

  it('without the exclusion the flood drags the band up (so the test above can fail)', () => {
    const b = source(flooded).at(at).band!;
    expect(b.upper).toBeGreaterThan(100);
  });

  it('an excluded range counts out of the history available', () => {
    const m = source(dailyCycle(8, 24), 2, {
      config: { excludedTimeRanges: [{ start: T0, end: T0 + 3 * D }] },
    }).model(T0 + 9 * D);
    expect(m.state).toBe('TRAINED_INSUFFICIENT_DATA');
    expect(m.message).toBe('baseline needs 7 days; 6 available outside the excluded time ranges');
  });
});

describe('too little history', () => {
  it('says how much is needed and how much there is', () => {
    const cutoff = T0 + 2 * D;
    const m = source(dailyCycle(2)).model(cutoff);
    expect(m.state).toBe('TRAINED_INSUFFICIENT_DATA');
    expect(m.message).toBe('baseline needs 7 days; 2 available');
    expect(bandAt(m, cutoff, 2)).toBeUndefined();
  });

  it('an alarm without a band evaluates it as missing data, and says why', () => {
    const at = T0 + 2 * D + H;
    const points = [...dailyCycle(2), point(at - H, 0)];
    const missing = evaluateAlarm(bandAlarm, points, 'OK', at);
    expect(missing.state).toBe('INSUFFICIENT_DATA');
    expect(missing.reason).toContain('baseline needs 7 days; 2 available');
    const notBreaching = evaluateAlarm(
      { ...bandAlarm, treatMissingData: 'notBreaching' },
      points,
      'ALARM',
      at,
    );
    expect(notBreaching.state).toBe('OK');
    expect(notBreaching.reason).toContain('baseline needs 7 days; 2 available');
    const breaching = evaluateAlarm({ ...bandAlarm, treatMissingData: 'breaching' }, points, 'OK', at);
    expect(breaching.state).toBe('ALARM');
  });
});

describe('no look-ahead', () => {
  it('the band of a period ignores that period and everything after it', () => {
    const points = dailyCycle(12);
    const s = T0 + 10 * D + 15 * H;
    const changed = points.map((p) => (p.timestamp >= s ? point(p.timestamp, p.sum * 50 + 7) : p));
    expect(source(changed).at(s).band).toEqual(source(points).at(s).band);
    // …while a day later the changed periods are history, and the recent level follows them.
    expect(source(changed).at(s + D + 2 * H).band!.expected).toBeGreaterThan(
      source(points).at(s + D + 2 * H).band!.expected * 10,
    );
  });
});

describe('clamping', () => {
  // Each hour's slot alternates 0 and 4 day by day (median 2, MAD 2, σ 2.9652), any day holds twelve of each
  // (recent level 0): 2 − 2σ < 0.
  const points = Array.from({ length: 10 * 24 }, (_, i) =>
    point(T0 + i * H, (Math.floor(i / 24) + (i % 24)) % 2 === 0 ? 0 : 4),
  );
  it('a non-negative metric never gets a band below 0', () => {
    const b = source(points).at(T0 + 10 * D).band!;
    expect(b.lower).toBe(0);
    expect(b.upper).toBeCloseTo(2 + 2 * 2 * SIGMA, 9);
  });
  it('a metric that was negative in training is not clamped', () => {
    const neg = points.map((p) => point(p.timestamp, p.sum - 1));
    const b = new AnomalyBandSource(neg, { period: 3600, k: 2, stat: 'Average', statistic: 'Average' }).at(
      T0 + 10 * D,
    ).band!;
    expect(b.lower).toBeCloseTo(1 - 2 * 2 * SIGMA, 9);
  });
});

describe('replay', () => {
  it('a one-hour spike on day 10 alarms once; the daily cycle never does, with periods sliding by the minute', () => {
    // Minute datapoints (each 1/60 of its hour's value), as metric filters store them. The alarm's 1-hour periods
    // slide by the minute, so most straddle two hours; the band blends the two hours' expectations alike.
    const spikeAt = T0 + 10 * D + 15 * H;
    const points: MetricDatapoint[] = [];
    for (let i = 0; i < 11 * 24; i++) {
      const hourly = T0 + i * H === spikeAt ? 400 : cycle(Math.floor(i / 24), i % 24);
      for (let m = 0; m < 60; m++) points.push(point(T0 + i * H + m * 60, hourly / 60));
    }
    const alarm = { ...bandAlarm, comparisonOperator: 'GreaterThanUpperThreshold' as const };
    const r = replay(
      alarm,
      (from, to) => points.filter((p) => p.timestamp >= from && p.timestamp < to),
      T0 + 10 * D,
      T0 + 11 * D - H,
    );
    const changes = r.changes.filter((c) => c.previous !== undefined).map((c) => [c.time, c.current.value]);
    // First evaluation → OK; 15:01 (the period 14:01–15:01 holds one spiked minute: 105 > 102.97) → ALARM;
    // 17:00 (16:00–17:00 holds none) → OK.
    expect(changes).toEqual([
      [T0 + 10 * D, 'OK'],
      [spikeAt + 60, 'ALARM'],
      [spikeAt + 2 * H, 'OK'],
    ]);
  });
});

describe('validation', () => {
  const good = {
    name: 'egress-anomaly',
    metrics: [
      {
        id: 'm1',
        metric: { namespace: 'Local/VPC', metricName: 'EgressBytes' },
        statistic: 'Sum',
        period: 300,
        returnData: true,
      },
      { id: 'band', expression: 'ANOMALY_DETECTION_BAND(m1, 2.5)' },
    ],
    thresholdMetricId: 'band',
    comparisonOperator: 'GreaterThanUpperThreshold',
    evaluationPeriods: 3,
    anomalyDetector: {
      excludedTimeRanges: [{ start: '2026-12-24T00:00:00Z', end: '2026-12-27T00:00:00Z' }],
      metricTimezone: 'Europe/Paris',
    },
  };
  const codes = (raw: unknown) => checkAlarm(raw, ['alarms', 0]).errors.map((e) => [e.code, e.key]);

  it('accepts the CloudWatch shape; k need not be whole', () => {
    const r = checkAlarm(good);
    expect(r.errors).toEqual([]);
    expect(r.value?.anomalyBand?.k).toBe(2.5);
    expect(r.value?.period).toBe(300);
    expect(r.value?.statistic).toBe('Sum');
    expect(r.value?.anomalyBand?.detector?.excludedTimeRanges).toEqual([
      { start: Date.parse('2026-12-24T00:00:00Z') / 1000, end: Date.parse('2026-12-27T00:00:00Z') / 1000 },
    ]);
  });
  it('k defaults to 2', () => {
    const r = checkAlarm({
      ...good,
      metrics: [good.metrics[0], { id: 'band', expression: 'ANOMALY_DETECTION_BAND(m1)' }],
    });
    expect(r.value?.anomalyBand?.k).toBe(2);
  });
  it.each([
    [
      'a band with a static operator',
      { comparisonOperator: 'GreaterThanThreshold' },
      'ALARM_BAND_NEEDS_BAND_OPERATOR',
      'alarms[0].comparisonOperator',
    ],
    ['a band with a threshold', { threshold: 5 }, 'ALARM_BAND_THRESHOLD_CONFLICT', 'alarms[0].threshold'],
    [
      'thresholdMetricId naming the metric',
      { thresholdMetricId: 'm1' },
      'ALARM_BAD_THRESHOLD_METRIC_ID',
      'alarms[0].thresholdMetricId',
    ],
    ['no thresholdMetricId', { thresholdMetricId: undefined }, 'ALARM_MISSING_KEY', 'alarms[0]'],
    ['period beside metrics', { period: 300 }, 'ALARM_METRICS_CONFLICT', 'alarms[0].period'],
    [
      'a band over an unknown id',
      { metrics: [good.metrics[0], { id: 'band', expression: 'ANOMALY_DETECTION_BAND(m2, 2)' }] },
      'ALARM_BAND_UNKNOWN_METRIC',
      'alarms[0].metrics[1].expression',
    ],
    [
      'other metric math',
      { metrics: [good.metrics[0], { id: 'band', expression: 'm1 * 2' }] },
      'ALARM_METRIC_MATH_UNSUPPORTED',
      'alarms[0].metrics[1].expression',
    ],
    [
      'k of 0',
      { metrics: [good.metrics[0], { id: 'band', expression: 'ANOMALY_DETECTION_BAND(m1, 0)' }] },
      'ALARM_METRIC_MATH_UNSUPPORTED',
      'alarms[0].metrics[1].expression',
    ],
    [
      'an unknown time zone',
      { anomalyDetector: { metricTimezone: 'Europe/Pariss' } },
      'ALARM_BAD_VALUE',
      'alarms[0].anomalyDetector.metricTimezone',
    ],
    [
      'eleven excluded ranges',
      {
        anomalyDetector: {
          excludedTimeRanges: Array.from({ length: 11 }, () => ({ start: '2026-01-01', end: '2026-01-02' })),
        },
      },
      'ALARM_TOO_MANY_RANGES',
      'alarms[0].anomalyDetector.excludedTimeRanges',
    ],
    [
      'a range ending before it starts',
      { anomalyDetector: { excludedTimeRanges: [{ start: '2026-01-02', end: '2026-01-01' }] } },
      'ALARM_BAD_TIME',
      'alarms[0].anomalyDetector.excludedTimeRanges[0].end',
    ],
  ])('%s', (_, change, code, key) => {
    expect(codes({ ...good, ...change })).toEqual([[code, key]]);
  });

  it('an anomaly operator without a band names comparisonOperator', () => {
    const raw = {
      name: 'x',
      metric: { namespace: 'Local/VPC', metricName: 'EgressBytes' },
      statistic: 'Sum',
      period: 300,
      evaluationPeriods: 1,
      threshold: 5,
      comparisonOperator: 'LessThanLowerThreshold',
    };
    expect(codes(raw)).toEqual([['ALARM_OPERATOR_NEEDS_BAND', 'alarms[0].comparisonOperator']]);
    expect(codes({ ...raw, comparisonOperator: 'GreaterThanThreshold', thresholdMetricId: 'band' })).toEqual([
      ['ALARM_BAND_MISSING', 'alarms[0].thresholdMetricId'],
    ]);
  });
});

describe('flowwatch.yaml', () => {
  it("reads the README's example, unquoted YAML times included, and locates errors by line", async () => {
    const { parseConfig } = await import('../../../src/config/config.js');
    const text = `metricFilters:
  - { name: ssh, pattern: "[v, a, eni, src, dst, sp, dport = 22, proto = 6, pkts, bytes, st, en, action = REJECT, status]", metricNamespace: FlowLogs, metricName: RejectedSSH, metricValue: "1" }
topics:
  - { name: netmon-alerts, subscriptions: [{ type: stdout }] }
alarms:
  - name: ssh-rejects-unusual
    metrics:
      - { id: m1, metric: { namespace: FlowLogs, metricName: RejectedSSH }, statistic: Sum, period: 300 }
      - { id: band, expression: "ANOMALY_DETECTION_BAND(m1, 3)" }
    thresholdMetricId: band
    comparisonOperator: GreaterThanUpperThreshold
    evaluationPeriods: 3
    datapointsToAlarm: 2
    alarmActions: [netmon-alerts]
    anomalyDetector:
      metricTimezone: Europe/Paris
      excludedTimeRanges:
        - { start: 2026-12-24T00:00:00Z, end: 2026-12-27T00:00:00Z }
`;
    const c = parseConfig('flowwatch.yaml', text);
    expect(c.alarms[0]?.anomalyBand).toEqual({
      k: 3,
      detector: {
        metricTimezone: 'Europe/Paris',
        excludedTimeRanges: [
          {
            start: Date.parse('2026-12-24T00:00:00Z') / 1000,
            end: Date.parse('2026-12-27T00:00:00Z') / 1000,
          },
        ],
      },
    });
    let message = '';
    try {
      parseConfig('flowwatch.yaml', text.replace('GreaterThanUpperThreshold', 'GreaterThanThreshold'));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/flowwatch\.yaml:11:\d+.*comparisonOperator|alarms\[0\]\.comparisonOperator/);
  });
});

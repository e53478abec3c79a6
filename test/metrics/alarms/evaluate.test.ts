// Metric alarm evaluation against the spec: the §3.3 outcome table (every row, every TreatMissingData), the §3.2
// M-of-N table, the premature-alarm rule, percentiles, sliding periods, and CloudWatch's reason and reasonData.
// Every expected value is written from the spec (or the AWS guide it cites), not from the program's output.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AlarmState,
  decide,
  evaluateAlarm,
  evaluationRange,
  evaluationStep,
  type MetricAlarm,
  type MetricDatapoint,
  TREAT_MISSING_DATA,
  type TreatMissingData,
  windowEnd,
} from '../../../src/metrics/alarms/index.js';

const t = (iso: string) => Date.parse(iso) / 1000;
const STATES: AlarmState[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];

/** One sample of value v at time ts. */
function point(ts: number, v: number): MetricDatapoint {
  return { timestamp: ts, sampleCount: 1, sum: v, minimum: v, maximum: v };
}

const base: MetricAlarm = {
  name: 'table',
  metric: { namespace: 'Local/VPC', metricName: 'Rejected', dimensions: {} },
  statistic: 'Maximum',
  period: 60,
  evaluationPeriods: 3,
  threshold: 10,
  comparisonOperator: 'GreaterThanThreshold',
};

const AT = t('2024-05-20T10:05:00Z');

/**
 * Datapoints for a range written as in the spec (oldest → newest; X breaching, 0 not breaching, - missing),
 * ending at AT, one period (60 s) per symbol. X is 20 and 0 is 1 against the threshold "> 10".
 */
function series(range: string): MetricDatapoint[] {
  const symbols = range.split(' ');
  return symbols.flatMap((s, i) => {
    const ts = AT - (symbols.length - i) * 60;
    return s === 'X' ? [point(ts, 20)] : s === '0' ? [point(ts, 1)] : [];
  });
}

type Expect = AlarmState | 'keep state';

// Spec §3.3: evaluation range 5, N = 3. Columns: missing, ignore, breaching, notBreaching.
const OUTCOMES: [string, number, Expect, Expect, Expect, Expect][] = [
  ['0 - X - X', 3, 'OK', 'OK', 'OK', 'OK'],
  ['0 - - - -', 3, 'OK', 'OK', 'OK', 'OK'],
  ['- - - - -', 3, 'INSUFFICIENT_DATA', 'keep state', 'ALARM', 'OK'],
  ['0 X X - X', 3, 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
  ['- - X - -', 3, 'ALARM', 'keep state', 'ALARM', 'OK'],
  ['0 - X - X', 2, 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
  ['0 0 X 0 X', 2, 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
  ['0 - X - -', 2, 'OK', 'OK', 'ALARM', 'OK'],
  ['- - - - 0', 2, 'OK', 'OK', 'ALARM', 'OK'],
  ['- - - X -', 2, 'ALARM', 'keep state', 'ALARM', 'OK'],
];

// The archived 2023 user guide (cited by the spec, §9) has three more rows, which settle what `missing` does when
// the only real points breach but are too recent: INSUFFICIENT_DATA.
const GUIDE_2023: [string, number, Expect, Expect, Expect, Expect][] = [
  ['- - - - X', 3, 'INSUFFICIENT_DATA', 'keep state', 'ALARM', 'OK'],
  ['X - - - -', 3, 'ALARM', 'keep state', 'ALARM', 'OK'],
  ['- - - - X', 2, 'INSUFFICIENT_DATA', 'keep state', 'ALARM', 'OK'],
];

const COLUMNS: TreatMissingData[] = ['missing', 'ignore', 'breaching', 'notBreaching'];

const cases = (rows: typeof OUTCOMES) =>
  rows.flatMap(([range, m, ...expected]) =>
    COLUMNS.map((treat, c) => ({ range, m, treat, expected: expected[c]! })),
  );

describe('spec §3.3 outcome table (range 5, N = 3)', () => {
  it('uses an evaluation range of 5 periods for N = 3', () => {
    expect(evaluationRange({ evaluationPeriods: 3 })).toBe(5);
  });

  it.each(cases(OUTCOMES))(
    '$range with M = $m, treatMissingData $treat ⇒ $expected',
    ({ range, m, treat, expected }) => {
      const alarm: MetricAlarm = { ...base, datapointsToAlarm: m, treatMissingData: treat };
      for (const previous of STATES) {
        const e = evaluateAlarm(alarm, series(range), previous, AT);
        if (expected === 'keep state') {
          expect(e.kept).toBe(true);
          expect(e.state).toBe(previous);
        } else {
          expect(e.kept).toBe(false);
          expect(e.state).toBe(expected);
        }
      }
    },
  );

  it.each(cases(GUIDE_2023))(
    '2023 guide: $range with M = $m, $treat ⇒ $expected',
    ({ range, m, treat, expected }) => {
      const alarm: MetricAlarm = { ...base, datapointsToAlarm: m, treatMissingData: treat };
      for (const previous of STATES) {
        const e = evaluateAlarm(alarm, series(range), previous, AT);
        expect(e.state).toBe(expected === 'keep state' ? previous : expected);
      }
    },
  );

  it('row 2 with breaching goes to ALARM once the real 0 ages out of the range', () => {
    const alarm: MetricAlarm = { ...base, treatMissingData: 'breaching' };
    // One minute later the 0 is six periods old: the range is all missing.
    const e = evaluateAlarm(alarm, series('0 - - - -'), 'OK', AT + 60);
    expect(e.state).toBe('ALARM');
  });

  it('the metrics of AWS/DynamoDB always behave as ignore', () => {
    const alarm: MetricAlarm = {
      ...base,
      metric: { ...base.metric, namespace: 'AWS/DynamoDB' },
      treatMissingData: 'breaching',
    };
    const e = evaluateAlarm(alarm, series('- - - - -'), 'OK', AT);
    expect([e.kept, e.state]).toEqual([true, 'OK']);
  });
});

describe('spec §3.2 decision without missing data (threshold > 10, N = 3)', () => {
  it.each<[number[], AlarmState, AlarmState]>([
    [[12, 15, 11], 'ALARM', 'ALARM'],
    [[12, 4, 11], 'OK', 'ALARM'],
    [[4, 4, 11], 'OK', 'OK'],
  ])('%j ⇒ M=3 %s, M=2 %s', (values, m3, m2) => {
    const points = values.map((v, i) => point(AT - (3 - i) * 60, v));
    expect(evaluateAlarm({ ...base, datapointsToAlarm: 3 }, points, 'OK', AT).state).toBe(m3);
    expect(evaluateAlarm({ ...base, datapointsToAlarm: 2 }, points, 'OK', AT).state).toBe(m2);
  });

  it('breaching points need not be consecutive (4 of 5)', () => {
    const alarm: MetricAlarm = { ...base, evaluationPeriods: 5, datapointsToAlarm: 4 };
    const points = [20, 1, 20, 20, 20].map((v, i) => point(AT - (5 - i) * 60, v));
    expect(evaluateAlarm(alarm, points, 'OK', AT).state).toBe('ALARM');
  });

  it('older points than N are ignored when the newest N are complete', () => {
    // Range for N = 3 is 5: the two oldest (breaching) points must not count.
    const points = [20, 20, 1, 1, 20].map((v, i) => point(AT - (5 - i) * 60, v));
    expect(evaluateAlarm({ ...base, datapointsToAlarm: 2 }, points, 'ALARM', AT).state).toBe('OK');
  });
});

describe('spec §3.4 premature-alarm rule (missing)', () => {
  it.each<[string, number, AlarmState]>([
    ['- - - - X', 3, 'INSUFFICIENT_DATA'], // a single fresh point does not alarm
    ['- - - X -', 3, 'INSUFFICIENT_DATA'], // two periods old, M = 3: still too recent
    ['- - X - -', 3, 'ALARM'], // three periods old ≥ M
    ['- - X X -', 3, 'ALARM'], // oldest breaching is 3 old, everything newer breaching or missing
    ['- - - X X', 3, 'INSUFFICIENT_DATA'], // oldest breaching only 2 old
    ['- - - X -', 2, 'ALARM'],
    ['- - - - X', 1, 'ALARM'], // M = 1: one breaching point is enough
  ])('%s with M = %i ⇒ %s', (range, m, expected) => {
    const alarm: MetricAlarm = { ...base, datapointsToAlarm: m };
    expect(evaluateAlarm(alarm, series(range), 'OK', AT).state).toBe(expected);
  });
});

describe('decide (the rules on symbols)', () => {
  const sym = (s: string) => s.split(' ').map((c) => (c === 'X' ? true : c === '0' ? false : undefined));
  it.each<[string, number, TreatMissingData, string, number[], number[]]>([
    ['0 - X - X', 3, 'breaching', 'recent-real', [0, 2, 4], []],
    ['0 0 X 0 X', 2, 'missing', 'complete', [2, 3, 4], []],
    ['0 - X - -', 2, 'breaching', 'filled', [0, 2], [4]],
    ['- - - - -', 3, 'notBreaching', 'filled', [], [2, 3, 4]],
    ['- - X - -', 3, 'missing', 'premature', [2], []],
    ['- - - - -', 3, 'ignore', 'no-data', [], []],
  ])('%s M=%i %s: rule %s, used %j, filled %j', (range, m, treat, rule, used, filled) => {
    const d = decide(sym(range), 3, m, treat);
    expect([d.rule, d.used, d.filled]).toEqual([rule, used, filled]);
  });
});

describe('properties', () => {
  const slot = fc.option(fc.boolean(), { nil: undefined });
  it('with no missing point among the newest N, every treatMissingData gives the same state', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }).chain((n) =>
          fc.record({
            n: fc.constant(n),
            m: fc.integer({ min: 1, max: n }),
            older: fc.array(slot, { minLength: 2, maxLength: 4 }),
            newest: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
          }),
        ),
        ({ n, m, older, newest }) => {
          const range = [...older, ...newest];
          const outcomes = TREAT_MISSING_DATA.map((treat) => decide(range, n, m, treat).outcome);
          expect(new Set(outcomes).size).toBe(1);
        },
      ),
    );
  });

  it('with at least N real points in the range, treatMissingData is not used', () => {
    fc.assert(
      fc.property(
        fc.array(slot, { minLength: 5, maxLength: 5 }),
        fc.integer({ min: 1, max: 3 }),
        (range, m) => {
          fc.pre(range.filter((s) => s !== undefined).length >= 3);
          const outcomes = TREAT_MISSING_DATA.map((treat) => decide(range, 3, m, treat).outcome);
          expect(new Set(outcomes).size).toBe(1);
        },
      ),
    );
  });

  it('only ignore keeps the state, only missing gives INSUFFICIENT_DATA', () => {
    fc.assert(
      fc.property(
        fc.array(slot, { minLength: 5, maxLength: 5 }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom(...TREAT_MISSING_DATA),
        (range, m, treat) => {
          const o = decide(range, 3, m, treat).outcome;
          if (o === 'KEEP') expect(treat).toBe('ignore');
          if (o === 'INSUFFICIENT_DATA') expect(treat).toBe('missing');
        },
      ),
    );
  });

  it('evaluateAlarm on complete data agrees across treatMissingData', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 3, maxLength: 5 }), (values) => {
        const points = values.map((v, i) => point(AT - (values.length - i) * 60, v));
        const states = TREAT_MISSING_DATA.map(
          (treat) =>
            evaluateAlarm({ ...base, datapointsToAlarm: 2, treatMissingData: treat }, points, 'OK', AT).state,
        );
        expect(new Set(states).size).toBe(1);
      }),
    );
  });
});

describe('schedule and sliding periods (spec §3.1)', () => {
  it.each<[number, number, number]>([
    [60, 3, 60],
    [300, 3, 60],
    [10, 6, 10],
    [30, 2, 10],
    [3600, 24, 60],
    [3600, 25, 3600],
    [86_400, 1, 60],
    [86_400, 2, 3600],
  ])('period %i × %i is evaluated every %i s', (period, evaluationPeriods, step) => {
    expect(evaluationStep({ period, evaluationPeriods })).toBe(step);
  });

  it('periods end at the evaluation minute, not at period boundaries', () => {
    // A 5-minute alarm evaluated at 10:07:30 looks at 10:02–10:07 (newest), 09:57–10:02, 09:52–09:57.
    expect(windowEnd({ period: 300 }, t('2024-05-20T10:07:30Z'))).toBe(t('2024-05-20T10:07:00Z'));
    const alarm: MetricAlarm = { ...base, period: 300, evaluationPeriods: 1, statistic: 'Sum' };
    const points = [point(t('2024-05-20T10:02:00Z'), 20), point(t('2024-05-20T10:07:00Z'), 100)];
    const e = evaluateAlarm(alarm, points, 'OK', t('2024-05-20T10:07:30Z'));
    expect(e.state).toBe('ALARM');
    expect(e.range.at(-1)).toMatchObject({ start: t('2024-05-20T10:02:00Z'), value: 20 });
  });

  it('high-resolution periods align to 10 seconds', () => {
    expect(windowEnd({ period: 10 }, t('2024-05-20T10:07:37Z'))).toBe(t('2024-05-20T10:07:30Z'));
  });
});

describe('statistics per period', () => {
  const at = t('2024-05-20T10:05:00Z');
  const minute = (
    i: number,
    sampleCount: number,
    sum: number,
    minimum: number,
    maximum: number,
  ): MetricDatapoint => ({
    timestamp: at - 300 + i * 60,
    sampleCount,
    sum,
    minimum,
    maximum,
  });
  // Five minutes in one 300 s period: 10 samples, sum 40, min 1, max 9.
  const points = [minute(0, 2, 4, 1, 3), minute(1, 3, 6, 2, 2), minute(3, 5, 30, 2, 9)];
  it.each<[MetricAlarm['statistic'], number]>([
    ['SampleCount', 10],
    ['Sum', 40],
    ['Average', 4],
    ['Minimum', 1],
    ['Maximum', 9],
  ])('%s of the period is %d', (statistic, value) => {
    const alarm: MetricAlarm = { ...base, period: 300, evaluationPeriods: 1, statistic };
    expect(evaluateAlarm(alarm, points, 'OK', at).range.at(-1)?.value).toBe(value);
  });
});

describe('percentiles (extendedStatistic)', () => {
  const at = t('2024-05-20T10:05:00Z');
  const p = (extendedStatistic: string, extra: Partial<MetricAlarm> = {}): MetricAlarm => ({
    ...base,
    statistic: undefined,
    extendedStatistic,
    evaluationPeriods: 1,
    ...extra,
  });
  const withValues = (values: number[], counts?: number[]): MetricDatapoint => {
    const all = counts ? values.flatMap((v, i) => Array<number>(counts[i]!).fill(v)) : values;
    return {
      timestamp: at - 60,
      sampleCount: all.length,
      sum: all.reduce((a, b) => a + b, 0),
      minimum: Math.min(...all),
      maximum: Math.max(...all),
      values,
      ...(counts ? { counts } : {}),
    };
  };
  const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

  it.each<[string, number[], number | undefined]>([
    ['p90', range(10), 9], // nearest rank ⌈0.9·10⌉ = 9
    ['p50', [1, 2, 3, 4], 2], // ⌈0.5·4⌉ = 2
    ['p100', range(10), 10],
    ['p0', range(10), 1],
    ['p99.9', range(1000), 999], // ⌈0.999·1000⌉ = 999 exactly (floating point would give 1000)
    ['p95.5', range(200), 191],
  ])('%s of %j… is %d', (stat, values, expected) => {
    expect(evaluateAlarm(p(stat), [withValues(values)], 'OK', at).range.at(-1)?.value).toBe(expected);
  });

  it('uses value counts', () => {
    // 90 × 1 and 10 × 100: p90 is 1, p91 is 100.
    const dp = withValues([1, 100], [90, 10]);
    expect(evaluateAlarm(p('p90'), [dp], 'OK', at).range.at(-1)?.value).toBe(1);
    expect(evaluateAlarm(p('p91'), [dp], 'OK', at).range.at(-1)?.value).toBe(100);
  });

  it('is known from a statistic set only with one sample or min = max; otherwise the period is missing', () => {
    const one = { timestamp: at - 60, sampleCount: 1, sum: 7, minimum: 7, maximum: 7 };
    const flat = { timestamp: at - 60, sampleCount: 4, sum: 12, minimum: 3, maximum: 3 };
    const spread = { timestamp: at - 60, sampleCount: 2, sum: 12, minimum: 3, maximum: 9 };
    expect(evaluateAlarm(p('p99'), [one], 'OK', at).range.at(-1)?.value).toBe(7);
    expect(evaluateAlarm(p('p99'), [flat], 'OK', at).range.at(-1)?.value).toBe(3);
    const e = evaluateAlarm(p('p99', { treatMissingData: 'missing' }), [spread], 'OK', at);
    expect(e.range.at(-1)?.value).toBeUndefined();
    expect(e.state).toBe('INSUFFICIENT_DATA');
  });

  // Spec §3.5: with `ignore`, p in [0.5, 1) needs 10 / (1 − p) samples, p < 0.5 needs 10 / p.
  it.each<[string, number, boolean]>([
    ['p99', 999, true],
    ['p99', 1000, false],
    ['p50', 19, true],
    ['p50', 20, false],
    ['p10', 99, true],
    ['p10', 100, false],
    ['p90', 99, true],
    ['p90', 100, false],
  ])('%s with %i samples, evaluateLowSampleCountPercentile ignore ⇒ kept: %s', (stat, n, kept) => {
    const dp = withValues([20], [n]);
    const e = evaluateAlarm(p(stat, { evaluateLowSampleCountPercentile: 'ignore' }), [dp], 'OK', at);
    expect(e.kept).toBe(kept);
    expect(e.state).toBe(kept ? 'OK' : 'ALARM');
    // `evaluate` (the default) always evaluates.
    expect(evaluateAlarm(p(stat), [dp], 'OK', at).state).toBe('ALARM');
  });
});

describe('reason and reasonData', () => {
  it('single datapoint, DatapointsToAlarm not set (short form)', () => {
    const alarm: MetricAlarm = {
      ...base,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
    };
    const e = evaluateAlarm(alarm, [point(t('2026-11-22T10:01:00Z'), 5)], 'OK', t('2026-11-22T10:02:10Z'));
    expect(e.reason).toBe(
      'Threshold Crossed: 1 datapoint [5.0 (22/11/26 10:01:00)] was greater than or equal to the threshold (1.0).',
    );
    expect(e.reasonData).toBe(
      '{"version":"1.0","queryDate":"2026-11-22T10:02:10.000+0000","startDate":"2026-11-22T10:01:00.000+0000",' +
        '"statistic":"Maximum","period":60,"recentDatapoints":[5.0],"threshold":1.0,' +
        '"evaluatedDatapoints":[{"timestamp":"2026-11-22T10:01:00.000+0000","sampleCount":1.0,"value":5.0}]}',
    );
  });

  it('OK in the short form says "not"', () => {
    const alarm: MetricAlarm = { ...base, evaluationPeriods: 1 };
    const e = evaluateAlarm(
      alarm,
      [point(t('2026-11-22T10:01:00Z'), 0.25)],
      'ALARM',
      t('2026-11-22T10:02:00Z'),
    );
    expect(e.reason).toBe(
      'Threshold Crossed: 1 datapoint [0.25 (22/11/26 10:01:00)] was not greater than the threshold (10.0).',
    );
  });

  it('more than five breaching datapoints list the five most recent', () => {
    const alarm: MetricAlarm = {
      ...base,
      evaluationPeriods: 6,
      threshold: 0,
      comparisonOperator: 'LessThanOrEqualToThreshold',
    };
    const at = t('2022-09-29T22:10:00Z');
    const points = [0, 1, 2, 3, 4, 5].map((i) => point(at - ((6 - i) * 300) / 5, 0));
    const e = evaluateAlarm({ ...alarm, period: 60 }, points, 'OK', at);
    expect(e.reason).toBe(
      'Threshold Crossed: 6 datapoints were less than or equal to the threshold (0.0). The most recent datapoints ' +
        'which crossed the threshold: [0.0 (29/09/22 22:09:00), 0.0 (29/09/22 22:08:00), 0.0 (29/09/22 22:07:00), ' +
        '0.0 (29/09/22 22:06:00), 0.0 (29/09/22 22:05:00)].',
    );
  });

  it('missing data filled as breaching or not breaching', () => {
    const nb = evaluateAlarm({ ...base, treatMissingData: 'notBreaching' }, series('- - - - -'), 'ALARM', AT);
    expect(nb.reason).toBe(
      'Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [NonBreaching].',
    );
    // No real point: no startDate; the filled periods are the evaluated ones, newest first, N − M + 1 = 1 of them.
    expect(nb.reasonData).toBe(
      '{"version":"1.0","queryDate":"2024-05-20T10:05:00.000+0000","statistic":"Maximum","period":60,' +
        '"recentDatapoints":[],"threshold":10.0,"evaluatedDatapoints":[{"timestamp":"2024-05-20T10:04:00.000+0000"}]}',
    );
    const b = evaluateAlarm({ ...base, treatMissingData: 'breaching' }, series('0 - - - -'), 'ALARM', AT);
    expect(b.reason).toBe(
      'Threshold Crossed: 1 datapoint [1.0 (20/05/24 10:00:00)] was not greater than the threshold (10.0) and 2 missing datapoints were treated as [Breaching].',
    );
    const b2 = evaluateAlarm(
      { ...base, datapointsToAlarm: undefined, evaluationPeriods: 3, treatMissingData: 'breaching' },
      series('- - - - 0'),
      'OK',
      AT,
    );
    // M = 3: one good point and two filled breaches is not enough.
    expect(b2.state).toBe('OK');
    const b3 = evaluateAlarm(
      { ...base, datapointsToAlarm: 2, treatMissingData: 'breaching' },
      series('- - - - 0'),
      'OK',
      AT,
    );
    expect(b3.reason).toBe(
      'Threshold Crossed: 1 datapoint was received for 3 periods and 2 missing datapoints were treated as [Breaching].',
    );
  });

  it('INSUFFICIENT_DATA', () => {
    const e = evaluateAlarm(base, series('- - - - -'), 'OK', AT);
    expect(e.reason).toBe('Insufficient Data: 3 datapoints were unknown.');
    expect(e.reasonData).toBe(
      '{"version":"1.0","queryDate":"2024-05-20T10:05:00.000+0000","statistic":"Maximum","period":60,' +
        '"recentDatapoints":[],"threshold":10.0,"evaluatedDatapoints":[{"timestamp":"2024-05-20T10:04:00.000+0000"},' +
        '{"timestamp":"2024-05-20T10:03:00.000+0000"},{"timestamp":"2024-05-20T10:02:00.000+0000"}]}',
    );
  });

  it('premature ALARM with DatapointsToAlarm set cites the one real point', () => {
    const e = evaluateAlarm({ ...base, datapointsToAlarm: 3 }, series('- - X - -'), 'OK', AT);
    expect(e.reason).toBe(
      'Threshold Crossed: 1 out of the last 3 datapoints [20.0 (20/05/24 10:02:00)] was greater than the threshold (10.0) (minimum 3 datapoints for OK -> ALARM transition).',
    );
  });

  it('ALARM -> OK in the long form needs N − M + 1 good datapoints', () => {
    const e = evaluateAlarm({ ...base, datapointsToAlarm: 3 }, series('X X X X 0'), 'ALARM', AT);
    expect(e.reason).toBe(
      'Threshold Crossed: 1 out of the last 3 datapoints [1.0 (20/05/24 10:04:00)] was not greater than the threshold (10.0) (minimum 1 datapoint for ALARM -> OK transition).',
    );
  });

  it('large values are written as Java doubles', () => {
    const e = evaluateAlarm(
      { ...base, evaluationPeriods: 1, threshold: 1e7 },
      [point(AT - 60, 12_345_678)],
      'OK',
      AT,
    );
    expect(e.reason).toBe(
      'Threshold Crossed: 1 datapoint [1.2345678E7 (20/05/24 10:04:00)] was greater than the threshold (1.0E7).',
    );
  });
});

describe('spec §3.7 worked example: rejected SSH, Sum, 300 s, 2 of 3, >= 10, notBreaching', () => {
  const alarm: MetricAlarm = {
    name: 'vpc-rejects-high',
    metric: { namespace: 'Local/VPC', metricName: 'RejectedSSH', dimensions: {} },
    statistic: 'Sum',
    period: 300,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    threshold: 10,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    treatMissingData: 'notBreaching',
  };
  // One datapoint per 5-minute period, at its start: 3 rejections at 10:10, 14 at 10:15, none (default 0) at
  // 10:20, 22 at 10:25. Each rejection counts 1.
  const count = (iso: string, n: number): MetricDatapoint =>
    n === 0
      ? { timestamp: t(iso), sampleCount: 1, sum: 0, minimum: 0, maximum: 0 }
      : { timestamp: t(iso), sampleCount: n, sum: n, minimum: 1, maximum: 1 };
  const points = [
    count('2024-05-20T10:10:00Z', 3),
    count('2024-05-20T10:15:00Z', 14),
    count('2024-05-20T10:20:00Z', 0),
    count('2024-05-20T10:25:00Z', 22),
  ];

  it('sums 3, 14, 0 ⇒ 1 of 3 breaching ⇒ OK', () => {
    const e = evaluateAlarm(alarm, points, 'INSUFFICIENT_DATA', t('2024-05-20T10:25:00Z'));
    expect(e.state).toBe('OK');
    expect(e.range.slice(-3).map((s) => s.value)).toEqual([3, 14, 0]);
  });

  it('next period 22 ⇒ 14, 0, 22 ⇒ 2 of 3 ⇒ ALARM, with the §8 reason', () => {
    const e = evaluateAlarm(alarm, points, 'OK', t('2024-05-20T10:30:00Z'));
    expect(e.state).toBe('ALARM');
    expect(e.reason).toBe(
      'Threshold Crossed: 2 out of the last 3 datapoints [22.0 (20/05/24 10:25:00), 14.0 (20/05/24 10:15:00)] were greater than or equal to the threshold (10.0) (minimum 2 datapoints for OK -> ALARM transition).',
    );
    expect(e.reasonData).toBe(
      '{"version":"1.0","queryDate":"2024-05-20T10:30:00.000+0000","startDate":"2024-05-20T10:15:00.000+0000",' +
        '"statistic":"Sum","period":300,"recentDatapoints":[14.0,0.0,22.0],"threshold":10.0,"evaluatedDatapoints":[' +
        '{"timestamp":"2024-05-20T10:25:00.000+0000","sampleCount":22.0,"value":22.0},' +
        '{"timestamp":"2024-05-20T10:15:00.000+0000","sampleCount":14.0,"value":14.0}]}',
    );
  });
});

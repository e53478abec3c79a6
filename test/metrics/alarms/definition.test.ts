// Alarm definitions from untyped configuration: every validation error by code and key path, defaults, composite
// alarms (rule errors with positions) and checks across a set of alarms.

import { describe, expect, it } from 'vitest';
import {
  checkAlarm,
  checkAlarmSet,
  checkCompositeAlarm,
  datapointsToAlarmOf,
  type MetricAlarm,
  pathText,
} from '../../../src/metrics/alarms/index.js';

const valid = {
  name: 'vpc-rejects-high',
  description: 'Rejected SSH >= 10 in 2 of 3 5-min periods',
  metric: { namespace: 'Local/VPC', metricName: 'RejectedSSH', dimensions: { Action: 'REJECT' } },
  statistic: 'Sum',
  period: 300,
  evaluationPeriods: 3,
  datapointsToAlarm: 2,
  threshold: 10,
  comparisonOperator: 'GreaterThanOrEqualToThreshold',
  treatMissingData: 'notBreaching',
  actionsEnabled: true,
  alarmActions: ['netmon-alerts'],
  okActions: [],
  insufficientDataActions: [],
};

const at = ['alarms', 2];

function codes(raw: unknown): [string, string][] {
  return checkAlarm(raw, at).errors.map((e) => [e.code, e.key]);
}

describe('checkAlarm', () => {
  it('accepts a full definition and returns it typed', () => {
    const r = checkAlarm(valid, at);
    expect(r.errors).toEqual([]);
    expect(r.value).toEqual(valid);
  });

  it('applies no defaults itself but datapointsToAlarmOf falls back to evaluationPeriods', () => {
    const { datapointsToAlarm: _, ...rest } = valid;
    const a = checkAlarm(rest).value!;
    expect(a.datapointsToAlarm).toBeUndefined();
    expect(datapointsToAlarmOf(a)).toBe(3);
  });

  it('accepts a percentile and a high-resolution period', () => {
    const { statistic: _, ...rest } = valid;
    const r = checkAlarm({
      ...rest,
      extendedStatistic: 'p95.5',
      period: 10,
      evaluateLowSampleCountPercentile: 'ignore',
    });
    expect(r.errors).toEqual([]);
    expect(r.value?.extendedStatistic).toBe('p95.5');
  });

  it('reads numeric dimension values as text', () => {
    const r = checkAlarm({ ...valid, metric: { ...valid.metric, dimensions: { Port: 22 } } });
    expect(r.value?.metric.dimensions).toEqual({ Port: '22' });
  });

  it.each<[string, Record<string, unknown>, [string, string][]]>([
    ['not a mapping', { __replace: 'x' }, [['ALARM_TYPE', 'alarms[2]']]],
    ['unknown key (with did-you-mean)', { perod: 60 }, [['ALARM_UNKNOWN_KEY', 'alarms[2].perod']]],
    ['missing name', { name: undefined }, [['ALARM_MISSING_KEY', 'alarms[2]']]],
    ['empty name', { name: '' }, [['ALARM_BAD_LENGTH', 'alarms[2].name']]],
    ['name with a control character', { name: 'a\u0007b' }, [['ALARM_BAD_CHARACTER', 'alarms[2].name']]],
    ['long description', { description: 'x'.repeat(1025) }, [['ALARM_BAD_LENGTH', 'alarms[2].description']]],
    ['metric not a mapping', { metric: 'RejectedSSH' }, [['ALARM_TYPE', 'alarms[2].metric']]],
    [
      'namespace with a bad character',
      { metric: { namespace: 'Local*VPC', metricName: 'm' } },
      [['ALARM_BAD_CHARACTER', 'alarms[2].metric.namespace']],
    ],
    ['metric without name', { metric: { namespace: 'N' } }, [['ALARM_MISSING_KEY', 'alarms[2].metric']]],
    [
      'dimension name starting with :',
      { metric: { namespace: 'N', metricName: 'm', dimensions: { ':a': 'x' } } },
      [['ALARM_BAD_DIMENSION', 'alarms[2].metric.dimensions.:a']],
    ],
    [
      '31 dimensions',
      {
        metric: {
          namespace: 'N',
          metricName: 'm',
          dimensions: Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`d${i}`, 'v'])),
        },
      },
      [['ALARM_TOO_MANY_DIMENSIONS', 'alarms[2].metric.dimensions']],
    ],
    ['unknown statistic', { statistic: 'Avg' }, [['ALARM_BAD_VALUE', 'alarms[2].statistic']]],
    ['percentile as statistic', { statistic: 'p99' }, [['ALARM_BAD_VALUE', 'alarms[2].statistic']]],
    [
      'both statistics',
      { extendedStatistic: 'p99' },
      [['ALARM_STATISTIC_CONFLICT', 'alarms[2].extendedStatistic']],
    ],
    ['no statistic', { statistic: undefined }, [['ALARM_MISSING_KEY', 'alarms[2]']]],
    [
      'trimmed mean',
      { statistic: undefined, extendedStatistic: 'tm90' },
      [['ALARM_UNSUPPORTED_STATISTIC', 'alarms[2].extendedStatistic']],
    ],
    [
      'p101',
      { statistic: undefined, extendedStatistic: 'p101' },
      [['ALARM_BAD_VALUE', 'alarms[2].extendedStatistic']],
    ],
    ['period 45', { period: 45 }, [['ALARM_BAD_PERIOD', 'alarms[2].period']]],
    ['period 90', { period: 90 }, [['ALARM_BAD_PERIOD', 'alarms[2].period']]],
    ['period 0', { period: 0 }, [['ALARM_OUT_OF_RANGE', 'alarms[2].period']]],
    ['period as text', { period: '300' }, [['ALARM_TYPE', 'alarms[2].period']]],
    [
      'evaluationPeriods 0',
      { evaluationPeriods: 0, datapointsToAlarm: undefined },
      [['ALARM_OUT_OF_RANGE', 'alarms[2].evaluationPeriods']],
    ],
    ['evaluationPeriods 1.5', { evaluationPeriods: 1.5 }, [['ALARM_TYPE', 'alarms[2].evaluationPeriods']]],
    [
      'datapointsToAlarm above evaluationPeriods',
      { datapointsToAlarm: 4 },
      [['ALARM_DATAPOINTS_EXCEED_PERIODS', 'alarms[2].datapointsToAlarm']],
    ],
    [
      'datapointsToAlarm 0',
      { datapointsToAlarm: 0 },
      [['ALARM_OUT_OF_RANGE', 'alarms[2].datapointsToAlarm']],
    ],
    [
      'window longer than a day (period < 1 h)',
      { period: 300, evaluationPeriods: 289, datapointsToAlarm: 1 },
      [['ALARM_WINDOW_TOO_LONG', 'alarms[2].evaluationPeriods']],
    ],
    ['threshold as text', { threshold: '10' }, [['ALARM_TYPE', 'alarms[2].threshold']]],
    ['threshold infinite', { threshold: Number.POSITIVE_INFINITY }, [['ALARM_TYPE', 'alarms[2].threshold']]],
    [
      'unknown operator',
      { comparisonOperator: 'GreaterThan' },
      [['ALARM_BAD_VALUE', 'alarms[2].comparisonOperator']],
    ],
    [
      'anomaly-band operator without a band',
      { comparisonOperator: 'GreaterThanUpperThreshold' },
      [['ALARM_OPERATOR_NEEDS_BAND', 'alarms[2].comparisonOperator']],
    ],
    [
      'unknown treatMissingData',
      { treatMissingData: 'notbreaching' },
      [['ALARM_BAD_VALUE', 'alarms[2].treatMissingData']],
    ],
    [
      'low-sample option on a non-percentile alarm',
      { evaluateLowSampleCountPercentile: 'ignore' },
      [['ALARM_LOW_SAMPLE_NOT_PERCENTILE', 'alarms[2].evaluateLowSampleCountPercentile']],
    ],
    ['actionsEnabled as text', { actionsEnabled: 'yes' }, [['ALARM_TYPE', 'alarms[2].actionsEnabled']]],
    ['actions not a list', { alarmActions: 'netmon' }, [['ALARM_TYPE', 'alarms[2].alarmActions']]],
    [
      'six actions',
      { okActions: ['a', 'b', 'c', 'd', 'e', 'f'] },
      [['ALARM_TOO_MANY_ACTIONS', 'alarms[2].okActions']],
    ],
    ['empty action', { alarmActions: ['ok', ''] }, [['ALARM_BAD_ACTION', 'alarms[2].alarmActions[1]']]],
    [
      'several errors at once',
      { period: 45, threshold: 'x', comparisonOperator: 'Bigger' },
      [
        ['ALARM_BAD_PERIOD', 'alarms[2].period'],
        ['ALARM_TYPE', 'alarms[2].threshold'],
        ['ALARM_BAD_VALUE', 'alarms[2].comparisonOperator'],
      ],
    ],
  ])('%s', (_, change, expected) => {
    const raw = '__replace' in change ? change['__replace'] : { ...valid, ...change };
    expect(codes(raw)).toEqual(expected);
  });

  it('allows a window of 7 days for periods of an hour or more', () => {
    expect(
      checkAlarm({ ...valid, period: 3600, evaluationPeriods: 168, datapointsToAlarm: 1 }).errors,
    ).toEqual([]);
    expect(codes({ ...valid, period: 3600, evaluationPeriods: 169, datapointsToAlarm: 1 })).toEqual([
      ['ALARM_WINDOW_TOO_LONG', 'alarms[2].evaluationPeriods'],
    ]);
  });

  it('says what was expected and suggests the right spelling', () => {
    const [e] = checkAlarm({ ...valid, treatMissingData: 'notbreaching' }).errors;
    expect(e?.expected).toBe('one of missing, notBreaching, breaching, ignore');
    expect(e?.hint).toBe('did you mean "notBreaching"?');
    expect(e?.path).toEqual(['treatMissingData']);
    const [k] = checkAlarm({ ...valid, treshold: 1 }).errors;
    expect(k?.hint).toBe('did you mean "threshold"?');
  });
});

describe('checkCompositeAlarm', () => {
  it('accepts a rule with actions', () => {
    const raw = {
      name: 'c',
      alarmRule: 'ALARM("vpc-rejects-high") AND NOT ALARM("maintenance-window")',
      alarmActions: ['t'],
    };
    expect(checkCompositeAlarm(raw)).toEqual({ value: raw, errors: [] });
  });

  it('reports rule syntax errors on alarmRule with their position in the rule', () => {
    const [e] = checkCompositeAlarm({ name: 'c', alarmRule: 'ALARM(a) AND' }, ['composites', 0]).errors;
    expect([e?.code, e?.key, e?.start, e?.end]).toEqual([
      'RULE_EXPECTED_EXPRESSION',
      'composites[0].alarmRule',
      12,
      12,
    ]);
  });

  it.each<[Record<string, unknown>, [string, string][]]>([
    [{ alarmRule: 'TRUE' }, [['ALARM_MISSING_KEY', '']]],
    [{ name: 'c' }, [['ALARM_MISSING_KEY', '']]],
    [{ name: 'c', alarmRule: 1 }, [['ALARM_TYPE', 'alarmRule']]],
    [{ name: 'c', alarmRule: 'TRUE', rule: 'x' }, [['ALARM_UNKNOWN_KEY', 'rule']]],
  ])('%j', (raw, expected) => {
    expect(checkCompositeAlarm(raw).errors.map((e) => [e.code, e.key])).toEqual(expected);
  });
});

describe('checkAlarmSet', () => {
  const metric = checkAlarm(valid).value as MetricAlarm;
  it('reports unknown children with a did-you-mean, self references and duplicate names', () => {
    const paths = {
      metric: [['alarms', 0]],
      composite: [
        ['composites', 0],
        ['composites', 1],
        ['composites', 2],
      ],
    };
    const errors = checkAlarmSet(
      [metric],
      [
        { name: 'c1', alarmRule: 'ALARM(vpc-rejects-hgh) OR ALARM(c2)' },
        { name: 'c2', alarmRule: 'ALARM(c2)' },
        { name: 'vpc-rejects-high', alarmRule: 'TRUE' },
      ],
      paths,
    );
    expect(errors.map((e) => [e.code, e.key, e.start, e.hint])).toEqual([
      ['ALARM_DUPLICATE_NAME', 'composites[2].name', undefined, undefined],
      ['RULE_UNKNOWN_ALARM', 'composites[0].alarmRule', 6, 'did you mean "vpc-rejects-high"?'],
      ['RULE_SELF_REFERENCE', 'composites[1].alarmRule', 6, 'name other alarms in the rule'],
    ]);
  });
});

describe('pathText', () => {
  it.each<[(string | number)[], string]>([
    [[], ''],
    [['alarms', 0, 'metric', 'namespace'], 'alarms[0].metric.namespace'],
    [[3], '[3]'],
  ])('%j ⇒ %s', (path, text) => {
    expect(pathText(path)).toBe(text);
  });
});

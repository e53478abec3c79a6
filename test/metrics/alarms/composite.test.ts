// Composite alarms (spec §4): rule truth over children's states (INSUFFICIENT_DATA and missing children), AT_LEAST,
// transitions with CloudWatch's composite reason and reasonData, evaluation order and cycles.

import { describe, expect, it } from 'vitest';
import {
  type AlarmState,
  AlarmStateMachine,
  compositeOrder,
  evaluateRule,
  type MetricAlarm,
  parseAlarmRule,
  type StateValue,
} from '../../../src/metrics/alarms/index.js';

const t = (iso: string) => Date.parse(iso) / 1000;

function states(map: Record<string, AlarmState>) {
  return (name: string): StateValue | undefined =>
    map[name] === undefined ? undefined : { value: map[name]!, reason: '', timestamp: 0 };
}

describe('evaluateRule', () => {
  const s = states({ a: 'ALARM', b: 'OK', c: 'INSUFFICIENT_DATA', d: 'ALARM' });
  it.each<[string, boolean]>([
    ['ALARM(a)', true],
    ['ALARM(b)', false],
    ['OK(b)', true],
    ['ALARM(c)', false], // INSUFFICIENT_DATA is neither ALARM …
    ['OK(c)', false], // … nor OK
    ['INSUFFICIENT_DATA(c)', true],
    ['NOT ALARM(c)', true],
    ['ALARM(gone)', false], // a child that does not exist is in no state
    ['OK(gone) OR INSUFFICIENT_DATA(gone)', false],
    ['ALARM(a) AND NOT ALARM(b)', true],
    ['ALARM(a) AND ALARM(b) OR TRUE', true],
    ['ALARM(a) AND (ALARM(b) OR FALSE)', false],
    ['AT_LEAST(2, ALARM, (a, b, d))', true],
    ['AT_LEAST(3, ALARM, (a, b, d))', false],
    ['AT_LEAST(50%, ALARM, (a, b, c, d))', true], // 2 of 4
    ['AT_LEAST(51%, ALARM, (a, b, c, d))', false],
    ['AT_LEAST(2, NOT_OK, (a, b, c))', true], // a and c are not OK
    ['AT_LEAST(1, INSUFFICIENT_DATA, (a, b))', false],
  ])('%s ⇒ %s', (rule, expected) => {
    expect(evaluateRule(parseAlarmRule(rule), s)).toBe(expected);
  });
});

describe('compositeOrder', () => {
  const c = (name: string, rule: string) => ({ name, rule: parseAlarmRule(rule) });
  it('puts composite children before their parents', () => {
    expect(
      compositeOrder([c('top', 'ALARM(mid) OR ALARM(m1)'), c('mid', 'ALARM(low)'), c('low', 'ALARM(m2)')]),
    ).toEqual({
      order: ['low', 'mid', 'top'],
      cycles: [],
    });
  });
  it('finds cycles and what depends on them', () => {
    expect(
      compositeOrder([
        c('a', 'ALARM(b)'),
        c('b', 'ALARM(a)'),
        c('above', 'ALARM(a)'),
        c('free', 'ALARM(m1)'),
      ]),
    ).toEqual({ order: ['free'], cycles: ['a', 'b', 'above'] });
  });
});

describe('composite alarms in the state machine', () => {
  const metric = (name: string): MetricAlarm => ({
    name,
    metric: { namespace: 'Local/VPC', metricName: name, dimensions: {} },
    statistic: 'Sum',
    period: 60,
    evaluationPeriods: 1,
    threshold: 1,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
  });
  const T0 = t('2022-07-22T15:50:00Z');
  const ARN = 'arn:aws:cloudwatch:local:000000000000:alarm:';

  function setup() {
    const sm = new AlarmStateMachine();
    sm.putMetricAlarm(metric('rejects'), T0);
    sm.putMetricAlarm(metric('maintenance'), T0);
    sm.putCompositeAlarm(
      {
        name: 'rejects-outside-maintenance',
        alarmRule: 'ALARM("rejects") AND NOT ALARM("maintenance")',
        alarmActions: ['netmon-alerts'],
        okActions: ['netmon-ok'],
      },
      T0,
    );
    return sm;
  }

  it('starts in INSUFFICIENT_DATA, then evaluates to OK or ALARM, never back to INSUFFICIENT_DATA', () => {
    const sm = setup();
    expect(sm.state('rejects-outside-maintenance').value).toBe('INSUFFICIENT_DATA');
    const [first] = sm.evaluateComposites(T0 + 5);
    expect(first?.current).toEqual({
      value: 'OK',
      reason: `${ARN}rejects-outside-maintenance was created and its alarm rule evaluates to OK`,
      // Every child is INSUFFICIENT_DATA: ALARM(rejects) is false, which is what makes the rule false.
      reasonData: `{"triggeringAlarms":[{"arn":"${ARN}rejects","state":{"value":"INSUFFICIENT_DATA","timestamp":"2022-07-22T15:50:00.000+0000"}}]}`,
      timestamp: T0 + 5,
    });
    expect(first?.actions).toEqual(['netmon-ok']);
    // Children still INSUFFICIENT_DATA: the composite stays OK.
    expect(sm.evaluateComposites(T0 + 10)).toEqual([]);
  });

  it('goes to ALARM when the rule becomes true, naming the child that changed', () => {
    const sm = setup();
    sm.evaluateComposites(T0 + 5);
    const when = t('2022-07-22T15:57:45Z');
    sm.evaluate(
      'maintenance',
      [{ timestamp: when - 105, sampleCount: 1, sum: 0, minimum: 0, maximum: 0 }],
      when - 45,
    );
    sm.evaluate('rejects', [{ timestamp: when - 105, sampleCount: 1, sum: 3, minimum: 3, maximum: 3 }], when);
    const [c] = sm.evaluateComposites(when);
    expect(c?.current).toEqual({
      value: 'ALARM',
      reason: `${ARN}rejects transitioned to ALARM at Friday 22 July, 2022 15:57:45 UTC`,
      reasonData:
        `{"triggeringAlarms":[{"arn":"${ARN}rejects","state":{"value":"ALARM","timestamp":"2022-07-22T15:57:45.000+0000"}},` +
        `{"arn":"${ARN}maintenance","state":{"value":"OK","timestamp":"2022-07-22T15:57:00.000+0000"}}]}`,
      timestamp: when,
    });
    expect(c?.actions).toEqual(['netmon-alerts']);
    expect(c?.event.detail).toMatchObject({
      alarmName: 'rejects-outside-maintenance',
      configuration: { alarmRule: 'ALARM("rejects") AND NOT ALARM("maintenance")' },
      previousState: { value: 'OK' },
      state: { value: 'ALARM' },
    });
    // Maintenance starts: the rule is false again.
    sm.setState('maintenance', 'ALARM', 'window opened', when + 60);
    const [back] = sm.evaluateComposites(when + 60);
    expect([back?.current.value, back?.current.reason]).toEqual([
      'OK',
      `${ARN}maintenance transitioned to ALARM at Friday 22 July, 2022 15:58:45 UTC`,
    ]);
  });

  it('evaluates composite children first in the same round, and skips cycles', () => {
    const sm = new AlarmStateMachine();
    sm.putMetricAlarm(metric('m'), T0);
    sm.putCompositeAlarm({ name: 'top', alarmRule: 'ALARM(mid)' }, T0);
    sm.putCompositeAlarm({ name: 'mid', alarmRule: 'INSUFFICIENT_DATA(m)' }, T0);
    sm.putCompositeAlarm({ name: 'x', alarmRule: 'ALARM(y)' }, T0);
    sm.putCompositeAlarm({ name: 'y', alarmRule: 'OK(x)' }, T0);
    const changes = sm.evaluateComposites(T0 + 1);
    expect(changes.map((c) => [c.alarmName, c.current.value])).toEqual([
      ['mid', 'ALARM'],
      ['top', 'ALARM'],
    ]);
    expect([sm.state('x').value, sm.state('y').value]).toEqual(['INSUFFICIENT_DATA', 'INSUFFICIENT_DATA']);
  });

  it('evaluateAll runs metric alarms, then composites', () => {
    const sm = setup();
    const at = T0 + 120;
    const changes = sm.evaluateAll(at, (a) =>
      a.name === 'rejects' ? [{ timestamp: at - 60, sampleCount: 2, sum: 2, minimum: 1, maximum: 1 }] : [],
    );
    expect(changes.map((c) => [c.alarmName, c.current.value])).toEqual([
      ['rejects', 'ALARM'],
      ['rejects-outside-maintenance', 'ALARM'],
    ]);
  });
});

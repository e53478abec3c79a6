// The alarm state machine: creation, transitions with actions only on change, SetAlarmState, updates and deletes,
// history, the EventBridge event shape (spec §6), and persistence (toJSON/fromJSON round trip and resume).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AlarmState,
  AlarmStateError,
  AlarmStateMachine,
  type MetricAlarm,
  type MetricDatapoint,
} from '../../../src/metrics/alarms/index.js';

const t = (iso: string) => Date.parse(iso) / 1000;
const T0 = t('2024-05-20T10:00:00Z');

const alarm: MetricAlarm = {
  name: 'vpc-rejects-high',
  description: 'Rejected SSH',
  metric: { namespace: 'Local/VPC', metricName: 'RejectedSSH', dimensions: { Action: 'REJECT' } },
  statistic: 'Sum',
  period: 60,
  evaluationPeriods: 1,
  threshold: 10,
  comparisonOperator: 'GreaterThanOrEqualToThreshold',
  alarmActions: ['netmon-alerts'],
  okActions: ['netmon-ok'],
  insufficientDataActions: ['netmon-gaps'],
};

/** One datapoint of value v in the minute before `at`. */
const at = (ts: number, v: number): MetricDatapoint[] => [
  { timestamp: ts - 60, sampleCount: 1, sum: v, minimum: v, maximum: v },
];

describe('AlarmStateMachine', () => {
  it('creates an alarm in INSUFFICIENT_DATA without actions', () => {
    const sm = new AlarmStateMachine();
    const c = sm.putMetricAlarm(alarm, T0)!;
    expect(c.previous).toBeUndefined();
    expect(c.current).toEqual({
      value: 'INSUFFICIENT_DATA',
      reason: 'Unchecked: Initial alarm creation',
      timestamp: T0,
    });
    expect(c.actions).toEqual([]);
    expect(c.event).toMatchObject({
      'detail-type': 'CloudWatch Alarm Configuration Change',
      resources: ['arn:aws:cloudwatch:local:000000000000:alarm:vpc-rejects-high'],
      detail: {
        alarmName: 'vpc-rejects-high',
        operation: 'create',
        state: { value: 'INSUFFICIENT_DATA', timestamp: '2024-05-20T10:00:00.000+0000' },
      },
    });
    expect(sm.history('vpc-rejects-high').map((h) => [h.type, h.summary])).toEqual([
      ['ConfigurationUpdate', 'Alarm "vpc-rejects-high" created'],
    ]);
  });

  it('transitions with the new state’s actions, once, and records history', () => {
    const sm = new AlarmStateMachine({ context: { account: '111122223333', region: 'eu-west-1' } });
    sm.putMetricAlarm(alarm, T0);
    const t1 = T0 + 60;
    const c = sm.evaluate(alarm.name, at(t1, 12), t1)!;
    expect([c.previous?.value, c.current.value, c.actions]).toEqual([
      'INSUFFICIENT_DATA',
      'ALARM',
      ['netmon-alerts'],
    ]);
    // Still breaching: no transition, no repeated action.
    expect(sm.evaluate(alarm.name, at(t1 + 60, 15), t1 + 60)).toBeUndefined();
    const ok = sm.evaluate(alarm.name, at(t1 + 120, 1), t1 + 120)!;
    expect([ok.previous?.value, ok.current.value, ok.actions]).toEqual(['ALARM', 'OK', ['netmon-ok']]);
    const gap = sm.evaluate(alarm.name, [], t1 + 180)!;
    expect([gap.current.value, gap.actions]).toEqual(['INSUFFICIENT_DATA', ['netmon-gaps']]);
    expect(sm.history(alarm.name).map((h) => h.summary)).toEqual([
      'Alarm "vpc-rejects-high" created',
      'Alarm updated from INSUFFICIENT_DATA to ALARM',
      'Alarm updated from ALARM to OK',
      'Alarm updated from OK to INSUFFICIENT_DATA',
    ]);
    const h = sm.history(alarm.name)[1]!;
    expect([h.oldState?.value, h.newState?.value, h.newState?.reason]).toEqual([
      'INSUFFICIENT_DATA',
      'ALARM',
      'Threshold Crossed: 1 datapoint [12.0 (20/05/24 10:00:00)] was greater than or equal to the threshold (10.0).',
    ]);
  });

  it('produces the EventBridge state-change event of spec §6', () => {
    const sm = new AlarmStateMachine({ context: { account: '111122223333', region: 'eu-west-1' } });
    sm.putMetricAlarm(alarm, T0);
    const t1 = T0 + 62.054;
    const c = sm.evaluate(alarm.name, at(T0 + 60, 12), t1)!;
    expect(c.event).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: '111122223333',
      time: '2024-05-20T10:01:02Z',
      region: 'eu-west-1',
      resources: ['arn:aws:cloudwatch:eu-west-1:111122223333:alarm:vpc-rejects-high'],
      detail: {
        alarmName: 'vpc-rejects-high',
        state: {
          value: 'ALARM',
          reason:
            'Threshold Crossed: 1 datapoint [12.0 (20/05/24 10:00:00)] was greater than or equal to the threshold (10.0).',
          reasonData:
            '{"version":"1.0","queryDate":"2024-05-20T10:01:02.054+0000","startDate":"2024-05-20T10:00:00.000+0000",' +
            '"statistic":"Sum","period":60,"recentDatapoints":[12.0],"threshold":10.0,' +
            '"evaluatedDatapoints":[{"timestamp":"2024-05-20T10:00:00.000+0000","sampleCount":1.0,"value":12.0}]}',
          timestamp: '2024-05-20T10:01:02.054+0000',
        },
        previousState: {
          value: 'INSUFFICIENT_DATA',
          reason: 'Unchecked: Initial alarm creation',
          timestamp: '2024-05-20T10:00:00.000+0000',
        },
        configuration: {
          description: 'Rejected SSH',
          metrics: [
            {
              id: expect.any(String),
              metricStat: {
                metric: { dimensions: { Action: 'REJECT' }, name: 'RejectedSSH', namespace: 'Local/VPC' },
                period: 60,
                stat: 'Sum',
              },
              returnData: true,
            },
          ],
        },
      },
    });
    // The reasonData is JSON.
    expect(JSON.parse((c.event.detail.state as { reasonData: string }).reasonData).threshold).toBe(10);
  });

  it('changes state but runs no action when actions are disabled', () => {
    const sm = new AlarmStateMachine();
    sm.putMetricAlarm({ ...alarm, actionsEnabled: false }, T0);
    const c = sm.evaluate(alarm.name, at(T0 + 60, 12), T0 + 60)!;
    expect([c.current.value, c.actions]).toEqual(['ALARM', []]);
  });

  it('keeps a state set with setState until the next evaluation decides otherwise', () => {
    const sm = new AlarmStateMachine();
    sm.putMetricAlarm(alarm, T0);
    sm.evaluate(alarm.name, at(T0 + 60, 1), T0 + 60); // OK
    const forced = sm.setState(alarm.name, 'ALARM', 'testing the pager', T0 + 70)!;
    expect([forced.current.value, forced.current.reason, forced.actions]).toEqual([
      'ALARM',
      'testing the pager',
      ['netmon-alerts'],
    ]);
    expect(sm.setState(alarm.name, 'ALARM', 'again', T0 + 75)).toBeUndefined();
    const back = sm.evaluate(alarm.name, at(T0 + 120, 1), T0 + 120)!;
    expect([back.previous?.value, back.current.value]).toEqual(['ALARM', 'OK']);
    // Forced into the state the data also gives: the next evaluation changes nothing.
    sm.setState(alarm.name, 'ALARM', 'testing', T0 + 130);
    expect(sm.evaluate(alarm.name, at(T0 + 180, 50), T0 + 180)).toBeUndefined();
    expect(sm.state(alarm.name).reason).toBe('testing');
  });

  it('refuses bad states and reasonData', () => {
    const sm = new AlarmStateMachine();
    sm.putMetricAlarm(alarm, T0);
    expect(() => sm.setState(alarm.name, 'RED' as AlarmState, 'x', T0)).toThrow(
      expect.objectContaining({ code: 'ALARM_BAD_STATE' }),
    );
    expect(() => sm.setState(alarm.name, 'OK', 'x', T0, '{nope')).toThrow(
      expect.objectContaining({ code: 'ALARM_BAD_REASON_DATA' }),
    );
    expect(() => sm.state('nope')).toThrow(expect.objectContaining({ code: 'ALARM_NOT_FOUND' }));
  });

  it('keeps the state on update, refuses a kind change, deletes', () => {
    const sm = new AlarmStateMachine();
    sm.putMetricAlarm(alarm, T0);
    sm.evaluate(alarm.name, at(T0 + 60, 12), T0 + 60);
    expect(sm.putMetricAlarm({ ...alarm, threshold: 100 }, T0 + 90)).toBeUndefined();
    expect(sm.state(alarm.name).value).toBe('ALARM');
    expect((sm.get(alarm.name)!.definition.alarm as MetricAlarm).threshold).toBe(100);
    expect(() => sm.putCompositeAlarm({ name: alarm.name, alarmRule: 'TRUE' }, T0 + 95)).toThrow(
      AlarmStateError,
    );
    expect(sm.delete(alarm.name, T0 + 100)).toBe(true);
    expect(sm.delete(alarm.name, T0 + 100)).toBe(false);
    expect(sm.names()).toEqual([]);
    expect(sm.history(alarm.name).map((h) => h.summary)).toEqual([
      'Alarm "vpc-rejects-high" created',
      'Alarm updated from INSUFFICIENT_DATA to ALARM',
      'Alarm "vpc-rejects-high" updated',
      'Alarm "vpc-rejects-high" deleted',
    ]);
  });

  it('validates definitions on put', () => {
    const sm = new AlarmStateMachine();
    expect(() => sm.putMetricAlarm({ ...alarm, period: 45 }, T0)).toThrow(
      expect.objectContaining({ code: 'ALARM_BAD_PERIOD' }),
    );
    expect(() => sm.putCompositeAlarm({ name: 'c', alarmRule: 'ALARM(' }, T0)).toThrow(
      expect.objectContaining({ code: 'RULE_EXPECTED_NAME' }),
    );
  });

  it('records actions and forgets history older than two weeks', () => {
    const sm = new AlarmStateMachine();
    sm.putMetricAlarm(alarm, T0);
    sm.recordAction(alarm.name, T0 + 1, 'netmon-alerts', false, 'connection refused');
    expect(sm.history(alarm.name).at(-1)).toMatchObject({
      type: 'Action',
      summary: 'Failed to execute action netmon-alerts',
      ok: false,
      detail: 'connection refused',
    });
    sm.recordAction(alarm.name, T0 + 14 * 86_400 + 2, 'netmon-alerts', true);
    expect(sm.history(alarm.name).map((h) => h.summary)).toEqual([
      'Successfully executed action netmon-alerts',
    ]);
  });
});

type Op =
  | { op: 'eval'; value: number | undefined }
  | { op: 'set'; state: AlarmState }
  | { op: 'update'; threshold: number };

describe('persistence', () => {
  const ops: fc.Arbitrary<Op[]> = fc.array(
    fc.oneof(
      fc.record({
        op: fc.constant('eval' as const),
        value: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
      }),
      fc.record({
        op: fc.constant('set' as const),
        state: fc.constantFrom<AlarmState>('OK', 'ALARM', 'INSUFFICIENT_DATA'),
      }),
      fc.record({ op: fc.constant('update' as const), threshold: fc.integer({ min: 1, max: 15 }) }),
    ),
    { maxLength: 12 },
  );

  function run(sm: AlarmStateMachine, list: Op[], start: number): number {
    let now = start;
    for (const o of list) {
      now += 60;
      if (o.op === 'eval') sm.evaluate(alarm.name, o.value === undefined ? [] : at(now, o.value), now);
      else if (o.op === 'set') sm.setState(alarm.name, o.state, 'forced', now);
      else sm.putMetricAlarm({ ...alarm, threshold: o.threshold }, now);
    }
    return now;
  }

  it('toJSON → JSON text → fromJSON gives the same machine, which continues identically', () => {
    fc.assert(
      fc.property(ops, ops, (before, after) => {
        const sm = new AlarmStateMachine({ context: { account: '111122223333', region: 'eu-west-1' } });
        sm.putMetricAlarm(alarm, T0);
        sm.putCompositeAlarm({ name: 'any', alarmRule: `ALARM("${alarm.name}")`, okActions: ['x'] }, T0);
        const now = run(sm, before, T0);
        sm.evaluateComposites(now);
        const saved = JSON.parse(JSON.stringify(sm.toJSON())) as unknown;
        const restored = AlarmStateMachine.fromJSON(saved);
        expect(restored.toJSON()).toEqual(sm.toJSON());
        run(sm, after, now);
        run(restored, after, now);
        expect(restored.toJSON()).toEqual(sm.toJSON());
      }),
      { numRuns: 50 },
    );
  });

  it.each<[string, unknown]>([
    ['not an object', 'x'],
    ['another version', { version: 2 }],
    ['no alarms', { version: 1, context: { account: '1', region: 'r' } }],
    [
      'invalid definition',
      {
        version: 1,
        context: { account: '1', region: 'r' },
        alarms: [
          {
            definition: { kind: 'metric', alarm: { name: 'x' } },
            state: { value: 'OK', reason: '', timestamp: 0 },
          },
        ],
        history: [],
      },
    ],
    [
      'invalid state',
      {
        version: 1,
        context: { account: '1', region: 'r' },
        alarms: [
          {
            definition: { kind: 'composite', alarm: { name: 'x', alarmRule: 'TRUE' } },
            state: { value: 'RED' },
          },
        ],
        history: [],
      },
    ],
  ])('refuses %s', (_, data) => {
    expect(() => AlarmStateMachine.fromJSON(data)).toThrow(
      expect.objectContaining({ code: 'ALARM_STATE_CORRUPT' }),
    );
  });
});

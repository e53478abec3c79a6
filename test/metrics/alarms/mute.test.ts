// Muting an alarm: the mute ends at its time, survives the toJSON/fromJSON round trip the monitor saves to
// alarms.json, is recorded in the history, and a file saved before mutes existed still loads.

import { describe, expect, it } from 'vitest';
import { AlarmStateError, AlarmStateMachine, type MetricAlarm } from '../../../src/metrics/alarms/index.js';

const T0 = Date.parse('2024-05-20T10:00:00Z') / 1000;
const alarm: MetricAlarm = {
  name: 'ssh',
  metric: { namespace: 'FlowLogs', metricName: 'RejectedSSH', dimensions: {} },
  statistic: 'Sum',
  period: 60,
  evaluationPeriods: 1,
  threshold: 1,
  comparisonOperator: 'GreaterThanOrEqualToThreshold',
  alarmActions: ['ops'],
};

describe('alarm mutes', () => {
  it('holds until its end, survives a save and restore, and is recorded', () => {
    const sm = new AlarmStateMachine();
    sm.putMetricAlarm(alarm, T0);
    sm.mute('ssh', T0 + 7200, T0);
    expect(sm.mutedUntil('ssh', T0 + 7199)).toBe(T0 + 7200);
    expect(sm.mutedUntil('ssh', T0 + 7200)).toBeUndefined();
    const back = AlarmStateMachine.fromJSON(JSON.parse(JSON.stringify(sm.toJSON())));
    expect(back.mutedUntil('ssh', T0 + 60)).toBe(T0 + 7200);
    expect(back.history('ssh').map((h) => h.summary)).toContain('Actions muted until 2024-05-20T12:00:00Z');
    expect(back.unmute('ssh', T0 + 120)).toBe(true);
    expect(back.mutedUntil('ssh', T0 + 121)).toBeUndefined();
    expect(back.toJSON().mutes).toBeUndefined();
  });

  it('refuses a mute ending now or before', () => {
    const sm = new AlarmStateMachine();
    sm.putMetricAlarm(alarm, T0);
    expect(() => sm.mute('ssh', T0, T0)).toThrow(AlarmStateError);
  });

  it('loads a saved state without mutes', () => {
    const sm = new AlarmStateMachine();
    sm.putMetricAlarm(alarm, T0);
    const saved = JSON.parse(JSON.stringify(sm.toJSON()));
    delete saved.mutes;
    expect(AlarmStateMachine.fromJSON(saved).mutedUntil('ssh', T0)).toBeUndefined();
  });
});

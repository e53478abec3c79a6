// Replay of an alarm over a hand-made series in event time, on CloudWatch's per-minute schedule with sliding
// periods. The expected transitions are worked out by hand in the comments.

import { describe, expect, it } from 'vitest';
import { type MetricAlarm, type MetricDatapoint, replay } from '../../../src/metrics/alarms/index.js';

const t = (iso: string) => Date.parse(iso) / 1000;

describe('replay', () => {
  // Spec §3.7's alarm: Sum over 300 s, 2 of 3, >= 10, missing data is not breaching.
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
    alarmActions: ['netmon-alerts'],
  };
  // Per-minute datapoints: 3 rejections in minute 10:10, 14 in 10:15, a default 0 in 10:20, 22 in 10:25.
  const minute = (iso: string, n: number): MetricDatapoint => ({
    timestamp: t(iso),
    sampleCount: Math.max(n, 1),
    sum: n,
    minimum: n === 0 ? 0 : 1,
    maximum: n === 0 ? 0 : 1,
  });
  const points = [
    minute('2024-05-20T10:10:00Z', 3),
    minute('2024-05-20T10:15:00Z', 14),
    minute('2024-05-20T10:20:00Z', 0),
    minute('2024-05-20T10:25:00Z', 22),
  ];
  const calls: [number, number][] = [];
  const fetch = (from: number, to: number) => {
    calls.push([from, to]);
    return points.filter((p) => p.timestamp >= from && p.timestamp < to);
  };

  it('finds the transitions of the series', () => {
    const r = replay(alarm, fetch, t('2024-05-20T10:00:00Z'), t('2024-05-20T10:45:00Z'));
    // One evaluation per minute, 10:00 to 10:45 inclusive; one fetch covering 5 periods before 10:00.
    expect(r.evaluations).toBe(46);
    expect(calls).toEqual([[t('2024-05-20T09:35:00Z'), t('2024-05-20T10:45:00Z')]]);
    expect(
      r.changes.map((c) => [new Date(c.time * 1000).toISOString().slice(11, 16), c.current.value, c.actions]),
    ).toEqual([
      ['10:00', 'INSUFFICIENT_DATA', []], // created
      ['10:00', 'OK', []], // no data at all: three periods treated as not breaching
      // At 10:26 the periods are 10:11–10:16 (14), 10:16–10:21 (0), 10:21–10:26 (22): 2 of 3. Before 10:26 the
      // minutes 10:15 and 10:25 never fall in two different periods of the window.
      ['10:26', 'ALARM', ['netmon-alerts']],
      // From 10:31 the newest period is empty, but the range of 5 still holds at least 3 real points, and the 3
      // most recent (14, 0, 22) keep deciding ALARM until 10:41, when 10:15 leaves the range: 2 real points
      // (0, 22) plus one period filled as not breaching is 1 of 3.
      ['10:41', 'OK', []],
    ]);
    expect(r.changes[1]?.current.reason).toBe(
      'Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [NonBreaching].',
    );
    expect(r.changes[2]?.current.reason).toBe(
      'Threshold Crossed: 2 out of the last 3 datapoints [22.0 (20/05/24 10:21:00), 14.0 (20/05/24 10:11:00)] were greater than or equal to the threshold (10.0) (minimum 2 datapoints for OK -> ALARM transition).',
    );
    expect(r.changes[3]?.current.reason).toBe(
      'Threshold Crossed: 1 out of the last 3 datapoints [0.0 (20/05/24 10:16:00)] was not greater than or equal to the threshold (10.0) and 1 missing datapoint was treated as [NonBreaching] (minimum 2 datapoints for ALARM -> OK transition).',
    );
    expect(r.state.value).toBe('OK');
    expect(r.history.filter((h) => h.type === 'StateUpdate')).toHaveLength(3);
  });

  it('evaluates every 10 s for a high-resolution period, starting at the first step after since', () => {
    const hr: MetricAlarm = {
      ...alarm,
      period: 10,
      evaluationPeriods: 1,
      datapointsToAlarm: undefined,
      alarmActions: [],
    };
    const start = t('2024-05-20T10:00:05Z');
    const r = replay(
      hr,
      () => [{ timestamp: start + 15, sampleCount: 1, sum: 50, minimum: 50, maximum: 50 }],
      start,
      start + 60,
    );
    // Evaluations at :10, :20, …, :60 (6). The point at :20 is the period 10:00:20–30, first seen at :30. With
    // N = 1 the range is 3 periods: at :40 and :50 the newest period is empty but the range still holds that one
    // real point, which decides (rule 2); at 01:00 the range is empty and the missing period is not breaching.
    expect(r.evaluations).toBe(6);
    expect(
      r.changes.map((c) => [new Date(c.time * 1000).toISOString().slice(14, 19), c.current.value]),
    ).toEqual([
      ['00:05', 'INSUFFICIENT_DATA'],
      ['00:10', 'OK'],
      ['00:30', 'ALARM'],
      ['01:00', 'OK'],
    ]);
  });
});

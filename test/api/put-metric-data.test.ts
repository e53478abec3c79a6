// PutMetricData over the AWS SDK v3 CloudWatchClient (AWS JSON 1.0; bodies of 10,240 bytes and more gzipped by the
// SDK): custom metrics stored beside the metric filters' datapoints, read back by GetMetricStatistics,
// GetMetricData and ListMetrics, AWS's checks with the SDK's own exception classes, and an alarm on a custom
// metric that the monitor itself evaluates into ALARM. Every expected number is worked out by hand below.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  ListMetricsCommand,
  MissingRequiredParameterException,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  type PutMetricDataCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/core/logger.js';
import { type Monitor, startMonitor } from '../../src/monitor/monitor.js';

const T = 1716199200; // 2024-05-20T10:00:00Z
let dir: string;
let file: string;
let monitor: Monitor;
let cw: CloudWatchClient;
let clock = T + 5;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-cwapi-pmd-'));
  file = join(dir, 'flowwatch.yaml');
  writeFileSync(
    file,
    `metricFilters:
  - { name: rejected, pattern: "[..., action = REJECT, status]", metricNamespace: FlowLogs, metricName: Rejected, metricValue: "1" }
topics:
  - { name: netops, subscriptions: [] }
monitor: { listen: "127.0.0.1:0", stateDir: "${join(dir, 'state')}", flushMillis: 20, account: "123456789012", region: eu-west-1, evaluationDelaySeconds: 0 }
api:
  credentials: [{ accessKeyId: AKIAFLOWWATCHTEST, secretAccessKey: test-secret }]
`,
  );
  monitor = await startMonitor({
    config: loadConfig(file, true),
    configPath: file,
    db: join(dir, 'm.duckdb'),
    log: createLogger(() => undefined),
    env: {},
    now: () => clock,
  });
  cw = new CloudWatchClient({
    endpoint: monitor.url,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIAFLOWWATCHTEST', secretAccessKey: 'test-secret' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  cw?.destroy();
  await monitor?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const at = (s: number) => new Date(s * 1000);
const put = (input: PutMetricDataCommandInput) => cw.send(new PutMetricDataCommand(input));
const fails = (input: PutMetricDataCommandInput) => put(input).catch((e: Error) => e);

describe('PutMetricData over AWS JSON 1.0 (the JS SDK)', () => {
  it('stores Value, StatisticValues and Values/Counts as one minute of statistics', async () => {
    await put({
      Namespace: 'MyApp',
      MetricData: [
        { MetricName: 'Latency', Timestamp: at(T + 10), Value: 5, Unit: 'Milliseconds' },
        {
          MetricName: 'Latency',
          Timestamp: at(T + 20),
          StatisticValues: { SampleCount: 3, Sum: 12, Minimum: 2, Maximum: 6 },
          Unit: 'Milliseconds',
        },
        {
          MetricName: 'Latency',
          Timestamp: at(T + 59),
          Values: [1, 10],
          Counts: [2, 1],
          Unit: 'Milliseconds',
        },
        // The next minute, and another dimension set: neither is in the first minute's answer.
        { MetricName: 'Latency', Timestamp: at(T + 60), Value: 100, Unit: 'Milliseconds' },
        {
          MetricName: 'Latency',
          Dimensions: [{ Name: 'Service', Value: 'api' }],
          Timestamp: at(T + 30),
          Value: 7,
          Unit: 'Milliseconds',
        },
      ],
    });
    const r = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'MyApp',
        MetricName: 'Latency',
        StartTime: at(T),
        EndTime: at(T + 120),
        Period: 60,
        Statistics: ['SampleCount', 'Sum', 'Minimum', 'Maximum', 'Average'],
      }),
    );
    // Minute 10:00: n = 1 + 3 + (2 + 1) = 7; sum = 5 + 12 + (1·2 + 10·1) = 29; min 1; max 10. Minute 10:01: 100.
    expect(
      r.Datapoints?.map((d) => [
        d.Timestamp?.getTime(),
        d.SampleCount,
        d.Sum,
        d.Minimum,
        d.Maximum,
        d.Average,
        d.Unit,
      ]),
    ).toEqual([
      [T * 1000, 7, 29, 1, 10, 29 / 7, 'Milliseconds'],
      [(T + 60) * 1000, 1, 100, 100, 100, 100, 'Milliseconds'],
    ]);
    // A Unit selects the data put with it: Seconds selects none of the Milliseconds data.
    const inUnit = async (Unit: 'Seconds' | 'Milliseconds') =>
      (
        await cw.send(
          new GetMetricStatisticsCommand({
            Namespace: 'MyApp',
            MetricName: 'Latency',
            StartTime: at(T),
            EndTime: at(T + 120),
            Period: 60,
            Statistics: ['Sum'],
            Unit,
          }),
        )
      ).Datapoints?.map((d) => d.Sum);
    expect(await inUnit('Seconds')).toEqual([]);
    expect(await inUnit('Milliseconds')).toEqual([29, 100]);
    const byService = await cw.send(
      new GetMetricDataCommand({
        StartTime: at(T),
        EndTime: at(T + 120),
        MetricDataQueries: [
          {
            Id: 'api',
            MetricStat: {
              Metric: {
                Namespace: 'MyApp',
                MetricName: 'Latency',
                Dimensions: [{ Name: 'Service', Value: 'api' }],
              },
              Period: 120,
              Stat: 'Maximum',
            },
          },
        ],
      }),
    );
    expect(byService.MetricDataResults?.[0]?.Values).toEqual([7]);
    const listed = await cw.send(new ListMetricsCommand({ Namespace: 'MyApp' }));
    expect(
      listed.Metrics?.map((m) => [m.MetricName, (m.Dimensions ?? []).map((d) => `${d.Name}=${d.Value}`)]),
    ).toEqual(
      // ListMetrics promises no order: compared as a set.
      expect.arrayContaining([
        ['Latency', []],
        ['Latency', ['Service=api']],
      ]),
    );
    expect(listed.Metrics).toHaveLength(2);
  });

  it('takes 1,000 data in one call (a body the SDK gzips) and refuses 1,001', async () => {
    const data = Array.from({ length: 1000 }, (_, i) => ({
      MetricName: 'Bulk',
      Dimensions: [{ Name: 'Shard', Value: `shard-${i % 4}` }],
      Timestamp: at(T + 120 + (i % 60)),
      Value: i % 4,
    }));
    await put({ Namespace: 'MyApp', MetricData: data });
    const r = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'MyApp',
        MetricName: 'Bulk',
        Dimensions: [{ Name: 'Shard', Value: 'shard-3' }],
        StartTime: at(T + 120),
        EndTime: at(T + 180),
        Period: 60,
        Statistics: ['SampleCount', 'Sum'],
      }),
    );
    // 250 data in shard-3, each 3.
    expect(r.Datapoints?.map((d) => [d.SampleCount, d.Sum, d.Unit])).toEqual([[250, 750, 'None']]);
    const e = await fails({ Namespace: 'MyApp', MetricData: [...data, data[0]!] });
    expect(e).toBeInstanceOf(InvalidParameterValueException);
    expect((e as Error).message).toContain('greater than 1000');
  });

  it("answers AWS's checks with the SDK's own exception classes, storing nothing of a refused call", async () => {
    const one = { MetricName: 'Checks', Timestamp: at(T + 300), Value: 1 };
    const cases: [PutMetricDataCommandInput, new (...a: never[]) => Error, string][] = [
      [{ Namespace: 'AWS/EC2', MetricData: [one] }, InvalidParameterValueException, 'AWS/'],
      [
        {
          Namespace: 'MyApp',
          MetricData: [
            {
              ...one,
              Dimensions: Array.from({ length: 31 }, (_, i) => ({ Name: `d${i}`, Value: 'x' })),
            },
          ],
        },
        InvalidParameterValueException,
        'greater than 30',
      ],
      [
        {
          Namespace: 'MyApp',
          MetricData: [{ ...one, StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1 } }],
        },
        InvalidParameterCombinationException,
        'mutually exclusive',
      ],
      [
        { Namespace: 'MyApp', MetricData: [{ MetricName: 'Checks', Timestamp: at(T + 300) }] },
        MissingRequiredParameterException,
        'MetricData.member.2.Value',
      ],
      [
        { Namespace: 'MyApp', MetricData: [{ ...one, Value: 2 ** 361 }] },
        InvalidParameterValueException,
        '2^360',
      ],
      [
        { Namespace: 'MyApp', MetricData: [{ ...one, Unit: 'Parsecs' as never }] },
        InvalidParameterValueException,
        'Unit Parsecs',
      ],
      [
        { Namespace: 'MyApp', MetricData: [{ ...one, Timestamp: at(T + 5 - 15 * 86_400) }] },
        InvalidParameterValueException,
        'two weeks in the past',
      ],
      [
        { Namespace: 'MyApp', MetricData: [{ ...one, Timestamp: at(T + 5 + 3 * 3_600) }] },
        InvalidParameterValueException,
        'two hours in the future',
      ],
      [
        {
          Namespace: 'MyApp',
          MetricData: [{ MetricName: 'Checks', Timestamp: at(T + 300), Values: [1, 2], Counts: [1] }],
        },
        InvalidParameterValueException,
        'same size',
      ],
      [
        {
          Namespace: 'MyApp',
          MetricData: [
            {
              MetricName: 'Checks',
              Timestamp: at(T + 300),
              StatisticValues: { SampleCount: 2, Sum: 3, Minimum: 5, Maximum: 1 },
            },
          ],
        },
        InvalidParameterValueException,
        'Minimum must not be greater than Maximum',
      ],
    ];
    for (const [input, cls, text] of cases) {
      // A good datum first: the whole call is refused, so it is not stored either.
      const e = await fails({ ...input, MetricData: [{ ...one, Value: 1000 }, ...(input.MetricData ?? [])] });
      expect(e, text).toBeInstanceOf(cls);
      expect((e as Error).message).toContain(text);
    }
    const r = await cw.send(new ListMetricsCommand({ Namespace: 'MyApp', MetricName: 'Checks' }));
    expect(r.Metrics).toEqual([]);
  });

  it('an alarm on a custom metric goes to ALARM when the data crosses the threshold (evaluated by the monitor)', async () => {
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'app-failures',
        Namespace: 'MyApp',
        MetricName: 'Failures',
        Dimensions: [{ Name: 'Service', Value: 'api' }],
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 3,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: ['arn:aws:sns:eu-west-1:123456789012:netops'],
      }),
    );
    const api = [{ Name: 'Service', Value: 'api' }];
    const web = [{ Name: 'Service', Value: 'web' }];
    const state = async () =>
      (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['app-failures'] }))).MetricAlarms?.[0]
        ?.StateValue;
    const waitFor = async (want: string) => {
      let s = await state();
      for (let i = 0; i < 50 && s !== want; i++) {
        await new Promise((r) => setTimeout(r, 100));
        s = await state();
      }
      return s;
    };
    // Minute 10:10: api 2 (< 3), web 5 (another dimension set, not the alarm's): OK.
    const m1 = T + 600;
    clock = m1 + 30;
    await put({
      Namespace: 'MyApp',
      MetricData: [
        { MetricName: 'Failures', Dimensions: api, Timestamp: at(m1 + 1), Value: 2 },
        { MetricName: 'Failures', Dimensions: web, Timestamp: at(m1 + 2), Value: 5 },
      ],
    });
    clock = m1 + 61;
    expect(await waitFor('OK')).toBe('OK');
    // Minute 10:11: api 1 + 2 = 3 (≥ 3): ALARM.
    await put({
      Namespace: 'MyApp',
      MetricData: [
        { MetricName: 'Failures', Dimensions: api, Timestamp: at(m1 + 61), Value: 1 },
        { MetricName: 'Failures', Dimensions: api, Timestamp: at(m1 + 62), Value: 2 },
      ],
    });
    clock = m1 + 121;
    expect(await waitFor('ALARM')).toBe('ALARM');
  });
});

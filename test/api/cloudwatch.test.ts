// CloudWatch over the AWS SDK v3 client (AWS JSON 1.0 with the query-compatible headers) and over AWS Query (form
// requests, XML answers, as the AWS CLI 2.9 sends them) against a running monitor: alarms written into
// flowwatch.yaml with the file's own validation, states and history from the monitor, metrics from the metric
// filters, errors as the SDK's own classes.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DeleteAnomalyDetectorCommand,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  DescribeAnomalyDetectorsCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  InvalidParameterValueException,
  ListMetricsCommand,
  MissingRequiredParameterException,
  PutAnomalyDetectorCommand,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  ResourceNotFound,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/core/logger.js';
import { type Monitor, startMonitor } from '../../src/monitor/monitor.js';

const T = 1716199200; // 2024-05-20T10:00:00Z
const PING_DENY =
  '[version, account, eni, source, destination, srcport, destport, protocol = 1, packets, bytes, windowstart, windowend, action = REJECT, flowlogstatus]';
let dir: string;
let file: string;
let monitor: Monitor;
let cw: CloudWatchClient;
let clock = T + 5;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-cwapi-cw-'));
  file = join(dir, 'flowwatch.yaml');
  writeFileSync(
    file,
    `metricFilters:
  - { name: ping-deny, pattern: "${PING_DENY}", metricNamespace: FlowLogs, metricName: DeniedICMP, metricValue: "1" }
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
  // One denied ping at 10:00:10 and an accepted one: the metric filter counts 1 in the minute 10:00.
  await monitor.sink.write({
    kind: 'lines',
    source: 'test',
    key: 'k1',
    origin: 'test://1',
    lines: [
      `2 123456789012 eni-0a1 10.0.1.5 8.8.8.8 0 0 1 1 84 ${T + 10} ${T + 11} REJECT OK`,
      `2 123456789012 eni-0a1 10.0.1.5 1.1.1.1 0 0 1 1 84 ${T + 20} ${T + 21} ACCEPT OK`,
    ],
  });
});

afterAll(async () => {
  cw?.destroy();
  await monitor?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const ping = {
  AlarmName: 'ping',
  Namespace: 'FlowLogs',
  MetricName: 'DeniedICMP',
  Statistic: 'Sum' as const,
  Period: 60,
  EvaluationPeriods: 1,
  Threshold: 1,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold' as const,
  TreatMissingData: 'notBreaching',
  AlarmActions: ['arn:aws:sns:eu-west-1:123456789012:netops'],
};

describe('CloudWatch over AWS JSON 1.0 (the JS SDK)', () => {
  it('PutMetricAlarm writes the alarm into flowwatch.yaml; the file validation refuses a metric no filter publishes', async () => {
    await cw.send(new PutMetricAlarmCommand(ping));
    const c = loadConfig(file);
    expect(c.alarms.map((a) => [a.name, a.statistic, a.threshold, a.alarmActions])).toEqual([
      ['ping', 'Sum', 1, ['arn:aws:sns:eu-west-1:123456789012:netops']],
    ]);
    const e = await cw
      .send(new PutMetricAlarmCommand({ ...ping, AlarmName: 'x', MetricName: 'Nope' }))
      .catch((x: Error) => x);
    expect(e).toBeInstanceOf(InvalidParameterValueException);
    expect((e as Error).message).toContain('no metric filter publishes FlowLogs/Nope');
    const p = await cw
      .send(new PutMetricAlarmCommand({ ...ping, AlarmName: 'x', Period: 45 }))
      .catch((x: Error) => x);
    expect(p).toBeInstanceOf(InvalidParameterValueException);
    const t = await cw
      .send(
        new PutMetricAlarmCommand({
          ...ping,
          AlarmName: 'x',
          AlarmActions: ['arn:aws:sns:eu-west-1:123456789012:nobody'],
        }),
      )
      .catch((x: Error) => x);
    expect((t as Error).message).toContain('there is no topic "nobody"');
  });

  it('DescribeAlarms shows it; the monitor evaluates it to ALARM on the stored denied ping', async () => {
    const d = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['ping'] }));
    expect(d.MetricAlarms?.[0]).toMatchObject({
      AlarmName: 'ping',
      AlarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:ping',
      MetricName: 'DeniedICMP',
      Statistic: 'Sum',
      Period: 60,
      Threshold: 1,
      StateValue: 'INSUFFICIENT_DATA',
    });
    // The monitor evaluates it itself once the minute 10:00 has closed.
    clock = T + 60;
    let after = await cw.send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }));
    for (let i = 0; i < 50 && after.MetricAlarms?.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await cw.send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }));
    }
    expect(after.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['ping']);
  });

  it('GetMetricStatistics, GetMetricData and ListMetrics answer from the metric filter datapoints', async () => {
    const s = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'FlowLogs',
        MetricName: 'DeniedICMP',
        StartTime: new Date(T * 1000),
        EndTime: new Date((T + 120) * 1000),
        Period: 60,
        Statistics: ['Sum', 'SampleCount'],
      }),
    );
    expect(s.Datapoints?.map((p) => [p.Timestamp?.getTime(), p.Sum, p.SampleCount])).toEqual([
      [T * 1000, 1, 1],
    ]);
    const d = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(T * 1000),
        EndTime: new Date((T + 120) * 1000),
        MetricDataQueries: [
          {
            Id: 'm1',
            MetricStat: {
              Metric: { Namespace: 'FlowLogs', MetricName: 'DeniedICMP' },
              Period: 60,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    expect(d.MetricDataResults?.[0]).toMatchObject({ Id: 'm1', Values: [1], StatusCode: 'Complete' });
    expect(d.MetricDataResults?.[0]?.Timestamps?.map((x) => x.getTime())).toEqual([T * 1000]);
    const l = await cw.send(new ListMetricsCommand({ Namespace: 'FlowLogs' }));
    expect(l.Metrics).toEqual([{ Namespace: 'FlowLogs', MetricName: 'DeniedICMP', Dimensions: [] }]);
    const e = await cw
      .send(
        new GetMetricStatisticsCommand({
          Namespace: 'FlowLogs',
          MetricName: 'DeniedICMP',
          StartTime: new Date(T * 1000),
          EndTime: new Date((T + 60) * 1000),
          Period: 60,
        }),
      )
      .catch((x: Error) => x);
    expect(e).toBeInstanceOf(MissingRequiredParameterException);
  });

  it('SetAlarmState changes the state and history records it; unknown alarms are ResourceNotFound', async () => {
    clock = T + 90;
    await cw.send(new SetAlarmStateCommand({ AlarmName: 'ping', StateValue: 'OK', StateReason: 'testing' }));
    const d = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['ping'] }));
    expect([d.MetricAlarms?.[0]?.StateValue, d.MetricAlarms?.[0]?.StateReason]).toEqual(['OK', 'testing']);
    const h = await cw.send(
      new DescribeAlarmHistoryCommand({ AlarmName: 'ping', HistoryItemType: 'StateUpdate' }),
    );
    // Newest first: ALARM → OK (set), after the evaluation that entered ALARM (the monitor's timer may have
    // recorded an earlier evaluation too).
    const summaries = h.AlarmHistoryItems?.map((x) => x.HistorySummary) ?? [];
    expect(summaries[0]).toBe('Alarm updated from ALARM to OK');
    expect(summaries[1]).toMatch(/^Alarm updated from (INSUFFICIENT_DATA|OK) to ALARM$/);
    expect(JSON.parse(h.AlarmHistoryItems?.[0]?.HistoryData ?? '{}').newState.stateValue).toBe('OK');
    const e = await cw
      .send(new SetAlarmStateCommand({ AlarmName: 'nope', StateValue: 'OK', StateReason: 'x' }))
      .catch((x: Error) => x);
    expect(e).toBeInstanceOf(ResourceNotFound);
  });

  it('PutCompositeAlarm and DeleteAlarms edit the file', async () => {
    await cw.send(new PutCompositeAlarmCommand({ AlarmName: 'any', AlarmRule: 'ALARM("ping")' }));
    const d = await cw.send(new DescribeAlarmsCommand({ AlarmTypes: ['CompositeAlarm'] }));
    expect(d.CompositeAlarms?.map((a) => [a.AlarmName, a.AlarmRule])).toEqual([['any', 'ALARM("ping")']]);
    expect(d.MetricAlarms).toEqual([]);
    const bad = await cw
      .send(new PutCompositeAlarmCommand({ AlarmName: 'bad', AlarmRule: 'ALARM("missing")' }))
      .catch((x: Error) => x);
    expect(bad).toBeInstanceOf(InvalidParameterValueException);
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: ['any', 'ping'] }));
    const c = loadConfig(file);
    expect([c.alarms.length, c.compositeAlarms.length]).toEqual([0, 0]);
    await expect(cw.send(new DeleteAlarmsCommand({ AlarmNames: ['ping'] }))).rejects.toBeInstanceOf(
      ResourceNotFound,
    );
  });
});

describe('anomaly-band alarms over the JS SDK', () => {
  const band = {
    AlarmName: 'ping-anomaly',
    EvaluationPeriods: 3,
    DatapointsToAlarm: 2,
    ComparisonOperator: 'GreaterThanUpperThreshold' as const,
    ThresholdMetricId: 'band',
    Metrics: [
      {
        Id: 'm1',
        ReturnData: true,
        MetricStat: { Metric: { Namespace: 'FlowLogs', MetricName: 'DeniedICMP' }, Period: 300, Stat: 'Sum' },
      },
      { Id: 'band', Expression: 'ANOMALY_DETECTION_BAND(m1, 3)', ReturnData: true },
    ],
  };

  it('PutMetricAlarm with Metrics and ThresholdMetricId is stored; DescribeAlarms gives them back', async () => {
    await cw.send(new PutMetricAlarmCommand(band));
    const c = loadConfig(file);
    const a = c.alarms.find((x) => x.name === 'ping-anomaly');
    expect([a?.anomalyBand?.k, a?.thresholdMetricId, a?.period, a?.statistic]).toEqual([
      3,
      'band',
      300,
      'Sum',
    ]);
    const d = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['ping-anomaly'] }));
    const m = d.MetricAlarms?.[0];
    expect(m?.ThresholdMetricId).toBe('band');
    expect(m?.Threshold).toBeUndefined();
    expect(m?.Metrics?.map((q) => [q.Id, q.Expression, q.MetricStat?.Stat, q.MetricStat?.Period])).toEqual([
      ['m1', undefined, 'Sum', 300],
      ['band', 'ANOMALY_DETECTION_BAND(m1, 3)', undefined, undefined],
    ]);
  });

  it('PutAnomalyDetector writes the configuration on the alarms of that metric and stat; Describe gives the state; Delete removes it', async () => {
    const single = { Namespace: 'FlowLogs', MetricName: 'DeniedICMP', Stat: 'Sum' };
    const put = await cw.send(
      new PutAnomalyDetectorCommand({
        SingleMetricAnomalyDetector: single,
        Configuration: {
          ExcludedTimeRanges: [
            { StartTime: new Date('2024-05-01T00:00:00Z'), EndTime: new Date('2024-05-02T00:00:00Z') },
          ],
          MetricTimezone: 'Europe/Paris',
        },
      }),
    );
    expect(put.$metadata.httpStatusCode).toBe(200);
    const a = loadConfig(file).alarms.find((x) => x.name === 'ping-anomaly');
    expect(a?.anomalyBand?.detector).toEqual({
      excludedTimeRanges: [
        { start: Date.parse('2024-05-01T00:00:00Z') / 1000, end: Date.parse('2024-05-02T00:00:00Z') / 1000 },
      ],
      metricTimezone: 'Europe/Paris',
    });
    const d = await cw.send(new DescribeAnomalyDetectorsCommand({ MetricName: 'DeniedICMP' }));
    expect(
      d.AnomalyDetectors?.map((x) => [
        x.SingleMetricAnomalyDetector?.Stat,
        x.Configuration?.MetricTimezone,
        x.StateValue,
      ]),
    ).toEqual([
      ['Sum', 'Europe/Paris', 'PENDING_TRAINING'], // the only datapoint (10:00) is not before the hour's cutoff
    ]);
    const other = await cw
      .send(new PutAnomalyDetectorCommand({ SingleMetricAnomalyDetector: { ...single, Stat: 'Maximum' } }))
      .catch((x: Error) => x);
    expect(other).toBeInstanceOf(InvalidParameterValueException);
    expect((other as Error).message).toContain('put the alarm');
    await cw.send(new DeleteAnomalyDetectorCommand({ SingleMetricAnomalyDetector: single }));
    expect(
      loadConfig(file).alarms.find((x) => x.name === 'ping-anomaly')?.anomalyBand?.detector,
    ).toBeUndefined();
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: ['ping-anomaly'] }));
  });

  it('refuses a band with a static operator, and a band with a Threshold, naming the field', async () => {
    const op = await cw
      .send(new PutMetricAlarmCommand({ ...band, ComparisonOperator: 'GreaterThanThreshold' }))
      .catch((x: Error) => x);
    expect(op).toBeInstanceOf(InvalidParameterValueException);
    expect((op as Error).message).toContain('comparisonOperator');
    const thr = await cw.send(new PutMetricAlarmCommand({ ...band, Threshold: 5 })).catch((x: Error) => x);
    expect(thr).toBeInstanceOf(InvalidParameterValueException);
    expect((thr as Error).message).toContain('threshold');
    const noBand = await cw
      .send(
        new PutMetricAlarmCommand({ ...ping, AlarmName: 'y', ComparisonOperator: 'LessThanLowerThreshold' }),
      )
      .catch((x: Error) => x);
    expect(noBand).toBeInstanceOf(InvalidParameterValueException);
    expect((noBand as Error).message).toContain('anomaly detection band');
  });
});

describe('CloudWatch over AWS Query (form request, XML answer)', () => {
  it('answers DescribeAlarms in XML and errors as ErrorResponse with the query code', async () => {
    const { SignatureV4 } = await import('@smithy/signature-v4');
    const { createHash, createHmac } = await import('node:crypto');
    class Sha {
      private h;
      constructor(s?: string | Uint8Array) {
        this.h = s === undefined ? createHash('sha256') : createHmac('sha256', s);
      }
      update(d: string | Uint8Array) {
        this.h.update(d);
      }
      async digest() {
        return this.h.digest();
      }
    }
    const url = new URL(monitor.url);
    const post = async (body: string) => {
      const signer = new SignatureV4({
        credentials: { accessKeyId: 'AKIAFLOWWATCHTEST', secretAccessKey: 'test-secret' },
        region: 'eu-west-1',
        service: 'monitoring',
        sha256: Sha as never,
      });
      const req = await signer.sign({
        method: 'POST',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: '/',
        headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body,
      });
      return fetch(monitor.url, { method: 'POST', headers: req.headers, body });
    };
    await cw.send(new PutMetricAlarmCommand(ping));
    const ok = await post('Action=DescribeAlarms&Version=2010-08-01&AlarmNames.member.1=ping');
    expect(ok.status).toBe(200);
    const xml = await ok.text();
    expect(xml).toContain('<DescribeAlarmsResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">');
    expect(xml).toContain('<AlarmName>ping</AlarmName>');
    expect(xml).toContain(
      '<AlarmActions><member>arn:aws:sns:eu-west-1:123456789012:netops</member></AlarmActions>',
    );
    const nf = await post(
      'Action=SetAlarmState&Version=2010-08-01&AlarmName=nope&StateValue=OK&StateReason=x',
    );
    expect(nf.status).toBe(404);
    const text = await nf.text();
    expect(text).toContain('<Code>ResourceNotFound</Code>');
    expect(text).toContain('<Type>Sender</Type>');
  });
});

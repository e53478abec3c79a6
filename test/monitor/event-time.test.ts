// A flow log format without ${start} (the widely copied CDK example's) through the live sources: a CloudWatch
// Logs subscription into the monitor (the records take the events' timestamps as event time, so the metric
// filter makes its datapoint in the events' minute and the alarm goes to ALARM), Firehose direct delivery (the
// request's timestamp) and the CloudWatch Logs polling source. Expected values worked out by hand.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/core/logger.js';
import { CloudWatchLogsSource } from '../../src/ingest/sources/cloudwatch-logs.js';
import { type Monitor, startMonitor } from '../../src/monitor/monitor.js';
import { StoreSink } from '../../src/monitor/store-sink.js';
import { Store } from '../../src/storage/store.js';
import { type Receiver, startReceiver } from '../notify/helpers.js';
import { CloudWatchLogsServer } from '../support/cloudwatch-logs-server.js';

const T = 1716199200; // 2024-05-20T10:00:00Z, a minute boundary
/** The CDK example's format: 11 fields, no start/end. */
const FORMAT =
  '${traffic-path} ${flow-direction} ${region} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${action} ${log-status}';
const ssh = (port: number) =>
  `1 ingress eu-west-1 111122223333 eni-a 203.0.113.9 10.0.1.10 ${port} 22 REJECT OK`;

let dir: string;
let monitor: Monitor;
let hook: Receiver;
let clock = T + 5;
const logs: string[] = [];

function payload(events: { id: string; timestamp: number; message: string }[]): Buffer {
  return gzipSync(
    JSON.stringify({
      messageType: 'DATA_MESSAGE',
      owner: '111122223333',
      logGroup: '/vpc/flowlogs',
      logStream: 'eni-a-all',
      subscriptionFilters: ['to-flowwatch'],
      logEvents: events,
    }),
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-eventtime-'));
  hook = await startReceiver();
  const config = parseConfig(
    'flowwatch.yaml',
    `
metricFilters:
  - name: rejected-ssh
    pattern: "[path, direction, region, account, eni, src, dst, srcport, dstport = 22, action = REJECT, status]"
    metricNamespace: FlowLogs
    metricName: RejectedSSH
    metricValue: "1"
alarms:
  - name: rejected-ssh
    metric: { namespace: FlowLogs, metricName: RejectedSSH }
    statistic: Sum
    period: 60
    evaluationPeriods: 1
    threshold: 1
    comparisonOperator: GreaterThanOrEqualToThreshold
    treatMissingData: notBreaching
    alarmActions: [ops]
topics:
  - name: ops
    subscriptions:
      - { type: webhook, url: "${hook.url}" }
sources:
  - { name: forwarder, type: subscription, path: /subscription, format: "${FORMAT}", allowUnauthenticated: true }
  - { name: firehose, type: firehose, path: /firehose, format: "${FORMAT}", allowUnauthenticated: true }
monitor: { listen: "127.0.0.1:0", stateDir: "${join(dir, 'state')}", flushMillis: 50, evaluationDelaySeconds: 1, account: "111122223333", region: eu-west-1 }
`,
  );
  monitor = await startMonitor({
    config,
    db: join(dir, 'm.duckdb'),
    log: createLogger((l) => logs.push(l)),
    env: {},
    now: () => clock,
  });
});

afterAll(async () => {
  if (process.env['FW_DEBUG']) process.stderr.write(logs.join(''));
  await monitor?.stop();
  await hook?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a format without ${start} through a CloudWatch Logs subscription', () => {
  it('takes each event timestamp as the event time, makes the datapoint in its minute and fires the alarm', async () => {
    const r = await fetch(`${monitor.url}/subscription`, {
      method: 'POST',
      body: payload([
        { id: '1', timestamp: (T + 10) * 1000 + 250, message: ssh(51000) },
        { id: '2', timestamp: (T + 20) * 1000, message: ssh(51001) },
        { id: '3', timestamp: (T + 70) * 1000, message: ssh(51002) },
      ]),
    });
    expect(r.status, await r.clone().text()).toBe(200);
    const rows = await monitor.store.query(
      'SELECT srcport, event_time, time_source FROM flows ORDER BY srcport',
    );
    // Milliseconds are dropped: event times are whole seconds, like start.
    expect(rows.rows).toEqual([
      { srcport: 51000, event_time: T + 10, time_source: 'cwl-event' },
      { srcport: 51001, event_time: T + 20, time_source: 'cwl-event' },
      { srcport: 51002, event_time: T + 70, time_source: 'cwl-event' },
    ]);
    // Two matches in minute T, one in minute T + 60.
    const points = await monitor.store.query(
      `SELECT epoch(minute)::BIGINT AS minute, sum(sample_count)::BIGINT AS n, sum(sum_value) AS total
       FROM metric_datapoints WHERE metric = 'RejectedSSH' AND NOT is_default GROUP BY 1 ORDER BY 1`,
    );
    expect(points.rows).toEqual([
      { minute: T, n: 2, total: 2 },
      { minute: T + 60, n: 1, total: 1 },
    ]);
    clock = T + 62; // minute [T, T+60) closed: Sum 2 >= 1
    await hook.waitFor(1);
    const n = JSON.parse((JSON.parse(hook.requests[0]!.body) as { Message: string }).Message);
    expect(n).toMatchObject({
      AlarmName: 'rejected-ssh',
      NewStateValue: 'ALARM',
      OldStateValue: 'INSUFFICIENT_DATA',
    });
    expect(n.NewStateReason).toContain('[2.0 (20/05/24 10:00:00)]');
    // The evidence window runs from two periods before the evaluated minute to the end of the current one
    // ([T - 60, T + 120) here), chosen by event time: all three records.
    expect(n.evidence.records).toBe(3);
  });

  it('takes the Firehose request timestamp for records delivered straight to Firehose', async () => {
    const https = '1 egress eu-west-1 111122223333 eni-a 10.0.1.10 52.216.10.9 40001 443 ACCEPT OK';
    const r = await fetch(`${monitor.url}/firehose`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-amz-firehose-protocol-version': '1.0',
        'x-amz-firehose-request-id': 'req-1',
      },
      body: JSON.stringify({
        requestId: 'req-1',
        timestamp: (T + 200) * 1000 + 999,
        records: [{ data: Buffer.from(`{"message":"${https}"}`).toString('base64') }],
      }),
    });
    expect(r.status).toBe(200);
    const rows = await monitor.store.query(`SELECT event_time, time_source FROM flows WHERE dstport = 443`);
    expect(rows.rows).toEqual([{ event_time: T + 200, time_source: 'firehose' }]);
  });
});

describe('a format without ${start} through the CloudWatch Logs polling source', () => {
  it('stores each event with its timestamp as event time', async () => {
    const now = (T + 600) * 1000;
    const server = await CloudWatchLogsServer.start({ now: () => now });
    const credentials = {
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    };
    const client = new CloudWatchLogsClient({ region: 'eu-west-1', endpoint: server.endpoint, credentials });
    const store = await Store.open(join(dir, 'cwl.duckdb'));
    const sink = await StoreSink.open(store, {
      scratch: join(dir, 'cwl-scratch'),
      flushMillis: 10,
      flushRecords: 1000,
    });
    try {
      await client.send(new CreateLogGroupCommand({ logGroupName: '/vpc/flowlogs' }));
      await client.send(
        new CreateLogStreamCommand({ logGroupName: '/vpc/flowlogs', logStreamName: 'eni-a-all' }),
      );
      await client.send(
        new PutLogEventsCommand({
          logGroupName: '/vpc/flowlogs',
          logStreamName: 'eni-a-all',
          logEvents: [
            { timestamp: (T + 100) * 1000, message: ssh(52000) },
            { timestamp: (T + 160) * 1000 + 500, message: ssh(52001) },
          ],
        }),
      );
      const source = new CloudWatchLogsSource(
        {
          name: 'cwl',
          logGroupName: '/vpc/flowlogs',
          region: 'eu-west-1',
          endpoint: server.endpoint,
          credentials,
          format: FORMAT,
          pollSeconds: 0.05,
          throttleDelayMs: 5,
        },
        sink,
      );
      expect((await source.pollOnce()).records).toBe(2);
      const rows = await store.query('SELECT srcport, event_time, time_source FROM flows ORDER BY srcport');
      expect(rows.rows).toEqual([
        { srcport: 52000, event_time: T + 100, time_source: 'cwl-event' },
        { srcport: 52001, event_time: T + 160, time_source: 'cwl-event' },
      ]);
    } finally {
      await sink.close();
      store.close();
      client.destroy();
      await server.close();
    }
  });
});

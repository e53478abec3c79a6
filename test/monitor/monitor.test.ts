// The monitor end to end, over loopback: Firehose requests in, records and datapoints in the store, an alarm
// evaluated on its schedule, the notification at a real webhook receiver and a real SMTP server, the
// monitor's own /healthz and /metrics. Expected values worked out by hand from LINES.

import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/core/logger.js';
import { REQUESTS_DIR } from '../../src/monitor/alarms-runner.js';
import { type Monitor, startMonitor } from '../../src/monitor/monitor.js';
import {
  type MailServer,
  parseMail,
  type Receiver,
  startMailServer,
  startReceiver,
} from '../notify/helpers.js';

const T = 1716199200; // 2024-05-20T10:00:00Z, a minute boundary
const LINES = [
  `2 111122223333 eni-a 203.0.113.9 10.0.1.10 51000 22 6 1 44 ${T + 10} ${T + 11} REJECT OK`, // ssh reject
  `2 111122223333 eni-a 203.0.113.9 10.0.1.10 51001 22 6 1 44 ${T + 20} ${T + 21} REJECT OK`, // ssh reject
  `2 111122223333 eni-a 203.0.113.9 10.0.1.10 51002 22 6 1 44 ${T + 30} ${T + 31} REJECT OK`, // ssh reject
  `2 111122223333 eni-b 198.51.100.7 10.0.1.11 51003 22 6 2 120 ${T + 40} ${T + 41} REJECT OK`, // ssh reject
  `2 111122223333 eni-a 10.0.1.10 52.216.10.9 40001 443 6 12 7000 ${T + 15} ${T + 59} ACCEPT OK`, // https
  `2 111122223333 eni-b 198.51.100.7 10.0.1.10 0 0 1 4 336 ${T + 50} ${T + 51} REJECT OK`, // icmp reject
];

let dir: string;
let monitor: Monitor;
let hook: Receiver;
let mail: MailServer;
let clock = T + 5;
const logs: string[] = [];

function firehose(requestId: string, lines: readonly string[], key = 'k3y', gzip = false) {
  const body = JSON.stringify({
    requestId,
    timestamp: Date.now(),
    records: lines.map((l) => ({ data: Buffer.from(l).toString('base64') })),
  });
  return fetch(`${monitor.url}/firehose`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-amz-firehose-protocol-version': '1.0',
      'x-amz-firehose-request-id': requestId,
      'x-amz-firehose-access-key': key,
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    },
    body: gzip ? gzipSync(body) : body,
  });
}

const count = async () =>
  Number((await monitor.store.query('SELECT count(*) AS n FROM flows')).rows[0]!['n']);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-monitor-'));
  hook = await startReceiver();
  mail = await startMailServer();
  const config = parseConfig(
    'flowwatch.yaml',
    `
metricFilters:
  - name: rejected-ssh
    pattern: "[v, account, eni, src, dst, srcport, dstport = 22, protocol = 6, packets, bytes, start, end, action = REJECT, status]"
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
    okActions: [ops]
topics:
  - name: ops
    # Every state change delivered, as CloudWatch does (episode grouping is tested in alarm-episodes.test.ts).
    episodes: { quietMinutes: 0 }
    subscriptions:
      - { type: webhook, url: "${hook.url}", secretEnv: HOOK_SECRET }
      - { type: email, to: [netops@example.com] }
smtp: { host: 127.0.0.1, port: ${mail.port}, from: "flowwatch <fw@example.com>" }
sources:
  - { name: firehose, type: firehose, path: /firehose, accessKeyEnv: FH_KEY }
  - { name: forwarder, type: subscription, path: /subscription, tokenEnv: SUB_TOKEN }
monitor: { listen: "127.0.0.1:0", stateDir: "${join(dir, 'state')}", flushMillis: 50, evaluationDelaySeconds: 1, account: "111122223333", region: eu-west-1 }
`,
  );
  monitor = await startMonitor({
    config,
    db: join(dir, 'm.duckdb'),
    log: createLogger((l) => logs.push(l)),
    env: { FH_KEY: 'k3y', HOOK_SECRET: 's3cret', SUB_TOKEN: 't0ken' },
    now: () => clock,
  });
});

afterAll(async () => {
  if (process.env['FW_DEBUG']) process.stderr.write(logs.filter((l) => l.includes('alarm')).join(''));
  await monitor?.stop();
  await hook?.close();
  await mail?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('flowwatch monitor', () => {
  it('stores a Firehose request before answering 200, and a retried request only once', async () => {
    const r = await firehose('req-1', LINES.slice(0, 3));
    expect(r.status).toBe(200);
    expect((await r.json()) as object).toMatchObject({ requestId: 'req-1' });
    expect(await count()).toBe(3);
    const again = await firehose('req-1', LINES.slice(0, 3));
    expect(again.status).toBe(200);
    expect(await count()).toBe(3);
    const gz = await firehose('req-2', LINES.slice(3), 'k3y', true);
    expect(gz.status).toBe(200);
    expect(await count()).toBe(6);
  });

  it('refuses a wrong access key and corrupt gzip, stores nothing and stays up', async () => {
    expect((await firehose('req-3', LINES, 'wrong')).status).toBe(401);
    const bad = await fetch(`${monitor.url}/firehose`, {
      method: 'POST',
      headers: {
        'x-amz-firehose-protocol-version': '1.0',
        'x-amz-firehose-request-id': 'req-4',
        'x-amz-firehose-access-key': 'k3y',
        'content-encoding': 'gzip',
      },
      body: Buffer.from('not gzip at all'),
    });
    expect(bad.status).toBe(400);
    expect(await count()).toBe(6);
    const health = await fetch(`${monitor.url}/healthz`, {
      headers: { authorization: `Bearer ${monitor.token}` },
    });
    expect(health.status).toBe(200);
    expect((await health.json()) as object).toMatchObject({ status: 'ok', recordsStored: 6 });
  });

  it('authenticates /healthz and /metrics, and counts in Prometheus format', async () => {
    expect((await fetch(`${monitor.url}/metrics`)).status).toBe(401);
    const m = await (
      await fetch(`${monitor.url}/metrics`, { headers: { authorization: `Bearer ${monitor.token}` } })
    ).text();
    expect(m).toContain('flowwatch_records_stored_total 6');
    expect(m).toContain('flowwatch_batches_duplicate_total 1');
    // The 6 records' rollups: pending until the monitor's catch-up (2 s after the commit), then written.
    expect(m).toMatch(/^flowwatch_rollup_pending_records (0|6)$/m);
    expect(m).toMatch(/^flowwatch_rollups_total (0|1)$/m);
    expect(m).toContain('flowwatch_rollup_errors_total 0');
    expect(m).toContain('flowwatch_alarm_state{alarm="rejected-ssh",state="INSUFFICIENT_DATA"} 1');
  });

  it('fires the alarm when the minute closes, with the breaching records as evidence, by webhook and email', async () => {
    clock = T + 62; // minute [T, T+60) closed; evaluated after the 1 s delay
    await hook.waitFor(1);
    const envelope = JSON.parse(hook.requests[0]!.body) as { Type: string; Message: string; Subject: string };
    expect(envelope.Type).toBe('Notification');
    const n = JSON.parse(envelope.Message);
    expect(n).toMatchObject({
      AlarmName: 'rejected-ssh',
      NewStateValue: 'ALARM',
      OldStateValue: 'INSUFFICIENT_DATA',
      AWSAccountId: '111122223333',
      Trigger: {
        MetricName: 'RejectedSSH',
        Namespace: 'FlowLogs',
        Statistic: 'SUM',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
      },
    });
    // Four rejected SSH records: three from 203.0.113.9 (44 bytes each), one from 198.51.100.7 (120 bytes).
    expect(n.evidence.records).toBe(4);
    expect(n.evidence.topSources).toEqual([
      { addr: '203.0.113.9', flows: 3, packets: 3, bytes: 132 },
      { addr: '198.51.100.7', flows: 1, packets: 2, bytes: 120 },
    ]);
    expect(n.evidence.topDestinationPorts).toEqual([
      { port: 22, protocol: 6, flows: 4, packets: 5, bytes: 252 },
    ]);
    expect(n.evidence.topInterfaces).toEqual([
      { interfaceId: 'eni-a', flows: 3, packets: 3, bytes: 132 },
      { interfaceId: 'eni-b', flows: 1, packets: 2, bytes: 120 },
    ]);
    for (let i = 0; i < 100 && mail.mails.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(mail.mails).toHaveLength(1);
    const m = parseMail(mail.mails[0]!.raw);
    expect(m.headers.get('subject')).toContain('ALARM: "rejected-ssh"');
    expect(m.text).toContain('203.0.113.9');
  });

  it('stays in ALARM while the datapoint is in the evaluation range, then goes back to OK and notifies again', async () => {
    // N = 1: the evaluation range is 3 periods. While the breaching minute T is among the last 3, it is the
    // newest real datapoint and decides (spec §3.3 rule 2); missing data counts only once it has aged out.
    clock = T + 182; // range [T, T+180): still ALARM, no notification
    await new Promise((r) => setTimeout(r, 2500));
    expect(hook.requests).toHaveLength(1);
    clock = T + 242; // range [T+60, T+240): nothing real, notBreaching fills: OK
    await hook.waitFor(2);
    const n = JSON.parse((JSON.parse(hook.requests[1]!.body) as { Message: string }).Message);
    expect(n).toMatchObject({ AlarmName: 'rejected-ssh', NewStateValue: 'OK', OldStateValue: 'ALARM' });
    expect(
      monitor.alarms.machine
        .history('rejected-ssh')
        .filter((h) => h.type === 'StateUpdate')
        .map((h) => h.summary),
    ).toEqual(['Alarm updated from INSUFFICIENT_DATA to ALARM', 'Alarm updated from ALARM to OK']);
  });

  it("applies a set-state request from the state folder within a second and runs the new state's actions", async () => {
    const dir2 = join(monitor.stateDir, REQUESTS_DIR);
    mkdirSync(dir2, { recursive: true });
    const file = join(dir2, '1-test.json');
    writeFileSync(
      file,
      JSON.stringify({ name: 'rejected-ssh', state: 'ALARM', reason: 'testing the notification path' }),
    );
    await hook.waitFor(3);
    const n = JSON.parse((JSON.parse(hook.requests[2]!.body) as { Message: string }).Message);
    expect(n).toMatchObject({
      AlarmName: 'rejected-ssh',
      NewStateValue: 'ALARM',
      OldStateValue: 'OK',
      NewStateReason: 'testing the notification path',
    });
    expect(existsSync(file)).toBe(false);
  });

  it('stores CloudWatch Logs subscription payloads POSTed with the bearer token, and refuses a wrong token', async () => {
    const payload = gzipSync(
      JSON.stringify({
        messageType: 'DATA_MESSAGE',
        owner: '111122223333',
        logGroup: '/vpc/flowlogs',
        logStream: 'eni-c-all',
        subscriptionFilters: ['all'],
        logEvents: [
          {
            id: '1',
            timestamp: (T + 300) * 1000,
            message: `2 111122223333 eni-c 10.0.1.5 10.0.2.9 40000 5432 6 10 5000 ${T + 300} ${T + 360} ACCEPT OK`,
          },
          {
            id: '2',
            timestamp: (T + 301) * 1000,
            message: `2 111122223333 eni-c 10.0.2.9 10.0.1.5 5432 40000 6 8 3000 ${T + 301} ${T + 360} ACCEPT OK`,
          },
        ],
      }),
    );
    const post = (token: string) =>
      fetch(`${monitor.url}/subscription`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: payload,
      });
    const before = await count();
    expect((await post('wrong')).status).toBe(401);
    expect(await count()).toBe(before);
    expect((await post('t0ken')).status).toBe(200);
    expect(await count()).toBe(before + 2);
    expect((await post('t0ken')).status).toBe(200); // a forwarder's retry: stored once
    expect(await count()).toBe(before + 2);
  });
});

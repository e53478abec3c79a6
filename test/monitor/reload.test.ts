// The console's steps from the CLI, applied to a running monitor: `flowwatch alarms put` and `flowwatch topics
// subscribe` edit flowwatch.yaml, the monitor notices the change and reloads, the new alarm fires to the new
// webhook subscription, and its notification names the account of the records (monitor.account unset).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/core/logger.js';
import { type Monitor, startMonitor } from '../../src/monitor/monitor.js';
import { type Receiver, startReceiver } from '../notify/helpers.js';
import { type RunResult, runCli } from '../support/run-cli.js';

const T = 1716199200; // 2024-05-20T10:00:00Z
const LINES = [
  `2 444455556666 eni-a 10.0.0.5 8.8.8.8 0 0 1 1 84 ${T + 10} ${T + 11} REJECT OK`, // denied ping
  `2 444455556666 eni-a 10.0.0.5 8.8.8.8 0 0 1 1 84 ${T + 20} ${T + 21} REJECT OK`, // denied ping
  `2 999988887777 eni-b 10.0.0.6 1.1.1.1 0 0 1 1 84 ${T + 30} ${T + 31} ACCEPT OK`, // accepted ping
];

let dir: string;
let file: string;
let monitor: Monitor;
let hook: Receiver;
let clock = T + 5;
const logs: string[] = [];

async function fw(args: string[]): Promise<RunResult> {
  return runCli([...args, '--config', file], { cwd: dir, timeoutMs: 60_000 });
}

async function until(test: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 150 && !test(); i++) await new Promise((r) => setTimeout(r, 100));
  expect(test(), what).toBe(true);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-reload-'));
  hook = await startReceiver();
  file = join(dir, 'flowwatch.yaml');
  writeFileSync(
    file,
    `# the lab's filter
metricFilters:
  - name: denied-icmp
    pattern: "[version, account, eni, source, destination, srcport, destport, protocol = 1, packets, bytes, windowstart, windowend, action = REJECT, flowlogstatus]"
    metricNamespace: FlowLogs
    metricName: DeniedICMP
    metricValue: "1"
# topics: subscriptions come from the CLI
topics:
  - name: ops
    subscriptions: []
sources:
  - { name: firehose, type: firehose, path: /firehose, accessKeyEnv: FH_KEY }
monitor: { listen: "127.0.0.1:0", stateDir: "${join(dir, 'state')}", flushMillis: 50, evaluationDelaySeconds: 1 }
`,
  );
  monitor = await startMonitor({
    config: loadConfig(file, true),
    configPath: file,
    db: join(dir, 'm.duckdb'),
    log: createLogger((l) => logs.push(l)),
    env: { FH_KEY: 'k3y' },
    now: () => clock,
  });
});

afterAll(async () => {
  await monitor?.stop();
  await hook?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('alarms put and topics subscribe on a running monitor', () => {
  it('writes the alarm and the subscription into the file, keeping its comments', async () => {
    const put = await fw([
      'alarms',
      'put',
      '--alarm-name',
      'icmp',
      '--namespace',
      'FlowLogs',
      '--metric-name',
      'DeniedICMP',
      '--statistic',
      'Sum',
      '--period',
      '60',
      '--evaluation-periods',
      '1',
      '--threshold',
      '1',
      '--comparison-operator',
      'GreaterThanOrEqualToThreshold',
      '--treat-missing-data',
      'notBreaching',
      '--alarm-actions',
      'ops',
    ]);
    expect(put.code, put.err).toBe(0);
    expect(put.out).toContain('Added alarm "icmp"');
    const sub = await fw([
      'topics',
      'subscribe',
      '--topic',
      'ops',
      '--protocol',
      'webhook',
      '--notification-endpoint',
      hook.url,
    ]);
    expect(sub.code, sub.err).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain("# the lab's filter");
    expect(text).toContain('# topics: subscriptions come from the CLI');
    const c = loadConfig(file, true);
    expect(c.alarms).toEqual([
      {
        name: 'icmp',
        metric: { namespace: 'FlowLogs', metricName: 'DeniedICMP', dimensions: {} },
        statistic: 'Sum',
        period: 60,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        treatMissingData: 'notBreaching',
        alarmActions: ['ops'],
      },
    ]);
    expect(c.topics[0]!.subscriptions.map((s) => s.type)).toEqual(['webhook']);
  });

  it('the monitor notices the file change and applies the alarm', async () => {
    await until(() => monitor.alarms.machine.get('icmp') !== undefined, 'the alarm is applied');
    await until(
      () => logs.some((l) => l.includes('"config_reloaded"') && l.includes('"topics":1')),
      'reloaded',
    );
  });

  it('fires to the new subscription, naming the account of the records', async () => {
    const body = JSON.stringify({
      requestId: 'r1',
      timestamp: Date.now(),
      records: LINES.map((l) => ({ data: Buffer.from(l).toString('base64') })),
    });
    const r = await fetch(`${monitor.url}/firehose`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-amz-firehose-protocol-version': '1.0',
        'x-amz-firehose-request-id': 'r1',
        'x-amz-firehose-access-key': 'k3y',
      },
      body,
    });
    expect(r.status).toBe(200);
    clock = T + 62; // the minute [T, T+60) with 2 denied pings closed
    await hook.waitFor(1);
    const n = JSON.parse((JSON.parse(hook.requests[0]!.body) as { Message: string }).Message);
    // Two records of 444455556666 against one of 999988887777: the most common account of the records.
    expect(n).toMatchObject({ AlarmName: 'icmp', NewStateValue: 'ALARM', AWSAccountId: '444455556666' });
    expect(n.AlarmArn).toBe('arn:aws:cloudwatch:us-east-1:444455556666:alarm:icmp');
  });

  it('an invalid file is refused by the reload and the running configuration kept', async () => {
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, `${good}\nbogus: 1\n`);
    const r = await monitor.reload();
    expect(r.ok).toBe(false);
    expect(r.error).toContain('unknown key "bogus"');
    expect(monitor.alarms.machine.get('icmp')).toBeDefined();
    writeFileSync(file, good);
  });
});

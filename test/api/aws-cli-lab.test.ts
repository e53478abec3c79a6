// The classic flow log lab's steps with Debian's AWS CLI 2.9 (/usr/bin/aws, installed by scripts/ensure-test-tools.mjs)
// and --endpoint-url against a running monitor: log group, the ping-deny metric filter, test-metric-filter with the
// lab's four lines, an SNS topic with an email subscription, put-metric-alarm (Sum >= 1 over 60 s), a rejected ping
// through put-log-events, the alarm in ALARM and the email at a loopback SMTP server, and the top-20 rejected
// sources query. CloudWatch and SNS go over AWS Query (form + XML), Logs over JSON 1.1: the CLI's own protocols.
// The CLI runs in one Python process for all its calls (test/support/aws-cli-driver.py: its own entry point, a fresh
// one per call), not one process per call: the same requests, without 20 start-ups of ~0.9 CPU-s each.

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/core/logger.js';
import { type Monitor, startMonitor } from '../../src/monitor/monitor.js';
import { type MailServer, startMailServer } from '../notify/helpers.js';
import { testToolsSettled } from '../support/test-tools.js';

const AWS = '/usr/bin/aws';
// npm test may still be installing chromium and awscli beside the suite: test/support/test-tools.ts.
await testToolsSettled();
const HAVE_AWS = existsSync(AWS);
/** The Python that runs the CLI (its script's first line) and the driver that runs its entry point per call. */
const PYTHON = HAVE_AWS
  ? readFileSync(AWS, 'utf8')
      .split('\n')[0]!
      .replace(/^#!\s*/, '')
  : '';
const DRIVER = resolve(import.meta.dirname, '../support/aws-cli-driver.py');
if (!HAVE_AWS)
  process.stderr.write(
    '\n*** /usr/bin/aws is missing: the AWS CLI lab test is SKIPPED (node scripts/ensure-test-tools.mjs) ***\n\n',
  );

const T = 1716199200; // 2024-05-20T10:00:00Z
const LAB = [
  `2 123456789012 eni-0a1 10.0.1.5 8.8.8.8 0 0 1 1 84 ${T + 10} ${T + 11} REJECT OK`,
  `2 123456789012 eni-0a1 10.0.1.5 1.1.1.1 0 0 1 1 84 ${T + 20} ${T + 21} ACCEPT OK`,
  `2 123456789012 eni-0a1 203.0.113.9 10.0.1.5 40000 22 6 3 180 ${T + 30} ${T + 31} REJECT OK`,
  `2 123456789012 eni-0a1 10.0.1.5 52.95.110.1 50000 443 6 10 5000 ${T + 40} ${T + 41} ACCEPT OK`,
];
const PING_DENY =
  '[version, account, eni, source, destination, srcport, destport, protocol = 1, packets, bytes, windowstart, windowend, action = REJECT, flowlogstatus]';

let dir: string;
let monitor: Monitor;
let smtp: MailServer;
let clock = T + 5;

/** The AWS CLI's environment: the lab's credentials and region, a home of its own, no pager. */
const AWS_ENV = (home: string): NodeJS.ProcessEnv => ({
  PATH: process.env['PATH'],
  HOME: home,
  AWS_ACCESS_KEY_ID: 'AKIAFLOWWATCHLAB',
  AWS_SECRET_ACCESS_KEY: 'lab-secret',
  AWS_DEFAULT_REGION: 'eu-west-1',
  AWS_PAGER: '',
});

/**
 * The AWS CLI, started once: test/support/aws-cli-driver.py runs the CLI's own entry point (what /usr/bin/aws
 * runs) for each call in one Python process, so the 20 calls pay the CLI's start-up (~0.9 CPU-s of imports) once.
 */
let cliDriver: ChildProcessWithoutNullStreams | undefined;
let cliReplies: ((line: string) => void)[] = [];
let cliQueue: Promise<unknown> = Promise.resolve();

function startCliDriver(home: string): void {
  const driver = spawn(PYTHON, [DRIVER], { cwd: home, env: AWS_ENV(home) });
  let buffered = '';
  driver.stdout.setEncoding('utf8');
  driver.stdout.on('data', (d: string) => {
    buffered += d;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      cliReplies.shift()?.(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
  });
  let stderr = '';
  driver.stderr.on('data', (d) => (stderr += d));
  driver.on('exit', (code) => {
    for (const reply of cliReplies)
      reply(JSON.stringify({ code: 70, out: '', err: `driver exited (${code}): ${stderr}` }));
    cliReplies = [];
  });
  cliDriver = driver;
}

/** `aws <args>` through the driver: its exit code, stdout and stderr. */
function awsCli(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  const call = cliQueue.then(
    () =>
      new Promise<{ code: number; out: string; err: string }>((res) => {
        cliReplies.push((line) => res(JSON.parse(line)));
        cliDriver!.stdin.write(`${JSON.stringify(args)}\n`);
      }),
  );
  cliQueue = call.catch(() => undefined);
  return call;
}

async function aws(...args: string[]): Promise<Record<string, unknown>> {
  const r = await awsCli([...args, '--endpoint-url', monitor.url, '--output', 'json']);
  expect(r.code, `aws ${args.join(' ')}\n${r.err}`).toBe(0);
  return r.out.trim() === '' ? {} : (JSON.parse(r.out) as Record<string, unknown>);
}

beforeAll(async () => {
  if (!HAVE_AWS) return;
  dir = mkdtempSync(join(tmpdir(), 'fw-cwapi-cli-'));
  startCliDriver(dir);
  smtp = await startMailServer();
  const file = join(dir, 'flowwatch.yaml');
  writeFileSync(
    file,
    `smtp: { host: 127.0.0.1, port: ${smtp.port}, from: flowwatch@example.com }
monitor: { listen: "127.0.0.1:0", stateDir: "${join(dir, 'state')}", flushMillis: 20, account: "123456789012", region: eu-west-1, evaluationDelaySeconds: 0 }
api:
  credentials: [{ accessKeyId: AKIAFLOWWATCHLAB, secretAccessKeyEnv: LAB_SECRET }]
`,
  );
  monitor = await startMonitor({
    config: loadConfig(file, true),
    configPath: file,
    db: join(dir, 'm.duckdb'),
    log: createLogger(() => undefined),
    env: { LAB_SECRET: 'lab-secret' },
    now: () => clock,
  });
}, 60_000);

afterAll(async () => {
  // The driver ends with its input; waited for, so that no Python process outlives the file.
  const driver = cliDriver;
  if (driver !== undefined && driver.exitCode === null) {
    await new Promise((res) => {
      driver.on('exit', res);
      driver.stdin.end();
    });
  }
  await monitor?.stop();
  await smtp?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!HAVE_AWS)('the classic lab with the AWS CLI 2.9', () => {
  it('runs every step', { timeout: 300_000 }, async () => {
    await aws('logs', 'create-log-group', '--log-group-name', '/vpc/lab');
    await aws(
      'logs',
      'put-metric-filter',
      '--log-group-name',
      '/vpc/lab',
      '--filter-name',
      'ping-deny',
      '--filter-pattern',
      PING_DENY,
      '--metric-transformations',
      'metricName=DeniedICMP,metricNamespace=FlowLogs,metricValue=1',
    );
    const tested = await aws(
      'logs',
      'test-metric-filter',
      '--filter-pattern',
      PING_DENY,
      '--log-event-messages',
      ...LAB,
    );
    expect((tested['matches'] as { eventNumber: number }[]).map((m) => m.eventNumber)).toEqual([1]);

    const topic = await aws('sns', 'create-topic', '--name', 'netops');
    expect(topic['TopicArn']).toBe('arn:aws:sns:eu-west-1:123456789012:netops');
    const sub = await aws(
      'sns',
      'subscribe',
      '--topic-arn',
      String(topic['TopicArn']),
      '--protocol',
      'email',
      '--notification-endpoint',
      'netops@example.com',
    );
    expect(String(sub['SubscriptionArn'])).toMatch(/^arn:aws:sns:eu-west-1:123456789012:netops:email-/);
    const subs = await aws('sns', 'list-subscriptions-by-topic', '--topic-arn', String(topic['TopicArn']));
    expect((subs['Subscriptions'] as { Endpoint: string }[]).map((s) => s.Endpoint)).toEqual([
      'netops@example.com',
    ]);

    await aws(
      'cloudwatch',
      'put-metric-alarm',
      '--alarm-name',
      'ping-deny',
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
      String(topic['TopicArn']),
    );

    await aws(
      'logs',
      'create-log-stream',
      '--log-group-name',
      '/vpc/lab',
      '--log-stream-name',
      'eni-0a1-all',
    );
    writeFileSync(
      join(dir, 'events.json'),
      JSON.stringify([{ timestamp: (T + 10) * 1000, message: LAB[0] }]),
    );
    clock = T + 30;
    await aws(
      'logs',
      'put-log-events',
      '--log-group-name',
      '/vpc/lab',
      '--log-stream-name',
      'eni-0a1-all',
      '--log-events',
      `file://${join(dir, 'events.json')}`,
    );
    // The monitor evaluates the alarm itself once the minute 10:00 has closed.
    clock = T + 60;
    let state = '';
    for (let i = 0; i < 30 && state !== 'ALARM'; i++) {
      if (i > 0) await new Promise((res) => setTimeout(res, 200));
      const alarms = await aws('cloudwatch', 'describe-alarms', '--alarm-names', 'ping-deny');
      state = String((alarms['MetricAlarms'] as { StateValue: string }[])[0]?.StateValue);
    }
    expect(state).toBe('ALARM');
    for (let i = 0; i < 200 && smtp.mails.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(smtp.mails.map((m) => m.to)).toEqual([['netops@example.com']]);
    expect(smtp.mails[0]?.raw).toContain('ping-deny');

    const q = await aws(
      'logs',
      'start-query',
      '--log-group-name',
      '/vpc/lab',
      '--start-time',
      String(T),
      '--end-time',
      String(T + 3600),
      '--query-string',
      'filter action = "REJECT" | stats count(*) as rejected by srcAddr | sort rejected desc | limit 20',
    );
    let r: Record<string, unknown> = { status: 'Running' };
    for (let i = 0; i < 100 && r['status'] !== 'Complete'; i++) {
      r = await aws('logs', 'get-query-results', '--query-id', String(q['queryId']));
      if (r['status'] !== 'Complete') await new Promise((res) => setTimeout(res, 100));
    }
    expect(r['status']).toBe('Complete');
    // The one rejected record put through the API: the ping from 10.0.1.5.
    expect(r['results']).toEqual([
      [
        { field: 'srcAddr', value: '10.0.1.5' },
        { field: 'rejected', value: '1' },
      ],
    ]);
  });

  it('put-metric-data (AWS Query): a custom metric read back and alarmed on', {
    timeout: 300_000,
  }, async () => {
    const m = T + 600; // the minute 10:10
    clock = m + 30;
    await aws(
      'cloudwatch',
      'put-metric-alarm',
      '--alarm-name',
      'app-failures',
      '--namespace',
      'MyApp',
      '--metric-name',
      'Failures',
      '--dimensions',
      'Name=Service,Value=api',
      '--statistic',
      'Sum',
      '--period',
      '60',
      '--evaluation-periods',
      '1',
      '--threshold',
      '5',
      '--comparison-operator',
      'GreaterThanOrEqualToThreshold',
      '--treat-missing-data',
      'notBreaching',
    );
    const iso = (s: number) => new Date(s * 1000).toISOString();
    await aws(
      'cloudwatch',
      'put-metric-data',
      '--namespace',
      'MyApp',
      '--metric-name',
      'Failures',
      '--dimensions',
      'Service=api',
      '--unit',
      'Count',
      '--value',
      '2',
      '--timestamp',
      iso(m + 1),
    );
    writeFileSync(
      join(dir, 'metric-data.json'),
      JSON.stringify([
        {
          MetricName: 'Failures',
          Dimensions: [{ Name: 'Service', Value: 'api' }],
          Timestamp: iso(m + 20),
          StatisticValues: { SampleCount: 2, Sum: 4, Minimum: 1, Maximum: 3 },
          Unit: 'Count',
        },
        {
          MetricName: 'Failures',
          Dimensions: [{ Name: 'Service', Value: 'api' }],
          Timestamp: iso(m + 40),
          Values: [0.5, 2],
          Counts: [2, 1],
          Unit: 'Count',
        },
      ]),
    );
    await aws(
      'cloudwatch',
      'put-metric-data',
      '--namespace',
      'MyApp',
      '--metric-data',
      `file://${join(dir, 'metric-data.json')}`,
    );
    const stats = await aws(
      'cloudwatch',
      'get-metric-statistics',
      '--namespace',
      'MyApp',
      '--metric-name',
      'Failures',
      '--dimensions',
      'Name=Service,Value=api',
      '--start-time',
      iso(m),
      '--end-time',
      iso(m + 60),
      '--period',
      '60',
      '--statistics',
      'Sum',
      'SampleCount',
      'Maximum',
    );
    // n = 1 + 2 + (2 + 1) = 6; sum = 2 + 4 + (0.5·2 + 2) = 9; max 3.
    expect(
      (stats['Datapoints'] as Record<string, unknown>[]).map((d) => [
        d['SampleCount'],
        d['Sum'],
        d['Maximum'],
        d['Unit'],
      ]),
    ).toEqual([[6, 9, 3, 'Count']]);
    const listed = await aws('cloudwatch', 'list-metrics', '--namespace', 'MyApp');
    expect(listed['Metrics']).toEqual([
      { Namespace: 'MyApp', MetricName: 'Failures', Dimensions: [{ Name: 'Service', Value: 'api' }] },
    ]);
    // An AWS/ namespace is refused with AWS's code, which the CLI prints.
    const refused = await awsCli([
      'cloudwatch',
      'put-metric-data',
      '--namespace',
      'AWS/EC2',
      '--metric-name',
      'X',
      '--value',
      '1',
      '--endpoint-url',
      monitor.url,
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain('InvalidParameterValue');
    // The minute 10:10 sums 9 ≥ 5: the monitor puts the alarm in ALARM once the minute has closed.
    clock = m + 61;
    let state = '';
    for (let i = 0; i < 30 && state !== 'ALARM'; i++) {
      if (i > 0) await new Promise((res) => setTimeout(res, 200));
      const alarms = await aws('cloudwatch', 'describe-alarms', '--alarm-names', 'app-failures');
      state = String((alarms['MetricAlarms'] as { StateValue: string }[])[0]?.StateValue);
    }
    expect(state).toBe('ALARM');
  });

  it('the /usr/bin/aws program itself answers as the driver does', { timeout: 120_000 }, async () => {
    // The driver runs the CLI's entry point; this runs the installed program as a user would, once, and
    // expects the same exit code and output for the same call (the lab's first step made /vpc/lab).
    const args = ['logs', 'describe-log-groups', '--endpoint-url', monitor.url, '--output', 'json'];
    const viaDriver = await awsCli(args);
    const real = await new Promise<{ code: number | null; out: string; err: string }>((res) => {
      const child = spawn(AWS, args, { cwd: dir, env: AWS_ENV(dir) });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('close', (code) => res({ code, out, err }));
    });
    expect(real.code, real.err).toBe(0);
    expect(real.code).toBe(viaDriver.code);
    expect(JSON.parse(real.out)).toEqual(JSON.parse(viaDriver.out));
    const names = (JSON.parse(real.out) as { logGroups: { logGroupName: string }[] }).logGroups.map(
      (g) => g.logGroupName,
    );
    expect(names).toContain('/vpc/lab');
  });
});

// `flowwatch alarms put | put-composite` and `flowwatch topics ...` run in-process (main): mistakes are refused
// naming the option (exit 2), with a caret under an alarm-rule fault; good input lands in flowwatch.yaml.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunResult, runCliInProcess } from '../support/run-cli.js';

let dir: string;

async function fw(args: string[]): Promise<RunResult> {
  return runCliInProcess(args, { cwd: dir });
}

const CONFIG = `# kept
metricFilters:
  - name: ssh
    pattern: "[..., action = REJECT, status]"
    metricNamespace: FlowLogs
    metricName: Rejected
    metricValue: "1"
    unit: Count
topics:
  - name: ops
    subscriptions: [{ type: stdout }]
`;

const PUT = [
  'alarms',
  'put',
  '--alarm-name',
  'rej',
  '--namespace',
  'FlowLogs',
  '--metric-name',
  'Rejected',
  '--statistic',
  'Sum',
  '--evaluation-periods',
  '1',
  '--threshold',
  '5',
  '--comparison-operator',
  'GreaterThanThreshold',
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-aput-'));
  writeFileSync(join(dir, 'flowwatch.yaml'), CONFIG);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('flowwatch alarms put', () => {
  it('refuses bad values naming the option, and leaves the file alone', async () => {
    const period = await fw([...PUT, '--period', '45']);
    expect(period.code).toBe(2);
    expect(period.err).toContain('flowwatch: --period: ');
    const topic = await fw([...PUT, '--period', '60', '--alarm-actions', 'nope']);
    expect(topic.code).toBe(2);
    expect(topic.err).toContain('--alarm-actions: there is no topic "nope"');
    const metric = await fw([...PUT.map((a) => (a === 'Rejected' ? 'Nope' : a)), '--period', '60']);
    expect(metric.code).toBe(2);
    expect(metric.err).toContain('--metric-name: no metric filter publishes FlowLogs/Nope');
    const unit = await fw([...PUT, '--period', '60', '--unit', 'Bytes']);
    expect(unit.code).toBe(2);
    expect(unit.err).toContain('publishes FlowLogs/Rejected in Count');
    expect(readFileSync(join(dir, 'flowwatch.yaml'), 'utf8')).toBe(CONFIG);
  });

  it('adds, then replaces an alarm in place; dimensions in the AWS CLI form', async () => {
    const add = await fw([...PUT, '--period', '60', '--alarm-actions', 'ops', '--unit', 'Count']);
    expect(add.code, add.err).toBe(0);
    expect(add.out).toContain('Added alarm "rej"');
    const again = await fw([
      ...PUT,
      '--period',
      '300',
      '--datapoints-to-alarm',
      '1',
      '--alarm-description',
      'many',
    ]);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toContain('Replaced alarm "rej"');
    const text = readFileSync(join(dir, 'flowwatch.yaml'), 'utf8');
    expect(text.startsWith('# kept\n')).toBe(true);
    expect(text).toContain('period: 300');
    expect(text).not.toContain('alarmActions'); // not given the second time: removed, as PutMetricAlarm does
    const dims = await fw([...PUT, '--period', '60', '--dimensions', 'Name=Action,Value=REJECT']);
    expect(dims.code).toBe(0);
    expect(readFileSync(join(dir, 'flowwatch.yaml'), 'utf8')).toContain('Action: REJECT');
  });

  it('put-composite puts a caret under a rule fault', async () => {
    const bad = await fw([
      'alarms',
      'put-composite',
      '--alarm-name',
      'any',
      '--alarm-rule',
      'ALARM("rej") OR',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('flowwatch: --alarm-rule: ');
    expect(bad.err).toContain('  ALARM("rej") OR\n');
    const unknown = await fw([
      'alarms',
      'put-composite',
      '--alarm-name',
      'any',
      '--alarm-rule',
      'ALARM("nope")',
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('--alarm-rule');
    const ok = await fw(['alarms', 'put-composite', '--alarm-name', 'any', '--alarm-rule', 'ALARM("rej")']);
    expect(ok.code, ok.err).toBe(0);
  });
});

describe('flowwatch topics', () => {
  it('put, subscribe, list, unsubscribe', async () => {
    expect((await fw(['topics', 'put', '--name', 'sec'])).code).toBe(0);
    const bad = await fw([
      'topics',
      'subscribe',
      '--topic',
      'sec',
      '--protocol',
      'sms',
      '--notification-endpoint',
      'x',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--protocol: "sms" is not a flowwatch channel');
    const url = await fw([
      'topics',
      'subscribe',
      '--topic',
      'sec',
      '--protocol',
      'slack',
      '--notification-endpoint',
      'ftp://x',
    ]);
    expect(url.code).toBe(2);
    expect(url.err).toContain('--notification-endpoint');
    const none = await fw(['topics', 'subscribe', '--topic', 'nope', '--protocol', 'stdout']);
    expect(none.code).toBe(1);
    expect(none.err).toContain('has no topic "nope"');
    const ok = await fw([
      'topics',
      'subscribe',
      '--topic',
      'arn:aws:sns:us-east-1:123456789012:sec',
      '--protocol',
      'webhook',
      '--notification-endpoint',
      'https://hooks.example.com/fw',
      '--id',
      'hook1',
    ]);
    expect(ok.code, ok.err).toBe(0);
    const list = JSON.parse((await fw(['topics', 'list', '-o', 'json'])).out) as Record<string, string>[];
    expect(list.map((r) => [r['topic'], r['id'], r['protocol']])).toEqual([
      ['ops', 'stdout', 'stdout'],
      ['sec', 'hook1', 'webhook'],
    ]);
    const gone = await fw(['topics', 'unsubscribe', '--topic', 'sec', '--id', 'hook1']);
    expect(gone.code, gone.err).toBe(0);
    const missing = await fw(['topics', 'unsubscribe', '--topic', 'sec', '--id', 'hook1']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('has no subscription with id "hook1"');
  });
});

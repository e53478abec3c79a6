// `flowwatch alarms` as a user runs it: replay in event time over stored data (transitions worked out by hand
// from the spec's evaluation-range rules), list before any monitor ran, set-state without a monitor, init.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../support/run-cli.js';

const T = 1716199200; // 2024-05-20T10:00:00Z
const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const ssh = (start: number, port: number) =>
  `2 111122223333 eni-a 203.0.113.9 10.0.1.10 ${port} 22 6 1 44 ${start} ${start + 1} REJECT OK`;

let dir: string;
async function fw(args: string[]) {
  return runCliInProcess(args, { cwd: dir, env: { ...process.env, FLOWWATCH_DB: '' }, timeoutMs: 60_000 });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-alarms-'));
  writeFileSync(
    join(dir, 'flowwatch.yaml'),
    `metricFilters:
  - { name: ssh, pattern: "[v, a, eni, src, dst, sp, dport = 22, proto = 6, pkts, bytes, st, en, action = REJECT, status]", metricNamespace: FlowLogs, metricName: RejectedSSH, metricValue: "1" }
alarms:
  - { name: rejected-ssh, metric: { namespace: FlowLogs, metricName: RejectedSSH }, statistic: Sum, period: 60, evaluationPeriods: 1, threshold: 1, comparisonOperator: GreaterThanOrEqualToThreshold, treatMissingData: notBreaching, alarmActions: [ops] }
topics:
  - { name: ops, subscriptions: [{ type: stdout }] }
monitor: { stateDir: state }
`,
  );
  // Two rejected SSH attempts in minute 10:00, one in 10:05; an accepted flow in 10:02.
  writeFileSync(
    join(dir, 'x.log'),
    `${HEADER}\n${ssh(T + 5, 50000)}\n${ssh(T + 30, 50001)}\n2 111122223333 eni-a 10.0.1.10 52.216.1.1 40000 443 6 5 900 ${T + 130} ${T + 150} ACCEPT OK\n${ssh(T + 310, 50002)}\n`,
  );
  expect((await fw(['ingest', 'x.log', '--db', 'a.duckdb'])).code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('flowwatch alarms', () => {
  it('replay: when the alarm would have fired, evaluating every minute in event time', async () => {
    const r = await fw([
      'alarms',
      'replay',
      '--since',
      String(T),
      '--until',
      String(T + 600),
      '--db',
      'a.duckdb',
      '--output',
      'json',
    ]);
    expect(r.code).toBe(0);
    const rows = (
      JSON.parse(r.out) as { time: string; from: string; to: string; notifications: string }[]
    ).map((x) => [x.time, x.from, x.to, x.notifications]);
    // N = 1, evaluation range 3 periods, notBreaching. At 10:00 nothing is in range: OK. At 10:01 the minute
    // 10:00 (sum 2) breaches: ALARM, and it stays the newest real point until it leaves the range at 10:04: OK.
    // 10:05 (sum 1) fires at 10:06 and leaves the range at 10:09.
    // Notifications (topic ops, default 15 quiet minutes, ALARM actions only): the first ALARM is sent; the OK at
    // 10:04 starts the quiet period (nothing to send: no OK action); the ALARM at 10:06 is 2 minutes later, a
    // re-trigger folded into the episode; the OK at 10:09 starts a quiet period that would end at 10:24, after
    // the replay's end (10:10).
    expect(rows).toEqual([
      ['2024-05-20T10:00:00Z', 'INSUFFICIENT_DATA', 'OK', ''],
      ['2024-05-20T10:01:00Z', 'OK', 'ALARM', 'ops: sent'],
      ['2024-05-20T10:04:00Z', 'ALARM', 'OK', 'ops: held'],
      ['2024-05-20T10:06:00Z', 'OK', 'ALARM', 'ops: folded (re-trigger 1)'],
      ['2024-05-20T10:09:00Z', 'ALARM', 'OK', 'ops: held'],
      ['2024-05-20T10:10:00Z', '', '', 'ops: episode ends at 10:24 unless the alarm re-triggers'],
    ]);
  });

  it('replay over a range without datapoints says so (every period was missing data, not a count of 0)', async () => {
    const r = await fw([
      'alarms',
      'replay',
      '--since',
      '2020-01-01T00:00:00Z',
      '--until',
      '2020-01-01T01:00:00Z',
      '--db',
      'a.duckdb',
    ]);
    expect(r.code).toBe(0);
    // The stored datapoints: the minutes with a rejected SSH attempt, 10:00 and 10:05.
    expect(r.err).toContain(
      'warning: rejected-ssh: no datapoint of FlowLogs/RejectedSSH from 2020-01-01T00:00:00Z to 2020-01-01T01:00:00Z, so the replay saw missing data only, not a count of 0. Its datapoints run from 2024-05-20T10:00:00Z to 2024-05-20T10:05:00Z: move --since/--until into that span',
    );
    const inRange = await fw([
      'alarms',
      'replay',
      '--since',
      String(T),
      '--until',
      String(T + 600),
      '--db',
      'a.duckdb',
    ]);
    expect(inRange.err).not.toContain('no datapoint');
  });

  it('list: every configured alarm, not yet evaluated before a monitor ran', async () => {
    const r = await fw(['alarms', 'list', '--output', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual([
      {
        name: 'rejected-ssh',
        kind: 'metric',
        state: 'INSUFFICIENT_DATA',
        since: '',
        reason: 'not evaluated yet (start flowwatch monitor)',
      },
    ]);
  });

  it('set-state needs a running monitor, and refuses unknown alarms and states', async () => {
    expect((await fw(['alarms', 'set-state', 'rejected-ssh', 'ALARM', '--reason', 'test'])).err).toContain(
      'no monitor is running',
    );
    expect((await fw(['alarms', 'set-state', 'nope', 'ALARM', '--reason', 'test'])).code).toBe(2);
    expect((await fw(['alarms', 'set-state', 'rejected-ssh', 'RED', '--reason', 'test'])).code).toBe(2);
  });

  it('mute and unmute need a running monitor; mute refuses a bad duration and unknown alarms', async () => {
    expect((await fw(['alarms', 'mute', 'rejected-ssh', '--for', '2h'])).err).toContain(
      'no monitor is running',
    );
    expect((await fw(['alarms', 'unmute', 'rejected-ssh'])).err).toContain('no monitor is running');
    const bad = await fw(['alarms', 'mute', 'rejected-ssh', '--for', '2 weeks']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--for "2 weeks"');
    expect((await fw(['alarms', 'mute', 'rejected-ssh', '--for', '31d'])).code).toBe(2);
    expect((await fw(['alarms', 'mute', 'nope', '--for', '2h'])).code).toBe(2);
  });

  it('init writes a configuration that the monitor accepts, and does not overwrite one', async () => {
    expect((await fw(['init', '--config', 'new.yaml'])).code).toBe(0);
    expect(readFileSync(join(dir, 'new.yaml'), 'utf8')).toContain('name: rejected-ssh');
    expect((await fw(['alarms', 'list', '--config', 'new.yaml', '--output', 'json'])).code).toBe(0);
    const again = await fw(['init', '--config', 'new.yaml']);
    expect(again.code).toBe(1);
    expect(again.err).toContain('already exists');
    expect(existsSync(join(dir, 'new.yaml'))).toBe(true);
  });
});

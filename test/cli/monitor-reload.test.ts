// A real `flowwatch monitor` process and `flowwatch alarms put` beside it: the command signals the monitor (SIGHUP),
// which reloads its configuration and keeps running; SIGTERM still stops it cleanly.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

const BIN = resolve(import.meta.dirname, '../../bin/flowwatch.js');
let dir: string;
let monitor: ChildProcess;
let stderr = '';

async function until(test: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300 && !test(); i++) await new Promise((r) => setTimeout(r, 100));
  expect(test(), `${what}; monitor stderr:\n${stderr}`).toBe(true);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-hup-'));
  writeFileSync(
    join(dir, 'flowwatch.yaml'),
    `metricFilters:
  - { name: rej, pattern: "[..., action = REJECT, status]", metricNamespace: FlowLogs, metricName: Rejected, metricValue: "1" }
topics:
  - { name: ops, subscriptions: [{ type: stdout }] }
monitor: { listen: "127.0.0.1:0" }
`,
  );
  monitor = spawn('node', [BIN, 'monitor', '--db', 'm.duckdb', '--log', 'json'], { cwd: dir });
  monitor.stderr?.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  await until(() => stderr.includes('flowwatch monitor listening'), 'the monitor started');
});

afterAll(() => {
  if (monitor.exitCode === null) monitor.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('flowwatch monitor reloads on SIGHUP', () => {
  it('alarms put signals the running monitor, which applies the alarm and keeps running', async () => {
    const put = await runCli(
      [
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
        '--period',
        '60',
        '--evaluation-periods',
        '1',
        '--threshold',
        '1',
        '--comparison-operator',
        'GreaterThanOrEqualToThreshold',
        '--alarm-actions',
        'ops',
      ],
      { cwd: dir, timeoutMs: 60_000 },
    );
    expect(put.code, put.err).toBe(0);
    expect(put.out).toMatch(/The running monitor \(pid \d+\) reloads the configuration now\./);
    await until(() => /"event":"config_reloaded".*"alarms":1/.test(stderr), 'the monitor reloaded');
    expect(monitor.exitCode).toBeNull();
    const list = await runCli(['alarms', 'list', '-o', 'json'], { cwd: dir });
    expect(list.out).toContain('"rej"');
  });

  it('SIGTERM still stops it cleanly', async () => {
    monitor.kill('SIGTERM');
    await until(() => monitor.exitCode !== null, 'the monitor stopped');
    expect(monitor.exitCode).toBe(0);
  });
});

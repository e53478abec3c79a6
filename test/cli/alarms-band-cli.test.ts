// `flowwatch alarms replay` of an anomaly-band alarm over stored flow logs: one spike hour alarms once while the
// daily cycle never does (transitions worked out by hand in the comments), and too little history is a warning.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../support/run-cli.js';

const H = 3600;
const D = 86_400;
const T0 = Date.parse('2026-11-02T00:00:00Z') / 1000;
const SPIKE = T0 + 8 * D + 15 * H;
const iso = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

let dir: string;
async function fw(args: string[]) {
  return runCliInProcess(args, { cwd: dir, env: { ...process.env, FLOWWATCH_DB: '' }, timeoutMs: 120_000 });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-band-cli-'));
  const band = (name: string, k: string) => `  - name: ${name}
    metrics:
      - { id: m1, metric: { namespace: FlowLogs, metricName: RejectedSSH }, statistic: Sum, period: 3600 }
      - { id: band, expression: "ANOMALY_DETECTION_BAND(m1, ${k})" }
    thresholdMetricId: band
    comparisonOperator: GreaterThanUpperThreshold
    evaluationPeriods: 1
`;
  writeFileSync(
    join(dir, 'flowwatch.yaml'),
    `metricFilters:
  - { name: ssh, pattern: "[v, a, eni, src, dst, sp, dport = 22, proto = 6, pkts, bytes, st, en, action = REJECT, status]", metricNamespace: FlowLogs, metricName: RejectedSSH, metricValue: "1" }
alarms:
${band('ssh-unusual', '2')}`,
  );
  // 9 days of rejected SSH spread over every minute: 1 a minute at night, 3 a minute from 09:00 to 20:59, and
  // 10 a minute in the hour 15:00 of day 8.
  const lines: string[] = [];
  for (let m = 0; m < 9 * 1440; m++) {
    const t = T0 + m * 60 + 10;
    const hour = Math.floor(m / 60) % 24;
    const n = t - 10 >= SPIKE && t - 10 < SPIKE + H ? 10 : hour >= 9 && hour <= 20 ? 3 : 1;
    for (let j = 0; j < n; j++)
      lines.push(
        `2 111122223333 eni-a 203.0.113.${j + 1} 10.0.1.10 5000${j} 22 6 1 44 ${t} ${t + 1} REJECT OK`,
      );
  }
  const header =
    'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
  writeFileSync(join(dir, 'x.log'), `${header}\n${lines.join('\n')}\n`);
  const ing = await fw(['ingest', 'x.log', '--db', 'a.duckdb']);
  expect(ing.code, ing.err).toBe(0);
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('flowwatch alarms replay of an anomaly-band alarm', () => {
  it('the spike hour alarms once; the daily cycle, with periods sliding by the minute, never does', async () => {
    const r = await fw([
      'alarms',
      'replay',
      '--since',
      String(T0 + 8 * D),
      '--until',
      String(T0 + 9 * D - 60),
      '--db',
      'a.duckdb',
      '--output',
      'json',
    ]);
    expect(r.code, r.err).toBe(0);
    const rows = (JSON.parse(r.out) as { time: string; from: string; to: string }[]).map((x) => [
      x.time,
      x.from,
      x.to,
    ]);
    // Trained on days 0–7: night 60 ± 2·0.6, day 180 ± 2·1.8 (no noise: σ is 1 % of the expected value).
    // 15:01: the hour 14:01–15:01 holds 59 × 3 + 10 = 187 > 183.6 → ALARM; 17:00: 16:00–17:00 is 180 → OK.
    expect(rows).toEqual([
      [iso(T0 + 8 * D), 'INSUFFICIENT_DATA', 'OK'],
      [iso(SPIKE + 60), 'OK', 'ALARM'],
      [iso(SPIKE + 2 * H), 'ALARM', 'OK'],
    ]);
    expect(r.err).not.toContain('no anomaly band');
  });

  it('too little history: a warning that says how much is needed, not a silent INSUFFICIENT_DATA', async () => {
    const r = await fw([
      'alarms',
      'replay',
      '--since',
      String(T0 + 2 * D),
      '--until',
      String(T0 + 2 * D + H),
      '--db',
      'a.duckdb',
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(
      `warning: ssh-unusual: no anomaly band at ${iso(T0 + 2 * D)}: baseline needs 7 days; 2 available`,
    );
  });
});

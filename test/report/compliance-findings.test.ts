// The findings summary of the compliance report (JSON, HTML) over a hand-written store: a 60-port vertical scan of
// 10.0.2.20 (rejected, 5 s apart) and a 40-connection SSH brute force on 10.0.1.10, detected by `flowwatch detect
// --only vertical-port-scan,brute-force-login`, then the scan acknowledged. Expected by hand from the records and
// the two detections' definitions (src/detect/builtin.ts): the scan counts 60 distinct ports ≥ medium's 50 (< high's
// 250), the brute force 40 short connections ≥ low's 30 (< medium's 100). Before any detection ran, the report
// says so loudly with the command.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../support/run-cli.js';

const T0 = 1716163200; // 2024-05-20T00:00:00Z
const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status tcp-flags';
const rec = (eni: string, src: string, dst: string, sp: number, dp: number, t: number, action: string) =>
  `3 111122223333 ${eni} ${src} ${dst} ${sp} ${dp} 6 1 60 ${t} ${t + 5} ${action} OK 3`;
const LINES = [
  HEADER,
  ...Array.from({ length: 60 }, (_, i) =>
    rec('eni-app', '203.0.113.9', '10.0.2.20', 40000 + i, i + 1, T0 + 600 + i * 5, 'REJECT'),
  ),
  ...Array.from({ length: 40 }, (_, i) =>
    rec('eni-web', '198.51.100.20', '10.0.1.10', 50000 + i, 22, T0 + 600 + i * 5, 'ACCEPT'),
  ),
];
const SINCE = String(T0);
const UNTIL = String(T0 + 3600);

const dir = mkdtempSync(join(tmpdir(), 'fw-compliance-findings-'));
const db = join(dir, 'f.duckdb');
const fw = (args: string[]) => runCliInProcess([...args, '--db', db], { timeoutMs: 120_000 });
const report = async () => {
  const r = await fw(['report', 'compliance', '--since', SINCE, '--until', UNTIL, '-o', 'json']);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out);
};

beforeAll(async () => {
  writeFileSync(join(dir, 'flows.log'), `${LINES.join('\n')}\n`);
  const r = await runCliInProcess(['ingest', join(dir, 'flows.log'), '--db', db]);
  expect(r.code, r.err).toBe(0);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the compliance report: findings summary', () => {
  it('says loudly that no detection ran, with the flowwatch detect command (JSON, HTML)', async () => {
    const d = await report();
    expect(d.findings).toMatchObject({ total: 0, runs: 0, rows: [] });
    expect(d.warnings).toContain(
      'no detection ran in this period: findings are unknown, not none; run flowwatch detect --since 2024-05-20T00:00:00Z --until 2024-05-20T01:00:00Z (or keep flowwatch monitor running, which runs them as windows close)',
    );
    const out = join(dir, 'before.html');
    const h = await fw(['report', 'compliance', '--since', SINCE, '--until', UNTIL, '--out', out]);
    expect(h.code, h.err).toBe(0);
    const page = readFileSync(out, 'utf8');
    expect(page).toContain('id="no-detection"');
    expect(page).toContain(
      '<code>flowwatch detect --since 2024-05-20T00:00:00Z --until 2024-05-20T01:00:00Z</code>',
    );
  }, 120_000);

  it('gives findings by detection and severity with their states once the detections ran', async () => {
    const det = await fw([
      'detect',
      '--since',
      SINCE,
      '--until',
      UNTIL,
      '--only',
      'vertical-port-scan,brute-force-login',
      '--config',
      join(dir, 'none.yaml'),
      '-o',
      'json',
    ]);
    expect(det.code, det.err).toBe(0);
    const found = JSON.parse(det.out).findings as { id: string; detection: string }[];
    const scan = found.find((f) => f.detection === 'vertical-port-scan');
    expect(scan).toBeDefined();
    const ack = await fw(['findings', 'ack', scan!.id, '--reason', 'pentest']);
    expect(ack.code, ack.err).toBe(0);

    const d = await report();
    expect(d.findings).toMatchObject({
      total: 2,
      open: 1,
      acknowledged: 1,
      suppressed: 0,
      runs: 1,
      detections: ['brute-force-login', 'vertical-port-scan'],
    });
    // One finding each: the more severe first.
    expect(d.findings.rows).toEqual([
      {
        detection: 'vertical-port-scan',
        severity: 'medium',
        findings: 1,
        open: 0,
        acknowledged: 1,
        suppressed: 0,
      },
      {
        detection: 'brute-force-login',
        severity: 'low',
        findings: 1,
        open: 1,
        acknowledged: 0,
        suppressed: 0,
      },
    ]);
    expect(d.warnings.some((w: string) => w.startsWith('no detection ran'))).toBe(false);

    const out = join(dir, 'after.html');
    const h = await fw(['report', 'compliance', '--since', SINCE, '--until', UNTIL, '--out', out]);
    expect(h.code, h.err).toBe(0);
    const page = readFileSync(out, 'utf8');
    expect(page).not.toContain('id="no-detection"');
    expect(page).toContain('2 findings active in the period: 1 open, 1 acknowledged, 0 suppressed.');
    expect(page).toContain(
      '<tr><td>vertical-port-scan</td><td>medium</td><td>1</td><td>0</td><td>1</td><td>0</td></tr>',
    );
    expect(page).toContain('1 detection run covered the period');

    // A period after the records that the run did not cover: unknown again, not "no finding".
    const later = await fw([
      'report',
      'compliance',
      '--since',
      String(T0 + 7200),
      '--until',
      String(T0 + 10800),
      '-o',
      'json',
    ]);
    expect(JSON.parse(later.out).findings).toMatchObject({ total: 0, runs: 0 });
  }, 120_000);
});

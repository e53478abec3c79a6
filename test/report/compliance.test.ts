// flowwatch report compliance over a hand-written store: six hours, three interfaces in two VPCs, one hour with
// no record, one SKIPDATA hour, one interface that stopped, files in AWS's S3 layout so delivery delay is known.
// Every expected number below is worked out by hand from the records written here.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gapsOf, nearestRank } from '../../src/storage/compliance.js';
import { runCliInProcess } from '../support/run-cli.js';

const H0 = 1716163200; // 2024-05-20T00:00:00Z
const H = (n: number) => H0 + n * 3600;
const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id subnet-id';
const rec = (
  eni: string,
  src: string,
  dst: string,
  dp: number,
  bytes: number,
  start: number,
  action: string,
  vpc = 'vpc-1',
  subnet = 'subnet-1',
) =>
  `3 123456789012 ${eni} ${src} ${dst} 40000 ${dp} 6 1 ${bytes} ${start} ${start + 60} ${action} OK ${vpc} ${subnet}`;

const dir = mkdtempSync(join(tmpdir(), 'fw-compliance-'));
const db = join(dir, 'c.duckdb');
const fw = (args: string[]) => runCliInProcess([...args, '--db', db], { timeoutMs: 120_000 });

/** A file in AWS's S3 layout whose key time is `key` (unix seconds). */
function put(key: number, lines: string[]): void {
  const d = new Date(key * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  const folder = join(dir, 'AWSLogs', '123456789012', 'vpcflowlogs', 'us-east-1', '2024', '05', '20');
  mkdirSync(folder, { recursive: true });
  const stamp = `20240520T${p(d.getUTCHours())}${p(d.getUTCMinutes())}Z`;
  writeFileSync(
    join(folder, `123456789012_vpcflowlogs_us-east-1_fl-0abc_${stamp}_${key}.log.gz`),
    gzipSync(`${[HEADER, ...lines].join('\n')}\n`),
  );
}

beforeAll(async () => {
  // delay = key time − newest record end: f0 600−160 = 440; f1 3600+600−(3600+260) = 340; f2 540; f4 540;
  // f5 1800−180 = 1620 (late: over 15 min).
  put(H(0) + 600, [
    rec('eni-a', '203.0.113.9', '10.0.1.5', 22, 40, H(0), 'REJECT'),
    rec('eni-b', '10.0.1.6', '10.0.1.5', 443, 4000, H(0) + 100, 'ACCEPT'),
  ]);
  put(H(1) + 600, [
    rec('eni-a', '10.0.1.6', '10.0.1.5', 443, 500, H(1), 'ACCEPT'),
    rec('eni-b', '203.0.113.9', '10.0.1.6', 3389, 60, H(1), 'REJECT'),
    rec('eni-b', '198.51.100.1', '10.0.1.6', 22, 40, H(1) + 200, 'REJECT'),
  ]);
  put(H(2) + 600, [`3 123456789012 eni-a - - - - - - - ${H(2)} ${H(2) + 60} - SKIPDATA vpc-1 subnet-1`]);
  // Hour 3: nothing at all.
  put(H(4) + 600, [rec('eni-a', '10.0.1.6', '10.0.1.5', 443, 500, H(4), 'ACCEPT')]);
  put(H(5) + 1800, [
    rec('eni-a', '10.0.1.6', '10.0.1.5', 443, 500, H(5), 'ACCEPT'),
    rec('eni-c', '10.9.0.4', '10.9.0.5', 5432, 900, H(5) + 120, 'ACCEPT', 'vpc-2', 'subnet-9'),
  ]);
  const r = await runCliInProcess(['ingest', join(dir, 'AWSLogs'), '--db', db]);
  expect(r.code, r.err).toBe(0);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('compliance helpers', () => {
  it('nearestRank: the ceil(q·n)-th smallest value', () => {
    expect(nearestRank([340, 440, 540, 540, 1620], 0.5)).toBe(540);
    expect(nearestRank([340, 440, 540, 540, 1620], 0.95)).toBe(1620);
    expect(nearestRank([7], 0.95)).toBe(7);
    expect(nearestRank([], 0.5)).toBeNull();
  });
  it('gapsOf: runs of missing hours, longest first', () => {
    expect(gapsOf(new Set([H(1), H(4)]), H(0), H(6))).toEqual([
      { start: H(2), hours: 2 },
      { start: H(0), hours: 1 },
      { start: H(5), hours: 1 },
    ]);
  });
});

describe('flowwatch report compliance', () => {
  it('gives coverage, stopped interfaces, delivery delay, retention and rejects as JSON', async () => {
    const r = await fw([
      'report',
      'compliance',
      '--since',
      String(H(0)),
      '--until',
      String(H(6)),
      '-o',
      'json',
    ]);
    expect(r.code, r.err).toBe(0);
    const d = JSON.parse(r.out);
    expect(d.periodHours).toBe(6);
    expect(d.gaps).toEqual([{ start: H(3), hours: 1 }]);
    expect(d.hoursWithoutRecords).toBe(1);
    expect(d.hoursWithSkipdata).toBe(1);
    const by = Object.fromEntries(d.interfaces.map((i: { interfaceId: string }) => [i.interfaceId, i]));
    expect(by['eni-a']).toMatchObject({
      vpcId: 'vpc-1',
      hoursWithRecords: 5,
      records: 5,
      skipdata: 1,
      status: 'logging',
      firstSeen: H(0),
      lastSeen: H(5),
    });
    expect(by['eni-b']).toMatchObject({
      hoursWithRecords: 2,
      records: 3,
      status: 'stopped',
      lastSeen: H(1) + 200,
    });
    expect(by['eni-c']).toMatchObject({ vpcId: 'vpc-2', records: 1, status: 'logging' });
    expect(d.vpcs).toEqual([
      { vpcId: 'vpc-1', interfaces: 2, stopped: 1, records: 8 },
      { vpcId: 'vpc-2', interfaces: 1, stopped: 0, records: 1 },
    ]);
    expect(d.delay).toMatchObject({
      files: 5,
      unknown: 0,
      medianSeconds: 540,
      p95Seconds: 1620,
      maxSeconds: 1620,
      late: 1,
    });
    expect(d.retention).toMatchObject({ oldest: H(0), newest: H(5) + 120, files: 5, records: 9 });
    expect(d.rejects.days).toEqual([{ day: H(0), records: 8, rejected: 3, rejectedBytes: 140 }]);
    expect(d.rejects.sources).toEqual([
      { key: '203.0.113.9', records: 2 },
      { key: '198.51.100.1', records: 1 },
    ]);
    expect(d.rejects.ports).toEqual([
      { key: '22/6', records: 2 },
      { key: '3389/6', records: 1 },
    ]);
    // 3 rejected records, none with reject-reason (the format has no such field): said, not shown as "no reasons".
    expect(d.rejects.reasons).toEqual([]);
    // No detection ever ran on this store: the findings are unknown, said with the command that runs them.
    expect(d.findings).toEqual({
      total: 0,
      open: 0,
      acknowledged: 0,
      suppressed: 0,
      rows: [],
      runs: 0,
      detections: [],
      lastRunAt: null,
    });
    expect(d.warnings).toEqual([
      'no rejected record has reject-reason: why traffic was rejected (BPA, EC) is unknown, not none; add ${reject-reason} (version 8) to the flow log format',
      'no detection ran in this period: findings are unknown, not none; run flowwatch detect --since 2024-05-20T00:00:00Z --until 2024-05-20T06:00:00Z (or keep flowwatch monitor running, which runs them as windows close)',
    ]);
  });

  it('says loudly when the period holds no record, naming what the store holds', async () => {
    const r = await fw([
      'report',
      'compliance',
      '--since',
      '2023-01-01',
      '--until',
      '2023-01-02',
      '-o',
      'json',
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(
      'warning: no records between 2023-01-01T00:00:00Z and 2023-01-02T00:00:00Z; the store holds 2024-05-20T00:00:00Z to 2024-05-20T05:02:00Z',
    );
  });

  it('writes a self-contained HTML page and a PDF', async () => {
    const html = join(dir, 'report.html');
    const r = await fw([
      'report',
      'compliance',
      '--since',
      String(H(0)),
      '--until',
      String(H(6)),
      '--title',
      'lab',
      '--out',
      html,
    ]);
    expect(r.code, r.err).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<title>Flow log compliance report – lab</title>');
    expect(page).not.toMatch(/<script|https?:\/\/(?!www\.w3)/); // nothing fetched, nothing run
    // The grid: 24 squares for the one day, 6 of them in the period: 4 with records, 1 SKIPDATA, 1 empty.
    expect(page.match(/class="ok"/g)).toHaveLength(4);
    expect(page.match(/class="skip"/g)).toHaveLength(1);
    expect(page.match(/class="none"/g)).toHaveLength(1);
    expect(page.match(/class="out"/g)).toHaveLength(18);
    expect(page).toContain('1 of 6'); // hours without records
    const pdf = join(dir, 'report.pdf');
    const p = await fw([
      'report',
      'compliance',
      '--since',
      String(H(0)),
      '--until',
      String(H(6)),
      '--out',
      pdf,
    ]);
    expect(p.code, p.err).toBe(0);
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
  }, 120_000);

  it('refuses an --out that is neither .html nor .pdf', async () => {
    const r = await fw(['report', 'compliance', '--out', join(dir, 'x.txt')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('must end in .html or .pdf');
  });
});

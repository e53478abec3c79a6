// A flow log format without ${start} (the widely copied CDK example's) through file ingest, as a user runs it:
// plain files (event time = ingest time, said loudly), S3-layout keys (the key's time) and CloudWatch Logs
// exports (the timestamp prefix), then `query --last/--since`, `top --since` and `metrics get`. Expected values
// worked out by hand from the lines and key names below.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunResult, runCliInProcess } from '../support/run-cli.js';

let dir: string;

async function fw(args: string[]): Promise<RunResult> {
  return runCliInProcess(args, { cwd: dir, env: { ...process.env, FLOWWATCH_DB: '' }, timeoutMs: 60_000 });
}

const FORMAT =
  '${traffic-path} ${flow-direction} ${region} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${action} ${log-status}';
const HEADER =
  'traffic-path flow-direction region account-id interface-id srcaddr dstaddr srcport dstport action log-status';
const rec = (port: number, action = 'REJECT') =>
  `1 ingress eu-west-1 111122223333 eni-a 203.0.113.9 10.0.1.10 ${port} 22 ${action} OK`;
const SSH = '[path, dir, region, account, eni, src, dst, sp, dport = 22, action = REJECT, status]';
/** The S3 key's 5-minute slot: 2024-05-20T10:15:00Z. */
const KEY_TIME = 1716200100;
const KEY =
  'AWSLogs/111122223333/vpcflowlogs/eu-west-1/2024/05/20/111122223333_vpcflowlogs_eu-west-1_fl-0123456789abcdef0_20240520T1015Z_ab12cd34.log';

const json = async (args: string[]) => {
  const r = await fw([...args, '--db', 'e.duckdb', '--output', 'json']);
  // `top` names the view its numbers come from (deduplicated or per ENI) on stderr.
  expect(r.err.replace(/^view: .*\n/m, '')).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as Record<string, unknown>[];
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-etcli-'));
  writeFileSync(
    join(dir, 'flowwatch.yaml'),
    `metricFilters:\n  - { name: ssh, pattern: "${SSH}", metricNamespace: Local/VPC, metricName: RejectedSSH, metricValue: "1" }\n`,
  );
  // Plain, header-less: no time of their own at all.
  writeFileSync(join(dir, 'plain.log'), `${[rec(1), rec(2), rec(3, 'ACCEPT')].join('\n')}\n`);
  // AWS's S3 layout with a header line: the key's time.
  mkdirSync(join(dir, KEY, '..'), { recursive: true });
  writeFileSync(join(dir, KEY), `${HEADER}\n${[rec(11), rec(12)].join('\n')}\n`);
  // A CloudWatch Logs export: each line prefixed by its event timestamp.
  writeFileSync(
    join(dir, 'export.txt'),
    `2024-05-20T10:30:05.000Z ${rec(21)}\n2024-05-20T10:31:59.999Z ${rec(22, 'ACCEPT')}\n`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a format without ${start} through file ingest', () => {
  it('says loudly when records are timed by their ingest, and names the key time', async () => {
    const before = Math.floor(Date.now() / 1000);
    const plain = await fw(['ingest', 'plain.log', '--format', FORMAT, '--db', 'e.duckdb']);
    expect(plain.code).toBe(0);
    expect(plain.out).toContain(
      'Warning: 3 records have no time of their own; their event time is the ingest time',
    );
    expect(plain.out).toContain('Add ${start} to the flow log format');
    const keyed = await fw(['ingest', KEY, '--db', 'e.duckdb']);
    expect(keyed.code).toBe(0);
    expect(keyed.out).toContain(
      "2 records have no start field; their event time is their file's S3 key time",
    );
    expect(keyed.out).not.toContain('Warning');
    const exported = await fw(['ingest', 'export.txt', '--format', FORMAT, '--db', 'e.duckdb', '--json']);
    expect(exported.code).toBe(0);
    expect(JSON.parse(exported.out)).toMatchObject({ records: 2, timeSources: { 'export-prefix': 2 } });
    const after = Math.ceil(Date.now() / 1000);
    const rows = await json(['sql', 'SELECT srcport, event_time, time_source FROM flows ORDER BY srcport']);
    expect(rows.map((r) => [r['srcport'], r['time_source']])).toEqual([
      [1, 'ingest'],
      [2, 'ingest'],
      [3, 'ingest'],
      [11, 's3-key'],
      [12, 's3-key'],
      [21, 'export-prefix'],
      [22, 'export-prefix'],
    ]);
    for (const r of rows.slice(0, 3)) {
      expect(r['event_time']).toBeGreaterThanOrEqual(before);
      expect(r['event_time']).toBeLessThanOrEqual(after);
    }
    expect(rows.slice(3).map((r) => r['event_time'])).toEqual([
      KEY_TIME,
      KEY_TIME,
      1716201005, // 10:30:05
      1716201119, // 10:31:59 (milliseconds dropped)
    ]);
  });

  it('query --last finds the ingest-timed records; --since/--until the key- and export-timed ones', async () => {
    expect(await json(['query', 'stats count(*) as n', '--last', '1h'])).toEqual([{ n: 3 }]);
    expect(
      await json([
        'query',
        'fields @timestamp, srcPort | sort srcPort asc',
        '--since',
        '2024-05-20T10:00:00Z',
        '--until',
        '2024-05-20T11:00:00Z',
      ]),
    ).toEqual([
      { '@timestamp': '2024-05-20 10:15:00.000', srcPort: 11 },
      { '@timestamp': '2024-05-20 10:15:00.000', srcPort: 12 },
      { '@timestamp': '2024-05-20 10:30:05.000', srcPort: 21 },
      { '@timestamp': '2024-05-20 10:31:59.000', srcPort: 22 },
    ]);
    expect(
      await json([
        'query',
        'stats count(*) as n by bin(5m) as t',
        '--since',
        '2024-05-20T10:00:00Z',
        '--until',
        '2024-05-20T11:00:00Z',
      ]),
    ).toEqual([
      { t: '2024-05-20 10:15:00.000', n: 2 },
      { t: '2024-05-20 10:30:00.000', n: 2 },
    ]);
  });

  it('top --since/--until selects by event time', async () => {
    const r = await json([
      'top',
      'rejected',
      '--since',
      '2024-05-20T10:00:00Z',
      '--until',
      '2024-05-20T10:20:00Z',
    ]);
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ source: '203.0.113.9', flows: 2 });
  });

  it('metrics get has the datapoints of every file, in the minute of each record', async () => {
    const get = await fw([
      'metrics',
      'get',
      'Local/VPC',
      'RejectedSSH',
      '--stat',
      'Sum',
      '--period',
      '60',
      '--since',
      '2024-05-20T10:00:00Z',
      '--until',
      '2024-05-20T11:00:00Z',
      '--db',
      'e.duckdb',
      '-o',
      'csv',
    ]);
    expect(get.err).toBe('');
    // Two rejected SSH records at the key time 10:15, one at the export's 10:30:05.
    expect(get.out).toContain('2024-05-20T10:15:00Z,2\n');
    expect(get.out).toContain('2024-05-20T10:30:00Z,1\n');
    const recent = JSON.parse(
      (
        await fw([
          'metrics',
          'get',
          'Local/VPC',
          'RejectedSSH',
          '--stat',
          'Sum',
          '--period',
          '60',
          '--since',
          '1h',
          '--db',
          'e.duckdb',
          '-o',
          'json',
        ])
      ).out,
    ) as { Sum: number }[];
    // The two rejected SSH records of plain.log, in the minute (or two) they were ingested.
    expect(recent.reduce((a, p) => a + p.Sum, 0)).toBe(2);
  });
});

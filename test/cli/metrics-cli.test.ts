// Metric filters through the CLI in-process (main; test/cli/cli.test.ts runs the real bin): put/list/test/delete,
// ingest --config, backfill, metrics get, presets, and errors with exit codes.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunResult, runCliInProcess } from '../support/run-cli.js';

let dir: string;

async function fw(args: string[], input?: string): Promise<RunResult> {
  return runCliInProcess(args, {
    input,
    cwd: dir,
    env: { ...process.env, FLOWWATCH_DB: '' },
    timeoutMs: 60_000,
  });
}

const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const LINES = [
  '2 1 eni-a 203.0.113.1 10.0.0.5 40000 22 6 2 120 1716199985 1716199990 REJECT OK', // 10:13 ssh
  '2 1 eni-a 203.0.113.2 10.0.0.5 40001 22 6 1 60 1716200030 1716200035 REJECT OK', // 10:13 ssh
  '2 1 eni-a 10.0.0.5 198.51.100.1 443 50000 6 10 5000 1716200041 1716200050 ACCEPT OK', // 10:14
  '2 1 eni-a 203.0.113.1 10.0.0.5 40003 22 6 3 180 1716200110 1716200115 REJECT OK', // 10:15 ssh
];
const SSH = '[v, a, eni, src, dst, sp, dport = 22, proto = 6, pkts, bytes, st, en, action = REJECT, status]';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-mcli-'));
  writeFileSync(join(dir, 'flows.log'), `${HEADER}\n${LINES.join('\n')}\n`);
  writeFileSync(join(dir, 'flowwatch.yaml'), '# my filters\nmetricFilters: []\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('flowwatch metric-filter and metrics', () => {
  it('put, list and test a filter', async () => {
    const put = await fw([
      'metric-filter',
      'put',
      '--name',
      'ssh',
      '--pattern',
      SSH,
      '--namespace',
      'Local/VPC',
      '--metric-name',
      'RejectedSSH',
      '--default-value',
      '0',
      '--unit',
      'Count',
    ]);
    expect(put.err).toBe('');
    expect(put.code).toBe(0);
    expect(readFileSync(join(dir, 'flowwatch.yaml'), 'utf8')).toContain('# my filters');
    const list = JSON.parse((await fw(['metric-filter', 'list', '-o', 'json'])).out);
    expect(list).toEqual([
      {
        name: 'ssh',
        pattern: SSH,
        metricNamespace: 'Local/VPC',
        metricName: 'RejectedSSH',
        metricValue: '1',
        defaultValue: 0,
        unit: 'Count',
        // No store yet and no sources: only the default format, which the pattern was written for.
        formats: [
          {
            format:
              '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}',
            origin: 'default',
            status: 'fits',
            pattern: SSH,
          },
        ],
      },
    ]);
    const t = await fw(['metric-filter', 'test', 'ssh', '-o', 'json'], `${LINES.join('\n')}\n`);
    expect(t.code).toBe(0);
    expect(
      JSON.parse(t.out).map((m: { eventNumber: number; value: number }) => [m.eventNumber, m.value]),
    ).toEqual([
      [1, 1],
      [2, 1],
      [4, 1],
    ]);
  });

  it('ingest applies ./flowwatch.yaml; metrics get reads the datapoints', async () => {
    const ing = await fw(['ingest', 'flows.log', '--db', 'm.duckdb']);
    expect(ing.code).toBe(0);
    expect(ing.out).toContain('Applied 1 metric filter from flowwatch.yaml.');
    const get = await fw([
      'metrics',
      'get',
      'Local/VPC',
      'RejectedSSH',
      '--stat',
      'Sum',
      '--period',
      '60',
      '--db',
      'm.duckdb',
      '-o',
      'csv',
    ]);
    expect(get.out).toBe(
      'timestamp,Sum\n2024-05-20T10:13:00Z,2\n2024-05-20T10:14:00Z,0\n2024-05-20T10:15:00Z,1\n',
    );
    const five = await fw([
      'metrics',
      'get',
      'Local/VPC',
      'RejectedSSH',
      '--stat',
      'SampleCount',
      '--period',
      '300',
      '--db',
      'm.duckdb',
      '-o',
      'json',
    ]);
    expect(JSON.parse(five.out)).toEqual([
      { timestamp: '2024-05-20T10:10:00Z', SampleCount: 3 },
      { timestamp: '2024-05-20T10:15:00Z', SampleCount: 1 },
    ]);
    const since = await fw([
      'metrics',
      'get',
      'Local/VPC',
      'RejectedSSH',
      '--since',
      '2024-05-20T10:14:00Z',
      '--db',
      'm.duckdb',
      '-o',
      'csv',
    ]);
    expect(since.out).toBe('timestamp,Sum\n2024-05-20T10:14:00Z,0\n2024-05-20T10:15:00Z,1\n');
  });

  it('backfill computes a filter added after ingest, with dimensions', async () => {
    expect(
      (
        await fw([
          'metric-filter',
          'put',
          '--name',
          'bytes',
          '--pattern',
          '[..., bytes, st, en, action, status]',
          '--namespace',
          'Local/VPC',
          '--metric-name',
          'Bytes',
          '--value',
          '$bytes',
          '--dimension',
          'Action=$action',
        ])
      ).code,
    ).toBe(0);
    const b = await fw(['metrics', 'backfill', '--db', 'm.duckdb']);
    expect(b.code).toBe(0);
    const get = await fw([
      'metrics',
      'get',
      'Local/VPC',
      'Bytes',
      '--stat',
      'Maximum',
      '--period',
      '300',
      '--dimension',
      'Action=REJECT',
      '--db',
      'm.duckdb',
      '-o',
      'csv',
    ]);
    expect(get.out).toBe('timestamp,Maximum\n2024-05-20T10:10:00Z,120\n2024-05-20T10:15:00Z,180\n');
    const none = await fw(['metrics', 'get', 'Local/VPC', 'Bytes', '--db', 'm.duckdb', '-o', 'csv']);
    expect(none.out).toBe('timestamp,Sum\n');
    expect(none.err).toContain('--dimension Action=ACCEPT');
  });

  it('delete removes the filter and keeps the comment', async () => {
    expect((await fw(['metric-filter', 'delete', 'bytes'])).code).toBe(0);
    const text = readFileSync(join(dir, 'flowwatch.yaml'), 'utf8');
    expect(text).toContain('# my filters');
    expect(text).not.toContain('name: bytes');
    const again = await fw(['metric-filter', 'delete', 'bytes']);
    expect(again.code).toBe(1);
    expect(again.err).toContain('no metric filter named "bytes"');
  });

  it('refuses bad filters and bad configs with exit codes and positions', async () => {
    const unit = await fw([
      'metric-filter',
      'put',
      '--name',
      'x',
      '--pattern',
      '[a, b]',
      '--namespace',
      'N',
      '--metric-name',
      'M',
      '--unit',
      'Cnt',
    ]);
    expect(unit.code).toBe(1);
    expect(unit.err).toContain('unit "Cnt" is not a CloudWatch unit');
    writeFileSync(
      join(dir, 'bad.yaml'),
      'metricFilters:\n  - name: f\n    pattern: x\n    metricNamespace: N\n    metricName: M\n    metricValue: $nope\n',
    );
    const bad = await fw(['metric-filter', 'list', '--config', 'bad.yaml']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^flowwatch: bad\.yaml:6:18: /);
    const period = await fw(['metrics', 'get', 'N', 'M', '--period', '90', '--db', 'm.duckdb']);
    expect(period.code).toBe(2);
  });

  it('presets prints the patterns for a custom format and says what is unavailable', async () => {
    const r = await fw([
      'metric-filter',
      'presets',
      '--format',
      '${srcaddr} ${dstport} ${protocol} ${action}',
      '-o',
      'json',
    ]);
    expect(r.code).toBe(0);
    const p = JSON.parse(r.out);
    expect(p[0]).toMatchObject({
      id: 'rejected-ssh',
      available: true,
      filter: { pattern: '[srcaddr, dstport = 22, protocol = 6, action = REJECT]' },
    });
    expect(p.find((x: { id: string }) => x.id === 'large-transfers')).toMatchObject({
      available: false,
      reason: 'the format has no bytes field',
    });
  });

  it("the cdk-lab example's own flowwatch.yaml counts the denied pings of its 29-field logs", async () => {
    // The lab's flow logs carry the 29 v2-v5 fields in catalog order; its filter is written for the default 14.
    const header =
      'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action ' +
      'log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id ' +
      'sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path';
    const tail = 'vpc-1 subnet-1 i-1 0 IPv4 10.0.0.9 8.8.8.8 us-east-1 use1-az1 - - - - egress 1';
    const lines = [
      `5 123456789012 eni-l 10.0.0.9 8.8.8.8 0 0 1 1 84 1716199985 1716199990 REJECT OK ${tail}`, // 10:13 denied ping
      `5 123456789012 eni-l 10.0.0.9 8.8.8.8 0 0 1 1 84 1716199995 1716200000 REJECT OK ${tail}`, // 10:13 denied ping
      `5 123456789012 eni-l 10.0.0.9 8.8.8.8 0 0 1 1 84 1716200045 1716200050 ACCEPT OK ${tail}`, // 10:14 accepted
      `5 123456789012 eni-l 10.0.0.9 8.8.8.8 40000 443 6 3 180 1716200046 1716200050 REJECT OK ${tail}`, // 10:14 tcp
    ];
    writeFileSync(join(dir, 'lab.log'), `${header}\n${lines.join('\n')}\n`);
    const config = resolve(import.meta.dirname, '../../examples/cdk-lab/flowwatch.yaml');
    const ing = await fw(['ingest', 'lab.log', '--db', 'lab.duckdb', '--config', config]);
    expect(ing.code).toBe(0);
    expect(ing.err).not.toContain('warning');
    const get = await fw([
      'metrics',
      'get',
      'FlowLogs',
      'DeniedICMP',
      '--db',
      'lab.duckdb',
      '--stat',
      'Sum',
      '-o',
      'json',
    ]);
    expect(get.code).toBe(0);
    // 10:13 two denied pings; 10:14 none, so the filter's defaultValue 0.
    expect(JSON.parse(get.out)).toEqual([
      { timestamp: '2024-05-20T10:13:00Z', Sum: 2 },
      { timestamp: '2024-05-20T10:14:00Z', Sum: 0 },
    ]);
    const list = await fw(['metric-filter', 'list', '--config', config, '--db', 'lab.duckdb']);
    expect(list.out).toContain('store: 1 file (29 fields): rewritten');
  });

  it('ingest warns on stderr when a filter cannot count a format', async () => {
    writeFileSync(join(dir, 'short.log'), 'srcaddr dstaddr action log-status\n10.0.0.1 10.0.0.2 REJECT OK\n');
    const config = resolve(import.meta.dirname, '../../examples/cdk-lab/flowwatch.yaml');
    const ing = await fw(['ingest', 'short.log', '--db', 'short.duckdb', '--config', config]);
    expect(ing.code).toBe(0);
    expect(ing.err).toContain('metric filter "denied-icmp" counts NOTHING in records of format');
    expect(ing.err).toContain('"protocol"');
    const list = await fw(['metric-filter', 'list', '--config', config, '--db', 'short.duckdb']);
    expect(list.out).toContain('CANNOT APPLY');
  });
});

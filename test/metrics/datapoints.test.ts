// Metric datapoints: computed in DuckDB at ingest (per file, per minute, per dimension set), back-filled
// over stored data with the same result, and aggregated into periods. Expected values worked out by hand.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/ingest/ingest.js';
import { backfill, deriveDatapoints, statistics } from '../../src/metrics/datapoints.js';
import { checkMetricFilter } from '../../src/metrics/metric-filter.js';
import { Store } from '../../src/storage/store.js';

const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
// Minutes: M0 = 10:13 (1716199980), M1 = 10:14, M2 = 10:15, M3 = 10:16 on 2024-05-20 UTC.
const FILE_A = [
  '2 1 eni-a 203.0.113.1 10.0.0.5 40000 22 6 2 120 1716199985 1716199990 REJECT OK', // M0 ssh, 120
  '2 1 eni-a 203.0.113.2 10.0.0.5 40001 22 6 1 60 1716200030 1716200035 REJECT OK', // M0 ssh, 60
  '2 1 eni-a 10.0.0.5 198.51.100.1 443 50000 6 10 5000 1716200041 1716200050 ACCEPT OK', // M1 accept
  '2 1 eni-a 203.0.113.3 10.0.0.5 40002 3389 6 1 40 1716200059 1716200060 REJECT OK', // M1 rdp, 40
  '2 1 eni-a 203.0.113.1 10.0.0.5 40003 22 6 3 180 1716200110 1716200115 REJECT OK', // M2 ssh, 180
  '2 1 eni-a - - - - - - - 1716200160 1716200220 - NODATA', // M3, no bytes
];
// A second file with one SSH reject in M1: its real datapoint replaces file A's default for M1.
const FILE_B = ['2 1 eni-b 203.0.113.9 10.0.0.6 40010 22 6 1 44 1716200045 1716200046 REJECT OK'];

const FILTERS = [
  checkMetricFilter({
    name: 'ssh',
    pattern: '[v, a, eni, src, dst, sp, dport = 22, proto = 6, pkts, bytes, st, en, action = REJECT, status]',
    metricNamespace: 'Local/VPC',
    metricName: 'RejectedSSH',
    metricValue: '1',
    defaultValue: 0,
    unit: 'Count',
  }),
  checkMetricFilter({
    name: 'bytes',
    pattern: '[v, a, eni, src, dst, sp, dport, proto, pkts, bytes, st, en, action, status]',
    metricNamespace: 'Local/VPC',
    metricName: 'Bytes',
    metricValue: '$bytes',
    dimensions: { Action: '$action' },
  }),
];

const T = (hhmm: string) => `2024-05-20T${hhmm}:00Z`;

let dir: string;
let store: Store;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-metrics-'));
  writeFileSync(join(dir, 'a.log'), `${HEADER}\n${FILE_A.join('\n')}\n`);
  writeFileSync(join(dir, 'b.log'), `${HEADER}\n${FILE_B.join('\n')}\n`);
  store = await Store.open(join(dir, 'm.duckdb'));
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function rows(): Promise<unknown[]> {
  return (
    await store.query(
      `SELECT filter_name, dimensions, minute, file_id, is_default, sample_count, sum_value, min_value, max_value
       FROM metric_datapoints ORDER BY ALL`,
    )
  ).rows.map((r) => Object.values(r));
}

const get = (
  metric: string,
  stat: 'SampleCount' | 'Sum' | 'Average' | 'Minimum' | 'Maximum',
  period: number,
  dimensions = {},
) =>
  statistics(store, { namespace: 'Local/VPC', metric, stat, period, dimensions }).then((p) =>
    p.map((x) => [x.timestamp, x.value]),
  );

describe('datapoints at ingest', () => {
  it('stores per file, minute and dimension set the count, sum, min and max, and defaults', async () => {
    await ingest(store, [join(dir, 'a.log')], { derive: deriveDatapoints(FILTERS) });
    expect(await rows()).toEqual([
      ['bytes', '{"Action":"ACCEPT"}', T('10:14'), 1, false, 1, 5000, 5000, 5000],
      ['bytes', '{"Action":"REJECT"}', T('10:13'), 1, false, 2, 180, 60, 120],
      ['bytes', '{"Action":"REJECT"}', T('10:14'), 1, false, 1, 40, 40, 40],
      ['bytes', '{"Action":"REJECT"}', T('10:15'), 1, false, 1, 180, 180, 180],
      ['ssh', '{}', T('10:13'), 1, false, 2, 2, 1, 1],
      ['ssh', '{}', T('10:14'), 1, true, 1, 0, 0, 0],
      ['ssh', '{}', T('10:15'), 1, false, 1, 1, 1, 1],
      ['ssh', '{}', T('10:16'), 1, true, 1, 0, 0, 0],
    ]);
  });

  it('aggregates each statistic over 60 s periods', async () => {
    expect(await get('RejectedSSH', 'Sum', 60)).toEqual([
      [T('10:13'), 2],
      [T('10:14'), 0],
      [T('10:15'), 1],
      [T('10:16'), 0],
    ]);
    expect(await get('RejectedSSH', 'SampleCount', 60)).toEqual([
      [T('10:13'), 2],
      [T('10:14'), 1],
      [T('10:15'), 1],
      [T('10:16'), 1],
    ]);
    expect(await get('Bytes', 'Average', 60, { Action: 'REJECT' })).toEqual([
      [T('10:13'), 90],
      [T('10:14'), 40],
      [T('10:15'), 180],
    ]);
    expect(await get('Bytes', 'Minimum', 60, { Action: 'REJECT' })).toEqual([
      [T('10:13'), 60],
      [T('10:14'), 40],
      [T('10:15'), 180],
    ]);
    expect(await get('Bytes', 'Maximum', 60, { Action: 'ACCEPT' })).toEqual([[T('10:14'), 5000]]);
    // As in CloudWatch, the dimension set must match exactly: Bytes has no dimension-less series.
    expect(await get('Bytes', 'Sum', 60)).toEqual([]);
  });

  it('aggregates over 300 s periods aligned to the epoch (10:10 and 10:15)', async () => {
    // 10:10 period: minutes 10:13 (2 matches of 1) and 10:14 (default 0); 10:15 period: 10:15 (1), 10:16 (0).
    expect(await get('RejectedSSH', 'SampleCount', 300)).toEqual([
      [T('10:10'), 3],
      [T('10:15'), 2],
    ]);
    expect(await get('RejectedSSH', 'Sum', 300)).toEqual([
      [T('10:10'), 2],
      [T('10:15'), 1],
    ]);
    expect(await get('RejectedSSH', 'Average', 300)).toEqual([
      [T('10:10'), 2 / 3],
      [T('10:15'), 0.5],
    ]);
    expect(await get('RejectedSSH', 'Minimum', 300)).toEqual([
      [T('10:10'), 0],
      [T('10:15'), 0],
    ]);
    expect(await get('RejectedSSH', 'Maximum', 300)).toEqual([
      [T('10:10'), 1],
      [T('10:15'), 1],
    ]);
    // REJECT bytes in 10:10: 120 + 60 + 40 = 220 over 3 records.
    expect(await get('Bytes', 'Sum', 300, { Action: 'REJECT' })).toEqual([
      [T('10:10'), 220],
      [T('10:15'), 180],
    ]);
    expect(await get('Bytes', 'SampleCount', 300, { Action: 'REJECT' })).toEqual([
      [T('10:10'), 3],
      [T('10:15'), 1],
    ]);
  });

  it('a match from another file replaces the default value of that minute', async () => {
    await ingest(store, [join(dir, 'b.log')], { derive: deriveDatapoints(FILTERS) });
    expect(await get('RejectedSSH', 'Sum', 60)).toEqual([
      [T('10:13'), 2],
      [T('10:14'), 1],
      [T('10:15'), 1],
      [T('10:16'), 0],
    ]);
    expect(await get('RejectedSSH', 'SampleCount', 60)).toEqual([
      [T('10:13'), 2],
      [T('10:14'), 1],
      [T('10:15'), 1],
      [T('10:16'), 1],
    ]);
  });

  it('backfill recomputes exactly what ingest computed, for all filters or one', async () => {
    const before = await rows();
    expect(before).toHaveLength(10);
    await backfill(store, FILTERS, true);
    expect(await rows()).toEqual(before);
    await backfill(store, [FILTERS[0]!], false);
    expect(await rows()).toEqual(before);
    // Backfill of one filter leaves the others alone; backfill of all with none configured empties the table.
    await backfill(store, [], true);
    expect(await rows()).toEqual([]);
    await backfill(store, FILTERS, true);
    expect(await rows()).toEqual(before);
  });
});

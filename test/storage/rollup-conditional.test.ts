// The rollups' conditional counts and sums (accepted / rejected flows, bytes and packets, undirected records in the
// Overview rollup; traffic, NODATA, SKIPDATA, rejected records and rejected bytes in the coverage rollup) read
// straight from the rollup tables, against values worked out by hand: a count is 0 and a sum NULL when no record
// meets the condition, a record whose bytes are missing ("-") counts but adds nothing. The rollup and the records
// share one SQL text, so the views' rollup-against-records tests cannot see a change of these values; this can.
// And the markers of the files that have their rollups: one row per file in each of the three marker tables.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/ingest/ingest.js';
import { Store } from '../../src/storage/store.js';

const T = 1716199200; // 2024-05-20T10:00:00Z
const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction';
const line = (
  eni: string,
  src: string,
  pk: string,
  by: string,
  at: number,
  action: string,
  status: string,
  dir: string,
) =>
  `5 111122223333 ${eni} ${src} 10.0.9.9 40000 443 6 ${pk} ${by} ${T + at} ${T + at + 30} ${action} ${status} ${dir}`;
// eni-a: 2 accepted (1000 B / 10 p, 500 B / 5 p), 1 rejected (40 B / 1 p), 1 accepted without a direction.
// eni-b: 1 accepted (700 B / 7 p), 1 NODATA record (no address, bytes, packets nor action), no rejected one.
const A = [
  line('eni-a', '10.0.1.1', '10', '1000', 60, 'ACCEPT', 'OK', 'egress'),
  line('eni-a', '10.0.1.1', '5', '500', 120, 'ACCEPT', 'OK', 'egress'),
  line('eni-a', '198.51.100.7', '1', '40', 180, 'REJECT', 'OK', 'ingress'),
  line('eni-a', '10.0.1.2', '3', '300', 240, 'ACCEPT', 'OK', '-'),
];
const B = [
  line('eni-b', '10.0.2.1', '7', '700', 60, 'ACCEPT', 'OK', 'ingress'),
  `5 111122223333 eni-b - - - - - - - ${T + 300} ${T + 360} - NODATA -`,
];

let dir: string;
let store: Store;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-rollup-cond-'));
  writeFileSync(join(dir, 'a.log'), `${HEADER}\n${A.join('\n')}\n`);
  writeFileSync(join(dir, 'b.log'), `${HEADER}\n${B.join('\n')}\n`);
  store = await Store.open(join(dir, 'store.duckdb'));
  await ingest(store, [join(dir, 'a.log'), join(dir, 'b.log')], { concurrency: 1 });
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

describe('the rollups’ conditional counts and sums', () => {
  it('Overview rollup per interface: accepted/rejected flows, bytes, packets and undirected records', async () => {
    const rows = (
      await store.query(
        `SELECT interface_id, flows, bytes, packets, af, rf, ab, rb, ap, rp, ud FROM overview_rollup
         WHERE kind = 'if' ORDER BY interface_id`,
      )
    ).rows.map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === 'interface_id' ? v : num(v)])),
    );
    expect(rows).toEqual([
      // 1000 + 500 + 300 accepted, 40 rejected; one accepted record without a direction.
      {
        interface_id: 'eni-a',
        flows: 4,
        bytes: 1840,
        packets: 19,
        af: 3,
        rf: 1,
        ab: 1800,
        rb: 40,
        ap: 18,
        rp: 1,
        ud: 1,
      },
      // No rejected record: rf 0, rb and rp NULL. The NODATA record counts as a flow, adds no bytes, has no address
      // (so it is not "undirected").
      {
        interface_id: 'eni-b',
        flows: 2,
        bytes: 700,
        packets: 7,
        af: 1,
        rf: 0,
        ab: 700,
        rb: null,
        ap: 7,
        rp: null,
        ud: 0,
      },
    ]);
  });

  it('coverage rollup: traffic, NODATA, SKIPDATA and rejected records, rejected bytes', async () => {
    const rows = (
      await store.query(
        `SELECT interface_id, records, traffic, nodata, skipdata, rejected, rejected_bytes FROM coverage_rollup
         ORDER BY interface_id`,
      )
    ).rows.map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === 'interface_id' ? v : num(v)])),
    );
    expect(rows).toEqual([
      {
        interface_id: 'eni-a',
        records: 4,
        traffic: 4,
        nodata: 0,
        skipdata: 0,
        rejected: 1,
        rejected_bytes: 40,
      },
      {
        interface_id: 'eni-b',
        records: 2,
        traffic: 1,
        nodata: 1,
        skipdata: 0,
        rejected: 0,
        rejected_bytes: null,
      },
    ]);
  });

  it('each loaded file is marked once in each rollup marker table', async () => {
    for (const t of ['reject_rollup_files', 'view_rollup_files', 'overview_rollup_files']) {
      const r = await store.query(`SELECT count(*) AS n, count(DISTINCT file_id) AS d FROM ${t}`);
      expect([t, num(r.rows[0]!['n']), num(r.rows[0]!['d'])]).toEqual([t, 2, 2]);
    }
  });
});

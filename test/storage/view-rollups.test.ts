// The per-hour rollups behind the encryption, traffic-kinds, paths and compliance views: every view must answer
// exactly as the records alone do (`rollup: false`), over ranges with partial hours at both edges, whole hours,
// a range inside one hour and the whole store; with a file whose format has none of the newest fields, a batch
// stored live by the monitor's store sink, and a file without its rollup (a store from before the rollups).
// A few figures are worked out by hand in the comments, so the two paths cannot agree on a wrong answer.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/ingest/ingest.js';
import { StoreSink } from '../../src/monitor/store-sink.js';
import { complianceData } from '../../src/storage/compliance.js';
import { pathsReport } from '../../src/storage/path-costs.js';
import { Store } from '../../src/storage/store.js';
import { encryptionReport, trafficKinds } from '../../src/storage/traffic-reports.js';

const H10 = 1716199200; // 2024-05-20T10:00:00Z
const H = 3600;
const FULL =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id subnet-id az-id type flow-direction traffic-path pkt-src-aws-service pkt-dst-aws-service reject-reason encryption-status interface-type next-hop-az-id next-hop-interface-type resource-id';
type R = {
  at: number;
  eni?: string;
  src?: string;
  dst?: string;
  sp?: number;
  dp?: number;
  bytes?: number;
  action?: string;
  status?: string;
  vpc?: string;
  az?: string;
  type?: string;
  dir?: string;
  path?: string;
  svc?: string;
  reason?: string;
  enc?: string;
  itype?: string;
  hopAz?: string;
  hopType?: string;
  res?: string;
};
const full = (r: R) =>
  [
    5,
    '111122223333',
    r.eni ?? 'eni-a',
    r.src ?? '10.0.1.10',
    r.dst ?? '10.0.2.20',
    r.sp ?? 40000,
    r.dp ?? 443,
    6,
    1,
    r.bytes ?? 100,
    H10 + r.at,
    H10 + r.at + 30,
    r.action ?? 'ACCEPT',
    r.status ?? 'OK',
    r.vpc ?? 'vpc-1',
    'subnet-1',
    r.az ?? 'use1-az1',
    r.type ?? 'IPv4',
    r.dir ?? 'egress',
    r.path ?? '1',
    '-',
    r.svc ?? '-',
    r.reason ?? '-',
    r.enc ?? '2',
    r.itype ?? '-',
    r.hopAz ?? 'use1-az1',
    r.hopType ?? '-',
    r.res ?? '-',
  ].join(' ');

// File A (every field), over 10:00–13:59. Hand-worked below for the range 10:30–13:15 (edges 10:30–11:00 and
// 13:00–13:15 from the records, 11:00–13:00 from the rollup).
const FILE_A = [
  FULL,
  full({ at: 600, enc: '0', bytes: 1000 }), // 10:10, before the range
  full({ at: 1900, enc: '0', bytes: 200, dp: 80 }), // 10:31:40, in (edge)
  full({ at: 3700, enc: '0', bytes: 300, dp: 80, vpc: 'vpc-2', eni: 'eni-b' }), // 11:01:40, in (whole hour)
  full({ at: 4000, enc: '1', bytes: 400, hopAz: 'use1-az2', path: '8' }), // 11:06:40, cross-AZ, internet gateway
  full({ at: 7300, enc: '3', bytes: 500, type: 'EFA', eni: 'eni-efa' }), // 12:01:40
  full({ at: 7400, enc: '-', bytes: 50, src: '2001:db8::1', dst: '2001:db8::2', type: 'IPv6' }), // 12:03:20
  full({ at: 7500, action: 'REJECT', reason: 'BPA', dp: 22, bytes: 60, dir: 'ingress' }), // 12:05
  full({ at: 7600, action: 'REJECT', bytes: 70, dp: 3389, dir: 'ingress' }), // 12:06:40, reason "-"
  full({
    at: 7700,
    eni: 'eni-nat',
    itype: 'nat_gateway',
    dir: 'ingress',
    svc: 'S3',
    bytes: 900,
    enc: '0',
  }), // 12:08:20, NAT-processed S3
  full({ at: 7800, hopType: 'nat_gateway', bytes: 800 }), // 12:10, egress to a NAT gateway
  full({ at: 10900, enc: '0', bytes: 600, dp: 80 }), // 13:01:40, in (edge)
  full({ at: 11000, status: 'SKIPDATA', bytes: 0 }), // 13:03:20, in (edge), not traffic
  full({ at: 12000, enc: '0', bytes: 5000 }), // 13:20, after the range
];
// File B: the default (version 2) format, none of the newest fields: covered by nothing but counted as records.
const v2 = (at: number, bytes: number, action = 'ACCEPT') =>
  `2 111122223333 eni-c 10.0.3.30 10.0.4.40 50000 443 6 1 ${bytes} ${H10 + at} ${H10 + at + 30} ${action} OK`;
const FILE_B = [v2(2000, 10), v2(5000, 20, 'REJECT'), v2(11200, 30)]; // 10:33:20, 11:23:20, 13:06:40
// Stored live by the monitor's store sink (a batch of the default format): 11:40 and 12:50.
const LIVE = [v2(6000, 7), v2(10200, 8)];

const RANGES: { name: string; since?: number; until?: number }[] = [
  { name: '10:30–13:15 (both edges partial)', since: H10 + 1800, until: H10 + 3 * H + 900 },
  { name: '11:00–13:00 (whole hours)', since: H10 + H, until: H10 + 3 * H },
  { name: '12:05–12:09 (inside one hour)', since: H10 + 2 * H + 300, until: H10 + 2 * H + 540 },
  { name: 'open start, until 12:30', until: H10 + 2 * H + 1800 },
  { name: 'since 11:15, open end', since: H10 + H + 900 },
  { name: 'everything', since: H10 - 86400, until: H10 + 86400 },
];

type Views = Record<string, unknown>;
async function views(store: Store, r: { since?: number; until?: number }, rollup: boolean): Promise<Views> {
  const out: Views = {};
  for (const by of ['vpc', 'subnet', 'interface', 'port'] as const)
    out[`encryption-${by}`] = await encryptionReport(store, { ...r, by, rollup });
  out['kinds'] = await trafficKinds(store, { ...r, rollup });
  out['paths'] = await pathsReport(store, { ...r, rollup });
  out['compliance'] = await complianceData(store, {
    since: r.since ?? H10 - 86400,
    until: r.until ?? H10 + 86400,
    rollup,
  });
  return out;
}

describe('the view rollups', () => {
  let dir: string;
  let store: Store;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fw-view-rollups-'));
    writeFileSync(join(dir, 'a.log'), `${FILE_A.join('\n')}\n`);
    writeFileSync(join(dir, 'b.log'), `${FILE_B.join('\n')}\n`);
    store = await Store.open(join(dir, 'store.duckdb'));
    await ingest(store, [join(dir, 'a.log'), join(dir, 'b.log')], { concurrency: 1 });
    mkdirSync(join(dir, 'scratch'));
    const sink = await StoreSink.open(store, {
      scratch: join(dir, 'scratch'),
      flushMillis: 10,
      flushRecords: 1_000_000,
    });
    const stored = sink.write({
      kind: 'lines',
      source: 'firehose',
      key: 'k1',
      origin: 'firehose://t/k1',
      lines: LIVE,
    });
    await sink.flush();
    expect(await stored).toBe('stored');
    await sink.close();
  });
  afterAll(() => {
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('marks every stored file, the live batch too, and keeps far fewer rows than records when hours repeat', async () => {
    const n = async (sql: string) => Number((await store.query(sql)).rows[0]!['n']);
    expect(await n('SELECT count(*) AS n FROM files')).toBe(3);
    expect(await n('SELECT count(*) AS n FROM view_rollup_files')).toBe(3);
    // The coverage rollup holds every record once: 13 in A, 3 in B, 2 live.
    expect(await n('SELECT sum(records) AS n FROM coverage_rollup')).toBe(18);
    // Encryption keeps each traffic record once per dimension: 12 traffic records of A (SKIPDATA is not), 3 + 2.
    expect(await n(`SELECT sum(flows) AS n FROM enc_rollup WHERE dim = 'vpc'`)).toBe(17);
    expect(await n(`SELECT sum(flows) AS n FROM enc_rollup WHERE dim = 'port'`)).toBe(17);
  });

  for (const r of RANGES) {
    it(`answers every view as the records do: ${r.name}`, async () => {
      expect(await views(store, r, true)).toEqual(await views(store, r, false));
    });
  }

  it('gives the hand-worked figures over 10:30–13:15 (edges from the records, whole hours from the rollup)', async () => {
    const r = { since: H10 + 1800, until: H10 + 3 * H + 900 };
    const enc = await encryptionReport(store, { ...r, by: 'port' });
    // Traffic records in range: A has 10:31:40, 11:01:40, 11:06:40, 12:01:40, 12:03:20, 12:05, 12:06:40, 12:08:20,
    // 12:10, 13:01:40 (10; the SKIPDATA one is not traffic); B has 10:33:20, 11:23:20, 13:06:40; live 11:40, 12:50.
    expect(enc.coverage).toEqual({ records: 15, covered: 10, share: 10 / 15 });
    // Unencrypted (0): 200 + 300 + 900 + 600 bytes; port 80: 200 + 300 + 600, port 443 (NAT): 900.
    expect(enc.statuses.find((s) => s.status === '0')).toMatchObject({ flows: 4, bytes: 2000 });
    expect(enc.unencrypted.ports).toEqual([
      { key: '80', flows: 3, bytes: 1100 },
      { key: '443', flows: 1, bytes: 900 },
    ]);
    // Hours 10 (edge) 11, 12, 13 (edge): unencrypted 200; 300; 900; 600.
    expect(enc.trend.map((t) => [t.hour - H10, t.unencryptedBytes])).toEqual([
      [0, 200],
      [H, 300],
      [2 * H, 900],
      [3 * H, 600],
    ]);
    const kinds = await trafficKinds(store, r);
    // Rejected records of A in range: BPA (12:05) and "-" (12:06:40); B's reject has no reject-reason field.
    // Most flows first, then by reason ("-" sorts before "BPA").
    expect(kinds.rejectReasons.rows.map((x) => [x.kind, x.flows])).toEqual([
      ['other (security group, network ACL, ...)', 1],
      ['BPA (VPC Block Public Access)', 1],
    ]);
    expect([kinds.efa.flows, kinds.efa.bytes]).toEqual([1, 500]);
    const paths = await pathsReport(store, r);
    expect(paths.nat.bytes).toBe(900);
    expect(paths.nat.byService).toEqual([{ path: 'S3', flows: 1, bytes: 900 }]);
    expect([paths.crossAz.flows, paths.crossAz.bytes]).toEqual([1, 400]);
    const c = await complianceData(store, r);
    // Records per hour in range: 10h: A 1 + B 1; 11h: A 2 + B 1 + live 1; 12h: A 6 + live 1; 13h: A 2 (one SKIPDATA) + B 1.
    expect(c.hours.map((h) => [h.hour - H10, h.traffic, h.skipdata])).toEqual([
      [0, 2, 0],
      [H, 4, 0],
      [2 * H, 7, 0],
      [3 * H, 2, 1],
    ]);
  });

  it('reads the rollup for whole hours (a changed rollup row changes the answer), not for the edges', async () => {
    const r = { since: H10 + 1800, until: H10 + 3 * H + 900 };
    const before = await encryptionReport(store, { ...r, by: 'vpc' });
    await store.query(`UPDATE enc_rollup SET flows = flows + 100 WHERE dim = 'vpc' AND key = 'vpc-2'`);
    try {
      const after = await encryptionReport(store, { ...r, by: 'vpc' });
      expect(after.coverage.records).toBe(before.coverage.records + 100);
      // Hour 10 is an edge: its rollup rows are not read.
      await store.query(`UPDATE enc_rollup SET flows = flows + 1000 WHERE dim = 'vpc' AND hour = ${H10 / H}`);
      expect((await encryptionReport(store, { ...r, by: 'vpc' })).coverage.records).toBe(
        before.coverage.records + 100,
      );
      await store.query(`UPDATE enc_rollup SET flows = flows - 1000 WHERE dim = 'vpc' AND hour = ${H10 / H}`);
    } finally {
      await store.query(`UPDATE enc_rollup SET flows = flows - 100 WHERE dim = 'vpc' AND key = 'vpc-2'`);
    }
  });

  it('reads a file without its rollup (a store from before them) from the records, and still agrees', async () => {
    const r = RANGES[0]!;
    const expected = await views(store, r, false);
    const id = Number((await store.query(`SELECT id FROM files WHERE path LIKE '%a.log'`)).rows[0]!['id']);
    for (const t of [
      'enc_rollup',
      'enc_talker_rollup',
      'kinds_rollup',
      'paths_rollup',
      'coverage_rollup',
      'reject_key_rollup',
      'view_rollup_files',
    ])
      await store.query(`DELETE FROM ${t} WHERE file_id = ${id}`);
    expect(await views(store, r, true)).toEqual(expected);
    expect(await views(store, RANGES[1]!, true)).toEqual(await views(store, RANGES[1]!, false));
  });

  it('deletes a file’s rollups with the file', async () => {
    await store.forget(['*b.log'], false);
    for (const t of ['enc_rollup', 'kinds_rollup', 'paths_rollup', 'coverage_rollup', 'view_rollup_files']) {
      const n = await store.query(
        `SELECT count(*) AS n FROM ${t} WHERE file_id NOT IN (SELECT id FROM files)`,
      );
      expect(Number(n.rows[0]!['n']), t).toBe(0);
    }
    expect(await views(store, RANGES[0]!, true)).toEqual(await views(store, RANGES[0]!, false));
  });
});

// Counting each flow once: a hand-built store of flows seen on two ENIs, one-sided internet flows, a flow
// rejected by the receiver, and the four legs of a NAT gateway, with per-ENI and deduplicated totals worked
// out by hand (the comments show the sums); through top(), the CLI and GET /api/overview.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/core/logger.js';
import { ingest } from '../../src/ingest/ingest.js';
import { type Monitor, startMonitor } from '../../src/monitor/monitor.js';
import { registerApi } from '../../src/server/api.js';
import type { OverviewResponse } from '../../src/server/api-contract.js';
import { simulate } from '../../src/simulate/simulate.js';
import { flowsRelation } from '../../src/storage/flow-views.js';
import { Store } from '../../src/storage/store.js';
import { top } from '../../src/storage/top-queries.js';
import { type RunResult, runCli } from '../support/run-cli.js';

const T = 1716199200; // 2024-05-20T10:00:00Z
const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction pkt-srcaddr pkt-dstaddr';
const row = (
  eni: string,
  src: string,
  dst: string,
  sp: number,
  dp: number,
  proto: number,
  pk: number,
  by: number,
  start: number,
  action: string,
  dir: string,
  psrc = src,
  pdst = dst,
) =>
  `5 111122223333 ${eni} ${src} ${dst} ${sp} ${dp} ${proto} ${pk} ${by} ${T + start} ${T + start + 50} ${action} OK ${dir} ${psrc} ${pdst}`;

// ENIs: eni-web 10.0.1.10, eni-db 10.0.2.20, eni-app 10.0.3.30 (private subnet), eni-nat 10.0.0.220 (NAT gateway).
const H = '93.184.216.34'; // the internet host the app reaches through the NAT gateway
const FLOWS = {
  // A. web -> db, seen by both ENIs (their windows start 5 s apart): 15000 bytes once.
  a1: row('eni-web', '10.0.1.10', '10.0.2.20', 40000, 5432, 6, 20, 15000, 0, 'ACCEPT', 'egress'),
  a2: row('eni-db', '10.0.1.10', '10.0.2.20', 40000, 5432, 6, 20, 15000, 5, 'ACCEPT', 'ingress'),
  // B. the reply db -> web: 90000 bytes once.
  b1: row('eni-db', '10.0.2.20', '10.0.1.10', 5432, 40000, 6, 18, 90000, 0, 'ACCEPT', 'egress'),
  b2: row('eni-web', '10.0.2.20', '10.0.1.10', 5432, 40000, 6, 18, 90000, 5, 'ACCEPT', 'ingress'),
  // C. web -> the internet, one-sided: 7000. D. the internet -> web, one-sided: 600.
  c1: row('eni-web', '10.0.1.10', '52.216.10.9', 40001, 443, 6, 12, 7000, 10, 'ACCEPT', 'egress'),
  d1: row('eni-web', '198.51.100.7', '10.0.1.10', 51000, 443, 6, 5, 600, 10, 'ACCEPT', 'ingress'),
  // E. web -> db:22 accepted on the way out, rejected by db's security group: 60 bytes, REJECT.
  e1: row('eni-web', '10.0.1.10', '10.0.2.20', 40002, 22, 6, 1, 60, 20, 'ACCEPT', 'egress'),
  e2: row('eni-db', '10.0.1.10', '10.0.2.20', 40002, 22, 6, 1, 60, 20, 'REJECT', 'ingress'),
  // F. app -> H:443 through the NAT gateway (NAT port 61000). Request 2000 bytes on three records:
  f1: row('eni-app', '10.0.3.30', H, 50000, 443, 6, 10, 2000, 30, 'ACCEPT', 'egress'),
  f2: row(
    'eni-nat',
    '10.0.3.30',
    '10.0.0.220',
    50000,
    443,
    6,
    10,
    2000,
    30,
    'ACCEPT',
    'ingress',
    '10.0.3.30',
    H,
  ),
  f3: row('eni-nat', '10.0.0.220', H, 61000, 443, 6, 10, 2000, 30, 'ACCEPT', 'egress'),
  // ... and the response, 40000 bytes on three records.
  f4: row('eni-nat', H, '10.0.0.220', 443, 61000, 6, 30, 40000, 31, 'ACCEPT', 'ingress'),
  f5: row(
    'eni-nat',
    '10.0.0.220',
    '10.0.3.30',
    443,
    50000,
    6,
    30,
    40000,
    31,
    'ACCEPT',
    'egress',
    H,
    '10.0.3.30',
  ),
  f6: row('eni-app', H, '10.0.3.30', 443, 50000, 6, 30, 40000, 32, 'ACCEPT', 'ingress'),
  // G. a ping from web denied on its way out by the network ACL: 84 bytes, one record.
  g1: row('eni-web', '10.0.1.10', '203.0.113.5', 0, 0, 1, 1, 84, 40, 'REJECT', 'egress'),
  // H. web -> db:3306 denied on its way out (db, a logged receiver, never sees it): 60 bytes, one record.
  h1: row('eni-web', '10.0.1.10', '10.0.2.20', 40003, 3306, 6, 1, 60, 45, 'REJECT', 'egress'),
};
// A second file in the default format (no flow-direction): counted as recorded in both views.
const V2 = `2 111122223333 eni-old 10.9.0.5 10.9.0.6 1000 80 6 3 300 ${T + 50} ${T + 60} ACCEPT OK`;

// Per ENI: 16 + 1 records; bytes 2*15000 + 2*90000 + 7000 + 600 + 2*60 + 3*2000 + 3*40000 + 84 + 60 + 300
// = 344164. Deduplicated: a2 b2 c1 d1 e2 f2 f6 g1 h1 + V2 = 10 records; 15000 + 90000 + 7000 + 600 + 60 + 2000
// + 40000 + 84 + 60 + 300 = 155104.
const PER_ENI_TALKERS = [
  ['10.0.2.20', 180000], // b1 + b2
  [H, 80000], // f4 + f6 (f5's srcaddr is the NAT's)
  ['10.0.0.220', 42000], // f3 + f5
  ['10.0.1.10', 37264], // a1 + a2 + c1 + e1 + e2 + g1 + h1 = 30000 + 7000 + 120 + 84 + 60
  ['10.0.3.30', 4000], // f1 + f2
  ['198.51.100.7', 600],
  ['10.9.0.5', 300],
];
const DEDUP_TALKERS = [
  ['10.0.2.20', 90000], // b2
  [H, 40000], // f6
  ['10.0.1.10', 22204], // a2 + c1 + e2 + g1 + h1 = 15000 + 7000 + 60 + 84 + 60
  ['10.0.3.30', 2000], // f2
  ['198.51.100.7', 600],
  ['10.9.0.5', 300],
];

let dir: string;
let db: string;
let store: Store;

async function fw(args: string[]): Promise<RunResult> {
  return runCli(args, { env: { ...process.env, FLOWWATCH_DB: '' }, timeoutMs: 60_000 });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-dedup-'));
  db = join(dir, 'dedup.duckdb');
  writeFileSync(join(dir, 'v5.log'), `${HEADER}\n${Object.values(FLOWS).join('\n')}\n`);
  writeFileSync(join(dir, 'v2.log'), `${V2}\n`);
  const s = await Store.open(db);
  const r = await ingest(s, [join(dir, 'v5.log'), join(dir, 'v2.log')]);
  expect([r.records, r.rejected]).toEqual([17, 0]);
  await s.checkpoint();
  s.close();
  store = await Store.open(db, { readOnly: true });
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const pairs = (rows: readonly Record<string, unknown>[]) =>
  rows.map((x) => [x['source'], Number(x['bytes'])]);

describe('top(): deduplicated by default, per ENI on request', () => {
  it('talkers count each flow once, from the receiving ENI, NAT outer legs left out', async () => {
    const d = await top(store, 'talkers', { limit: 20 });
    expect(d.view).toBe('deduplicated');
    expect(pairs(d.rows)).toEqual(DEDUP_TALKERS);
    expect(d.undirected).toBe(1);
    const p = await top(store, 'talkers', { limit: 20, view: 'per-eni' });
    expect(p.view).toBe('per-eni');
    expect(pairs(p.rows)).toEqual(PER_ENI_TALKERS);
  });

  it('keeps the REJECT records: the receiver’s (E) and the sender’s (G, H)', async () => {
    const d = await top(store, 'rejected', { limit: 20 });
    expect(d.rows.map((x) => [x['source'], Number(x['flows'])])).toEqual([['10.0.1.10', 3]]);
    // top rejected skips the side choice because the deduplicated relation keeps every REJECT record: check
    // that premise on the relation itself (the fixture's three REJECT records E, G, H).
    const kept = await store.query(
      `SELECT count(*) AS n FROM ${flowsRelation('deduplicated', { since: 'NULL', until: 'NULL' })} AS flows
       WHERE action = 'REJECT'`,
    );
    expect(Number(kept.rows[0]!['n'])).toBe(3);
  });

  it('protocols sum to the hand-computed totals in each view', async () => {
    const sum = (rows: readonly Record<string, unknown>[]) =>
      rows.reduce((a, x) => a + Number(x['bytes']), 0);
    const flows = (rows: readonly Record<string, unknown>[]) =>
      rows.reduce((a, x) => a + Number(x['flows']), 0);
    const d = await top(store, 'protocols');
    expect([sum(d.rows), flows(d.rows)]).toEqual([155104, 10]);
    const p = await top(store, 'protocols', { view: 'per-eni' });
    expect([sum(p.rows), flows(p.rows)]).toEqual([344164, 17]);
  });

  it('interfaces are always per ENI', async () => {
    const d = await top(store, 'interfaces', { limit: 20 });
    expect(d.view).toBe('per-eni');
    // eni-nat: f2..f5 = 2000 + 2000 + 40000 + 40000
    expect(d.rows.find((x) => x['interface'] === 'eni-nat')?.['bytes']).toBe(84000);
  });

  it('a time range cuts the records, not the sets: the receiver’s record decides the window', async () => {
    // [T, T+5): a1 and b1 (egress, start T) are duplicates of a2 and b2 (start T+5, outside): neither counts here.
    const d = await top(store, 'talkers', { since: T, until: T + 5 });
    expect(pairs(d.rows)).toEqual([]);
    const p = await top(store, 'talkers', { since: T, until: T + 5, view: 'per-eni' });
    expect(pairs(p.rows)).toEqual([
      ['10.0.2.20', 90000],
      ['10.0.1.10', 15000],
    ]);
  });
});

describe('flowwatch top', () => {
  it('shows the deduplicated numbers by default and says so; --per-eni shows every record', async () => {
    const d = await fw(['top', 'talkers', '--db', db, '-o', 'json', '--limit', '20']);
    expect(d.code, d.err).toBe(0);
    expect(pairs(JSON.parse(d.out))).toEqual(DEDUP_TALKERS);
    expect(d.err).toContain('view: deduplicated');
    expect(d.err).toContain('1 records have no flow-direction');
    const p = await fw(['top', 'talkers', '--db', db, '-o', 'json', '--limit', '20', '--per-eni']);
    expect(pairs(JSON.parse(p.out))).toEqual(PER_ENI_TALKERS);
    expect(p.err).toContain('view: per ENI');
    const table = await fw(['top', 'talkers', '--db', db]);
    expect(table.out).toMatch(/view: deduplicated/);
  });

  it('top rejected does not warn about records without flow-direction: a rejection is never counted twice', async () => {
    // The same store holds the record without flow-direction that the talkers note counts; rejected traffic is
    // counted per ENI in both views (a rejected packet went no further), so that note would be noise here.
    const r = await fw(['top', 'rejected', '--db', db, '-o', 'json']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('view: deduplicated');
    expect(r.err).not.toContain('no flow-direction');
  });
});

describe('flowwatch query --name (the Logs Insights library)', () => {
  const run = async (extra: string[]) => {
    const r = await fw([
      'query',
      '--name',
      'top-talkers',
      '--db',
      db,
      '-o',
      'json',
      '--since',
      String(T),
      ...extra,
    ]);
    expect(r.code, r.err).toBe(0);
    return {
      rows: (JSON.parse(r.out) as Record<string, unknown>[]).map((x) => [
        x['srcAddr'],
        Number(x['bytesSent']),
      ]),
      err: r.err,
    };
  };

  it('drops egress records to private addresses by default; the NAT legs stay (a documented limit)', async () => {
    const d = await run([]);
    expect(d.err).toContain('view: deduplicated');
    // Kept: a2 b2 c1 d1 e2 f1 f2 f3 f4 f6 g1 h1 and the v2 record; dropped: a1 b1 e1 f5 (egress to private).
    expect(d.rows).toEqual([
      ['10.0.2.20', 90000], // b2
      [H, 80000], // f4 + f6: the NAT's outer leg is not recognised by one record
      ['10.0.1.10', 22204], // a2 + c1 + e2 + g1 + h1
      ['10.0.3.30', 4000], // f1 + f2
      ['10.0.0.220', 2000], // f3
      ['198.51.100.7', 600],
      ['10.9.0.5', 300],
    ]);
  });

  it('--per-eni runs the query over every record', async () => {
    const p = await run(['--per-eni']);
    expect(p.err).toContain('view: per ENI');
    expect(p.rows).toEqual(PER_ENI_TALKERS);
  });
});

describe('GET /api/overview', () => {
  let monitor: Monitor;
  beforeAll(async () => {
    const config = parseConfig('flowwatch.yaml', 'metricFilters: []\n');
    const log = createLogger(() => {});
    monitor = await startMonitor({
      config,
      db: join(dir, 'dedup.duckdb'),
      log,
      env: {},
      listen: '127.0.0.1:0',
      stateDir: join(dir, 'state'),
      now: () => T + 3600,
      register: (app, parts) =>
        registerApi(app, {
          store: parts.store,
          config: parts.config,
          monitor: parts,
          now: () => T + 3600,
          queryTimeoutMs: 5000,
          maxRows: 100,
          log,
        }),
    });
  });
  afterAll(async () => {
    await monitor.stop();
  });

  async function overview(query: string): Promise<OverviewResponse> {
    const r = await fetch(`${monitor.url}/api/overview?since=${T}&until=${T + 3600}${query}`, {
      headers: { authorization: `Bearer ${monitor.token}` },
    });
    const body = await r.text();
    expect(r.status, body).toBe(200);
    return JSON.parse(body) as OverviewResponse;
  }

  it('returns the deduplicated totals and talkers by default, the per-ENI ones with view=per-eni', async () => {
    const d = await overview('&top=20');
    expect(d.view).toBe('deduplicated');
    expect(d.undirectedFlows).toBe(1);
    expect([d.totals.flows, d.totals.bytes, d.totals.rejectedFlows]).toEqual([10, 155104, 3]);
    expect(d.topTalkers.map((x) => [x.addr, x.bytes])).toEqual(DEDUP_TALKERS);
    const p = await overview('&top=20&view=per-eni');
    expect(p.view).toBe('per-eni');
    expect([p.totals.flows, p.totals.bytes, p.totals.rejectedFlows]).toEqual([17, 344164, 3]);
    expect(p.topTalkers.map((x) => [x.addr, x.bytes])).toEqual(PER_ENI_TALKERS);
    // Directions and interfaces stay per ENI in both views.
    expect(d.interfaces).toEqual(p.interfaces);
    expect(d.directions).toEqual(p.directions);
  });

  it('refuses an unknown view', async () => {
    const r = await fetch(`${monitor.url}/api/overview?view=both`, {
      headers: { authorization: `Bearer ${monitor.token}` },
    });
    expect(r.status).toBe(400);
  });
});

describe('secondary check: the simulator’s ground truth', () => {
  it('the exfiltration burst through the NAT gateway counts exactly the bytes the generator sent', async () => {
    const out = join(dir, 'sim');
    const r = await simulate({ out, records: 20_000, seed: 7, start: 1767571200, days: 1 });
    const manifest = JSON.parse(readFileSync(r.manifestPath, 'utf8')) as {
      scenarios: { exfiltration: { source: string; destination: string; bytes: number } };
    };
    const exfil = manifest.scenarios.exfiltration;
    const simDb = join(dir, 'sim.duckdb');
    const w = await Store.open(simDb);
    await ingest(w, [out]);
    await w.checkpoint();
    w.close();
    const s = await Store.open(simDb, { readOnly: true });
    try {
      // The pair's bytes: per ENI on the database host's egress and on the NAT gateway's inner leg; deduplicated,
      // once (the inner leg).
      const bytes = async (view: 'deduplicated' | 'per-eni') =>
        Number(
          (
            await s.query(
              `SELECT sum(bytes) AS b FROM ${flowsRelation(view, { since: '$1', until: '$2' })} AS f
               WHERE $1::BIGINT IS NULL AND $2::BIGINT IS NULL AND srcaddr = $3 AND coalesce(pkt_dstaddr, dstaddr) = $4`,
              [null, null, exfil.source, exfil.destination],
            )
          ).rows[0]?.['b'],
        );
      expect(exfil.bytes).toBeGreaterThan(0);
      expect(await bytes('deduplicated')).toBe(exfil.bytes);
      expect(await bytes('per-eni')).toBe(2 * exfil.bytes);
    } finally {
      s.close();
    }
  });
});

// explain --rejects by verdict cell (each cell of records judged once) against the record-by-record reference,
// on a seeded corpus of 4,000 REJECT records: every group must have the same records, distinct flows and
// first/last time. The corpus mixes interface addresses, addresses inside and outside every CIDR of the fixtures,
// IPv6, unparsable addresses, pkt-srcaddr, many protocols, tcp-flags and ports on both sides of every ACL range,
// and two snapshots (the second adds route tables with a blackhole and a missing route).

import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Snapshots } from '../../src/cli/network-shared.js';
import { parseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/core/logger.js';
import { startMonitor } from '../../src/monitor/monitor.js';
import { cellStart, verdictCells } from '../../src/network/cells.js';
import { explainRejects } from '../../src/network/explain-rejects.js';
import { registerApi } from '../../src/server/api.js';
import type { NetworkRejectsResponse } from '../../src/server/api-contract.js';
import { Store } from '../../src/storage/store.js';
import { runMain } from '../support/capture-io.js';

let dir: string;
let db: string;

async function fw(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return runMain([...args, '--db', db]);
}

const AT1 = 1716200000;
const AT2 = AT1 + 20_000;
let seed = 7;
const rnd = (n: number) => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed % n;
};
const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)]!;

const ENIS = ['eni-0app', 'eni-0web', 'eni-0db', 'eni-0all', 'eni-0gone', '-'];
const ADDRS = () =>
  pick([
    '10.0.1.10',
    '10.0.2.20',
    '10.0.3.30',
    '10.0.3.31',
    `10.0.${rnd(5)}.${rnd(256)}`,
    `192.0.2.${rnd(256)}`,
    `203.0.113.${rnd(256)}`,
    `198.51.100.${rnd(256)}`,
    `${1 + rnd(223)}.${rnd(256)}.${rnd(256)}.${rnd(256)}`,
    '2600:1f18:1:1::10',
    `2600:1f18:1:1::${rnd(4000).toString(16)}`,
    '2001:db8::1',
    '-',
  ]);
const PORTS = () =>
  pick([22, 80, 443, 3389, 1023, 1024, 1025, 32767, 32768, 61000, 61001, 65535, 0, rnd(65536), rnd(65536)]);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-cells-'));
  db = join(dir, 'x.duckdb');
  cpSync(join(import.meta.dirname, '../fixtures/network'), join(dir, 'net1'), { recursive: true });
  cpSync(join(import.meta.dirname, '../fixtures/network'), join(dir, 'net2'), { recursive: true });
  writeFileSync(
    join(dir, 'net2', 'route-tables.json'),
    JSON.stringify({
      RouteTables: [
        {
          RouteTableId: 'rtb-0main',
          VpcId: 'vpc-0lab',
          Associations: [{ Main: true }],
          Routes: [
            { DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' },
            { DestinationCidrBlock: '0.0.0.0/0', GatewayId: 'igw-0lab', State: 'active' },
          ],
        },
        {
          RouteTableId: 'rtb-0app',
          VpcId: 'vpc-0lab',
          Associations: [{ SubnetId: 'subnet-0app' }],
          Routes: [
            { DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' },
            { DestinationCidrBlock: '192.0.2.0/24', GatewayId: 'igw-0lab', State: 'active' },
            { DestinationCidrBlock: '203.0.113.0/24', NatGatewayId: 'nat-0gone', State: 'blackhole' },
          ],
        },
      ],
    }),
  );
  const header =
    'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction tcp-flags reject-reason pkt-srcaddr pkt-dstaddr';
  const lines = [header];
  for (let i = 0; i < 4000; i++) {
    const t = AT1 - 5000 + rnd(40_000);
    const proto = pick([6, 6, 6, 17, 1, 58, 50]);
    const flags = proto === 6 ? pick(['2', '18', '3', '19', '0', '-']) : '-';
    const pktSrc = rnd(10) === 0 ? ADDRS() : '-';
    lines.push(
      `8 111122223333 ${pick(ENIS)} ${ADDRS()} ${ADDRS()} ${PORTS()} ${PORTS()} ${proto} 1 60 ${t} ${t + 5} REJECT OK ${pick(['ingress', 'egress', '-'])} ${flags} ${rnd(20) === 0 ? 'BPA' : '-'} ${pktSrc} -`,
    );
  }
  // the reply of SSH from 203.0.113.128/25 (allowed by pl-0corp) to the blackhole route, and flows between two
  // addresses no interface has, after the second snapshot
  for (let i = 0; i < 30; i++) {
    const t = AT2 + 100 + i;
    lines.push(
      `8 111122223333 eni-0app 203.0.113.${130 + i} 10.0.2.20 ${40000 + i} 22 6 1 60 ${t} ${t + 5} REJECT OK ingress 2 - - -`,
      `8 111122223333 - 8.8.${i}.8 9.9.9.${i} ${40000 + i} 443 6 1 60 ${t} ${t + 5} REJECT OK egress 2 - - -`,
    );
  }
  // SYN-ACK replies of SSH from 192.0.2.5 (allowed by pl-0corp) to client ports on both sides of acl-0app's
  // outbound range 32768-61000 and of 1024: the same cell of addresses, so only the port cell tells them apart
  for (const p of [1023, 1024, 32767, 32768, 61000, 61001, 65535]) {
    const t = AT1 + 200 + p;
    lines.push(
      `8 111122223333 eni-0app 10.0.2.20 192.0.2.5 22 ${p} 6 1 60 ${t} ${t + 5} REJECT OK egress 18 - - -`,
      `8 111122223333 eni-0app 10.0.2.20 192.0.2.6 22 ${p} 6 1 60 ${t} ${t + 5} REJECT OK egress 18 - - -`,
    );
  }
  writeFileSync(join(dir, 'flows.log'), `${lines.join('\n')}\n`);
  const ing = await fw(['ingest', join(dir, 'flows.log')]);
  expect(ing.code).toBe(0);
  expect((await fw(['network', 'load', join(dir, 'net1'), '--at', String(AT1)])).code).toBe(0);
  expect((await fw(['network', 'load', join(dir, 'net2'), '--at', String(AT2)])).code).toBe(0);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('explain --rejects by verdict cell', () => {
  it('cells of a snapshot: CIDR ends, interface addresses as single cells, ACL port range ends', async () => {
    const store = await Store.open(db);
    try {
      const snaps = await Snapshots.of(store);
      const c = verdictCells([await snaps.model(snaps.list[0]!.id)]);
      // 10.0.2.20 is an interface address: a cell of its own (10.0.2.20 = 167772692)
      expect(cellStart(c.v4Starts, 167772692)).toBe(167772692);
      expect(cellStart(c.v4Starts, 167772693)).toBe(167772693);
      // 8.8.8.8 lies in no block but 0.0.0.0/0, between 0.0.0.0 and 10.0.0.0 (167772160): the cell starting at 0
      expect(cellStart(c.v4Starts, 0x08080808)).toBe(0);
      // acl-0app outbound allows 32768-61000: both ends start a port cell
      expect(c.portStarts).toContain(32768);
      expect(c.portStarts).toContain(61001);
    } finally {
      await store.close();
    }
  });

  it('gives the same groups, records, distinct flows and times as judging every distinct flow', async () => {
    const store = await Store.open(db);
    try {
      const snaps = await Snapshots.of(store);
      const cells = await explainRejects(store, snaps, undefined, undefined, 'cells', true);
      const estimated = await explainRejects(store, snaps, undefined, undefined, 'cells');
      const records = await explainRejects(store, snaps, undefined, undefined, 'records');
      expect(cells.total).toBe(4074);
      expect(records.total).toBe(4074);
      expect(cells.predating).toBe(records.predating);
      expect(cells.predating).toBeGreaterThan(0);
      const shape = (g: typeof cells.groups) =>
        Object.fromEntries(
          [...g.entries()].map(([k, v]) => [
            k,
            { records: v.records, flows: v.flows, first: v.first, last: v.last },
          ]),
        );
      expect(shape(cells.groups)).toEqual(shape(records.groups));
      // the default estimates distinct flows (HyperLogLog): the same groups and records, flows within 5%
      expect(estimated.flowsEstimated).toBe(true);
      expect(cells.flowsEstimated).toBe(false);
      for (const [k, g] of records.groups) {
        const e = estimated.groups.get(k);
        expect(e?.records, k).toBe(g.records);
        expect(Math.abs(e!.flows - g.flows), k).toBeLessThanOrEqual(Math.max(1, 0.05 * g.flows));
      }
      // the corpus reaches the kinds of group that name no address in their key
      const keys = [...cells.groups.keys()].join('\n');
      expect(keys).toContain(
        'rtb-0app route 203.0.113.0/24 → nat-0gone is a blackhole (its target is gone) (reply)',
      );
      expect(keys).toContain('unknown: no interface in the snapshot has the source or destination address');
      expect(keys).toContain('VPC Block Public Access');
      expect(keys).toContain('acl-0app rule');
      // each group's example is a stored record (it has a row id) whose own explanation falls in the group
      for (const [k, g] of cells.groups) {
        expect(g.example['row_id'], k).toBeTypeOf('number');
        const at = Number(g.example['row_id']) % 2 ** 32;
        expect(at, k).toBeGreaterThan(1);
      }
      // fewer rows judged than distinct flows
      expect(cells.judged).toBeLessThan(records.judged);
    } finally {
      await store.close();
    }
  });

  it('the Troubleshoot API groups the rejects by verdict cell with the same groups as judging every flow', async () => {
    const store = await Store.open(db);
    let reference: Awaited<ReturnType<typeof explainRejects>>;
    let topRecords: number;
    try {
      reference = await explainRejects(store, await Snapshots.of(store), undefined, undefined, 'records');
      const r = await store.query(
        `SELECT count(*) AS n FROM flows WHERE action = 'REJECT'
         GROUP BY interface_id, srcaddr, dstaddr, pkt_srcaddr, pkt_dstaddr, srcport, dstport, protocol,
           flow_direction, tcp_flags, reject_reason
         ORDER BY n DESC LIMIT 1`,
      );
      topRecords = Number(r.rows[0]!['n']);
    } finally {
      await store.close();
    }
    const monitor = await startMonitor({
      config: parseConfig('flowwatch.yaml', 'metricFilters: []\n'),
      db,
      log: createLogger(() => {}),
      env: {},
      listen: '127.0.0.1:0',
      stateDir: join(dir, 'state'),
      now: () => AT2 + 50_000,
      register: (app, parts) =>
        registerApi(app, {
          store: parts.store,
          config: parts.config,
          monitor: parts,
          now: () => AT2 + 50_000,
        }),
    });
    try {
      const res = await fetch(`${monitor.url}/api/network/rejects?since=0&until=${AT2 + 50_000}&limit=1000`, {
        headers: { authorization: `Bearer ${monitor.token}` },
      });
      expect(res.status).toBe(200);
      const j = (await res.json()) as NetworkRejectsResponse;
      expect(j.rejects).toBe(4074);
      expect(j.predatingSnapshots).toBe(reference.predating);
      const want = Object.fromEntries(
        [...reference.groups].map(([k, g]) => [
          k,
          { records: g.records, flows: g.flows, conclusion: g.conclusion },
        ]),
      );
      // `limit` caps the groups listed: the corpus has fewer than 1,000
      expect(Object.keys(want).length).toBeLessThan(1000);
      const got = Object.fromEntries(
        j.groups.map((g) => [
          g.responsible,
          { records: g.records, flows: g.flows, conclusion: g.conclusion },
        ]),
      );
      expect(Object.fromEntries(Object.entries(got).map(([k, v]) => [k, [v.records, v.flows]]))).toEqual(
        Object.fromEntries(Object.entries(want).map(([k, v]) => [k, [v.records, v.flows]])),
      );
      // the top flows: most records first, the largest as counted directly in SQL, each judged
      expect(j.flows).toHaveLength(Math.min(1000, reference.judged));
      expect(j.flows[0]!.records).toBe(topRecords);
      for (let i = 1; i < j.flows.length; i++)
        expect(j.flows[i]!.records).toBeLessThanOrEqual(j.flows[i - 1]!.records);
      for (const f of j.flows)
        expect(f.responsible !== null && f.responsible in want, f.responsible ?? '').toBe(true);
    } finally {
      await monitor.stop();
    }
  }, 60_000);
});

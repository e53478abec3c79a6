// POST /api/network/explain and GET /api/network/rejects over loopback: the describe-* fixtures as a snapshot and
// the records of explain-cli.test.ts; the verdicts are the ones worked out by hand there (see cases.ts).

import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/context.js';
import { main } from '../../src/cli/main.js';
import { parseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/core/logger.js';
import { type Monitor, startMonitor } from '../../src/monitor/monitor.js';
import { registerApi } from '../../src/server/api.js';
import type { ExplainResponse, NetworkRejectsResponse } from '../../src/server/api-contract.js';

const SNAPSHOT_AT = 1716200000;
const T = SNAPSHOT_AT + 100;
const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction tcp-flags reject-reason';
const rec = (
  eni: string,
  src: string,
  dst: string,
  sp: number,
  dp: number,
  t: number,
  dir: string,
  flags: number,
  reason = '-',
) =>
  `8 111122223333 ${eni} ${src} ${dst} ${sp} ${dp} 6 1 60 ${t} ${t + 5} REJECT OK ${dir} ${flags} ${reason}`;
const LINES = [
  HEADER,
  // the server's SYN-ACK to client port 5000 dropped leaving subnet-0app (acl-0app outbound: 32768-61000 only)
  rec('eni-0app', '10.0.2.20', '192.0.2.5', 22, 5000, T, 'egress', 18),
  // SSH from 203.0.113.9 (outside pl-0corp): no inbound rule of sg-0app+sg-0mgmt, three records
  rec('eni-0app', '203.0.113.9', '10.0.2.20', 40001, 22, T, 'ingress', 2),
  rec('eni-0app', '203.0.113.9', '10.0.2.20', 40001, 22, T + 10, 'ingress', 2),
  rec('eni-0app', '203.0.113.9', '10.0.2.20', 40001, 22, T + 20, 'ingress', 2),
  // VPC Block Public Access
  rec('eni-0web', '198.51.100.9', '10.0.1.10', 40000, 22, T, 'ingress', 2, 'BPA'),
];

let dir: string;
let db: string;
let monitor: Monitor;

async function fw(args: string[]): Promise<number> {
  const io: Io = { out: () => {}, err: () => {}, isTTY: false, stdin: process.stdin, env: {} };
  return main([...args, '--db', db], io);
}

async function post(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${monitor.url}/api/network/explain`, {
    method: 'POST',
    headers: { authorization: `Bearer ${monitor.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-explain-api-'));
  db = join(dir, 'x.duckdb');
  cpSync(join(import.meta.dirname, '../fixtures/network'), join(dir, 'net'), { recursive: true });
  writeFileSync(join(dir, 'flows.log'), `${LINES.join('\n')}\n`);
  expect(await fw(['ingest', join(dir, 'flows.log')])).toBe(0);
  expect(await fw(['network', 'load', join(dir, 'net'), '--at', String(SNAPSHOT_AT)])).toBe(0);
  monitor = await startMonitor({
    config: parseConfig('flowwatch.yaml', 'metricFilters: []\n'),
    db,
    log: createLogger(() => {}),
    env: {},
    listen: '127.0.0.1:0',
    stateDir: join(dir, 'state'),
    now: () => T + 60,
    register: (app, parts) =>
      registerApi(app, { store: parts.store, config: parts.config, monitor: parts, now: () => T + 60 }),
  });
}, 60_000);

afterAll(async () => {
  await monitor?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('POST /api/network/explain', () => {
  it('judges a 5-tuple: the lab ping, its reply denied by acl-0lab outbound rule 90', async () => {
    const r = await post({ src: '198.51.100.7', dst: '10.0.1.10', protocol: 'icmp', time: T });
    expect(r.status).toBe(200);
    const e = r.json as unknown as ExplainResponse;
    expect(e.decision).toBe('REJECT');
    expect(e.conclusion).toMatch(
      /^rejected by acl-0lab rule 90: deny icmp all types to 0\.0\.0\.0\/0 on the reply/,
    );
    expect(e.blocking).toMatchObject({
      control: 'network-acl',
      ids: ['acl-0lab'],
      ruleNumber: 90,
      packet: 'reply',
    });
    expect(e.snapshot).toEqual({ id: 1, takenAt: '2024-05-20T10:13:20Z', predatesFlow: false });
    expect(e.steps.length).toBeGreaterThan(1);
  });

  it('judges a record as logged: the dropped SYN-ACK is the reply, with the ACL fix as CLI and CDK', async () => {
    const r = await post({
      src: '10.0.2.20',
      dst: '192.0.2.5',
      srcPort: 22,
      dstPort: 5000,
      protocol: '6',
      interface: 'eni-0app',
      time: T,
      asLogged: true,
      flowDirection: 'egress',
      tcpFlags: 18,
    });
    expect(r.status).toBe(200);
    const e = r.json as unknown as ExplainResponse;
    expect(e.role).toBe('reply');
    expect(e.blocking).toMatchObject({ control: 'network-acl', ids: ['acl-0app'], ruleNumber: 32767 });
    expect(e.fix).toBe(
      'aws ec2 create-network-acl-entry --network-acl-id acl-0app --egress --rule-number 120 --protocol 6 --port-range From=1024,To=65535 --cidr-block 192.0.2.5/32 --rule-action allow',
    );
    expect(e.fixCdk).toContain("new ec2.CfnNetworkAclEntry(this, 'acl-0app-egress-120', {");
    expect(e.evidence.join('\n')).toContain('tcp-flags 18 (SYN-ACK)');
  });

  it('with whatIf, re-judges the stored flows with the fix applied: the one dropped SYN-ACK becomes accepted', async () => {
    const r = await post({
      src: '10.0.2.20',
      dst: '192.0.2.5',
      srcPort: 22,
      dstPort: 5000,
      protocol: 'tcp',
      interface: 'eni-0app',
      time: T,
      asLogged: true,
      flowDirection: 'egress',
      tcpFlags: 18,
      whatIf: { since: T - 60, until: T + 60 },
    });
    expect(r.status).toBe(200);
    const w = (r.json as unknown as ExplainResponse).whatIf!;
    // Judged: the 5 REJECT records of LINES (nothing accepted). The new egress entry 120 admits only replies to
    // 192.0.2.5 on 1024-65535: the SYN-ACK (1 record); the SSH and BPA rejects stay as they were.
    expect(w.judged).toEqual({ records: 5, rejects: 5, accepts: 0 });
    expect(w.totals).toEqual({ 'becomes-accepted': 1, 'becomes-rejected': 0, 'rejected-elsewhere': 0 });
    expect(w.groups).toHaveLength(1);
    expect(w.groups[0]).toMatchObject({ transition: 'becomes-accepted', records: 1 });
    expect(w.groups[0]!.flow).toContain('192.0.2.5 → 10.0.2.20');
    // Without whatIf asked, none is computed.
    const plain = await post({ src: '198.51.100.7', dst: '10.0.1.10', protocol: 'icmp', time: T });
    expect(plain.json['whatIf']).toBeUndefined();
  });

  it('says when the flow predates every snapshot', async () => {
    const r = await post({ src: '198.51.100.7', dst: '10.0.1.10', protocol: 'icmp', time: SNAPSHOT_AT - 1 });
    expect((r.json as unknown as ExplainResponse).snapshot.predatesFlow).toBe(true);
  });
});

describe('GET /api/network/rejects', () => {
  it('lists the top rejected flows with the rule responsible, and the rejects grouped by it', async () => {
    const r = await fetch(`${monitor.url}/api/network/rejects?since=${T - 60}&until=${T + 60}`, {
      headers: { authorization: `Bearer ${monitor.token}` },
    });
    expect(r.status).toBe(200);
    const j = (await r.json()) as NetworkRejectsResponse;
    expect(j.rejects).toBe(5);
    expect(j.warnings).toEqual([]);
    // The three SSH records share every field but the time: one flow of 3 records, first.
    expect(j.flows[0]).toMatchObject({ srcaddr: '203.0.113.9', srcport: 40001, records: 3 });
    expect(j.flows[0]!.responsible).toBe('sg-0app+sg-0mgmt inbound: no rule allows tcp/22');
    expect(Object.fromEntries(j.groups.map((g) => [g.responsible, g.records]))).toEqual({
      'sg-0app+sg-0mgmt inbound: no rule allows tcp/22': 3,
      'acl-0app rule * (outbound, reply)': 1,
      'VPC Block Public Access (reject-reason BPA)': 1,
    });
  });
});

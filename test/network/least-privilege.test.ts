// `flowwatch network least-privilege` on hand-made accepted records at eni-0web (sg-0web only) against the
// describe-* fixtures; rule usage and proposals worked out by hand from sg-0web's rules:
//   inbound  R1 tcp/22 from 0.0.0.0/0, R2 tcp/443 from ::/0, R3 icmp 3/4 from 0.0.0.0/0, R4 icmp 8 from 198.51.100.0/24
//   outbound R5 all traffic to 0.0.0.0/0, R6 all traffic to ::/0

import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { parseAddress } from '../../src/network/address.js';
import { applyChange } from '../../src/network/change.js';
import { parseChange } from '../../src/network/change-parse.js';
import { coveringCidr, leastPrivilege } from '../../src/network/least-privilege.js';
import { buildModel, parseDocument } from '../../src/network/load.js';
import { isUntracked } from '../../src/network/what-if.js';
import { io } from '../support/capture-io.js';

let dir: string;
let db: string;

async function fw(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const cap = io();
  const code = await main([...args, '--db', db], cap);
  return { code, out: cap.stdout, err: cap.stderr };
}

const SNAPSHOT_AT = 1716200000;
const T = SNAPSHOT_AT + 100;
const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction tcp-flags reject-reason';
const rec = (src: string, dst: string, sp: number, dp: number, dir: string, flags: number) =>
  `8 111122223333 eni-0web ${src} ${dst} ${sp} ${dp} 6 1 60 ${T} ${T + 5} ACCEPT OK ${dir} ${flags} -`;
const LINES = [
  HEADER,
  // R1: two clients (203.0.113.9 twice), and the SYN-ACK reply of the first connection: 2 flows, 4 records
  rec('203.0.113.9', '10.0.1.10', 40000, 22, 'ingress', 2),
  rec('203.0.113.10', '10.0.1.10', 40001, 22, 'ingress', 2),
  rec('203.0.113.9', '10.0.1.10', 40002, 22, 'ingress', 2),
  rec('10.0.1.10', '203.0.113.9', 22, 40000, 'egress', 18),
  // R5: eni-0web opens HTTPS to 198.51.100.50 (acl-0lab allows all but ICMP out, all in)
  rec('10.0.1.10', '198.51.100.50', 45000, 443, 'egress', 2),
];

const DIR = join(import.meta.dirname, '../fixtures/network');
const model = buildModel(
  readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => parseDocument(join(DIR, f), readFileSync(join(DIR, f), 'utf8'))),
);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-lp-'));
  db = join(dir, 'x.duckdb');
  cpSync(DIR, join(dir, 'net'), { recursive: true });
  writeFileSync(join(dir, 'flows.log'), `${LINES.join('\n')}\n`);
  expect((await fw(['ingest', join(dir, 'flows.log')])).code).toBe(0);
  expect((await fw(['network', 'load', join(dir, 'net'), '--at', String(SNAPSHOT_AT)])).code).toBe(0);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const AUTH = 'aws ec2 authorize-security-group';
const REVOKE = 'aws ec2 revoke-security-group';

describe('flowwatch network least-privilege', () => {
  it('credits each rule with its flows, proposes the observed peers and ports, revokes the unused', async () => {
    const r = await fw(['network', 'least-privilege', '--group', 'sg-0web', '--since', '0', '-o', 'json']);
    expect(r.err).toBe('');
    const out = JSON.parse(r.out);
    expect(out.acceptedRecords).toBe(5);
    expect(out.groups).toHaveLength(1);
    const g = out.groups[0];
    expect(g.silentInterfaces).toEqual([]);
    const by = Object.fromEntries(
      g.rules.map(
        (u: { rule: string; status: string; flows: number; records: number; proposed: string[] }) => [
          u.rule,
          [u.status, u.flows, u.records, u.proposed],
        ],
      ),
    );
    expect(by).toEqual({
      'tcp/22 from 0.0.0.0/0': ['used', 2, 4, ['tcp/22 from 203.0.113.9/32', 'tcp/22 from 203.0.113.10/32']],
      'tcp/443 from ::/0': ['never used', 0, 0, []],
      'icmp type 3 code 4 from 0.0.0.0/0': ['never used', 0, 0, []],
      'icmp type 8 all codes from 198.51.100.0/24': ['never used', 0, 0, []],
      'all traffic to 0.0.0.0/0': ['used', 1, 1, ['tcp/443 to 198.51.100.50/32']],
      'all traffic to ::/0': ['never used', 0, 0, []],
    });
    expect(g.rules[0].justifiedBy).toEqual([
      '203.0.113.9 → 10.0.1.10 tcp/22',
      '203.0.113.10 → 10.0.1.10 tcp/22',
    ]);
    expect(g.commands).toEqual([
      `${AUTH}-ingress --group-id sg-0web --ip-permissions 'IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=203.0.113.9/32}]'`,
      `${AUTH}-ingress --group-id sg-0web --ip-permissions 'IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=203.0.113.10/32}]'`,
      `${AUTH}-egress --group-id sg-0web --ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp=198.51.100.50/32}]'`,
      `${REVOKE}-ingress --group-id sg-0web --ip-permissions 'IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=0.0.0.0/0}]'`,
      `${REVOKE}-ingress --group-id sg-0web --ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,Ipv6Ranges=[{CidrIpv6=::/0}]'`,
      `${REVOKE}-ingress --group-id sg-0web --ip-permissions 'IpProtocol=icmp,FromPort=3,ToPort=4,IpRanges=[{CidrIp=0.0.0.0/0}]'`,
      `${REVOKE}-ingress --group-id sg-0web --ip-permissions 'IpProtocol=icmp,FromPort=8,ToPort=-1,IpRanges=[{CidrIp=198.51.100.0/24}]'`,
      `${REVOKE}-egress --group-id sg-0web --ip-permissions 'IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]'`,
      `${REVOKE}-egress --group-id sg-0web --ip-permissions 'IpProtocol=-1,Ipv6Ranges=[{CidrIpv6=::/0}]'`,
    ]);
  });

  it('the proposed commands, run through what-if, reject none of the accepted flows they were drawn from', async () => {
    const cmds = await fw(['network', 'least-privilege', '--group', 'sg-0web', '--since', '0', '--commands']);
    expect(cmds.out.trim().split('\n')).toHaveLength(9);
    const w = JSON.parse(
      (await fw(['network', 'what-if', '--since', '0', '-o', 'json', '--change', cmds.out])).out,
    );
    expect(w.judged.accepts).toBe(5);
    expect(w.becomeRejected.records).toBe(0);
  });

  it('says loudly when there is no evidence, instead of calling every rule unused', async () => {
    const r = await fw(['network', 'least-privilege', '--since', '0', '--until', '1000']);
    expect(r.out).toMatch(/^no ACCEPT records since 1970-01-01T00:00:00Z until 1970-01-01T00:16:40Z/);
    const c = await fw(['network', 'least-privilege', '--since', '0', '--until', '1000', '--commands']);
    expect(c.code).toBe(2);
    const bad = await fw(['network', 'least-privilege', '--group', 'sg-nope']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('security group sg-nope is not in snapshot 1');
  });
});

describe('least privilege: several rules allowing one flow', () => {
  it('credits the most specific rule; the broad one keeps only what it alone carried', () => {
    const m = applyChange(
      model,
      parseChange(
        '--change',
        'aws ec2 authorize-security-group-ingress --group-id sg-0web --protocol tcp --port 22 --cidr 203.0.113.9/32',
      ),
    );
    const flow = (src: string, sp: number) => ({
      record: {
        interfaceId: 'eni-0web',
        srcaddr: src,
        dstaddr: '10.0.1.10',
        srcport: sp,
        dstport: 22,
        protocol: 6,
        action: 'ACCEPT',
        tcpFlags: 2,
      },
      records: 1,
      first: T,
      last: T,
    });
    const lp = leastPrivilege(
      m,
      [flow('203.0.113.9', 40000), flow('203.0.113.10', 40001)],
      new Set(['sg-0web']),
    );
    const rules = lp.groups[0]!.rules;
    const broad = rules.find((u) => u.text === 'tcp/22 from 0.0.0.0/0')!;
    const host = rules.find((u) => u.text === 'tcp/22 from 203.0.113.9/32')!;
    expect([host.flows, host.shadowedFlows, host.proposed]).toEqual([1, 0, [host.rule]]);
    expect([broad.flows, broad.shadowedFlows]).toEqual([1, 1]);
    expect(broad.proposed.map((r) => (r.peer.kind === 'cidr' ? r.peer.cidr.text : ''))).toEqual([
      '203.0.113.10/32',
    ]);
  });

  it('more peers than fit as /32s share their smallest covering block', () => {
    const a = (s: string) => parseAddress(s)!;
    // 10.1.2.3 and 10.1.3.200 first differ in the 24th bit: 10.1.2.0/23
    expect(coveringCidr([a('10.1.2.3'), a('10.1.3.200')]).text).toBe('10.1.2.0/23');
    expect(coveringCidr([a('2001:db8::1'), a('2001:db8::ff')]).text).toBe('2001:db8::/120');
  });
});

describe('untracked connections (spec §3)', () => {
  it('all addresses in and all addresses and ports out: untracked; a narrower admitting rule: tracked', () => {
    const ssh = (client: string, server: string) => ({
      client,
      server,
      clientPort: 40000,
      serverPort: 22,
      protocol: 6,
    });
    // sg-0web: tcp/22 from 0.0.0.0/0, outbound all traffic to 0.0.0.0/0
    expect(isUntracked(model, ssh('203.0.113.9', '10.0.1.10'))).toBe(true);
    // sg-0mgmt admits 192.0.2.5 through pl-0corp (not all addresses)
    expect(isUntracked(model, ssh('192.0.2.5', '10.0.2.20'))).toBe(false);
    // ICMP is always tracked
    expect(
      isUntracked(model, {
        client: '203.0.113.9',
        server: '10.0.1.10',
        clientPort: 0,
        serverPort: 0,
        protocol: 1,
      }),
    ).toBe(false);
  });
});

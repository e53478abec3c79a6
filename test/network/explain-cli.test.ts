// `flowwatch network load` and `flowwatch explain` as a user runs them: the describe-* fixtures as a snapshot,
// flow-log records ingested with their v5/v8 fields, then one record, one 5-tuple, and all rejects grouped.
// Expected verdicts worked out by hand from test/fixtures/network (see cases.ts for the rules involved).

import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/context.js';
import { main } from '../../src/cli/main.js';

let dir: string;
let db: string;

async function fw(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    isTTY: false,
    stdin: process.stdin,
    env: {},
  };
  const code = await main([...args, '--db', db], io);
  return { code, out, err };
}

const SNAPSHOT_AT = 1716200000;
const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction tcp-flags reject-reason';
const rec = (
  eni: string,
  src: string,
  dst: string,
  sp: number,
  dp: number,
  proto: number,
  t: number,
  action: string,
  dir: string,
  flags: number,
  reason = '-',
) =>
  `8 111122223333 ${eni} ${src} ${dst} ${sp} ${dp} ${proto} 1 60 ${t} ${t + 5} ${action} OK ${dir} ${flags} ${reason}`;
const T = SNAPSHOT_AT + 100;
const LINES = [
  HEADER,
  // line 2: the server's SYN-ACK to a client port 5000 dropped leaving subnet-0app (acl-0app outbound has only 32768-61000)
  rec('eni-0app', '10.0.2.20', '192.0.2.5', 22, 5000, 6, T, 'REJECT', 'egress', 18),
  // lines 3-5: SSH from 203.0.113.9, outside pl-0corp: no inbound rule of sg-0app+sg-0mgmt
  rec('eni-0app', '203.0.113.9', '10.0.2.20', 40001, 22, 6, T, 'REJECT', 'ingress', 2),
  rec('eni-0app', '203.0.113.9', '10.0.2.20', 40002, 22, 6, T, 'REJECT', 'ingress', 2),
  rec('eni-0app', '203.0.113.9', '10.0.2.20', 40003, 22, 6, T + 10, 'REJECT', 'ingress', 2),
  // line 6: VPC Block Public Access
  rec('eni-0web', '198.51.100.9', '10.0.1.10', 40000, 22, 6, T, 'REJECT', 'ingress', 2, 'BPA'),
  // line 7: the configuration accepts (pl-0corp, sg-0mgmt) but the log says REJECT
  rec('eni-0app', '192.0.2.5', '10.0.2.20', 40000, 22, 6, T, 'REJECT', 'ingress', 2),
  // line 8: an interface the snapshot does not have
  rec('eni-0gone', '203.0.113.9', '10.0.9.9', 40000, 22, 6, T, 'REJECT', 'ingress', 2),
  // line 9: before the snapshot; same SG denial as lines 3-5
  rec('eni-0app', '203.0.113.9', '10.0.2.20', 40004, 22, 6, SNAPSHOT_AT - 3600, 'REJECT', 'ingress', 2),
  // line 10: accepted traffic is not part of --rejects
  rec('eni-0web', '203.0.113.9', '10.0.1.10', 40000, 22, 6, T, 'ACCEPT', 'ingress', 2),
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-explain-'));
  db = join(dir, 'x.duckdb');
  cpSync(join(import.meta.dirname, '../fixtures/network'), join(dir, 'net'), { recursive: true });
  writeFileSync(join(dir, 'flows.log'), `${LINES.join('\n')}\n`);
  const ing = await fw(['ingest', join(dir, 'flows.log')]);
  expect(ing.code).toBe(0);
  const load = await fw(['network', 'load', join(dir, 'net'), '--at', String(SNAPSHOT_AT)]);
  expect(load.err).toBe('');
  expect(load.out).toContain('5 security groups, 3 network ACLs, 4 interfaces');
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('flowwatch explain', () => {
  it('names the ACL rule that dropped a reply, and the SG rule that accepted the request', async () => {
    const r = await fw(['explain', '--record', 'flows.log:2', '--output', 'json']);
    expect(r.err).toBe('');
    const e = JSON.parse(r.out);
    expect(e.decision).toBe('REJECT');
    expect(e.role).toBe('reply');
    expect(e.blocking).toMatchObject({
      control: 'network-acl',
      ids: ['acl-0app'],
      ruleNumber: 32767,
      packet: 'reply',
      boundary: 'outbound',
    });
    expect(e.conclusion).toContain('the request was accepted by sg-0mgmt tcp/22 from pl-0corp');
    expect(e.evidence.join('\n')).toContain('reply-drop signature');
    expect(e.evidence.join('\n')).toContain('tcp-flags 18 (SYN-ACK)');
    expect(e.snapshot.predatesFlow).toBe(false);
    // outbound entries of acl-0app: 100, 110, then * → the next multiple of 10 after 110, the ephemeral range
    expect(e.fix).toBe(
      'aws ec2 create-network-acl-entry --network-acl-id acl-0app --egress --rule-number 120 --protocol 6 --port-range From=1024,To=65535 --cidr-block 192.0.2.5/32 --rule-action allow',
    );
    // eni-0app: no instance, subnet-0app has no Name tag, groups app and mgmt
    expect(e.interfaces).toEqual([
      {
        interfaceId: 'eni-0app',
        subnetId: 'subnet-0app',
        groups: [
          { id: 'sg-0app', name: 'app' },
          { id: 'sg-0mgmt', name: 'mgmt' },
        ],
      },
    ]);
    expect(e.fixCdk).toContain("new ec2.CfnNetworkAclEntry(this, 'acl-0app-egress-120', {");
    const text = await fw(['explain', '--record', 'flows.log:2']);
    expect(text.out).toContain(
      "fix as CDK (aws-cdk-lib v2, in a Stack; import * as ec2 from 'aws-cdk-lib/aws-ec2';)",
    );
    expect(text.out).toContain(
      "    new ec2.CfnNetworkAclEntry(this, 'acl-0app-egress-120', {\n      networkAclId: 'acl-0app',",
    );
  });

  it('says when the configuration accepts what the log rejected, with the likely causes', async () => {
    const r = await fw(['explain', '--record', 'flows.log:7']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('the configuration ACCEPTS this flow, but the log says REJECT');
    expect(r.out).toContain('VPC Block Public Access');
    expect(r.out).toContain('configuration changed');
  });

  it('judges a 5-tuple: the classic lab ping, its reply denied by outbound rule 90', async () => {
    const r = await fw([
      'explain',
      '--src',
      '198.51.100.7',
      '--dst',
      '10.0.1.10',
      '--protocol',
      'icmp',
      '--time',
      String(T),
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^rejected by acl-0lab rule 90: deny icmp all types to 0\.0\.0\.0\/0 on the reply/);
    // names from the snapshot: eni-0web is attached to i-0web, in subnet-0pub (Name tag "public"), group sg-0web "web"
    expect(r.out).toContain('  interface eni-0web: i-0web, subnet-0pub "public", sg-0web (web)\n');
  });

  it('says so when the flow predates every snapshot', async () => {
    const r = await fw(['explain', '--record', 'flows.log:9', '--output', 'json']);
    expect(JSON.parse(r.out).snapshot.predatesFlow).toBe(true);
    const t = await fw(['explain', '--record', 'flows.log:9']);
    expect(t.out).toContain('predates every snapshot');
  });

  it('groups every REJECT by the responsible rule, with counts', async () => {
    const r = await fw(['explain', '--rejects', '--since', '0', '--output', 'json']);
    expect(r.err).toBe('');
    const out = JSON.parse(r.out);
    expect(out.rejects).toBe(8);
    expect(out.predatingSnapshots).toBe(1);
    const by = Object.fromEntries(
      out.groups.map((g: { responsible: string; records: number }) => [g.responsible, g.records]),
    );
    expect(by).toEqual({
      'sg-0app+sg-0mgmt inbound: no rule allows tcp/22': 4,
      'acl-0app rule * (outbound, reply)': 1,
      'VPC Block Public Access (reject-reason BPA)': 1,
      'configuration ACCEPTS, log says REJECT': 1,
      'unknown: interface eni-0gone is not in the snapshot: cannot tell its security groups or subnet (load aws ec2 describe-network-interfaces output that includes it)': 1,
    });
    expect(out.groups[0].responsible).toBe('sg-0app+sg-0mgmt inbound: no rule allows tcp/22');
  });

  it('says so loudly when the period has no REJECT, and prints the groups as a table otherwise', async () => {
    const none = await fw(['explain', '--rejects', '--since', '0', '--until', '1000']);
    expect(none.code).toBe(0);
    expect(none.out).toMatch(/^no REJECT records since 1970-01-01T00:00:00Z before 1970-01-01T00:16:40Z/);
    const table = await fw(['explain', '--rejects', '--since', '0']);
    expect(table.out.split('\n')[2]).toMatch(/^sg-0app\+sg-0mgmt inbound: no rule allows tcp\/22 +4 /);
    expect(table.out).toContain('8 REJECT records in 5 groups');
    expect(table.out).toContain('warning: 1 records predate every snapshot');
    const both = await fw(['explain', '--rejects', '--last', '1h', '--since', '0']);
    expect(both.code).toBe(2);
  });

  it('refuses a describe-* file of the wrong kind, naming it, and stores nothing', async () => {
    writeFileSync(join(dir, 'wrong.json'), '{"Buckets": []}');
    const r = await fw(['network', 'load', join(dir, 'wrong.json')]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('wrong.json');
    expect(r.err).toContain('describe-security-groups');
    const list = await fw(['network', 'list', '--output', 'json']);
    expect(JSON.parse(list.out)).toHaveLength(1);
  });
});

describe('names from the snapshot (issue 16 item 5)', () => {
  // By hand from test/fixtures/network: eni-0web is attached to i-0web (no describe-instances file, so no Name
  // tag) in subnet-0pub (Name "public") with sg-0web (web); eni-0app (10.0.2.20) has no instance, sits in
  // subnet-0app (no Name tag) with sg-0app (app) and sg-0mgmt (mgmt).
  it('top lists name interfaces and the addresses of known interfaces', async () => {
    const i = await fw(['top', 'interfaces', '--output', 'json']);
    expect(i.code, i.err).toBe(0);
    const byId = Object.fromEntries(
      (JSON.parse(i.out) as Record<string, unknown>[]).map((r) => [r['interface'], r['interface_name']]),
    );
    expect(byId).toEqual({
      'eni-0app': 'subnet-0app · app+mgmt',
      'eni-0web': 'i-0web · public · web',
      'eni-0gone': null, // not in the snapshot: no name rather than a guess
    });
    const r = await fw(['top', 'rejected', '--output', 'json', '--no-enrich']);
    const names = Object.fromEntries(
      (JSON.parse(r.out) as Record<string, unknown>[]).map((x) => [x['source'], x['source_name']]),
    );
    expect(names['10.0.2.20']).toBe('subnet-0app · app+mgmt');
    expect(names['203.0.113.9']).toBeNull();
    const table = await fw(['top', 'interfaces']);
    expect(table.out).toMatch(/eni-0web.*i-0web · public · web/);
  });

  it('findings name their entity', async () => {
    // Three SSH rejects from 203.0.113.9 to 10.0.2.20 within a minute are not a scan: a detection of one's own
    // that reports any rejected SSH makes a finding on 10.0.2.20 to name.
    writeFileSync(
      join(dir, 'flowwatch.yaml'),
      `detections:
  rejected-ssh-any:
    kind: threshold
    title: Rejected SSH
    window: 3600
    groupBy: [dstaddr]
    filter: { dstport: 22, action: REJECT }
    metric: count
    thresholds: { low: 1 }
`,
    );
    const d = await fw(['detect', '--config', join(dir, 'flowwatch.yaml'), '--only', 'rejected-ssh-any']);
    expect(d.code, d.err).toBe(0);
    const list = await fw(['findings', 'list', '--output', 'json']);
    const f = (JSON.parse(list.out) as Record<string, unknown>[]).find((x) => x['entity'] === '10.0.2.20');
    expect(f?.['entity_name']).toBe('subnet-0app · app+mgmt');
    const other = (JSON.parse(list.out) as Record<string, unknown>[]).find((x) => x['entity'] === '10.0.9.9');
    expect(other).toBeDefined();
    expect(other && 'entity_name' in other).toBe(false);
    const show = await fw(['findings', 'show', String(f?.['id'])]);
    expect(show.out).toContain('entity     10.0.2.20  (subnet-0app · app+mgmt)');
  });
});

// `flowwatch network what-if` on hand-made records against the describe-* fixtures. Expected counts worked out by
// hand from the records below and the fixture rules (test/fixtures/network; see cases.ts for the rules involved).

import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { parseChange } from '../../src/network/change-parse.js';
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
const rec = (
  eni: string,
  src: string,
  dst: string,
  sp: number,
  dp: number,
  action: string,
  dir: string,
  flags: number,
) => `8 111122223333 ${eni} ${src} ${dst} ${sp} ${dp} 6 1 60 ${T} ${T + 5} ${action} OK ${dir} ${flags} -`;

const LINES = [
  HEADER,
  // SSH from 203.0.113.7 to eni-0app: acl-0app inbound 110 admits it, no rule of sg-0app/sg-0mgmt does (it is
  // outside pl-0corp); the reply port is in acl-0app outbound 110 (32768-61000). Three connections.
  rec('eni-0app', '203.0.113.7', '10.0.2.20', 40001, 22, 'REJECT', 'ingress', 2),
  rec('eni-0app', '203.0.113.7', '10.0.2.20', 40002, 22, 'REJECT', 'ingress', 2),
  rec('eni-0app', '203.0.113.7', '10.0.2.20', 40003, 22, 'REJECT', 'ingress', 2),
  // SSH from another address: the /32 rule does not admit it.
  rec('eni-0app', '203.0.113.8', '10.0.2.20', 40001, 22, 'REJECT', 'ingress', 2),
  // Telnet from 203.0.113.7: acl-0app inbound has no entry for 23 (rule * denies), the SG rule does not matter.
  rec('eni-0app', '203.0.113.7', '10.0.2.20', 40004, 23, 'REJECT', 'ingress', 2),
  // SSH to eni-0web accepted by sg-0web tcp/22 from 0.0.0.0/0: two connections and the reply of the first.
  rec('eni-0web', '203.0.113.9', '10.0.1.10', 40000, 22, 'ACCEPT', 'ingress', 2),
  rec('eni-0web', '203.0.113.9', '10.0.1.10', 40010, 22, 'ACCEPT', 'ingress', 2),
  rec('eni-0web', '10.0.1.10', '203.0.113.9', 22, 40000, 'ACCEPT', 'egress', 18),
  // HTTPS over IPv6 to eni-0web (sg-0web tcp/443 from ::/0): untouched by either change.
  rec('eni-0web', '2001:db8::1', '2600:1f18:1:1::10', 50000, 443, 'ACCEPT', 'ingress', 2),
  // eni-0app's HTTPS out to 198.51.100.50: no outbound rule of sg-0app/sg-0mgmt; once added, acl-0app outbound
  // (5432 to 10.0.3.0/24, 32768-61000) still denies 443 at rule *.
  rec('eni-0app', '10.0.2.20', '198.51.100.50', 40000, 443, 'REJECT', 'egress', 2),
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-whatif-'));
  db = join(dir, 'x.duckdb');
  cpSync(join(import.meta.dirname, '../fixtures/network'), join(dir, 'net'), { recursive: true });
  writeFileSync(join(dir, 'flows.log'), `${LINES.join('\n')}\n`);
  expect((await fw(['ingest', join(dir, 'flows.log')])).code).toBe(0);
  expect((await fw(['network', 'load', join(dir, 'net'), '--at', String(SNAPSHOT_AT)])).code).toBe(0);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('flowwatch network what-if', () => {
  it('adding tcp/22 from 203.0.113.7/32 turns exactly those rejects accepted', async () => {
    const r = await fw([
      'network',
      'what-if',
      '--since',
      '0',
      '--output',
      'json',
      '--change',
      "aws ec2 authorize-security-group-ingress --group-id sg-0mgmt --ip-permissions 'IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=203.0.113.7/32}]'",
    ]);
    expect(r.err).toBe('');
    const out = JSON.parse(r.out);
    expect(out.judged).toEqual({ records: 10, rejects: 6, accepts: 4 });
    expect(out.becomeAccepted.records).toBe(3);
    expect(out.becomeAccepted.groups).toEqual([
      expect.objectContaining({
        flow: '203.0.113.7 → 10.0.2.20 tcp/22 at eni-0app',
        records: 3,
        distinct_flows: 3,
        before: 'sg-0app+sg-0mgmt inbound: no rule allows tcp/22',
        after: 'accepted',
      }),
    ]);
    expect(out.becomeRejected.records).toBe(0);
    expect(out.rejectedElsewhere.records).toBe(0);
  });

  it('a tightening (revoke tcp/22 from 0.0.0.0/0) turns the accepted SSH to eni-0web rejected, reply included', async () => {
    writeFileSync(
      join(dir, 'tighten.yaml'),
      `- revoke-security-group-ingress:
    GroupId: sg-0web
    IpPermissions:
      - { IpProtocol: tcp, FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: 0.0.0.0/0 }] }
`,
    );
    const r = await fw([
      'network',
      'what-if',
      '--since',
      '0',
      '-o',
      'json',
      '--change',
      join(dir, 'tighten.yaml'),
    ]);
    expect(r.err).toBe('');
    const out = JSON.parse(r.out);
    expect(out.change).toEqual([
      "aws ec2 revoke-security-group-ingress --group-id sg-0web --ip-permissions 'IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=0.0.0.0/0}]'",
    ]);
    // two inbound SYNs and the egress SYN-ACK of the first connection; the IPv6 HTTPS stays accepted
    expect(out.becomeRejected.records).toBe(3);
    expect(out.becomeRejected.groups).toEqual([
      expect.objectContaining({
        flow: '203.0.113.9 → 10.0.1.10 tcp/22 at eni-0web',
        records: 3,
        distinct_flows: 3,
        // sg-0web admits it by a rule for 0.0.0.0/0 and allows all traffic out to 0.0.0.0/0: untracked (spec §3)
        untracked_records: 3,
        before: 'accepted',
        after: 'sg-0web inbound: no rule allows tcp/22',
      }),
    ]);
    expect(out.becomeAccepted.records).toBe(0);
    const text = await fw(['network', 'what-if', '--since', '0', '--change', join(dir, 'tighten.yaml')]);
    expect(text.out).toContain('accepted flows that would now be rejected: 3 records in 1 group');
    expect(text.out).toContain('rejects that become accepted: 0 records');
    expect(text.out).toContain('connections open when the change is made stay up if tracked');
    expect(text.out).toContain('are cut at once: 3 of the 3 records');
  });

  it('says when a fix opens one control and the next still blocks', async () => {
    const r = await fw([
      'network',
      'what-if',
      '--since',
      '0',
      '-o',
      'json',
      '--change',
      'aws ec2 authorize-security-group-egress --group-id sg-0app --protocol tcp --port 443 --cidr 198.51.100.50/32',
    ]);
    const out = JSON.parse(r.out);
    expect(out.becomeAccepted.records).toBe(0);
    expect(out.rejectedElsewhere.groups).toEqual([
      expect.objectContaining({
        flow: '10.0.2.20 → 198.51.100.50 tcp/443 at eni-0app',
        records: 1,
        before: 'sg-0app+sg-0mgmt outbound: no rule allows tcp/443',
        after: 'acl-0app rule * (outbound, request)',
      }),
    ]);
  });

  it('the fix explain prints, pasted as is, admits the flow it was printed for', async () => {
    const e = JSON.parse((await fw(['explain', '--record', 'flows.log:2', '-o', 'json'])).out);
    const r = JSON.parse(
      (await fw(['network', 'what-if', '--since', '0', '-o', 'json', '--change', e.fix])).out,
    );
    // the fix is for 203.0.113.7/32 on tcp/22 only: the same three connections
    expect(r.becomeAccepted.records).toBe(3);
    expect(r.becomeRejected.records).toBe(0);
  });

  it('says loudly when the period has no records, and refuses a change that changes nothing', async () => {
    const none = await fw([
      'network',
      'what-if',
      '--since',
      '0',
      '--until',
      '1000',
      '--change',
      'aws ec2 delete-network-acl-entry --network-acl-id acl-0app --ingress --rule-number 110',
    ]);
    expect(none.code).toBe(0);
    expect(none.out).toContain(
      'no ACCEPT or REJECT records since 1970-01-01T00:00:00Z until 1970-01-01T00:16:40Z',
    );
    const revokeMissing = await fw([
      'network',
      'what-if',
      '--change',
      'aws ec2 revoke-security-group-ingress --group-id sg-0web --protocol tcp --port 2222 --cidr 0.0.0.0/0',
    ]);
    expect(revokeMissing.code).toBe(2);
    expect(revokeMissing.err).toContain('sg-0web has no such inbound rule to revoke');
    const unknown = await fw([
      'network',
      'what-if',
      '--change',
      'aws ec2 create-network-acl-entry --network-acl-id acl-nope --ingress --rule-number 5 --protocol -1 --cidr-block 0.0.0.0/0 --rule-action deny',
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('network ACL acl-nope is not in the snapshot');
  });
});

describe('reading a change', () => {
  it('pasted commands: continuations, several commands, shorthand and JSON values', () => {
    const ops = parseChange(
      '--change',
      `aws ec2 authorize-security-group-ingress \\
  --group-id sg-1 \\
  --ip-permissions 'IpProtocol=tcp,FromPort=80,ToPort=81,IpRanges=[{CidrIp=10.0.0.0/8},{CidrIp=192.0.2.1/32}]'
aws ec2 replace-network-acl-entry --network-acl-id acl-1 --egress --rule-number 100 --protocol 17 --port-range '{"From":53,"To":53}' --cidr-block 0.0.0.0/0 --rule-action deny --region eu-west-1`,
    );
    expect(ops).toHaveLength(3); // one permission with two ranges is two rules, then the ACL entry
    expect(ops[0]).toMatchObject({
      op: 'authorize-sg',
      groupId: 'sg-1',
      rule: { protocol: 6, from: 80, to: 81, egress: false },
    });
    expect(ops[1]).toMatchObject({ rule: { peer: { kind: 'cidr', cidr: { text: '192.0.2.1/32' } } } });
    expect(ops[2]).toMatchObject({
      op: 'replace-acl-entry',
      aclId: 'acl-1',
      entry: { ruleNumber: 100, egress: true, protocol: 17, action: 'deny', portFrom: 53, portTo: 53 },
    });
  });

  it('names the place of a mistake', () => {
    expect(() =>
      parseChange(
        '--change',
        "aws ec2 authorize-security-group-ingress --group-id sg-1 --ip-permissions 'IpProtocol=tcp,FromPort=22,IpRanges=[{CidrIp=1.2.3.4/32}'",
      ),
    ).toThrow(/--ip-permissions: expected "," or "\]" at position 57 /);
    expect(() => parseChange('--change', 'aws ec2 describe-security-groups')).toThrow(
      /"aws ec2 describe-security-groups" is not a change/,
    );
    expect(() =>
      parseChange(
        'c.yaml',
        '- authorize-security-group-ingress: { GroupId: sg-1, IpPermissions: [{ IpProtocol: tcp, FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: 10.0.0.300/32 }] }] }',
      ),
    ).toThrow(/IpRanges\[0\].CidrIp: expected a CIDR block/);
    expect(() =>
      parseChange(
        '--change',
        'aws ec2 create-network-acl-entry --network-acl-id acl-1 --rule-number 5 --protocol 6 --cidr-block 0.0.0.0/0 --rule-action allow --bogus 1',
      ),
    ).toThrow(/has no option --bogus/);
  });
});

// The suggested fix works: each command of the conformance table, applied to the describe-* fixtures the way
// AWS would apply it (parsed from its CLI options), turns the rejected connection into an accepted one, or
// moves the block to the next control on the path — never leaves it blocked by the same rule.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/network/evaluate.js';
import { buildModel, type NetworkDocument, parseDocument } from '../../src/network/load.js';
import { CASES } from './cases.js';

const DIR = join(import.meta.dirname, '../fixtures/network');
const docs = (): NetworkDocument[] =>
  readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => parseDocument(join(DIR, f), readFileSync(join(DIR, f), 'utf8')));

const opt = (cmd: string, name: string) => new RegExp(`--${name} (\\S+)`).exec(cmd)?.[1];

/** Applies an `aws ec2` command to the documents, as the EC2 API would. */
function apply(cmd: string): NetworkDocument[] {
  const all = docs().map((d) => ({ ...d, json: structuredClone(d.json) }));
  if (cmd.includes('create-network-acl-entry')) {
    const acls = all.find((d) => d.kind === 'NetworkAcls')!.json as {
      NetworkAcls: { NetworkAclId: string; Entries: unknown[] }[];
    };
    const acl = acls.NetworkAcls.find((a) => a.NetworkAclId === opt(cmd, 'network-acl-id'))!;
    const ports = /--port-range From=(\d+),To=(\d+)/.exec(cmd);
    const icmp = /--icmp-type-code Type=(-?\d+),Code=(-?\d+)/.exec(cmd);
    const cidr = opt(cmd, 'cidr-block');
    acl.Entries.push({
      RuleNumber: Number(opt(cmd, 'rule-number')),
      Egress: cmd.includes('--egress'),
      Protocol: opt(cmd, 'protocol'),
      RuleAction: opt(cmd, 'rule-action'),
      ...(cidr ? { CidrBlock: cidr } : { Ipv6CidrBlock: opt(cmd, 'ipv6-cidr-block') }),
      ...(ports ? { PortRange: { From: Number(ports[1]), To: Number(ports[2]) } } : {}),
      ...(icmp ? { IcmpTypeCode: { Type: Number(icmp[1]), Code: Number(icmp[2]) } } : {}),
    });
  } else {
    const sgs = all.find((d) => d.kind === 'SecurityGroups')!.json as {
      SecurityGroups: { GroupId: string; IpPermissions: unknown[]; IpPermissionsEgress: unknown[] }[];
    };
    const g = sgs.SecurityGroups.find((x) => x.GroupId === opt(cmd, 'group-id'))!;
    const m =
      /IpProtocol=(\w+)(?:,FromPort=(-?\d+),ToPort=(-?\d+))?,(IpRanges|Ipv6Ranges)=\[\{(CidrIp|CidrIpv6)=([^}]+)\}\]/.exec(
        cmd,
      )!;
    const perm = {
      IpProtocol: m[1],
      ...(m[2] !== undefined ? { FromPort: Number(m[2]), ToPort: Number(m[3]) } : {}),
      [m[4]!]: [{ [m[5]!]: m[6] }],
    };
    (cmd.includes('-ingress') ? g.IpPermissions : g.IpPermissionsEgress).push(perm);
  }
  return all;
}

describe('the suggested fix', () => {
  const withFix = CASES.filter((c) => c.fix !== undefined);
  it('is checked on every case that has one', () => expect(withFix.length).toBeGreaterThanOrEqual(6));
  it.each(withFix.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const before = evaluate(buildModel(docs()), c.connection);
    const after = evaluate(buildModel(apply(c.fix!)), c.connection);
    expect(before.decision).toBe('REJECT');
    expect(after.blocking?.rule).not.toBe(before.blocking?.rule);
    // the fixed step now allows, by the added rule
    const same = after.steps.find(
      (s) =>
        s.control === before.blocking!.control &&
        s.packet === before.blocking!.packet &&
        s.boundary === before.blocking!.boundary &&
        s.interfaceId === before.blocking!.interfaceId,
    )!;
    expect(same.decision).toBe('allow');
    // All become ACCEPT but one: after sg-0app may send 443 out, acl-0app outbound (only 5432 to 10.0.3.0/24 and
    // 32768-61000) still denies it at *, the next control on the path.
    expect(after.decision).toBe(c.name.startsWith('outbound security group') ? 'REJECT' : 'ACCEPT');
  });
});

// The fix as an aws-cdk-lib v2 statement: hand-written expectations for each kind of rule, then every fix of the
// conformance table run inside a real Stack (aws-cdk-lib from node_modules) and synthesized, its CloudFormation
// properties compared with the AWS CLI command's options.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/network/evaluate.js';
import { fixOf } from '../../src/network/fix.js';
import { buildModel, parseDocument } from '../../src/network/load.js';
import { CASES } from './cases.js';

const DIR = join(import.meta.dirname, '../fixtures/network');
const model = buildModel(
  readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => parseDocument(join(DIR, f), readFileSync(join(DIR, f), 'utf8'))),
);
const fixOfCase = (name: string) => {
  const c = CASES.find((x) => x.name === name)!;
  return fixOf(model, evaluate(model, c.connection).blocking!, c.connection);
};

describe('the fix as CDK', () => {
  it('an inbound security-group rule for one address and port', () => {
    expect(fixOfCase('group reference: a non-member is rejected by the security group').cdk).toBe(
      [
        "new ec2.CfnSecurityGroupIngress(this, 'sg-0app-ingress-tcp-8080-from-10-0-3-30-32', {",
        "  groupId: 'sg-0app',",
        "  ipProtocol: 'tcp',",
        '  fromPort: 8080,',
        '  toPort: 8080,',
        "  cidrIp: '10.0.3.30/32',",
        '});',
      ].join('\n'),
    );
  });

  it('an outbound rule, an IPv6 peer and an ICMP type/code', () => {
    expect(fixOfCase('outbound security group rule missing on the client').cdk).toContain(
      "new ec2.CfnSecurityGroupEgress(this, 'sg-0app-egress-tcp-443-to-198-51-100-50-32', {",
    );
    expect(fixOfCase('IPv6: an IPv4-only rule does not admit IPv6').cdk).toContain(
      "cidrIpv6: '2001:db8::1/128',",
    );
    const icmp = fixOfCase('ICMP type 3 code 3 does not match a type 3 code 4 rule').cdk!;
    expect(icmp).toContain("ipProtocol: 'icmp',\n  fromPort: 3,\n  toPort: 3,");
  });

  it('a network ACL entry with the ephemeral port range, and one for ICMP', () => {
    expect(fixOfCase('network ACL blocks the ephemeral reply port').cdk).toBe(
      [
        "new ec2.CfnNetworkAclEntry(this, 'acl-0app-egress-120', {",
        "  networkAclId: 'acl-0app',",
        '  ruleNumber: 120,',
        '  protocol: 6,',
        "  ruleAction: 'allow',",
        '  egress: true,',
        "  cidrBlock: '192.0.2.5/32',",
        '  portRange: { from: 1024, to: 65535 },',
        '});',
      ].join('\n'),
    );
    expect(
      fixOfCase('rule order: outbound deny ICMP at 90 beats allow all at 100 (reply of a ping)').cdk,
    ).toContain('  ruleNumber: 89,\n  protocol: 1,');
  });

  // Each snippet runs in a Stack constructor's place (`this` = the stack) and synthesizes to the resource the CLI
  // command would create, property for property.
  const withFix = CASES.filter((c) => c.fix !== undefined);
  it.each(withFix.map((c) => [c.name, c] as const))('synthesizes: %s', (_name, c) => {
    const f = fixOfCase(c.name);
    const stack = new Stack(new App(), 'Fix');
    new Function('ec2', f.cdk!).call(stack, ec2);
    const t = Template.fromStack(stack);
    const opt = (name: string) => new RegExp(`--${name} (\\S+)`).exec(c.fix!)?.[1];
    if (c.fix!.includes('create-network-acl-entry')) {
      const ports = /--port-range From=(\d+),To=(\d+)/.exec(c.fix!);
      const icmp = /--icmp-type-code Type=(-?\d+),Code=(-?\d+)/.exec(c.fix!);
      t.resourceCountIs('AWS::EC2::NetworkAclEntry', 1);
      t.hasResourceProperties('AWS::EC2::NetworkAclEntry', {
        NetworkAclId: opt('network-acl-id'),
        RuleNumber: Number(opt('rule-number')),
        Protocol: Number(opt('protocol')),
        RuleAction: 'allow',
        Egress: c.fix!.includes('--egress'),
        CidrBlock: opt('cidr-block'),
        ...(ports ? { PortRange: { From: Number(ports[1]), To: Number(ports[2]) } } : {}),
        ...(icmp ? { Icmp: { Type: Number(icmp[1]), Code: Number(icmp[2]) } } : {}),
      });
    } else {
      const m =
        /IpProtocol=(\w+),FromPort=(-?\d+),ToPort=(-?\d+),(IpRanges|Ipv6Ranges)=\[\{(CidrIp|CidrIpv6)=([^}]+)\}\]/.exec(
          c.fix!,
        )!;
      const type = c.fix!.includes('-ingress')
        ? 'AWS::EC2::SecurityGroupIngress'
        : 'AWS::EC2::SecurityGroupEgress';
      t.resourceCountIs(type, 1);
      t.hasResourceProperties(type, {
        GroupId: opt('group-id'),
        IpProtocol: m[1],
        FromPort: Number(m[2]),
        ToPort: Number(m[3]),
        [m[5]!]: m[6],
      });
    }
  });
});

// Hand-worked verdicts for the network evaluator, derived from AWS's documented semantics (see
// /work/shared/spec/network-troubleshooting.md §2–4) against the describe-* fixtures in test/fixtures/network.

import type { Connection } from '../../src/network/evaluate.js';

export interface Case {
  readonly name: string;
  readonly connection: Connection;
  readonly decision: 'ACCEPT' | 'REJECT' | 'UNKNOWN';
  /** The blocking step: control, id, packet, boundary and (for ACLs) rule number. */
  readonly blocking?: {
    readonly control: 'security-group' | 'network-acl';
    readonly id: string;
    readonly packet: 'request' | 'reply';
    readonly boundary: 'inbound' | 'outbound';
    readonly ruleNumber?: number;
  };
  /** An allowing step whose rule text must contain this (e.g. the SG rule that let the request in). */
  readonly allowedBy?: string;
  /** ACL ids that must appear among the steps (e.g. the VPC default ACL). */
  readonly acls?: readonly string[];
  /** Number of network-ACL steps (0 within a subnet). */
  readonly aclSteps?: number;
  /** The AWS CLI command adding the smallest rule that admits the flow (issue 16 item 3). */
  readonly fix?: string;
}

const tcp = (client: string, clientPort: number, server: string, serverPort: number): Connection => ({
  client,
  server,
  clientPort,
  serverPort,
  protocol: 6,
});

export const CASES: readonly Case[] = [
  {
    // sg-0app has no outbound rule for the reply, sg-0mgmt none at all: the reply passes because SGs are stateful;
    // acl-0app lets 22 in (110) and the Linux ephemeral reply port 40000 out (110: 32768-61000).
    name: 'stateful reply: no outbound SG rule needed for the reply',
    connection: tcp('192.0.2.5', 40000, '10.0.2.20', 22),
    decision: 'ACCEPT',
    allowedBy: 'sg-0mgmt tcp/22 from pl-0corp',
  },
  {
    // Same SSH but from a client whose ephemeral port is 5000 (Windows ≤ 2003): acl-0app outbound has only
    // 32768-61000, so the reply to port 5000 falls to the * entry.
    name: 'network ACL blocks the ephemeral reply port',
    connection: tcp('192.0.2.5', 5000, '10.0.2.20', 22),
    decision: 'REJECT',
    fix: 'aws ec2 create-network-acl-entry --network-acl-id acl-0app --egress --rule-number 120 --protocol 6 --port-range From=1024,To=65535 --cidr-block 192.0.2.5/32 --rule-action allow',
    blocking: {
      control: 'network-acl',
      id: 'acl-0app',
      packet: 'reply',
      boundary: 'outbound',
      ruleNumber: 32767,
    },
    allowedBy: 'sg-0mgmt tcp/22 from pl-0corp',
  },
  {
    // The classic lab: ping allowed in by sg-0web (icmp type 8 from 198.51.100.0/24) and acl-0lab inbound 100;
    // the echo reply (type 0) leaves through acl-0lab outbound where deny-all-ICMP rule 90 comes before allow 100.
    name: 'rule order: outbound deny ICMP at 90 beats allow all at 100 (reply of a ping)',
    connection: { client: '198.51.100.7', server: '10.0.1.10', clientPort: 0, serverPort: 0, protocol: 1 },
    decision: 'REJECT',
    fix: 'aws ec2 create-network-acl-entry --network-acl-id acl-0lab --egress --rule-number 89 --protocol 1 --icmp-type-code Type=0,Code=0 --cidr-block 198.51.100.7/32 --rule-action allow',
    blocking: {
      control: 'network-acl',
      id: 'acl-0lab',
      packet: 'reply',
      boundary: 'outbound',
      ruleNumber: 90,
    },
    allowedBy: 'sg-0web icmp type 8 all codes from 198.51.100.0/24',
  },
  {
    // sg-0app admits 8080 from members of sg-0web: 10.0.1.10 is eni-0web's private address.
    name: 'group reference: a member of the referenced group is allowed',
    connection: tcp('10.0.1.10', 45000, '10.0.2.20', 8080),
    decision: 'ACCEPT',
    allowedBy: 'sg-0app tcp/8080 from sg-0web',
  },
  {
    // 10.0.3.30 (eni-0db, sg-0db) is inside 10.0.0.0/16 so acl-0app inbound 100 admits it, but it is not a member
    // of sg-0web: no inbound rule of sg-0app or sg-0mgmt allows it.
    name: 'group reference: a non-member is rejected by the security group',
    connection: tcp('10.0.3.30', 45000, '10.0.2.20', 8080),
    decision: 'REJECT',
    fix: "aws ec2 authorize-security-group-ingress --group-id sg-0app --ip-permissions 'IpProtocol=tcp,FromPort=8080,ToPort=8080,IpRanges=[{CidrIp=10.0.3.30/32}]'",
    blocking: { control: 'security-group', id: 'sg-0app', packet: 'request', boundary: 'inbound' },
  },
  {
    // 203.0.113.200 lies in pl-0corp's 203.0.113.128/25 entry.
    name: 'prefix list: an address in one of its entries is allowed',
    connection: tcp('203.0.113.200', 40000, '10.0.2.20', 22),
    decision: 'ACCEPT',
    allowedBy: 'pl-0corp',
  },
  {
    // 203.0.113.9 is outside both entries; acl-0app inbound 110 admits tcp/22 from anywhere, so the SG decides.
    name: 'prefix list: an address outside its entries is rejected',
    connection: tcp('203.0.113.9', 40000, '10.0.2.20', 22),
    decision: 'REJECT',
    blocking: { control: 'security-group', id: 'sg-0app', packet: 'request', boundary: 'inbound' },
  },
  {
    // sg-0web tcp/443 from ::/0; acl-0lab 101 allows ::/0 both ways.
    name: 'IPv6: an Ipv6Ranges rule and IPv6 ACL entries',
    connection: tcp('2001:db8::1', 50000, '2600:1f18:1:1::10', 443),
    decision: 'ACCEPT',
    allowedBy: 'sg-0web tcp/443 from ::/0',
  },
  {
    // sg-0web's tcp/22 rule is for 0.0.0.0/0 only: an IPv4 range never matches an IPv6 source.
    name: 'IPv6: an IPv4-only rule does not admit IPv6',
    connection: tcp('2001:db8::1', 50000, '2600:1f18:1:1::10', 22),
    decision: 'REJECT',
    fix: "aws ec2 authorize-security-group-ingress --group-id sg-0web --ip-permissions 'IpProtocol=tcp,FromPort=22,ToPort=22,Ipv6Ranges=[{CidrIpv6=2001:db8::1/128}]'",
    blocking: { control: 'security-group', id: 'sg-0web', packet: 'request', boundary: 'inbound' },
  },
  {
    // GRE (47) from eni-0web: sg-0web outbound -1, acl-0lab outbound 100 (-1), default ACL in/out 100 (-1),
    // sg-0all inbound -1 from 10.0.0.0/16.
    name: 'protocol -1 admits any protocol (GRE)',
    connection: { client: '10.0.1.10', server: '10.0.3.31', clientPort: 0, serverPort: 0, protocol: 47 },
    decision: 'ACCEPT',
    allowedBy: 'sg-0all all traffic from 10.0.0.0/16',
  },
  {
    // Path-MTU: sg-0web icmp type 3 code 4 from 0.0.0.0/0; an ICMP error has no reply.
    name: 'ICMP type 3 code 4 matches its rule',
    connection: {
      client: '203.0.113.9',
      server: '10.0.1.10',
      clientPort: 0,
      serverPort: 0,
      protocol: 1,
      icmpType: 3,
      icmpCode: 4,
    },
    decision: 'ACCEPT',
    allowedBy: 'sg-0web icmp type 3 code 4',
  },
  {
    // Type 3 code 3 matches neither the 3/4 rule nor the type-8 rule (wrong type, and the source is outside 198.51.100.0/24).
    name: 'ICMP type 3 code 3 does not match a type 3 code 4 rule',
    connection: {
      client: '203.0.113.9',
      server: '10.0.1.10',
      clientPort: 0,
      serverPort: 0,
      protocol: 1,
      icmpType: 3,
      icmpCode: 3,
    },
    decision: 'REJECT',
    fix: "aws ec2 authorize-security-group-ingress --group-id sg-0web --ip-permissions 'IpProtocol=icmp,FromPort=3,ToPort=3,IpRanges=[{CidrIp=203.0.113.9/32}]'",
    blocking: { control: 'security-group', id: 'sg-0web', packet: 'request', boundary: 'inbound' },
  },
  {
    // subnet-0def has no association: the VPC's default ACL acl-0default (allow all, rule 100) applies; sg-0app
    // outbound 5432 to sg-0db, acl-0app outbound 100 (5432 to 10.0.3.0/24), sg-0db inbound 5432 from sg-0app,
    // reply into subnet-0app through acl-0app inbound 120 (1024-65535).
    name: 'the default network ACL applies to a subnet without association',
    connection: tcp('10.0.2.20', 40001, '10.0.3.30', 5432),
    decision: 'ACCEPT',
    acls: ['acl-0default', 'acl-0app'],
    allowedBy: 'sg-0db tcp/5432 from sg-0app',
  },
  {
    // eni-0app carries sg-0app and sg-0mgmt: their rules are a union; the SSH rule is only in the second group.
    name: 'several groups on an interface are a union',
    connection: tcp('192.0.2.77', 33000, '10.0.2.20', 22),
    decision: 'ACCEPT',
    allowedBy: 'sg-0mgmt',
  },
  {
    // eni-0db and eni-0all share subnet-0def: no network ACL is evaluated within a subnet.
    name: 'no network ACL within a subnet',
    connection: tcp('10.0.3.30', 40000, '10.0.3.31', 9000),
    decision: 'ACCEPT',
    aclSteps: 0,
  },
  {
    // eni-0app's outbound rules (sg-0app: 5432 to sg-0db; sg-0mgmt: none) do not allow 443 to the internet.
    name: 'outbound security group rule missing on the client',
    connection: tcp('10.0.2.20', 40000, '198.51.100.50', 443),
    decision: 'REJECT',
    fix: "aws ec2 authorize-security-group-egress --group-id sg-0app --ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp=198.51.100.50/32}]'",
    blocking: { control: 'security-group', id: 'sg-0app', packet: 'request', boundary: 'outbound' },
  },
  {
    name: 'an interface missing from the snapshot is reported, not guessed',
    connection: { ...tcp('203.0.113.9', 40000, '10.0.9.9', 22), interfaceId: 'eni-0gone' },
    decision: 'UNKNOWN',
  },
];

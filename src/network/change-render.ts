// A proposed change written out two ways: the AWS CLI command that makes it, and the aws-cdk-lib v2 (TypeScript)
// L1 construct that declares it, so a fix can be run now or put into the stack that owns the resource.

import type { Operation } from './change.js';
import { verbOf } from './change.js';
import type { AclEntry, SgPeer, SgRule } from './model.js';

/** The name EC2 uses for a protocol number in IpProtocol (`tcp`, `udp`, `icmp`, `icmpv6`, `-1` or the number). */
export function ipProtocolName(p: number): string {
  return p === 6 ? 'tcp' : p === 17 ? 'udp' : p === 1 ? 'icmp' : p === 58 ? 'icmpv6' : String(p);
}

const hasPorts = (p: number) => p === 6 || p === 17;
const isIcmp = (p: number) => p === 1 || p === 58;

function peerShorthand(p: SgPeer): string {
  switch (p.kind) {
    case 'cidr':
      return p.cidr.v6 ? `Ipv6Ranges=[{CidrIpv6=${p.cidr.text}}]` : `IpRanges=[{CidrIp=${p.cidr.text}}]`;
    case 'prefix-list':
      return `PrefixListIds=[{PrefixListId=${p.id}}]`;
    case 'group':
      return `UserIdGroupPairs=[{GroupId=${p.id}}]`;
    default: {
      const never: never = p;
      return never;
    }
  }
}

/** `IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=203.0.113.7/32}]`: one rule in the CLI's shorthand. */
export function permissionShorthand(r: SgRule): string {
  const range =
    (hasPorts(r.protocol) || isIcmp(r.protocol)) && r.from !== undefined
      ? `,FromPort=${r.from},ToPort=${r.to ?? r.from}`
      : '';
  return `IpProtocol=${ipProtocolName(r.protocol)}${range},${peerShorthand(r.peer)}`;
}

function aclSpec(e: AclEntry): string {
  const ports =
    hasPorts(e.protocol) && e.portFrom !== undefined
      ? ` --port-range From=${e.portFrom},To=${e.portTo ?? e.portFrom}`
      : '';
  const icmp =
    isIcmp(e.protocol) && e.icmpType !== undefined
      ? ` --icmp-type-code Type=${e.icmpType},Code=${e.icmpCode ?? -1}`
      : '';
  return `--protocol ${e.protocol}${ports}${icmp} --${e.cidr.v6 ? 'ipv6-cidr-block' : 'cidr-block'} ${e.cidr.text} --rule-action ${e.action}`;
}

/**
 * The AWS CLI command of an operation (one line, arguments quoted for a POSIX shell).
 *
 * @example cliOf({ op: 'delete-acl-entry', aclId: 'acl-1', egress: false, ruleNumber: 90 })
 * // 'aws ec2 delete-network-acl-entry --network-acl-id acl-1 --ingress --rule-number 90'
 */
export function cliOf(o: Operation): string {
  const verb = verbOf(o);
  switch (o.op) {
    case 'authorize-sg':
    case 'revoke-sg':
      return `aws ec2 ${verb} --group-id ${o.groupId} --ip-permissions '${permissionShorthand(o.rule)}'`;
    case 'create-acl-entry':
    case 'replace-acl-entry':
      return `aws ec2 ${verb} --network-acl-id ${o.aclId} --${o.entry.egress ? 'egress' : 'ingress'} --rule-number ${o.entry.ruleNumber} ${aclSpec(o.entry)}`;
    case 'delete-acl-entry':
      return `aws ec2 ${verb} --network-acl-id ${o.aclId} --${o.egress ? 'egress' : 'ingress'} --rule-number ${o.ruleNumber}`;
    case 'create-route':
    case 'replace-route':
      return `aws ec2 ${verb} --route-table-id ${o.routeTableId} ${destinationOption(o.route.destination)} ${o.route.destination} ${o.targetOption} ${o.route.target}`;
    case 'delete-route':
      return `aws ec2 ${verb} --route-table-id ${o.routeTableId} ${destinationOption(o.destination)} ${o.destination}`;
    default: {
      const never: never = o;
      return never;
    }
  }
}

/** A construct id from words: letters and digits kept, the rest turned into single dashes. */
function constructId(...parts: string[]): string {
  return parts
    .join('-')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function peerText(p: SgPeer): string {
  return p.kind === 'cidr' ? p.cidr.text : p.id;
}

function sgProps(r: SgRule, groupId: string): string[] {
  const props = [
    `groupId: '${groupId}'`,
    `ipProtocol: '${r.protocol === -1 ? '-1' : ipProtocolName(r.protocol)}'`,
  ];
  if ((hasPorts(r.protocol) || isIcmp(r.protocol)) && r.from !== undefined)
    props.push(`fromPort: ${r.from}`, `toPort: ${r.to ?? r.from}`);
  const p = r.peer;
  const key =
    p.kind === 'cidr'
      ? p.cidr.v6
        ? 'cidrIpv6'
        : 'cidrIp'
      : p.kind === 'prefix-list'
        ? r.egress
          ? 'destinationPrefixListId'
          : 'sourcePrefixListId'
        : r.egress
          ? 'destinationSecurityGroupId'
          : 'sourceSecurityGroupId';
  props.push(`${key}: '${peerText(p)}'`);
  return props;
}

function aclProps(e: AclEntry, aclId: string): string[] {
  const props = [
    `networkAclId: '${aclId}'`,
    `ruleNumber: ${e.ruleNumber}`,
    `protocol: ${e.protocol}`,
    `ruleAction: '${e.action}'`,
    `egress: ${e.egress}`,
    `${e.cidr.v6 ? 'ipv6CidrBlock' : 'cidrBlock'}: '${e.cidr.text}'`,
  ];
  if (hasPorts(e.protocol) && e.portFrom !== undefined)
    props.push(`portRange: { from: ${e.portFrom}, to: ${e.portTo ?? e.portFrom} }`);
  if (isIcmp(e.protocol) && e.icmpType !== undefined)
    props.push(`icmp: { type: ${e.icmpType}, code: ${e.icmpCode ?? -1} }`);
  return props;
}

const construct = (cls: string, id: string, props: string[]) =>
  `new ec2.${cls}(this, '${id}', {\n${props.map((p) => `  ${p},\n`).join('')}});`;

/**
 * The aws-cdk-lib v2 TypeScript statement declaring an operation's rule, for the body of a Stack (or Construct)
 * constructor with `import * as ec2 from 'aws-cdk-lib/aws-ec2'`. L1 constructs mirror the CLI command one to one
 * and work on groups and ACLs the stack does not own. Revoking or deleting has no CDK statement: the snippet is a
 * comment saying what to remove from the stack that declares the rule.
 *
 * @example cdkOf(op) // "new ec2.CfnSecurityGroupIngress(this, 'sg-0app-ingress-tcp-22-from-203-0-113-7-32', {…});"
 */
export function cdkOf(o: Operation): string {
  switch (o.op) {
    case 'authorize-sg': {
      const r = o.rule;
      const ports =
        (hasPorts(r.protocol) || isIcmp(r.protocol)) && r.from !== undefined
          ? r.from === (r.to ?? r.from)
            ? String(r.from)
            : `${r.from}-${r.to}`
          : 'all';
      const id = constructId(
        o.groupId,
        r.egress ? 'egress' : 'ingress',
        r.protocol === -1 ? 'all' : ipProtocolName(r.protocol),
        ports,
        r.egress ? 'to' : 'from',
        peerText(r.peer),
      );
      return construct(
        r.egress ? 'CfnSecurityGroupEgress' : 'CfnSecurityGroupIngress',
        id,
        sgProps(r, o.groupId),
      );
    }
    case 'create-acl-entry':
    case 'replace-acl-entry': {
      const e = o.entry;
      const c = construct(
        'CfnNetworkAclEntry',
        constructId(o.aclId, e.egress ? 'egress' : 'ingress', String(e.ruleNumber)),
        aclProps(e, o.aclId),
      );
      return o.op === 'create-acl-entry'
        ? c
        : `// replaces ${e.egress ? 'outbound' : 'inbound'} entry ${e.ruleNumber} of ${o.aclId}: where the stack declares that entry, change it to\n${c}`;
    }
    case 'revoke-sg':
      return `// remove from the stack that declares ${o.groupId}: the ${o.rule.egress ? 'egress' : 'ingress'} rule ${permissionShorthand(o.rule)}`;
    case 'delete-acl-entry':
      return `// remove from the stack that declares ${o.aclId}: its ${o.egress ? 'egress' : 'ingress'} entry ${o.ruleNumber}`;
    case 'create-route':
    case 'replace-route': {
      const dest = destinationOption(o.route.destination)
        .slice(2)
        .replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
      const target = o.targetOption.slice(2).replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
      const c = `new ec2.CfnRoute(this, '${constructId(o.routeTableId, o.route.destination)}', {\n  routeTableId: '${o.routeTableId}',\n  ${dest}: '${o.route.destination}',\n  ${target}: '${o.route.target}',\n});`;
      return o.op === 'create-route'
        ? c
        : `// replaces the route to ${o.route.destination} of ${o.routeTableId}: where the stack declares it, change it to\n${c}`;
    }
    case 'delete-route':
      return `// remove from the stack that declares ${o.routeTableId}: its route to ${o.destination}`;
    default: {
      const never: never = o;
      return never;
    }
  }
}

/** The CLI option naming a route's destination. */
function destinationOption(d: string): string {
  return d.startsWith('pl-')
    ? '--destination-prefix-list-id'
    : d.includes(':')
      ? '--destination-ipv6-cidr-block'
      : '--destination-cidr-block';
}

/** The import line a CDK snippet needs. */
export const CDK_IMPORT = "import * as ec2 from 'aws-cdk-lib/aws-ec2';";

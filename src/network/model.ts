// The network model an explanation is judged against: security groups, network ACLs, interfaces, subnets, VPCs,
// route tables and prefix lists as `aws ec2 describe-*` prints them, indexed for lookups.

import type { Cidr } from './address.js';

/** One source (inbound) or destination (outbound) of a security-group permission. */
export type SgPeer =
  | { readonly kind: 'cidr'; readonly cidr: Cidr }
  | { readonly kind: 'prefix-list'; readonly id: string }
  | { readonly kind: 'group'; readonly id: string };

/** One security-group rule: a permission × one of its peers (as describe-security-group-rules splits them). */
export interface SgRule {
  readonly groupId: string;
  readonly egress: boolean;
  /** `-1` (all), or an IANA protocol number. */
  readonly protocol: number;
  /** FromPort / ToPort as given (ports, or ICMP type / code); undefined when absent. */
  readonly from: number | undefined;
  readonly to: number | undefined;
  readonly peer: SgPeer;
  readonly description: string | undefined;
}

export interface SecurityGroup {
  readonly id: string;
  readonly name: string;
  readonly vpcId: string | undefined;
  readonly inbound: readonly SgRule[];
  readonly outbound: readonly SgRule[];
}

/** One network ACL entry (describe-network-acls `Entries[]`). */
export interface AclEntry {
  readonly ruleNumber: number;
  readonly egress: boolean;
  /** `-1` (all), or an IANA protocol number. */
  readonly protocol: number;
  readonly action: 'allow' | 'deny';
  readonly cidr: Cidr;
  readonly portFrom: number | undefined;
  readonly portTo: number | undefined;
  readonly icmpType: number | undefined;
  readonly icmpCode: number | undefined;
}

export interface NetworkAcl {
  readonly id: string;
  readonly vpcId: string | undefined;
  readonly isDefault: boolean;
  readonly subnetIds: readonly string[];
  /** Inbound and outbound entries, each sorted by ascending rule number. */
  readonly inbound: readonly AclEntry[];
  readonly outbound: readonly AclEntry[];
}

export interface Interface {
  readonly id: string;
  readonly subnetId: string | undefined;
  readonly vpcId: string | undefined;
  readonly groupIds: readonly string[];
  /** Private IPv4 and IPv6 addresses (what security-group references match). */
  readonly privateAddresses: readonly string[];
  /** Public IPv4 addresses associated with it (flow logs show the private address; kept to recognise it). */
  readonly publicAddresses: readonly string[];
  readonly instanceId: string | undefined;
  readonly type: string | undefined;
  readonly description: string | undefined;
}

export interface Subnet {
  readonly id: string;
  readonly vpcId: string | undefined;
  readonly cidrs: readonly Cidr[];
  readonly name: string | undefined;
}

export interface Vpc {
  readonly id: string;
  readonly cidrs: readonly Cidr[];
}

export interface PrefixList {
  readonly id: string;
  readonly name: string | undefined;
  /** Undefined when the snapshot has the list's metadata but not its entries. */
  readonly cidrs: readonly Cidr[] | undefined;
}

export interface Route {
  readonly destination: string;
  readonly target: string;
  readonly state: string | undefined;
}

export interface RouteTable {
  readonly id: string;
  readonly vpcId: string | undefined;
  readonly main: boolean;
  readonly subnetIds: readonly string[];
  readonly routes: readonly Route[];
}

export interface Instance {
  readonly id: string;
  readonly name: string | undefined;
  readonly interfaceIds: readonly string[];
}

/** The kinds of describe-* output, by their top-level key. */
export const KINDS = [
  'SecurityGroups',
  'NetworkAcls',
  'NetworkInterfaces',
  'Subnets',
  'RouteTables',
  'Reservations',
  'Vpcs',
  'PrefixLists',
  'Entries',
] as const;
export type Kind = (typeof KINDS)[number];

/** The model: every object by id, plus the indexes the evaluator needs. */
export interface NetworkModel {
  readonly securityGroups: ReadonlyMap<string, SecurityGroup>;
  readonly acls: ReadonlyMap<string, NetworkAcl>;
  readonly interfaces: ReadonlyMap<string, Interface>;
  readonly subnets: ReadonlyMap<string, Subnet>;
  readonly vpcs: ReadonlyMap<string, Vpc>;
  readonly prefixLists: ReadonlyMap<string, PrefixList>;
  readonly routeTables: ReadonlyMap<string, RouteTable>;
  readonly instances: ReadonlyMap<string, Instance>;
  /** Which describe-* kinds the snapshot holds (an absent kind makes its steps "unknown", never a guess). */
  readonly kinds: ReadonlySet<Kind>;
  /** Interface by private (or public) address (keyed by addressKey). */
  readonly interfaceByAddress: ReadonlyMap<string, Interface>;
  /** Private addresses (as addressKey) of the interfaces carrying each security group. */
  readonly groupMembers: ReadonlyMap<string, ReadonlySet<string>>;
  /** The network ACL of each subnet: its explicit association. */
  readonly aclBySubnet: ReadonlyMap<string, NetworkAcl>;
  /** The default network ACL of each VPC. */
  readonly defaultAclByVpc: ReadonlyMap<string, NetworkAcl>;
  /** The route table of each subnet: its explicit association. */
  readonly routeTableBySubnet: ReadonlyMap<string, RouteTable>;
  /** The main route table of each VPC (subnets without an association use it). */
  readonly mainRouteTableByVpc: ReadonlyMap<string, RouteTable>;
}

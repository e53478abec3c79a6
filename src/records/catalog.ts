// The field catalog: every VPC / transit gateway flow log field defined once, with its three names.
//
// Everything else (line parser, DuckDB schema, Insights names, Athena DDL, CDK formats) derives from
// this list. Source: ../shared/spec/flow-log-records.md §3 (versions 2–8, TGW fields) and §10 (versions 9–11).

/** Logical value type of a field. */
export type FieldType = 'int32' | 'int64' | 'string';

/** Where a field can appear: VPC ENI flow logs, transit gateway flow logs, or both. */
export type FieldScope = 'vpc' | 'tgw' | 'both';

/** One flow log field. */
export interface FieldDef {
  /** AWS name as written in `${...}` format strings and S3 header lines, e.g. `pkt-srcaddr`. */
  readonly aws: string;
  /** Column name in the store and in Parquet files, e.g. `pkt_srcaddr`. */
  readonly column: string;
  /** CloudWatch Logs Insights name, e.g. `pktSrcAddr`. */
  readonly insights: string;
  /** Flow log version that introduced the field. */
  readonly version: number;
  readonly type: FieldType;
  /** Parquet physical type as AWS writes it. */
  readonly parquet: 'INT_32' | 'INT_64' | 'STRING';
  /** DuckDB column type. */
  readonly duckdb: 'INTEGER' | 'BIGINT' | 'VARCHAR';
  readonly scope: FieldScope;
  /** False for fields AWS has not documented: parsed when present, never required (every field is documented today). */
  readonly confirmed: boolean;
  readonly description: string;
}

type Row = [aws: string, version: number, type: FieldType, scope: FieldScope, description: string];

const V2: Row[] = [
  [
    'version',
    2,
    'int32',
    'both',
    'Flow log record version: the highest version among the fields of the format.',
  ],
  [
    'account-id',
    2,
    'string',
    'both',
    'AWS account that owns the source network interface (may be "unknown" for AWS-managed ENIs).',
  ],
  ['interface-id', 2, 'string', 'vpc', 'Network interface (ENI) for which the traffic is recorded.'],
  ['srcaddr', 2, 'string', 'both', "Source address (for outgoing traffic, the ENI's own private address)."],
  [
    'dstaddr',
    2,
    'string',
    'both',
    "Destination address (for incoming traffic, the ENI's own private address).",
  ],
  ['srcport', 2, 'int32', 'both', 'Source port (0 for protocols without ports, e.g. ICMP).'],
  ['dstport', 2, 'int32', 'both', 'Destination port (0 for protocols without ports, e.g. ICMP).'],
  ['protocol', 2, 'int32', 'both', 'IANA protocol number: 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6.'],
  ['packets', 2, 'int64', 'both', 'Packets transferred in the flow during the aggregation window.'],
  ['bytes', 2, 'int64', 'both', 'Bytes transferred in the flow during the aggregation window.'],
  ['start', 2, 'int64', 'both', 'Unix seconds of the first packet of the flow in the window.'],
  ['end', 2, 'int64', 'both', 'Unix seconds of the last packet of the flow in the window.'],
  [
    'action',
    2,
    'string',
    'vpc',
    'ACCEPT (allowed by security groups and network ACLs) or REJECT (denied, or arrived after the connection closed).',
  ],
  [
    'log-status',
    2,
    'string',
    'both',
    'OK; NODATA (no traffic in the window); SKIPDATA (records were dropped in the window).',
  ],
];

const V3: Row[] = [
  ['vpc-id', 3, 'string', 'vpc', 'VPC that contains the network interface.'],
  ['subnet-id', 3, 'string', 'vpc', 'Subnet that contains the network interface.'],
  ['instance-id', 3, 'string', 'vpc', 'Instance of the ENI if you own it; "-" for requester-managed ENIs.'],
  ['tcp-flags', 3, 'int32', 'both', 'OR of TCP flags seen in the window: FIN 1, SYN 2, RST 4, SYN-ACK 18.'],
  ['type', 3, 'string', 'both', 'Traffic type: IPv4, IPv6 or EFA.'],
  ['pkt-srcaddr', 3, 'string', 'both', 'Packet-level (original) source address.'],
  ['pkt-dstaddr', 3, 'string', 'both', 'Packet-level (original) destination address.'],
];

const V4: Row[] = [
  ['region', 4, 'string', 'both', 'Region of the network interface.'],
  ['az-id', 4, 'string', 'vpc', 'Availability Zone ID of the network interface, e.g. use1-az2.'],
  ['sublocation-type', 4, 'string', 'vpc', 'Sublocation kind: wavelength, outpost or localzone.'],
  ['sublocation-id', 4, 'string', 'vpc', 'Sublocation ID.'],
];

const V5: Row[] = [
  [
    'pkt-src-aws-service',
    5,
    'string',
    'both',
    'AWS service (ip-ranges.json subset) that contains pkt-srcaddr, e.g. S3.',
  ],
  ['pkt-dst-aws-service', 5, 'string', 'both', 'AWS service that contains pkt-dstaddr.'],
  ['flow-direction', 5, 'string', 'both', 'Direction relative to the interface: ingress or egress.'],
  [
    'traffic-path',
    5,
    'int32',
    'vpc',
    'Path of egress traffic: 1 same VPC, 2 IGW/gateway endpoint, 3 VGW, 4 intra-region peering, 5 inter-region peering, 6 local gateway, 7 gateway endpoint (Nitro), 8 IGW (Nitro).',
  ],
];

const V6_TGW: Row[] = [
  ['resource-type', 6, 'string', 'tgw', 'Transit gateway flow logs: type of the resource (TransitGateway).'],
  ['tgw-id', 6, 'string', 'tgw', 'Transit gateway ID.'],
  ['tgw-attachment-id', 6, 'string', 'tgw', 'Transit gateway attachment ID.'],
  ['tgw-src-vpc-account-id', 6, 'string', 'tgw', 'Account of the source VPC.'],
  ['tgw-dst-vpc-account-id', 6, 'string', 'tgw', 'Account of the destination VPC.'],
  ['tgw-src-vpc-id', 6, 'string', 'tgw', 'Source VPC ID.'],
  ['tgw-dst-vpc-id', 6, 'string', 'tgw', 'Destination VPC ID.'],
  ['tgw-src-subnet-id', 6, 'string', 'tgw', 'Source subnet ID.'],
  ['tgw-dst-subnet-id', 6, 'string', 'tgw', 'Destination subnet ID.'],
  ['tgw-src-eni', 6, 'string', 'tgw', 'Source ENI of the transit gateway attachment.'],
  ['tgw-dst-eni', 6, 'string', 'tgw', 'Destination ENI of the transit gateway attachment.'],
  ['tgw-src-az-id', 6, 'string', 'tgw', 'Availability Zone ID of the source.'],
  ['tgw-dst-az-id', 6, 'string', 'tgw', 'Availability Zone ID of the destination.'],
  ['tgw-pair-attachment-id', 6, 'string', 'tgw', 'Paired attachment ID (egress/ingress pair).'],
  ['packets-lost-no-route', 6, 'int64', 'tgw', 'Packets dropped: no route.'],
  ['packets-lost-blackhole', 6, 'int64', 'tgw', 'Packets dropped: blackhole route.'],
  ['packets-lost-mtu-exceeded', 6, 'int64', 'tgw', 'Packets dropped: MTU exceeded.'],
  ['packets-lost-ttl-expired', 6, 'int64', 'tgw', 'Packets dropped: TTL expired.'],
];

const V7_ECS: Row[] = [
  ['ecs-cluster-arn', 7, 'string', 'vpc', 'ARN of the ECS cluster of the task.'],
  ['ecs-cluster-name', 7, 'string', 'vpc', 'Name of the ECS cluster.'],
  ['ecs-container-instance-arn', 7, 'string', 'vpc', 'ARN of the ECS container instance (EC2 launch type).'],
  ['ecs-container-instance-id', 7, 'string', 'vpc', 'ID of the ECS container instance.'],
  ['ecs-container-id', 7, 'string', 'vpc', 'Docker runtime ID of the first container of the task.'],
  ['ecs-second-container-id', 7, 'string', 'vpc', 'Docker runtime ID of the second container.'],
  ['ecs-service-name', 7, 'string', 'vpc', 'ECS service that started the task.'],
  ['ecs-task-definition-arn', 7, 'string', 'vpc', 'Task definition ARN.'],
  ['ecs-task-arn', 7, 'string', 'vpc', 'Task ARN.'],
  ['ecs-task-id', 7, 'string', 'vpc', 'Task ID.'],
];

const V8: Row[] = [
  [
    'reject-reason',
    8,
    'string',
    'vpc',
    'Why traffic was rejected: BPA (VPC Block Public Access), EC (VPC Encryption Controls); "-" otherwise.',
  ],
];

/**
 * Versions 9–11 (spec §10; version numbers from AWS's "Flow log records" table as relayed by sources citing
 * it). All custom-format only; every value may be `-` (not applicable or not computed).
 */
const V9_TO_V11: Row[] = [
  [
    'resource-id',
    9,
    'string',
    'vpc',
    'Resource whose traffic is recorded when it is not an ENI: for a regional NAT gateway flow the NAT gateway id (nat-…), with interface-id "-".',
  ],
  [
    'encryption-status',
    10,
    'int32',
    'vpc',
    'Encryption in transit (VPC Encryption Controls): 0 not encrypted, 1 encrypted by Nitro hardware, 2 encrypted at the application layer (TLS), 3 both; "-" when not computed.',
  ],
  [
    'instance-tag',
    11,
    'string',
    'vpc',
    "Value of the instance's first configured tag key (TagFieldSpecifications, instance), UTF-8 percent-encoded.",
  ],
  ['instance-tag-2', 11, 'string', 'vpc', "Value of the instance's second configured tag key."],
  [
    'interface-tag',
    11,
    'string',
    'vpc',
    "Value of the network interface's first configured tag key (network-interface), percent-encoded.",
  ],
  ['interface-tag-2', 11, 'string', 'vpc', "Value of the network interface's second configured tag key."],
  [
    'asg-tag',
    11,
    'string',
    'vpc',
    "Value of the Auto Scaling group's first configured tag key (auto-scaling-group), percent-encoded.",
  ],
  ['asg-tag-2', 11, 'string', 'vpc', "Value of the Auto Scaling group's second configured tag key."],
  [
    'interface-type',
    11,
    'string',
    'vpc',
    'Type of the local interface that captured the flow: nat_gateway, network_load_balancer, regional_nat_gateway, transit_gateway, vpc_endpoint; "-" otherwise.',
  ],
  [
    'next-hop-interface-id',
    11,
    'string',
    'vpc',
    'ENI of the next hop: the receiving interface for egress, the sending interface for ingress.',
  ],
  ['next-hop-subnet-id', 11, 'string', 'vpc', 'Subnet of the next-hop interface (subnet-…).'],
  ['next-hop-az-id', 11, 'string', 'vpc', 'Availability Zone ID of the next-hop interface (e.g. use1-az1).'],
  ['next-hop-vpc-id', 11, 'string', 'vpc', 'VPC of the next-hop interface (vpc-…).'],
  [
    'next-hop-interface-type',
    11,
    'string',
    'vpc',
    'Type of the next-hop interface, same values as interface-type (e.g. regional_nat_gateway).',
  ],
];

/**
 * Logs Insights name of an AWS field name: the words of the hyphenated name in camelCase, with the
 * run-together words `srcaddr`, `dstaddr`, `srcport`, `dstport` split (`pkt-srcaddr` → `pktSrcAddr`)
 * and `start`/`end` named `startTime`/`endTime`, as CloudWatch discovers them for the default format.
 *
 * @example insightsName('log-status') // 'logStatus'
 */
export function insightsName(aws: string): string {
  if (aws === 'start') return 'startTime';
  if (aws === 'end') return 'endTime';
  const words = aws.split('-').flatMap((w) => {
    const m = /^(src|dst)(addr|port)$/.exec(w);
    return m ? [m[1]!, m[2]!] : [w];
  });
  return words.map((w, i) => (i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1))).join('');
}

function define(row: Row, confirmed: boolean): FieldDef {
  const [aws, version, type, scope, description] = row;
  return Object.freeze({
    aws,
    column: aws.replaceAll('-', '_'),
    insights: insightsName(aws),
    version,
    type,
    parquet: type === 'int32' ? 'INT_32' : type === 'int64' ? 'INT_64' : 'STRING',
    duckdb: type === 'int32' ? 'INTEGER' : type === 'int64' ? 'BIGINT' : 'VARCHAR',
    scope,
    confirmed,
    description,
  });
}

/** Every field, in catalog order (v2 default fields first, in default-format order). */
export const FIELDS: readonly FieldDef[] = Object.freeze([
  ...[...V2, ...V3, ...V4, ...V5, ...V6_TGW, ...V7_ECS, ...V8].map((r) => define(r, true)),
  ...V9_TO_V11.map((r) => define(r, true)),
]);

const byAnyName = new Map<string, FieldDef>();
for (const f of FIELDS) {
  byAnyName.set(f.aws, f);
  byAnyName.set(f.column, f);
  byAnyName.set(f.insights.toLowerCase(), f);
}

/**
 * Looks a field up by its AWS (`pkt-srcaddr`), column (`pkt_srcaddr`) or Insights (`pktSrcAddr`) name,
 * case-insensitively. Returns undefined for names the catalog does not know.
 */
export function findField(name: string): FieldDef | undefined {
  const n = name.trim().toLowerCase();
  return byAnyName.get(n) ?? byAnyName.get(n.replaceAll('_', '-'));
}

/** The catalog field with this AWS name; throws for a name that is not in the catalog (a programming error). */
export function field(aws: string): FieldDef {
  const f = byAnyName.get(aws);
  if (!f) throw new Error(`not a catalog field: ${aws}`);
  return f;
}

/** The 14 fields of the default format, in order. */
export const DEFAULT_FIELDS: readonly FieldDef[] = FIELDS.slice(0, 14);

/** The default format string: `${version} ${account-id} ... ${log-status}`. */
export const DEFAULT_FORMAT = DEFAULT_FIELDS.map((f) => `\${${f.aws}}`).join(' ');

/** Every confirmed VPC field of versions 2–5 (the richest common custom format). */
export const V2_TO_V5_FIELDS: readonly FieldDef[] = FIELDS.filter(
  (f) => f.version <= 5 && f.scope !== 'tgw' && f.confirmed,
);

// The labelled corpus's estate: three VPCs in two accounts, their subnets and interfaces, and each flow log's format.

import { type Format, parseFormat } from '../../records/format.js';
import { hash32, Random } from '../random.js';

/** A network interface whose traffic a flow log records. */
export interface Host {
  /** Role, e.g. `web-1`, `lb-a`, `nat`. */
  readonly name: string;
  /** `eni-` and 17 hex digits. */
  readonly eni: string;
  readonly ip4: string;
  /** IPv6 address (RFC 5952 text) when the interface is dual-stack. */
  readonly ip6?: string;
  /** `i-…`, or `-` for requester-managed interfaces (NAT gateway, load balancer). */
  readonly instance: string;
  readonly subnet: string;
  readonly az: string;
  /** True when the internet can reach it (public subnet with a public IPv4, or a dual-stack address). */
  readonly public: boolean;
  readonly vpc: Vpc;
}

/** One VPC with its own flow log (one `.log.gz` per 5-minute slot that has records). */
export interface Vpc {
  readonly name: 'prod' | 'staging' | 'corp';
  readonly id: string;
  readonly account: string;
  readonly region: string;
  readonly cidr4: string;
  readonly cidr6?: string;
  readonly flowLogId: string;
  readonly format: Format;
  readonly hosts: Host[];
  /** The VPC's NAT gateway interface: private subnets reach the IPv4 internet through it. */
  nat?: Host;
}

/** The default version 2 format (14 fields). */
export const V2_FORMAT = parseFormat('default');

/** A custom version 5 format: the v2 fields, then v3–v5 fields including tcp-flags, pkt-*addr and flow-direction. */
export const V5_FORMAT = parseFormat(
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ' +
    '${vpc-id} ${subnet-id} ${instance-id} ${tcp-flags} ${type} ${pkt-srcaddr} ${pkt-dstaddr} ${region} ${az-id} ${flow-direction} ${traffic-path}',
);

/** A custom version 4 format in an order of its own (no flow-direction: direction must be inferred). */
export const V4_FORMAT = parseFormat(
  '${version} ${vpc-id} ${subnet-id} ${instance-id} ${interface-id} ${account-id} ${type} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ' +
    '${pkt-srcaddr} ${pkt-dstaddr} ${protocol} ${bytes} ${packets} ${start} ${end} ${action} ${tcp-flags} ${region} ${az-id} ${log-status}',
);

/** The estate, with lookups by role and by address. */
export interface Estate {
  readonly vpcs: readonly Vpc[];
  readonly hosts: readonly Host[];
  /** Interface by role name (unique across VPCs). */
  host(name: string): Host;
  /** Interface owning an address (IPv4 or IPv6), if any. */
  byIp(ip: string): Host | undefined;
}

const hex = (rng: Random, n: number): string => rng.hex(n);

/**
 * Builds the estate. Addresses are fixed (so docs and tests can name them); IDs come from the seed.
 *
 * prod (111122223333, us-east-1, 10.10.0.0/16 + 2600:1f18:4a3:6b00::/56, custom v5 format):
 *   public 10.10.1.0/24: web-1 .21, web-2 .22 (dual-stack), lb-a .5, lb-b .6, bastion .10 (dual-stack), nat .100;
 *   app 10.10.2.0/24: app-1..app-4 .31-.34, monitor .50; data 10.10.3.0/24: db-1 .41, db-2 .42, backup .60.
 * staging (111122223333, us-east-1, 10.20.0.0/16, default v2 format): stg-web .21 and stg-bastion .10 public,
 *   stg-app .31, stg-db .41.
 * corp (444455556666, eu-west-1, 172.20.0.0/16 + 2a05:d018:9c1:4e00::/56, custom v4 format): rdp-gw .1.11 and
 *   vpn .1.12 public, nat-c .1.100, build-1..3 .2.21-.23 (dual-stack), dev-1 .2.30, ad-1 .2.40, file-1 .2.41, ntp-c .2.123.
 */
export function buildEstate(seed: number): Estate {
  const rng = new Random(hash32(seed, 0x7070));
  const vpcs: Vpc[] = [];
  const mk = (
    name: Vpc['name'],
    account: string,
    region: string,
    cidr4: string,
    cidr6: string | undefined,
    format: Format,
  ): Vpc => {
    const v: Vpc = {
      name,
      id: `vpc-0${hex(rng, 16)}`,
      account,
      region,
      cidr4,
      ...(cidr6 ? { cidr6 } : {}),
      flowLogId: `fl-0${hex(rng, 16)}`,
      format,
      hosts: [],
    };
    vpcs.push(v);
    return v;
  };
  const prod = mk('prod', '111122223333', 'us-east-1', '10.10.0.0/16', '2600:1f18:4a3:6b00::/56', V5_FORMAT);
  const staging = mk('staging', '111122223333', 'us-east-1', '10.20.0.0/16', undefined, V2_FORMAT);
  const corp = mk('corp', '444455556666', 'eu-west-1', '172.20.0.0/16', '2a05:d018:9c1:4e00::/56', V4_FORMAT);

  const subnets = new Map<string, string>();
  const subnetOf = (vpc: Vpc, net: string): string => {
    const key = `${vpc.name}/${net}`;
    let id = subnets.get(key);
    if (!id) {
      id = `subnet-0${hex(rng, 16)}`;
      subnets.set(key, id);
    }
    return id;
  };
  const add = (
    vpc: Vpc,
    name: string,
    ip4: string,
    opts: { ip6?: string; managed?: boolean; public?: boolean; zone?: number } = {},
  ): Host => {
    const net = ip4.split('.').slice(0, 3).join('.');
    const zone = opts.zone ?? 1;
    const az = vpc.region === 'us-east-1' ? `use1-az${zone}` : `euw1-az${zone}`;
    const h: Host = {
      name,
      eni: `eni-0${hex(rng, 16)}`,
      ip4,
      ...(opts.ip6 ? { ip6: opts.ip6 } : {}),
      instance: opts.managed ? '-' : `i-0${hex(rng, 16)}`,
      subnet: subnetOf(vpc, net),
      az,
      public: opts.public ?? false,
      vpc,
    };
    vpc.hosts.push(h);
    return h;
  };
  const p6 = (n: string) => `2600:1f18:4a3:6b01::${n}`;
  add(prod, 'web-1', '10.10.1.21', { public: true, ip6: p6('21') });
  add(prod, 'web-2', '10.10.1.22', { public: true, ip6: p6('22'), zone: 2 });
  add(prod, 'lb-a', '10.10.1.5', { public: true, managed: true });
  add(prod, 'lb-b', '10.10.1.6', { public: true, managed: true, zone: 2 });
  add(prod, 'bastion', '10.10.1.10', { public: true, ip6: p6('10') });
  prod.nat = add(prod, 'nat', '10.10.1.100', { managed: true });
  for (let i = 1; i <= 4; i++) add(prod, `app-${i}`, `10.10.2.${30 + i}`, { zone: 1 + (i % 2) });
  add(prod, 'monitor', '10.10.2.50');
  add(prod, 'db-1', '10.10.3.41');
  add(prod, 'db-2', '10.10.3.42', { zone: 2 });
  add(prod, 'backup', '10.10.3.60');
  add(staging, 'stg-web', '10.20.1.21', { public: true });
  add(staging, 'stg-bastion', '10.20.1.10', { public: true });
  add(staging, 'stg-app', '10.20.2.31');
  add(staging, 'stg-db', '10.20.3.41');
  const c6 = (n: string) => `2a05:d018:9c1:4e02::${n}`;
  add(corp, 'rdp-gw', '172.20.1.11', { public: true });
  add(corp, 'vpn', '172.20.1.12', { public: true });
  corp.nat = add(corp, 'nat-c', '172.20.1.100', { managed: true });
  for (let i = 1; i <= 3; i++) add(corp, `build-${i}`, `172.20.2.${20 + i}`, { ip6: c6(`${20 + i}`) });
  add(corp, 'dev-1', '172.20.2.30');
  add(corp, 'ad-1', '172.20.2.40');
  add(corp, 'file-1', '172.20.2.41');
  add(corp, 'ntp-c', '172.20.2.123');

  const hosts = vpcs.flatMap((v) => v.hosts);
  const byName = new Map(hosts.map((h) => [h.name, h]));
  const byIp = new Map<string, Host>();
  for (const h of hosts) {
    byIp.set(h.ip4, h);
    if (h.ip6) byIp.set(h.ip6, h);
  }
  return {
    vpcs,
    hosts,
    host(name) {
      const h = byName.get(name);
      if (!h) throw new Error(`no host ${name} in the labelled estate`);
      return h;
    },
    byIp: (ip) => byIp.get(ip),
  };
}

// The simulated VPC: subnets, instances and their network interfaces (ENIs), with seeded AWS-style IDs.

import type { Random } from './random.js';

/** A subnet of the simulated VPC. */
export interface Subnet {
  readonly id: string;
  readonly cidr: string;
  /** Availability Zone ID, e.g. `use1-az1`. */
  readonly azId: string;
  /** True when its route table sends 0.0.0.0/0 to the internet gateway. */
  readonly public: boolean;
}

/** A network interface on which flow log records are captured. */
export interface Eni {
  /** Role in the simulation, e.g. `web-1`, `db`, `nat`. */
  readonly name: string;
  /** `eni-` followed by 17 hex digits. */
  readonly id: string;
  /** Primary private IPv4 address. */
  readonly ip: string;
  /** IPv6 address of a dual-stack interface (from the VPC's Amazon-provided /56). */
  readonly ip6?: string | undefined;
  /** True for an Elastic Fabric Adapter (interface type `efa`): HPC nodes, whose OS-bypass traffic is `type` EFA. */
  readonly efa?: boolean | undefined;
  /** `i-…`, or `-` for requester-managed interfaces (the NAT gateway). */
  readonly instanceId: string;
  readonly subnet: Subnet;
}

/** The simulated VPC: 10.0.0.0/16 with a public web subnet, an app subnet and a db subnet. */
export interface Vpc {
  readonly id: string;
  readonly cidr: string;
  /** The Amazon-provided DNS resolver (VPC base + 2). Traffic to it is never logged (spec §1). */
  readonly resolver: string;
  readonly subnets: { readonly web: Subnet; readonly app: Subnet; readonly db: Subnet; readonly hpc: Subnet };
  /** The two public web servers (HTTPS/HTTP from the internet). */
  readonly web: readonly [Eni, Eni];
  /** SSH bastion in the web subnet; its security group admits SSH from the office only. */
  readonly bastion: Eni;
  /** Application servers (port 8080, called by the web servers). */
  readonly app: readonly [Eni, Eni];
  /** The PostgreSQL host (port 5432). */
  readonly db: Eni;
  /** Two HPC nodes with EFA interfaces in their own subnet (a nightly-busy simulation cluster). */
  readonly hpc: readonly [Eni, Eni];
  /** The NAT gateway's interface in the web subnet: egress of the private subnets to the internet. */
  readonly nat: Eni;
  /** Every interface, in a fixed order. */
  readonly enis: readonly Eni[];
}

/** The /64 of the web subnet's IPv6 addresses (the web servers are `::21` and `::22`). */
export const WEB_IPV6_PREFIX = '2600:1f18:4a3:6b01::';

/** The office's public address: the only source the bastion's security group admits on port 22. */
export const OFFICE_IP = '198.51.100.7';

/** Availability Zone ID codes of region words, e.g. `us-east-1` → `use1`. */
const REGION_WORDS: Readonly<Record<string, string>> = {
  east: 'e',
  west: 'w',
  north: 'n',
  south: 's',
  central: 'c',
  northeast: 'ne',
  northwest: 'nw',
  southeast: 'se',
  southwest: 'sw',
};

/**
 * The Availability Zone ID of zone `n` in a region, in AWS's `<code>-az<n>` form.
 *
 * @example azId('us-east-1', 4) // 'use1-az4'
 * @example azId('ap-southeast-2', 1) // 'apse2-az1'
 */
export function azId(region: string, n: number): string {
  const m = /^([a-z]+)-(?:[a-z]+-)?([a-z]+)-(\d+)$/.exec(region);
  const code = m ? `${m[1]}${REGION_WORDS[m[2]!] ?? m[2]!.charAt(0)}${m[3]}` : region.replaceAll('-', '');
  return `${code}-az${n}`;
}

/**
 * Builds the simulated VPC in a region. IDs come from `rng`, addresses are fixed:
 * web servers 10.0.1.21/.22, bastion 10.0.1.10, NAT gateway 10.0.1.100, app servers 10.0.2.31/.32,
 * PostgreSQL host 10.0.3.41.
 *
 * @example buildVpc(new Random(1), 'us-east-1').db.ip // '10.0.3.41'
 */
export function buildVpc(rng: Random, region: string): Vpc {
  const subnet = (cidr: string, zone: number, isPublic: boolean): Subnet => ({
    id: `subnet-0${rng.hex(16)}`,
    cidr,
    azId: azId(region, zone),
    public: isPublic,
  });
  const vpcId = `vpc-0${rng.hex(16)}`;
  const subnets = {
    web: subnet('10.0.1.0/24', 1, true),
    app: subnet('10.0.2.0/24', 2, false),
    db: subnet('10.0.3.0/24', 4, false),
  };
  const eni = (name: string, ip: string, sn: Subnet, managed = false): Eni => ({
    name,
    id: `eni-0${rng.hex(16)}`,
    ip,
    instanceId: managed ? '-' : `i-0${rng.hex(16)}`,
    subnet: sn,
  });
  const web: [Eni, Eni] = [eni('web-1', '10.0.1.21', subnets.web), eni('web-2', '10.0.1.22', subnets.web)];
  const bastion = eni('bastion', '10.0.1.10', subnets.web);
  const nat = eni('nat', '10.0.1.100', subnets.web, true);
  const app: [Eni, Eni] = [eni('app-1', '10.0.2.31', subnets.app), eni('app-2', '10.0.2.32', subnets.app)];
  const db = eni('db', '10.0.3.41', subnets.db);
  // Drawn after the others so that their IDs stay those of earlier versions for a seed.
  const hpcSubnet = subnet('10.0.4.0/24', 2, false);
  const hpc: [Eni, Eni] = [
    { ...eni('hpc-1', '10.0.4.11', hpcSubnet), efa: true },
    { ...eni('hpc-2', '10.0.4.12', hpcSubnet), efa: true },
  ];
  // The web servers are dual-stack: an IPv6 address in the web subnet's /64 (2600:1f18::/33 is us-east-1's
  // Amazon-provided VPC range; the simulator uses it whatever the region).
  const dual = web.map((w, i) => ({ ...w, ip6: `${WEB_IPV6_PREFIX}${(0x21 + i).toString(16)}` })) as [
    Eni,
    Eni,
  ];
  return {
    id: vpcId,
    cidr: '10.0.0.0/16',
    resolver: '10.0.0.2',
    subnets: { ...subnets, hpc: hpcSubnet },
    web: dual,
    bastion,
    app,
    db,
    hpc,
    nat,
    enis: [...dual, bastion, nat, ...app, db, ...hpc],
  };
}

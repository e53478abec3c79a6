// Reads `aws ec2 describe-*` JSON (security groups, network ACLs, interfaces, subnets, route tables, instances,
// VPCs, managed prefix lists and their entries) into the network model, refusing a wrong or truncated file by name.

import { SourceError } from '../core/errors.js';
import { jsonErrorOffset } from '../core/json-position.js';
import { addressKey, type Cidr, parseAddress, parseCidr } from './address.js';
import {
  type AclEntry,
  type Instance,
  type Interface,
  KINDS,
  type Kind,
  type NetworkAcl,
  type NetworkModel,
  type PrefixList,
  type RouteTable,
  type SecurityGroup,
  type SgPeer,
  type SgRule,
  type Subnet,
  type Vpc,
} from './model.js';

/** One describe-* document: where it came from, its kind and its parsed JSON. */
export interface NetworkDocument {
  readonly name: string;
  readonly kind: Kind;
  readonly json: unknown;
}

const COMMANDS: Record<Kind, string> = {
  SecurityGroups: 'aws ec2 describe-security-groups',
  NetworkAcls: 'aws ec2 describe-network-acls',
  NetworkInterfaces: 'aws ec2 describe-network-interfaces',
  Subnets: 'aws ec2 describe-subnets',
  RouteTables: 'aws ec2 describe-route-tables',
  Reservations: 'aws ec2 describe-instances',
  Vpcs: 'aws ec2 describe-vpcs',
  PrefixLists: 'aws ec2 describe-managed-prefix-lists',
  Entries: 'aws ec2 get-managed-prefix-list-entries --prefix-list-id pl-… (saved as pl-….json)',
};

const EXPECTED = `the JSON output of one of: ${Object.values(COMMANDS).join(', ')}`;

/** Line and column (1-based) of a UTF-16 offset. */
function lineColumn(text: string, pos: number): string {
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  return `line ${line}, column ${pos - before.lastIndexOf('\n')}`;
}

/**
 * Parses one describe-* file and recognises its kind from its top-level key. A file that is not JSON (or is cut
 * short) is refused with the position; JSON of another kind is refused naming what was expected.
 *
 * @example parseDocument('sgs.json', '{"SecurityGroups": []}').kind // 'SecurityGroups'
 */
export function parseDocument(name: string, text: string): NetworkDocument {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const pos = jsonErrorOffset(text.replace(/^\uFEFF/, '')) ?? 0;
    const truncated = pos >= text.trimEnd().length;
    throw new SourceError(
      truncated ? 'NETWORK_TRUNCATED' : 'NETWORK_NOT_JSON',
      name,
      `${truncated ? 'the JSON ends early (truncated?)' : 'not valid JSON'} at ${lineColumn(text, pos)} (position ${pos}): ${msg.split('\n')[0]}`,
      `expected ${EXPECTED}; save it again with --output json`,
    );
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new SourceError('NETWORK_WRONG_KIND', name, 'the JSON is not an object', `expected ${EXPECTED}`);
  }
  const keys = Object.keys(json).filter((k) => k !== 'NextToken');
  const kind = KINDS.find((k) => keys.includes(k));
  if (kind === undefined) {
    throw new SourceError(
      'NETWORK_WRONG_KIND',
      name,
      `unrecognised top-level key${keys.length === 1 ? '' : 's'} ${keys.map((k) => `"${k}"`).join(', ') || '(none)'}`,
      `expected ${EXPECTED}`,
    );
  }
  if (!Array.isArray((json as Record<string, unknown>)[kind])) {
    throw new SourceError('NETWORK_BAD_FIELD', name, `"${kind}" is not a list`, `expected ${EXPECTED}`);
  }
  if (kind === 'Entries' && prefixListIdOf(name) === undefined) {
    throw new SourceError(
      'NETWORK_ENTRIES_NAME',
      name,
      'prefix-list entries, but the file name does not say which prefix list (pl-…)',
      'save get-managed-prefix-list-entries output as pl-<id>.json',
    );
  }
  return { name, kind, json };
}

function prefixListIdOf(name: string): string | undefined {
  return /pl-[0-9a-zA-Z]+/.exec(name.split(/[\\/]/).pop() ?? '')?.[0];
}

type Obj = Record<string, unknown>;

/** Field readers that name the document and path of anything out of shape. */
class Reader {
  constructor(
    private readonly doc: { readonly name: string; readonly kind?: Kind },
    private readonly hint?: string,
  ) {}
  fail(path: string, expected: string): never {
    throw new SourceError(
      'NETWORK_BAD_FIELD',
      this.doc.name,
      `${path}: expected ${expected}`,
      this.hint ?? `this does not look like ${this.doc.kind ? COMMANDS[this.doc.kind] : 'describe-*'} output`,
    );
  }
  list(o: Obj, key: string, path: string): Obj[] {
    const v = o[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail(`${path}.${key}`, 'a list');
    return v.map((x, i) => {
      if (x === null || typeof x !== 'object' || Array.isArray(x))
        this.fail(`${path}.${key}[${i}]`, 'an object');
      return x as Obj;
    });
  }
  str(o: Obj, key: string, path: string): string {
    const v = o[key];
    if (typeof v !== 'string' || v === '') this.fail(`${path}.${key}`, 'a string');
    return v;
  }
  optStr(o: Obj, key: string, path: string): string | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') this.fail(`${path}.${key}`, 'a string');
    return v;
  }
  optInt(o: Obj, key: string, path: string): number | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(`${path}.${key}`, 'an integer');
    return v;
  }
  obj(o: Obj, key: string, path: string): Obj | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(`${path}.${key}`, 'an object');
    return v as Obj;
  }
  cidr(o: Obj, key: string, path: string): Cidr {
    const text = this.str(o, key, path);
    return parseCidr(text) ?? this.fail(`${path}.${key}`, `a CIDR block, not "${text}"`);
  }
  protocol(o: Obj, key: string, path: string): number {
    const v = o[key];
    const text = typeof v === 'number' ? String(v) : v;
    if (typeof text !== 'string') this.fail(`${path}.${key}`, 'a protocol');
    const p = protocolNumber(text);
    return p ?? this.fail(`${path}.${key}`, `-1, tcp, udp, icmp, icmpv6 or a protocol number, not "${text}"`);
  }
}

const PROTOCOL_NAMES: Record<string, number> = { all: -1, tcp: 6, udp: 17, icmp: 1, icmpv6: 58 };

/** `-1`/`tcp`/`udp`/`icmp`/`icmpv6`/a number 0–255 → protocol number (-1 = all); undefined otherwise. */
export function protocolNumber(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (t in PROTOCOL_NAMES) return PROTOCOL_NAMES[t];
  if (t === '-1') return -1;
  if (/^\d{1,3}$/.test(t) && Number(t) <= 255) return Number(t);
  return undefined;
}

function tagName(r: Reader, o: Obj, path: string, key = 'Tags'): string | undefined {
  for (const t of r.list(o, key, path))
    if (t['Key'] === 'Name' && typeof t['Value'] === 'string') return t['Value'];
  return undefined;
}

function sgRules(r: Reader, groupId: string, perms: Obj[], egress: boolean, path: string): SgRule[] {
  const out: SgRule[] = [];
  perms.forEach((p, i) => {
    const at = `${path}[${i}]`;
    const protocol = r.protocol(p, 'IpProtocol', at);
    const from = r.optInt(p, 'FromPort', at);
    const to = r.optInt(p, 'ToPort', at);
    const base = { groupId, egress, protocol, from, to };
    const add = (peer: SgPeer, description: string | undefined): void => {
      out.push({ ...base, peer, description });
    };
    r.list(p, 'IpRanges', at).forEach((x, j) => {
      add(
        { kind: 'cidr', cidr: r.cidr(x, 'CidrIp', `${at}.IpRanges[${j}]`) },
        r.optStr(x, 'Description', at),
      );
    });
    r.list(p, 'Ipv6Ranges', at).forEach((x, j) => {
      add(
        { kind: 'cidr', cidr: r.cidr(x, 'CidrIpv6', `${at}.Ipv6Ranges[${j}]`) },
        r.optStr(x, 'Description', at),
      );
    });
    r.list(p, 'PrefixListIds', at).forEach((x, j) => {
      add(
        { kind: 'prefix-list', id: r.str(x, 'PrefixListId', `${at}.PrefixListIds[${j}]`) },
        r.optStr(x, 'Description', at),
      );
    });
    r.list(p, 'UserIdGroupPairs', at).forEach((x, j) => {
      add(
        { kind: 'group', id: r.str(x, 'GroupId', `${at}.UserIdGroupPairs[${j}]`) },
        r.optStr(x, 'Description', at),
      );
    });
  });
  return out;
}

/**
 * Reads security-group permissions in the EC2 API's shape (`IpPermissions[]`, as describe-security-groups prints
 * them and authorize-security-group-* takes them), one rule per permission × peer. Used for proposed changes, so
 * a change is read by the same code as a snapshot; errors name `source` and the path.
 *
 * @example readSgPermissions('change.json', 'sg-1', false, [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/8' }] }], 'IpPermissions', 'hint')
 */
export function readSgPermissions(
  source: string,
  groupId: string,
  egress: boolean,
  perms: unknown,
  path: string,
  hint: string,
): SgRule[] {
  const r = new Reader({ name: source }, hint);
  return sgRules(r, groupId, r.list({ p: perms }, 'p', path), egress, path);
}

/**
 * Reads one network ACL entry in the EC2 API's shape (`RuleNumber`, `Egress`, `Protocol`, `RuleAction`,
 * `CidrBlock`|`Ipv6CidrBlock`, `PortRange`, `IcmpTypeCode`), naming `source` and the path of anything out of shape.
 */
export function readAclEntry(
  source: string,
  entry: Record<string, unknown>,
  path: string,
  hint: string,
): AclEntry {
  return aclEntry(new Reader({ name: source }, hint), entry, path);
}

function aclEntry(r: Reader, e: Obj, at: string): AclEntry {
  const ruleNumber = r.optInt(e, 'RuleNumber', at) ?? r.fail(`${at}.RuleNumber`, 'an integer');
  const egress = e['Egress'];
  if (typeof egress !== 'boolean') r.fail(`${at}.Egress`, 'true or false');
  const action = r.str(e, 'RuleAction', at);
  if (action !== 'allow' && action !== 'deny') r.fail(`${at}.RuleAction`, '"allow" or "deny"');
  const cidr = e['CidrBlock'] !== undefined ? r.cidr(e, 'CidrBlock', at) : r.cidr(e, 'Ipv6CidrBlock', at);
  const ports = r.obj(e, 'PortRange', at);
  const icmp = r.obj(e, 'IcmpTypeCode', at);
  return {
    ruleNumber,
    egress,
    protocol: r.protocol(e, 'Protocol', at),
    action,
    cidr,
    portFrom: ports ? r.optInt(ports, 'From', `${at}.PortRange`) : undefined,
    portTo: ports ? r.optInt(ports, 'To', `${at}.PortRange`) : undefined,
    icmpType: icmp ? r.optInt(icmp, 'Type', `${at}.IcmpTypeCode`) : undefined,
    icmpCode: icmp ? r.optInt(icmp, 'Code', `${at}.IcmpTypeCode`) : undefined,
  };
}

/** An interface from describe-network-interfaces or an instance's NetworkInterfaces[] (same member names). */
function iface(r: Reader, n: Obj, at: string, instanceId?: string): Interface {
  const priv = new Set<string>();
  const primary = r.optStr(n, 'PrivateIpAddress', at);
  if (primary) priv.add(primary);
  const pub = new Set<string>();
  r.list(n, 'PrivateIpAddresses', at).forEach((p, i) => {
    const a = r.optStr(p, 'PrivateIpAddress', `${at}.PrivateIpAddresses[${i}]`);
    if (a) priv.add(a);
    const assoc = r.obj(p, 'Association', `${at}.PrivateIpAddresses[${i}]`);
    const ip = assoc ? r.optStr(assoc, 'PublicIp', `${at}.PrivateIpAddresses[${i}].Association`) : undefined;
    if (ip) pub.add(ip);
  });
  r.list(n, 'Ipv6Addresses', at).forEach((p, i) => {
    const a = r.optStr(p, 'Ipv6Address', `${at}.Ipv6Addresses[${i}]`);
    if (a) priv.add(a);
  });
  const assoc = r.obj(n, 'Association', at);
  const ip = assoc ? r.optStr(assoc, 'PublicIp', `${at}.Association`) : undefined;
  if (ip) pub.add(ip);
  const attachment = r.obj(n, 'Attachment', at);
  return {
    id: r.str(n, 'NetworkInterfaceId', at),
    subnetId: r.optStr(n, 'SubnetId', at),
    vpcId: r.optStr(n, 'VpcId', at),
    groupIds: r.list(n, 'Groups', at).map((g, i) => r.str(g, 'GroupId', `${at}.Groups[${i}]`)),
    privateAddresses: [...priv],
    publicAddresses: [...pub],
    instanceId:
      instanceId ?? (attachment ? r.optStr(attachment, 'InstanceId', `${at}.Attachment`) : undefined),
    type: r.optStr(n, 'InterfaceType', at),
    description: r.optStr(n, 'Description', at),
  };
}

/**
 * Builds the model from describe-* documents (any order; several files of one kind are merged, later ids win).
 *
 * @example buildModel([parseDocument('sg.json', text)]).securityGroups.size
 */
export function buildModel(docs: readonly NetworkDocument[]): NetworkModel {
  const securityGroups = new Map<string, SecurityGroup>();
  const acls = new Map<string, NetworkAcl>();
  const interfaces = new Map<string, Interface>();
  const fromInstances = new Map<string, Interface>();
  const subnets = new Map<string, Subnet>();
  const vpcs = new Map<string, Vpc>();
  const prefixLists = new Map<string, PrefixList>();
  const entries = new Map<string, Cidr[]>();
  const routeTables = new Map<string, RouteTable>();
  const instances = new Map<string, Instance>();
  const kinds = new Set<Kind>();
  for (const doc of docs) {
    const r = new Reader(doc);
    kinds.add(doc.kind);
    const items = r.list(doc.json as Obj, doc.kind, '');
    items.forEach((o, i) => {
      const at = `${doc.kind}[${i}]`;
      switch (doc.kind) {
        case 'SecurityGroups': {
          const id = r.str(o, 'GroupId', at);
          securityGroups.set(id, {
            id,
            name: r.optStr(o, 'GroupName', at) ?? id,
            vpcId: r.optStr(o, 'VpcId', at),
            inbound: sgRules(r, id, r.list(o, 'IpPermissions', at), false, `${at}.IpPermissions`),
            outbound: sgRules(r, id, r.list(o, 'IpPermissionsEgress', at), true, `${at}.IpPermissionsEgress`),
          });
          break;
        }
        case 'NetworkAcls': {
          const id = r.str(o, 'NetworkAclId', at);
          const all = r.list(o, 'Entries', at).map((e, j) => aclEntry(r, e, `${at}.Entries[${j}]`));
          const sorted = (egress: boolean) =>
            all.filter((e) => e.egress === egress).sort((a, b) => a.ruleNumber - b.ruleNumber);
          acls.set(id, {
            id,
            vpcId: r.optStr(o, 'VpcId', at),
            isDefault: o['IsDefault'] === true,
            subnetIds: r
              .list(o, 'Associations', at)
              .flatMap((a, j) => r.optStr(a, 'SubnetId', `${at}.Associations[${j}]`) ?? []),
            inbound: sorted(false),
            outbound: sorted(true),
          });
          break;
        }
        case 'NetworkInterfaces': {
          const n = iface(r, o, at);
          interfaces.set(n.id, n);
          break;
        }
        case 'Subnets': {
          const id = r.str(o, 'SubnetId', at);
          const cidrs = o['CidrBlock'] !== undefined ? [r.cidr(o, 'CidrBlock', at)] : [];
          r.list(o, 'Ipv6CidrBlockAssociationSet', at).forEach((a, j) => {
            cidrs.push(r.cidr(a, 'Ipv6CidrBlock', `${at}.Ipv6CidrBlockAssociationSet[${j}]`));
          });
          subnets.set(id, { id, vpcId: r.optStr(o, 'VpcId', at), cidrs, name: tagName(r, o, at) });
          break;
        }
        case 'Vpcs': {
          const id = r.str(o, 'VpcId', at);
          const cidrs: Cidr[] = [];
          r.list(o, 'CidrBlockAssociationSet', at).forEach((a, j) => {
            cidrs.push(r.cidr(a, 'CidrBlock', `${at}.CidrBlockAssociationSet[${j}]`));
          });
          if (cidrs.length === 0 && o['CidrBlock'] !== undefined) cidrs.push(r.cidr(o, 'CidrBlock', at));
          r.list(o, 'Ipv6CidrBlockAssociationSet', at).forEach((a, j) => {
            cidrs.push(r.cidr(a, 'Ipv6CidrBlock', `${at}.Ipv6CidrBlockAssociationSet[${j}]`));
          });
          vpcs.set(id, { id, cidrs });
          break;
        }
        case 'PrefixLists': {
          const id = r.str(o, 'PrefixListId', at);
          // describe-prefix-lists (AWS-managed gateway lists) carries Cidrs; a merged file may carry Entries.
          const listed = Array.isArray(o['Cidrs'])
            ? (o['Cidrs'] as unknown[]).map((c, j) =>
                typeof c === 'string' && parseCidr(c)
                  ? parseCidr(c)!
                  : r.fail(`${at}.Cidrs[${j}]`, 'a CIDR block'),
              )
            : o['Entries'] !== undefined
              ? r.list(o, 'Entries', at).map((e, j) => r.cidr(e, 'Cidr', `${at}.Entries[${j}]`))
              : undefined;
          prefixLists.set(id, { id, name: r.optStr(o, 'PrefixListName', at), cidrs: listed });
          break;
        }
        case 'Entries': {
          const id = prefixListIdOf(doc.name)!;
          entries.set(id, [...(entries.get(id) ?? []), r.cidr(o, 'Cidr', at)]);
          break;
        }
        case 'RouteTables': {
          const id = r.str(o, 'RouteTableId', at);
          const assoc = r.list(o, 'Associations', at);
          routeTables.set(id, {
            id,
            vpcId: r.optStr(o, 'VpcId', at),
            main: assoc.some((a) => a['Main'] === true),
            subnetIds: assoc.flatMap((a, j) => r.optStr(a, 'SubnetId', `${at}.Associations[${j}]`) ?? []),
            routes: r.list(o, 'Routes', at).map((rt) => ({
              destination: String(
                rt['DestinationCidrBlock'] ??
                  rt['DestinationIpv6CidrBlock'] ??
                  rt['DestinationPrefixListId'] ??
                  '?',
              ),
              target: String(
                rt['GatewayId'] ??
                  rt['NatGatewayId'] ??
                  rt['TransitGatewayId'] ??
                  rt['VpcPeeringConnectionId'] ??
                  rt['NetworkInterfaceId'] ??
                  rt['InstanceId'] ??
                  rt['EgressOnlyInternetGatewayId'] ??
                  '?',
              ),
              state: typeof rt['State'] === 'string' ? rt['State'] : undefined,
            })),
          });
          break;
        }
        case 'Reservations': {
          r.list(o, 'Instances', at).forEach((inst, j) => {
            const iat = `${at}.Instances[${j}]`;
            const id = r.str(inst, 'InstanceId', iat);
            const nics = r
              .list(inst, 'NetworkInterfaces', iat)
              .map((n, k) => iface(r, n, `${iat}.NetworkInterfaces[${k}]`, id));
            for (const n of nics) fromInstances.set(n.id, n);
            instances.set(id, { id, name: tagName(r, inst, iat), interfaceIds: nics.map((n) => n.id) });
          });
          break;
        }
        default: {
          const never: never = doc.kind;
          throw new Error(`unhandled kind ${String(never)}`);
        }
      }
    });
  }
  for (const [id, cidrs] of entries) {
    const pl = prefixLists.get(id);
    prefixLists.set(id, { id, name: pl?.name, cidrs });
  }
  // describe-instances fills in interfaces describe-network-interfaces did not list.
  for (const [id, n] of fromInstances) if (!interfaces.has(id)) interfaces.set(id, n);
  if (fromInstances.size > 0) kinds.add('NetworkInterfaces');
  return indexModel({
    securityGroups,
    acls,
    interfaces,
    subnets,
    vpcs,
    prefixLists,
    routeTables,
    instances,
    kinds,
  });
}

/** Rebuilds the indexes of a model whose security groups or network ACLs were replaced (what-if). */
export function indexModel(
  m: Omit<
    NetworkModel,
    | 'interfaceByAddress'
    | 'groupMembers'
    | 'aclBySubnet'
    | 'defaultAclByVpc'
    | 'routeTableBySubnet'
    | 'mainRouteTableByVpc'
  >,
): NetworkModel {
  const interfaceByAddress = new Map<string, Interface>();
  const groupMembers = new Map<string, Set<string>>();
  for (const n of m.interfaces.values()) {
    for (const a of [...n.privateAddresses, ...n.publicAddresses]) {
      const p = parseAddress(a);
      if (p) interfaceByAddress.set(addressKey(p), n);
    }
    const addrs = n.privateAddresses.flatMap((a) => {
      const p = parseAddress(a);
      return p ? [addressKey(p)] : [];
    });
    for (const g of n.groupIds) {
      const set = groupMembers.get(g) ?? new Set<string>();
      for (const a of addrs) set.add(a);
      groupMembers.set(g, set);
    }
  }
  const aclBySubnet = new Map<string, NetworkAcl>();
  const defaultAclByVpc = new Map<string, NetworkAcl>();
  for (const a of m.acls.values()) {
    for (const s of a.subnetIds) aclBySubnet.set(s, a);
    if (a.isDefault && a.vpcId) defaultAclByVpc.set(a.vpcId, a);
  }
  const routeTableBySubnet = new Map<string, RouteTable>();
  const mainRouteTableByVpc = new Map<string, RouteTable>();
  for (const t of m.routeTables.values()) {
    for (const s of t.subnetIds) routeTableBySubnet.set(s, t);
    if (t.main && t.vpcId) mainRouteTableByVpc.set(t.vpcId, t);
  }
  return {
    ...m,
    interfaceByAddress,
    groupMembers,
    aclBySubnet,
    defaultAclByVpc,
    routeTableBySubnet,
    mainRouteTableByVpc,
  };
}

// Judges one connection (client → server and its reply) against a network model: security groups stateful and
// allow-only, network ACLs stateless with first-match-wins by rule number, and names the deciding rule.

import { type Address, addressKey, type Cidr, contains, parseAddress, parseCidr } from './address.js';
import type {
  AclEntry,
  Interface,
  NetworkAcl,
  NetworkModel,
  Route,
  RouteTable,
  SgRule,
  Subnet,
} from './model.js';

/** A connection as its client opened it. ICMP type/code default to echo request/reply when unknown. */
export interface Connection {
  readonly client: string;
  readonly server: string;
  readonly clientPort: number;
  readonly serverPort: number;
  /** IANA protocol number. */
  readonly protocol: number;
  readonly icmpType?: number | undefined;
  readonly icmpCode?: number | undefined;
  /** The interface that logged the flow, when known: it must be in the snapshot. */
  readonly interfaceId?: string | undefined;
}

export type Decision = 'allow' | 'deny' | 'unknown';

/** One control on the path of one packet. */
export interface Step {
  readonly packet: 'request' | 'reply';
  readonly control: 'security-group' | 'network-acl' | 'route-table';
  readonly interfaceId: string;
  readonly boundary: 'inbound' | 'outbound';
  readonly decision: Decision;
  /** Security group ids (union), the network ACL id or the route table id. */
  readonly ids: readonly string[];
  /** The deciding rule in words ("acl-1 rule 90: deny icmp all to 0.0.0.0/0"), or what is missing. */
  readonly rule: string;
  /** The deciding ACL rule number (32767/32768 for the `*` entry). */
  readonly ruleNumber?: number | undefined;
  /** The traffic as the control saw it (`tcp/22`, `icmp type 0 code 0`). */
  readonly traffic: string;
  /** Reachability Analyzer's vocabulary: ENI_SG_RULES_MISMATCH, SUBNET_ACL_RESTRICTION, … */
  readonly code: string;
  /** The rule in words without the flow's addresses, when `rule` names them (rejects are grouped by it). */
  readonly groupRule?: string | undefined;
}

export interface Verdict {
  readonly decision: 'ACCEPT' | 'REJECT' | 'UNKNOWN';
  /** The first denying step on the path (request first, then reply). */
  readonly blocking: Step | undefined;
  readonly steps: readonly Step[];
  /** What the snapshot lacks or what was assumed. */
  readonly notes: readonly string[];
  /** Why nothing could be judged, without the flow's addresses (rejects are grouped by it). */
  readonly groupNote?: string | undefined;
}

const ICMP = 1;
const ICMPV6 = 58;
const TCP = 6;
const UDP = 17;

/** `tcp/22`, `udp/1024-65535`, `icmp 8/0`, `all`. */
export function describeTraffic(
  protocol: number,
  from: number | undefined,
  to: number | undefined,
  icmp: boolean,
): string {
  if (protocol === -1) return 'all traffic';
  const name =
    protocol === TCP
      ? 'tcp'
      : protocol === UDP
        ? 'udp'
        : protocol === ICMP
          ? 'icmp'
          : protocol === ICMPV6
            ? 'icmpv6'
            : `protocol ${protocol}`;
  if (protocol !== TCP && protocol !== UDP && !icmp) return name;
  if (icmp) {
    const t = from === undefined || from === -1 ? 'all types' : `type ${from}`;
    const c =
      to === undefined || to === -1 ? (from === undefined || from === -1 ? '' : ' all codes') : ` code ${to}`;
    return `${name} ${t}${c}`;
  }
  if (from === undefined || (from <= 0 && (to ?? 65535) >= 65535)) return `${name} all ports`;
  return from === to ? `${name}/${from}` : `${name}/${from}-${to}`;
}

/** The packet a control sees. */
interface Packet {
  readonly protocol: number;
  readonly remote: Address;
  /** Destination port (TCP/UDP) or ICMP type/code. */
  readonly port: number;
  readonly icmpType: number;
  readonly icmpCode: number;
  /** Its traffic in words, computed once when first needed. */
  readonly traffic: { text?: string };
}

function packetTraffic(p: Packet): string {
  if (p.traffic.text === undefined) {
    const icmp = isIcmp(p.protocol);
    p.traffic.text = describeTraffic(
      p.protocol,
      icmp ? p.icmpType : p.port,
      icmp ? p.icmpCode : p.port,
      icmp,
    );
  }
  return p.traffic.text;
}

function isIcmp(p: number): boolean {
  return p === ICMP || p === ICMPV6;
}

const ruleTexts = new WeakMap<object, string>();

/** A rule's words, built once per rule (explaining millions of records reuses them). */
function sgRuleText(r: SgRule): string {
  let t = ruleTexts.get(r);
  if (t === undefined) {
    t = sgRuleWords(r);
    ruleTexts.set(r, t);
  }
  return t;
}

function sgRuleWords(r: SgRule): string {
  const peer = r.peer.kind === 'cidr' ? r.peer.cidr.text : r.peer.id;
  return `${r.groupId} ${describeTraffic(r.protocol, r.from, r.to, isIcmp(r.protocol))} ${r.egress ? 'to' : 'from'} ${peer}`;
}

function aclEntryText(acl: NetworkAcl, e: AclEntry): string {
  let t = ruleTexts.get(e);
  if (t === undefined) {
    t = aclEntryWords(acl, e);
    ruleTexts.set(e, t);
  }
  return t;
}

function aclEntryWords(acl: NetworkAcl, e: AclEntry): string {
  const icmp = isIcmp(e.protocol);
  const what = describeTraffic(
    e.protocol,
    icmp ? e.icmpType : e.portFrom,
    icmp ? e.icmpCode : e.portTo,
    icmp,
  );
  const num = e.ruleNumber >= 32767 ? `* (${e.ruleNumber})` : String(e.ruleNumber);
  return `${acl.id} rule ${num}: ${e.action} ${what} ${e.egress ? 'to' : 'from'} ${e.cidr.text}`;
}

/** True when an SG rule's protocol and ports (or ICMP type/code) admit the packet. */
function sgTrafficMatches(r: SgRule, p: Packet): boolean {
  if (r.protocol === -1) return true;
  if (r.protocol !== p.protocol) return false;
  if (p.protocol === TCP || p.protocol === UDP) {
    if (r.from === undefined || r.to === undefined) return true;
    return p.port >= r.from && p.port <= r.to;
  }
  if (isIcmp(p.protocol)) {
    if (r.from === undefined || r.from === -1) return true;
    if (r.from !== p.icmpType) return false;
    return r.to === undefined || r.to === -1 || r.to === p.icmpCode;
  }
  return true; // other protocols: all ports regardless of the range given
}

/** Whether an SG rule's peer admits the remote address: true, false, or undefined when the snapshot cannot tell. */
function sgPeerMatches(m: NetworkModel, r: SgRule, remote: Address): boolean | undefined {
  switch (r.peer.kind) {
    case 'cidr':
      return contains(r.peer.cidr, remote);
    case 'prefix-list': {
      const cidrs = m.prefixLists.get(r.peer.id)?.cidrs;
      return cidrs === undefined ? undefined : cidrs.some((c) => contains(c, remote));
    }
    case 'group':
      return m.groupMembers.get(r.peer.id)?.has(addressKey(remote)) ?? false;
    default: {
      const never: never = r.peer;
      return never;
    }
  }
}

function aclMatches(e: AclEntry, p: Packet): boolean {
  if (!contains(e.cidr, p.remote)) return false;
  if (e.protocol === -1) return true;
  if (e.protocol !== p.protocol) return false;
  if (p.protocol === TCP || p.protocol === UDP) {
    if (e.portFrom === undefined || e.portTo === undefined) return true;
    return p.port >= e.portFrom && p.port <= e.portTo;
  }
  if (isIcmp(p.protocol)) {
    if (e.icmpType !== undefined && e.icmpType !== -1 && e.icmpType !== p.icmpType) return false;
    return e.icmpCode === undefined || e.icmpCode === -1 || e.icmpCode === p.icmpCode;
  }
  return true;
}

/** An interface's side of the path: its groups, subnet and network ACL. */
interface Side {
  readonly eni: Interface;
  readonly subnet: Subnet | undefined;
  readonly acl: NetworkAcl | undefined;
  readonly aclSource: 'association' | 'vpc default' | undefined;
  readonly routeTable: RouteTable | undefined;
}

function sideOf(m: NetworkModel, eni: Interface): Side {
  const subnet = eni.subnetId ? m.subnets.get(eni.subnetId) : undefined;
  const assoc = eni.subnetId ? m.aclBySubnet.get(eni.subnetId) : undefined;
  const vpcId = eni.vpcId ?? subnet?.vpcId;
  const def = assoc === undefined && vpcId ? m.defaultAclByVpc.get(vpcId) : undefined;
  const rt =
    (eni.subnetId ? m.routeTableBySubnet.get(eni.subnetId) : undefined) ??
    (vpcId ? m.mainRouteTableByVpc.get(vpcId) : undefined);
  return {
    eni,
    subnet,
    acl: assoc ?? def,
    aclSource: assoc ? 'association' : def ? 'vpc default' : undefined,
    routeTable: rt,
  };
}

function inSubnet(side: Side, a: Address): boolean {
  return side.subnet?.cidrs.some((c) => contains(c, a)) ?? false;
}

function sgStep(
  m: NetworkModel,
  side: Side,
  boundary: 'inbound' | 'outbound',
  p: Packet,
  remoteText: string,
): Step {
  const traffic = packetTraffic(p);
  const base = {
    packet: 'request' as const,
    control: 'security-group' as const,
    interfaceId: side.eni.id,
    boundary,
    ids: side.eni.groupIds,
    traffic,
  };
  let unknown: string | undefined;
  const missing: string[] = [];
  for (const gid of side.eni.groupIds) {
    const g = m.securityGroups.get(gid);
    if (g === undefined) {
      missing.push(gid);
      continue;
    }
    for (const r of boundary === 'inbound' ? g.inbound : g.outbound) {
      if (!sgTrafficMatches(r, p)) continue;
      const peer = sgPeerMatches(m, r, p.remote);
      if (peer === true) return { ...base, decision: 'allow', rule: sgRuleText(r), code: 'SG_RULE_ALLOWS' };
      if (peer === undefined) unknown ??= `${sgRuleText(r)} (prefix list entries not in the snapshot)`;
    }
  }
  const dir = boundary === 'inbound' ? `from ${remoteText}` : `to ${remoteText}`;
  if (unknown !== undefined)
    return {
      ...base,
      decision: 'unknown',
      rule: `might be allowed by ${unknown}`,
      code: 'PREFIX_LIST_UNKNOWN',
    };
  if (missing.length > 0 && missing.length === side.eni.groupIds.length)
    return {
      ...base,
      decision: 'unknown',
      rule: `security group${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not in the snapshot`,
      code: 'SG_MISSING',
    };
  const groups =
    side.eni.groupIds.length === 0 ? 'the interface has no security group' : side.eni.groupIds.join(', ');
  const none = side.eni.groupIds.every((g) => {
    const sg = m.securityGroups.get(g);
    return sg !== undefined && (boundary === 'inbound' ? sg.inbound : sg.outbound).length === 0;
  });
  return {
    ...base,
    decision: 'deny',
    rule: `no ${boundary} rule of ${groups} allows ${traffic} ${dir}${missing.length ? ` (also not in the snapshot: ${missing.join(', ')})` : ''}`,
    code: none ? 'SG_HAS_NO_RULES' : 'ENI_SG_RULES_MISMATCH',
  };
}

function aclStep(side: Side, boundary: 'inbound' | 'outbound', packet: 'request' | 'reply', p: Packet): Step {
  const acl = side.acl;
  const base = {
    packet,
    control: 'network-acl' as const,
    interfaceId: side.eni.id,
    boundary,
    traffic: packetTraffic(p),
  };
  if (acl === undefined)
    return {
      ...base,
      ids: [],
      decision: 'unknown',
      rule: `no network ACL of subnet ${side.eni.subnetId ?? '?'} (nor a default one of its VPC) in the snapshot`,
      code: 'ACL_MISSING',
    };
  for (const e of boundary === 'inbound' ? acl.inbound : acl.outbound) {
    if (!aclMatches(e, p)) continue;
    return {
      ...base,
      ids: [acl.id],
      decision: e.action === 'allow' ? 'allow' : 'deny',
      rule: aclEntryText(acl, e),
      ruleNumber: e.ruleNumber,
      code: e.action === 'allow' ? 'ACL_RULE_ALLOWS' : 'SUBNET_ACL_RESTRICTION',
    };
  }
  const star = p.remote.v6 ? 32768 : 32767;
  return {
    ...base,
    ids: [acl.id],
    decision: 'deny',
    rule: `${acl.id} rule * (${star}): deny all (no ${boundary} entry matched)`,
    ruleNumber: star,
    code: 'SUBNET_ACL_RESTRICTION',
  };
}

/** The blocks a route's destination covers: its CIDR, or its prefix list's entries (undefined when unknown). */
function routeBlocks(m: NetworkModel, r: Route): readonly Cidr[] | undefined {
  if (r.destination.startsWith('pl-')) return m.prefixLists.get(r.destination)?.cidrs;
  const c = parseCidr(r.destination);
  return c ? [c] : [];
}

/**
 * The route a packet leaving a subnet takes: longest prefix match over the subnet's route table (its association,
 * else the VPC's main table). No route, or a blackhole one, drops it. Only judged when the snapshot has route tables.
 */
function routeStep(
  m: NetworkModel,
  side: Side,
  packet: 'request' | 'reply',
  p: Packet,
  destText: string,
): Step | undefined {
  if (!m.kinds.has('RouteTables')) return undefined;
  const rt = side.routeTable;
  const base = {
    packet,
    control: 'route-table' as const,
    interfaceId: side.eni.id,
    boundary: 'outbound' as const,
    traffic: packetTraffic(p),
  };
  if (rt === undefined)
    return {
      ...base,
      ids: [],
      decision: 'unknown',
      rule: `no route table of subnet ${side.eni.subnetId ?? '?'} (nor a main one of its VPC) in the snapshot`,
      code: 'ROUTE_TABLE_MISSING',
    };
  let best: { route: Route; bits: number } | undefined;
  let unknown: Route | undefined;
  for (const r of rt.routes) {
    const blocks = routeBlocks(m, r);
    if (blocks === undefined) {
      unknown ??= r;
      continue;
    }
    for (const c of blocks)
      if (contains(c, p.remote) && (best === undefined || c.bits > best.bits))
        best = { route: r, bits: c.bits };
  }
  if (best === undefined && unknown !== undefined)
    return {
      ...base,
      ids: [rt.id],
      decision: 'unknown',
      rule: `${rt.id} might route ${destText} by ${unknown.destination} (prefix list entries not in the snapshot)`,
      groupRule: `${rt.id} might route the destination by ${unknown.destination} (prefix list entries not in the snapshot)`,
      code: 'PREFIX_LIST_UNKNOWN',
    };
  if (best === undefined)
    return {
      ...base,
      ids: [rt.id],
      decision: 'deny',
      rule: `${rt.id}: no route to ${destText}`,
      groupRule: `${rt.id}: no route to the destination`,
      code: 'NO_ROUTE_TO_DESTINATION',
    };
  const r = best.route;
  if (r.state === 'blackhole')
    return {
      ...base,
      ids: [rt.id],
      decision: 'deny',
      rule: `${rt.id} route ${r.destination} → ${r.target} is a blackhole (its target is gone)`,
      code: 'BAD_STATE_ROUTE',
    };
  return {
    ...base,
    ids: [rt.id],
    decision: 'allow',
    rule: `${rt.id} route ${r.destination} → ${r.target}`,
    code: 'ROUTE_ALLOWS',
  };
}

/**
 * Judges a connection and its reply against the model, in path order: client SGs outbound, client subnet ACL
 * outbound, server subnet ACL inbound, server SGs inbound; then the reply through the server's ACL outbound and
 * the client's ACL inbound (SGs let replies of an allowed request through). Only the sides whose interface is in
 * the snapshot are judged; ACLs only when the packet crosses the subnet boundary.
 *
 * @example evaluate(model, { client: '203.0.113.9', server: '10.0.1.5', clientPort: 50000, serverPort: 22, protocol: 6 })
 */
export function evaluate(m: NetworkModel, c: Connection): Verdict {
  const notes: string[] = [];
  const client = parseAddress(c.client);
  const server = parseAddress(c.server);
  if (client === undefined || server === undefined) {
    return {
      decision: 'UNKNOWN',
      blocking: undefined,
      steps: [],
      notes: [`${c.client} or ${c.server} is not an IP address`],
      groupNote: 'the source or destination is not an IP address',
    };
  }
  if (c.interfaceId !== undefined && !m.interfaces.has(c.interfaceId)) {
    return {
      decision: 'UNKNOWN',
      blocking: undefined,
      steps: [],
      notes: [
        `interface ${c.interfaceId} is not in the snapshot: cannot tell its security groups or subnet (load aws ec2 describe-network-interfaces output that includes it)`,
      ],
    };
  }
  let cEni = m.interfaceByAddress.get(addressKey(client));
  let sEni = m.interfaceByAddress.get(addressKey(server));
  if (c.interfaceId !== undefined) {
    const logged = m.interfaces.get(c.interfaceId)!;
    if (cEni?.id !== logged.id && sEni?.id !== logged.id) {
      notes.push(
        `interface ${logged.id} has neither ${c.client} nor ${c.server} (a NAT gateway, transit gateway or secondary address?): judged as the ${sEni ? 'client' : 'server'} side`,
      );
      if (sEni) cEni = logged;
      else sEni = logged;
    }
  }
  if (cEni === undefined && sEni === undefined) {
    return {
      decision: 'UNKNOWN',
      blocking: undefined,
      steps: [],
      notes: [
        `no interface in the snapshot has ${c.client} or ${c.server}: nothing to judge the flow against`,
      ],
      groupNote: 'no interface in the snapshot has the source or destination address',
    };
  }
  const icmp = isIcmp(c.protocol);
  const reqType = c.icmpType ?? (c.protocol === ICMPV6 ? 128 : 8);
  const reqCode = c.icmpCode ?? 0;
  const repType = c.protocol === ICMPV6 ? (reqType === 128 ? 129 : reqType) : reqType === 8 ? 0 : reqType;
  if (icmp && c.icmpType === undefined)
    notes.push(
      `ICMP type/code are not in flow logs: assumed echo request (${reqType}/0) and echo reply (${repType}/0)`,
    );
  // ICMP messages other than echo (errors such as type 3 code 4) get no reply to judge.
  const replies = !icmp || reqType === 8 || reqType === 128;
  const pkt = (remote: Address, port: number, type: number, code: number): Packet => ({
    protocol: c.protocol,
    remote,
    port,
    icmpType: type,
    icmpCode: code,
    traffic: {},
  });
  const steps: Step[] = [];
  const cSide = cEni ? sideOf(m, cEni) : undefined;
  const sSide = sEni ? sideOf(m, sEni) : undefined;
  const sameSubnet = cEni?.subnetId !== undefined && cEni.subnetId === sEni?.subnetId;
  const crosses = (side: Side, remote: Address) => !sameSubnet && !inSubnet(side, remote);
  const toServer = pkt(server, c.serverPort, reqType, reqCode);
  const toClient = pkt(client, c.clientPort, repType, reqCode);
  const fromClient = pkt(client, c.serverPort, reqType, reqCode);
  const fromServer = pkt(server, c.clientPort, repType, reqCode);
  const push = (s: Step | undefined) => {
    if (s) steps.push(s);
  };
  if (cSide) {
    steps.push(sgStep(m, cSide, 'outbound', toServer, c.server));
    if (crosses(cSide, server)) {
      push(routeStep(m, cSide, 'request', toServer, c.server));
      steps.push(aclStep(cSide, 'outbound', 'request', toServer));
    }
  }
  if (sSide) {
    if (crosses(sSide, client)) steps.push(aclStep(sSide, 'inbound', 'request', fromClient));
    steps.push(sgStep(m, sSide, 'inbound', fromClient, c.client));
    if (replies && crosses(sSide, client)) {
      push(routeStep(m, sSide, 'reply', toClient, c.client));
      steps.push(aclStep(sSide, 'outbound', 'reply', toClient));
    }
  }
  if (replies && cSide && crosses(cSide, server)) steps.push(aclStep(cSide, 'inbound', 'reply', fromServer));
  if (!replies) notes.push(`ICMP type ${reqType} has no reply: only the request is judged`);
  if (sameSubnet) notes.push(`both ends are in ${cEni?.subnetId}: network ACLs do not apply within a subnet`);
  for (const side of [cSide, sSide]) {
    if (side?.acl && side.aclSource === 'vpc default')
      notes.push(
        `${side.eni.subnetId} has no explicit ACL association: the VPC's default network ACL ${side.acl.id} applies`,
      );
    if (side && side.subnet === undefined && side.eni.subnetId)
      notes.push(
        `subnet ${side.eni.subnetId} is not in the snapshot: assumed the peer is outside it (load describe-subnets)`,
      );
  }
  if (!cSide)
    notes.push(`${c.client} is not an interface in the snapshot: only the ${c.server} side is judged`);
  if (!sSide)
    notes.push(`${c.server} is not an interface in the snapshot: only the ${c.client} side is judged`);
  const blocking = steps.find((s) => s.decision === 'deny');
  if (blocking?.control === 'route-table')
    notes.push(
      'a routing drop is not a security-group or ACL decision: flow logs may show no REJECT for it, only a request without an answer',
    );
  const unknown = steps.some((s) => s.decision === 'unknown');
  return { decision: blocking ? 'REJECT' : unknown ? 'UNKNOWN' : 'ACCEPT', blocking, steps, notes };
}

/**
 * Every rule of `groupIds` in one direction that admits a packet (least privilege credits one of them): the same
 * matching as {@link evaluate}. A prefix-list rule whose entries are not in the snapshot is left out.
 *
 * @example sgRulesAllowing(model, ['sg-1'], 'inbound', { protocol: 6, remote: '203.0.113.7', port: 22 })
 */
export function sgRulesAllowing(
  m: NetworkModel,
  groupIds: readonly string[],
  boundary: 'inbound' | 'outbound',
  packet: {
    readonly protocol: number;
    readonly remote: string;
    readonly port: number;
    readonly icmpType?: number;
    readonly icmpCode?: number;
  },
): SgRule[] {
  const remote = parseAddress(packet.remote);
  if (remote === undefined) return [];
  const p: Packet = {
    protocol: packet.protocol,
    remote,
    port: packet.port,
    icmpType: packet.icmpType ?? (packet.protocol === ICMPV6 ? 128 : 8),
    icmpCode: packet.icmpCode ?? 0,
    traffic: {},
  };
  const out: SgRule[] = [];
  for (const gid of groupIds) {
    const g = m.securityGroups.get(gid);
    if (g === undefined) continue;
    for (const r of boundary === 'inbound' ? g.inbound : g.outbound)
      if (sgTrafficMatches(r, p) && sgPeerMatches(m, r, remote) === true) out.push(r);
  }
  return out;
}

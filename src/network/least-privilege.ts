// Least privilege from evidence: for each security-group rule, the accepted flows it carried in a period and the
// rules that carried none, then a tightened rule set that still admits every observed accepted flow (addresses
// narrowed to the peers seen, port ranges to the ports seen), each proposal with the flows that justify it.

import {
  type Address,
  addressKey,
  type Cidr,
  contains,
  formatAddress,
  parseAddress,
  parseCidr,
} from './address.js';
import { type Operation, sameRule } from './change.js';
import { ipProtocolName, permissionShorthand } from './change-render.js';
import { describeTraffic, sgRulesAllowing } from './evaluate.js';
import { explainRecord } from './explain.js';
import type { NetworkModel, SgPeer, SgRule } from './model.js';
import type { FlowGroup } from './what-if.js';

/** Up to this many distinct peers become /32 (/128) rules; more share their smallest covering block. */
export const MAX_HOSTS = 5;
/** Up to this many runs of observed ports stay separate ranges; more become one range from lowest to highest. */
export const MAX_PORT_RANGES = 5;
/** Flows kept per rule as evidence. */
const EXAMPLES = 3;

/** What one rule carried. */
export interface RuleUsage {
  readonly rule: SgRule;
  /** `tcp/22 from 0.0.0.0/0` (the group and direction are given apart). */
  readonly text: string;
  /** Distinct (client, server, server port, protocol) it carried, and their records. */
  flows: number;
  records: number;
  first: number | undefined;
  last: number | undefined;
  /** Flows it also admitted that a more specific rule was credited with. */
  shadowedFlows: number;
  readonly peers: Map<string, Address>;
  /** Observed server ports per protocol (ports only for tcp/udp). */
  readonly ports: Map<number, Set<number>>;
  readonly examples: string[];
  /** The rules that replace it (empty: revoke; [rule]: keep as is). */
  proposed: SgRule[];
  status: 'used' | 'never used';
  /** Why the proposal is what it is. */
  reason: string;
}

export interface GroupUsage {
  readonly groupId: string;
  readonly name: string;
  readonly rules: RuleUsage[];
  /** Interfaces carrying the group with no accepted record in the period (their traffic is not evidence). */
  readonly silentInterfaces: string[];
  /** authorize (new, narrower rules) first, then revoke: applied in this order no observed flow is cut. */
  readonly operations: Operation[];
}

export interface LeastPrivilege {
  readonly groups: GroupUsage[];
  /** Accepted records judged, and those the snapshot does not accept (not attributed to any rule). */
  readonly judged: number;
  readonly notExplained: number;
}

/** How many addresses a rule's peer admits (smaller = more specific); Infinity when unknown. */
function peerSize(m: NetworkModel, p: SgPeer): number {
  switch (p.kind) {
    case 'cidr':
      return 2 ** ((p.cidr.v6 ? 128 : 32) - p.cidr.bits);
    case 'group':
      return m.groupMembers.get(p.id)?.size ?? Number.POSITIVE_INFINITY;
    case 'prefix-list':
      return (
        m.prefixLists.get(p.id)?.cidrs?.reduce((n, c) => n + 2 ** ((c.v6 ? 128 : 32) - c.bits), 0) ??
        Number.POSITIVE_INFINITY
      );
    default: {
      const never: never = p;
      return never;
    }
  }
}

function portSpan(r: SgRule): number {
  if (r.protocol === -1) return 65536 * 256;
  if (r.from === undefined || r.to === undefined || r.from < 0) return 65536;
  return r.to - r.from + 1;
}

/**
 * Of several rules admitting the same flow, the one credited with it: the fewest addresses, then the fewest ports,
 * then the first in the snapshot. The others "also allowed" it and are not kept for its sake.
 */
function mostSpecific(m: NetworkModel, rules: readonly SgRule[]): SgRule {
  let best = rules[0]!;
  for (const r of rules.slice(1)) {
    const a = peerSize(m, r.peer);
    const b = peerSize(m, best.peer);
    if (a < b || (a === b && portSpan(r) < portSpan(best))) best = r;
  }
  return best;
}

/** Contiguous runs of sorted ports, at most `max` of them (else one range). */
function portRuns(ports: Iterable<number>, max: number): [number, number][] {
  const sorted = [...new Set(ports)].sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (const p of sorted) {
    const last = runs[runs.length - 1];
    if (last && p === last[1] + 1) last[1] = p;
    else runs.push([p, p]);
  }
  return runs.length > max ? [[sorted[0]!, sorted[sorted.length - 1]!]] : runs;
}

/** The smallest block holding every address (all of one family). */
export function coveringCidr(addrs: readonly Address[]): Cidr {
  const first = addrs[0]!;
  if (!first.v6) {
    const ns = addrs.map((a) => a.n as number);
    const lo = Math.min(...ns);
    const hi = Math.max(...ns);
    const diff = (lo ^ hi) >>> 0;
    const bits = diff === 0 ? 32 : Math.clz32(diff);
    const size = 2 ** (32 - bits);
    const base = Math.floor(lo / size) * size;
    return parseCidr(`${formatAddress({ v6: false, n: base })}/${bits}`)!;
  }
  const ns = addrs.map((a) => a.n as bigint);
  let lo = ns[0]!;
  let hi = ns[0]!;
  for (const n of ns) {
    if (n < lo) lo = n;
    if (n > hi) hi = n;
  }
  let bits = 128;
  while (bits > 0 && lo >> BigInt(128 - bits) !== hi >> BigInt(128 - bits)) bits--;
  const base = bits === 0 ? 0n : (lo >> BigInt(128 - bits)) << BigInt(128 - bits);
  return parseCidr(`${formatAddress({ v6: true, n: base })}/${bits}`)!;
}

function ruleText(r: SgRule): string {
  const icmp = r.protocol === 1 || r.protocol === 58;
  return `${describeTraffic(r.protocol, r.from, r.to, icmp)} ${r.egress ? 'to' : 'from'} ${r.peer.kind === 'cidr' ? r.peer.cidr.text : r.peer.id}`;
}

/** Narrowed peers of a rule: the observed hosts, their covering block, or the rule's own peer. */
function narrowPeers(u: RuleUsage): { peers: SgPeer[]; why: string } {
  const p = u.rule.peer;
  if (p.kind !== 'cidr') return { peers: [p], why: `${p.id} kept (membership is already narrow)` };
  const seen = [...u.peers.values()].filter((a) => a.v6 === p.cidr.v6 && contains(p.cidr, a));
  const host = p.cidr.v6 ? 128 : 32;
  if (seen.length === 0 || p.cidr.bits === host) return { peers: [p], why: `${p.cidr.text} kept` };
  if (seen.length <= MAX_HOSTS)
    return {
      peers: seen
        .sort((a, b) => (a.n < b.n ? -1 : 1))
        .map((a) => ({ kind: 'cidr', cidr: parseCidr(`${formatAddress(a)}/${host}`)! })),
      why: `${seen.length} address${seen.length === 1 ? '' : 'es'} seen`,
    };
  const cover = coveringCidr(seen);
  if (cover.bits <= p.cidr.bits)
    return { peers: [p], why: `${seen.length} addresses seen across ${p.cidr.text}` };
  return {
    peers: [{ kind: 'cidr', cidr: cover }],
    why: `${seen.length} addresses seen, all in ${cover.text}`,
  };
}

/** Narrowed protocol/port parts of a rule: the observed protocols and ports within it. */
function narrowTraffic(u: RuleUsage): { parts: Pick<SgRule, 'protocol' | 'from' | 'to'>[]; why: string } {
  const r = u.rule;
  const parts: Pick<SgRule, 'protocol' | 'from' | 'to'>[] = [];
  const notes: string[] = [];
  if (r.protocol === 1 || r.protocol === 58 || (r.protocol !== -1 && r.protocol !== 6 && r.protocol !== 17))
    return { parts: [{ protocol: r.protocol, from: r.from, to: r.to }], why: '' };
  for (const [proto, ports] of [...u.ports.entries()].sort((a, b) => a[0] - b[0])) {
    if (r.protocol !== -1 && proto !== r.protocol) continue;
    if (proto === 6 || proto === 17) {
      const runs = portRuns(ports, MAX_PORT_RANGES);
      for (const [from, to] of runs) parts.push({ protocol: proto, from, to });
      notes.push(
        `${ipProtocolName(proto)} port${ports.size === 1 ? '' : 's'} ${[...ports]
          .sort((a, b) => a - b)
          .slice(0, 8)
          .join(', ')}${ports.size > 8 ? ', …' : ''} seen`,
      );
    } else if (proto === 1 || proto === 58) {
      parts.push({ protocol: proto, from: -1, to: -1 });
      notes.push(`${ipProtocolName(proto)} seen (types are not in flow logs: all kept)`);
    } else {
      parts.push({ protocol: proto, from: undefined, to: undefined });
      notes.push(`protocol ${proto} seen`);
    }
  }
  return { parts, why: notes.join('; ') };
}

function propose(u: RuleUsage): void {
  if (u.flows === 0) {
    u.status = 'never used';
    u.proposed = [];
    u.reason =
      u.shadowedFlows > 0
        ? `carried no flow a more specific rule did not (${u.shadowedFlows} flow${u.shadowedFlows === 1 ? '' : 's'} also allowed by it): revoke`
        : 'no accepted flow in the period: revoke';
    return;
  }
  u.status = 'used';
  const { peers, why: peerWhy } = narrowPeers(u);
  const { parts, why: portWhy } = narrowTraffic(u);
  const proposed: SgRule[] = [];
  for (const part of parts)
    for (const peer of peers) proposed.push({ ...u.rule, ...part, peer, description: undefined });
  if (proposed.length === 1 && sameRule(proposed[0]!, u.rule)) {
    u.proposed = [u.rule];
    u.reason = 'already as narrow as the traffic seen: keep';
    return;
  }
  u.proposed = proposed;
  u.reason = `narrow to what was seen: ${[peerWhy, portWhy].filter(Boolean).join('; ')}`;
}

/**
 * Credits every accepted flow to the security-group rule(s) that admitted it and proposes a tightened rule set.
 * A flow admitted by several rules of the interface's groups is credited to the most specific one only (fewest
 * addresses, then fewest ports); the others count it as "also allowed". Both ends of a connection are credited
 * when both interfaces are in the snapshot (client outbound, server inbound).
 *
 * @example leastPrivilege(model, acceptedFlows, new Set(['sg-0web'])).groups[0].rules
 */
export function leastPrivilege(
  m: NetworkModel,
  flows: Iterable<FlowGroup>,
  only?: ReadonlySet<string>,
): LeastPrivilege {
  const usage = new Map<SgRule, RuleUsage>();
  const seenFlows = new Map<SgRule, Set<string>>();
  const shadowSeen = new Map<SgRule, Set<string>>();
  const activeEnis = new Set<string>();
  for (const g of m.securityGroups.values()) {
    if (only && !only.has(g.id)) continue;
    for (const r of [...g.inbound, ...g.outbound])
      usage.set(r, {
        rule: r,
        text: ruleText(r),
        flows: 0,
        records: 0,
        first: undefined,
        last: undefined,
        shadowedFlows: 0,
        peers: new Map(),
        ports: new Map(),
        examples: [],
        proposed: [r],
        status: 'used',
        reason: '',
      });
  }
  let judged = 0;
  let notExplained = 0;
  for (const f of flows) {
    if (f.record.action !== 'ACCEPT') continue;
    judged += f.records;
    if (f.record.interfaceId) activeEnis.add(f.record.interfaceId);
    const e = explainRecord(m, f.record);
    if (e.verdict.decision !== 'ACCEPT') {
      notExplained += f.records;
      continue;
    }
    const c = e.connection;
    const flowKey = `${c.client}|${c.server}|${c.serverPort}|${c.protocol}`;
    const flowText = `${c.client} → ${c.server} ${c.protocol === 6 || c.protocol === 17 ? `${ipProtocolName(c.protocol)}/${c.serverPort}` : ipProtocolName(c.protocol)}`;
    for (const s of e.verdict.steps) {
      if (s.control !== 'security-group' || s.decision !== 'allow') continue;
      const eni = m.interfaces.get(s.interfaceId);
      if (eni === undefined) continue;
      const remote = s.boundary === 'inbound' ? c.client : c.server;
      const rules = sgRulesAllowing(m, eni.groupIds, s.boundary, {
        protocol: c.protocol,
        remote,
        port: c.serverPort,
        ...(c.icmpType !== undefined ? { icmpType: c.icmpType } : {}),
        ...(c.icmpCode !== undefined ? { icmpCode: c.icmpCode } : {}),
      });
      if (rules.length === 0) continue;
      const credited = mostSpecific(m, rules);
      for (const r of rules) {
        const u = usage.get(r);
        if (u === undefined) continue;
        if (r !== credited) {
          const seen = shadowSeen.get(r) ?? new Set<string>();
          if (!seen.has(flowKey)) u.shadowedFlows += 1;
          seen.add(flowKey);
          shadowSeen.set(r, seen);
          continue;
        }
        const seen = seenFlows.get(r) ?? new Set<string>();
        if (!seen.has(flowKey)) {
          u.flows += 1;
          if (u.examples.length < EXAMPLES) u.examples.push(flowText);
        }
        seen.add(flowKey);
        seenFlows.set(r, seen);
        u.records += f.records;
        u.first = u.first === undefined ? f.first : Math.min(u.first, f.first);
        u.last = u.last === undefined ? f.last : Math.max(u.last, f.last);
        const a = parseAddress(remote);
        if (a) u.peers.set(addressKey(a), a);
        const ports = u.ports.get(c.protocol) ?? new Set<number>();
        if (c.protocol === 6 || c.protocol === 17) ports.add(c.serverPort);
        u.ports.set(c.protocol, ports);
      }
    }
  }
  const groups: GroupUsage[] = [];
  for (const g of [...m.securityGroups.values()].sort((a, b) => a.id.localeCompare(b.id))) {
    if (only && !only.has(g.id)) continue;
    const rules = [...g.inbound, ...g.outbound].map((r) => usage.get(r)!);
    for (const u of rules) propose(u);
    const existing = [...g.inbound, ...g.outbound];
    const kept = rules.filter((u) => u.proposed.length === 1 && u.proposed[0] === u.rule).map((u) => u.rule);
    const changed = rules.filter((u) => !kept.includes(u.rule));
    const wanted: SgRule[] = [];
    for (const u of changed)
      for (const p of u.proposed)
        if (!kept.some((x) => sameRule(x, p)) && !wanted.some((x) => sameRule(x, p))) wanted.push(p);
    // a rule equal to a wanted one stays rather than being revoked and authorized again
    const keptRevokes = changed.map((u) => u.rule).filter((r) => !wanted.some((w) => sameRule(w, r)));
    const adds = wanted.filter((w) => !existing.some((x) => sameRule(x, w)));
    const operations: Operation[] = [
      ...adds.map((rule): Operation => ({ op: 'authorize-sg', groupId: g.id, rule })),
      ...keptRevokes.map((rule): Operation => ({ op: 'revoke-sg', groupId: g.id, rule })),
    ];
    const silentInterfaces = [...m.interfaces.values()]
      .filter((n) => n.groupIds.includes(g.id) && !activeEnis.has(n.id))
      .map((n) => n.id)
      .sort();
    groups.push({ groupId: g.id, name: g.name, rules, silentInterfaces, operations });
  }
  return { groups, judged, notExplained };
}

/** A proposed rule in words (`tcp/22 from 203.0.113.7/32`). */
export function proposalText(r: SgRule): string {
  return ruleText(r);
}

/** The IpPermissions shorthand of a rule (for JSON output). */
export function ruleShorthand(r: SgRule): string {
  return permissionShorthand(r);
}

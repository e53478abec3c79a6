// What a change would do to real traffic: every stored flow of a period judged against a snapshot before and after
// the change, and the ones whose verdict moves (rejects that become accepted, accepted flows a tightening would
// now reject, rejects that stay rejected by another rule), grouped with counts.

import { addressKey, parseAddress } from './address.js';
import { type Connection, sgRulesAllowing } from './evaluate.js';
import { explainRecord, type FlowRecord } from './explain.js';
import type { NetworkModel, SgRule } from './model.js';

/** A stored flow (records sharing every field a verdict depends on) with how many records and when. */
export interface FlowGroup {
  readonly record: FlowRecord;
  readonly records: number;
  readonly first: number;
  readonly last: number;
}

export type Transition = 'becomes-accepted' | 'becomes-rejected' | 'rejected-elsewhere';

/** Flows of one transition sharing a connection (client → server, server port, protocol). */
export interface WhatIfGroup {
  readonly transition: Transition;
  /** `203.0.113.7 → 10.0.2.20 tcp/22`. */
  readonly flow: string;
  /** The deciding rule before and after (the blocking rule, or "accepted"). */
  readonly before: string;
  readonly after: string;
  records: number;
  distinctFlows: number;
  /** Records of untracked connections (cut at once by a tightening; tracked ones survive until they close). */
  untrackedRecords: number;
  first: number;
  last: number;
}

export interface WhatIfResult {
  readonly judged: { records: number; rejects: number; accepts: number };
  readonly groups: readonly WhatIfGroup[];
  /** Records per transition. */
  readonly totals: Record<Transition, number>;
}

function protoText(p: number, port: number): string {
  return p === 6
    ? `tcp/${port}`
    : p === 17
      ? `udp/${port}`
      : p === 1
        ? 'icmp'
        : p === 58
          ? 'icmpv6'
          : `protocol ${p}`;
}

/**
 * Judges each flow against `before` and `after` (the same snapshot with the change applied). A logged REJECT that
 * the snapshot rejects and the changed one accepts "becomes accepted"; a logged ACCEPT the snapshot accepts and the
 * changed one rejects "becomes rejected"; a REJECT still rejected but by another rule is "rejected elsewhere" (the
 * fix opened one control, the next one on the path still blocks). Flows the snapshot already disagrees with the
 * log about are not attributed to the change.
 *
 * @example whatIf(model, applyChange(model, ops), groups).totals['becomes-accepted']
 */
export function whatIf(before: NetworkModel, after: NetworkModel, flows: Iterable<FlowGroup>): WhatIfResult {
  const judged = { records: 0, rejects: 0, accepts: 0 };
  const totals: Record<Transition, number> = {
    'becomes-accepted': 0,
    'becomes-rejected': 0,
    'rejected-elsewhere': 0,
  };
  const groups = new Map<string, WhatIfGroup>();
  for (const f of flows) {
    const logged = f.record.action;
    judged.records += f.records;
    if (logged === 'REJECT') judged.rejects += f.records;
    else if (logged === 'ACCEPT') judged.accepts += f.records;
    else continue;
    const b = explainRecord(before, f.record);
    const bd = b.verdict.decision;
    if (logged === 'REJECT' && f.record.rejectReason === 'BPA') continue;
    if ((logged === 'REJECT' && bd !== 'REJECT') || (logged === 'ACCEPT' && bd !== 'ACCEPT')) continue;
    const a = explainRecord(after, f.record);
    const ad = a.verdict.decision;
    let transition: Transition | undefined;
    if (logged === 'REJECT' && ad === 'ACCEPT') transition = 'becomes-accepted';
    else if (logged === 'ACCEPT' && ad === 'REJECT') transition = 'becomes-rejected';
    else if (logged === 'REJECT' && ad === 'REJECT' && a.groupKey !== b.groupKey)
      transition = 'rejected-elsewhere';
    if (transition === undefined) continue;
    const c = b.connection;
    const flow = `${c.client} → ${c.server} ${protoText(c.protocol, c.serverPort)}${c.interfaceId ? ` at ${c.interfaceId}` : ''}`;
    const beforeText = bd === 'REJECT' ? b.groupKey : 'accepted';
    const afterText = ad === 'REJECT' ? a.groupKey : 'accepted';
    const key = `${transition}\u0000${flow}\u0000${beforeText}\u0000${afterText}`;
    totals[transition] += f.records;
    const untracked = transition === 'becomes-rejected' && isUntracked(before, c) ? f.records : 0;
    const g = groups.get(key);
    if (g) {
      g.untrackedRecords += untracked;
      g.records += f.records;
      g.distinctFlows += 1;
      g.first = Math.min(g.first, f.first);
      g.last = Math.max(g.last, f.last);
    } else
      groups.set(key, {
        transition,
        flow,
        before: beforeText,
        after: afterText,
        records: f.records,
        distinctFlows: 1,
        untrackedRecords: untracked,
        first: f.first,
        last: f.last,
      });
  }
  return {
    judged,
    totals,
    groups: [...groups.values()].sort((x, y) => y.records - x.records || x.flow.localeCompare(y.flow)),
  };
}

const allAddresses = (r: SgRule, v6: boolean) =>
  r.peer.kind === 'cidr' && r.peer.cidr.bits === 0 && r.peer.cidr.v6 === v6;

/**
 * True when the server side does not track the connection (spec §3): TCP or UDP, admitted by an inbound rule for
 * all addresses, and an outbound rule allows all addresses on all ports. Such flows are judged by the rules in both
 * directions on every packet, so narrowing the admitting rule cuts them at once.
 *
 * @example isUntracked(model, { client: '203.0.113.9', server: '10.0.1.10', clientPort: 40000, serverPort: 22, protocol: 6 })
 */
export function isUntracked(m: NetworkModel, c: Connection): boolean {
  if (c.protocol !== 6 && c.protocol !== 17) return false;
  const server = parseAddress(c.server);
  const client = parseAddress(c.client);
  if (server === undefined || client === undefined) return false;
  const eni =
    m.interfaceByAddress.get(addressKey(server)) ??
    (c.interfaceId ? m.interfaces.get(c.interfaceId) : undefined);
  if (eni === undefined) return false;
  const admitting = sgRulesAllowing(m, eni.groupIds, 'inbound', {
    protocol: c.protocol,
    remote: c.client,
    port: c.serverPort,
  });
  if (!admitting.some((r) => allAddresses(r, client.v6))) return false;
  return eni.groupIds.some((id) =>
    (m.securityGroups.get(id)?.outbound ?? []).some(
      (r) =>
        allAddresses(r, client.v6) &&
        (r.protocol === -1 || (r.protocol === c.protocol && (r.from ?? 0) <= 0 && (r.to ?? 65535) >= 65535)),
    ),
  );
}

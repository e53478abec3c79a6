// The JSON of one explanation (`flowwatch explain --output json`, POST /api/network/explain), and a stored flow
// row (the flows table's columns) as a record to explain.

import { isoUtc } from '../core/time.js';
import type { SnapshotInfo } from '../storage/network-snapshots.js';
import type { Explanation, FlowRecord } from './explain.js';
import type { NetworkModel } from './model.js';
import { type InterfaceNames, namesOf } from './names.js';

/** The names of the interfaces on the path (instance, Name tags, subnet, groups), from the judging snapshot. */
export function interfacesOf(m: NetworkModel, e: Explanation): InterfaceNames[] {
  const ids = [...new Set(e.verdict.steps.map((s) => s.interfaceId))];
  return ids.flatMap((id) => namesOf(m, id) ?? []);
}

/** An explanation as JSON, with the snapshot it was judged against. */
export function explanationJson(e: Explanation, snap: SnapshotInfo, predates: boolean, m: NetworkModel) {
  return {
    conclusion: e.conclusion,
    decision: e.verdict.decision,
    blocking: e.verdict.blocking ?? null,
    connection: e.connection,
    role: e.role,
    steps: e.verdict.steps,
    evidence: e.evidence,
    causes: e.causes,
    fix: e.fix ?? null,
    fixCdk: e.fixCdk ?? null,
    interfaces: interfacesOf(m, e),
    notes: e.verdict.notes,
    snapshot: { id: snap.id, takenAt: isoUtc(snap.takenAt), predatesFlow: predates },
  };
}

/** The JSON shape of one explanation. */
export type ExplanationJson = ReturnType<typeof explanationJson>;

/** A stored row (flows columns) as a record to explain. */
export function recordOf(row: Record<string, unknown>): FlowRecord {
  const s = (k: string) => (row[k] === null || row[k] === undefined ? null : String(row[k]));
  const n = (k: string) => (row[k] === null || row[k] === undefined ? null : Number(row[k]));
  return {
    interfaceId: s('interface_id'),
    srcaddr: s('srcaddr') ?? '-',
    dstaddr: s('dstaddr') ?? '-',
    pktSrcaddr: s('pkt_srcaddr'),
    pktDstaddr: s('pkt_dstaddr'),
    srcport: n('srcport') ?? 0,
    dstport: n('dstport') ?? 0,
    protocol: n('protocol') ?? -1,
    action: s('action'),
    flowDirection: s('flow_direction'),
    tcpFlags: n('tcp_flags'),
    rejectReason: s('reject_reason'),
  };
}

// Explains one flow-log record: which side opened the connection (tcp-flags, ports), the verdict of the
// configuration, the log's own evidence (direction, flags, reply-drop signature, BPA) and where the two disagree.

import { type Connection, evaluate, type Step, type Verdict } from './evaluate.js';
import { type Fix, fixOf } from './fix.js';
import type { NetworkModel } from './model.js';

/** The fields of a flow-log record an explanation reads (null/undefined when the format lacks them). */
export interface FlowRecord {
  readonly interfaceId?: string | null | undefined;
  readonly srcaddr: string;
  readonly dstaddr: string;
  readonly pktSrcaddr?: string | null | undefined;
  readonly pktDstaddr?: string | null | undefined;
  readonly srcport: number;
  readonly dstport: number;
  readonly protocol: number;
  readonly action?: string | null | undefined;
  readonly flowDirection?: string | null | undefined;
  readonly tcpFlags?: number | null | undefined;
  readonly rejectReason?: string | null | undefined;
  /** ICMP type/code when the user knows them (flow logs do not carry them). */
  readonly icmpType?: number | undefined;
  readonly icmpCode?: number | undefined;
  /** Given by the user as client → server (not read from a log): the source opened the connection. */
  readonly given?: boolean | undefined;
}

export interface Explanation {
  readonly verdict: Verdict;
  readonly connection: Connection;
  /** Whether the record's packets are the connection's request or its reply, and why. */
  readonly role: 'request' | 'reply';
  readonly roleReason: string;
  /** The one-line answer. */
  readonly conclusion: string;
  /** The flow log's own evidence. */
  readonly evidence: readonly string[];
  /** When configuration and log disagree: the likely causes. */
  readonly causes: readonly string[];
  /** Groups rejects by the responsible rule (or cause). */
  readonly groupKey: string;
  /** The AWS CLI command adding the smallest rule that would allow the flow (when a rule blocks it). */
  readonly fix: string | undefined;
  /** The same fix as an aws-cdk-lib v2 statement, and as an operation what-if can apply. */
  readonly fixCdk: string | undefined;
  readonly fixOperation: Fix['operation'];
}

const present = (v: string | null | undefined): v is string =>
  v !== undefined && v !== null && v !== '-' && v !== '';

function roleOf(r: FlowRecord): { role: 'request' | 'reply'; why: string } {
  if (r.given) return { role: 'request', why: 'given: the source opened the connection' };
  const flags = r.tcpFlags ?? undefined;
  if (r.protocol === 6 && flags !== undefined) {
    if ((flags & 18) === 18)
      return { role: 'reply', why: `tcp-flags ${flags} include SYN-ACK: the server's reply` };
    if ((flags & 2) === 2)
      return { role: 'request', why: `tcp-flags ${flags} include SYN without ACK: a new connection` };
  }
  if (r.protocol === 6 || r.protocol === 17 || r.protocol === 132) {
    if (r.srcport < 1024 && r.dstport >= 1024)
      return {
        role: 'reply',
        why: `source port ${r.srcport} is a service port and ${r.dstport} an ephemeral one`,
      };
    if (r.dstport < 1024 || r.dstport <= r.srcport)
      return { role: 'request', why: `destination port ${r.dstport} is the service port` };
    return { role: 'reply', why: `source port ${r.srcport} is the lower, service-like port` };
  }
  return { role: 'request', why: 'protocol without ports: taken as sent by its source' };
}

function flagText(flags: number): string {
  const names = [
    [1, 'FIN'],
    [2, 'SYN'],
    [4, 'RST'],
    [16, 'ACK'],
  ] as const;
  return names.flatMap(([b, n]) => ((flags & b) === b ? [n] : [])).join('+') || 'none';
}

function groupKeyOf(s: Step): string {
  if (s.control === 'route-table') return `${s.groupRule ?? s.rule} (${s.packet})`;
  if (s.control === 'network-acl')
    return `${s.ids[0]} rule ${s.ruleNumber === undefined || s.ruleNumber < 32767 ? s.ruleNumber : '*'} (${s.boundary}, ${s.packet})`;
  return `${s.ids.join('+') || s.interfaceId} ${s.boundary}: no rule allows ${s.traffic}`;
}

/**
 * Explains a record against the model (the snapshot in force at its time).
 *
 * @example explainRecord(model, { srcaddr: '203.0.113.9', dstaddr: '10.0.1.5', srcport: 50000, dstport: 22, protocol: 6, action: 'REJECT' })
 */
export function explainRecord(model: NetworkModel, r: FlowRecord): Explanation {
  const src = present(r.pktSrcaddr) ? r.pktSrcaddr : r.srcaddr;
  const dst = present(r.pktDstaddr) ? r.pktDstaddr : r.dstaddr;
  const { role, why } = roleOf(r);
  const connection: Connection =
    role === 'request'
      ? { client: src, server: dst, clientPort: r.srcport, serverPort: r.dstport, protocol: r.protocol }
      : { client: dst, server: src, clientPort: r.dstport, serverPort: r.srcport, protocol: r.protocol };
  const withExtras: Connection = {
    ...connection,
    icmpType: r.icmpType,
    icmpCode: r.icmpCode,
    interfaceId: present(r.interfaceId) ? r.interfaceId : undefined,
  };
  const verdict = evaluate(model, withExtras);
  const evidence: string[] = r.given ? [] : [`this record is the ${role}: ${why}`];
  if (present(r.flowDirection) && present(r.interfaceId))
    evidence.push(
      `flow-direction ${r.flowDirection}: the packets ${r.flowDirection === 'ingress' ? 'entered' : 'left'} ${r.interfaceId} (its ${r.flowDirection === 'ingress' ? 'inbound' : 'outbound'} rules apply)`,
    );
  if (!r.given && r.protocol === 6 && r.tcpFlags !== undefined && r.tcpFlags !== null) {
    const f = r.tcpFlags;
    evidence.push(
      f === 2
        ? 'tcp-flags 2 (SYN only): a new connection was attempted and got no answer'
        : f === 18
          ? 'tcp-flags 18 (SYN-ACK): the server answered; the reply is what was dropped'
          : `tcp-flags ${f} (${flagText(f)})${(f & 2) === 0 ? ': packets of a connection already set up or closing (REJECT after close or tracking timeout is possible)' : ''}`,
    );
  }
  const logged = present(r.action) ? r.action : undefined;
  const causes: string[] = [];
  let conclusion: string;
  let groupKey: string;
  const requestAllow = verdict.steps.find(
    (s) =>
      s.packet === 'request' &&
      s.control === 'security-group' &&
      s.boundary === 'inbound' &&
      s.decision === 'allow',
  );
  if (r.rejectReason === 'BPA') {
    evidence.push(
      'reject-reason BPA: VPC Block Public Access dropped it, before any security group or network ACL',
    );
    conclusion =
      'rejected by VPC Block Public Access (reject-reason BPA), not by a security group or network ACL';
    groupKey = 'VPC Block Public Access (reject-reason BPA)';
  } else if (verdict.decision === 'REJECT' && verdict.blocking) {
    const b = verdict.blocking;
    conclusion = `rejected by ${b.rule} on the ${b.packet} (${b.boundary} at ${b.interfaceId})`;
    if (b.packet === 'reply' && requestAllow) {
      conclusion += `; the request was accepted by ${requestAllow.rule}`;
      evidence.push(
        `reply-drop signature: the request passed the security group (stateful), and the network ACL (stateless) dropped the reply${r.protocol === 6 || r.protocol === 17 ? ` to port ${connection.clientPort}` : ''}`,
      );
    }
    if (logged === 'ACCEPT')
      causes.push(
        'the log says ACCEPT: the configuration may have changed since, or these packets passed on a tracked connection',
      );
    groupKey = groupKeyOf(b);
  } else if (verdict.decision === 'ACCEPT') {
    conclusion = 'the configuration accepts this flow in both directions';
    if (logged === 'REJECT') {
      conclusion = 'the configuration ACCEPTS this flow, but the log says REJECT';
      causes.push(
        'the configuration changed between the flow and the snapshot it was judged against',
        present(r.rejectReason)
          ? 'VPC Block Public Access (but reject-reason is not BPA)'
          : 'VPC Block Public Access (add the v8 field reject-reason to the flow log format to tell)',
        'the packets went through another interface than the one judged (secondary address, NAT gateway, load balancer)',
        'a firewall or appliance on the path (AWS Network Firewall, Gateway Load Balancer)',
        'packets after the connection closed or its tracking timed out (REJECT is logged for those)',
      );
      groupKey = 'configuration ACCEPTS, log says REJECT';
    } else groupKey = 'accepted';
  } else {
    conclusion = `cannot judge: ${verdict.notes[0] ?? verdict.steps.find((s) => s.decision === 'unknown')?.rule ?? 'unknown'}`;
    const unknown = verdict.steps.find((s) => s.decision === 'unknown');
    groupKey = unknown
      ? `unknown: ${unknown.groupRule ?? unknown.rule}`
      : `unknown: ${verdict.groupNote ?? verdict.notes[0] ?? ''}`;
  }
  const fix =
    verdict.blocking && r.rejectReason !== 'BPA' ? fixOf(model, verdict.blocking, withExtras) : undefined;
  return {
    verdict,
    connection: withExtras,
    role,
    roleReason: why,
    conclusion,
    evidence,
    causes,
    groupKey,
    fix: fix?.cli,
    fixCdk: fix?.cdk,
    fixOperation: fix?.operation,
  };
}

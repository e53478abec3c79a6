// The smallest rule that would let a rejected flow through, as an AWS CLI command: a security-group rule for
// the exact peer and port, or a network ACL entry placed just before the entry that denied it; also as CDK.

import { parseAddress, parseCidr } from './address.js';
import type { Operation } from './change.js';
import { cdkOf, cliOf } from './change-render.js';
import type { Connection, Step } from './evaluate.js';
import type { NetworkModel } from './model.js';

const ICMP = 1;
const ICMPV6 = 58;

/** What the blocking step saw: the remote peer, protocol and destination port or ICMP type/code. */
function packetOf(s: Step, c: Connection): { remote: string; port: number; type: number; code: number } {
  const v6 = c.protocol === ICMPV6;
  const reqType = c.icmpType ?? (v6 ? 128 : 8);
  const repType = reqType === 8 ? 0 : reqType === 128 ? 129 : reqType;
  if (s.packet === 'request')
    return {
      remote: s.boundary === 'inbound' ? c.client : c.server,
      port: c.serverPort,
      type: reqType,
      code: c.icmpCode ?? 0,
    };
  return {
    remote: s.boundary === 'outbound' ? c.client : c.server,
    port: c.clientPort,
    type: repType,
    code: c.icmpCode ?? 0,
  };
}

/** A free rule number just before `blocking` and after every earlier entry, or undefined when none is free. */
function ruleNumberBefore(used: readonly number[], blocking: number): number | undefined {
  const earlier = used.filter((n) => n < blocking && n < 32767);
  const floor = earlier.length > 0 ? Math.max(...earlier) : 0;
  if (blocking >= 32767) {
    const n = floor - (floor % 10) + 10; // the next multiple of 10 after the last entry
    return n <= 32766 ? n : floor < 32766 ? floor + 1 : undefined;
  }
  return blocking - 1 > floor ? blocking - 1 : undefined;
}

/** A fix: the operation adding the smallest admitting rule, or a sentence when no rule can be added. */
export type Fix =
  | { readonly operation: Operation; readonly cli: string; readonly cdk: string }
  | { readonly operation: undefined; readonly cli: string; readonly cdk: undefined };

/**
 * The operation adding the smallest rule that would admit the blocked packet, with its AWS CLI command and CDK
 * statement; or a sentence when no rule can be added (e.g. no free ACL rule number before the deny). Replies get
 * the ephemeral range 1024-65535 rather than the one client port seen (a client picks a new port per connection).
 *
 * @example fixOf(model, verdict.blocking, connection).cli // 'aws ec2 authorize-security-group-ingress --group-id sg-1 ...'
 */
export function fixOf(m: NetworkModel, s: Step, c: Connection): Fix {
  const op = fixOperation(m, s, c);
  return typeof op === 'string'
    ? { operation: undefined, cli: op, cdk: undefined }
    : { operation: op, cli: cliOf(op), cdk: cdkOf(op) };
}

/** The AWS CLI command of {@link fixOf} (or its sentence). */
export function fixFor(m: NetworkModel, s: Step, c: Connection): string {
  return fixOf(m, s, c).cli;
}

function fixOperation(m: NetworkModel, s: Step, c: Connection): Operation | string {
  const p = packetOf(s, c);
  const v6 = parseAddress(p.remote)?.v6 === true;
  const cidr = parseCidr(`${p.remote}/${v6 ? 128 : 32}`)!;
  const icmp = c.protocol === ICMP || c.protocol === ICMPV6;
  const ports = c.protocol === 6 || c.protocol === 17;
  const [from, to] = s.packet === 'reply' && ports ? [1024, 65535] : [p.port, p.port];
  if (s.control === 'route-table')
    return s.code === 'BAD_STATE_ROUTE'
      ? `replace the blackhole route in ${s.ids[0]} with one to a live target (aws ec2 replace-route --route-table-id ${s.ids[0]} ...)`
      : `add a route for ${p.remote} to ${s.ids[0] ?? "the subnet's route table"} (aws ec2 create-route --route-table-id ${s.ids[0] ?? '...'} --destination-cidr-block ... --gateway-id|--nat-gateway-id|...)`;
  if (s.control === 'security-group') {
    const group = s.ids[0];
    if (group === undefined) return `attach a security group to ${s.interfaceId} that allows ${s.traffic}`;
    return {
      op: 'authorize-sg',
      groupId: group,
      rule: {
        groupId: group,
        egress: s.boundary === 'outbound',
        protocol: c.protocol,
        from: ports ? from : icmp ? p.type : undefined,
        to: ports ? to : icmp ? p.code : undefined,
        peer: { kind: 'cidr', cidr },
        description: undefined,
      },
    };
  }
  const acl = m.acls.get(s.ids[0] ?? '');
  if (acl === undefined || s.ruleNumber === undefined)
    return `add an allow entry to the subnet's network ACL`;
  const entries = s.boundary === 'inbound' ? acl.inbound : acl.outbound;
  const n = ruleNumberBefore(
    entries.map((e) => e.ruleNumber),
    s.ruleNumber,
  );
  if (n === undefined)
    return `no free rule number before ${acl.id} rule ${s.ruleNumber}: renumber the ${s.boundary} entries to make room for an allow`;
  return {
    op: 'create-acl-entry',
    aclId: acl.id,
    entry: {
      ruleNumber: n,
      egress: s.boundary === 'outbound',
      protocol: c.protocol,
      action: 'allow',
      cidr,
      portFrom: ports ? from : undefined,
      portTo: ports ? to : undefined,
      icmpType: icmp ? p.type : undefined,
      icmpCode: icmp ? p.code : undefined,
    },
  };
}

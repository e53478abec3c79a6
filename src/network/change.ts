// A proposed change to the network configuration, in the shape of the EC2 operations that make it
// (authorize/revoke-security-group-ingress/egress, create/replace/delete-network-acl-entry), applied to a copy of
// a model so flows can be judged before and after it.

import { UsageError } from '../core/errors.js';
import { parseCidr } from './address.js';
import { indexModel } from './load.js';
import type {
  AclEntry,
  NetworkAcl,
  NetworkModel,
  Route,
  RouteTable,
  SecurityGroup,
  SgPeer,
  SgRule,
} from './model.js';

/** One EC2 operation on one security-group rule (a permission × one peer) or one network ACL entry. */
export type Operation =
  | {
      readonly op: 'authorize-sg' | 'revoke-sg';
      readonly groupId: string;
      /** The rule; its `groupId` and `egress` say which group and direction. */
      readonly rule: SgRule;
    }
  | {
      readonly op: 'create-acl-entry' | 'replace-acl-entry';
      readonly aclId: string;
      readonly entry: AclEntry;
    }
  | {
      readonly op: 'delete-acl-entry';
      readonly aclId: string;
      readonly egress: boolean;
      readonly ruleNumber: number;
    }
  | {
      readonly op: 'create-route' | 'replace-route';
      readonly routeTableId: string;
      /** The route (state active); its target names the target's id (igw-…, nat-…, eni-…). */
      readonly route: Route;
      /** The CLI option of the target (`--gateway-id`), for the command and the CDK property. */
      readonly targetOption: string;
    }
  | {
      readonly op: 'delete-route';
      readonly routeTableId: string;
      readonly destination: string;
    };

/** The AWS CLI verb of an operation. */
export function verbOf(o: Operation): string {
  switch (o.op) {
    case 'authorize-sg':
      return o.rule.egress ? 'authorize-security-group-egress' : 'authorize-security-group-ingress';
    case 'revoke-sg':
      return o.rule.egress ? 'revoke-security-group-egress' : 'revoke-security-group-ingress';
    case 'create-acl-entry':
      return 'create-network-acl-entry';
    case 'replace-acl-entry':
      return 'replace-network-acl-entry';
    case 'delete-acl-entry':
      return 'delete-network-acl-entry';
    case 'create-route':
    case 'replace-route':
    case 'delete-route':
      return o.op;
    default: {
      const never: never = o;
      return never;
    }
  }
}

function samePeer(a: SgPeer, b: SgPeer): boolean {
  if (a.kind === 'cidr' && b.kind === 'cidr')
    return a.cidr.v6 === b.cidr.v6 && a.cidr.base === b.cidr.base && a.cidr.bits === b.cidr.bits;
  if (a.kind === 'cidr' || b.kind === 'cidr') return false;
  return a.kind === b.kind && a.id === b.id;
}

const portsMatter = (p: number) => p === 6 || p === 17 || p === 1 || p === 58;
const norm = (v: number | undefined) => (v === undefined ? -1 : v);

/** True when two rules are the same permission (as EC2 compares them for revoke and duplicates). */
export function sameRule(a: SgRule, b: SgRule): boolean {
  if (a.egress !== b.egress || a.protocol !== b.protocol || !samePeer(a.peer, b.peer)) return false;
  if (!portsMatter(a.protocol)) return true;
  return norm(a.from) === norm(b.from) && norm(a.to) === norm(b.to);
}

/**
 * Applies operations to a copy of the model, in order, as EC2 would: authorizing a rule that exists or creating an
 * ACL entry whose number is taken, revoking a rule that does not exist or replacing/deleting a missing entry are
 * refused (EC2 refuses them too), naming the operation, so a what-if never silently changes nothing.
 *
 * @example applyChange(model, [{ op: 'authorize-sg', groupId: 'sg-1', rule }]).securityGroups.get('sg-1')
 */
export function applyChange(m: NetworkModel, ops: readonly Operation[]): NetworkModel {
  const groups = new Map(m.securityGroups);
  const acls = new Map(m.acls);
  const tables = new Map(m.routeTables);
  for (const [i, o] of ops.entries()) {
    const where = `change ${i + 1} (${verbOf(o)})`;
    switch (o.op) {
      case 'authorize-sg':
      case 'revoke-sg':
        applySg(groups, o.op, o.groupId, o.rule, where);
        break;
      case 'create-acl-entry':
      case 'replace-acl-entry':
        applyAcl(acls, o.op, o.aclId, o.entry.egress, o.entry.ruleNumber, o.entry, where);
        break;
      case 'delete-acl-entry':
        applyAcl(acls, o.op, o.aclId, o.egress, o.ruleNumber, undefined, where);
        break;
      case 'create-route':
      case 'replace-route':
        applyRoute(tables, o.op, o.routeTableId, o.route.destination, o.route, where);
        break;
      case 'delete-route':
        applyRoute(tables, o.op, o.routeTableId, o.destination, undefined, where);
        break;
      default: {
        const never: never = o;
        throw new Error(`unhandled operation ${String(never)}`);
      }
    }
  }
  return indexModel({
    securityGroups: groups,
    acls,
    interfaces: m.interfaces,
    subnets: m.subnets,
    vpcs: m.vpcs,
    prefixLists: m.prefixLists,
    routeTables: tables,
    instances: m.instances,
    kinds: m.kinds,
  });
}

/** True when two route destinations are the same block (`10.0.0.0/16` = `10.0.5.0/16`) or the same prefix list. */
function sameDestination(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  if (x && y) return x.v6 === y.v6 && x.base === y.base && x.bits === y.bits;
  return a === b;
}

/** A route change as EC2 applies it: create refuses a destination already routed, replace/delete a missing one. */
function applyRoute(
  tables: Map<string, RouteTable>,
  op: 'create-route' | 'replace-route' | 'delete-route',
  tableId: string,
  destination: string,
  route: Route | undefined,
  where: string,
): void {
  const t = tables.get(tableId);
  if (t === undefined)
    throw new UsageError(
      'CHANGE_UNKNOWN_ROUTE_TABLE',
      `${where}: route table ${tableId} is not in the snapshot`,
      'check the id, or load a snapshot with aws ec2 describe-route-tables output (flowwatch network load)',
    );
  const at = t.routes.findIndex((r) => sameDestination(r.destination, destination));
  if (op === 'create-route' && at >= 0)
    throw new UsageError(
      'CHANGE_ROUTE_EXISTS',
      `${where}: ${tableId} already has a route to ${t.routes[at]!.destination} (→ ${t.routes[at]!.target}); EC2 refuses it (RouteAlreadyExists)`,
      'use replace-route to change its target',
    );
  if (op !== 'create-route' && at < 0)
    throw new UsageError(
      'CHANGE_NO_SUCH_ROUTE',
      `${where}: ${tableId} has no route to ${destination}; EC2 refuses it (InvalidRoute.NotFound)`,
      op === 'replace-route'
        ? 'use create-route to add it'
        : 'check the destination: flowwatch network list shows the snapshot',
    );
  if (op !== 'create-route' && t.routes[at]!.target === 'local')
    throw new UsageError(
      'CHANGE_LOCAL_ROUTE',
      `${where}: the local route ${t.routes[at]!.destination} of ${tableId} cannot be ${op === 'delete-route' ? 'deleted' : 'replaced'} this way`,
    );
  const routes = [...t.routes];
  if (op === 'delete-route') routes.splice(at, 1);
  else if (op === 'replace-route') routes[at] = route!;
  else routes.push(route!);
  tables.set(tableId, { ...t, routes });
}

function applySg(
  groups: Map<string, SecurityGroup>,
  op: 'authorize-sg' | 'revoke-sg',
  groupId: string,
  rule: SgRule,
  where: string,
): void {
  const g = groups.get(groupId);
  if (g === undefined)
    throw new UsageError(
      'CHANGE_UNKNOWN_GROUP',
      `${where}: security group ${groupId} is not in the snapshot`,
      'check the group id, or load a snapshot that has it (flowwatch network load)',
    );
  const list = rule.egress ? g.outbound : g.inbound;
  const found = list.some((r) => sameRule(r, rule));
  if (op === 'authorize-sg' && found)
    throw new UsageError(
      'CHANGE_DUPLICATE_RULE',
      `${where}: ${groupId} already has this rule (EC2 would refuse it as InvalidPermission.Duplicate)`,
    );
  if (op === 'revoke-sg' && !found)
    throw new UsageError(
      'CHANGE_NO_SUCH_RULE',
      `${where}: ${groupId} has no such ${rule.egress ? 'outbound' : 'inbound'} rule to revoke (protocol, ports and peer must match exactly)`,
      `see its rules: flowwatch network least-privilege --group ${groupId}`,
    );
  const next =
    op === 'authorize-sg' ? [...list, { ...rule, groupId }] : list.filter((r) => !sameRule(r, rule));
  groups.set(groupId, rule.egress ? { ...g, outbound: next } : { ...g, inbound: next });
}

function applyAcl(
  acls: Map<string, NetworkAcl>,
  op: 'create-acl-entry' | 'replace-acl-entry' | 'delete-acl-entry',
  aclId: string,
  egress: boolean,
  number: number,
  entry: AclEntry | undefined,
  where: string,
): void {
  const acl = acls.get(aclId);
  if (acl === undefined)
    throw new UsageError(
      'CHANGE_UNKNOWN_ACL',
      `${where}: network ACL ${aclId} is not in the snapshot`,
      'check the ACL id, or load a snapshot that has it (flowwatch network load)',
    );
  if (number < 1 || number > 32766)
    throw new UsageError(
      'CHANGE_BAD_RULE_NUMBER',
      `${where}: rule number ${number} is outside 1-32766 (the * entries cannot be changed)`,
    );
  const list = egress ? acl.outbound : acl.inbound;
  const found = list.some((e) => e.ruleNumber === number);
  const side = egress ? 'outbound' : 'inbound';
  if (op === 'create-acl-entry' && found)
    throw new UsageError(
      'CHANGE_RULE_NUMBER_TAKEN',
      `${where}: ${aclId} already has ${side} rule ${number} (use replace-network-acl-entry, or another number)`,
    );
  if (op !== 'create-acl-entry' && !found)
    throw new UsageError('CHANGE_NO_SUCH_ENTRY', `${where}: ${aclId} has no ${side} rule ${number}`);
  const kept = list.filter((e) => e.ruleNumber !== number);
  const next = entry === undefined ? kept : [...kept, entry].sort((a, b) => a.ruleNumber - b.ruleNumber);
  acls.set(aclId, egress ? { ...acl, outbound: next } : { ...acl, inbound: next });
}

// Names for an interface from a snapshot: its instance and the instance's Name tag, its subnet and the subnet's Name
// tag, and its security groups with their names, so answers say "web-1 in public-a" rather than "eni-0abc".

import type { NetworkModel } from './model.js';

export interface InterfaceNames {
  readonly interfaceId: string;
  readonly instanceId: string | undefined;
  /** The instance's Name tag (describe-instances). */
  readonly instanceName: string | undefined;
  readonly subnetId: string | undefined;
  /** The subnet's Name tag (describe-subnets). */
  readonly subnetName: string | undefined;
  readonly groups: readonly { readonly id: string; readonly name: string | undefined }[];
  /** Interface type (natGateway, lambda, …) or description, for interfaces without an instance. */
  readonly kind: string | undefined;
}

/**
 * The names of an interface, or undefined when the snapshot does not have it.
 *
 * @example namesOf(model, 'eni-0web')?.instanceName // 'web-1'
 */
export function namesOf(m: NetworkModel, interfaceId: string): InterfaceNames | undefined {
  const n = m.interfaces.get(interfaceId);
  if (n === undefined) return undefined;
  const inst = n.instanceId ? m.instances.get(n.instanceId) : undefined;
  const subnet = n.subnetId ? m.subnets.get(n.subnetId) : undefined;
  return {
    interfaceId,
    instanceId: n.instanceId,
    instanceName: inst?.name,
    subnetId: n.subnetId,
    subnetName: subnet?.name,
    groups: n.groupIds.map((id) => ({ id, name: m.securityGroups.get(id)?.name })),
    kind: n.type !== undefined && n.type !== 'interface' ? n.type : n.description || undefined,
  };
}

/**
 * One line of names: `eni-0web: i-0web "web-1", subnet-0pub "public-a", sg-0web (web)`.
 *
 * @example nameLine(namesOf(model, 'eni-0web')!)
 */
export function nameLine(x: InterfaceNames): string {
  const parts: string[] = [];
  if (x.instanceId) parts.push(`${x.instanceId}${x.instanceName ? ` "${x.instanceName}"` : ''}`);
  else if (x.kind) parts.push(x.kind);
  if (x.subnetId) parts.push(`${x.subnetId}${x.subnetName ? ` "${x.subnetName}"` : ''}`);
  if (x.groups.length > 0)
    parts.push(x.groups.map((g) => (g.name && g.name !== g.id ? `${g.id} (${g.name})` : g.id)).join(' + '));
  return `${x.interfaceId}: ${parts.join(', ')}`;
}

// Names for what flow logs identify by number (issue 16 item 5): an interface id, or an address one of the
// snapshot's interfaces holds, becomes its instance's Name tag (or the interface's kind), subnet and security
// groups, from the newest stored network snapshot (`flowwatch network load`). Top lists, findings and the API
// show them beside the ids; without a snapshot nothing is added.

import { listSnapshots, snapshotBody } from '../storage/network-snapshots.js';
import type { Store } from '../storage/store.js';
import type { NetworkModel } from './model.js';
import { type InterfaceNames, namesOf } from './names.js';
import { modelOfBody } from './snapshot.js';

/** Names looked up by interface id or by address. */
export interface ResourceNames {
  /** The snapshot they come from (unix seconds it was in force from). */
  readonly takenAt: number;
  /** The interface's names, for an interface id or an address of one. */
  of(idOrAddress: string | null | undefined): InterfaceNames | undefined;
  /** A short label, e.g. `web-1 · public-a · web-sg`; undefined when the snapshot does not know it. */
  label(idOrAddress: string | null | undefined): string | undefined;
  /** Every interface of the snapshot with its names. */
  interfaces(): InterfaceNames[];
  /** The VPC of an interface (by id or address), from the interface or its subnet. */
  vpcOf(idOrAddress: string | null | undefined): string | undefined;
}

/** Said once wherever names would be shown but the store has no snapshot (never a silently blank column). */
export const NO_SNAPSHOT_NAMES_NOTE =
  'no network snapshot is loaded, so interfaces and addresses are shown without instance, subnet and security group names: load one with flowwatch network load <describe-*.json files or folder> (or flowwatch network fetch)';

/** The name columns an export adds per record, from its interface (csv and ndjson). */
export const NAME_COLUMNS = ['interface_name', 'instance_name', 'subnet_name', 'security_groups'] as const;

/**
 * The snapshot's identifiers an export adds per record beside NAME_COLUMNS (OCSF: the owning endpoint's
 * `instance_uid`, `subnet_uid`, `vpc_uid` when the record's format lacks them).
 */
export const SNAPSHOT_ID_COLUMNS = ['snapshot_instance_id', 'snapshot_subnet_id', 'snapshot_vpc_id'] as const;

/**
 * One row per interface: its id, then NAME_COLUMNS (the short label, the instance's and subnet's Name tags, the
 * security groups as `sg-0web (web) + sg-0mgmt`), then SNAPSHOT_ID_COLUMNS (instance, subnet and VPC ids).
 *
 * @example nameRows(names)[0] // ['eni-0web', 'web-1 · public-a · web', 'web-1', 'public-a', 'sg-0web (web)', 'i-0web', 'subnet-0pub', 'vpc-0main']
 */
export function nameRows(names: ResourceNames): (string | null)[][] {
  return names
    .interfaces()
    .map((x) => [
      x.interfaceId,
      shortLabel(x),
      x.instanceName ?? null,
      x.subnetName ?? null,
      x.groups.length === 0
        ? null
        : x.groups.map((g) => (g.name && g.name !== g.id ? `${g.id} (${g.name})` : g.id)).join(' + '),
      x.instanceId ?? null,
      x.subnetId ?? null,
      names.vpcOf(x.interfaceId) ?? null,
    ]);
}

/**
 * A short label for an interface: the instance's Name tag (else its id, else the interface's kind), the subnet's
 * Name tag (else id), the security groups' names (else ids).
 *
 * @example shortLabel(namesOf(model, 'eni-0web')!) // 'web-1 · public-a · web'
 */
export function shortLabel(x: InterfaceNames): string {
  const parts: string[] = [];
  const what = x.instanceName ?? x.instanceId ?? x.kind;
  if (what !== undefined) parts.push(what);
  const subnet = x.subnetName ?? x.subnetId;
  if (subnet !== undefined) parts.push(subnet);
  if (x.groups.length > 0) parts.push(x.groups.map((g) => g.name ?? g.id).join('+'));
  return parts.length > 0 ? parts.join(' · ') : x.interfaceId;
}

/** Names of a model (for tests and for callers that hold one). */
export function namesOfModel(model: NetworkModel, takenAt: number): ResourceNames {
  const byAddress = new Map<string, string>();
  for (const n of model.interfaces.values()) {
    for (const a of [...n.privateAddresses, ...n.publicAddresses])
      if (!byAddress.has(a)) byAddress.set(a, n.id);
  }
  const cache = new Map<string, InterfaceNames | undefined>();
  const of = (key: string | null | undefined): InterfaceNames | undefined => {
    if (key === null || key === undefined || key === '') return undefined;
    if (cache.has(key)) return cache.get(key);
    const id = model.interfaces.has(key) ? key : byAddress.get(key);
    const found = id === undefined ? undefined : namesOf(model, id);
    cache.set(key, found);
    return found;
  };
  return {
    takenAt,
    of,
    interfaces: () => [...model.interfaces.keys()].sort().flatMap((id) => of(id) ?? []),
    label: (key) => {
      const x = of(key);
      return x === undefined ? undefined : shortLabel(x);
    },
    vpcOf: (key) => {
      const x = of(key);
      if (x === undefined) return undefined;
      const n = model.interfaces.get(x.interfaceId);
      return n?.vpcId ?? (n?.subnetId ? model.subnets.get(n.subnetId)?.vpcId : undefined);
    },
  };
}

/**
 * The names of the newest stored snapshot, or undefined when the store has none (a store from before snapshots
 * existed has no table either: also undefined).
 *
 * @example (await resourceNames(store))?.label('eni-0web') // 'web-1 · public-a · web'
 */
export async function resourceNames(store: Store): Promise<ResourceNames | undefined> {
  let list: Awaited<ReturnType<typeof listSnapshots>>;
  try {
    list = await listSnapshots(store);
  } catch {
    return undefined;
  }
  const newest = list.at(-1);
  if (newest === undefined) return undefined;
  return namesOfModel(modelOfBody(await snapshotBody(store, newest.id)), newest.takenAt);
}

/**
 * The label of a finding's entity: an address or interface id, or `address:port` (a brute force's host:port).
 *
 * @example entityLabel(names, '10.0.1.5:22') // 'db-1 · private-a · db'
 */
export function entityLabel(names: ResourceNames | undefined, entity: string): string | undefined {
  const x = entityNames(names, entity);
  return x === undefined ? undefined : shortLabel(x);
}

/**
 * The interface names of a finding's entity (an address, an interface id or `address:port`), or undefined.
 *
 * @example entityNames(names, '10.0.1.5:22')?.instanceName // 'db-1'
 */
export function entityNames(names: ResourceNames | undefined, entity: string): InterfaceNames | undefined {
  if (names === undefined) return undefined;
  const whole = names.of(entity);
  if (whole !== undefined) return whole;
  const m = /^(.*):\d+$/.exec(entity);
  return m ? names.of(m[1]) : undefined;
}

// A stored finding as an OCSF 1.1.0 Detection Finding (class 2004, category Findings), beside the Network
// Activity export of the records (ocsf.ts): ../shared/spec/detections.md §5 lists the attributes.

import type { Detection } from '../detect/definition.js';
import { effectiveState } from '../detect/findings.js';
import { entityNames, type ResourceNames, shortLabel } from '../network/resource-names.js';
import type { StoredFinding } from '../storage/findings.js';
import { OCSF_VERSION } from './ocsf.js';

const SEVERITY_ID: Readonly<Record<string, number>> = { low: 2, medium: 3, high: 4, critical: 5 };
const SEVERITY_NAME: Readonly<Record<number, string>> = { 2: 'Low', 3: 'Medium', 4: 'High', 5: 'Critical' };
/** Finding status: 1 New, 2 In Progress, 3 Suppressed (4 Resolved is not a flowwatch state). */
const STATUS = {
  open: [1, 'New'],
  acknowledged: [2, 'In Progress'],
  suppressed: [3, 'Suppressed'],
} as const;
const ACTIVITY: Readonly<Record<number, string>> = { 1: 'Create', 2: 'Update', 3: 'Close' };

/** An address or port of an evidence record, when present. */
const endpoint = (ip: unknown, port: unknown) => {
  const e: Record<string, unknown> = {};
  if (typeof ip === 'string') e['ip'] = ip;
  if (typeof port === 'number') e['port'] = port;
  return Object.keys(e).length === 0 ? undefined : e;
};

/**
 * The OCSF Detection Finding of a stored finding. Activity: Close once the episode has ended (the quiet
 * period passed), else Update when it changed after creation, else Create. `time` is the last evidence time.
 * With `names` (the newest network snapshot's) and an entity one of its interfaces holds: the affected resource's
 * `name` is the instance's Name tag, and `unmapped` has the entity's label (`entity_name`, as `findings list`
 * shows it) and its interface, instance, subnet and VPC ids.
 *
 * @example toOcsfFinding(finding, detection, '0.1.0', now).class_uid // 2004
 */
export function toOcsfFinding(
  f: StoredFinding,
  d: Detection | undefined,
  productVersion: string,
  nowSeconds: number,
  names?: ResourceNames,
): Record<string, unknown> {
  const known = entityNames(names, f.entity);
  const activity = f.closed ? 3 : f.updatedAt > f.createdAt ? 2 : 1;
  const severity = SEVERITY_ID[f.severity] ?? 0;
  const [statusId, status] = STATUS[effectiveState(f, nowSeconds)];
  const account = f.sample.find((r) => typeof r['account_id'] === 'string')?.['account_id'];
  const region = f.sample.find((r) => typeof r['region'] === 'string')?.['region'];
  const evidences = f.sample.flatMap((r) => {
    const e: Record<string, unknown> = {};
    const src = endpoint(r['pkt_srcaddr'] ?? r['srcaddr'], r['srcport']);
    const dst = endpoint(r['pkt_dstaddr'] ?? r['dstaddr'], r['dstport']);
    if (src) e['src_endpoint'] = src;
    if (dst) e['dst_endpoint'] = dst;
    if (typeof r['protocol'] === 'number') e['connection_info'] = { protocol_num: r['protocol'] };
    return Object.keys(e).length === 0 ? [] : [e];
  });
  const attack = d?.attack;
  return {
    class_uid: 2004,
    class_name: 'Detection Finding',
    category_uid: 2,
    category_name: 'Findings',
    activity_id: activity,
    activity_name: ACTIVITY[activity],
    type_uid: 200400 + activity,
    type_name: `Detection Finding: ${ACTIVITY[activity]}`,
    time: f.end * 1000,
    severity_id: severity,
    severity: SEVERITY_NAME[severity] ?? 'Unknown',
    status_id: statusId,
    status,
    message: `${f.title}: ${f.entity}`,
    count: f.evidenceCount,
    start_time: f.start * 1000,
    end_time: f.end * 1000,
    metadata: {
      version: OCSF_VERSION,
      product: { name: 'flowwatch', vendor_name: 'flowwatch', version: productVersion },
    },
    finding_info: {
      uid: f.id,
      title: `${f.title}: ${f.entity}`,
      ...(d?.description ? { desc: d.description } : {}),
      analytic: { type_id: 1, type: 'Rule', name: f.detection, uid: f.detection },
      types: [f.detection],
      first_seen_time: f.start * 1000,
      last_seen_time: f.end * 1000,
      created_time: f.createdAt * 1000,
      modified_time: f.updatedAt * 1000,
      data_sources: ['VPC Flow Logs'],
      ...(attack
        ? {
            attacks: [
              {
                tactic: { uid: attack.tactic, name: attack.tacticName },
                technique: { uid: attack.technique, name: attack.techniqueName },
              },
            ],
          }
        : {}),
    },
    resources: [
      {
        uid: f.entity,
        type: f.entity.startsWith('eni-') ? 'Network Interface' : 'IP Address',
        ...(known?.instanceName !== undefined ? { name: known.instanceName } : {}),
      },
    ],
    ...(evidences.length > 0 ? { evidences } : {}),
    cloud: {
      provider: 'AWS',
      ...(typeof region === 'string' ? { region } : {}),
      ...(typeof account === 'string' ? { account: { uid: account } } : {}),
    },
    unmapped: {
      entity: f.entity,
      peers: f.peers,
      more_peers: f.morePeers,
      peak: f.peak,
      evidence_query: f.evidenceSql,
      evidence_engine: f.evidenceEngine,
      ...(f.stateReason !== undefined ? { state_reason: f.stateReason } : {}),
      ...(f.stateUntil !== undefined ? { state_until: f.stateUntil } : {}),
      ...(known !== undefined ? entityFacts(known, names!) : {}),
    },
  };
}

/** What the snapshot knows of a finding's entity, for `unmapped` (absent ids left out). */
function entityFacts(
  x: NonNullable<ReturnType<typeof entityNames>>,
  names: ResourceNames,
): Record<string, string> {
  const out: Record<string, string> = { entity_name: shortLabel(x), entity_interface_id: x.interfaceId };
  const vpc = names.vpcOf(x.interfaceId);
  if (x.instanceId !== undefined) out['entity_instance_id'] = x.instanceId;
  if (x.subnetId !== undefined) out['entity_subnet_id'] = x.subnetId;
  if (vpc !== undefined) out['entity_vpc_id'] = vpc;
  if (x.groups.length > 0)
    out['entity_security_groups'] = x.groups
      .map((g) => (g.name && g.name !== g.id ? `${g.id} (${g.name})` : g.id))
      .join(' + ');
  return out;
}

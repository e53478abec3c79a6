// A flow log record as an OCSF 1.1.0 Network Activity event (class 4001), as Amazon Security Lake (source
// version 2) maps it: ../shared/spec/ocsf-network-activity.md §1–2.5 (the ocsf/examples 1.1.0 dossier).

import { ianaKeyword } from '../core/protocols.js';
import type { Enrichment } from '../enrich/enricher.js';
import { NAME_COLUMNS } from '../network/resource-names.js';
import { FIELDS } from '../records/catalog.js';
import { compact, type FlowRow, isoSeconds, num, str } from './flow-row.js';

export const OCSF_VERSION = '1.1.0';

/** `metadata.profiles` of every event (spec §1, 1.1.0). */
export const OCSF_PROFILES = ['cloud', 'security_control', 'datetime'] as const;

/** Verdict → activity, type, action and disposition (spec §2.2). Anything else (NODATA, SKIPDATA) → Unknown. */
export const VERDICT = {
  ACCEPT: {
    activity_id: 6,
    activity_name: 'Traffic',
    action_id: 1,
    action: 'Allowed',
    disposition_id: 1,
    disposition: 'Allowed',
  },
  REJECT: {
    activity_id: 5,
    activity_name: 'Refuse',
    action_id: 2,
    action: 'Denied',
    disposition_id: 2,
    disposition: 'Blocked',
  },
} as const;

/** traffic_path → connection_info.boundary (boundary_id = traffic_path + 3; spec §2.3). */
export const BOUNDARY: Record<number, string> = {
  1: 'Same VPC',
  2: 'Internet/VPC Gateway',
  3: 'Virtual Private Gateway',
  4: 'Intra-region VPC',
  5: 'Inter-region VPC',
  6: 'Local Gateway',
  7: 'Gateway VPC',
  8: 'Internet Gateway',
};

/**
 * Where an endpoint's autonomous system goes: `unmapped.<side>_as_number` and `unmapped.<side>_as_org` (`side`: src,
 * dst). OCSF 1.1.0's network_endpoint has no `autonomous_system` (the object and the attribute came in 1.2.0,
 * ocsf-schema #978), and its `location` has no AS either.
 */
export const AS_UNMAPPED = { number: 'as_number', name: 'as_org' } as const;

export const DIRECTION = { ingress: [1, 'Inbound'], egress: [2, 'Outbound'] } as const;

/** Columns with a mapping of their own; every other non-null catalog column goes to `unmapped`. */
export const MAPPED: ReadonlySet<string> = new Set([
  'version',
  'account_id',
  'region',
  'az_id',
  'srcaddr',
  'dstaddr',
  'pkt_srcaddr',
  'pkt_dstaddr',
  'srcport',
  'dstport',
  'protocol',
  'type',
  'tcp_flags',
  'packets',
  'bytes',
  'start',
  'end',
  'pkt_src_aws_service',
  'pkt_dst_aws_service',
  'log_status',
  'action',
  'traffic_path',
  'flow_direction',
  'interface_id',
  'vpc_id',
  'subnet_id',
  'instance_id',
]);

/**
 * An interface id of the record (`instance_id`, `subnet_id`, `vpc_id`), else the newest network snapshot's
 * (`snapshot_<column>`, joined by the export) when the record's format lacks the field. A record that has the field
 * keeps it, "-" included (absent): the record is evidence, the snapshot is today's.
 */
export function eniId(row: FlowRow, column: 'instance_id' | 'subnet_id' | 'vpc_id'): string | undefined {
  const own = row[column];
  return own === null || own === undefined ? str(row, `snapshot_${column}`) : str(row, column);
}

/** The endpoint IP: the packet-level address, keeping the other as an intermediate one (spec §2.4). */
function endpointIp(
  addr: string | undefined,
  pkt: string | undefined,
): { ip?: string; intermediate_ips?: string[] } {
  if (pkt === undefined || addr === undefined || pkt === addr) {
    const ip = pkt ?? addr;
    return ip === undefined ? {} : { ip };
  }
  return { ip: pkt, intermediate_ips: [addr] };
}

/**
 * Maps one record to an OCSF 1.1.0 Network Activity event. Absent values are omitted (never `"-"`).
 *
 * @example toOcsf({ action: 'ACCEPT', start: 1716200105, ... }).type_uid // 400106
 */
export function toOcsf(
  row: FlowRow,
  lookup?: (ip: string | undefined) => Enrichment | undefined,
): Record<string, unknown> {
  // Offline enrichment of each endpoint: its country as `location.country` (OCSF 1.1.0 network_endpoint), its AS
  // under `unmapped` (AS_UNMAPPED): OCSF 1.1.0's network_endpoint has no `autonomous_system` (added in 1.2.0).
  const srcInfo = lookup?.(str(row, 'pkt_srcaddr') ?? str(row, 'srcaddr'));
  const dstInfo = lookup?.(str(row, 'pkt_dstaddr') ?? str(row, 'dstaddr'));
  const where = (e: Enrichment | undefined) => (e ? { location: compact({ country: e.country }) } : {});
  const action = str(row, 'action');
  const verdict = action === 'ACCEPT' || action === 'REJECT' ? VERDICT[action] : undefined;
  const activityId = verdict?.activity_id ?? 0;
  const start = num(row, 'start');
  const end = num(row, 'end');
  // OCSF's required `time` is the event time (start, or for formats without it, where the time came from).
  const time = num(row, 'event_time') ?? start;
  const dirName = str(row, 'flow_direction');
  const direction = dirName === 'ingress' || dirName === 'egress' ? DIRECTION[dirName] : undefined;
  const protocol = num(row, 'protocol');
  const trafficPath = num(row, 'traffic_path');

  // ENI-side identifiers go to the endpoint that owns the interface; without a direction, to unmapped. With a
  // network snapshot: the ids the record's format lacks, and `name` = the instance's Name tag (OCSF's "short name
  // of the endpoint") when the instance is the snapshot's (docs/decisions/54-ocsf-names.md).
  const instance = eniId(row, 'instance_id');
  const eni = compact({
    interface_uid: str(row, 'interface_id'),
    vpc_uid: eniId(row, 'vpc_id'),
    subnet_uid: eniId(row, 'subnet_id'),
    instance_uid: instance,
    name:
      instance !== undefined && instance === str(row, 'snapshot_instance_id')
        ? str(row, 'instance_name')
        : undefined,
  });
  const src = compact({
    ...endpointIp(str(row, 'srcaddr'), str(row, 'pkt_srcaddr')),
    port: num(row, 'srcport'),
    svc_name: str(row, 'pkt_src_aws_service'),
    ...(dirName === 'egress' ? eni : {}),
    ...where(srcInfo),
  });
  const dst = compact({
    ...endpointIp(str(row, 'dstaddr'), str(row, 'pkt_dstaddr')),
    port: num(row, 'dstport'),
    svc_name: str(row, 'pkt_dst_aws_service'),
    ...(dirName === 'ingress' ? eni : {}),
    ...where(dstInfo),
  });

  const unmapped: Record<string, unknown> = {};
  for (const f of FIELDS) {
    if (MAPPED.has(f.column)) continue;
    const v = row[f.column];
    if (v !== null && v !== undefined) unmapped[f.column] = v;
  }
  if (direction === undefined) {
    for (const c of ['interface_id', 'vpc_id', 'subnet_id', 'instance_id']) {
      const v = str(row, c);
      if (v !== undefined) unmapped[c] = v;
    }
  }
  // The interface's names from the newest network snapshot, the CSV/NDJSON export's name columns.
  for (const c of NAME_COLUMNS) {
    const v = str(row, c);
    if (v !== undefined) unmapped[c] = v;
  }
  // Each side's autonomous system (OCSF 1.1.0 has no place for it on the endpoint).
  for (const [side, e] of [
    ['src', srcInfo],
    ['dst', dstInfo],
  ] as const) {
    if (e?.asNumber !== undefined) unmapped[`${side}_${AS_UNMAPPED.number}`] = e.asNumber;
    if (e?.asOrganization !== undefined) unmapped[`${side}_${AS_UNMAPPED.name}`] = e.asOrganization;
  }

  const observables: Record<string, unknown>[] = [];
  if (src?.ip !== undefined)
    observables.push({ name: 'src_endpoint.ip', type: 'IP Address', type_id: 2, value: src.ip });
  if (dst?.ip !== undefined)
    observables.push({ name: 'dst_endpoint.ip', type: 'IP Address', type_id: 2, value: dst.ip });
  for (const [name, ep] of [
    ['src_endpoint', src],
    ['dst_endpoint', dst],
  ] as const) {
    const id = ep?.['instance_uid'];
    if (typeof id === 'string')
      observables.push({ name: `${name}.instance_uid`, type: 'Resource UID', type_id: 10, value: id });
  }

  const version = num(row, 'version');
  const account = str(row, 'account_id') ?? str(row, 'file_account');
  return compact({
    class_uid: 4001,
    class_name: 'Network Activity',
    category_uid: 4,
    category_name: 'Network Activity',
    activity_id: activityId,
    activity_name: verdict?.activity_name ?? 'Unknown',
    type_uid: 4001 * 100 + activityId,
    type_name: `Network Activity: ${verdict?.activity_name ?? 'Unknown'}`,
    action_id: verdict?.action_id,
    action: verdict?.action,
    disposition_id: verdict?.disposition_id,
    disposition: verdict?.disposition,
    severity_id: 1,
    severity: 'Informational',
    status_code: str(row, 'log_status'),
    time: time === undefined ? undefined : time * 1000,
    time_dt: time === undefined ? undefined : isoSeconds(time),
    start_time: start === undefined ? undefined : start * 1000,
    start_time_dt: start === undefined ? undefined : isoSeconds(start),
    end_time: end === undefined ? undefined : end * 1000,
    end_time_dt: end === undefined ? undefined : isoSeconds(end),
    metadata: {
      version: OCSF_VERSION,
      profiles: [...OCSF_PROFILES],
      product: compact({
        name: 'Amazon VPC',
        vendor_name: 'AWS',
        version: version === undefined ? undefined : String(version),
        feature: { name: 'Flowlogs' },
      }),
    },
    cloud: compact({
      provider: 'AWS',
      region: str(row, 'region') ?? str(row, 'file_region'),
      zone: str(row, 'az_id'),
      account: account === undefined ? undefined : { uid: account },
    }),
    src_endpoint: src,
    dst_endpoint: dst,
    connection_info: compact({
      protocol_num: protocol,
      protocol_name: protocol === undefined ? undefined : ianaKeyword(protocol),
      protocol_ver: str(row, 'type'),
      tcp_flags: num(row, 'tcp_flags'),
      // A v5 format (flow_direction present) without traffic_path: AWS writes "-", mapped to 99 (spec §2.3).
      boundary_id: trafficPath !== undefined ? trafficPath + 3 : direction !== undefined ? 99 : undefined,
      boundary:
        trafficPath !== undefined
          ? (BOUNDARY[trafficPath] ?? String(trafficPath))
          : direction !== undefined
            ? '-'
            : undefined,
      direction_id: direction?.[0],
      direction: direction?.[1],
    }),
    traffic: compact({ packets: num(row, 'packets'), bytes: num(row, 'bytes') }),
    observables: observables.length > 0 ? observables : undefined,
    unmapped: compact(unmapped),
  }) as Record<string, unknown>;
}

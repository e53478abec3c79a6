// A flow log record as an Elastic Common Schema (ECS 8.x) document, following the field names of Elastic's
// own `aws.vpcflow` integration: the 5-tuple in source/destination/network, the verdict in event, the
// account and region in cloud, and every flow log field also under `aws.vpcflow.<column>`.

import { ianaKeyword } from '../core/protocols.js';
import type { Enrichment } from '../enrich/enricher.js';
import { FIELDS } from '../records/catalog.js';
import { compact, type FlowRow, isoSeconds, num, str } from './flow-row.js';

export const ECS_VERSION = '8.11.0';

/**
 * Maps one record to an ECS document. Absent values are omitted. With `lookup`, each side's autonomous system and
 * country (offline enrichment) fill `source.as.*`, `source.geo.country_iso_code` and the destination's.
 *
 * @example toEcs({ action: 'REJECT', protocol: 6, ... }).event.outcome // 'failure'
 */
export function toEcs(
  row: FlowRow,
  lookup?: (ip: string | undefined) => Enrichment | undefined,
): Record<string, unknown> {
  const side = (ip: string | undefined) => {
    const e = lookup?.(ip);
    if (!e) return {};
    return {
      as: compact({
        number: e.asNumber,
        organization: e.asOrganization === undefined ? undefined : { name: e.asOrganization },
      }),
      geo: compact({ country_iso_code: e.country }),
    };
  };
  const start = num(row, 'start');
  const end = num(row, 'end');
  // `@timestamp` is the event time (start, or for formats without it, where the time came from).
  const time = num(row, 'event_time') ?? start;
  const action = str(row, 'action');
  const protocol = num(row, 'protocol');
  const type = str(row, 'type');
  const vpcflow: Record<string, unknown> = {};
  for (const f of FIELDS) {
    const v = row[f.column];
    if (v !== null && v !== undefined) vpcflow[f.column] = v;
  }
  return compact({
    '@timestamp': time === undefined ? undefined : isoSeconds(time),
    ecs: { version: ECS_VERSION },
    event: compact({
      kind: 'event',
      category: ['network'],
      type:
        action === 'ACCEPT'
          ? ['connection', 'allowed']
          : action === 'REJECT'
            ? ['connection', 'denied']
            : ['connection'],
      action: action?.toLowerCase(),
      outcome: action === 'ACCEPT' ? 'success' : action === 'REJECT' ? 'failure' : undefined,
      start: start === undefined ? undefined : isoSeconds(start),
      end: end === undefined ? undefined : isoSeconds(end),
      dataset: 'aws.vpcflow',
      provider: 'vpcflowlogs',
    }),
    source: compact({ ip: str(row, 'srcaddr'), port: num(row, 'srcport'), ...side(str(row, 'srcaddr')) }),
    destination: compact({
      ip: str(row, 'dstaddr'),
      port: num(row, 'dstport'),
      ...side(str(row, 'dstaddr')),
    }),
    network: compact({
      transport: protocol === undefined ? undefined : (ianaKeyword(protocol) ?? String(protocol)),
      iana_number: protocol === undefined ? undefined : String(protocol),
      type: type === 'IPv4' ? 'ipv4' : type === 'IPv6' ? 'ipv6' : undefined,
      bytes: num(row, 'bytes'),
      packets: num(row, 'packets'),
      direction: str(row, 'flow_direction'),
    }),
    cloud: compact({
      provider: 'aws',
      account: compact({ id: str(row, 'account_id') ?? str(row, 'file_account') }),
      region: str(row, 'region') ?? str(row, 'file_region'),
      availability_zone: str(row, 'az_id'),
      // instance_name: the instance's Name tag, when the export joined the newest network snapshot's names
      instance: compact({ id: str(row, 'instance_id'), name: str(row, 'instance_name') }),
    }),
    aws: { vpcflow },
  }) as Record<string, unknown>;
}

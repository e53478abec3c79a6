// Traffic paths and their cost: bytes by path (traffic-path, next-hop interface type), NAT-processed and cross-AZ bytes, S3/DynamoDB through NAT.

import type { Store } from './store.js';
import { type Coverage, coveredPredicate, RANGE, type ReportRange, rangeParams } from './traffic-reports.js';

/** Bytes per path of egress records. */
export interface PathRow {
  readonly path: string;
  readonly flows: number;
  readonly bytes: number;
}

export interface PathsReport {
  /** Egress records (flow-direction egress) by path: next-hop interface type first, else the traffic-path code. */
  readonly paths: { readonly rows: readonly PathRow[]; readonly coverage: Coverage };
  /**
   * Bytes the NAT gateways processed: ingress records of NAT gateway interfaces (interface-type nat_gateway or
   * regional_nat_gateway, or a resource-id nat-…); every byte through a NAT gateway enters one of them once.
   */
  readonly nat: {
    readonly bytes: number;
    readonly coverage: Coverage;
    /** The NAT-processed bytes to or from an AWS service (pkt-*-aws-service), e.g. S3. */
    readonly byService: readonly PathRow[];
  };
  /** Egress records whose az-id differs from next-hop-az-id. */
  readonly crossAz: { readonly bytes: number; readonly flows: number; readonly coverage: Coverage };
  /** Unix seconds covered by the records (last event time - first + 1), for monthly estimates; 0 when none. */
  readonly spanSeconds: number;
  readonly warnings: readonly string[];
}

/** Path label of an egress record (spec §4.3 for traffic-path codes; §10.2 for next-hop interface types). */
const PATH_SQL = `CASE
  WHEN next_hop_interface_type IN ('nat_gateway', 'regional_nat_gateway') THEN 'NAT gateway'
  WHEN next_hop_interface_type = 'transit_gateway' THEN 'transit gateway'
  WHEN next_hop_interface_type = 'vpc_endpoint' THEN 'interface VPC endpoint'
  WHEN next_hop_interface_type = 'network_load_balancer' THEN 'network load balancer'
  WHEN traffic_path = 1 THEN 'within the VPC'
  WHEN traffic_path = 2 THEN 'internet gateway or gateway VPC endpoint'
  WHEN traffic_path = 3 THEN 'virtual private gateway'
  WHEN traffic_path = 4 THEN 'VPC peering (same region)'
  WHEN traffic_path = 5 THEN 'VPC peering (inter-region)'
  WHEN traffic_path = 6 THEN 'local gateway'
  WHEN traffic_path = 7 THEN 'gateway VPC endpoint'
  WHEN traffic_path = 8 THEN 'internet gateway'
  ELSE 'unknown' END`;

const TRAFFIC = `(log_status IS NULL OR log_status = 'OK')`;
const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/**
 * Bytes by traffic path, NAT-processed bytes (with the share to or from AWS services) and cross-AZ bytes, each
 * with the coverage of the fields it needs and a loud warning when the stored formats lack them.
 *
 * @example const r = await pathsReport(store, { since: 1716163200 })
 */
export async function pathsReport(store: Store, opts: ReportRange = {}): Promise<PathsReport> {
  const params = rangeParams(opts);
  const warnings: string[] = [];
  const hasDir = await coveredPredicate(store, 'flow_direction');
  const hasPath = await coveredPredicate(store, 'traffic_path');
  const hasHop = await coveredPredicate(store, 'next_hop_interface_type');
  const hasItype = await coveredPredicate(store, 'interface_type');
  const hasRes = await coveredPredicate(store, 'resource_id');
  const hasAz = await coveredPredicate(store, 'az_id');
  const hasHopAz = await coveredPredicate(store, 'next_hop_az_id');
  const isNat = `coalesce(flow_direction = 'ingress'
    AND (interface_type IN ('nat_gateway', 'regional_nat_gateway') OR starts_with(resource_id, 'nat-')), false)`;
  // One pass: paths of egress records, NAT-processed bytes by AWS service, cross-AZ bytes, the coverage of each and
  // the span; every key has few values, so the sections are sums over this grouping, made here.
  const all = await store.query(
    `SELECT (${hasDir}) AND ((${hasPath}) OR (${hasHop})) AS cp,
       (${hasDir}) AND ((${hasItype}) OR (${hasRes})) AS cn,
       (${hasDir}) AND (${hasAz}) AND (${hasHopAz}) AS ca,
       CASE WHEN flow_direction = 'egress' AND ((${hasPath}) OR (${hasHop})) THEN ${PATH_SQL} END AS path,
       ${isNat} AS nat,
       CASE WHEN ${isNat} THEN coalesce(pkt_dst_aws_service, pkt_src_aws_service) END AS svc,
       coalesce(flow_direction = 'egress' AND az_id <> next_hop_az_id, false) AS xaz,
       count(*) AS flows, coalesce(sum(bytes), 0) AS bytes, min(event_time) AS first, max(event_time) AS last
     FROM flows WHERE ${TRAFFIC} AND ${RANGE} GROUP BY ALL`,
    params,
  );
  const cov = (flag: string): Coverage => {
    let records = 0;
    let covered = 0;
    for (const r of all.rows) {
      records += num(r['flows']);
      if (r[flag] === true) covered += num(r['flows']);
    }
    return { records, covered, share: records > 0 ? covered / records : 0 };
  };
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const sums = (key: string, when: (r: Record<string, unknown>) => boolean = () => true) => {
    const m = new Map<string, { flows: number; bytes: number }>();
    for (const r of all.rows) {
      const k = r[key];
      if (k === null || k === undefined || !when(r)) continue;
      const x = m.get(String(k)) ?? { flows: 0, bytes: 0 };
      x.flows += num(r['flows']);
      x.bytes += num(r['bytes']);
      m.set(String(k), x);
    }
    return [...m.entries()]
      .map(([path, x]) => ({ path, flows: x.flows, bytes: x.bytes }))
      .sort((a, b) => b.bytes - a.bytes || cmp(a.path, b.path));
  };

  const pathCov = cov('cp');
  const paths = { rows: sums('path') };
  if (pathCov.records > 0 && pathCov.covered === 0) {
    warnings.push(
      'no stored record has flow-direction with traffic-path or next-hop-interface-type: add ${flow-direction} ${traffic-path} (version 5) or ${next-hop-interface-type} (version 11) to the flow log format; paths are unknown, not zero',
    );
  } else if (pathCov.covered < pathCov.records) {
    warnings.push(
      `only ${pathCov.covered} of ${pathCov.records} traffic records (${((pathCov.covered / pathCov.records) * 100).toFixed(1)}%) have flow-direction and traffic-path or next-hop-interface-type; paths cover those records only`,
    );
  }

  const natCov = cov('cn');
  const natBytes = all.rows.filter((r) => r['nat'] === true).reduce((a, r) => a + num(r['bytes']), 0);
  const nat = { rows: [{ bytes: natBytes }] };
  const natByService = { rows: sums('svc', (r) => r['nat'] === true) };
  if (natCov.records > 0 && natCov.covered === 0) {
    warnings.push(
      'no stored record has interface-type or resource-id with flow-direction: add ${interface-type} ${flow-direction} to the flow log format (version 11) to see NAT-processed bytes; they are unknown, not zero',
    );
  } else if (natCov.covered < natCov.records) {
    warnings.push(
      `only ${natCov.covered} of ${natCov.records} traffic records (${((natCov.covered / natCov.records) * 100).toFixed(1)}%) have interface-type and flow-direction; NAT-processed bytes cover those records only`,
    );
  }

  const azCov = cov('ca');
  const cross = all.rows.filter((r) => r['xaz'] === true);
  const az = {
    rows: [
      {
        flows: cross.reduce((a, r) => a + num(r['flows']), 0),
        bytes: cross.reduce((a, r) => a + num(r['bytes']), 0),
      },
    ],
  };
  if (azCov.records > 0 && azCov.covered === 0) {
    warnings.push(
      'no stored record has az-id, next-hop-az-id and flow-direction: add ${az-id} ${next-hop-az-id} ${flow-direction} to the flow log format (version 11) to see cross-AZ bytes; they are unknown, not zero',
    );
  } else if (azCov.covered < azCov.records) {
    warnings.push(
      `only ${azCov.covered} of ${azCov.records} traffic records (${((azCov.covered / azCov.records) * 100).toFixed(1)}%) have az-id and next-hop-az-id; cross-AZ bytes cover those records only`,
    );
  }
  const firsts = all.rows.map((r) => num(r['first']));
  const lasts = all.rows.map((r) => num(r['last']));
  const spanSeconds = all.rows.length === 0 ? 0 : Math.max(...lasts) - Math.min(...firsts) + 1;
  if (pathCov.records === 0) warnings.unshift('no traffic records in this time range');

  return {
    paths: { rows: paths.rows, coverage: pathCov },
    nat: { bytes: nat.rows[0]!.bytes, coverage: natCov, byService: natByService.rows },
    crossAz: { bytes: az.rows[0]!.bytes, flows: az.rows[0]!.flows, coverage: azCov },
    spanSeconds,
    warnings,
  };
}

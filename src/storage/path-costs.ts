// Traffic paths and their cost: bytes by path (traffic-path, next-hop interface type), NAT-processed and cross-AZ bytes, S3/DynamoDB through NAT.

import type { Store } from './store.js';
import { type Coverage, coverage, coveredPredicate, type ReportRange } from './traffic-reports.js';

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
const RANGE = `(event_time >= $1 OR $1 IS NULL) AND (event_time < $2 OR $2 IS NULL)`;
const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/**
 * Bytes by traffic path, NAT-processed bytes (with the share to or from AWS services) and cross-AZ bytes, each
 * with the coverage of the fields it needs and a loud warning when the stored formats lack them.
 *
 * @example const r = await pathsReport(store, { since: 1716163200 })
 */
export async function pathsReport(store: Store, opts: ReportRange = {}): Promise<PathsReport> {
  const params = [opts.since ?? null, opts.until ?? null];
  const where = `FROM flows WHERE ${TRAFFIC} AND ${RANGE}`;
  const warnings: string[] = [];
  const hasDir = await coveredPredicate(store, 'flow_direction');
  const hasPath = await coveredPredicate(store, 'traffic_path');
  const hasHop = await coveredPredicate(store, 'next_hop_interface_type');

  const pathCov = await coverage(store, `(${hasDir}) AND ((${hasPath}) OR (${hasHop}))`, params);
  const paths = await store.query(
    `SELECT ${PATH_SQL} AS path, count(*) AS flows, coalesce(sum(bytes), 0) AS bytes
     ${where} AND flow_direction = 'egress' AND ((${hasPath}) OR (${hasHop})) GROUP BY 1 ORDER BY 3 DESC, 1`,
    params,
  );
  if (pathCov.records > 0 && pathCov.covered === 0) {
    warnings.push(
      'no stored record has flow-direction with traffic-path or next-hop-interface-type: add ${flow-direction} ${traffic-path} (version 5) or ${next-hop-interface-type} (version 11) to the flow log format; paths are unknown, not zero',
    );
  } else if (pathCov.covered < pathCov.records) {
    warnings.push(
      `only ${pathCov.covered} of ${pathCov.records} traffic records (${((pathCov.covered / pathCov.records) * 100).toFixed(1)}%) have flow-direction and traffic-path or next-hop-interface-type; paths cover those records only`,
    );
  }

  const hasItype = await coveredPredicate(store, 'interface_type');
  const hasRes = await coveredPredicate(store, 'resource_id');
  const natCov = await coverage(store, `(${hasDir}) AND ((${hasItype}) OR (${hasRes}))`, params);
  const natWhere = `${where} AND flow_direction = 'ingress'
    AND (interface_type IN ('nat_gateway', 'regional_nat_gateway') OR starts_with(resource_id, 'nat-'))`;
  const nat = await store.query(`SELECT coalesce(sum(bytes), 0) AS bytes ${natWhere}`, params);
  const natByService = await store.query(
    `SELECT coalesce(pkt_dst_aws_service, pkt_src_aws_service) AS path, count(*) AS flows,
       coalesce(sum(bytes), 0) AS bytes
     ${natWhere} AND coalesce(pkt_dst_aws_service, pkt_src_aws_service) IS NOT NULL GROUP BY 1 ORDER BY 3 DESC, 1`,
    params,
  );
  if (natCov.records > 0 && natCov.covered === 0) {
    warnings.push(
      'no stored record has interface-type or resource-id with flow-direction: add ${interface-type} ${flow-direction} to the flow log format (version 11) to see NAT-processed bytes; they are unknown, not zero',
    );
  } else if (natCov.covered < natCov.records) {
    warnings.push(
      `only ${natCov.covered} of ${natCov.records} traffic records (${((natCov.covered / natCov.records) * 100).toFixed(1)}%) have interface-type and flow-direction; NAT-processed bytes cover those records only`,
    );
  }

  const hasAz = await coveredPredicate(store, 'az_id');
  const hasHopAz = await coveredPredicate(store, 'next_hop_az_id');
  const azCov = await coverage(store, `(${hasDir}) AND (${hasAz}) AND (${hasHopAz})`, params);
  const az = await store.query(
    `SELECT count(*) AS flows, coalesce(sum(bytes), 0) AS bytes ${where} AND flow_direction = 'egress'
       AND az_id IS NOT NULL AND next_hop_az_id IS NOT NULL AND az_id <> next_hop_az_id`,
    params,
  );
  if (azCov.records > 0 && azCov.covered === 0) {
    warnings.push(
      'no stored record has az-id, next-hop-az-id and flow-direction: add ${az-id} ${next-hop-az-id} ${flow-direction} to the flow log format (version 11) to see cross-AZ bytes; they are unknown, not zero',
    );
  } else if (azCov.covered < azCov.records) {
    warnings.push(
      `only ${azCov.covered} of ${azCov.records} traffic records (${((azCov.covered / azCov.records) * 100).toFixed(1)}%) have az-id and next-hop-az-id; cross-AZ bytes cover those records only`,
    );
  }
  const span = await store.query(`SELECT min(event_time) AS first, max(event_time) AS last ${where}`, params);
  const first = span.rows[0]?.['first'];
  const last = span.rows[0]?.['last'];
  const spanSeconds = first === null || first === undefined ? 0 : num(last) - num(first) + 1;
  if (pathCov.records === 0) warnings.unshift('no traffic records in this time range');

  const rows = (r: readonly Record<string, unknown>[]): PathRow[] =>
    r.map((x) => ({ path: String(x['path']), flows: num(x['flows']), bytes: num(x['bytes']) }));
  return {
    paths: { rows: rows(paths.rows), coverage: pathCov },
    nat: { bytes: num(nat.rows[0]?.['bytes']), coverage: natCov, byService: rows(natByService.rows) },
    crossAz: { bytes: num(az.rows[0]?.['bytes']), flows: num(az.rows[0]?.['flows']), coverage: azCov },
    spanSeconds,
    warnings,
  };
}

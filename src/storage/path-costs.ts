// Traffic paths and their cost: bytes by path (traffic-path, next-hop interface type), NAT-processed and cross-AZ bytes, S3/DynamoDB through NAT.

import type { Store } from './store.js';
import { type Coverage, coveredPredicate, type ReportRange } from './traffic-reports.js';
import { pathsRows, rolledRows } from './view-rollups.js';

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

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/**
 * Bytes by traffic path, NAT-processed bytes (with the share to or from AWS services) and cross-AZ bytes, each
 * with the coverage of the fields it needs and a loud warning when the stored formats lack them.
 *
 * @example const r = await pathsReport(store, { since: 1716163200 })
 */
export async function pathsReport(store: Store, opts: ReportRange = {}): Promise<PathsReport> {
  const warnings: string[] = [];
  const hasDir = await coveredPredicate(store, 'flow_direction');
  const hasPath = await coveredPredicate(store, 'traffic_path');
  const hasHop = await coveredPredicate(store, 'next_hop_interface_type');
  const hasItype = await coveredPredicate(store, 'interface_type');
  const hasRes = await coveredPredicate(store, 'resource_id');
  const hasAz = await coveredPredicate(store, 'az_id');
  const hasHopAz = await coveredPredicate(store, 'next_hop_az_id');
  // One pass over the per-hour rollup (and the records at the range's edges, view-rollups.ts): paths of egress
  // records, NAT-processed bytes by AWS service, cross-AZ bytes, the coverage of each and the span; every key has
  // few values, so the sections are sums over this grouping, made here.
  const rows = await rolledRows(store, 'paths_rollup', 'true', pathsRows, opts);
  const all = await store.query(
    `SELECT (${hasDir}) AND ((${hasPath}) OR (${hasHop})) AS cp,
       (${hasDir}) AND ((${hasItype}) OR (${hasRes})) AS cn,
       (${hasDir}) AND (${hasAz}) AND (${hasHopAz}) AS ca,
       CASE WHEN (${hasPath}) OR (${hasHop}) THEN path END AS path,
       nat, svc, xaz, sum(flows) AS flows, coalesce(sum(bytes), 0) AS bytes,
       min(first_time) AS first, max(last_time) AS last
     FROM (${rows}) AS r GROUP BY ALL`,
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

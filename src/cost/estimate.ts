// Estimated costs of the traffic paths report: per-GB prices × bytes, extrapolated to 30 days, and the savings a gateway endpoint would bring.

import { AWS_UNITS, scaleBytes } from '../core/bytes.js';
import type { PathsReport } from '../storage/path-costs.js';
import type { PriceTable, RegionPrices } from './prices.js';

/** AWS bills data transfer per GB of 2^30 bytes. */
export const GB = 2 ** 30;
const MONTH = 30 * 86400;

export interface CostLine {
  readonly item: string;
  readonly bytes: number;
  readonly usdPerGb: number;
  /** Cost of the bytes in the report's range. */
  readonly usd: number;
  /** The same extrapolated to 30 days from the records' span; null when the span is under an hour. */
  readonly usdPer30Days: number | null;
}

export interface CostEstimate {
  readonly region: string;
  readonly pricesAsOf: string;
  readonly pricesSource: string;
  readonly lines: readonly CostLine[];
  /** Concrete advice, e.g. S3 traffic through the NAT gateway and what a gateway endpoint would save. */
  readonly savings: readonly string[];
}

/**
 * Prices the report's bytes: NAT gateway processing, cross-AZ transfer (both directions), transit gateway and
 * interface endpoint processing, and internet egress of the `internet gateway` path (traffic-path 8; code 2 is
 * not priced, as it does not tell the internet from a gateway endpoint).
 *
 * @example estimateCosts(await pathsReport(store), DEFAULT_PRICES, 'us-east-1')
 */
export function estimateCosts(
  r: PathsReport,
  table: PriceTable,
  region: string,
  p: RegionPrices,
): CostEstimate {
  const month = r.spanSeconds >= 3600 ? MONTH / r.spanSeconds : null;
  const line = (item: string, bytes: number, usdPerGb: number): CostLine => {
    const usd = (bytes / GB) * usdPerGb;
    return { item, bytes, usdPerGb, usd, usdPer30Days: month === null ? null : usd * month };
  };
  const pathBytes = (path: string) => r.paths.rows.find((x) => x.path === path)?.bytes ?? 0;
  const lines: CostLine[] = [];
  if (r.nat.coverage.covered > 0)
    lines.push(line('NAT gateway data processing', r.nat.bytes, p.natGatewayPerGb));
  if (r.crossAz.coverage.covered > 0) {
    lines.push(line('cross-AZ data transfer (out and in)', r.crossAz.bytes, 2 * p.crossAzPerGbEachWay));
  }
  if (r.paths.coverage.covered > 0) {
    lines.push(line('transit gateway data processing', pathBytes('transit gateway'), p.transitGatewayPerGb));
    lines.push(
      line(
        'interface VPC endpoint data processing',
        pathBytes('interface VPC endpoint'),
        p.interfaceEndpointPerGb,
      ),
    );
    lines.push(
      line('internet egress (internet gateway path)', pathBytes('internet gateway'), p.internetOutPerGb),
    );
  }
  const savings: string[] = [];
  for (const s of r.nat.byService) {
    if (s.path !== 'S3' && s.path !== 'DYNAMODB') continue;
    const c = line('', s.bytes, p.natGatewayPerGb);
    const amount =
      c.usdPer30Days === null
        ? `${fmtBytes(s.bytes)} in this range, about $${c.usd.toFixed(2)}`
        : `${fmtBytes(s.bytes * (month ?? 1))}/30 days, about $${c.usdPer30Days.toFixed(2)}`;
    savings.push(
      `${s.path === 'S3' ? 'S3' : 'DynamoDB'} traffic through the NAT gateway: ${amount}; a gateway endpoint would make it free`,
    );
  }
  return { region, pricesAsOf: table.asOf, pricesSource: table.source, lines, savings };
}

/** Bytes in the units AWS bills: 1.2 TB = 1.2 × 2^40 bytes. */
export function fmtBytes(n: number): string {
  return scaleBytes(n, AWS_UNITS);
}

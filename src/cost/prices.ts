// AWS per-GB network prices used to estimate the cost of traffic paths: dated, per region, editable as a JSON file.

import { readFileSync } from 'node:fs';
import { UsageError } from '../core/errors.js';

/** Per-GB prices (USD, GB = 2^30 bytes as AWS bills data transfer) of one region. */
export interface RegionPrices {
  /** NAT gateway data processing, every byte through it, either direction. */
  readonly natGatewayPerGb: number;
  /** Data transfer between Availability Zones of a region, charged in EACH direction (out of one AZ, into the other). */
  readonly crossAzPerGbEachWay: number;
  /** Transit gateway data processing. */
  readonly transitGatewayPerGb: number;
  /** Interface VPC endpoint (PrivateLink) data processing. */
  readonly interfaceEndpointPerGb: number;
  /** Data transfer out to the internet (first 10 TB/month tier). */
  readonly internetOutPerGb: number;
}

/** A price table: when the prices were read, from where, and the prices per region. */
export interface PriceTable {
  /** The date the prices were read (YYYY-MM-DD): estimates say it, since AWS changes prices. */
  readonly asOf: string;
  readonly source: string;
  readonly regions: Readonly<Record<string, RegionPrices>>;
}

const US: RegionPrices = {
  natGatewayPerGb: 0.045,
  crossAzPerGbEachWay: 0.01,
  transitGatewayPerGb: 0.02,
  interfaceEndpointPerGb: 0.01,
  internetOutPerGb: 0.09,
};

/**
 * The built-in table: AWS list prices of the US East/West regions as published on the Amazon VPC and EC2
 * data-transfer pricing pages (relayed by 2026 pricing guides). Pass `--prices FILE` for other regions or newer prices.
 */
export const DEFAULT_PRICES: PriceTable = {
  asOf: '2026-03-01',
  source: 'AWS list prices (Amazon VPC pricing, EC2 data transfer), US regions',
  regions: { 'us-east-1': US, 'us-east-2': US, 'us-west-1': US, 'us-west-2': US },
};

const KEYS: readonly (keyof RegionPrices)[] = [
  'natGatewayPerGb',
  'crossAzPerGbEachWay',
  'transitGatewayPerGb',
  'interfaceEndpointPerGb',
  'internetOutPerGb',
];

/**
 * Reads a price table from a JSON file of the {@link PriceTable} shape; every region must give every price as a
 * number ≥ 0 and `asOf` must be a date. Throws UsageError (`BAD_PRICES`) naming the file and the member.
 *
 * @example loadPrices('prices.json').regions['eu-west-1']?.natGatewayPerGb
 */
export function loadPrices(path: string): PriceTable {
  const bad = (what: string) =>
    new UsageError(
      'BAD_PRICES',
      `${path}: ${what}`,
      'see `flowwatch report paths --help` for the file shape',
    );
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw bad(`not readable JSON (${(err as Error).message})`);
  }
  const t = raw as Partial<PriceTable> | null;
  if (typeof t !== 'object' || t === null) throw bad('expected a JSON object');
  if (typeof t.asOf !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(t.asOf))
    throw bad('asOf must be a date YYYY-MM-DD');
  if (typeof t.regions !== 'object' || t.regions === null) throw bad('regions must be an object of regions');
  for (const [region, p] of Object.entries(t.regions)) {
    for (const k of KEYS) {
      const v = (p as unknown as Record<string, unknown>)?.[k];
      if (typeof v !== 'number' || !(v >= 0)) throw bad(`regions.${region}.${k} must be a number ≥ 0`);
    }
  }
  return { asOf: t.asOf, source: typeof t.source === 'string' ? t.source : path, regions: t.regions };
}

/** The prices of a region; throws UsageError (`NO_PRICES`) listing the regions the table has. */
export function regionPrices(table: PriceTable, region: string): RegionPrices {
  const p = table.regions[region];
  if (!p) {
    throw new UsageError(
      'NO_PRICES',
      `no prices for region ${region}`,
      `the table has ${Object.keys(table.regions).join(', ')}; give --prices FILE with ${region}`,
    );
  }
  return p;
}

// Traffic paths and their estimated cost over a small hand-written v11 file, and the loud warnings for a format
// without the fields (default format).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { estimateCosts } from '../../src/cost/estimate.js';
import { DEFAULT_PRICES, loadPrices, regionPrices } from '../../src/cost/prices.js';
import { ingest } from '../../src/ingest/ingest.js';
import { pathsReport } from '../../src/storage/path-costs.js';
import { Store } from '../../src/storage/store.js';

const T = 1716199200; // 2024-05-20T10:00:00Z
const GiB = 2 ** 30;
const V11 = [
  'version interface-id az-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction traffic-path pkt-dst-aws-service pkt-src-aws-service interface-type next-hop-interface-type next-hop-az-id',
  // 1: app → S3 through the NAT gateway in another AZ: path NAT gateway, cross-AZ, 1 GiB
  `11 eni-app use1-az1 10.0.2.5 52.216.1.1 40000 443 6 9 ${GiB} ${T} ${T + 60} ACCEPT OK egress - S3 - - nat_gateway use1-az2`,
  // 2: the same bytes entering the NAT gateway's interface: NAT-processed 1 GiB (S3)
  `11 eni-nat use1-az2 10.0.2.5 52.216.1.1 40000 443 6 9 ${GiB} ${T} ${T + 60} ACCEPT OK ingress - S3 - nat_gateway - use1-az1`,
  // 3: S3's answer entering the NAT gateway: NAT-processed 2 GiB (S3)
  `11 eni-nat use1-az2 52.216.1.1 10.0.1.100 443 40000 6 9 ${2 * GiB} ${T} ${T + 60} ACCEPT OK ingress - - S3 nat_gateway - -`,
  // 4: web → internet through the internet gateway (traffic-path 8): 0.5 GiB
  `11 eni-web use1-az1 10.0.1.5 198.51.100.7 443 50000 6 9 ${GiB / 2} ${T + 100} ${T + 160} ACCEPT OK egress 8 - - - - -`,
  // 5: app → transit gateway in the same AZ: 1 GiB
  `11 eni-app use1-az1 10.0.2.5 10.1.0.9 40001 5432 6 9 ${GiB} ${T + 200} ${T + 260} ACCEPT OK egress - - - - transit_gateway use1-az1`,
  // 6: within the VPC, same AZ: 100 bytes; the last record, so the span is exactly one hour
  `11 eni-web use1-az1 10.0.1.5 10.0.1.6 40002 8080 6 1 100 ${T + 3599} ${T + 3599} ACCEPT OK egress 1 - - - - use1-az1`,
].join('\n');
const V2 = [
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
  `2 123456789012 eni-9 10.0.0.1 10.0.0.2 40000 80 6 1 300 ${T} ${T + 60} ACCEPT OK`,
].join('\n');

let dir: string;
let v11: Store;
let v2: Store;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-paths-'));
  writeFileSync(join(dir, 'v11.log'), V11);
  writeFileSync(join(dir, 'v2.log'), V2);
  v11 = await Store.open(join(dir, 'v11.duckdb'));
  await ingest(v11, [join(dir, 'v11.log')], { concurrency: 1 });
  v2 = await Store.open(join(dir, 'v2.duckdb'));
  await ingest(v2, [join(dir, 'v2.log')], { concurrency: 1 });
});

afterAll(() => {
  v11?.close();
  v2?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('paths report', () => {
  it('bytes of egress records by path, NAT-processed and cross-AZ bytes', async () => {
    const r = await pathsReport(v11);
    expect(r.paths.rows).toEqual([
      { path: 'NAT gateway', flows: 1, bytes: GiB },
      { path: 'transit gateway', flows: 1, bytes: GiB },
      { path: 'internet gateway', flows: 1, bytes: GiB / 2 },
      { path: 'within the VPC', flows: 1, bytes: 100 },
    ]);
    expect(r.nat.bytes).toBe(3 * GiB);
    expect(r.nat.byService).toEqual([{ path: 'S3', flows: 2, bytes: 3 * GiB }]);
    expect(r.crossAz).toMatchObject({ bytes: GiB, flows: 1 });
    expect(r.spanSeconds).toBe(3600);
    expect(r.warnings).toEqual([]);
  });

  it('prices them from the dated table and names the saving', async () => {
    const r = await pathsReport(v11);
    const c = estimateCosts(r, DEFAULT_PRICES, 'us-east-1', regionPrices(DEFAULT_PRICES, 'us-east-1'));
    const by = Object.fromEntries(c.lines.map((l) => [l.item, l]));
    // 3 GiB × $0.045 = $0.135; one hour of records → × 720 for 30 days = $97.20.
    expect(by['NAT gateway data processing']!.usd).toBeCloseTo(0.135, 10);
    expect(by['NAT gateway data processing']!.usdPer30Days).toBeCloseTo(97.2, 8);
    // 1 GiB × ($0.01 out + $0.01 in) = $0.02.
    expect(by['cross-AZ data transfer (out and in)']!.usd).toBeCloseTo(0.02, 10);
    expect(by['transit gateway data processing']!.usd).toBeCloseTo(0.02, 10);
    expect(by['internet egress (internet gateway path)']!.usd).toBeCloseTo(0.045, 10);
    // 3 GiB × 720 = 2160 GiB = 2.1 TB per 30 days.
    expect(c.savings).toEqual([
      'S3 traffic through the NAT gateway: 2.1 TB/30 days, about $97.20; a gateway endpoint would make it free',
    ]);
    expect(c.pricesAsOf).toBe(DEFAULT_PRICES.asOf);
  });

  it('says loudly that paths, NAT and cross-AZ bytes are unknown for the default format', async () => {
    const r = await pathsReport(v2);
    expect(r.paths.rows).toEqual([]);
    expect(r.warnings).toHaveLength(3);
    expect(r.warnings[0]).toContain('add ${flow-direction} ${traffic-path}');
    expect(r.warnings[1]).toContain('NAT-processed bytes; they are unknown, not zero');
    expect(r.warnings[2]).toContain('cross-AZ bytes; they are unknown, not zero');
    const c = estimateCosts(r, DEFAULT_PRICES, 'us-east-1', regionPrices(DEFAULT_PRICES, 'us-east-1'));
    expect(c.lines).toEqual([]);
  });
});

describe('price tables', () => {
  it('reads an edited table and refuses a bad one naming the member', () => {
    const good = join(dir, 'prices.json');
    writeFileSync(
      good,
      JSON.stringify({
        asOf: '2026-06-01',
        regions: {
          'eu-west-1': {
            natGatewayPerGb: 0.048,
            crossAzPerGbEachWay: 0.01,
            transitGatewayPerGb: 0.02,
            interfaceEndpointPerGb: 0.01,
            internetOutPerGb: 0.09,
          },
        },
      }),
    );
    expect(regionPrices(loadPrices(good), 'eu-west-1').natGatewayPerGb).toBe(0.048);
    expect(() => regionPrices(loadPrices(good), 'us-east-1')).toThrow(/no prices for region us-east-1/);
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ asOf: '2026-06-01', regions: { 'eu-west-1': { natGatewayPerGb: -1 } } }),
    );
    expect(() => loadPrices(bad)).toThrow(UsageError);
    expect(() => loadPrices(bad)).toThrow(/regions\.eu-west-1\.natGatewayPerGb must be a number ≥ 0/);
    writeFileSync(bad, '{"regions": {}}');
    expect(() => loadPrices(bad)).toThrow(/asOf must be a date/);
  });
});

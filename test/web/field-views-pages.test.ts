// The Encryption, Paths & cost and Traffic kinds pages in real headless Chromium (Debian's, driven by playwright-core)
// against a monitor over a store filled by `flowwatch ingest` of nine hand-written records in a format with the
// version 3–11 fields the views read, and a second store of version-2 records, which has none of them: every view
// there must say loudly which field is missing, with the create-flow-logs command, and show "unknown", never 0. The
// price table comes from `costs:` of the monitor's configuration (an edited file with a made-up region). Expected
// values are worked out by hand from LINES below. At 420 px no page is wider than the viewport; screenshots at 1280
// and 420 px go to test-results/screenshots/.

import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/core/logger.js';
import { type Monitor, startMonitor } from '../../src/monitor/monitor.js';
import { dashboardRoutes } from '../../src/server/dashboard.js';
import { CHROMIUM, closePage, openPage } from '../support/browser.js';
import { runMain } from '../support/capture-io.js';
import { testToolsSettled } from '../support/test-tools.js';

const WEB = resolve(import.meta.dirname, '../../dist/web');
const SHOTS = resolve(import.meta.dirname, '../../test-results/screenshots');
// npm test may still be installing chromium and awscli beside the suite: test/support/test-tools.ts.
await testToolsSettled();
const hasBrowser = existsSync(CHROMIUM) && existsSync(join(WEB, 'index.html'));

// A 10-minute boundary 30 to 40 minutes ago: every record (B to B + 90 s) lies in one UTC hour of "Last hour".
const B = Math.floor((Date.now() / 1000 - 1800) / 600) * 600;
const GiB = 2 ** 30;
const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id subnet-id az-id type flow-direction traffic-path pkt-src-aws-service pkt-dst-aws-service reject-reason encryption-status interface-type next-hop-az-id next-hop-interface-type';
let n = 0;
const rec = (fields: string) => {
  const [eni, src, dst, sp, dp, bytes, action, ...rest] = fields.split(' ');
  const t = B + n++ * 10;
  return `11 111122223333 ${eni} ${src} ${dst} ${sp} ${dp} 6 10 ${bytes} ${t} ${t + 5} ${action} OK ${rest.join(' ')}`;
};
//            eni      src          dst          sp    dp   bytes   action  vpc   subnet az       type dir   path aws-src aws-dst reason enc itype hop-az hop-type
const LINES = [
  HEADER,
  // 1: unencrypted PostgreSQL to another AZ, 2 GiB.
  rec(
    `eni-web 10.0.1.10 10.0.2.20 40000 5432 ${2 * GiB} ACCEPT vpc-a sub-a use1-az1 IPv4 egress 1 - - - 0 - use1-az2 -`,
  ),
  // 2: HTTPS to S3 through the NAT gateway (the instance's record), 10 GiB.
  rec(
    `eni-web 10.0.1.10 52.95.1.1 40001 443 ${10 * GiB} ACCEPT vpc-a sub-a use1-az1 IPv4 egress 1 - S3 - 2 - use1-az1 nat_gateway`,
  ),
  // 3: the same traffic entering the NAT gateway's interface: NAT-processed, to S3.
  rec(
    `eni-nat 10.0.1.10 52.95.1.1 40001 443 ${10 * GiB} ACCEPT vpc-a sub-p use1-az1 IPv4 ingress - - S3 - 2 nat_gateway - -`,
  ),
  // 4: and leaving it for the internet gateway.
  rec(
    `eni-nat 10.0.9.9 52.95.1.1 40001 443 ${10 * GiB} ACCEPT vpc-a sub-p use1-az1 IPv4 egress 8 - S3 - 2 nat_gateway - -`,
  ),
  // 5: plain HTTP over IPv6 inside the VPC.
  rec(
    'eni-web 2001:db8::10 2001:db8::20 50000 80 2000 ACCEPT vpc-a sub-a use1-az1 IPv6 egress 1 - - - 0 - use1-az1 -',
  ),
  // 6: EFA traffic of an HPC node in another VPC, encrypted by Nitro.
  rec('eni-hpc 10.1.3.5 10.1.3.6 0 0 10000 ACCEPT vpc-b sub-h use1-az1 EFA egress 1 - - - 1 - use1-az1 -'),
  // 7 and 8: rejected SSH by VPC Block Public Access, rejected RDP by a security group ("-").
  rec(
    'eni-web 198.51.100.7 10.0.1.10 55000 22 60 REJECT vpc-a sub-a use1-az1 IPv4 ingress - - - BPA - - - -',
  ),
  rec(
    'eni-web 198.51.100.8 10.0.1.10 55001 3389 60 REJECT vpc-a sub-a use1-az1 IPv4 ingress - - - - - - - -',
  ),
  // 9: to another VPC through the transit gateway, Nitro and TLS, 1 GiB.
  rec(
    `eni-web 10.0.1.10 10.9.0.5 40003 443 ${GiB} ACCEPT vpc-a sub-a use1-az1 IPv4 egress 1 - - - 3 - use1-az1 transit_gateway`,
  ),
];
// Version 2: the default format, none of the fields above.
const V2 = [
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
  `2 111122223333 eni-old 10.0.1.10 10.0.2.20 40000 5432 6 10 5000 ${B} ${B + 5} ACCEPT OK`,
  `2 111122223333 eni-old 198.51.100.7 10.0.1.10 55000 22 6 1 60 ${B + 10} ${B + 15} REJECT OK`,
];
// No action field (a custom format): the Overview's "Top rejected sources" cannot count them and must say so.
const NO_ACTION = [
  'version interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end',
  `2 eni-x 198.51.100.7 10.0.1.10 55000 22 6 1 60 ${B + 10} ${B + 15}`,
  `2 eni-x 198.51.100.8 10.0.1.10 55001 22 6 1 60 ${B + 20} ${B + 25}`,
];
// The edited price table: a made-up region whose NAT gateway costs $0.05/GB, beside us-east-1's list prices.
const PRICES = {
  asOf: '2026-06-01',
  source: 'our negotiated prices',
  regions: {
    'eu-test-1': {
      natGatewayPerGb: 0.05,
      crossAzPerGbEachWay: 0.01,
      transitGatewayPerGb: 0.02,
      interfaceEndpointPerGb: 0.01,
      internetOutPerGb: 0.09,
    },
    'us-east-1': {
      natGatewayPerGb: 0.045,
      crossAzPerGbEachWay: 0.01,
      transitGatewayPerGb: 0.02,
      interfaceEndpointPerGb: 0.01,
      internetOutPerGb: 0.09,
    },
  },
};

let dir: string;
let monitor: Monitor;
let bare: Monitor;
let noAction: Monitor;
let page: Page;
const consoleErrors: string[] = [];

async function fw(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return runMain(args);
}

async function open(base: string, hash: string, ready: string): Promise<void> {
  const target = `${base}#/${hash}`;
  if (page.url() === target) await page.reload();
  else await page.goto(target);
  await page.waitForSelector(`[data-testid="page-${ready}"][data-ready="true"]`, { timeout: 30_000 });
}

const texts = (sel: string) => page.locator(sel).allTextContents();
const attrs = async (sel: string, name: string) =>
  page.locator(sel).evaluateAll((els, a) => els.map((e) => e.getAttribute(a)), name);
const stat = async (id: string) => page.textContent(`[data-testid="${id}"] .stat-value`);

async function fits(name: string): Promise<void> {
  const sw = Number(await page.evaluate('document.documentElement.scrollWidth'));
  expect(sw, `${name} at 420 px`).toBeLessThanOrEqual(420);
}

async function start(db: string, config: string, state: string): Promise<Monitor> {
  return startMonitor({
    config: parseConfig('flowwatch.yaml', config),
    db,
    log: createLogger(() => undefined),
    env: {},
    listen: '127.0.0.1:0',
    stateDir: join(dir, state),
    ...dashboardRoutes({ webRoot: WEB }),
  });
}

describe.skipIf(!hasBrowser)('Encryption, Paths & cost and Traffic kinds pages in Chromium', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fw-web-fields-'));
    mkdirSync(SHOTS, { recursive: true });
    writeFileSync(join(dir, 'v11.log'), `${LINES.join('\n')}\n`);
    writeFileSync(join(dir, 'v2.log'), `${V2.join('\n')}\n`);
    writeFileSync(join(dir, 'prices.json'), JSON.stringify(PRICES));
    writeFileSync(join(dir, 'no-action.log'), `${NO_ACTION.join('\n')}\n`);
    const c = await fw(['ingest', join(dir, 'no-action.log'), '--db', join(dir, 'c.duckdb')]);
    expect(c.code, c.err).toBe(0);
    const a = await fw(['ingest', join(dir, 'v11.log'), '--db', join(dir, 'a.duckdb')]);
    expect(a.code, a.err).toBe(0);
    const b = await fw(['ingest', join(dir, 'v2.log'), '--db', join(dir, 'b.duckdb')]);
    expect(b.code, b.err).toBe(0);
    monitor = await start(
      join(dir, 'a.duckdb'),
      `metricFilters: []\ncosts:\n  region: eu-test-1\n  prices: ${join(dir, 'prices.json')}\n`,
      'state-a',
    );
    bare = await start(join(dir, 'b.duckdb'), 'metricFilters: []\n', 'state-b');
    noAction = await start(join(dir, 'c.duckdb'), 'metricFilters: []\n', 'state-c');
    page = await openPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    // One token per monitor: each is kept in the tab's sessionStorage of its own origin.
    await page.goto(`${bare.url}/#token=${bare.token}`);
    await page.goto(`${noAction.url}/#token=${noAction.token}`);
    await page.goto(`${monitor.url}/#token=${monitor.token}`);
  }, 180_000);

  afterAll(async () => {
    await closePage(page);
    await monitor?.stop();
    await bare?.stop();
    await noAction?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('Encryption: shares by status, per VPC and port, the unencrypted talkers and the trend', async () => {
    const base = `${monitor.url}/`;
    await open(base, 'encryption', 'encryption');
    expect(await page.locator('[data-testid="encryption-warning"]').count()).toBe(0);
    // All 9 traffic records have the field.
    expect(await stat('encryption-coverage')).toBe('9 of 9');
    // Status 0: records 1 and 5, 2 of 9 = 22.2%; 2 GiB + 2000 B of 35,433,492,312 B = 6.06%.
    expect(await stat('encryption-unencrypted-flows')).toBe('22.2%');
    expect(await stat('encryption-unencrypted-bytes')).toBe('6.1%');
    expect(await attrs('[data-testid="encryption-statuses"] tbody tr', 'data-status')).toEqual([
      '0',
      '1',
      '2',
      '3',
      'unknown',
    ]);
    const zero = await page
      .locator('[data-testid="encryption-statuses"] tbody tr[data-status="0"] td')
      .allTextContents();
    expect(zero.slice(0, 3)).toEqual(['0', 'not encrypted', '2']);
    // Status 2: records 2, 3, 4: 3 × 10 GiB.
    expect(
      await page.getAttribute(
        '[data-testid="encryption-statuses"] tbody tr[data-status="2"] td:nth-child(5)',
        'title',
      ),
    ).toBe(`${30 * GiB} bytes`);
    // By VPC, most unencrypted bytes first: vpc-a (8 records, 2 unencrypted), vpc-b (the EFA record, none).
    const vpcs = await page.locator('[data-testid="encryption-groups"] tbody tr').all();
    expect(vpcs.length).toBe(2);
    expect((await vpcs[0]!.locator('td').allTextContents()).slice(0, 4)).toEqual([
      'vpc-a',
      '8',
      expect.any(String),
      '2',
    ]);
    expect((await vpcs[1]!.locator('td').allTextContents())[0]).toBe('vpc-b');
    expect((await vpcs[1]!.locator('td').allTextContents())[3]).toBe('0');
    // Unencrypted: sources 10.0.1.10 (2 GiB) then 2001:db8::10 (2000 B); service ports 5432 then 80.
    expect(await texts('[data-testid="encryption-sources-row"] .ranked-label')).toEqual([
      '10.0.1.10',
      '2001:db8::10',
    ]);
    expect(await texts('[data-testid="encryption-destinations-row"] .ranked-label')).toEqual([
      '10.0.2.20',
      '2001:db8::20',
    ]);
    expect(await texts('[data-testid="encryption-ports-row"] .ranked-label')).toEqual(['5432', '80']);
    expect(await page.getAttribute('[data-testid="chart-encryption-trend"]', 'data-series')).toBe('2');
    // Group by service port: 5432 (2 GiB unencrypted) then 80 (2000 B), then 443 (4 records, none unencrypted).
    await page.selectOption('[data-testid="encryption-by"]', 'port');
    await page.waitForFunction(
      `document.querySelector('[data-testid="encryption-groups"] thead th')?.textContent === 'Service port'`,
      undefined,
      { timeout: 30_000 },
    );
    await page.waitForSelector('[data-testid="page-encryption"][data-ready="true"]');
    const ports = await page
      .locator('[data-testid="encryption-groups"] tbody tr td:first-child')
      .allTextContents();
    expect(ports.slice(0, 3)).toEqual(['5432', '80', '443']);
    expect(page.url()).toContain('by=port');
    await page.screenshot({ path: join(SHOTS, 'encryption-1280.png'), fullPage: true });
  }, 60_000);

  it('Paths & cost: bytes by path, NAT and cross-AZ bytes, the cost from the edited price table, the S3 saving', async () => {
    const base = `${monitor.url}/`;
    await open(base, 'paths', 'paths');
    expect(await page.locator('[data-testid="paths-warning"]').count()).toBe(0);
    // Egress records: NAT gateway (2) 10 GiB, internet gateway (4) 10 GiB, within the VPC (1, 5, 6), transit gateway (9).
    expect(await attrs('[data-testid="paths-table"] tbody tr', 'data-path')).toEqual([
      'NAT gateway',
      'internet gateway',
      'within the VPC',
      'transit gateway',
    ]);
    const within = await page
      .locator('[data-testid="paths-table"] tbody tr[data-path="within the VPC"] td')
      .all();
    expect(await within[1]!.textContent()).toBe('3');
    expect(await within[2]!.getAttribute('title')).toBe(`${2 * GiB + 2000 + 10000} bytes`);
    // NAT-processed: record 3 entering the NAT interface, all of it to S3. Cross-AZ: record 1 (use1-az1 → use1-az2).
    expect(await page.getAttribute('[data-testid="paths-nat-bytes"]', 'title')).toBe(`${10 * GiB} bytes`);
    expect(await texts('[data-testid="paths-nat-services"] tbody td:first-child')).toEqual(['S3']);
    expect(await page.getAttribute('[data-testid="paths-cross-az-bytes"]', 'title')).toBe(`${2 * GiB} bytes`);
    // eu-test-1 (costs.region): NAT 10 GB × $0.05 = $0.50, cross-AZ 2 GB × 2 × $0.01 = $0.04, transit gateway
    // 1 GB × $0.02 = $0.02, interface endpoints $0.00, internet 10 GB × $0.09 = $0.90: $1.46. The records span
    // 81 s (under an hour), so no 30-day extrapolation.
    const costRows = await page.locator('[data-testid="paths-cost"] tbody tr').all();
    const cost = await Promise.all(costRows.map(async (r) => await r.locator('td').allTextContents()));
    expect(cost.map((c) => [c[0], c[2], c[3], c[4]])).toEqual([
      ['NAT gateway data processing', '$0.050', '$0.50', 'range under 1 h'],
      ['cross-AZ data transfer (out and in)', '$0.020', '$0.04', 'range under 1 h'],
      ['transit gateway data processing', '$0.020', '$0.02', 'range under 1 h'],
      ['interface VPC endpoint data processing', '$0.010', '$0.00', 'range under 1 h'],
      ['internet egress (internet gateway path)', '$0.090', '$0.90', 'range under 1 h'],
    ]);
    expect(await stat('paths-cost-total')).toBe('$1.46');
    expect(await page.textContent('[data-testid="paths-prices"]')).toContain('eu-test-1 as of 2026-06-01');
    const saving = await texts('[data-testid="paths-saving"]');
    expect(saving.length).toBe(1);
    expect(saving[0]).toContain('S3 traffic through the NAT gateway');
    expect(saving[0]).toContain('about $0.50');
    expect(saving[0]).toContain('a gateway endpoint would make it free');
    await page.screenshot({ path: join(SHOTS, 'paths-1280.png'), fullPage: true });
    // us-east-1 from the same file: NAT at $0.045 → $0.45, total $1.41.
    await page.selectOption('[data-testid="paths-region"]', 'us-east-1');
    await page.waitForFunction(
      `document.querySelector('[data-testid="paths-cost-total"] .stat-value')?.textContent === '$1.41'`,
      undefined,
      { timeout: 30_000 },
    );
    expect(page.url()).toContain('region=us-east-1');
  }, 60_000);

  it('Traffic kinds: IPv4/IPv6/EFA share, EFA interfaces, reject reasons with BPA, interface types', async () => {
    const base = `${monitor.url}/`;
    await open(base, 'kinds', 'kinds');
    expect(await page.locator('[data-testid="kinds-warning"]').count()).toBe(0);
    // type: EFA 1 (record 6), IPv4 7, IPv6 1 (record 5): IPv6 is 1 of 9 records.
    expect(await attrs('[data-testid="kinds-ip"] tbody tr', 'data-kind')).toEqual(['EFA', 'IPv4', 'IPv6']);
    expect(await texts('[data-testid="kinds-ip"] tbody tr[data-kind="IPv4"] td:nth-child(2)')).toEqual(['7']);
    expect(await stat('kinds-ipv6-share')).toBe('11.1%');
    expect(await page.textContent('[data-testid="kinds-ip-source"]')).toContain('type field');
    expect(await page.getAttribute('[data-testid="kinds-efa-bytes"]', 'title')).toBe('1 records');
    expect(await texts('[data-testid="kinds-efa-interfaces-row"] .ranked-label')).toEqual(['eni-hpc']);
    // Rejected: one by BPA, one by anything else ("-" sorts first at equal counts).
    expect(await attrs('[data-testid="kinds-reasons"] tbody tr', 'data-kind')).toEqual([
      'other (security group, network ACL, ...)',
      'BPA (VPC Block Public Access)',
    ]);
    expect(await stat('kinds-bpa')).toBe('1');
    // Interface types by bytes: the NAT gateway's records 3 and 4 (20 GiB) before the rest.
    expect(await attrs('[data-testid="kinds-itypes"] tbody tr', 'data-kind')).toEqual([
      'nat_gateway',
      '- (instance or other)',
    ]);
    expect(
      await texts('[data-testid="kinds-itypes"] tbody tr[data-kind="nat_gateway"] td:nth-child(2)'),
    ).toEqual(['2']);
    await page.screenshot({ path: join(SHOTS, 'kinds-1280.png'), fullPage: true });
  }, 60_000);

  it('says loudly, with the create-flow-logs command, when the stored format has none of the fields', async () => {
    const base = `${bare.url}/`;
    await open(base, 'encryption', 'encryption');
    const enc = page.locator('[data-testid="encryption-warning"][data-missing-field="encryption-status"]');
    expect(await enc.count()).toBe(1);
    expect(await enc.textContent()).toContain('version 10');
    expect(await enc.locator('[data-testid="create-flow-logs"]').textContent()).toMatch(
      /^aws ec2 create-flow-logs .*--log-format '.*\$\{encryption-status\}'$/,
    );
    expect(await stat('encryption-coverage')).toBe('0 of 2');
    expect(await stat('encryption-unencrypted-bytes')).toBe('unknown');
    expect(await page.textContent('[data-testid="card-encryption-statuses"]')).toContain('Unknown');
    await page.screenshot({ path: join(SHOTS, 'encryption-missing-1280.png'), fullPage: true });

    await open(base, 'paths', 'paths');
    expect(await attrs('[data-testid="paths-warning"]', 'data-missing-field')).toEqual([
      'flow-direction traffic-path next-hop-interface-type',
      'interface-type flow-direction',
      'az-id next-hop-az-id flow-direction',
    ]);
    expect(
      await page
        .locator('[data-testid="paths-warning"] [data-testid="create-flow-logs"]')
        .first()
        .textContent(),
    ).toContain('${flow-direction} ${traffic-path} ${next-hop-interface-type}');
    for (const id of ['paths-egress', 'paths-nat-bytes', 'paths-cross-az-bytes', 'paths-cost-total'])
      expect(await stat(id), id).toBe('unknown');
    expect(await page.textContent('[data-testid="card-paths-cost"]')).toContain('Nothing to price');

    await open(base, 'kinds', 'kinds');
    expect(await attrs('[data-testid="kinds-warning"]', 'data-missing-field')).toEqual([
      'type',
      'reject-reason',
      'interface-type',
    ]);
    expect(await stat('kinds-efa-bytes')).toBe('unknown');
    expect(await stat('kinds-bpa')).toBe('unknown');
    // The IP version still comes from the address form: both records IPv4, none IPv6.
    expect(await page.textContent('[data-testid="kinds-ip-source"]')).toContain('address form');
    expect(await stat('kinds-ipv6-share')).toBe('0.0%');
    await page.screenshot({ path: join(SHOTS, 'kinds-missing-1280.png'), fullPage: true });
  }, 60_000);

  it('Overview: Top rejected sources says the records have no action field, never "No rejected flows"', async () => {
    await open(`${noAction.url}/`, 'overview', 'overview');
    const card = page.locator('[data-testid="card-top-rejected"]');
    const warning = card.locator('[data-testid="top-rejected-warning"]');
    expect(await warning.count()).toBe(1);
    // Both records of the last hour lack action.
    expect(await warning.textContent()).toContain(
      '2 records in range come from flow logs whose format has no action',
    );
    expect(await card.textContent()).not.toContain('No rejected flows in this time range');
    await open(`${bare.url}/`, 'overview', 'overview');
    expect(await page.locator('[data-testid="top-rejected-warning"]').count()).toBe(0);
  }, 60_000);

  it('fits every page in 420 px and takes screenshots at 1280 and 420 px, without a console error', async () => {
    for (const width of [1280, 420]) {
      await page.setViewportSize({ width, height: 900 });
      for (const [base, suffix] of [
        [`${monitor.url}/`, ''],
        [`${bare.url}/`, '-missing'],
      ] as const) {
        for (const name of ['encryption', 'paths', 'kinds']) {
          await open(base, name, name);
          await page.waitForTimeout(300);
          await page.screenshot({ path: join(SHOTS, `${name}${suffix}-${width}.png`), fullPage: true });
          if (width === 420) await fits(`${name}${suffix}`);
        }
      }
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(consoleErrors).toEqual([]);
  }, 120_000);
});

// The Anomalies page in real headless Chromium (Debian's, driven by playwright-core) against a monitor over a
// store seeded with `flowwatch ingest`: eni-0busy sends 3 small records every 10 minutes for 20 hours (enough
// history for the forest's 65 periods) and then, in one period, 200 records to 50 peers carrying 100× the
// bytes; eni-0new has records in only 5 periods. `flowwatch anomalies` stores the forest's findings and
// `flowwatch detect` a port-scan finding the page must not list. Screenshots at 1280 and 420 px go to
// test-results/screenshots/.

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

// A 10-minute boundary 30 to 40 minutes ago; the spike is in the period starting B + 600 (in the last hour).
const B = Math.floor((Date.now() / 1000 - 1800) / 600) * 600;
const SPIKE = B + 600;
const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction';
const rec = (
  eni: string,
  src: string,
  dst: string,
  dp: number,
  bytes: number,
  t: number,
  action = 'ACCEPT',
) => `5 111122223333 ${eni} ${src} ${dst} 40000 ${dp} 6 10 ${bytes} ${t} ${t + 5} ${action} OK egress`;
const LINES = [
  HEADER,
  // eni-0busy: 120 periods before B and the two after it, 3 records of 4-5 kB to one of 3 peers each.
  ...Array.from({ length: 123 }, (_, i) => B - 120 * 600 + i * 600)
    .filter((t) => t !== SPIKE)
    .flatMap((t, i) =>
      [0, 1, 2].map((k) =>
        rec(
          'eni-0busy',
          '10.0.1.10',
          `10.0.9.${(i + k) % 3}`,
          443,
          4000 + ((i * 7 + k * 3) % 10) * 100,
          t + k * 60,
        ),
      ),
    ),
  // The spike: 200 records of 500 kB to 50 peers on 50 ports.
  ...Array.from({ length: 200 }, (_, i) =>
    rec('eni-0busy', '10.0.1.10', `198.51.100.${i % 50}`, 1000 + (i % 50), 500_000, SPIKE + i),
  ),
  // eni-0new: one record in each of 5 consecutive periods.
  ...Array.from({ length: 5 }, (_, i) =>
    rec('eni-0new', '10.0.2.20', '10.0.9.1', 443, 3000, B - 2400 + i * 600),
  ),
  // A vertical port scan of 10.0.3.30 (20 ports): a finding of another detection.
  ...Array.from({ length: 20 }, (_, i) =>
    rec('eni-0scan', '203.0.113.9', '10.0.3.30', i + 1, 60, B + i * 10, 'REJECT').replace(
      'egress',
      'ingress',
    ),
  ),
];

let dir: string;
let db: string;
let monitor: Monitor;
let page: Page;
let base: string;
const consoleErrors: string[] = [];

async function fw(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return runMain([...args, '--db', db]);
}

async function open(hash: string): Promise<void> {
  await page.goto(`${base}#/${hash}`);
  await page.waitForSelector('[data-testid="page-anomalies"][data-ready="true"]', { timeout: 30_000 });
}

async function fits(name: string): Promise<void> {
  const sw = Number(await page.evaluate('document.documentElement.scrollWidth'));
  expect(sw, `${name} at 420 px`).toBeLessThanOrEqual(420);
}

describe.skipIf(!hasBrowser)('Anomalies page in Chromium', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fw-web-anomalies-'));
    db = join(dir, 'w.duckdb');
    mkdirSync(SHOTS, { recursive: true });
    writeFileSync(join(dir, 'flows.log'), `${LINES.join('\n')}\n`);
    expect((await fw(['ingest', join(dir, 'flows.log')])).code).toBe(0);
    const an = await fw(['anomalies', '--since', String(B - 6 * 3600), '--until', String(B + 1800)]);
    expect(an.code, an.err).toBe(0);
    const det = await fw([
      'detect',
      '--since',
      String(B - 600),
      '--until',
      String(B + 1200),
      '--config',
      join(dir, 'none.yaml'),
    ]);
    expect(det.code, det.err).toBe(0);
    monitor = await startMonitor({
      config: parseConfig('flowwatch.yaml', 'metricFilters: []\n'),
      db,
      log: createLogger(() => undefined),
      env: {},
      listen: '127.0.0.1:0',
      stateDir: join(dir, 'state'),
      ...dashboardRoutes({ webRoot: WEB }),
    });
    base = `${monitor.url}/`;
    page = await openPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    await page.goto(`${base}#token=${monitor.token}`);
  }, 180_000);

  afterAll(async () => {
    await closePage(page);
    await monitor?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("charts an interface's score with the threshold and marks the spike's period, explained", async () => {
    await open('anomalies?since=6h&interface=eni-0busy');
    const chart = page.locator('[data-testid="chart-anomaly-score"][data-rendered="true"]');
    await chart.waitFor({ timeout: 30_000 });
    // Two series (score, threshold); one point per period from the range's first period to the last with
    // records (B + 1200): at least the 30 periods of the 5 hours before B.
    expect(await chart.getAttribute('data-series')).toBe('2');
    expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThanOrEqual(30);
    expect(await page.locator('[data-testid="anomaly-note"]').count()).toBe(0);
    // The spike's period is the anomalous one, listed with why.
    const items = page.locator('[data-testid="anomaly-periods-list"] li');
    expect(await items.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-t'))))).toEqual([
      SPIKE,
    ]);
    expect(await chart.getAttribute('data-anomalous')).toBe('1');
    // 200 × 500 kB = 100,000,000 bytes against the usual ~13 kB of 3 small records.
    expect(await items.first().textContent()).toContain('100,000,000');
    // Clicking the chart shows the explanation of the period under the pointer.
    const box = (await chart.boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForSelector('[data-testid="anomaly-detail"] p', { timeout: 10_000 });
    expect(await page.textContent('[data-testid="anomaly-detail"]')).toContain('threshold');
    await page.screenshot({ path: join(SHOTS, 'anomalies-1280.png'), fullPage: true });
  }, 60_000);

  it("lists the forest's findings with a link to each finding page, and not the port scan", async () => {
    await open('anomalies?since=6h&interface=eni-0busy');
    const rows = page.locator('[data-testid="anomaly-findings-table"] tbody tr');
    await rows.first().waitFor({ timeout: 30_000 });
    const detections = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-detection')));
    expect(detections).toContain('rcf-interface-anomaly');
    expect(detections).not.toContain('vertical-port-scan');
    const rcf = page.locator('[data-detection="rcf-interface-anomaly"]').first();
    expect(await rcf.textContent()).toContain('eni-0busy');
    const href = (await rcf.locator('[data-testid="anomaly-finding-link"]').getAttribute('href')) ?? '';
    expect(href).toMatch(/^#\/findings\/[^/?]+/);
    await rcf.locator('[data-testid="anomaly-finding-link"]').click();
    await page.waitForSelector('[data-testid="page-finding"][data-ready="true"]', { timeout: 30_000 });
  }, 60_000);

  it('says loudly how much history is missing instead of drawing an empty chart', async () => {
    await open('anomalies?since=6h&interface=eni-0new');
    const note = await page.textContent('[data-testid="anomaly-note"]');
    // 5 periods with records, consecutive: 5 available of the 65 needed; 60 more periods are 10 hours.
    expect(note).toContain('needs 65 periods of 10m; 5 available');
    expect(note).toContain('60 more periods (10h)');
    expect(await page.locator('[data-testid="chart-anomaly-score"]').count()).toBe(0);
    // The picker lists the interfaces of the range, busiest first, and switches the chart.
    const options = await page.locator('[data-testid="anomaly-interface"] option').allTextContents();
    expect(options).toContain('eni-0busy');
    expect(options).toContain('eni-0new');
    await page.selectOption('[data-testid="anomaly-interface"]', 'eni-0busy');
    await page.waitForSelector('[data-testid="chart-anomaly-score"][data-rendered="true"]', {
      timeout: 30_000,
    });
    expect(page.url()).toContain('interface=eni-0busy');
  }, 60_000);

  it('fits 420 px with the header, chart and tables; no console error', async () => {
    await page.setViewportSize({ width: 420, height: 900 });
    await open('anomalies?since=6h&interface=eni-0busy');
    await page.waitForSelector('[data-testid="chart-anomaly-score"][data-rendered="true"]', {
      timeout: 30_000,
    });
    await fits('anomalies');
    await page.screenshot({ path: join(SHOTS, 'anomalies-420.png'), fullPage: true });
    await open('anomalies?since=6h&interface=eni-0new');
    await fits('anomalies (too little history)');
    await page.screenshot({ path: join(SHOTS, 'anomalies-note-420.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
  }, 60_000);
});

// Baseline bands in real headless Chromium (Debian's, driven by playwright-core) against a monitor over a store
// seeded with `flowwatch ingest`: eni-0web sends one accepted record of 1000 bytes every minute from the midnight 4 days
// before today's up to now, so every bin's expected range is worked out by hand (median 1000, MAD 0, σ floored at 1 % = 10:
// 1000 ± 2 · 10 = 980 B – 1,020 B a minute). The host page of 10.0.1.10 over one fixed past hour shows hand-counted
// totals, peers and ports; the page of 10.0.3.30 lists the port-scan finding naming it. A range with one day of
// history shows the loud note. Screenshots at 1280 and 420 px go to test-results/screenshots/.

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

const DAY = 86_400;
/** The last hour boundary; history starts at the UTC midnight 4 days before today's. */
const B = Math.floor(Date.now() / 1000 / 3600) * 3600;
const F = Math.floor(B / DAY) * DAY - 4 * DAY;
/** The last whole minute with a record: two minutes ago. */
const LAST = Math.floor(Date.now() / 1000 / 60) * 60 - 120;
/** The host page's fixed hour [B − 2 h, B − 1 h). */
const H0 = B - 7200;
const iso = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');
const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction';
const rec = (
  eni: string,
  src: string,
  dst: string,
  dp: number,
  packets: number,
  bytes: number,
  t: number,
  action = 'ACCEPT',
  dir = 'egress',
) =>
  `5 111122223333 ${eni} ${src} ${dst} 40000 ${dp} 6 ${packets} ${bytes} ${t} ${t + 5} ${action} OK ${dir}`;
const LINES = [
  HEADER,
  // Every minute from F to LAST: 10.0.1.10 → 203.0.113.5:443, 10 packets, 1000 bytes.
  ...Array.from({ length: (LAST - F) / 60 + 1 }, (_, i) =>
    rec('eni-0web', '10.0.1.10', '203.0.113.5', 443, 10, 1000, F + i * 60),
  ),
  // In the host page's hour: 3 flows of 2 packets, 500 bytes to 198.51.100.7:22.
  ...[0, 1, 2].map((i) => rec('eni-0web', '10.0.1.10', '198.51.100.7', 22, 2, 500, H0 + 1800 + i * 60 + 5)),
  // A vertical port scan of 10.0.3.30 (20 ports, rejected): a finding naming 10.0.3.30.
  ...Array.from({ length: 20 }, (_, i) =>
    rec('eni-0scan', '203.0.113.9', '10.0.3.30', i + 1, 1, 60, H0 + 600 + i * 10, 'REJECT', 'ingress'),
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

async function open(hash: string, name: string): Promise<void> {
  await page.goto(`${base}#/${hash}`);
  await page.waitForSelector(`[data-testid="page-${name}"][data-ready="true"]`, { timeout: 60_000 });
}

async function fits(name: string): Promise<void> {
  const sw = Number(await page.evaluate('document.documentElement.scrollWidth'));
  expect(sw, `${name} at 420 px`).toBeLessThanOrEqual(420);
}

describe.skipIf(!hasBrowser)('Baseline bands in Chromium', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fw-web-bands-'));
    db = join(dir, 'w.duckdb');
    mkdirSync(SHOTS, { recursive: true });
    writeFileSync(join(dir, 'flows.log'), `${LINES.join('\n')}\n`);
    const ing = await fw(['ingest', join(dir, 'flows.log')]);
    expect(ing.code, ing.err).toBe(0);
    const det = await fw([
      'detect',
      '--since',
      String(H0),
      '--until',
      String(H0 + 3600),
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

  it('Overview: draws the band behind bytes, packets and flows; its tooltip gives the hand-worked range', async () => {
    await open('overview?since=2h', 'overview');
    for (const m of ['bytes', 'packets', 'flows']) {
      const chart = page.locator(`[data-testid="chart-${m}"][data-rendered="true"]`);
      await chart.waitFor({ timeout: 30_000 });
      expect(Number(await chart.getAttribute('data-baseline-band')), m).toBeGreaterThan(0);
    }
    expect(await page.textContent('[data-testid="baseline-legend"]')).toContain('median ± 2σ');
    expect(await page.locator('[data-testid="baseline-note"]').count()).toBe(0);
    // Hover the accepted panel (top half) at a third of its width: a minute with its 1000-byte record.
    const chart = page.locator('[data-testid="chart-bytes"]');
    const box = (await chart.boundingBox())!;
    await page.mouse.move(box.x + box.width / 3, box.y + box.height * 0.3);
    const tip = page.locator('[data-testid="chart-bytes"] div', { hasText: 'expected range' }).last();
    await tip.waitFor({ timeout: 10_000 });
    expect(await tip.textContent()).toContain('expected range: 980 B – 1,020 B');
    await page.screenshot({ path: join(SHOTS, 'baseline-overview-1280.png'), fullPage: true });
  }, 90_000);

  it('Overview: with one day of history, no band and a loud note saying how much there is', async () => {
    // [F + 1 d + 2 h, F + 2 d): every bin's model is trained at its day's midnight, F + 1 d, on F … F + 1 d: 1 day.
    await open(`overview?since=${iso(F + DAY + 7200)}&until=${iso(F + 2 * DAY)}`, 'overview');
    const note = page.locator('[data-testid="baseline-note"]');
    await note.waitFor({ timeout: 30_000 });
    expect(await note.textContent()).toContain('baseline needs 3 days of history; 1 available');
    expect(await note.getAttribute('role')).toBe('alert');
    expect(await page.getAttribute('[data-testid="chart-bytes"]', 'data-baseline-band')).toBe('0');
    await page.screenshot({ path: join(SHOTS, 'baseline-note-1280.png') });
  }, 90_000);

  it('Overview top talkers and interfaces link to the host page', async () => {
    await open('overview?since=2h', 'overview');
    const talker = page.locator('[data-testid="top-talkers-row"] a', { hasText: '10.0.1.10' });
    expect(await talker.getAttribute('href')).toMatch(/^#\/host\/10\.0\.1\.10(\?|$)/);
    const eni = page.locator('[data-testid="interfaces-table"] a', { hasText: 'eni-0web' });
    expect(await eni.getAttribute('href')).toMatch(/^#\/host\/eni-0web(\?|$)/);
    await talker.click();
    await page.waitForSelector('[data-testid="page-host"][data-ready="true"]', { timeout: 60_000 });
  }, 90_000);

  it("host page: a fixed hour's hand-counted totals, peers and ports, with its band", async () => {
    await open(`host/10.0.1.10?since=${iso(H0)}&until=${iso(H0 + 3600)}`, 'host');
    // 60 minute records (10 packets, 1000 B) + 3 to 198.51.100.7:22 (2 packets, 500 B): 63 flows, 61,500 B, 606.
    expect(await page.textContent('[data-testid="host-total-flows"]')).toContain('63');
    expect(await page.getAttribute('[data-testid="host-total-bytes"]', 'title')).toContain('61,500');
    expect(await page.textContent('[data-testid="host-total-packets"]')).toContain('606');
    const peers = await page.locator('[data-testid="host-peers-row"]').allTextContents();
    expect(peers).toHaveLength(2);
    expect(peers[0]).toContain('203.0.113.5');
    expect(peers[0]).toContain('60 flows');
    expect(peers[1]).toContain('198.51.100.7');
    expect(peers[1]).toContain('3 flows');
    const ports = await page.locator('[data-testid="host-ports-row"]').allTextContents();
    expect(ports[0]).toContain('443');
    expect(ports[0]).toContain('60 flows');
    expect(ports[1]).toContain('22');
    expect(ports[1]).toContain('3 flows');
    const chart = page.locator('[data-testid="chart-host-bytes"][data-rendered="true"]');
    await chart.waitFor({ timeout: 30_000 });
    expect(Number(await chart.getAttribute('data-baseline-band'))).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'baseline-host-1280.png'), fullPage: true });
  }, 90_000);

  it('host page lists the findings naming the host', async () => {
    await open(`host/10.0.3.30?since=${iso(H0)}&until=${iso(H0 + 3600)}`, 'host');
    const f = page.locator('[data-testid="host-finding"]');
    expect(await f.evaluateAll((els) => els.map((e) => e.getAttribute('data-detection')))).toContain(
      'vertical-port-scan',
    );
    // The finding's page links its entity back to the host page.
    await f.first().locator('[data-testid="host-finding-link"]').click();
    await page.waitForSelector('[data-testid="page-finding"][data-ready="true"]', { timeout: 60_000 });
    expect(await page.getAttribute('[data-testid="finding-host-link"]', 'href')).toMatch(
      /^#\/host\/10\.0\.3\.30(\?|$)/,
    );
  }, 90_000);

  it('fits 420 px (Overview with band, host page); no console error', async () => {
    await page.setViewportSize({ width: 420, height: 900 });
    await open('overview?since=2h', 'overview');
    await page.waitForSelector('[data-testid="chart-bytes"][data-rendered="true"]', { timeout: 30_000 });
    await fits('overview');
    await page.screenshot({ path: join(SHOTS, 'baseline-overview-420.png'), fullPage: true });
    await open(`host/10.0.1.10?since=${iso(H0)}&until=${iso(H0 + 3600)}`, 'host');
    await page.waitForSelector('[data-testid="chart-host-bytes"][data-rendered="true"]', { timeout: 30_000 });
    await fits('host');
    await page.screenshot({ path: join(SHOTS, 'baseline-host-420.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
  }, 90_000);
});

// Findings on the Overview's timeline and the findings table in the SQL editor, in real headless Chromium
// (Debian's, driven by playwright-core) against a monitor over a store seeded here as a user fills it:
// `flowwatch ingest` of version-8 records (a 60-port scan and a 40-connection SSH brute force) and
// `flowwatch detect`. Expected values are worked out by hand from LINES and the built-in definitions:
//   * the scan: 60 rejected ports of 10.0.2.20 from 203.0.113.9 in one 10-minute window: 60 ≥ 50 → medium;
//   * the brute force: 40 short SSH connections (tcp-flags 3) to 10.0.1.10:22 in one window: 40 ≥ 30 → low.
// No other detection reaches a threshold (one source, one target host each; nothing outbound).

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

// A 10-minute boundary 30 to 40 minutes ago: every record lies in the browser's "Last hour".
const B = Math.floor((Date.now() / 1000 - 1800) / 600) * 600;
const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction tcp-flags reject-reason';
const rec = (
  eni: string,
  src: string,
  dst: string,
  sp: number,
  dp: number,
  t: number,
  action: string,
  flags: number,
) => `8 111122223333 ${eni} ${src} ${dst} ${sp} ${dp} 6 1 60 ${t} ${t + 5} ${action} OK ingress ${flags} -`;
const LINES = [
  HEADER,
  ...Array.from({ length: 60 }, (_, i) =>
    rec('eni-0app', '203.0.113.9', '10.0.2.20', 40000 + i, i + 1, B + i * 5, 'REJECT', 2),
  ),
  ...Array.from({ length: 40 }, (_, i) =>
    rec('eni-0web', '198.51.100.20', '10.0.1.10', 50000 + i, 22, B + i * 5, 'ACCEPT', 3),
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

async function open(hash: string, ready: string): Promise<void> {
  const target = `${base}#/${hash}`;
  if (page.url() === target) await page.reload();
  else await page.goto(target);
  await page.waitForSelector(`[data-testid="page-${ready}"][data-ready="true"]`, { timeout: 30_000 });
}

describe.skipIf(!hasBrowser)('findings on the Overview timeline and in the SQL editor (Chromium)', () => {
  let ids: Record<string, string> = {};
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fw-web-markers-'));
    db = join(dir, 'w.duckdb');
    mkdirSync(SHOTS, { recursive: true });
    writeFileSync(join(dir, 'flows.log'), `${LINES.join('\n')}\n`);
    expect((await fw(['ingest', join(dir, 'flows.log')])).code).toBe(0);
    const det = await fw([
      'detect',
      '--since',
      String(B - 600),
      '--until',
      String(B + 1200),
      '--config',
      join(dir, 'none.yaml'),
      '-o',
      'json',
    ]);
    expect(det.code, det.err).toBe(0);
    const list = await fw(['findings', 'list', '-o', 'json']);
    ids = Object.fromEntries(
      (JSON.parse(list.out) as { id: string; detection: string }[]).map((f) => [f.detection, f.id]),
    );
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

  it('stores the two findings the test expects', () => {
    expect(Object.keys(ids).sort()).toEqual(['brute-force-login', 'vertical-port-scan']);
  });

  it('marks each finding on the Overview timeline by severity; a click opens the finding', async () => {
    await open('overview', 'overview');
    await page.waitForSelector('[data-testid="finding-markers"][data-count]', { timeout: 30_000 });
    const markers = page.locator('[data-testid="finding-marker"]');
    expect(await markers.count()).toBe(2);
    const bySeverity = Object.fromEntries(
      await markers.evaluateAll((els) =>
        els.map((e) => [e.getAttribute('data-severity'), e.getAttribute('data-finding')]),
      ),
    );
    expect(bySeverity).toEqual({ medium: ids['vertical-port-scan'], low: ids['brute-force-login'] });
    // Both start at B, 30..40 minutes into the last hour: left edge 50%..67% of the strip.
    for (const m of await markers.all()) {
      const left = Number.parseFloat((await m.getAttribute('style'))!.match(/left: ([\d.]+)%/)![1]!);
      expect(left).toBeGreaterThan(30);
      expect(left).toBeLessThan(70);
    }
    // The medium marker is drawn on top (last) and coloured differently from the low one.
    const colours = await markers.evaluateAll((els) =>
      els.map(
        (e) =>
          (
            globalThis as unknown as { getComputedStyle: (x: unknown) => { backgroundColor: string } }
          ).getComputedStyle(e).backgroundColor,
      ),
    );
    expect(colours[0]).not.toBe(colours[1]);
    expect(await markers.last().getAttribute('data-severity')).toBe('medium');
    expect(await page.textContent('[data-testid="finding-markers-note"]')).toContain('2 findings');
    await page.screenshot({ path: join(SHOTS, 'overview-finding-markers-1280.png') });
    await page.click(`[data-testid="finding-marker"][data-severity="medium"]`);
    await page.waitForSelector('[data-testid="page-finding"][data-ready="true"]', { timeout: 30_000 });
    expect(page.url()).toContain(`#/findings/${ids['vertical-port-scan']}`);
  }, 60_000);

  it('says so when the range holds no findings', async () => {
    const since = new Date((B - 7 * 86400) * 1000).toISOString().replace('.000Z', 'Z');
    const until = new Date((B - 6 * 86400) * 1000).toISOString().replace('.000Z', 'Z');
    await open(`overview?since=${since}&until=${until}`, 'overview');
    await page.waitForSelector('[data-testid="finding-markers"][data-count="0"]', { timeout: 30_000 });
    expect(await page.textContent('[data-testid="finding-markers-note"]')).toContain('No findings');
  }, 60_000);

  it('queries the findings table from the SQL editor, and lists its columns', async () => {
    const sql = 'SELECT severity, detection, evidence_count FROM findings ORDER BY severity';
    await open(`query?lang=sql&q=${encodeURIComponent(sql)}`, 'query');
    await page.waitForSelector('[data-testid="results-table"] tbody tr', { timeout: 30_000 });
    const rows = await page
      .locator('[data-testid="results-table"] tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim())),
      );
    expect(rows).toEqual([
      ['low', 'brute-force-login', '40'],
      ['medium', 'vertical-port-scan', '60'],
    ]);
    expect(await page.textContent('[data-testid="query-hint"]')).toContain('findings');
    const fields = await page.locator('[data-testid="field-list"] button').allTextContents();
    expect(fields).toContain('findings.severity');
    expect(fields).toContain('findings.start_time');
    expect(consoleErrors).toEqual([]);
  }, 60_000);
});

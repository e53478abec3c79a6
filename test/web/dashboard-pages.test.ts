// The Query, Flows and alarm pages in real headless Chromium (Debian's, driven by playwright-core) against a
// monitor started here with five known records: a SQL error underlined where DuckDB's caret points, CSV
// export, the query history across a reload, the Flows column chooser, sorting and an IPv6 filter, and the
// alarm page's threshold and mute (a real webhook receiver gets no notification while muted). Every page is
// checked at 420 px for horizontal overflow; screenshots at 1280 and 420 px go to test-results/screenshots/.
// Expected values are worked out by hand from LINES.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/core/logger.js';
import { REQUESTS_DIR } from '../../src/monitor/alarms-runner.js';
import { type Monitor, startMonitor } from '../../src/monitor/monitor.js';
import { dashboardRoutes } from '../../src/server/dashboard.js';
import { type Receiver, startReceiver } from '../notify/helpers.js';
import { CHROMIUM, closePage, openPage } from '../support/browser.js';
import { testToolsSettled } from '../support/test-tools.js';

const WEB = resolve(import.meta.dirname, '../../dist/web');
const SHOTS = resolve(import.meta.dirname, '../../test-results/screenshots');
// npm test may still be installing chromium and awscli beside the suite: test/support/test-tools.ts.
await testToolsSettled();
const hasBrowser = existsSync(CHROMIUM) && existsSync(join(WEB, 'index.html'));

// The minute before now: the records lie in it, so the browser's "Last hour" shows them and the alarm's
// evaluation at the end of that minute (after the clock is moved) sees them.
const M = Math.floor(Date.now() / 60_000) * 60;
const L = M - 60;
const LINES = [
  `2 111122223333 eni-a 203.0.113.9 10.0.1.10 51000 22 6 1 44 ${L + 10} ${L + 11} REJECT OK`,
  `2 111122223333 eni-a 203.0.113.9 10.0.1.10 51001 22 6 1 44 ${L + 20} ${L + 21} REJECT OK`,
  `2 111122223333 eni-b 198.51.100.7 10.0.1.11 51003 22 6 2 120 ${L + 30} ${L + 31} REJECT OK`,
  `2 111122223333 eni-a 10.0.1.10 52.216.10.9 40001 443 6 12 7000 ${L + 15} ${L + 50} ACCEPT OK`,
  `2 111122223333 eni-c 2001:db8::5 2001:db8::10 51010 443 6 3 300 ${L + 25} ${L + 26} ACCEPT OK`,
];

let dir: string;
let monitor: Monitor;
let hook: Receiver;
let page: Page;
let base: string;
let clock = M - 5;

async function open(hash: string, ready: string): Promise<void> {
  const target = `${base}#/${hash}`;
  // The same URL again changes no hash, so nothing would load: reload then.
  if (page.url() === target) await page.reload();
  else await page.goto(target);
  await page.waitForSelector(`[data-testid="page-${ready}"][data-ready="true"]`, { timeout: 30_000 });
}

describe.skipIf(!hasBrowser)('dashboard pages in Chromium', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fw-web-pages-'));
    mkdirSync(SHOTS, { recursive: true });
    hook = await startReceiver();
    const config = parseConfig(
      'flowwatch.yaml',
      `
metricFilters:
  - name: rejected-ssh
    pattern: "[v, account, eni, src, dst, srcport, dstport = 22, protocol = 6, packets, bytes, start, end, action = REJECT, status]"
    metricNamespace: FlowLogs
    metricName: RejectedSSH
    metricValue: "1"
alarms:
  - name: rejected-ssh
    metric: { namespace: FlowLogs, metricName: RejectedSSH }
    statistic: Sum
    period: 60
    evaluationPeriods: 1
    threshold: 2
    comparisonOperator: GreaterThanOrEqualToThreshold
    treatMissingData: notBreaching
    alarmActions: [ops]
    okActions: [ops]
topics:
  - name: ops
    subscriptions:
      - { type: webhook, url: "${hook.url}" }
sources:
  - { name: firehose, type: firehose, path: /firehose, accessKeyEnv: FH_KEY }
monitor: { listen: "127.0.0.1:0", stateDir: "${join(dir, 'state')}", flushMillis: 50, evaluationDelaySeconds: 1, account: "111122223333", region: eu-west-1 }
`,
    );
    monitor = await startMonitor({
      config,
      db: join(dir, 'w.duckdb'),
      log: createLogger(() => undefined),
      env: { FH_KEY: 'k3y' },
      now: () => clock,
      ...dashboardRoutes({ webRoot: WEB }),
    });
    const r = await fetch(`${monitor.url}/firehose`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-amz-firehose-protocol-version': '1.0',
        'x-amz-firehose-request-id': 'req-1',
        'x-amz-firehose-access-key': 'k3y',
      },
      body: JSON.stringify({
        requestId: 'req-1',
        timestamp: Date.now(),
        records: LINES.map((l) => ({ data: Buffer.from(l).toString('base64') })),
      }),
    });
    expect(r.status).toBe(200);
    base = `${monitor.url}/`;
    page = await openPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    await page.goto(`${base}#token=${monitor.token}`);
  }, 120_000);

  afterAll(async () => {
    await closePage(page);
    await monitor?.stop();
    await hook?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('underlines a SQL error where DuckDB points, with its line and column', async () => {
    // "SELECT action,\n" is 15 characters and the next line starts with two spaces: srcadr spans [17, 23).
    const sql = 'SELECT action,\n  srcadr\nFROM flows';
    await open(`query?lang=sql&q=${encodeURIComponent(sql)}`, 'query');
    await page.waitForSelector('[data-testid="query-editor"][data-error-start]', { timeout: 30_000 });
    const editor = page.locator('[data-testid="query-editor"]');
    expect(await editor.getAttribute('data-error-start')).toBe('17');
    expect(await editor.getAttribute('data-error-end')).toBe('23');
    expect(await page.locator('.cm-lintRange-error').first().textContent()).toBe('srcadr');
    const where = page.locator('[data-testid="query-error"]');
    expect(await where.getAttribute('data-line')).toBe('2');
    expect(await where.getAttribute('data-column')).toBe('3');
    // The banner carries DuckDB's words without its own LINE/caret lines.
    const banner = await page.locator('[data-testid="error-banner"]').textContent();
    expect(banner).toContain('srcadr');
    expect(banner).not.toContain('LINE 2');
    await page.screenshot({ path: join(SHOTS, 'query-sql-error-1280.png') });
  });

  it('exports the result as CSV, quoting a value with a comma', async () => {
    const sql =
      "SELECT srcaddr, bytes, 'port ' || dstport || ', tcp' AS note FROM flows WHERE action = 'REJECT' ORDER BY bytes DESC, srcport";
    await open(`query?lang=sql&q=${encodeURIComponent(sql)}`, 'query');
    await page.waitForSelector('[data-testid="results-table"] tbody tr', { timeout: 30_000 });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid="export-csv"]'),
    ]);
    const text = readFileSync((await download.path())!, 'utf8');
    expect(text).toBe(
      'srcaddr,bytes,note\r\n' +
        '198.51.100.7,120,"port 22, tcp"\r\n' +
        '203.0.113.9,44,"port 22, tcp"\r\n' +
        '203.0.113.9,44,"port 22, tcp"\r\n',
    );
  });

  it('keeps the query history across a reload', async () => {
    await page.reload();
    await page.waitForSelector('[data-testid="page-query"][data-ready="true"]');
    const items = await page.locator('[data-testid="history-item"] button').allTextContents();
    expect(items[0]).toContain("SELECT srcaddr, bytes, 'port '");
    expect(items.some((t) => t.startsWith('SELECT action, srcadr FROM flows'))).toBe(true);
  });

  it('reports records matched and scanned for a Logs Insights query', async () => {
    const q = 'filter action = "REJECT" | stats count(*) as n by srcAddr';
    await open(`query?lang=insights&q=${encodeURIComponent(q)}`, 'query');
    await page.waitForSelector('[data-testid="query-stats"]', { timeout: 30_000 });
    // 3 of the 5 records are rejected.
    expect(await page.textContent('[data-testid="query-stats"]')).toContain('3 of 5 records matched');
  });

  it('an Overview of a range without records says where the stored ones are, and its link shows them', async () => {
    await open('overview?since=2020-01-01T00:00:00Z&until=2020-01-01T01:00:00Z', 'overview');
    const note = await page.locator('[data-testid="overview-range-note"]').textContent();
    // The 5 records of LINES start between L + 10 and L + 30 (L is a whole minute).
    expect(note).toContain('No flow records from 2020-01-01 00:00:00 UTC to 2020-01-01 01:00:00 UTC');
    expect(note).toContain("the store's 5 records run from");
    await page.click('[data-testid="show-stored-span"]');
    await page.waitForFunction(
      `document.querySelector('[data-testid="total-flows"]')?.textContent?.includes('5') === true`,
      undefined,
      { timeout: 30_000 },
    );
    expect(decodeURIComponent(page.url())).toContain(
      `since=${new Date(L * 1000).toISOString().replace('.000Z', 'Z')}`,
    );
    expect(await page.locator('[data-testid="overview-range-note"]').textContent()).toBe('');
  });

  it('chooses, sorts and filters flow columns; IPv6 in another spelling finds the v6 record', async () => {
    await page.evaluate("localStorage.removeItem('flowwatch.flowColumns.v1')");
    await open('flows', 'flows');
    const headers = () => page.locator('[data-testid="flows-table"] thead th').allTextContents();
    const clean = async () => (await headers()).map((t) => t.replace(/[▲▼]/g, ''));
    // The defaults present in a version 2 record (no flow_direction): start first, then catalog order.
    expect(await clean()).toEqual([
      'start',
      'interface_id',
      'srcaddr',
      'dstaddr',
      'srcport',
      'dstport',
      'protocol',
      'packets',
      'bytes',
      'action',
    ]);
    await page.click('[data-testid="column-chooser"] summary');
    await page.check('[data-testid="column-toggle-log_status"]');
    await page.uncheck('[data-testid="column-toggle-srcport"]');
    expect(await clean()).toContain('log_status');
    expect(await clean()).not.toContain('srcport');
    await page.reload();
    await page.waitForSelector('[data-testid="page-flows"][data-ready="true"]');
    expect(await clean()).toContain('log_status');
    expect(await clean()).not.toContain('srcport');

    // Bytes, largest first: 7000, 300, 120, 44, 44; then smallest first.
    const sources = () =>
      page.locator('[data-testid="flows-table"] tbody tr td:nth-child(3)').allTextContents();
    await page.click('[data-testid="sort-bytes"]');
    expect(await sources()).toEqual([
      '10.0.1.10',
      '2001:db8::5',
      '198.51.100.7',
      '203.0.113.9',
      '203.0.113.9',
    ]);
    await page.click('[data-testid="sort-bytes"]');
    expect((await sources()).slice(2)).toEqual(['198.51.100.7', '2001:db8::5', '10.0.1.10']);

    await page.fill('[data-testid="flows-ip"]', '2001:DB8:0:0:0:0:0:5');
    await page.click('[data-testid="flows-search"]');
    await page.waitForFunction(
      `document.querySelectorAll('[data-testid="flows-table"] tbody tr').length === 1`,
      undefined,
      { timeout: 30_000 },
    );
    expect(await sources()).toEqual(['2001:db8::5']);

    // A bad CIDR: the banner explains, the status no longer says "Searching…".
    await page.fill('[data-testid="flows-ip"]', '10.0.0.0/99');
    await page.click('[data-testid="flows-search"]');
    await page.waitForSelector('[data-testid="error-banner"]', { timeout: 30_000 });
    expect(await page.textContent('[data-testid="flows-meta"]')).toContain('failed');
    await page.evaluate("localStorage.removeItem('flowwatch.flowColumns.v1')");
  });

  it('shows the threshold and M of N; a muted alarm fires without notifying, unmuted it notifies', async () => {
    await open('alarms/rejected-ssh', 'alarm');
    expect(await page.textContent('[data-testid="alarm-threshold"]')).toBe('Sum ≥ 2');
    expect(await page.textContent('[data-testid="alarm-m-of-n"]')).toContain('1 of the last 1 period');
    await page.selectOption('[data-testid="alarm-mute-for"]', '120');
    await page.click('[data-testid="alarm-mute"]');
    await page.waitForSelector('[data-testid="alarm-muted"]', { timeout: 30_000 });
    const until = Number(await page.getAttribute('[data-testid="alarm-muted"]', 'data-until'));
    expect(until).toBe(M - 5 + 7200);

    // The minute closes: 3 rejected SSH records ≥ 2, so ALARM; the mute holds the notification back.
    clock = M + 2;
    const machine = monitor.alarms.machine;
    for (let i = 0; i < 100 && machine.state('rejected-ssh').value !== 'ALARM'; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(machine.state('rejected-ssh').value).toBe('ALARM');
    await new Promise((r) => setTimeout(r, 1500));
    expect(hook.requests.length).toBe(0);
    const held = machine.history('rejected-ssh').filter((h) => h.type === 'Action');
    expect(held.map((h) => h.summary)).toEqual([
      expect.stringContaining('Action ops not run: the alarm is muted until'),
    ]);

    // The breach lists the records behind it: the three rejected SSH flows.
    await open('alarms/rejected-ssh', 'alarm');
    await page.click('[data-testid="alarm-breach"] summary');
    await page.waitForSelector('[data-testid="breach-flows"] tbody tr', { timeout: 30_000 });
    expect(await page.locator('[data-testid="breach-flows"] tbody tr').count()).toBe(3);
    await page.screenshot({ path: join(SHOTS, 'alarm-muted-1280.png'), fullPage: true });

    await page.click('[data-testid="alarm-unmute"]');
    await page.waitForSelector('[data-testid="alarm-mute"]', { timeout: 30_000 });
    // A forced change now reaches the webhook.
    writeFileSync(
      join(dir, 'state', REQUESTS_DIR, 'r1.json'),
      JSON.stringify({ name: 'rejected-ssh', state: 'OK', reason: 'test' }),
    );
    await hook.waitFor(1);
    const n = JSON.parse((JSON.parse(hook.requests[0]!.body) as { Message: string }).Message);
    expect(n).toMatchObject({ AlarmName: 'rejected-ssh', NewStateValue: 'OK' });
  }, 60_000);

  it('fits every page in 420 px and takes screenshots at 1280 and 420 px', async () => {
    const pages: [string, string][] = [
      ['overview', 'overview'],
      [
        'query?lang=insights&q=stats%20count(*)%20as%20flows%2C%20sum(bytes)%20as%20bytes%20by%20bin(1m)',
        'query',
      ],
      ['alarms', 'alarms'],
      ['alarms/rejected-ssh', 'alarm'],
      ['filters', 'filters'],
      ['flows', 'flows'],
      ['sources', 'sources'],
    ];
    for (const width of [1280, 420]) {
      await page.setViewportSize({ width, height: 900 });
      for (const [hash, name] of pages) {
        await open(hash, name);
        await page.waitForTimeout(300);
        await page.screenshot({ path: join(SHOTS, `${name}-${width}.png`) });
        if (width === 420) {
          const sw = Number(await page.evaluate('document.documentElement.scrollWidth'));
          expect(sw, `${name} at 420 px`).toBeLessThanOrEqual(420);
        }
      }
    }
    // The custom range opens as a panel: the header keeps its height.
    await page.setViewportSize({ width: 1280, height: 900 });
    await open('overview', 'overview');
    const before = (await page.locator('.app-header').boundingBox())!.height;
    await page.selectOption('[data-testid="time-range"]', 'custom');
    await page.waitForSelector('.range-custom:not([hidden])');
    expect((await page.locator('.app-header').boundingBox())!.height).toBe(before);
    await page.screenshot({ path: join(SHOTS, 'custom-range-1280.png') });
  }, 120_000);
});

// One headless Chromium per test worker for the dashboard's page tests, not one per file. Each file gets its own
// browser context (cookies, storage, permissions and downloads of its own, as a fresh browser gave it) and closes
// it when done; the browser stays for the next page file the same worker runs (the workers run their files one
// after the other in one process: vitest.config.ts, `isolate: false`) and ends with the worker (Playwright kills
// the browsers it launched when its process exits). A launch costs about 0.8 CPU-s and 2.5–4 s of wall time on
// this 2-core machine: seven page files paid it seven times, now at most once per worker.

import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Kept on globalThis: the module may be evaluated again for another file, the browser should not be. */
const KEY = Symbol.for('flowwatch.test.sharedBrowser');
type Holder = { [KEY]?: Promise<Browser> };

/** The worker's Chromium, launched on first use (again if it crashed or was closed). */
export async function sharedBrowser(): Promise<Browser> {
  const g = globalThis as Holder;
  const held = g[KEY] === undefined ? undefined : await g[KEY].catch(() => undefined);
  if (held?.isConnected()) return held;
  const launching = chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  g[KEY] = launching;
  return await launching;
}

/**
 * A page in a new context of the worker's Chromium, as `browser.newPage(options)` of a fresh browser gives:
 * close it with `closePage` (its context goes with it).
 */
export async function openPage(options: BrowserContextOptions): Promise<Page> {
  const context = await (await sharedBrowser()).newContext(options);
  return await context.newPage();
}

/** Closes the page's context, leaving the browser to the next file. */
export async function closePage(page: Page | undefined): Promise<void> {
  await page
    ?.context()
    .close()
    .catch(() => undefined);
}

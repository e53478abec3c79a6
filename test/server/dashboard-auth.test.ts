// The dashboard server as `flowwatch serve` runs it (static front end at /, API under /api): every path under
// /api needs the token before anything else answers, so unknown routes cannot be told from known ones.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/core/logger.js';
import { type Monitor, startMonitor } from '../../src/monitor/monitor.js';
import { dashboardRoutes } from '../../src/server/dashboard.js';

let dir: string;
let monitor: Monitor;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-dash-auth-'));
  const web = join(dir, 'web');
  mkdirSync(web);
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>flowwatch</title>');
  monitor = await startMonitor({
    config: parseConfig(join(dir, 'flowwatch.yaml'), 'metricFilters: []\n'),
    db: join(dir, 'd.duckdb'),
    log: createLogger(() => undefined),
    env: {},
    listen: '127.0.0.1:0',
    stateDir: join(dir, 'state'),
    ...dashboardRoutes({ webRoot: web }),
  });
});

afterAll(async () => {
  await monitor?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const call = (method: string, path: string, token?: string) =>
  fetch(`${monitor.url}${path}`, {
    method,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });

describe('the dashboard server', () => {
  it.each([
    ['GET', '/api/nope'],
    ['HEAD', '/api/nope'],
    ['GET', '/api/nope/deeper?x=1'],
    ['POST', '/api/nope'],
    ['DELETE', '/api/sql'],
    ['GET', '/api'],
    ['GET', '/api/'],
    ['GET', '/api/overview'],
    ['GET', '/api/openapi.json'],
    ['GET', '/%61pi/nope'],
    ['GET', '/%61pi/overview'],
    ['GET', '//api/nope'],
  ])('answers %s %s with 401 without the token, and with a wrong one', async (method, path) => {
    expect((await call(method, path)).status).toBe(401);
    expect((await call(method, path, `${monitor.token}x`)).status).toBe(401);
  });

  it('answers unknown API routes 404 only with the token', async () => {
    expect((await call('GET', '/api/nope', monitor.token)).status).toBe(404);
    expect((await call('POST', '/api/nope', monitor.token)).status).toBe(404);
  });

  it('serves the front end without the token', async () => {
    const r = await call('GET', '/');
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('<title>flowwatch</title>');
  });
});

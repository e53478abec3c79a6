// The findings API over loopback: a real monitor with the API, over a store holding the findings of hand-made
// records (the 20-port vertical scan and the 40-connection brute force of cases.ts). Token required; the JSON
// shape is the one the CLI prints; ack and suppress change the state; bad requests are refused.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/core/logger.js';
import { builtinCatalog } from '../../src/detect/catalog.js';
import { storeFindings } from '../../src/detect/findings.js';
import { detectWithSql, type RunSql } from '../../src/detect/run.js';
import { ingest } from '../../src/ingest/ingest.js';
import { type Monitor, startMonitor } from '../../src/monitor/monitor.js';
import { registerApi } from '../../src/server/api.js';
import { Store } from '../../src/storage/store.js';
import { HEADER, rec, T } from './cases.js';

let dir: string;
let monitor: Monitor;
const clock = T + 10_000;

async function call(path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> {
  const { token, ...rest } = init;
  const headers: Record<string, string> = {};
  const t = token === undefined ? monitor.token : token;
  if (t !== null) headers['authorization'] = `Bearer ${t}`;
  if (rest.body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${monitor.url}${path}`, { ...rest, headers });
}

async function json(r: Promise<Response>, status: number): Promise<Record<string, unknown>> {
  const res = await r;
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as Record<string, unknown>;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-findings-api-'));
  const lines = [
    ...Array.from({ length: 20 }, (_, i) =>
      rec('eni-a', '203.0.113.9', '10.0.1.10', 40000 + i, i + 1, 6, 'REJECT', T + i * 10),
    ),
    ...Array.from({ length: 40 }, (_, i) =>
      rec('eni-a', '198.51.100.20', '10.0.1.10', 50000 + i, 22, 6, 'ACCEPT', T + i * 5),
    ),
  ];
  writeFileSync(join(dir, 'f.log'), `${HEADER}\n${lines.join('\n')}\n`);
  const db = join(dir, 'api.duckdb');
  const store = await Store.open(db);
  await ingest(store, [join(dir, 'f.log')], {});
  const run: RunSql = async (sql) => (await store.query(sql)).rows;
  const catalog = builtinCatalog();
  const found = await detectWithSql(catalog, { engine: 'duckdb' }, {}, run);
  await storeFindings(store, catalog, found, { engine: 'duckdb' }, run, T + 600, clock);
  await store.checkpoint();
  store.close();
  const config = parseConfig('flowwatch.yaml', 'metricFilters: []\n');
  monitor = await startMonitor({
    config,
    db,
    log: createLogger(() => {}),
    env: {},
    listen: '127.0.0.1:0',
    stateDir: join(dir, 'state'),
    now: () => clock,
    register: (app, parts) =>
      registerApi(app, { store: parts.store, config: parts.config, monitor: parts, now: () => clock }),
  });
});

afterAll(async () => {
  await monitor?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('findings API', () => {
  it('needs the token', async () => {
    await json(call('/api/findings', { token: null }), 401);
    await json(call('/api/findings/x/ack', { method: 'POST', body: '{}', token: 'fw_wrong' }), 401);
  });

  it('lists both findings with the documented fields (brute force ends last: T+195 > T+190)', async () => {
    const r = await json(call('/api/findings'), 200);
    const list = r['findings'] as Record<string, unknown>[];
    expect(
      list.map((f) => [
        f['detection'],
        f['entity'],
        f['severity'],
        f['start'],
        f['end'],
        f['evidence_count'],
      ]),
    ).toEqual([
      ['brute-force-login', '10.0.1.10:22', 'low', T, T + 195, 40],
      ['vertical-port-scan', '10.0.1.10', 'low', T, T + 190, 20],
    ]);
    expect(list[0]).toMatchObject({ state: 'open', peers: ['198.51.100.20'], closed: false });
    const only = await json(call('/api/findings?detection=vertical-port-scan'), 200);
    expect((only['findings'] as unknown[]).length).toBe(1);
  });

  it('says why the list is empty for a misspelt detection id, not for a known one that found nothing', async () => {
    const typo = await json(call('/api/findings?detection=vertical-port-scn'), 200);
    expect(typo['findings']).toEqual([]);
    expect(typo['warnings']).toEqual([
      'there is no detection "vertical-port-scn": no stored finding has it and the catalog does not list it, so nothing can match (did you mean "vertical-port-scan"?)',
    ]);
    // beacon is in the catalog and found nothing here: an honest empty list.
    const none = await json(call('/api/findings?detection=beacon'), 200);
    expect(none).toEqual({ findings: [] });
  });

  it('shows one finding with its evidence query and sample, and 404 for an unknown id', async () => {
    const list = (await json(call('/api/findings'), 200))['findings'] as Record<string, unknown>[];
    const id = String(list[1]!['id']);
    const f = await json(call(`/api/findings/${id}`), 200);
    const ev = f['evidence'] as Record<string, unknown>;
    expect([ev['engine'], ev['count'], (ev['sample'] as unknown[]).length]).toEqual(['duckdb', 20, 5]);
    expect(String(ev['query'])).toContain('FROM flows');
    expect((await json(call('/api/findings/nope'), 404))['error']).toBe('FINDING_NOT_FOUND');
  });

  it('acknowledges and suppresses; refuses a suppression without an expiry, or in the past', async () => {
    const list = (await json(call('/api/findings'), 200))['findings'] as Record<string, unknown>[];
    const id = String(list[0]!['id']);
    const a = await json(
      call(`/api/findings/${id}/ack`, { method: 'POST', body: '{"reason":"on it"}' }),
      200,
    );
    expect([a['state'], a['stateReason']]).toEqual(['acknowledged', 'on it']);
    await json(call(`/api/findings/${id}/suppress`, { method: 'POST', body: '{"reason":"x"}' }), 400);
    const past = await json(
      call(`/api/findings/${id}/suppress`, {
        method: 'POST',
        body: JSON.stringify({ reason: 'x', until: clock - 1 }),
      }),
      400,
    );
    expect(past['field']).toBe('until');
    const s = await json(
      call(`/api/findings/${id}/suppress`, {
        method: 'POST',
        body: JSON.stringify({ reason: 'pentest', until: clock + 3600 }),
      }),
      200,
    );
    expect([s['state'], s['stateReason'], s['stateUntil']]).toEqual(['suppressed', 'pentest', clock + 3600]);
    const only = await json(call('/api/findings?state=suppressed'), 200);
    expect((only['findings'] as Record<string, unknown>[]).map((f) => f['id'])).toEqual([id]);
    await json(call('/api/findings?severity=severe'), 400);
  });

  it("gives the detection's MITRE tag and the state history, oldest first; reopen is recorded too", async () => {
    const list = (await json(call('/api/findings'), 200))['findings'] as Record<string, unknown>[];
    // The brute force: acknowledged then suppressed by the test above.
    const id = String(list[0]!['id']);
    await json(call(`/api/findings/${id}/reopen`, { method: 'POST', body: '{}' }), 200);
    const f = await json(call(`/api/findings/${id}`), 200);
    expect(f['attack']).toEqual({
      tactic: 'TA0006',
      tacticName: 'Credential Access',
      technique: 'T1110',
      techniqueName: 'Brute Force',
    });
    expect(f['state']).toBe('open');
    expect(f['history']).toEqual([
      { at: clock, from: 'open', state: 'acknowledged', reason: 'on it' },
      { at: clock, from: 'acknowledged', state: 'suppressed', reason: 'pentest', until: clock + 3600 },
      { at: clock, from: 'suppressed', state: 'open' },
    ]);
    // A finding whose state never changed has an empty history.
    const other = await json(call(`/api/findings/${String(list[1]!['id'])}`), 200);
    expect(other['history']).toEqual([]);
  });
});

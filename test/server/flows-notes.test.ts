// GET /api/flows over a default-format store (no flow-direction): a direction filter reads a field no stored
// record has, so its empty answer comes with the reason and the fix, not as "no flows".

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/core/logger.js';
import { ingest } from '../../src/ingest/ingest.js';
import { type Monitor, startMonitor } from '../../src/monitor/monitor.js';
import { registerApi } from '../../src/server/api.js';
import type { FlowsResponse } from '../../src/server/api-contract.js';
import { Store } from '../../src/storage/store.js';

const T = 1716199200;
const HOUR = `since=${T}&until=${T + 3600}`;
const LINES = [
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
  `2 111122223333 eni-a 203.0.113.9 10.0.1.10 51000 22 6 1 44 ${T + 10} ${T + 11} REJECT OK`,
  `2 111122223333 eni-a 10.0.1.10 203.0.113.9 22 51000 6 1 44 ${T + 10} ${T + 11} ACCEPT OK`,
];

let dir: string;
let monitor: Monitor;

async function get(path: string): Promise<FlowsResponse> {
  const r = await fetch(`${monitor.url}${path}`, { headers: { authorization: `Bearer ${monitor.token}` } });
  const body = await r.text();
  expect(r.status, body).toBe(200);
  return JSON.parse(body) as FlowsResponse;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-flows-notes-'));
  writeFileSync(join(dir, 'f.log'), `${LINES.join('\n')}\n`);
  const db = join(dir, 's.duckdb');
  const store = await Store.open(db);
  expect((await ingest(store, [join(dir, 'f.log')])).records).toBe(2);
  store.close();
  const config = parseConfig('flowwatch.yaml', 'metricFilters: []\n');
  monitor = await startMonitor({
    config,
    db,
    log: createLogger(() => {}),
    env: {},
    listen: '127.0.0.1:0',
    stateDir: join(dir, 'state'),
    now: () => T + 3600,
    register: (app, parts) =>
      registerApi(app, { store: parts.store, config: parts.config, monitor: parts, now: () => T + 3600 }),
  });
});

afterAll(async () => {
  await monitor?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /api/flows on records without flow-direction', () => {
  it('a direction filter: no rows, and a note naming flow-direction and the fix', async () => {
    const r = await get(`/api/flows?direction=ingress&${HOUR}`);
    expect(r.rows).toEqual([]);
    expect(r.notes).toHaveLength(1);
    expect(r.notes![0]).toMatch(
      /^no stored record has flow-direction \(flow-direction, flow log version 5\)/,
    );
    expect(r.notes![0]).toContain('add ${flow-direction} to the flow log format');
    expect(r.notes![0]).toContain('the direction filter needs it');
  });

  it('without the direction filter: both records, and no such note', async () => {
    const r = await get(`/api/flows?${HOUR}`);
    expect(r.rows).toHaveLength(2);
    expect((r.notes ?? []).join(' ')).not.toContain('flow-direction');
  });
});

// GET /api/overview over records whose format has no action field: "Top rejected sources" must not read as
// "nothing was rejected" (a silent zero); the answer counts those records and carries a warning the Overview
// panel shows. Expected values are worked out by hand from the lines below.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/core/logger.js';
import { ingest } from '../../src/ingest/ingest.js';
import { type Monitor, startMonitor } from '../../src/monitor/monitor.js';
import { registerApi } from '../../src/server/api.js';
import type { OverviewResponse } from '../../src/server/api-contract.js';
import { Store } from '../../src/storage/store.js';

const T = 1716199200; // 2024-05-20T10:00:00Z
// Hour T: three records without action (a custom format). Hour T+3600: two records with action, one REJECT.
const NO_ACTION = [
  'version interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end',
  `2 eni-a 203.0.113.9 10.0.1.10 51000 22 6 1 44 ${T + 10} ${T + 11}`,
  `2 eni-a 203.0.113.9 10.0.1.10 51001 22 6 1 44 ${T + 20} ${T + 21}`,
  `2 eni-a 10.0.1.10 8.8.8.8 53000 53 17 1 70 ${T + 30} ${T + 31}`,
];
const WITH_ACTION = [
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
  `2 111122223333 eni-b 198.51.100.7 10.0.1.11 51003 22 6 2 120 ${T + 3610} ${T + 3611} REJECT OK`,
  `2 111122223333 eni-b 10.0.1.11 8.8.8.8 53001 53 17 1 70 ${T + 3620} ${T + 3621} ACCEPT OK`,
];

let dir: string;
let monitor: Monitor;
const logs: string[] = [];

async function overview(since: number, until: number): Promise<OverviewResponse> {
  const r = await fetch(`${monitor.url}/api/overview?since=${since}&until=${until}&view=per-eni`, {
    headers: { authorization: `Bearer ${monitor.token}` },
  });
  const body = await r.text();
  expect(r.status, body).toBe(200);
  return JSON.parse(body) as OverviewResponse;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-overview-action-'));
  writeFileSync(join(dir, 'a.log'), `${NO_ACTION.join('\n')}\n`);
  writeFileSync(join(dir, 'b.log'), `${WITH_ACTION.join('\n')}\n`);
  const db = join(dir, 'o.duckdb');
  const store = await Store.open(db);
  const s = await ingest(store, [join(dir, 'a.log'), join(dir, 'b.log')], {});
  expect(s.records).toBe(5);
  await store.checkpoint();
  store.close();
  const config = parseConfig('flowwatch.yaml', '{}\n');
  monitor = await startMonitor({
    config,
    db,
    log: createLogger((l) => logs.push(l)),
    env: {},
    listen: '127.0.0.1:0',
    stateDir: join(dir, 'state'),
    now: () => T + 7200,
    register: (app, parts) =>
      registerApi(app, {
        store: parts.store,
        config: parts.config,
        monitor: parts,
        now: () => T + 7200,
        queryTimeoutMs: 5000,
        maxRows: 100,
        log: createLogger((l) => logs.push(l)),
      }),
  });
});

afterAll(async () => {
  await monitor?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('GET /api/overview: top rejected sources over records without action', () => {
  it('warns, with the count, when the records in range have no action field and the list is empty', async () => {
    const o = await overview(T, T + 3600);
    expect(o.totals.flows).toBe(3);
    expect(o.topRejectedSources).toEqual([]);
    expect(o.recordsWithoutAction).toBe(3);
    expect(o.topRejectedWarning).toContain(
      '3 records in range come from flow logs whose format has no action',
    );
    expect(o.topRejectedWarning).toContain('the empty list does not mean nothing was rejected');
    expect(o.topRejectedWarning).toContain('${action}');
  });

  it('still warns when some records have action (the list covers those only)', async () => {
    const o = await overview(T, T + 7200);
    expect(o.topRejectedSources).toEqual([{ addr: '198.51.100.7', flows: 1 }]);
    expect(o.recordsWithoutAction).toBe(3);
    expect(o.topRejectedWarning).toContain('3 records in range');
    expect(o.topRejectedWarning).not.toContain('empty list');
  });

  it('gives no warning when every record in range has action', async () => {
    const o = await overview(T + 3600, T + 7200);
    expect(o.recordsWithoutAction).toBe(0);
    expect(o.topRejectedWarning).toBeNull();
  });
});

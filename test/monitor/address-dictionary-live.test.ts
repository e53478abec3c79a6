// The hunt's address dictionary (decision 58) covers the files the monitor stores: before, only `flowwatch ingest`
// brought it up to date, so every live batch stayed uncovered and each hunt grouped their records again.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/core/logger.js';
import { startMonitor } from '../../src/monitor/monitor.js';
import { uncoveredFiles } from '../../src/storage/address-dictionary.js';
import { Store } from '../../src/storage/store.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-live-dict-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function firehose(url: string, requestId: string, lines: readonly string[]) {
  const r = await fetch(`${url}/firehose`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-amz-firehose-protocol-version': '1.0',
      'x-amz-firehose-request-id': requestId,
      'x-amz-firehose-access-key': 'k3y',
    },
    body: JSON.stringify({
      requestId,
      timestamp: Date.now(),
      records: lines.map((l) => ({ data: Buffer.from(l).toString('base64') })),
    }),
  });
  expect(r.status).toBe(200);
}

describe('the monitor and the address dictionary', () => {
  it('covers the files it stored once it stops', async () => {
    const config = parseConfig(
      'flowwatch.yaml',
      `
sources:
  - { name: firehose, type: firehose, path: /firehose, accessKeyEnv: FH_KEY }
monitor: { listen: "127.0.0.1:0", stateDir: "${join(dir, 'state')}", flushMillis: 50 }
`,
    );
    const db = join(dir, 'm.duckdb');
    const monitor = await startMonitor({
      config,
      db,
      log: createLogger(() => undefined),
      env: { FH_KEY: 'k3y' },
    });
    const t = Math.floor(Date.now() / 1000);
    await firehose(monitor.url, 'a', [
      `2 111122223333 eni-a 10.0.0.1 192.0.2.9 40000 443 6 1 44 ${t} ${t + 1} ACCEPT OK`,
    ]);
    await firehose(monitor.url, 'b', [
      `2 111122223333 eni-a 10.0.0.2 2001:db8::7 40001 443 6 1 44 ${t} ${t + 1} ACCEPT OK`,
    ]);
    for (let i = 0; i < 100 && monitor.sink.stats.recordsStored < 2; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(monitor.sink.stats.recordsStored).toBe(2);
    await monitor.stop();
    const store = await Store.open(db);
    expect(Number((await store.query('SELECT count(*) AS n FROM files')).rows[0]?.['n'])).toBeGreaterThan(0);
    expect(await uncoveredFiles(store)).toEqual([]);
    const keys = (await store.query('SELECT address FROM address_keys ORDER BY address')).rows.map(
      (r) => r['address'],
    );
    expect(keys).toEqual(['10.0.0.1', '10.0.0.2', '192.0.2.9', '2001:db8::7']);
    store.close();
  });
});

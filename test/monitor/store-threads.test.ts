// The monitor's DuckDB threads: monitor.threads of the configuration (0 or absent: DuckDB's own default, one per
// core). One setting for the store's whole instance, so the sink's writers and the dashboard's readers see the
// same value (decision record "PutLogEvents speed 4").

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/core/logger.js';
import { startMonitor } from '../../src/monitor/monitor.js';
import { Store } from '../../src/storage/store.js';

const dir = mkdtempSync(join(tmpdir(), 'fw-threads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const threadsOf = async (s: Store) =>
  Number((await s.query(`SELECT current_setting('threads') AS t`)).rows[0]?.['t']);

/** The threads seen by the monitor's store and by a session on it (another connection of the instance). */
async function monitorThreads(yaml: string, name: string): Promise<[number, number]> {
  const m = await startMonitor({
    config: parseConfig(join(dir, 'flowwatch.yaml'), yaml),
    db: join(dir, `${name}.duckdb`),
    log: createLogger(() => undefined),
    env: {},
    listen: '127.0.0.1:0',
    stateDir: join(dir, `state-${name}`),
  });
  try {
    const session = await m.store.session();
    try {
      return [await threadsOf(m.store), await threadsOf(session)];
    } finally {
      session.close();
    }
  } finally {
    await m.stop();
  }
}

describe('the monitor DuckDB threads', () => {
  it('come from monitor.threads, for every connection of the store', async () => {
    expect(await monitorThreads('monitor: { threads: 1 }\n', 'one')).toEqual([1, 1]);
    expect(await monitorThreads('monitor: { threads: 3 }\n', 'three')).toEqual([3, 3]);
  });

  it("stay DuckDB's default without the setting or with 0", async () => {
    const plain = await Store.open(':memory:');
    const dflt = await threadsOf(plain);
    plain.close();
    expect(await monitorThreads('metricFilters: []\n', 'absent')).toEqual([dflt, dflt]);
    expect(await monitorThreads('monitor: { threads: 0 }\n', 'zero')).toEqual([dflt, dflt]);
  });
});

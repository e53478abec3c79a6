// A clean stop of the monitor leaves no scratch files behind in its state folder (issue 13, item 7).

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/core/logger.js';
import { startMonitor } from '../../src/monitor/monitor.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-clean-stop-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('monitor stop', () => {
  it('removes the scratch folder it made, and keeps the store and the state', async () => {
    const state = join(dir, 'state');
    const monitor = await startMonitor({
      config: parseConfig(join(dir, 'flowwatch.yaml'), 'metricFilters: []\n'),
      db: join(dir, 'm.duckdb'),
      log: createLogger(() => undefined),
      env: {},
      listen: '127.0.0.1:0',
      stateDir: state,
    });
    expect(existsSync(join(state, 'scratch'))).toBe(true);
    await monitor.stop();
    expect(existsSync(join(state, 'scratch'))).toBe(false);
    expect(existsSync(join(dir, 'm.duckdb'))).toBe(true);
    expect(existsSync(join(state, 'api-token'))).toBe(true);
  });
});

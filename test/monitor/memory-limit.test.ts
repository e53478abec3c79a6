// The monitor's DuckDB memory limit: monitor.memoryLimit of the configuration (default 1GB), overridden by
// --memory-limit; DuckDB's own default would be 80% of the machine's memory.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { parseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/core/logger.js';
import { startMonitor } from '../../src/monitor/monitor.js';

const dir = mkdtempSync(join(tmpdir(), 'fw-memlimit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function limitOf(yaml: string, memoryLimit?: string): Promise<string> {
  const m = await startMonitor({
    config: parseConfig(join(dir, 'flowwatch.yaml'), yaml),
    db: join(dir, 'm.duckdb'),
    log: createLogger(() => undefined),
    env: {},
    listen: '127.0.0.1:0',
    stateDir: join(dir, 'state'),
    memoryLimit,
  });
  try {
    const r = await m.store.query(`SELECT current_setting('memory_limit') AS m`);
    return String(r.rows[0]?.['m']);
  } finally {
    await m.stop();
  }
}

describe('the monitor memory limit', () => {
  it('defaults to 1GB (10^9 bytes, which DuckDB shows as 953.6 MiB)', async () => {
    expect(await limitOf('metricFilters: []\n')).toBe('953.6 MiB');
  });

  it('comes from monitor.memoryLimit, and --memory-limit overrides it', async () => {
    expect(await limitOf('monitor: { memoryLimit: 256MiB }\n')).toBe('256.0 MiB');
    expect(await limitOf('monitor: { memoryLimit: 256MiB }\n', '128MiB')).toBe('128.0 MiB');
  });

  it('refuses a --memory-limit that is not a size', async () => {
    let err = '';
    const io = {
      out: () => undefined,
      err: (t: string) => {
        err += t;
      },
      isTTY: false,
      stdin: process.stdin,
      env: {},
    };
    expect(await main(['serve', '--memory-limit', 'lots', '--db', join(dir, 'x.duckdb')], io)).toBe(2);
    expect(err).toContain('--memory-limit "lots"');
  });
});

// A read-only store confined to an export's work folder, with a memory limit, spills a sort that does not fit into
// the folder it is given (the CLI's export store: OCSF Parquet's sort by time stays under the limit).

import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/storage/store.js';

const dir = mkdtempSync(join(tmpdir(), 'fw-spill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Store.open with memoryLimit and tempDirectory', () => {
  it('sorts more than the limit by spilling into the given folder, confined to it', async () => {
    const db = join(dir, 'flows.duckdb');
    (await Store.open(db)).close();
    const work = join(dir, 'work');
    mkdirSync(work);
    const spill = join(work, 'spill');
    const store = await Store.open(db, {
      readOnly: true,
      confineTo: [work],
      memoryLimit: '64MB',
      tempDirectory: spill,
    });
    try {
      const s = await store.query(
        `SELECT current_setting('memory_limit') AS m, current_setting('temp_directory') AS t`,
      );
      expect(String(s.rows[0]!['t'])).toBe(spill);
      // 600k rows of ~200 bytes (about 120 MB) sorted under a 64 MB limit: only possible by spilling.
      const r = await store.query(
        `SELECT count(*) AS n, min(k) AS lo, max(k) AS hi FROM (
           SELECT k FROM (SELECT (i * 7919) % 600000 AS k, repeat('x', 200) || i AS pad FROM range(600000) t(i))
           ORDER BY pad DESC LIMIT 600000)`,
      );
      expect(Number(r.rows[0]!['n'])).toBe(600000);
      expect(Number(r.rows[0]!['lo'])).toBe(0);
      expect(Number(r.rows[0]!['hi'])).toBe(599999);
      expect(existsSync(spill)).toBe(true);
    } finally {
      store.close();
    }
  });
});

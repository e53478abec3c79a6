// The AWS-layout Parquet export of a day in the demo's wide format stays inside an export store's memory limit.
// A day is 288 five-minute partitions of 20+ columns; with DuckDB's default partitioned-write settings the CLI's
// export of the demo's own 200k-record store died with "Out of Memory Error" under its 512 MB limit, and 60,000
// records under 256 MB (this test, which fails on that code). Expected: every record exported once, under AWS's
// folder layout, at least one file per 5-minute slot.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportFlows, prepareExport } from '../../src/export/export.js';
import { ingest } from '../../src/ingest/ingest.js';
import { SIMULATE_DEFAULT_FORMAT, simulate } from '../../src/simulate/simulate.js';
import { Store } from '../../src/storage/store.js';

const RECORDS = 60_000;
let dir: string;
let db: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-export-pq-mem-'));
  db = join(dir, 'd.duckdb');
  // One day (2026-01-05, the simulator's default span) in its default (demo) format.
  await simulate({ out: join(dir, 'sim'), records: RECORDS, seed: 3, start: 1767571200 });
  const store = await Store.open(db);
  try {
    const s = await ingest(store, [join(dir, 'sim')]);
    expect(s.records).toBe(RECORDS);
  } finally {
    store.close();
  }
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the AWS-layout Parquet export of a wide-format day under a memory limit', () => {
  it("writes every record once, under AWS's folders", { timeout: 120_000 }, async () => {
    expect(SIMULATE_DEFAULT_FORMAT.fields.length).toBeGreaterThan(20);
    const out = join(dir, 'out');
    const opts = { to: out, format: 'parquet' as const };
    const prepared = await prepareExport(opts);
    // Opened as the CLI opens an export's store, with half its memory limit: 60,000 records then stand for the
    // 120,000 and more that broke the CLI's 512 MB.
    const store = await Store.open(db, {
      readOnly: true,
      confineTo: [prepared.work],
      memoryLimit: '256MB',
      tempDirectory: join(prepared.work, 'spill'),
    });
    try {
      const summary = await exportFlows(store, opts, prepared);
      expect(summary.records).toBe(RECORDS);
    } finally {
      store.close();
    }
    // Read back: every record once, each file under AWSLogs/aws-account-id=.../year=/month=/day=/hour=/.
    const check = await Store.open(':memory:');
    try {
      const files = (
        await check.query(
          `SELECT count(*) AS records, count(DISTINCT filename) AS files,
                  count(*) FILTER (WHERE NOT regexp_matches(filename, '/AWSLogs/aws-account-id=[^/]+/aws-service=vpcflowlogs/aws-region=[^/]+/year=2026/month=01/day=0[56]/hour=[0-9]{2}/[^/]+[.]log[.]parquet$')) AS misplaced
           FROM read_parquet('${out}/**/*.parquet', filename = true, hive_partitioning = false)`,
        )
      ).rows[0]!;
      expect(Number(files['records'])).toBe(RECORDS);
      expect(Number(files['misplaced'])).toBe(0);
      // At least one file per 5-minute slot of the day (288), maybe a few more (a slot split between writers).
      expect(Number(files['files'])).toBeGreaterThanOrEqual(288);
    } finally {
      check.close();
    }
  });
});

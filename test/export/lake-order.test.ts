// OCSF Parquet in Security Lake's layout is written one COPY per account, region and hour, each sorted by event time:
// every file is in time order even when the store's insertion order is not. (The former single partitioned COPY
// stepped back in time in 5 of 24 files of a 1M-record export, DuckDB's PARTITION_BY writer flushing per-thread
// buffers. At this test's size, one thread's worth of rows, the former COPY was most likely in order too, so this
// test is not the one that catches that bug: `npm run bench:export` counts the steps back at 1M records.)

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportFlows } from '../../src/export/export.js';
import { ingest } from '../../src/ingest/ingest.js';
import { Store } from '../../src/storage/store.js';

const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const T = 1716199200; // 2024-05-20T10:00:00Z
const N = 3000;

let dir: string;
let store: Store;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-lake-order-'));
  store = await Store.open(join(dir, 'd.duckdb'));
  mkdirSync(join(dir, 'logs'));
  // Two files whose records interleave in time, each written newest first: insertion order is not time order.
  // 3000 records 2.4 s apart each: 7200 s, the hours 10 and 11 of 2024-05-20.
  for (const [name, parity] of [
    ['a.log', 0],
    ['b.log', 1],
  ] as const) {
    const lines: string[] = [];
    for (let i = N - 1; i >= 0; i--) {
      if (i % 2 !== parity) continue;
      const t = T + Math.floor(i * 2.4);
      lines.push(`2 111122223333 eni-01 10.0.0.1 10.0.0.2 ${i} 443 6 1 60 ${t} ${t + 1} ACCEPT OK`);
    }
    writeFileSync(join(dir, 'logs', name), `${HEADER}\n${lines.join('\n')}\n`);
  }
  const s = await ingest(store, [join(dir, 'logs')]);
  expect(s.records).toBe(N);
}, 60_000);

afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Security Lake files in time order', () => {
  it('one file an hour, every file sorted by time, every record once', async () => {
    const to = join(dir, 'lake');
    const r = await exportFlows(store, { to, format: 'ocsf-parquet', enrich: false });
    expect(r.records).toBe(N);
    // the records carry their account, no region; the file key has none: region "unknown"
    expect(r.files).toEqual([
      'region=unknown/accountId=111122223333/eventDay=20240520/111122223333_unknown_20240520T10Z.parquet',
      'region=unknown/accountId=111122223333/eventDay=20240520/111122223333_unknown_20240520T11Z.parquet',
    ]);
    const files = r.files.map((f) => `'${join(to, f).replaceAll("'", "''")}'`).join(', ');
    const got = (
      await store.query(`SELECT filename, count(*)::INTEGER AS n,
          count(*) FILTER (WHERE time < prev)::INTEGER AS back,
          min(time) // 3600000 - ${T / 3600} AS first_hour, max(time) // 3600000 - ${T / 3600} AS last_hour
        FROM (SELECT time, filename, lag(time) OVER (PARTITION BY filename ORDER BY file_row_number) AS prev
              FROM read_parquet([${files}], filename = true, file_row_number = true, hive_partitioning = false))
        GROUP BY filename ORDER BY filename`)
    ).rows.map((x) => [x['n'], x['back'], Number(x['first_hour']), Number(x['last_hour'])]);
    // i·2.4 s < 3600 for i ≤ 1499: 1500 records in hour 10, 1500 in hour 11; nothing steps back
    expect(got).toEqual([
      [1500, 0, 0, 0],
      [1500, 0, 1, 1],
    ]);
  });
});

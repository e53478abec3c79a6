// One Logs Insights renderer, two dialects, same rows: each query runs on a DuckDB store (toSql) and, as
// Trino SQL (toTrino), on the local Athena over an Athena table of the same flow-log file. Expected rows
// worked out by hand from the records below; queries avoid the documented differences (text order, ties).

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AthenaSession } from '../../src/athena/session.js';
import { ingest } from '../../src/ingest/ingest.js';
import { analyze, parseQuery, runQuery, toTrino } from '../../src/insights/index.js';
import { Store } from '../../src/storage/store.js';
import { HEADER, T10 } from '../athena/fixtures.js';

// T10 = 2024-05-20 10:00:00 UTC; T10 + 100 = 10:01:40.
const LINES = [
  `2 111122223333 eni-aaa 10.0.0.9 10.0.1.5 44321 22 6 3 180 ${T10} ${T10 + 60} REJECT OK`,
  `2 111122223333 eni-aaa 10.0.0.5 10.0.1.5 44322 443 6 10 5000 ${T10} ${T10 + 60} ACCEPT OK`,
  `2 111122223333 eni-bbb 192.168.1.7 10.0.1.5 5353 53 17 1 80 ${T10} ${T10 + 60} REJECT OK`,
  `2 111122223333 eni-aaa - - - - - - - ${T10} ${T10 + 60} - NODATA`,
  `2 111122223333 eni-ccc 10.0.0.12 10.0.1.6 51000 3389 6 2 120 ${T10 + 100} ${T10 + 160} REJECT OK`,
  `2 111122223333 eni-aaa 10.0.0.10 10.0.1.5 40000 23 6 1 40 ${T10 + 100} ${T10 + 160} REJECT OK`,
];
const COLUMNS = [
  'version',
  'account_id',
  'interface_id',
  'srcaddr',
  'dstaddr',
  'srcport',
  'dstport',
  'protocol',
  'packets',
  'bytes',
  'start',
  'end',
  'action',
  'log_status',
];
const CREATE = `CREATE EXTERNAL TABLE flows (version int, account_id string, interface_id string, srcaddr string,
  dstaddr string, srcport int, dstport int, protocol int, packets bigint, bytes bigint, start bigint, \`end\` bigint,
  action string, log_status string)
ROW FORMAT DELIMITED FIELDS TERMINATED BY ' '
LOCATION 's3://bucket/flows/'
TBLPROPERTIES ("skip.header.line.count"="1")`;
const NOW = T10 + 3600;

let dir: string;
let storePath: string;
let athenaStore: Store;
let athena: AthenaSession;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-insights-dialects-'));
  const text = `${HEADER}\n${LINES.join('\n')}\n`;
  mkdirSync(join(dir, 'mirror', 'bucket', 'flows'), { recursive: true });
  writeFileSync(join(dir, 'mirror', 'bucket', 'flows', 'flows.log'), text);
  const file = join(dir, 'flows.log');
  writeFileSync(file, text);
  storePath = join(dir, 'store.duckdb');
  const store = await Store.open(storePath);
  try {
    const s = await ingest(store, [file]);
    expect([s.records, s.rejected]).toEqual([LINES.length, 0]);
  } finally {
    store.close();
  }
  athenaStore = await Store.open(join(dir, 'athena.duckdb'));
  athena = await AthenaSession.open(athenaStore, { s3Root: join(dir, 'mirror') });
  await athena.run(CREATE);
});

afterAll(() => {
  athenaStore.close();
  rmSync(dir, { recursive: true, force: true });
});

const CASES: readonly [string, Record<string, unknown>[]][] = [
  [
    // REJECT: 10.0.1.5 gets 180 + 80 + 40 bytes in 3 flows, 10.0.1.6 120 in 1
    'filter action = "REJECT" | stats count(*) as n, sum(bytes) as b by dstAddr | sort n desc',
    [
      { dstAddr: '10.0.1.5', n: 3, b: 300 },
      { dstAddr: '10.0.1.6', n: 1, b: 120 },
    ],
  ],
  [
    // 10.0.0.8/29 is 10.0.0.8–10.0.0.15: .9 (180 bytes), .12 (120), .10 (40); trim removes both spaces
    'filter isIpv4InSubnet(srcAddr, "10.0.0.8/29") | fields srcAddr, trim(concat(" ", action, " ")) as a | sort bytes desc',
    [
      { srcAddr: '10.0.0.9', a: 'REJECT' },
      { srcAddr: '10.0.0.12', a: 'REJECT' },
      { srcAddr: '10.0.0.10', a: 'REJECT' },
    ],
  ],
  [
    // four records start at 10:00:00, two at 10:01:40
    'stats count(*) as n by bin(1m) as t | sort t asc',
    [
      { t: '2024-05-20 10:00:00.000', n: 4 },
      { t: '2024-05-20 10:01:00.000', n: 2 },
    ],
  ],
  [
    // bytes 40, 80, 120, 180, 5000 (the NODATA record has none): median 120; ports 22, 443, 53, 3389, 23;
    // packets 3 + 10 + 1 + 2 + 1 = 17 over 5 records
    'stats pct(bytes, 50) as p50, count_distinct(dstPort) as ports, avg(packets) as pk, sum(dstPort = 22) as ssh',
    [{ p50: 120, ports: 5, pk: 3.4, ssh: 1 }],
  ],
  [
    // ports 22 and 23 are REJECTs, the one ACCEPT matches /ACC/
    'filter dstPort in [22, 23] or action like /ACC/ | stats count(*) as n by action | sort n desc',
    [
      { action: 'REJECT', n: 2 },
      { action: 'ACCEPT', n: 1 },
    ],
  ],
  [
    // 5000 / 10 = 500, 80 / 1 = 80, 180 / 3 = 60, 120 / 2 = 60; 443 % 7 = 2, 53 % 7 = 4, 22 % 7 = 1,
    // 3389 % 7 = 1 (7 × 484 = 3388)
    'filter bytes >= 80 | fields bytes / packets as per, dstPort % 7 as m | sort per desc',
    [
      { per: 500, m: 2 },
      { per: 80, m: 4 },
      { per: 60, m: 1 },
      { per: 60, m: 1 },
    ],
  ],
];

describe('Logs Insights, DuckDB and Trino renderings agree', () => {
  it.each(CASES)('%s', async (query, expected) => {
    const duck = await runQuery(storePath, query, { now: NOW });
    expect(duck.rows).toEqual(expected);
    const sql = toTrino(analyze(parseQuery(query), NOW), { table: 'flows', columns: COLUMNS });
    expect((await athena.run(sql)).rows).toEqual(expected);
  });
});

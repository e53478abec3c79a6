// `flowwatch detect --engine athena` end to end: the Trino SQL sent over Athena's protocol to a loopback server
// answered by the local Athena engine over a text table of the case records (the 20-port vertical scan of
// cases.ts: one finding, low, 20 evidence records from T to T+190), and the findings stored locally.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AthenaSession } from '../../src/athena/session.js';
import { main } from '../../src/cli/main.js';
import { listFindings } from '../../src/storage/findings.js';
import { Store } from '../../src/storage/store.js';
import { type AthenaServer, startAthenaServer } from '../support/athena-server.js';
import { io } from '../support/capture-io.js';
import { HEADER, rec, T } from './cases.js';

let dir: string;
let athenaStore: Store;
let server: AthenaServer;

beforeAll(async () => {
  process.env['AWS_ACCESS_KEY_ID'] = 'AKIDTEST';
  process.env['AWS_SECRET_ACCESS_KEY'] = 'secret';
  dir = mkdtempSync(join(tmpdir(), 'fw-detect-athena-'));
  const folder = join(dir, 'mirror', 'bucket', 'flows');
  mkdirSync(folder, { recursive: true });
  const lines = Array.from({ length: 20 }, (_, i) =>
    rec('eni-a', '203.0.113.9', '10.0.1.10', 40000 + i, i + 1, 6, 'REJECT', T + i * 10),
  );
  writeFileSync(join(folder, 'part.log'), `${HEADER}\n${lines.join('\n')}\n`);
  athenaStore = await Store.open(join(dir, 'athena.duckdb'));
  const session = await AthenaSession.open(athenaStore, { s3Root: join(dir, 'mirror') });
  await session.run(`CREATE EXTERNAL TABLE vpc_flow_logs (
  version int, account_id string, interface_id string, srcaddr string, dstaddr string, srcport int, dstport int,
  protocol int, packets bigint, bytes bigint, start bigint, \`end\` bigint, action string, log_status string)
ROW FORMAT DELIMITED FIELDS TERMINATED BY ' '
LOCATION 's3://bucket/flows/'
TBLPROPERTIES ("skip.header.line.count"="1")`);
  // One RUNNING poll per query (100 ms): the polling itself is tested in test/athena/remote.test.ts; here each of the
  // catalog's queries would otherwise wait 0.7 s in backoff. Pages of 100 rows (paging is tested there too).
  server = await startAthenaServer({
    execute: async (sql) => session.run(sql),
    pageSize: 100,
    queuedPolls: 0,
    runningPolls: 1,
  });
});

afterAll(async () => {
  await server?.close();
  athenaStore?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('detect --engine athena', () => {
  it('runs the Trino SQL on Athena and stores the finding with its Trino evidence query', async () => {
    const db = join(dir, 'local.duckdb');
    const run = async () => {
      const c = io();
      const code = await main(
        [
          'detect',
          '--engine',
          'athena',
          '--region',
          'us-east-1',
          '--endpoint',
          server.endpoint,
          '--db',
          db,
          '--config',
          join(dir, 'none.yaml'),
          '--since',
          String(T),
          '--until',
          String(T + 3600),
          '-o',
          'json',
        ],
        c,
      );
      expect(code, c.stderr).toBe(0);
      return JSON.parse(c.stdout);
    };
    const o = await run();
    expect([o.engine, o.created]).toEqual(['athena', 1]);
    expect(
      o.findings.map((f: Record<string, unknown>) => [
        f['detection'],
        f['entity'],
        f['start'],
        f['end'],
        f['evidence_count'],
      ]),
    ).toEqual([['vertical-port-scan', '10.0.1.10', T, T + 190, 20]]);
    expect((await run()).unchanged).toBe(1);
    const store = await Store.open(db, { readOnly: true });
    try {
      const [f] = await listFindings(store);
      expect(f!.evidenceEngine).toBe('trino');
      expect(f!.evidenceSql).toContain('FROM "vpc_flow_logs" v');
      expect(f!.sample).toHaveLength(5);
    } finally {
      store.close();
    }
    // every detection of the catalog runs twice through the loopback protocol (baseline ones: two queries each)
  }, 180_000);
});

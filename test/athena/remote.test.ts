// `--engine athena` end to end: the AWS SDK against a loopback server speaking Athena's JSON protocol, whose
// answers come from flowwatch's local Athena over the table `athena setup` generates (on a local S3 mirror).
// The same data is ingested into a DuckDB store: both engines must return the same rows.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { athenaClient, athenaCost, costLine, runRemote } from '../../src/athena/remote.js';
import { AthenaSession } from '../../src/athena/session.js';
import { setupPlan } from '../../src/athena/setup.js';
import type { Io } from '../../src/cli/context.js';
import { main } from '../../src/cli/main.js';
import { Store } from '../../src/storage/store.js';
import { type AthenaServer, startAthenaServer } from '../support/athena-server.js';

const FORMAT =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${tcp-flags} ${flow-direction}';
const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status tcp-flags flow-direction';
// 1716200000 = 2024-05-20 10:13:20 UTC.
const LINES = [
  '5 111122223333 eni-a 203.0.113.9 10.0.1.10 51000 22 6 1 44 1716200010 1716200011 REJECT OK 2 ingress',
  '5 111122223333 eni-a 203.0.113.9 10.0.1.11 51001 22 6 1 44 1716200020 1716200021 REJECT OK 2 ingress',
  '5 111122223333 eni-a 203.0.113.9 10.0.1.10 51002 3389 6 1 44 1716200030 1716200031 REJECT OK 2 ingress',
  '5 111122223333 eni-b 198.51.100.7 10.0.1.10 0 0 1 4 336 1716200040 1716200050 REJECT OK 0 ingress',
  '5 111122223333 eni-b 10.0.1.10 198.51.100.7 0 0 1 4 336 1716200040 1716200050 ACCEPT OK 0 egress',
  '5 111122223333 eni-b 10.0.1.5 52.216.10.9 40001 443 6 12 7000 1716200100 1716200160 ACCEPT OK 19 egress',
  '5 111122223333 eni-b 192.0.2.1 10.0.1.5 40002 22 6 3 180 1716203700 1716203760 ACCEPT OK 3 ingress',
  '5 111122223333 eni-b - - - - - - - 1716203800 1716203860 - NODATA - -',
];
const ACCT = '111122223333';
const TABLE = 'flowlogs.vpc_flow_logs';

let dir: string;
let db: string;
let server: AthenaServer;
let athenaStore: Store;
let session: AthenaSession;

function capture(): Io & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
    isTTY: false,
    stdin: process.stdin,
    env: { ...process.env, FLOWWATCH_DB: '' },
  };
  return io;
}

async function fw(args: string[]) {
  const io = capture();
  const code = await main(args, io);
  return { code, out: io.stdout, err: io.stderr };
}

const remote = ['--engine', 'athena', '--region', 'us-east-1', '--workgroup', 'flowwatch'];

beforeAll(async () => {
  process.env['AWS_ACCESS_KEY_ID'] = 'AKIDTEST';
  process.env['AWS_SECRET_ACCESS_KEY'] = 'secret';
  dir = mkdtempSync(join(tmpdir(), 'fw-athena-remote-'));
  // AWS's plain layout: <prefix>/AWSLogs/<acct>/vpcflowlogs/<region>/yyyy/MM/dd/<file>
  const day = join(dir, 'mirror/netmon-logs/flow/AWSLogs', ACCT, 'vpcflowlogs/us-east-1/2024/05/20');
  mkdirSync(day, { recursive: true });
  const file = join(day, `${ACCT}_vpcflowlogs_us-east-1_fl-0abc_20240520T1010Z_1a2b3c4d.log`);
  writeFileSync(file, `${HEADER}\n${LINES.join('\n')}\n`);
  db = join(dir, 'local.duckdb');
  expect((await fw(['ingest', file, '--db', db])).code).toBe(0);

  athenaStore = await Store.open(join(dir, 'athena.duckdb'));
  session = await AthenaSession.open(athenaStore, {
    s3Root: join(dir, 'mirror'),
    now: () => new Date('2024-06-01T00:00:00Z'),
  });
  server = await startAthenaServer({
    execute: async (sql) => session.run(sql),
    createDatabase: async (name) => {
      await session.run(`CREATE DATABASE ${name}`);
    },
    scannedBytes: 5 * 1024 * 1024 + 17,
    pageSize: 3,
  });
  remote.push('--endpoint', server.endpoint);
  // `athena setup --apply` creates the workgroup, the Glue database and the table (run by the engine)
  const setup = await fw([
    'athena',
    'setup',
    '--format',
    FORMAT,
    '--bucket',
    'netmon-logs',
    '--prefix',
    'flow',
    '--region',
    'us-east-1',
    '--apply',
    '--endpoint',
    server.endpoint,
    '--glue-endpoint',
    server.endpoint,
  ]);
  expect(setup.err).toBe(
    'applied: Athena CreateWorkGroup\napplied: Glue CreateDatabase\napplied: Athena StartQueryExecution\n',
  );
  expect(setup.code).toBe(0);
  expect(setup.out).toContain(
    setupPlan({
      format: FORMAT,
      bucket: 'netmon-logs',
      prefix: 'flow',
      layout: 'plain',
      partition: 'daily',
      fileFormat: 'text',
      database: 'flowlogs',
      table: 'vpc_flow_logs',
      workgroup: 'flowwatch',
      results: 's3://netmon-logs/athena-results/',
      regions: ['us-east-1'],
    }).tableDdl,
  );
}, 60_000);

afterAll(async () => {
  await server?.close();
  athenaStore?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('sql --engine athena', () => {
  it('returns the same rows as the DuckDB engine (several result pages)', async () => {
    const q = (from: string, where: string) =>
      `SELECT srcaddr, action, count(*) AS n, sum(bytes) AS b FROM ${from} ${where} GROUP BY 1, 2 ORDER BY 1, 2`;
    // Athena's text tables keep the `-` of NODATA records in string columns (the store has NULL): compare OK records.
    const local = await fw(['sql', '--db', db, '-o', 'json', q('flows', "WHERE log_status = 'OK'")]);
    expect(local.code).toBe(0);
    const r = await fw([
      'sql',
      ...remote,
      '-o',
      'json',
      q(TABLE, `WHERE acct = '${ACCT}' AND log_status = 'OK'`),
    ]);
    expect(r.err).toMatch(
      /^athena: 5\.0 MiB scanned \(billed 10\.0 MiB\), 1,234 ms engine time, \$0\.000048 \(query q-\d+\)\n$/,
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(JSON.parse(local.out));
    expect(JSON.parse(r.out)).toHaveLength(5);
    // 5 rows + the header row, 3 a page (the server's cap): two GetQueryResults, the second with NextToken
    const id = /\(query (q-\d+)\)/.exec(r.err)![1];
    const pages = server.calls.filter(
      (c) => c.action === 'GetQueryResults' && c.body['QueryExecutionId'] === id,
    );
    expect(pages.map((c) => c.body['NextToken'])).toEqual([undefined, 'tok-3']);
  });

  it("a FAILED query is an error carrying Athena's StateChangeReason", async () => {
    const r = await fw(['sql', ...remote, 'SELECT nosuchcolumn FROM flowlogs.vpc_flow_logs']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/the Athena query q-\d+ failed: .*nosuchcolumn/i);
  });
});

describe('query --engine athena', () => {
  for (const name of [
    'top-rejected-sources',
    'ssh-attempts',
    'rejected-per-hour',
    'top-talkers',
    'traffic-by-direction',
  ]) {
    it(`${name}: the same rows as the DuckDB engine`, async () => {
      const local = await fw(['query', '--db', db, '-o', 'json', '--name', name]);
      expect(local.code).toBe(0);
      const r = await fw([
        'query',
        ...remote,
        '--database',
        'flowlogs',
        '--format',
        FORMAT,
        '--account',
        ACCT,
        '-o',
        'json',
        '--name',
        name,
      ]);
      expect(r.err).toMatch(/^athena: /);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out)).toEqual(JSON.parse(local.out));
    });
  }
});

describe('query --engine athena with a time range', () => {
  it('prunes partitions (--layout) and filters on start like the DuckDB engine', async () => {
    const range = ['--since', '2024-05-20T10:13:30Z', '--until', '2024-05-20T10:15:00Z'];
    const q = 'stats count(*) as n, sum(bytes) as b by action';
    const local = await fw(['query', '--db', db, '-o', 'json', ...range, q]);
    const r = await fw([
      'query',
      ...remote,
      '--database',
      'flowlogs',
      '--format',
      FORMAT,
      '--account',
      ACCT,
      '--layout',
      'plain',
      '-o',
      'json',
      ...range,
      q,
    ]);
    expect(r.err).toMatch(/^athena: /);
    expect(r.code).toBe(0);
    // by hand: starts 1716200010..1716200160 in range → 1716200010 (10:13:30)..1716200100: 4 REJECT and 2 ACCEPT
    expect(JSON.parse(r.out)).toEqual(JSON.parse(local.out));
    const sql = await fw(['query', ...remote, '--format', FORMAT, '--layout', 'plain', '--sql', ...range, q]);
    expect(sql.out).toContain(
      `replace("day", '/', '') >= '20240520' AND replace("day", '/', '') <= '20240520'`,
    );
  });
});

describe('runRemote', () => {
  const client = () => athenaClient({ region: 'us-east-1', endpoint: server.endpoint });

  it('polls with exponential backoff and pages with NextToken', async () => {
    const sleeps: number[] = [];
    const r = await runRemote(client(), `SELECT srcaddr FROM ${TABLE} WHERE acct = '${ACCT}' ORDER BY 1`, {
      workgroup: 'flowwatch',
      pageSize: 2,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    // QUEUED once, RUNNING twice, then SUCCEEDED
    expect(sleeps).toEqual([100, 200, 400]);
    // the NODATA record's `-` stays text in a text table (as in Athena), and sorts first
    expect(r.rows.map((x) => x['srcaddr'])).toEqual([
      '-',
      '10.0.1.10',
      '10.0.1.5',
      '192.0.2.1',
      '198.51.100.7',
      '203.0.113.9',
      '203.0.113.9',
      '203.0.113.9',
    ]);
    expect(r.statistics).toEqual({
      dataScannedBytes: 5 * 1024 * 1024 + 17,
      engineMs: 1234,
      billedBytes: 10 * 1024 * 1024,
      costUsd: (10 / 1024 / 1024) * 5,
    });
  });

  it('types values from ResultSetMetadata', async () => {
    const r = await runRemote(client(), `SELECT count(*) AS n, 'x' AS s, 1.5 AS d, true AS b, NULL AS z`, {
      workgroup: 'flowwatch',
      sleep: async () => undefined,
    });
    expect(r.rows).toEqual([{ n: 1, s: 'x', d: 1.5, b: true, z: null }]);
  });

  it('Ctrl-C stops the query (StopQueryExecution) and reports it cancelled', async () => {
    server.hold(true);
    const ac = new AbortController();
    let polls = 0;
    try {
      await expect(
        runRemote(client(), `SELECT 1 AS x`, {
          workgroup: 'flowwatch',
          signal: ac.signal,
          sleep: async () => {
            if (++polls === 4) ac.abort();
          },
        }),
      ).rejects.toMatchObject({ code: 'ATHENA_CANCELLED' });
    } finally {
      server.hold(false);
    }
    const stop = server.calls.filter((c) => c.action === 'StopQueryExecution');
    expect(stop).toHaveLength(1);
    expect(String(stop[0]!.body['QueryExecutionId'])).toMatch(/^q-/);
  });

  it("the service's refusals are user errors with its message", async () => {
    await expect(
      runRemote(client(), 'SELECT 1', { workgroup: 'nope', sleep: async () => undefined }),
    ).rejects.toMatchObject({
      code: 'ATHENA_REQUEST',
      message: 'Athena StartQueryExecution failed: InvalidRequestException: WorkGroup nope is not found.',
    });
  });

  it('a query the server fails: the reason in the message', async () => {
    server.failNext("SYNTAX_ERROR: line 1:8: Column 'x' cannot be resolved");
    await expect(
      runRemote(client(), 'SELECT x', { workgroup: 'flowwatch', sleep: async () => undefined }),
    ).rejects.toThrow(/failed: SYNTAX_ERROR: line 1:8: Column 'x' cannot be resolved/);
  });

  it('cost: $5 per TB, at least 10 MB, rounded up to a MB', () => {
    expect(athenaCost(0)).toEqual({ billedBytes: 10 * 2 ** 20, costUsd: (10 * 2 ** 20 * 5) / 2 ** 40 });
    expect(athenaCost(2 ** 40)).toEqual({ billedBytes: 2 ** 40, costUsd: 5 });
    expect(athenaCost(11 * 2 ** 20 + 1).billedBytes).toBe(12 * 2 ** 20);
    expect(
      costLine('q-1', { dataScannedBytes: 2 ** 40, engineMs: 2000, billedBytes: 2 ** 40, costUsd: 5 }),
    ).toBe(
      'athena: 1048576.0 MiB scanned (billed 1048576.0 MiB), 2,000 ms engine time, $5.000000 (query q-1)',
    );
  });
});

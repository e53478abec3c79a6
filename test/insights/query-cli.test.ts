// `flowwatch query` through the CLI (in-process): JSON keyed by CloudWatch's result names, the
// library, time ranges, system fields and errors with a caret. Expected rows worked out by hand from LINES.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze, LIBRARY, parseQuery, runQuery, toSql } from '../../src/insights/index.js';
import { Store } from '../../src/storage/store.js';
import { type RunResult, runCliInProcess } from '../support/run-cli.js';

let dir: string;
let db: string;
let dbDefault: string;

async function fw(args: string[]): Promise<RunResult> {
  return runCliInProcess(args, { env: { ...process.env, FLOWWATCH_DB: '' }, timeoutMs: 60_000 });
}

const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status tcp-flags flow-direction';
// 1716200000 = 2024-05-20 10:13:20 UTC.
const LINES = [
  '5 111122223333 eni-a 203.0.113.9 10.0.1.10 51000 22 6 1 44 1716200010 1716200011 REJECT OK 2 ingress', // ssh reject
  '5 111122223333 eni-a 203.0.113.9 10.0.1.11 51001 22 6 1 44 1716200020 1716200021 REJECT OK 2 ingress', // ssh reject, 2nd target
  '5 111122223333 eni-a 203.0.113.9 10.0.1.10 51002 3389 6 1 44 1716200030 1716200031 REJECT OK 2 ingress', // rdp reject
  '5 111122223333 eni-b 198.51.100.7 10.0.1.10 0 0 1 4 336 1716200040 1716200050 REJECT OK 0 ingress', // icmp reject
  '5 111122223333 eni-b 10.0.1.10 198.51.100.7 0 0 1 4 336 1716200040 1716200050 ACCEPT OK 0 egress', // icmp reply
  '5 111122223333 eni-b 10.0.1.5 52.216.10.9 40001 443 6 12 7000 1716200100 1716200160 ACCEPT OK 19 egress', // https out
  '5 111122223333 eni-b 192.0.2.1 10.0.1.5 40002 22 6 3 180 1716200200 1716200260 ACCEPT OK 3 ingress', // ssh accepted
  '5 111122223333 eni-b - - - - - - - 1716200300 1716200360 - NODATA - -', // no data
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-query-'));
  db = join(dir, 'q.duckdb');
  dbDefault = join(dir, 'default.duckdb');
  writeFileSync(join(dir, 'v5.log'), `${HEADER}\n${LINES.join('\n')}\n`);
  writeFileSync(
    join(dir, 'default.log'),
    '2 111122223333 eni-c 203.0.113.9 10.0.1.10 51000 22 6 1 44 1716200010 1716200011 REJECT OK\n',
  );
  expect((await fw(['ingest', join(dir, 'v5.log'), '--db', db])).code).toBe(0);
  expect(
    (await fw(['ingest', join(dir, 'default.log'), '--db', dbDefault, '--format', 'default'])).code,
  ).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const json = async (args: string[]) => {
  const r = await fw(['query', '--db', db, '--output', 'json', ...args]);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as Record<string, unknown>[];
};

describe('flowwatch query', () => {
  it('prints JSON rows keyed by the result names CloudWatch gives (an unaliased count(*) is "count(*)")', async () => {
    expect(await json(['filter action = "REJECT" | stats count(*) by srcAddr | sort srcAddr asc'])).toEqual([
      { srcAddr: '198.51.100.7', 'count(*)': 1 },
      { srcAddr: '203.0.113.9', 'count(*)': 3 },
    ]);
  });

  it('runs the AWS top-20 rejected sources query unchanged', async () => {
    expect(
      await json([
        'filter action = "REJECT" | stats count(*) as numRejections by srcAddr | sort numRejections desc | limit 20',
      ]),
    ).toEqual([
      { srcAddr: '203.0.113.9', numRejections: 3 },
      { srcAddr: '198.51.100.7', numRejections: 1 },
    ]);
  });

  it('runs the issue example with an alias used by a later filter, newest first', async () => {
    expect(
      await json([
        `fields @timestamp, accountId as ID, flowDirection
         | sort @timestamp desc
         | filter (ID = '111122223333' and flowDirection = "egress")
         | limit 20`,
      ]),
    ).toEqual([
      { '@timestamp': '2024-05-20 10:15:00.000', ID: '111122223333', flowDirection: 'egress' },
      { '@timestamp': '2024-05-20 10:14:00.000', ID: '111122223333', flowDirection: 'egress' },
    ]);
  });

  it('gives @message (the line), @logStream (the interface) and @log', async () => {
    expect(await json(['filter dstPort = 443 | fields @message, @logStream, @log'])).toEqual([
      { '@message': LINES[5]!.split(' //')[0], '@logStream': 'eni-b', '@log': '111122223333:flowwatch' },
    ]);
  });

  it('applies --since/--until to @timestamp, both ends included', async () => {
    const rows = await json(['stats count(*) as n', '--since', '1716200020', '--until', '1716200040']);
    expect(rows).toEqual([{ n: 4 }]); // starts 020, 030, 040, 040
  });

  it('lists the library and runs a library query by name', async () => {
    const list = await fw(['query', '--list', '--output', 'json']);
    expect(JSON.parse(list.out).map((q: { name: string }) => q.name)).toEqual(LIBRARY.map((q) => q.name));
    expect(await json(['--name', 'ssh-attempts'])).toEqual([
      { srcAddr: '203.0.113.9', action: 'REJECT', attempts: 2, targets: 2 },
      { srcAddr: '192.0.2.1', action: 'ACCEPT', attempts: 1, targets: 1 },
    ]);
    expect(await json(['--name', 'denied-icmp'])).toEqual([
      { srcAddr: '198.51.100.7', dstAddr: '10.0.1.10', denied: 1 },
    ]);
  });

  it('runs every library query on a v5 store and on a default-format store', async () => {
    for (const store of [db, dbDefault]) {
      const s = await Store.open(store, { readOnly: true });
      try {
        for (const q of LIBRARY) await expect(runQuery(s, q.query), q.name).resolves.toBeDefined();
      } finally {
        s.close();
      }
    }
  });

  it('shows a query mistake with a caret under it, a did-you-mean, and exit code 1', async () => {
    const r = await fw(['query', '--db', db, 'filter action = "REJECT" | stats count(*) by srcadr']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('unknown field "srcadr"');
    expect(r.err).toContain(
      `  filter action = "REJECT" | stats count(*) by srcadr\n  ${' '.repeat(45)}^^^^^^`,
    );
    expect(r.err).toContain('did you mean "srcAddr"?');
  });

  it('refuses unknown library names, a query with --name, and --last with --since', async () => {
    expect((await fw(['query', '--db', db, '--name', 'nope'])).code).toBe(2);
    expect((await fw(['query', '--db', db, '--name', 'top-talkers', 'fields x'])).code).toBe(2);
    expect((await fw(['query', '--db', db, '--last', '1h', '--since', '2h', 'limit 1'])).code).toBe(2);
  });
});

describe('generated SQL', () => {
  it('brackets every boolean group, so the time range and each branch keep their meaning', async () => {
    const plan = analyze(parseQuery('filter dstPort = 22 or action = "REJECT" and not protocol = 1'), 0);
    const sql = toSql(plan, { formats: [], since: 10, until: 20 }).sql;
    expect(sql).toContain('WHERE v.event_time >= 10 AND v.event_time <= 20)');
    expect(sql).toContain(
      `WHERE (("dstport" = 22) OR (("action" = 'REJECT') AND (NOT coalesce(("protocol" = 1), false))))`,
    );
  });
});

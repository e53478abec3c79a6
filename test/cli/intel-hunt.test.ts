// `flowwatch intel` and `flowwatch hunt` end to end on a small ingested file: bad feed lines reported as
// file:line, versions, the grouped hunt (expected groups worked out by hand), and the loud empty answers.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { io } from '../support/capture-io.js';
import { runCli } from '../support/run-cli.js';

const FIX = join(import.meta.dirname, '../fixtures/intel');
const T = 1716199200; // 2024-05-20T10:00:00Z
const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const row = (src: string, dst: string, start: number, bytes: number, action = 'ACCEPT') =>
  `2 111122223333 eni-a ${src} ${dst} 40000 443 6 1 ${bytes} ${T + start} ${T + start + 10} ${action} OK`;
const RECORDS = [
  row('10.0.1.10', '203.0.113.7', 0, 100), // in 203.0.113.0/24 (list) and 203.0.113.7 (abuse.ch)
  row('10.0.1.10', '203.0.113.7', 50, 300), // same pair again
  row('203.0.113.99', '10.0.1.11', 60, 40, 'REJECT'), // in the /24, inbound, rejected
  row('10.0.1.10', '198.51.100.7', 150, 500), // in the list; in the STIX window [T+100, T+200)
  row('10.0.1.10', '8.8.8.8', 160, 70), // nothing
];

let dir: string;
let db: string;
const cli = async (...argv: string[]) => {
  const o = io();
  const code = await main([...argv, '--db', db], o);
  return { code, out: o.stdout, err: o.stderr };
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-hunt-'));
  db = join(dir, 'db.duckdb');
  writeFileSync(join(dir, 'r.log'), `${HEADER}\n${RECORDS.join('\n')}\n`);
  writeFileSync(join(dir, 'empty.log'), `${HEADER}\n`);
  expect((await cli('ingest', join(dir, 'r.log'))).code).toBe(0);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('flowwatch intel', () => {
  it('adds a feed, reporting its bad line as file:line, and lists it', async () => {
    const r = await cli('intel', 'add', join(FIX, 'list.txt'), '--name', 'mylist', '--licence', 'CC0-1.0');
    expect(r.code).toBe(0);
    expect(r.err).toContain(`${join(FIX, 'list.txt')}:5: "not-an-address" is not`);
    expect(r.out).toContain('feed mylist version 1: 4 indicators (3 IPv4, 1 IPv6)');
    expect(r.out).toContain('1 bad lines skipped');
    const again = await cli('intel', 'add', join(FIX, 'list.txt'), '--name', 'mylist');
    expect(again.out).toContain('feed mylist version 2');
    expect(again.err).toContain('no licence recorded');
    const l = await cli('intel', 'list', '--all', '-o', 'json');
    const rows = JSON.parse(l.out) as { name: string; version: number; current: string; licence: string }[];
    expect(rows.map((x) => [x.name, x.version, x.current, x.licence])).toEqual([
      ['mylist', 1, 'no', 'CC0-1.0'],
      ['mylist', 2, 'yes', 'unspecified'],
    ]);
  });

  it('refuses a file with no indicator at all, and an unknown feed name', async () => {
    writeFileSync(join(dir, 'junk.txt'), 'hello\nworld\n');
    const r = await cli('intel', 'add', join(dir, 'junk.txt'));
    expect(r.code).toBe(1);
    expect(r.err).toContain('no indicator could be read as list (2 bad lines)');
    const rm = await cli('intel', 'remove', 'nope');
    expect(rm.code).toBe(2);
    expect(rm.err).toContain('the feeds are: mylist');
  });
});

describe('flowwatch hunt', () => {
  it('groups the matches of an indicator file by indicator, address and peer', async () => {
    const r = await cli('hunt', '--ioc', join(FIX, 'list.txt'), '-o', 'json');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as Record<string, unknown>[];
    // 203.0.113.7 lies only in 203.0.113.0/24 of this list; 198.51.100.7 is its own entry.
    expect(
      rows.map((x) => [x['indicator'], x['address'], x['peer'], x['flows'], x['bytes'], x['rejected']]),
    ).toEqual([
      ['203.0.113.0/24', '203.0.113.7', '10.0.1.10', 2, 400, 0],
      ['198.51.100.7', '198.51.100.7', '10.0.1.10', 1, 500, 0],
      ['203.0.113.0/24', '203.0.113.99', '10.0.1.11', 1, 40, 1],
    ]);
    expect(rows[0]!['first_seen']).toBe('2024-05-20T10:00:00Z');
    expect(rows[0]!['last_seen']).toBe('2024-05-20T10:00:50Z');
    expect(r.err).toContain('3 groups, 4 matching record sides; searched 5 records');
  });

  it('honours STIX validity and --since', async () => {
    const r = await cli('hunt', '--ioc', join(FIX, 'bundle.json'), '-o', 'json');
    // 198.51.100.7 at T+150 lies in [T+100, T+200).
    expect((JSON.parse(r.out) as Record<string, unknown>[]).map((x) => [x['indicator'], x['flows']])).toEqual(
      [['198.51.100.7', 1]],
    );
    expect(r.err).toContain(':21: indicator--22222222');
    const late = await cli('hunt', '--ioc', join(FIX, 'ipblocklist.csv'), '--since', String(T + 55));
    expect(late.out).toContain(
      'no match: searched 3 records with event times 2024-05-20T10:01:00Z to 2024-05-20T10:02:40Z against 2 indicators (1 IPv4, 1 IPv6)',
    );
  });

  it('hunts the stored feeds without --ioc, and says so when there are none', async () => {
    const r = await cli('hunt');
    expect(r.out).toContain('203.0.113.0/24');
    await cli('intel', 'remove', 'mylist');
    const none = await cli('hunt');
    expect(none.code).toBe(2);
    expect(none.err).toContain('nothing to hunt for');
  });

  it('says when the store is empty or the period holds no record', async () => {
    const r = await cli('hunt', '--ioc', join(FIX, 'list.txt'), '--since', '2030-01-01T00:00:00Z');
    expect(r.out).toContain(
      'no stored record has an event time in the period asked for (5 records are stored)',
    );
    const empty = join(dir, 'empty.duckdb');
    const o = io();
    await main(['ingest', join(dir, 'empty.log'), '--db', empty], o);
    const e = io();
    await main(['hunt', '--ioc', join(FIX, 'list.txt'), '--db', empty], e);
    expect(e.stdout).toContain('the store holds no flow records yet');
  });

  it('runs as a child process (the built CLI)', async () => {
    const r = await runCli(['hunt', '--ioc', join(FIX, 'ipblocklist.csv'), '--db', db]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('203.0.113.7');
    expect(r.out).toContain('Dridex C2 port 443 (online)');
  }, 60_000);
});

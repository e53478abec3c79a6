// `flowwatch hunt -o json|csv` is written by DuckDB as text (src/storage/hunt-groups.ts): the text must be what
// render() printed for the rows before, byte for byte. Expected texts worked out by hand from the records below;
// `--limit` and the table's first-N note.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { io } from '../support/capture-io.js';

const T = 1716199200; // 2024-05-20T10:00:00Z
const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const row = (src: string, dst: string, start: number, bytes: number, action = 'ACCEPT') =>
  `2 111122223333 eni-a ${src} ${dst} 40000 443 6 1 ${bytes} ${T + start} ${T + start + 10} ${action} OK`;
const RECORDS = [
  row('10.0.1.10', '203.0.113.7', 0, 100),
  row('10.0.1.10', '203.0.113.7', 50, 300),
  row('203.0.113.99', '10.0.1.11', 60, 40, 'REJECT'),
  row('10.0.1.10', '198.51.100.7', 150, 500),
  row('10.0.1.10', '8.8.8.8', 160, 70),
];

let dir: string;
let db: string;
const cli = async (...argv: string[]) => {
  const o = io();
  const code = await main([...argv, '--db', db], o);
  return { code, out: o.stdout, err: o.stderr };
};
const list = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-hunt-out-'));
  db = join(dir, 'db.duckdb');
  writeFileSync(join(dir, 'r.log'), `${HEADER}\n${RECORDS.join('\n')}\n`);
  expect((await cli('ingest', join(dir, 'r.log'))).code).toBe(0);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The three groups of this list: 203.0.113.7 (2 records, 400 bytes), 198.51.100.7 (1, 500), 203.0.113.99 (1, 40).
const PLAIN = '203.0.113.0/24 ; SBL0001\n198.51.100.7\n';
const group = (g: {
  indicator: string;
  address: string;
  peer: string;
  sides: string;
  first: string;
  last: string;
  flows: number;
  bytes: number;
  rejected: number;
  description: string;
}) =>
  [
    '  {',
    `    "indicator": "${g.indicator}",`,
    '    "feed": "ioc",',
    `    "address": "${g.address}",`,
    `    "peer": "${g.peer}",`,
    `    "sides": "${g.sides}",`,
    `    "first_seen": "2024-05-20T${g.first}Z",`,
    `    "last_seen": "2024-05-20T${g.last}Z",`,
    `    "flows": ${g.flows},`,
    `    "bytes": ${g.bytes},`,
    `    "packets": ${g.flows},`,
    `    "rejected": ${g.rejected},`,
    `    "description": ${g.description}`,
    '  }',
  ].join('\n');
const G1 = (description: string) =>
  group({
    indicator: '203.0.113.0/24',
    address: '203.0.113.7',
    peer: '10.0.1.10',
    sides: 'dst',
    first: '10:00:00',
    last: '10:00:50',
    flows: 2,
    bytes: 400,
    rejected: 0,
    description,
  });
const G2 = (description: string) =>
  group({
    indicator: '198.51.100.7',
    address: '198.51.100.7',
    peer: '10.0.1.10',
    sides: 'dst',
    first: '10:02:30',
    last: '10:02:30',
    flows: 1,
    bytes: 500,
    rejected: 0,
    description,
  });
const G3 = (description: string) =>
  group({
    indicator: '203.0.113.0/24',
    address: '203.0.113.99',
    peer: '10.0.1.11',
    sides: 'src',
    first: '10:01:00',
    last: '10:01:00',
    flows: 1,
    bytes: 40,
    rejected: 1,
    description,
  });

describe('hunt -o json', () => {
  it('writes the groups as JSON.stringify(rows, null, 2) does, most records first', async () => {
    const r = await cli('hunt', '--ioc', list('plain.txt', PLAIN), '-o', 'json');
    expect(r.code).toBe(0);
    expect(r.out).toBe(`[\n${[G1('"SBL0001"'), G2('null'), G3('"SBL0001"')].join(',\n')}\n]\n`);
    expect(r.err).toContain('3 groups, 4 matching record sides; searched 5 records');
  });

  it('escapes quotes, backslashes and control characters as JSON.stringify does', async () => {
    // Quote, comma, backslash, slash and non-ASCII go through DuckDB's writer; a control character (U+000B,
    // which DuckDB would spell \u000B) sends the rows through JSON.stringify; a backslash before "u000B" is text.
    // (A tab in a feed's description is stored as a space.)
    const plain = await cli(
      'hunt',
      '--ioc',
      list('odd.txt', '203.0.113.0/24 ; café "x", a\\b/c\n198.51.100.7 ; raw \\u000B\n'),
      '-o',
      'json',
    );
    expect(plain.out).toBe(
      `[\n${[G1('"café \\"x\\", a\\\\b/c"'), G2('"raw \\\\u000B"'), G3('"café \\"x\\", a\\\\b/c"')].join(',\n')}\n]\n`,
    );
    const control = await cli(
      'hunt',
      '--ioc',
      list('control.txt', '203.0.113.0/24 ; tab\there\n198.51.100.7 ; vt\u000bhere \\u000B\n'),
      '-o',
      'json',
    );
    expect(control.out).toBe(
      `[\n${[G1('"tab here"'), G2('"vt\\u000bhere \\\\u000B"'), G3('"tab here"')].join(',\n')}\n]\n`,
    );
  });

  it('writes [] when nothing matched, and only the first groups with --limit', async () => {
    const none = await cli('hunt', '--ioc', list('none.txt', '192.0.2.1\n'), '-o', 'json');
    expect(none.out).toBe('[]\n');
    expect(none.err).toContain('no match: searched 5 records');
    const one = await cli('hunt', '--ioc', list('plain.txt', PLAIN), '-o', 'json', '--limit', '1');
    expect(one.out).toBe(`[\n${G1('"SBL0001"')}\n]\n`);
    expect(one.err).toContain('3 groups, 4 matching record sides');
  });
});

describe('hunt -o csv', () => {
  const head = 'indicator,feed,address,peer,sides,first_seen,last_seen,flows,bytes,rejected,description';
  it('writes a line per group, quoting fields with commas, quotes or line breaks', async () => {
    const r = await cli('hunt', '--ioc', list('plain.txt', PLAIN), '-o', 'csv');
    expect(r.out).toBe(
      [
        head,
        '203.0.113.0/24,ioc,203.0.113.7,10.0.1.10,dst,2024-05-20T10:00:00Z,2024-05-20T10:00:50Z,2,400,0,SBL0001',
        '198.51.100.7,ioc,198.51.100.7,10.0.1.10,dst,2024-05-20T10:02:30Z,2024-05-20T10:02:30Z,1,500,0,',
        '203.0.113.0/24,ioc,203.0.113.99,10.0.1.11,src,2024-05-20T10:01:00Z,2024-05-20T10:01:00Z,1,40,1,SBL0001',
        '',
      ].join('\n'),
    );
    const odd = await cli('hunt', '--ioc', list('odd.txt', '198.51.100.7 ; say "hi", twice\n'), '-o', 'csv');
    expect(odd.out).toBe(
      `${head}\n198.51.100.7,ioc,198.51.100.7,10.0.1.10,dst,2024-05-20T10:02:30Z,2024-05-20T10:02:30Z,1,500,0,"say ""hi"", twice"\n`,
    );
    const none = await cli('hunt', '--ioc', list('none.txt', '192.0.2.1\n'), '-o', 'csv');
    expect(none.out).toBe(`${head}\n`);
  });
});

describe('hunt table', () => {
  it('shows every group of a small answer, the first N of a larger one with the total', async () => {
    const all = await cli('hunt', '--ioc', list('plain.txt', PLAIN));
    expect(all.out).toContain('203.0.113.99');
    expect(all.out).not.toContain('(the first');
    expect(all.out).toContain('3 groups, 4 matching record sides');
    const two = await cli('hunt', '--ioc', list('plain.txt', PLAIN), '--limit', '2');
    const lines = two.out.split('\n');
    // header, rule, two groups, the note, the totals
    expect(lines[2]).toMatch(/^203\.0\.113\.0\/24 +203\.0\.113\.7 /);
    expect(lines[3]).toMatch(/^198\.51\.100\.7 +198\.51\.100\.7 /);
    expect(two.out).not.toContain('203.0.113.99');
    expect(lines[4]).toBe(
      '(the first 2 of 3 groups, most matching records first; --limit 0 shows every group, -o json or -o csv writes them all)',
    );
    expect(lines[5]).toContain('3 groups, 4 matching record sides');
    const every = await cli('hunt', '--ioc', list('plain.txt', PLAIN), '--limit', '0');
    expect(every.out).toContain('203.0.113.99');
    const bad = await cli('hunt', '--ioc', list('plain.txt', PLAIN), '--limit', 'ten');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--limit "ten" must be a whole number of groups');
  });
});

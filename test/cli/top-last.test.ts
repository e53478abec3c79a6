// top takes --last like query, report and detect (a user who learnt it there got "unknown option '--last'"), and a
// misspelt or capitalised list name gets the one meant.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from '../support/capture-io.js';

const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
let dir: string;
let db: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-top-last-'));
  db = join(dir, 's.duckdb');
  // One record at 2024-05-20T10:00:00Z: 10.0.0.1 sent 40 bytes.
  writeFileSync(
    join(dir, 'a.log'),
    `${HEADER}\n2 123456789012 eni-1 10.0.0.1 10.0.0.2 40000 22 6 1 40 1716199200 1716199260 ACCEPT OK\n`,
  );
  expect((await runMain(['ingest', join(dir, 'a.log'), '--db', db])).code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('top', () => {
  it('--last: a span back from now, as --since takes it', async () => {
    const recent = await runMain(['top', 'talkers', '--last', '1h', '--db', db, '--no-enrich', '-o', 'json']);
    expect(recent.code).toBe(0);
    expect(JSON.parse(recent.out)).toEqual([]);
    expect(recent.err).toContain('no stored record has an event time since');
    // 1,000,000 hours back reaches 2024.
    const all = await runMain([
      'top',
      'talkers',
      '--last',
      '1000000h',
      '--db',
      db,
      '--no-enrich',
      '-o',
      'json',
    ]);
    expect((JSON.parse(all.out) as Record<string, unknown>[]).map((r) => [r['source'], r['bytes']])).toEqual([
      ['10.0.0.1', 40],
    ]);
    const both = await runMain(['top', 'talkers', '--last', '1h', '--since', '2h', '--db', db]);
    expect([both.code, both.err]).toEqual([2, 'flowwatch: give --last or --since, not both\n']);
  });

  it('a list name in another case or misspelt gets the one meant', async () => {
    const r = await runMain(['top', 'Talkers', '--db', db]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('hint: did you mean "talkers"?');
  });
});

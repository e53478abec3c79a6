// The CLI as a user runs it: the real bin script in a child process, its output formats, errors and exit codes.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunResult, runCli } from '../support/run-cli.js';

let dir: string;
let db: string;

async function fw(args: string[], input?: string): Promise<RunResult> {
  return runCli(args, { input, env: { ...process.env, FLOWWATCH_DB: '' }, timeoutMs: 60_000 });
}

const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
// A small, hand-checked traffic sample: 203.0.113.9 is rejected 3 times on 3 ports of one target,
// 198.51.100.7 is rejected once (ICMP), 10.0.1.5 sends the most bytes (5000 + 7000).
const LINES = [
  '2 111122223333 eni-aaa 10.0.1.5 10.0.2.9 40000 5432 6 10 5000 1716200000 1716200060 ACCEPT OK',
  '2 111122223333 eni-aaa 10.0.1.5 52.216.10.9 40001 443 6 12 7000 1716200000 1716200060 ACCEPT OK',
  '2 111122223333 eni-bbb 203.0.113.9 10.0.1.10 51000 22 6 1 44 1716200010 1716200011 REJECT OK',
  '2 111122223333 eni-bbb 203.0.113.9 10.0.1.10 51001 23 6 1 44 1716200020 1716200021 REJECT OK',
  '2 111122223333 eni-bbb 203.0.113.9 10.0.1.10 51002 3389 6 1 44 1716200030 1716200031 REJECT OK',
  '2 111122223333 eni-bbb 198.51.100.7 10.0.1.10 0 0 1 4 336 1716200040 1716200050 REJECT OK',
  '2 111122223333 eni-bbb 10.0.1.10 198.51.100.7 0 0 1 4 336 1716200040 1716200050 ACCEPT OK',
  '2 111122223333 eni-bbb - - - - - - - 1716200000 1716200059 - NODATA',
  '2 111122223333 eni-bbb 10.0.1.10 10.0.2.9 22 x 6 1 44 1716200030 1716200031 ACCEPT OK',
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-cli-'));
  db = join(dir, 'cli.duckdb');
  writeFileSync(join(dir, 'sample.log.gz'), gzipSync(`${HEADER}\n${LINES.join('\n')}\n`));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('flowwatch CLI', () => {
  it('ingest --json prints files, records and rejected, and --rejects writes every rejected line', async () => {
    const rejects = join(dir, 'rejects.jsonl');
    const r = await fw(['ingest', join(dir, 'sample.log.gz'), '--db', db, '--json', '--rejects', rejects]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect([s.files, s.records, s.rejected]).toEqual([1, 8, 1]);
    const lines = readFileSync(rejects, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ line: 10, code: 'NOT_INTEGER', field: 'dstport' });
    expect(lines[0].reason).toContain('dstport');
    // Again: nothing new.
    const again = JSON.parse((await fw(['ingest', join(dir, 'sample.log.gz'), '--db', db, '--json'])).out);
    expect([again.records, again.duplicates]).toEqual([0, 1]);
  });

  it('sql prints JSON rows keyed by column, CSV and tables', async () => {
    const q =
      'SELECT action, count(*) AS n FROM flows WHERE action IS NOT NULL GROUP BY action ORDER BY action';
    const json = await fw(['sql', q, '--db', db, '--output', 'json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toEqual([
      { action: 'ACCEPT', n: 3 },
      { action: 'REJECT', n: 4 },
    ]);
    expect((await fw(['sql', q, '--db', db, '-o', 'csv'])).out).toBe('action,n\nACCEPT,3\nREJECT,4\n');
    const table = (await fw(['sql', q, '--db', db])).out.split('\n');
    expect(table[0]).toMatch(/^action\s+n$/);
    expect(table[2]).toMatch(/^ACCEPT\s+3$/);
  });

  it('top rejected ranks sources of rejected traffic by flows', async () => {
    const r = await fw(['top', 'rejected', '--db', db, '--output', 'json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out);
    expect(
      rows.map((x: Record<string, unknown>) => [x['source'], x['flows'], x['targets'], x['ports']]),
    ).toEqual([
      ['203.0.113.9', 3, 1, 3],
      ['198.51.100.7', 1, 1, 1],
    ]);
  });

  it('top talkers by bytes, top ports and protocols', async () => {
    const talkers = JSON.parse((await fw(['top', 'talkers', '--db', db, '-o', 'json', '--limit', '1'])).out);
    // A private address: its offline enrichment fields are present and empty.
    const none = {
      as_number: null,
      as_organization: null,
      country: null,
      aws_service: null,
      aws_region: null,
    };
    expect(talkers).toEqual([{ source: '10.0.1.5', flows: 2, packets: 22, bytes: 12000, ...none }]);
    const protos = JSON.parse((await fw(['top', 'protocols', '--db', db, '-o', 'json'])).out);
    expect(protos.map((p: Record<string, unknown>) => [p['protocol'], p['flows'], p['bytes']])).toEqual([
      ['TCP', 5, 12132],
      ['ICMP', 2, 672],
    ]);
    const since = await fw(['top', 'rejected', '--db', db, '-o', 'json', '--since', '2024-05-20T10:13:35Z']);
    // 1716200015 = 2024-05-20T10:13:35Z: only the two later port probes and the ping remain.
    expect(JSON.parse(since.out).map((x: Record<string, unknown>) => [x['source'], x['flows']])).toEqual([
      ['203.0.113.9', 2],
      ['198.51.100.7', 1],
    ]);
  });

  it('fields lists the catalog with its three names', async () => {
    const rows = JSON.parse((await fw(['fields', '--output', 'json'])).out);
    expect(rows.find((f: Record<string, unknown>) => f['aws'] === 'pkt-srcaddr')).toMatchObject({
      column: 'pkt_srcaddr',
      insights: 'pktSrcAddr',
      version: 3,
      parquet: 'STRING',
    });
  });

  it('refuses SQL that writes, reads files or changes settings', async () => {
    for (const q of [
      `COPY flows TO '${join(dir, 'leak.csv')}'`,
      "SELECT * FROM read_csv('/etc/passwd')",
      'CREATE TABLE x (a INTEGER)',
      'DELETE FROM flows',
      'SET enable_external_access = true',
      `ATTACH '${join(dir, 'other.duckdb')}' AS o`,
    ]) {
      const r = await fw(['sql', q, '--db', db]);
      expect(r.code, q).toBe(1);
      expect(r.err, q).toMatch(/^flowwatch: /);
      expect(r.err, q).not.toMatch(/\n\s+at /);
    }
    expect(
      Number(
        JSON.parse((await fw(['sql', 'SELECT count(*) AS n FROM flows', '--db', db, '-o', 'json'])).out)[0].n,
      ),
    ).toBe(8);
  });

  it('gives one-line errors with a hint and distinct exit codes', async () => {
    const bad = await fw(['sql', 'SELEC 1', '--db', db]);
    expect(bad.code).toBe(1);
    expect(bad.err.split('\n')[0]).toMatch(/^flowwatch: .*syntax error/i);
    expect(bad.err).not.toMatch(/\n\s+at /);

    const missing = await fw(['top', 'talkers', '--db', join(dir, 'nope.duckdb')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/no store/);
    expect(missing.err).toMatch(/hint: /);

    expect((await fw(['frobnicate'])).code).toBe(2);
    expect((await fw(['top', 'everything', '--db', db])).code).toBe(2);
    expect((await fw(['top', 'talkers', '--db', db, '--since', 'yesterday-ish'])).code).toBe(2);
    const fmt = await fw(['ingest', '-', '--db', db, '--format', '${version} ${srcaddr'], '');
    expect(fmt.code).toBe(1);
    expect(fmt.err).toMatch(/never closed/);
    expect((await fw(['ingest', join(dir, 'does-not-exist'), '--db', db])).code).toBe(1);
    expect((await fw(['--help'])).code).toBe(0);
  });

  it('reads stdin with --format', async () => {
    const r = await fw(
      [
        'ingest',
        '-',
        '--db',
        join(dir, 'stdin.duckdb'),
        '--json',
        '--format',
        '${srcaddr} ${dstport} ${action}',
      ],
      '10.0.0.1 22 REJECT\n10.0.0.2 443 ACCEPT\n',
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ files: 1, records: 2, rejected: 0 });
  });

  it('test-pattern lists the matching events, numbered from 1, with extracted values', async () => {
    const lines = [
      '2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK',
      '2 123456789010 eni-1235b8ca123456789 203.0.113.9 172.31.16.21 51000 22 6 1 44 1418530010 1418530070 REJECT OK',
      '2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK',
    ];
    const pattern =
      '[version, account, eni, source, destination, srcport, destport="22", protocol="6", packets, bytes, windowstart, windowend, action="REJECT", flowlogstatus]';
    const r = await fw(['test-pattern', pattern, '-o', 'json'], `${lines.join('\n')}\n`);
    expect(r.code).toBe(0);
    const matches = JSON.parse(r.out);
    expect(matches).toHaveLength(1);
    expect(matches[0]).toMatchObject({ eventNumber: 2, eventMessage: lines[1] });
    expect(matches[0].extractedValues).toMatchObject({
      $source: '203.0.113.9',
      $destport: '22',
      $action: 'REJECT',
    });

    const bad = await fw(['test-pattern', '[a, b'], '');
    expect(bad.code).toBe(1);
    // The caret sits under position 5, right after "[a, b" (two spaces of indent).
    expect(bad.err.split('\n').slice(1, 3)).toEqual(['  [a, b', '       ^']);
  });

  it('test-pattern refuses pasted curly quotes by name, with the caret under them past wide text', async () => {
    // issue 12 item 3: "日本 “x”" — the curly quote is at UTF-16 offset 3, display column 5 (日本 take two each)
    const r = await fw(['test-pattern', '日本 “x”'], 'x\n');
    expect(r.code).toBe(1);
    expect(r.err).toContain('U+201C LEFT DOUBLE QUOTATION MARK');
    expect(r.err).toContain('straight quote "');
    expect(r.err.split('\n').slice(1, 3)).toEqual(['  日本 “x”', '       ^']);
    // "日本" is not a field name (BAD_FIELD_NAME, UTF-16 span 1..3): two wide characters, four carets
    const wide = await fw(['test-pattern', '[日本, b]'], '');
    expect(wide.code).toBe(1);
    expect(wide.err.split('\n').slice(1, 3)).toEqual(['  [日本, b]', '   ^^^^']);
  });
});

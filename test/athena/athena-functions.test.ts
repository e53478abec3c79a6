// Golden tests of the Trino functions as the local Athena runs them; every expectation worked out by hand
// from Trino's documented semantics (1-based substr, ISO day_of_week Monday = 1, MySQL date_format codes).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AthenaSession } from '../../src/athena/session.js';
import { TRINO_MACROS } from '../../src/storage/athena-macros.js';
import { Store } from '../../src/storage/store.js';

let dir: string;
let store: Store;
let athena: AthenaSession;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-athena-fn-'));
  store = await Store.open(join(dir, 'store.duckdb'));
  athena = await AthenaSession.open(store);
});

afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

// 1716199200 = 2024-05-20 10:00:00 UTC (2024-01-01 = 1704067200, + 140 days, + 10 h); 2024-05-20 is a Monday
// and day 141 of the (leap) year (31 + 29 + 31 + 30 + 20).
const CASES: readonly [string, unknown][] = [
  ["day_of_week(DATE '2024-05-20')", 1],
  ["day_of_week(DATE '2024-05-26')", 7],
  ["dow(from_iso8601_timestamp('2024-05-22'))", 3],
  ["day_of_week(from_iso8601_timestamp('2024-05-20'))", 1],
  ['to_iso8601(from_unixtime(1716199200))', '2024-05-20T10:00:00.000Z'],
  ["to_iso8601(DATE '2024-05-20')", '2024-05-20'],
  ["to_iso8601(TIMESTAMP '2024-05-20 01:02:03')", '2024-05-20T01:02:03.000'],
  ["to_unixtime(from_iso8601_timestamp('2024-05-20T10:00:00+02:00'))", 1716192000],
  ["to_unixtime(from_iso8601_timestamp('2024-05-20T10:00:00Z'))", 1716199200],
  ["date_format(from_unixtime(1716199200), '%Y-%m-%d %H:%i:%s')", '2024-05-20 10:00:00'],
  [
    "date_format(TIMESTAMP '2024-05-20 10:05:09', '%W %a %b %M %T %j %%')",
    'Monday Mon May May 10:05:09 141 %',
  ],
  ["to_iso8601(date_parse('2024/05/20', '%Y/%m/%d'))", '2024-05-20T00:00:00.000'],
  ["to_iso8601(date_parse('20/05/2024 13:07', '%d/%m/%Y %H:%i'))", '2024-05-20T13:07:00.000'],
  ["date_diff('day', TIMESTAMP '2024-05-20 10:00', TIMESTAMP '2024-05-22 09:00')", 1],
  ["date_diff('hour', TIMESTAMP '2024-05-20 10:00', TIMESTAMP '2024-05-22 09:00')", 47],
  ["date_diff('second', from_unixtime(1716199200), from_unixtime(1716199260))", 60],
  ["to_iso8601(date_add('hour', 3, TIMESTAMP '2024-05-20 22:00:00'))", '2024-05-21T01:00:00.000'],
  ["to_iso8601(date_add('day', -1, TIMESTAMP '2024-03-01 00:00:00'))", '2024-02-29T00:00:00.000'],
  ["to_iso8601(date_trunc('week', TIMESTAMP '2024-05-23 12:00:00'))", '2024-05-20T00:00:00.000'],
  ["to_iso8601(date_trunc('hour', from_unixtime(1716201234)))", '2024-05-20T10:00:00.000Z'],
  ["to_iso8601(TIMESTAMP '2024-05-20 10:00:00' - interval '7' day)", '2024-05-13T10:00:00.000'],
  ["to_iso8601(TIMESTAMP '2024-05-20 10:00:00' + interval '90' minute)", '2024-05-20T11:30:00.000'],
  ["substr('abc', 2)", 'bc'],
  ["substr('abcdef', 2, 3)", 'bcd'],
  ["split_part('10.117.3.4', '.', 2)", '117'],
  ["concat('eni-', 'abc', '-', '1')", 'eni-abc-1'],
  ["'10.0' || '.0.1'", '10.0.0.1'],
  ["concat('a', NULL)", null],
  ["split_part('10.117.3.4', '.', 5)", null],
  ["split_part('a', '.', 1)", 'a'],
  ["regexp_like('eni-0abc', '^eni-[0-9a-f]+$')", true],
  ["regexp_like('vpc-1', 'eni')", false],
  ["regexp_extract('arn:aws:ecs:us-east-1:1', 'us-[a-z]+-[0-9]')", 'us-east-1'],
  ["regexp_extract('abc', '[0-9]+')", null],
  ["regexp_extract('a1b2', '([a-z])([0-9])', 2)", '1'],
  ["regexp_replace('a-b-c', '-', '+')", 'a+b+c'],
  ["regexp_replace('a1b22c', '[0-9]')", 'abc'],
  ["regexp_replace('  x  ', '^\\s+|\\s+$', '')", 'x'],
  // Trino divides integers as integers, truncating toward zero; a decimal operand divides exactly
  ['7 / 2', 3],
  ['-7 / 2', -3],
  ['7 / 2.0', 3.5],
  ["if(1 > 2, 'x', 'y')", 'y'],
  ["try_cast('-' AS integer)", null],
  ["try_cast('443' AS integer)", 443],
];

describe('Trino functions', () => {
  it.each(CASES)('%s = %j', async (expr, expected) => {
    const r = await athena.run(`SELECT ${expr} AS v`);
    expect(r.rows).toEqual([{ v: expected }]);
  });

  it('aggregates: approx_distinct, approx_percentile, max_by, min_by, arbitrary', async () => {
    const r = await athena.run(`SELECT approx_distinct(port) AS d, approx_percentile(bytes, 0.5) AS p50,
  max_by(src, bytes) AS top, min_by(src, bytes) AS bottom, arbitrary(k) AS k
FROM (VALUES ('a', 22, 100, 1), ('b', 22, 500, 1), ('c', 443, 300, 1)) AS t(src, port, bytes, k)`);
    // 2 distinct ports; the median of 100, 300, 500 is 300; largest bytes 'b', smallest 'a'; k is always 1
    expect(r.rows).toEqual([{ d: 2, p50: 300, top: 'b', bottom: 'a', k: 1 }]);
  });

  it('documents every macro', () => {
    for (const m of TRINO_MACROS) {
      expect(m.sql).toMatch(/^CREATE TEMP MACRO /);
      expect(m.trino.length).toBeGreaterThan(3);
    }
  });
});

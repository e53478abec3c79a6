// The SQL dialect layer: the text of every dialect function in DuckDB and Trino (written by hand from each
// engine's documentation), then the same expressions run on hand-written records in DuckDB (a store) and
// in the local Athena (Trino SQL on DuckDB through the Trino macros), both against hand-worked rows.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AthenaSession } from '../../src/athena/session.js';
import {
  anchored,
  bracket,
  cidrOf,
  type Dialect,
  duckdb,
  periodSeconds,
  trino,
  UnsupportedSqlError,
} from '../../src/sql/index.js';
import { Store } from '../../src/storage/store.js';

const V4 =
  '((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';

describe('dialect text', () => {
  // [what, DuckDB text, Trino text]
  const FORMS: readonly [string, (d: Dialect) => string, string, string][] = [
    ['ident', (d) => d.ident('end'), '"end"', '"end"'],
    ['ident with a quote', (d) => d.ident('a"b'), '"a""b"', '"a""b"'],
    ['string', (d) => d.string("it's"), "'it''s'", "'it''s'"],
    ['integer', (d) => d.number(42), '42', '42'],
    ['double', (d) => d.number(1.5), 'CAST(1.5 AS DOUBLE)', 'CAST(1.5 AS DOUBLE)'],
    // 1716199200 = 2024-05-20 10:00:00 UTC (2024-01-01 = 1704067200, + 140 days, + 10 h)
    [
      'timestamp',
      (d) => d.timestamp(1716199200),
      "TIMESTAMP '2024-05-20 10:00:00'",
      "TIMESTAMP '2024-05-20 10:00:00'",
    ],
    ['cast', (d) => d.cast('x', 'varchar'), 'CAST(x AS VARCHAR)', 'CAST(x AS VARCHAR)'],
    ['tryCast', (d) => d.tryCast('x', 'double'), 'TRY_CAST(x AS DOUBLE)', 'TRY_CAST(x AS DOUBLE)'],
    ['boolToInt', (d) => d.boolToInt('b'), 'CAST(b AS INTEGER)', 'if(b, 1, 0)'],
    ['compare !=', (d) => d.compare('a', '!=', 'b'), '(a != b)', '(a <> b)'],
    ['compare <=', (d) => d.compare('a', '<=', 'b'), '(a <= b)', '(a <= b)'],
    ['power', (d) => d.power('a', '2'), 'pow(a, 2)', 'power(a, 2)'],
    ['divide', (d) => d.divide('a', 'b'), '(a / nullif(b, 0))', '(CAST(a AS DOUBLE) / nullif(b, 0))'],
    ['modulo', (d) => d.modulo('a', 'b'), '(a % nullif(b, 0))', '(a % nullif(b, 0))'],
    ['contains', (d) => d.contains('x', "'ab'"), "contains(x, 'ab')", "strpos(x, 'ab') > 0"],
    ['startsWith', (d) => d.startsWith('x', "'10.'"), "starts_with(x, '10.')", "strpos(x, '10.') = 1"],
    ['regexMatch', (d) => d.regexMatch('x', 'a+'), "regexp_matches(x, 'a+')", "regexp_like(x, 'a+')"],
    [
      'regexFullMatch',
      (d) => d.regexFullMatch('x', 'a|b'),
      "regexp_full_match(x, 'a|b')",
      "regexp_like(x, '^(?:a|b)$')",
    ],
    [
      'regexExtract',
      (d) => d.regexExtract('x', '([0-9]+)', 1),
      "(CASE WHEN regexp_matches(x, '([0-9]+)') THEN regexp_extract(x, '([0-9]+)', 1) END)",
      "regexp_extract(x, '([0-9]+)', 1)",
    ],
    [
      'regexReplace',
      (d) => d.regexReplace('x', 'a', "'b'"),
      "regexp_replace(x, 'a', 'b', 'g')",
      "regexp_replace(x, 'a', 'b')",
    ],
    [
      'trimWhitespace left',
      (d) => d.trimWhitespace('x', 'left'),
      "regexp_replace(x, '^\\s+', '')",
      "regexp_replace(x, '^\\s+', '')",
    ],
    [
      'trimWhitespace both',
      (d) => d.trimWhitespace('x', 'both'),
      "regexp_replace(x, '^\\s+|\\s+$', '', 'g')",
      "regexp_replace(x, '^\\s+|\\s+$', '')",
    ],
    ['fromEpochSeconds', (d) => d.fromEpochSeconds('s'), 'make_timestamp(s * 1000000)', 'from_unixtime(s)'],
    [
      'fromEpochSeconds of an expression',
      (d) => d.fromEpochSeconds('s - (s % 60)'),
      'make_timestamp((s - (s % 60)) * 1000000)',
      'from_unixtime(s - (s % 60))',
    ],
    [
      'fromEpochMillis',
      (d) => d.fromEpochMillis('m'),
      'make_timestamp(CAST(m AS BIGINT) * 1000)',
      'from_unixtime(CAST(m AS DOUBLE) / 1000)',
    ],
    ['toEpochMillis', (d) => d.toEpochMillis('t'), 'epoch_ms(t)', 'CAST(to_unixtime(t) * 1000 AS BIGINT)'],
    [
      'epochBucket',
      (d) => d.epochBucket('s', 300),
      '(CAST(floor(s / 300) AS BIGINT) * 300)',
      '(CAST(floor(CAST(s AS DOUBLE) / 300) AS BIGINT) * 300)',
    ],
    [
      'floorTimestamp 5m',
      (d) => d.floorTimestamp('t', { n: 5, unit: 'm' }),
      'make_timestamp(CAST(floor(epoch_us(t) / 300000000) AS BIGINT) * 300000000)',
      'from_unixtime(floor(to_unixtime(t) / 300) * 300)',
    ],
    [
      'floorTimestamp 1mo',
      (d) => d.floorTimestamp('t', { n: 1, unit: 'mo' }),
      'time_bucket(to_months(1), t)',
      "date_trunc('month', t)",
    ],
    [
      'addPeriod 1.5s',
      (d) => d.addPeriod('t', { n: 1.5, unit: 's' }),
      't + to_microseconds(1500000)',
      "date_add('millisecond', 1500, t)",
    ],
    [
      'addPeriod 1q',
      (d) => d.addPeriod('t', { n: 1, unit: 'q' }),
      't + to_months(3)',
      "date_add('quarter', 1, t)",
    ],
    [
      'formatTimestamp',
      (d) => d.formatTimestamp('t'),
      "strftime(t, '%Y-%m-%d %H:%M:%S.%g')",
      "substr(date_format(t, '%Y-%m-%d %H:%i:%s.%f'), 1, 23)",
    ],
    ['countDistinct', (d) => d.countDistinct('x'), 'count(DISTINCT x)', 'count(DISTINCT x)'],
    [
      'approxCountDistinct',
      (d) => d.approxCountDistinct('x'),
      'approx_count_distinct(x)',
      'approx_distinct(x)',
    ],
    ['countIf', (d) => d.countIf('x > 1'), 'count_if(x > 1)', 'count_if(x > 1)'],
    [
      'sumIf',
      (d) => d.sumIf('b', 'x > 1'),
      'sum(CASE WHEN x > 1 THEN b END)',
      'sum(CASE WHEN x > 1 THEN b END)',
    ],
    ['stddev', (d) => d.stddev('x'), 'stddev_samp(x)', 'stddev_samp(x)'],
    ['percentile', (d) => d.percentile('x', 0.9), 'quantile_disc(x, 0.9)', 'approx_percentile(x, 0.9)'],
    [
      'approxPercentile',
      (d) => d.approxPercentile('x', 0.9),
      'approx_quantile(x, 0.9)',
      'approx_percentile(x, 0.9)',
    ],
    ['argMin', (d) => d.argMin('x', 't'), 'arg_min(x, t)', 'min_by(x, t)'],
    ['argMax', (d) => d.argMax('x', 't'), 'arg_max(x, t)', 'max_by(x, t)'],
    [
      'firstRowPerGroup',
      (d) => d.firstRowPerGroup('s1', ['k'], ' ORDER BY t DESC NULLS LAST'),
      'SELECT * FROM s1 QUALIFY (k IS NULL) OR row_number() OVER (PARTITION BY k  ORDER BY t DESC NULLS LAST) = 1',
      'SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY k ORDER BY t DESC NULLS LAST) AS "__rn" FROM s1) WHERE (k IS NULL) OR "__rn" = 1',
    ],
    [
      'isIpv4',
      (d) => d.isIpv4('a'),
      `coalesce(regexp_full_match(a, '${V4}'), false)`,
      `coalesce(regexp_like(a, '^${V4}$'), false)`,
    ],
    [
      'inCidr 10.0.0.0/8 (whole octets: the text guard only)',
      (d) => d.inCidr('a', { v: 4, bytes: [10, 0, 0, 0], prefix: 8 }),
      `(CASE WHEN starts_with(a, '10.') THEN coalesce(regexp_full_match(a, '${V4}'), false) ELSE false END)`,
      `(CASE WHEN strpos(a, '10.') = 1 THEN coalesce(regexp_like(a, '^${V4}$'), false) ELSE false END)`,
    ],
    [
      'inCidr 172.16.0.0/12 (a partial octet: 16 >> 4 = 1)',
      (d) => d.inCidr('a', { v: 4, bytes: [172, 16, 0, 0], prefix: 12 }),
      `(CASE WHEN starts_with(a, '172.') THEN coalesce(regexp_full_match(a, '${V4}') AND (TRY_CAST(split_part(a, '.', 2) AS INTEGER) >> 4) = 1, false) ELSE false END)`,
      `(CASE WHEN strpos(a, '172.') = 1 THEN coalesce(regexp_like(a, '^${V4}$') AND TRY_CAST(split_part(a, '.', 2) AS INTEGER) / 16 = 1, false) ELSE false END)`,
    ],
    [
      'inCidr /32',
      (d) => d.inCidr('a', { v: 4, bytes: [1, 2, 3, 4], prefix: 32 }),
      "coalesce(a = '1.2.3.4', false)",
      "coalesce(a = '1.2.3.4', false)",
    ],
  ];

  it.each(FORMS)('%s', (_, make, inDuckdb, inTrino) => {
    expect(make(duckdb)).toBe(inDuckdb);
    expect(make(trino)).toBe(inTrino);
  });

  it('DuckDB only: ordered first value, natural order keys, regex groups, IPv6', () => {
    expect(duckdb.firstOrdered?.('x', 't DESC, "line"')).toBe(
      'first(x ORDER BY t DESC, "line") FILTER (WHERE x IS NOT NULL)',
    );
    expect(duckdb.naturalSortKeys?.('x')).toHaveLength(3);
    expect(duckdb.regexExtractGroups('x', '(a)(b)', ['g1', 'g2'])).toBe(
      "(CASE WHEN regexp_matches(x, '(a)(b)') THEN regexp_extract(x, '(a)(b)', ['g1', 'g2']) END)",
    );
    expect(duckdb.trimChars('x', 'right', "'-'")).toBe("rtrim(x, '-')");
    expect(trino.firstOrdered).toBeUndefined();
    expect(trino.naturalSortKeys).toBeUndefined();
    const refused: readonly (() => string)[] = [
      () => trino.regexExtractGroups('x', '(a)', ['g1']),
      () => trino.trimChars('x', 'both', "'-'"),
      () => trino.isIpv6('x'),
      () => trino.isIp('x'),
      () => trino.inCidr('x', { v: 6, bytes: Array(16).fill(0), prefix: 0 }),
      () => trino.floorTimestamp('t', { n: 2, unit: 'w' }),
    ];
    for (const f of refused) expect(f).toThrow(UnsupportedSqlError);
  });

  it('cidrOf: host bits cleared, a bare address is a single host', () => {
    // 10.1.2.3/12: the second octet keeps its top 4 bits (1 = 0000 0001 → 0)
    expect(cidrOf('10.1.2.3/12')).toEqual({ v: 4, bytes: [10, 0, 0, 0], prefix: 12 });
    expect(cidrOf('192.168.7.9')).toEqual({ v: 4, bytes: [192, 168, 7, 9], prefix: 32 });
    expect(cidrOf('2001:db8:ff::/36')).toEqual({
      v: 6,
      bytes: [0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, ...Array(10).fill(0)],
      prefix: 36,
    });
    expect(cidrOf('10.0.0.0/33')).toBeUndefined();
    expect(cidrOf('nope')).toBeUndefined();
  });

  it('helpers: bracket, anchored, periodSeconds', () => {
    expect(bracket("strpos(x, 'a') > 0")).toBe("(strpos(x, 'a') > 0)");
    expect(bracket("contains(x, ')')")).toBe("contains(x, ')')");
    expect(bracket('f(a) + g(b)')).toBe('(f(a) + g(b))');
    expect(bracket('v."start"')).toBe('v."start"');
    expect(bracket('"a" || "b"')).toBe('("a" || "b")');
    expect(anchored('[0-9]+')).toBe('^[0-9]+$');
    expect(anchored('(a|b)c')).toBe('^(a|b)c$');
    expect(anchored('[|]x')).toBe('^[|]x$');
    expect(anchored('a\\|b')).toBe('^a\\|b$');
    expect(anchored('a|b')).toBe('^(?:a|b)$');
    expect(periodSeconds({ n: 1.5, unit: 'm' })).toBe(90);
    expect(periodSeconds({ n: 100, unit: 'ms' })).toBeUndefined();
    expect(periodSeconds({ n: 1, unit: 'w' })).toBeUndefined();
  });
});

// Same expressions, both engines, hand-written records. Times: 1716199200 = 2024-05-20 10:00:00 UTC, a Monday;
// 1716163200 = 2024-05-20 00:00:00.
const RECORDS = `(VALUES
  (1, '10.0.1.5', 22, 100, CAST(1716199200 AS BIGINT), 'ACCEPT'),
  (2, '10.16.0.1', 443, 300, 1716199259, 'REJECT'),
  (3, '192.168.5.5', 22, 500, 1716202799, ' REJECT '),
  (4, '2001:db8::1', 53, 0, 1716202800, NULL),
  (5, 'not-an-ip', NULL, 7, 1716163200, 'accept')
) AS r(id, addr, port, bytes, t, action)`;

let dir: string;
let store: Store;
let athena: AthenaSession;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-dialect-'));
  store = await Store.open(join(dir, 'store.duckdb'));
  athena = await AthenaSession.open(store);
});

afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The rows of a SELECT, in DuckDB (the dialect's own engine) or in the local Athena. */
async function rows(d: Dialect, sql: string): Promise<readonly Record<string, unknown>[]> {
  return d.name === 'duckdb' ? (await store.query(sql)).rows : (await athena.run(sql)).rows;
}

/** One value per record, in id order. */
async function perRecord(d: Dialect, expr: (d: Dialect) => string): Promise<unknown[]> {
  return (await rows(d, `SELECT id, ${expr(d)} AS v FROM ${RECORDS} ORDER BY id`)).map((x) => x['v']);
}

const ts = (d: Dialect) => d.fromEpochSeconds('t');

describe.each([duckdb, trino])('$name on hand-written records', (d) => {
  const SCALARS: readonly [string, (d: Dialect) => string, unknown[]][] = [
    ['contains', (d) => d.contains('action', "'EJ'"), [false, true, true, null, false]],
    ['startsWith', (d) => d.startsWith('addr', "'10.'"), [true, true, false, false, false]],
    ['regexMatch', (d) => d.regexMatch('action', 'CC'), [true, false, false, null, false]],
    // ' REJECT ' has spaces, 'accept' is lower case
    ['regexFullMatch', (d) => d.regexFullMatch('action', '[A-Z]+'), [true, true, false, null, false]],
    [
      'regexFullMatch, alternation',
      (d) => d.regexFullMatch('action', 'ACCEPT|REJECT'),
      [true, true, false, null, false],
    ],
    [
      'regexExtract',
      (d) => d.regexExtract('addr', '^([0-9]+)\\.([0-9]+)', 2),
      ['0', '16', '168', null, null],
    ],
    [
      'regexReplace (every match)',
      (d) => d.regexReplace('action', 'E', "'e'"),
      ['ACCePT', 'ReJeCT', ' ReJeCT ', null, 'accept'],
    ],
    [
      'trimWhitespace both',
      (d) => d.trimWhitespace('action', 'both'),
      ['ACCEPT', 'REJECT', 'REJECT', null, 'accept'],
    ],
    [
      'trimWhitespace left',
      (d) => d.trimWhitespace('action', 'left'),
      ['ACCEPT', 'REJECT', 'REJECT ', null, 'accept'],
    ],
    [
      'trimWhitespace right',
      (d) => d.trimWhitespace('action', 'right'),
      ['ACCEPT', 'REJECT', ' REJECT', null, 'accept'],
    ],
    // a NULL condition: DuckDB's CAST keeps NULL, Trino's if() takes the else branch (a known difference)
    ['boolToInt', (d) => d.boolToInt('port = 22'), [1, 0, 1, 0, d.name === 'duckdb' ? null : 0]],
    ['compare !=', (d) => d.compare('port', '!=', '22'), [false, true, false, true, null]],
    // 7 / 4 = 1.75 as a double (Trino alone would divide the integers: 1)
    ['divide', (d) => d.divide('bytes', '4'), [25, 75, 125, 0, 1.75]],
    ['divide by zero', (d) => d.divide('bytes', '0'), [null, null, null, null, null]],
    ['modulo', (d) => d.modulo('bytes', '3'), [1, 0, 2, 0, 1]],
    ['power', (d) => d.power('port', '2'), [484, 196249, 484, 2809, null]],
    [
      'epochBucket 1h',
      (d) => d.epochBucket('t', 3600),
      [1716199200, 1716199200, 1716199200, 1716202800, 1716163200],
    ],
    [
      'fromEpochSeconds, formatted',
      (d) => d.formatTimestamp(ts(d)),
      [
        '2024-05-20 10:00:00.000',
        '2024-05-20 10:00:59.000',
        '2024-05-20 10:59:59.000',
        '2024-05-20 11:00:00.000',
        '2024-05-20 00:00:00.000',
      ],
    ],
    [
      'floorTimestamp 1h',
      (d) => d.formatTimestamp(d.floorTimestamp(ts(d), { n: 1, unit: 'h' })),
      [
        '2024-05-20 10:00:00.000',
        '2024-05-20 10:00:00.000',
        '2024-05-20 10:00:00.000',
        '2024-05-20 11:00:00.000',
        '2024-05-20 00:00:00.000',
      ],
    ],
    // 2024-05-20 is a Monday: every record is in the week starting that day, and in May
    [
      'floorTimestamp 1w',
      (d) => d.formatTimestamp(d.floorTimestamp(ts(d), { n: 1, unit: 'w' })),
      Array(5).fill('2024-05-20 00:00:00.000'),
    ],
    [
      'floorTimestamp 1mo',
      (d) => d.formatTimestamp(d.floorTimestamp(ts(d), { n: 1, unit: 'mo' })),
      Array(5).fill('2024-05-01 00:00:00.000'),
    ],
    [
      'addPeriod 90s',
      (d) => d.formatTimestamp(d.addPeriod(ts(d), { n: 90, unit: 's' })),
      [
        '2024-05-20 10:01:30.000',
        '2024-05-20 10:02:29.000',
        '2024-05-20 11:01:29.000',
        '2024-05-20 11:01:30.000',
        '2024-05-20 00:01:30.000',
      ],
    ],
    [
      'toEpochMillis',
      (d) => d.toEpochMillis(ts(d)),
      [1716199200000, 1716199259000, 1716202799000, 1716202800000, 1716163200000],
    ],
    ['timestamp literal', (d) => `${ts(d)} >= ${d.timestamp(1716199259)}`, [false, true, true, true, false]],
    ['isIpv4', (d) => d.isIpv4('addr'), [true, true, true, false, false]],
    // /12: the second octet's top 4 bits are 0 (0–15): 10.0.… in, 10.16.… out
    [
      'inCidr 10.0.0.0/12',
      (d) => d.inCidr('addr', { v: 4, bytes: [10, 0, 0, 0], prefix: 12 }),
      [true, false, false, false, false],
    ],
    [
      'inCidr 192.168.0.0/16',
      (d) => d.inCidr('addr', { v: 4, bytes: [192, 168, 0, 0], prefix: 16 }),
      [false, false, true, false, false],
    ],
    [
      'inCidr 0.0.0.0/0',
      (d) => d.inCidr('addr', { v: 4, bytes: [0, 0, 0, 0], prefix: 0 }),
      [true, true, true, false, false],
    ],
  ];

  it.each(SCALARS)('%s', async (_, expr, expected) => {
    expect(await perRecord(d, expr)).toEqual(expected);
  });

  it('fromEpochMillis keeps the milliseconds; epochBucket floors a negative number', async () => {
    const r = await rows(
      d,
      `SELECT ${d.formatTimestamp(d.fromEpochMillis('1716199200123'))} AS a, ${d.epochBucket('-1', 60)} AS b`,
    );
    expect(r).toEqual([{ a: '2024-05-20 10:00:00.123', b: -60 }]);
  });

  it('aggregates', async () => {
    const r = await rows(
      d,
      `SELECT ${[
        `${d.countDistinct('port')} AS distinct_ports`,
        `${d.approxCountDistinct('port')} AS approx_ports`,
        `${d.countIf('port = 22')} AS ssh`,
        `${d.sumIf('bytes', 'port = 22')} AS ssh_bytes`,
        `${d.stddev('CASE WHEN bytes >= 100 THEN bytes END')} AS sd`,
        `${d.percentile('bytes', 0.5)} AS p50`,
        `${d.argMin('addr', 't')} AS oldest`,
        `${d.argMax('addr', 't')} AS newest`,
      ].join(', ')} FROM ${RECORDS}`,
    );
    // ports 22, 443, 53 (NULL not counted); ssh rows 1 and 3: 100 + 500 bytes; 100, 300, 500 have sample
    // standard deviation sqrt((200² + 0 + 200²) / 2) = 200; the median of 0, 7, 100, 300, 500 is 100;
    // the oldest record is 5 (00:00), the newest 4 (11:00)
    expect(r).toEqual([
      {
        distinct_ports: 3,
        approx_ports: 3,
        ssh: 2,
        ssh_bytes: 600,
        sd: 200,
        p50: 100,
        oldest: 'not-an-ip',
        newest: '2001:db8::1',
      },
    ]);
  });

  it('firstRowPerGroup keeps the newest record per port, and the record without a port', async () => {
    const inner = d.firstRowPerGroup(`(SELECT * FROM ${RECORDS})`, ['port'], ' ORDER BY t DESC NULLS LAST');
    const r = await rows(d, `SELECT id FROM (${inner}) x ORDER BY id`);
    // port 22: records 1 and 3, 3 is newer; 443: 2; 53: 4; no port: 5
    expect(r.map((x) => x['id'])).toEqual([2, 3, 4, 5]);
  });
});

describe('duckdb only, on hand-written values', () => {
  it('IPv6 validity and CIDR membership', async () => {
    const addrs = ['2001:db8::1', '2001:db9::1', '2001:0DB8:0:0:0:0:0:ff', '10.0.0.1', '1::2::3', 'fe80::1'];
    const values = addrs.map((a, i) => `(${i}, '${a}')`).join(', ');
    const r = await store.query(
      `SELECT ${duckdb.isIpv6('a')} AS v6, ${duckdb.isIp('a')} AS ip, ${duckdb.inCidr('a', { v: 6, bytes: [0x20, 0x01, 0x0d, 0xb8, ...Array(12).fill(0)], prefix: 32 })} AS doc, ${duckdb.inCidr('a', { v: 6, bytes: [0xfe, 0x80, ...Array(14).fill(0)], prefix: 10 })} AS link FROM (VALUES ${values}) AS x(i, a) ORDER BY i`,
    );
    // 2001:db8::/32 holds 2001:db8:… in any case and spelling; fe80::/10 holds fe80–febf
    expect(r.rows).toEqual([
      { v6: true, ip: true, doc: true, link: false },
      { v6: true, ip: true, doc: false, link: false },
      { v6: true, ip: true, doc: true, link: false },
      { v6: false, ip: true, doc: false, link: false },
      { v6: false, ip: false, doc: false, link: false },
      { v6: true, ip: true, doc: false, link: true },
    ]);
  });

  it('inCidrs: one family test per row, IPv6 blocks by first group then validity or the full parse', async () => {
    const blocks = ['10.0.0.0/8', '172.16.0.0/12', 'fc00::/7', '::1/128', 'fe80::/10'].map((b) => cidrOf(b)!);
    const addrs = [
      'fd00:ec2::254', // fc00::/7 holds fc00–fdff
      '::1', // loopback
      '::2',
      'FE80::1', // link-local in capitals
      'fec0::1', // fec0 is past febf: outside fe80::/10, and not fc/fd
      '2600:1f18::21',
      '10.1.2.3',
      '8.8.8.8',
      'fd00::1::2', // two '::': not an address
      'fc00:12345::1', // a five-digit group: not an address
      '0:0:0:0:0:0:0:1', // ::1 written in full
      '172.32.0.1', // 172.32 is past 172.16/12
    ];
    const values = addrs.map((a, i) => `(${i}, '${a}')`).join(', ');
    const r = await store.query(
      `SELECT ${duckdb.inCidrs('a', blocks)} AS any, ${duckdb.inCidrs('a', [])} AS none FROM (VALUES ${values}, (${addrs.length}, NULL)) AS x(i, a) ORDER BY i`,
    );
    expect(r.rows.map((x) => x['any'])).toEqual([
      true,
      true,
      false,
      true,
      false,
      false,
      true,
      false,
      false,
      false,
      true,
      false,
      false,
    ]);
    expect(r.rows.every((x) => x['none'] === false)).toBe(true);
  });

  it('natural text order and the ordered first value', async () => {
    const names = ['eni-a10', '443', 'eni-a2', '10.0.1.20', '22', '8.8.8.8'];
    const values = names.map((n) => `('${n}')`).join(', ');
    const keys = duckdb.naturalSortKeys!('n').map((k) => `${k} ASC NULLS LAST`);
    const r = await store.query(`SELECT n FROM (VALUES ${values}) AS x(n) ORDER BY ${keys.join(', ')}`);
    // digit runs compare by length then value; text that is a number comes after all other text, by value
    expect(r.rows.map((x) => x['n'])).toEqual(['8.8.8.8', '10.0.1.20', 'eni-a2', 'eni-a10', '22', '443']);
    const f = await store.query(
      `SELECT ${duckdb.firstOrdered!('action', 't DESC')} AS latest FROM ${RECORDS}`,
    );
    // newest first: record 4 has no action, so record 3's
    expect(f.rows).toEqual([{ latest: ' REJECT ' }]);
  });
});

// Backend conformance table: flow log lines (default format) and patterns with the lines each must match.

/** Header line of the test file: the default format. */
export const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

/** The records; a case's `matches` lists indexes into this array. */
export const LINES: readonly string[] = [
  /* 0 */ '2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK',
  /* 1 */ '2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK',
  /* 2 */ '2 123456789010 eni-1235b8ca123456789 203.0.113.12 172.31.16.21 49152 22 6 1 40 1418530010 1418530070 REJECT OK',
  /* 3 */ '2 123456789010 eni-1235b8ca123456789 198.51.100.7 172.31.16.21 0 0 1 4 336 1432917027 1432917142 REJECT OK',
  /* 4 */ '2 123456789010 eni-1235b8ca123456789 198.51.100.7 172.31.16.21 0 0 1 4 336 1432917094 1432917142 ACCEPT OK',
  /* 5 */ '2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA',
  /* 6 */ '2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA',
  /* 7 */ '2 111122223333 eni-0a1b2c3d4e5f60718 10.0.1.5 198.51.100.7 443 51000 6 25 30000 1716200000 1716200060 ACCEPT OK',
  /* 8 */ '2 111122223333 eni-0a1b2c3d4e5f60718 10.0.2.77 10.0.1.5 51000 8080 17 3 400 1716200000 1716200060 ACCEPT OK',
  /* 9 */ '2 111122223333 eni-0a1b2c3d4e5f60718 10.0.2.8 10.0.1.5 51001 80 6 2 399 1716200000 1716200060 REJECT OK',
];

/** One pattern and the lines it matches, worked out by reading the lines (not by running the code). */
export interface BackendCase {
  readonly pattern: string;
  readonly matches: readonly number[];
  readonly why: string;
}

export const CASES: readonly BackendCase[] = [
  {
    pattern:
      '[version, account, eni, source, destination, srcport, destport="22", protocol="6", packets, bytes, windowstart, windowend, action="REJECT", flowlogstatus]',
    matches: [2],
    why: 'issue 3: rejected SSH; line 1 is SSH but ACCEPT',
  },
  {
    pattern: '[..., protocol="1", packets, bytes, windowstart, windowend, action="REJECT", flowlogstatus]',
    matches: [3],
    why: 'issue 3: denied ping (ICMP = protocol 1)',
  },
  {
    pattern:
      '[version, account, eni, srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, start, end, action, logstatus]',
    matches: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    why: 'spec 4.4: all 14 fields named, no condition',
  },
  { pattern: '[a, b, c]', matches: [], why: 'field count: 3 slots, 14 fields, no ...' },
  { pattern: '[a, b, c, ...]', matches: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], why: '... absorbs the rest' },
  {
    pattern: '[version, account, eni, srcaddr = 10.0.2.*, ...]',
    matches: [8, 9],
    why: 'spec 4.4: wildcard string compare',
  },
  {
    pattern: '[version, account, eni, srcaddr, dstaddr, srcport, dstport = 80 || dstport = 8080, ...]',
    matches: [8, 9],
    why: 'spec 4.4: || inside a slot',
  },
  {
    pattern:
      '[version, account, eni, srcaddr, dstaddr, srcport, dstport = 80 || dstport = 8080, protocol, packets, bytes >= 400, start, end, action = REJECT, logstatus]',
    matches: [],
    why: 'spec 4.4: line 8 is ACCEPT, line 9 has 399 bytes',
  },
  {
    pattern: '[..., bytes > 1000, start, end, action, status]',
    matches: [0, 1, 7],
    why: '- is not a number',
  },
  { pattern: '[..., bytes <= 336, start, end, action, status]', matches: [2, 3, 4], why: 'numeric <=' },
  {
    pattern: '[..., bytes != 336, start, end, action, status]',
    matches: [0, 1, 2, 7, 8, 9],
    why: 'numeric != does not hold for - either',
  },
  { pattern: '[..., action = "-", status]', matches: [5, 6], why: 'string compare with - text' },
  { pattern: '[..., action != REJECT, status]', matches: [1, 4, 5, 6, 7, 8], why: 'string != holds for -' },
  { pattern: '[..., status = *DATA]', matches: [5, 6], why: 'leading wildcard' },
  {
    pattern: '[v, a, i, s, d, sp, dp, p, pk, b, st, en, act, status = NODATA]',
    matches: [5],
    why: 'spec row 14',
  },
  { pattern: '[v, a, i, s = "-", ...]', matches: [5, 6], why: 'NULL column stands for -' },
  { pattern: '[v, a, i, s, d, sp = 0, ...]', matches: [3, 4], why: 'numeric = on a port' },
  { pattern: '[v, a, i, s, d, sp = "0*", ...]', matches: [3, 4], why: 'wildcard on an integer field' },
  { pattern: '[v, a = 1111*, ...]', matches: [7, 8, 9], why: 'wildcard on the account' },
  {
    pattern: '[v, a > 200000000000, ...]',
    matches: [],
    why: 'numeric compare of a text field: 123456789010 and 111122223333 are both smaller',
  },
  {
    pattern: '[v, a > 120000000000, ...]',
    matches: [0, 1, 2, 3, 4, 5, 6],
    why: 'text field read as a number',
  },
  { pattern: '[v, a, i = %aaaa%, ...]', matches: [6], why: 'regex value' },
  {
    pattern: '[v, a, i, s = %^10\\.0\\.2\\.%, ...]',
    matches: [8, 9],
    why: 'anchored regex value with escapes',
  },
  {
    pattern: '[v, a, i, s != %^1%, ...]',
    matches: [2, 5, 6],
    why: 'regex != ; 203... and - do not start with 1',
  },
  {
    pattern: '[v, a, i, s, d, sp, dp = 22 && p = 6 || dp = 80, p, ...]',
    matches: [1, 2, 9],
    why: '&& binds tighter than ||, and may name a later slot',
  },
  {
    pattern: '[v = 2, ..., st >= 1716200000, en, act, status]',
    matches: [7, 8, 9],
    why: 'prefix and suffix',
  },
  { pattern: '[v = 3, ...]', matches: [], why: 'version is 2' },
  { pattern: '[..., act = REJECT, status = OK]', matches: [0, 2, 3, 9], why: 'two conditions' },
  { pattern: 'REJECT', matches: [0, 2, 3, 9], why: 'term' },
  { pattern: '?NODATA ?SKIPDATA', matches: [5, 6], why: 'OR of terms' },
  { pattern: 'OK -REJECT', matches: [1, 4, 7, 8], why: 'exclusion' },
  { pattern: '"198.51.100.7 172.31.16.21"', matches: [3, 4], why: 'quoted phrase over two fields' },
  { pattern: '"- - -"', matches: [5, 6], why: 'phrase over NULL fields' },
  { pattern: '%eni-[0-9a-f]{17}%', matches: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], why: 'regex over the record' },
  { pattern: '%REJECT|NODATA%', matches: [0, 2, 3, 5, 9], why: 'regex alternation' },
  { pattern: '', matches: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], why: 'empty pattern matches all' },
  // AWS's TestMetricFilter sample "without specifying any fields": `[]` matches every event.
  // https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_TestMetricFilter.html
  {
    pattern: '[]',
    matches: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    why: 'AWS sample: [] names no field, matches all',
  },
  { pattern: '[ ]', matches: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], why: '[] with a space inside' },
  { pattern: '[...]', matches: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], why: 'an ellipsis alone' },
  // AWS's sample "[..., status_code=200, size]" on flow logs: an unquoted number compares numerically.
  { pattern: '[..., act, status = OK]', matches: [0, 1, 2, 3, 4, 7, 8, 9], why: 'last field only' },
];

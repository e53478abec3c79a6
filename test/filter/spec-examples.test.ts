// The worked examples of spec filter-patterns.md §8, through the matcher (expected values from the spec table).

import { describe, expect, it } from 'vitest';
import { compileMatcher, FilterPatternError, parsePattern } from '../../src/filter/index.js';

const L1 =
  '2 111122223333 eni-0a1b2c3d4e5f60718 203.0.113.12 10.0.1.5 49152 22 6 10 840 1716200000 1716200060 REJECT OK';
const L2 =
  '2 111122223333 eni-0a1b2c3d4e5f60718 10.0.1.5 198.51.100.7 443 51000 6 25 30000 1716200000 1716200060 ACCEPT OK';
const L3 = '2 111122223333 eni-0a1b2c3d4e5f60718 - - - - - - - 1716200000 1716200060 - NODATA';
const J1 = '{"action":"REJECT","dstport":22,"src":"203.0.113.12","tags":["prod","web"],"reason":null}';
const J2 = '{"action":"ACCEPT","dstport":443,"src":"10.0.1.5","tags":[],"ok":true}';

/** [row, pattern, events, expected match per event] */
const ROWS: readonly [number, string, string[], boolean[]][] = [
  [1, 'REJECT', [L1, L2], [true, false]],
  [2, 'reject', [L1], [false]],
  [3, 'REJ', [L1], [true]],
  [4, '"REJECT OK"', [L1, L3], [true, false]],
  [5, '?REJECT ?NODATA', [L1, L2, L3], [true, false, true]],
  [6, 'OK -REJECT', [L1, L2, L3], [false, true, false]],
  [7, '"10.0.1.5" ACCEPT', [L2, L1], [true, false]],
  [
    9,
    '[version, account, eni, src, dst, srcport, dstport = 22, protocol = 6, packets, bytes, start, end, action = REJECT, status]',
    [L2],
    [false],
  ],
  [11, '[v, a, i, src = 10.0.1.*, ...]', [L2, L1], [true, false]],
  [13, '[..., bytes > 1000, start, end, action, status]', [L2, L1, L3], [true, false, false]],
  [15, '[a, b, c]', [L1], [false]],
  [16, '%eni-[0-9a-f]{17}%', [L1], [true]],
  [17, '%REJECT|NODATA%', [L1, L2, L3], [true, false, true]],
  [19, '{ $.action = "REJECT" && $.dstport = 22 }', [J1, J2], [true, false]],
  [20, '{ $.dstport >= 1024 || $.src = "10.0.*" }', [J1, J2], [false, true]],
  [21, '{ $.tags[0] = "prod" }', [J1, J2], [true, false]],
  [22, '{ $.tags = "prod" }', [J1], [false]],
  [23, '{ $.reason IS NULL }', [J1, J2], [true, false]],
  [24, '{ $.reason NOT EXISTS }', [J1, J2], [false, true]],
  [25, '{ $.ok IS TRUE }', [J2], [true]],
  [26, '{ $.src = * }', [J1, J2], [true, true]],
  [27, '{ $.action = %^REJ% }', [J1], [true]],
  [28, '{ $.action = REJECT }', [L1], [false]],
  [29, '', [L1, L2, L3, J1], [true, true, true, true]],
];

describe('spec §8 worked examples', () => {
  for (const [row, pattern, events, expected] of ROWS) {
    it(`row ${row}: ${pattern || '(empty)'}`, () => {
      const match = compileMatcher(parsePattern(pattern));
      expect(events.map((e) => match(e) !== undefined)).toEqual(expected);
    });
  }

  it('row 8: all 14 named fields extracted', () => {
    const m = compileMatcher(
      parsePattern(
        '[version, account, eni, src, dst, srcport, dstport = 22, protocol = 6, packets, bytes, start, end, action = REJECT, status]',
      ),
    );
    expect(m(L1)?.extractedValues).toEqual({
      $version: '2',
      $account: '111122223333',
      $eni: 'eni-0a1b2c3d4e5f60718',
      $src: '203.0.113.12',
      $dst: '10.0.1.5',
      $srcport: '49152',
      $dstport: '22',
      $protocol: '6',
      $packets: '10',
      $bytes: '840',
      $start: '1716200000',
      $end: '1716200060',
      $action: 'REJECT',
      $status: 'OK',
    });
  });

  it('row 10: named values plus $1…$12 for the ellipsis', () => {
    const m = compileMatcher(parsePattern('[..., action = "REJECT", status]'));
    const fields = L1.split(' ');
    const positional = Object.fromEntries(fields.slice(0, 12).map((f, i) => [`$${i + 1}`, f]));
    expect(m(L1)?.extractedValues).toEqual({ ...positional, $action: 'REJECT', $status: 'OK' });
  });

  it('row 12: || inside a slot, $dp = 22', () => {
    const m = compileMatcher(parsePattern('[v, a, i, s, d, sp, dp = 22 || dp = 3389, ...]'));
    expect(m(L1)?.extractedValues['$dp']).toBe('22');
  });

  it('row 14: NODATA line, $s = -', () => {
    const m = compileMatcher(parsePattern('[v, a, i, s, d, sp, dp, p, pk, b, st, en, act, status = NODATA]'));
    expect(m(L3)?.extractedValues['$s']).toBe('-');
  });

  it('row 18: %(REJECT)% is refused', () => {
    expect(() => parsePattern('%(REJECT)%')).toThrow(FilterPatternError);
  });
});

// The examples of the CloudWatch Logs user guide's "Filter and Pattern Syntax" page that the shared corpus
// does not already hold (issue 12 item 4). Source, read at awsdocs/amazon-cloudwatch-logs-user-guide
// doc_source/FilterAndPatternSyntax.md @ 5ae5c9aeccbdc909d7549b9260291ce7ed2a92f3:
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
// The guide gives the patterns and, in prose, what they match; the events below are the guide's own Apache
// lines, or JSON built to hold exactly the value each sentence talks about. Expected answers are the prose's.
const APACHE = [
  '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534',
  '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324',
  '127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /apache_pb.gif HTTP/1.0" 200 4355',
];
const APACHE_4XX = [
  '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534',
  '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /about-us/index.html HTTP/1.0" 200 5324',
  '127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /apache_pb.gif HTTP/1.0" 404 4355',
  '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /products/index.html HTTP/1.0" 400 1534',
];
const GUIDE: readonly [string, string, readonly string[], readonly boolean[]][] = [
  // "if you change the filter pattern to "ERROR" - "Exiting", ... "Exiting with ERRORCODE: -1" would be excluded"
  [
    'spaced minus',
    '"ERROR" - "Exiting"',
    ['[ERROR] A fatal exception has occurred', 'Exiting with ERRORCODE: -1'],
    [true, false],
  ],
  // "*Event will match PutEvent and GetEvent. Event* will match EventId and EventName. Ev*ent will only match
  // the actual string Ev*ent."
  [
    'leading *',
    '{ $.name = *Event }',
    ['{"name":"PutEvent"}', '{"name":"GetEvent"}', '{"name":"Events"}'],
    [true, true, false],
  ],
  [
    'trailing *',
    '{ $.name = Event* }',
    ['{"name":"EventId"}', '{"name":"EventName"}', '{"name":"PutEvent"}'],
    [true, true, false],
  ],
  [
    'inner * is literal',
    '{ $.name = "Ev*ent" }',
    ['{"name":"Ev*ent"}', '{"name":"Event"}', '{"name":"EvXent"}'],
    [true, false, false],
  ],
  // "This also works for boolean filters which check for FALSE value."
  [
    'IS FALSE',
    '{ $.ThisFlag IS FALSE }',
    ['{"ThisFlag":false}', '{"ThisFlag":true}', '{"ThisFlag":null}'],
    [true, false, false],
  ],
  // Numeric comparisons: "{ $.latency >= 500 }", "{ $.numbers[0] < 10e3 }", "{ $.numbers[0] < 10e-3 }",
  // "{ $.processes[4].averageRuntime <= 55.5 }", "{ $.errorCode = 400 }", "{ $.errorCode != 500 }",
  // "{ $.latency > +1000 }"
  ['>=', '{ $.latency >= 500 }', ['{"latency":500}', '{"latency":499}'], [true, false]],
  ['10e3', '{ $.numbers[0] < 10e3 }', ['{"numbers":[9999]}', '{"numbers":[10000]}'], [true, false]],
  ['10e-3', '{ $.numbers[0] < 10e-3 }', ['{"numbers":[0.009]}', '{"numbers":[0.01]}'], [true, false]],
  [
    'decimal',
    '{ $.processes[4].averageRuntime <= 55.5 }',
    [
      '{"processes":[{},{},{},{},{"averageRuntime":55.5}]}',
      '{"processes":[{},{},{},{},{"averageRuntime":55.6}]}',
    ],
    [true, false],
  ],
  ['= number', '{ $.errorCode = 400 }', ['{"errorCode":400}', '{"errorCode":404}'], [true, false]],
  ['!= number', '{ $.errorCode != 500 }', ['{"errorCode":404}', '{"errorCode":500}'], [true, false]],
  ['+1000', '{ $.latency > +1000 }', ['{"latency":1001}', '{"latency":1000}'], [true, false]],
  // "In cases where you don't know the number of fields, you can use ... an ellipsis"
  ['ellipsis first', '[..., status_code, bytes]', APACHE, [true, true, true]],
  ['ellipsis inside', '[ip, user, ..., status_code, bytes]', APACHE, [true, true, true]],
  ['ellipsis last', '[ip, user, ...]', APACHE, [true, true, true]],
  // "only log events that match all conditions would match"
  [
    'bytes > 1000',
    '[ip, user, username, timestamp, request, status_code, bytes > 1000]',
    APACHE,
    [true, true, true],
  ],
  [
    '= 200',
    '[ip, user, username, timestamp, request, status_code = 200, bytes]',
    APACHE,
    [true, false, true],
  ],
  [
    '= 4*',
    '[ip, user, username, timestamp, request, status_code = 4*, bytes]',
    APACHE_4XX,
    [true, false, true, true],
  ],
  [
    '*html* and 4*',
    '[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]',
    APACHE_4XX,
    [true, false, false, true],
  ],
  [
    '403 || 404',
    '[ip, user, username, timestamp, request, status_code = 403 || status_code = 404, bytes]',
    APACHE_4XX,
    [true, false, true, false],
  ],
];

describe('user guide examples (current FilterAndPatternSyntax page)', () => {
  for (const [what, pattern, events, expected] of GUIDE) {
    it(`${what}: ${pattern}`, () => {
      const match = compileMatcher(parsePattern(pattern));
      expect(events.map((e) => match(e) !== undefined)).toEqual(expected);
    });
  }
});

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

// The in-memory indicator index of `kind: intel` detections and the CIDR blocks the Trino backend tests: ranges
// split into blocks by hand, validity bounds, neighbours of a block.

import { describe, expect, it } from 'vitest';
import { IntelIndex, rangeCidrs } from '../../src/detect/intel-index.js';
import { parsePlainList } from '../../src/enrich/feeds/plain-list.js';
import { addressKeyOf } from '../../src/enrich/ip-range.js';

const key = (a: string) => addressKeyOf(a)!;

describe('rangeCidrs', () => {
  it('gives one block for a CIDR', () => {
    expect(rangeCidrs(key('10.0.0.0'), key('10.0.0.255'), false)).toEqual(['10.0.0.0/24']);
    expect(rangeCidrs(key('2001:db8::'), key('2001:db8::ffff:ffff:ffff:ffff'), true)).toEqual([
      '2001:db8:0:0:0:0:0:0/64',
    ]);
  });
  it('splits an unaligned range: .1-.6 is .1/32, .2/31, .4/31, .6/32', () => {
    expect(rangeCidrs(key('10.0.0.1'), key('10.0.0.6'), false)).toEqual([
      '10.0.0.1/32',
      '10.0.0.2/31',
      '10.0.0.4/31',
      '10.0.0.6/32',
    ]);
  });
});

describe('IntelIndex', () => {
  const idx = new IntelIndex(
    parsePlainList('45.95.147.0/24\n2a0b:4340:a1::/48\n91.215.150.151\n').indicators,
  );
  it('lists addresses inside a block, not its neighbours', () => {
    expect(idx.listed('45.95.147.0', 0)).toBe(true);
    expect(idx.listed('45.95.147.255', 0)).toBe(true);
    expect(idx.listed('45.95.146.255', 0)).toBe(false);
    expect(idx.listed('45.95.148.0', 0)).toBe(false);
    expect(idx.listed('2a0b:4340:a1:7::294', 0)).toBe(true);
    expect(idx.listed('2a0b:4340:a2::1', 0)).toBe(false);
    expect(idx.listed('91.215.150.151', 0)).toBe(true);
    expect(idx.listed('91.215.150.152', 0)).toBe(false);
    expect(idx.listed('not-an-address', 0)).toBe(false);
  });
  it('honours valid_from (inclusive) and valid_until (exclusive)', () => {
    const [i] = parsePlainList('198.51.100.0/24\n').indicators;
    const timed = new IntelIndex([{ ...i!, validFrom: 100, validUntil: 200 }]);
    expect([99, 100, 199, 200].map((t) => timed.listed('198.51.100.9', t))).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });
  it('finds an address inside a wide block that starts before a narrower one', () => {
    const nested = new IntelIndex(parsePlainList('10.0.0.0/8\n10.5.0.0/16\n').indicators);
    expect(nested.listed('10.200.0.1', 0)).toBe(true);
    expect(nested.listed('10.5.1.1', 0)).toBe(true);
  });
});

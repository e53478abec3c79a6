// Feed parsers against hand-written files (test/fixtures/intel), each with malformed lines: the problems name
// the line, the rest loads; keys and validity are worked out by hand in the comments.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectFeedFormat, parseFeed } from '../../src/enrich/feeds/parse-feed.js';
import { stixPatternAddresses } from '../../src/enrich/feeds/stix-bundle.js';
import { cidrRange, V4_BASE } from '../../src/enrich/ip-range.js';
import { segmentsOf } from '../../src/enrich/segments.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures/intel', name), 'utf8');
const T = 1716199200; // 2024-05-20T10:00:00Z

describe('key ranges', () => {
  it('puts IPv4 at ::ffff:0:0/96 and IPv6 at its own value', () => {
    // 10.0.0.0/8: 0x0a000000 .. 0x0affffff above V4_BASE = 0xffff00000000.
    expect(cidrRange('10.0.0.0/8')).toEqual({ lo: 0xffff0a000000n, hi: 0xffff0affffffn, v6: false, bits: 8 });
    // 2001:db8::/32: 0x20010db8 followed by 96 zero bits, to 96 one bits.
    expect(cidrRange('2001:db8::/32')).toEqual({
      lo: 0x20010db8n << 96n,
      hi: (0x20010db8n << 96n) + (1n << 96n) - 1n,
      v6: true,
      bits: 32,
    });
    expect(cidrRange('0.0.0.0/0')?.hi).toBe(V4_BASE + 0xffffffffn);
    expect(cidrRange('1.2.3.4/33')).toBeUndefined();
  });
});

describe('segments', () => {
  it('cuts nested and overlapping ranges into disjoint pieces with their covering ranges', () => {
    // 1: [0, 99], 2: [10, 19] inside it, 3: [15, 120] across its end.
    expect(
      segmentsOf([
        { id: 1, lo: 0n, hi: 99n },
        { id: 2, lo: 10n, hi: 19n },
        { id: 3, lo: 15n, hi: 120n },
      ]),
    ).toEqual([
      { lo: 0n, hi: 9n, members: [1] },
      { lo: 10n, hi: 14n, members: [1, 2] },
      { lo: 15n, hi: 19n, members: [1, 2, 3] },
      { lo: 20n, hi: 99n, members: [1, 3] },
      { lo: 100n, hi: 120n, members: [3] },
    ]);
  });
});

describe('feed formats', () => {
  it('plain list: entries, comments, a range, and the bad line 5', () => {
    const f = parseFeed(fixture('list.txt'));
    expect(f.format).toBe('list');
    expect(f.indicators.map((i) => [i.line, i.text, i.description])).toEqual([
      [2, '203.0.113.0/24', 'SBL0001'],
      [3, '198.51.100.7', undefined],
      [4, '2001:db8:bad::/48', undefined],
      [6, '192.0.2.10-192.0.2.20', undefined],
    ]);
    // 192.0.2.10 = 0xc000020a, 192.0.2.20 = 0xc0000214.
    expect([f.indicators[3]!.lo, f.indicators[3]!.hi]).toEqual([
      V4_BASE + 0xc000020an,
      V4_BASE + 0xc0000214n,
    ]);
    expect(f.problems.map((p) => p.line)).toEqual([5]);
  });

  it('plain list: a domain name or URL is refused with what to do (flow logs hold addresses only)', () => {
    const f = parseFeed('evil.example.com\nhttps://bad.example.org/x?y=1\n203.0.113.9\n10.0.0.300\n', 'list');
    expect(f.indicators.map((i) => i.text)).toEqual(['203.0.113.9']);
    expect(f.problems.map((p) => [p.line, p.message])).toEqual([
      [
        1,
        '"evil.example.com" is a domain name, not an address: flow logs record addresses only, so list the addresses it resolves to (dig +short evil.example.com)',
      ],
      [
        2,
        '"https://bad.example.org/x?y=1" is a URL, not an address: flow logs record addresses only, so list the addresses it resolves to (dig +short bad.example.org)',
      ],
      // 300 is not an octet, and digits alone are no domain name: the plain message.
      [4, '"10.0.0.300" is not an IPv4/IPv6 address, CIDR block or first-last range'],
    ]);
  });

  it('plain list: an address in quotes, with a port, or in a CSV row is refused with the address to write', () => {
    const text =
      '"203.0.113.9"\n\u201c203.0.113.10\u201d\n203.0.113.11:443\n[2001:db8::1]:443\n203.0.113.12,2024-05-20\n';
    // A quoted address alone on its line is a plain list, not abuse.ch's CSV (whose rows have commas).
    expect(detectFeedFormat('"203.0.113.9"\n')).toBe('list');
    const f = parseFeed(text, 'list');
    expect(f.indicators).toEqual([]);
    expect(f.problems.map((p) => [p.line, p.message])).toEqual([
      [1, '""203.0.113.9"" is an address in quotes: write 203.0.113.9 alone on its line'],
      [2, '"\u201c203.0.113.10\u201d" is an address in quotes: write 203.0.113.10 alone on its line'],
      [
        3,
        '"203.0.113.11:443" is an address with a port: indicators are addresses (flow logs give the ports); write 203.0.113.11',
      ],
      [
        4,
        '"[2001:db8::1]:443" is an address with a port: indicators are addresses (flow logs give the ports); write 2001:db8::1',
      ],
      [
        5,
        '"203.0.113.12,2024-05-20" is a CSV row: a plain list holds one address, CIDR block or range per line (here 203.0.113.12); keep the address column alone',
      ],
    ]);
  });

  it('Spamhaus DROP NDJSON: a bad CIDR (line 3) and broken JSON (line 4) skipped, copyright as licence', () => {
    const f = parseFeed(fixture('drop_v4.json'));
    expect(f.format).toBe('spamhaus-drop');
    expect(f.indicators.map((i) => [i.line, i.text, i.description, i.labels])).toEqual([
      [1, '203.0.113.0/24', 'SBL0001', ['arin']],
      [2, '198.51.100.0/25', 'SBL0002', ['ripencc']],
    ]);
    expect(f.problems.map((p) => p.line)).toEqual([3, 4]);
    expect(f.licence).toBe('(c) 2024 The Spamhaus Project SLU');
  });

  it('abuse.ch CSV: columns from the header comment, a bad address on line 8', () => {
    const f = parseFeed(fixture('ipblocklist.csv'));
    expect(f.format).toBe('abusech-csv');
    expect(f.indicators.map((i) => [i.line, i.text, i.description, i.labels])).toEqual([
      [7, '203.0.113.7', 'Dridex C2 port 443 (online)', ['Dridex']],
      [9, '2001:db8::c2', 'Emotet C2 port 447 (online)', ['Emotet']],
    ]);
    expect(f.problems.map((p) => p.line)).toEqual([8]);
    expect(f.licence).toBe('CC0-1.0 (abuse.ch)');
  });

  it('STIX 2.1: an OR of two addresses with validity, an AND pattern refused at its line, a revoked one', () => {
    const f = parseFeed(fixture('bundle.json'));
    expect(f.format).toBe('stix');
    // valid_from 10:01:40Z = T + 100, valid_until 10:03:20Z = T + 200.
    expect(f.indicators.map((i) => [i.text, i.validFrom, i.validUntil, i.labels])).toEqual([
      ['198.51.100.7', T + 100, T + 200, ['malicious-activity']],
      ['2001:db8:c2::/64', T + 100, T + 200, ['malicious-activity']],
    ]);
    expect(f.problems.map((p) => p.line)).toEqual([21]);
    expect(f.problems[0]!.message).toContain('unsupported pattern');
    expect(f.revoked).toBe(1);
  });

  it('STIX patterns: only ORs of address comparisons', () => {
    expect(stixPatternAddresses("[ipv4-addr:value = '1.2.3.4'] OR [ipv6-addr:value = '::1']")).toEqual([
      '1.2.3.4',
      '::1',
    ]);
    expect(stixPatternAddresses("[network-traffic:dst_ref.value = '1.2.3.4']")).toEqual(['1.2.3.4']);
    expect(stixPatternAddresses("[domain-name:value = 'x.example']")).toBeUndefined();
    expect(stixPatternAddresses("[ipv4-addr:value = '1.2.3.4'] WITHIN 60 SECONDS")).toBeUndefined();
  });

  it('detects each format from its content', () => {
    expect(detectFeedFormat(fixture('list.txt'))).toBe('list');
    expect(detectFeedFormat(fixture('drop_v4.json'))).toBe('spamhaus-drop');
    expect(detectFeedFormat(fixture('ipblocklist.csv'))).toBe('abusech-csv');
    expect(detectFeedFormat(fixture('bundle.json'))).toBe('stix');
  });
});

// SortedRangeFile: a binary search over the bytes of a sorted range CSV gives what the parsed table (RangeTable)
// gives: hand-worked on a small file with a nested range and a quoted cell, then on the packaged data files.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitCsv } from '../../src/enrich/feeds/abusech-csv.js';
import { RangeTable } from '../../src/enrich/range-table.js';
import { SortedRangeFile } from '../../src/enrich/sorted-range-file.js';

describe('SortedRangeFile', () => {
  // 15 sits inside 10-20, as the country data nests a more specific range inside a wider one.
  const text = '10,20,a\n15,15,b\n30,40,"x, y",z\n';
  const f = new SortedRangeFile(Buffer.from(text), Number);

  it('finds the last range starting at or below the key, when the key is within it', () => {
    expect(f.find(9)).toBeUndefined();
    expect(f.find(10)).toEqual(['a']);
    expect(f.find(14)).toEqual(['a']);
    expect(f.find(15)).toEqual(['b']);
    // 16 is after the nested 15-15, the last start at or below it: not found (as RangeTable answers).
    expect(f.find(16)).toBeUndefined();
    expect(f.find(29)).toBeUndefined();
    expect(f.find(30)).toEqual(['x, y', 'z']);
    expect(f.find(40)).toEqual(['x, y', 'z']);
    expect(f.find(41)).toBeUndefined();
  });

  it('reads bigint keys, a file without a final line break, and an empty file', () => {
    const v6 = new SortedRangeFile(
      Buffer.from('42540766411282592856903984951653826560,42540766411282592875350729025363378175,US'),
      BigInt,
    );
    expect(v6.find(42540766411282592856903984951653826561n)).toEqual(['US']);
    expect(v6.find(42540766411282592856903984951653826559n)).toBeUndefined();
    expect(new SortedRangeFile(Buffer.alloc(0), Number).find(1)).toBeUndefined();
  });

  const require = createRequire(import.meta.url);
  const file = (pkg: string, name: string) => join(dirname(require.resolve(`${pkg}/package.json`)), name);
  const cases = [
    ['@ip-location-db/asn', 'asn-ipv4-num.csv', Number],
    ['@ip-location-db/geo-whois-asn-country', 'geo-whois-asn-country-ipv4-num.csv', Number],
    ['@ip-location-db/asn', 'asn-ipv6-num.csv', BigInt],
    ['@ip-location-db/geo-whois-asn-country', 'geo-whois-asn-country-ipv6-num.csv', BigInt],
  ] as const;

  it.each(cases)(
    'agrees with RangeTable over %s %s',
    (pkg, name, parse) => {
      const path = file(pkg, name);
      const lines = readFileSync(path, 'utf8')
        .split('\n')
        .filter((l) => l !== '');
      const ranges = lines.map((l, i) => {
        const [a, b] = l.split(',');
        return { lo: BigInt(a!), hi: BigInt(b!), value: i };
      });
      const table = RangeTable.of(ranges);
      const f = SortedRangeFile.open(path, parse as (t: string) => number | bigint);
      // Keys: every 97th range's start, end and the numbers either side of each, plus a spread across the space.
      const keys: bigint[] = [];
      for (let i = 0; i < ranges.length; i += 97) {
        const r = ranges[i]!;
        keys.push(r.lo - 1n, r.lo, r.hi, r.hi + 1n);
      }
      const top = ranges[ranges.length - 1]!.hi;
      for (let i = 0n; i < 1000n; i++) keys.push((top * i) / 1000n);
      for (const k of keys) {
        if (k < 0n) continue;
        const want = table.find(k);
        const got = f.find((parse === Number ? Number(k) : k) as never);
        // The cells as the parsed table's loader split them (quoted cells with "" escapes).
        const rest = want === undefined ? undefined : lines[want]!.split(',').slice(2).join(',');
        const cells = rest === undefined ? undefined : rest.includes('"') ? splitCsv(rest) : rest.split(',');
        expect(got, `${name} ${k}`).toEqual(cells);
      }
    },
    60_000,
  );
});

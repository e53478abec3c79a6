// A CSV of sorted inclusive ranges (`start,end,cells...`, numeric starts ascending) searched where it lies in memory:
// no table is built, so a lookup costs reading the file once plus a binary search over its bytes.

import { readFileSync } from 'node:fs';
import { splitCsv } from './feeds/abusech-csv.js';

const NL = 0x0a;
const COMMA = 0x2c;

/**
 * The ranges of one packaged data file. `find` gives the cells after `start,end` of the last line whose start is
 * at or below the key, when the key is also at or below that line's end: the same answer as a binary search over
 * the parsed table (RangeTable), whose order for equal starts is the file's.
 *
 * @example new SortedRangeFile(Buffer.from('10,20,a\n30,40,b\n'), Number).find(35) // ['b']
 */
export class SortedRangeFile<K extends number | bigint> {
  private readonly cache = new Map<number, string[]>();

  constructor(
    private readonly buf: Buffer,
    private readonly parse: (text: string) => K,
  ) {}

  static open<K extends number | bigint>(path: string, parse: (text: string) => K): SortedRangeFile<K> {
    return new SortedRangeFile(readFileSync(path), parse);
  }

  /** The cells of the range holding `key`, or undefined. */
  find(key: K): string[] | undefined {
    const buf = this.buf;
    let lo = 0; // always the start of a line
    let hi = buf.length;
    let best = -1;
    let bestEnd = -1;
    while (lo < hi) {
      const mid = lo + ((hi - lo) >> 1);
      let s = mid === 0 ? 0 : buf.lastIndexOf(NL, mid - 1) + 1;
      if (s < lo) s = lo;
      let e = buf.indexOf(NL, s);
      if (e < 0) e = buf.length;
      const c1 = buf.indexOf(COMMA, s);
      if (c1 < 0 || c1 > e) {
        lo = e + 1; // a line without fields (a blank line): skip it
        continue;
      }
      if (this.parse(buf.toString('latin1', s, c1)) <= key) {
        best = s;
        bestEnd = e;
        lo = e + 1;
      } else hi = s;
    }
    if (best < 0) return undefined;
    const c1 = buf.indexOf(COMMA, best);
    const c2 = buf.indexOf(COMMA, c1 + 1);
    if (c2 < 0 || c2 > bestEnd) return undefined;
    if (key > this.parse(buf.toString('latin1', c1 + 1, c2))) return undefined;
    let cells = this.cache.get(best);
    if (cells === undefined) {
      const rest = buf.toString('utf8', c2 + 1, bestEnd).replace(/\r$/, '');
      cells = rest.includes('"') ? (splitCsv(rest) ?? []) : rest.split(',');
      this.cache.set(best, cells);
    }
    return cells;
  }
}

// The streaming line splitter cuts any chunking of any text into the lines of the reference `splitLines`,
// with over-long lines reported by length instead of buffered.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../src/ingest/line-splitter.js';
import { splitLines } from '../../src/records/parse-line.js';

type Out = { line: string } | { tooLong: number; head: string };

function run(chunks: readonly Buffer[], max: number, keepLast = true): Out[] {
  const out: Out[] = [];
  const s = new LineSplitter(
    {
      line: (b, a, e) => out.push({ line: b.toString('latin1', a, e) }),
      tooLong: (n, head) => out.push({ tooLong: n, head: head.toString('latin1') }),
    },
    max,
    4,
  );
  for (const c of chunks) s.push(c);
  s.end(keepLast);
  return out;
}

/** The reference: splitLines, then lines over `max` bytes become their length and first 4 bytes. */
function reference(text: string, max: number): Out[] {
  if (text === '') return [];
  return splitLines(text).map((l) =>
    l.length > max ? { tooLong: l.length, head: l.slice(0, 4) } : { line: l },
  );
}

/** Cuts `text` at the given offsets. */
function cut(text: string, at: readonly number[]): Buffer[] {
  const b = Buffer.from(text, 'latin1');
  const points = [...new Set(at.map((x) => x % (b.length + 1)))].sort((x, y) => x - y);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(b.subarray(from, p));
    from = p;
  }
  chunks.push(b.subarray(from));
  return chunks;
}

describe('LineSplitter', () => {
  it('ends lines at LF, CRLF and a lone CR, a CRLF split across chunks counting once', () => {
    expect(run([Buffer.from('a\rb\r'), Buffer.from('\nc\nd')], 100)).toEqual([
      { line: 'a' },
      { line: 'b' },
      { line: 'c' },
      { line: 'd' },
    ]);
    expect(run([Buffer.from('a\r'), Buffer.from('\r\n')], 100)).toEqual([{ line: 'a' }, { line: '' }]);
    // A cut stream drops its unfinished last line.
    expect(run([Buffer.from('a\nb')], 100, false)).toEqual([{ line: 'a' }]);
  });

  it('reports a line over the limit by its length, across chunks, and keeps the lines around it', () => {
    const long = 'x'.repeat(25);
    const chunks = cut(`ok\n${long}\r\nok2\n${'y'.repeat(11)}`, [5, 9, 13, 20, 29]);
    expect(run(chunks, 10)).toEqual([
      { line: 'ok' },
      { tooLong: 25, head: 'xxxx' },
      { line: 'ok2' },
      { tooLong: 11, head: 'yyyy' },
    ]);
    // Exactly at the limit is still a line.
    expect(run(cut('abcdefghij\n', [3, 7]), 10)).toEqual([{ line: 'abcdefghij' }]);
  });

  it('agrees with splitLines on any text and any chunking (fast-check)', () => {
    const text = fc
      .array(fc.constantFrom('a', 'b', ' ', '\r', '\n', '\r\n', 'xxxxxxx'), { maxLength: 60 })
      .map((p) => p.join(''));
    fc.assert(
      fc.property(
        text,
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.integer({ min: 1, max: 12 }),
        (t, at, max) => {
          expect(run(cut(t, at), max)).toEqual(reference(t, max));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

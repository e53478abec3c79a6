// DuckDB's caret context mapped back to the user's SQL: spans worked out by hand from each text (0-based,
// end excluded), including a caret in a window DuckDB cut out of a long line.

import { describe, expect, it } from 'vitest';
import { sqlErrorSpan } from '../../src/storage/sql-error-span.js';

const binder = (ctx: string, caret: number) =>
  `Binder Error: Referenced column "x" not found in FROM clause!\nCandidate bindings: "a"\n\nLINE ${ctx}\n${' '.repeat(caret)}^`;

describe('sqlErrorSpan', () => {
  it.each([
    // "select foo from flows": foo at 7..10; DuckDB's caret sits under column 7 after "LINE 1: " (8 chars).
    ['select foo from flows', binder('1: select foo from flows', 15), 7, 10],
    // "select a,\n" is 10 characters; the second line starts there and srcadr 2 further, at 12.
    ['select a,\n  srcadr\nfrom flows', binder('2:   srcadr', 10), 12, 18],
    // A quoted identifier is underlined whole.
    ['select "Nope" from flows', binder('1: select "Nope" from flows', 15), 7, 13],
    // A window of a long line: "...b, c, zzz FROM t" — the caret is 5 into the window's text after "...".
    [
      `select ${'a, '.repeat(60)}b, c, zzz FROM t`,
      binder('1: ...b, c, zzz FROM t', 8 + 3 + 6),
      7 + 180 + 6,
      7 + 180 + 9,
    ],
  ])('%j', (sql, message, start, end) => {
    const r = sqlErrorSpan(sql, message);
    expect(r.start).toBe(start);
    expect(r.end).toBe(end);
    expect(r.message).not.toContain('LINE');
    expect(r.message).toContain('Candidate bindings');
  });

  it('leaves a message without a caret context alone, without a span', () => {
    expect(sqlErrorSpan('select 1', 'Conversion Error: x')).toEqual({ message: 'Conversion Error: x' });
  });

  it('gives no span when the line DuckDB names is not in the text', () => {
    const r = sqlErrorSpan('select 1', binder('3: nothing', 8));
    expect(r.start).toBeUndefined();
    expect(r.message).not.toContain('LINE');
  });
});

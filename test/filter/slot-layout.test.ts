// The field-count rule of `[...]` patterns (filter-patterns spec: without "..." a line needs exactly as many
// fields as slots; "..." stands for any number of fields, none included), worked out by hand per case.
import { describe, expect, it } from 'vitest';
import { type DelimitedPattern, slotLayout } from '../../src/filter/ast.js';
import { compileMatcher } from '../../src/filter/matcher.js';
import { parsePattern } from '../../src/filter/parser.js';

function delimited(text: string): DelimitedPattern {
  const p = parsePattern(text);
  if (p.kind !== 'delimited') throw new Error(`not a [...] pattern: ${text}`);
  return p;
}

describe('slotLayout', () => {
  it('without "...": exactly as many fields as slots, slot i is field i', () => {
    const l = slotLayout(delimited('[a, b, c = 3]'));
    expect([l.ellipsis, l.before, l.after, l.fixed]).toEqual([-1, 3, 0, 3]);
    expect([2, 3, 4].map((n) => l.fits(n))).toEqual([false, true, false]);
    expect([0, 1, 2].map((s) => l.fieldOf(s, 3))).toEqual([0, 1, 2]);
  });

  it('with "..." in the middle: slots after it count from the end of the line', () => {
    // [a, ..., y, z]: a is field 0; in a line of 14 fields y is field 12 and z field 13.
    const l = slotLayout(delimited('[a, ..., y, z = REJECT]'));
    expect([l.ellipsis, l.before, l.after, l.fixed]).toEqual([1, 1, 2, 3]);
    expect([2, 3, 14].map((n) => l.fits(n))).toEqual([false, true, true]);
    expect([l.fieldOf(0, 14), l.fieldOf(2, 14), l.fieldOf(3, 14)]).toEqual([0, 12, 13]);
    // With exactly three fields "..." stands for none.
    expect([l.fieldOf(0, 3), l.fieldOf(2, 3), l.fieldOf(3, 3)]).toEqual([0, 1, 2]);
  });

  it('with "..." first or last', () => {
    const first = slotLayout(delimited('[..., action = REJECT, status]'));
    expect([first.before, first.after, first.fixed, first.fits(1), first.fits(2)]).toEqual([
      0,
      2,
      2,
      false,
      true,
    ]);
    expect([first.fieldOf(1, 14), first.fieldOf(2, 14)]).toEqual([12, 13]);
    const last = slotLayout(delimited('[version = 2, ...]'));
    expect([last.before, last.after, last.fixed, last.fits(0), last.fits(1)]).toEqual([1, 0, 1, false, true]);
  });

  it('is the rule the string matcher applies', () => {
    const m = compileMatcher(parsePattern('[a, ..., z = REJECT]'));
    expect(m('REJECT')).toBeUndefined(); // one field: fewer than the two fixed slots
    expect(m('x REJECT')).toBeDefined();
    expect(m('x y w REJECT')).toBeDefined();
    const exact = compileMatcher(parsePattern('[a, z = REJECT]'));
    expect(exact('x y REJECT')).toBeUndefined();
  });
});

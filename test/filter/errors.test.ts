// Invalid patterns: each is refused with a stable code and a 0-based span worked out by hand.

import { describe, expect, it } from 'vitest';
import { FilterPatternError, parsePattern, patternToSql } from '../../src/filter/index.js';
import { DEFAULT } from '../../src/records/format.js';

const ERRORS: readonly { pattern: string; code: string; start: number; end: number }[] = [
  // offsets:         0123456789...
  { pattern: 'x'.repeat(1025), code: 'PATTERN_TOO_LONG', start: 1024, end: 1025 },
  { pattern: '%something!%', code: 'REGEX_FORBIDDEN_CHARACTER', start: 10, end: 11 },
  { pattern: '%(REJECT)%', code: 'REGEX_FORBIDDEN_CHARACTER', start: 1, end: 2 },
  { pattern: '%abc', code: 'REGEX_UNCLOSED', start: 0, end: 4 },
  { pattern: '%%', code: 'REGEX_EMPTY', start: 0, end: 2 },
  { pattern: '%a{%', code: 'REGEX_INVALID', start: 2, end: 3 }, // the "{" that starts no repetition
  { pattern: '[a = %x%, b = %y%, c = %z%]', code: 'TOO_MANY_REGEX', start: 23, end: 26 },
  { pattern: '{ $.a = %x% || $.b = %y% || $.c = %z% }', code: 'TOO_MANY_REGEX', start: 34, end: 37 },
  { pattern: 'ERROR %x%', code: 'REGEX_NOT_ALONE', start: 6, end: 9 },
  { pattern: '10.0.1.5', code: 'TERM_NEEDS_QUOTES', start: 0, end: 8 },
  { pattern: 'OK "abc', code: 'UNCLOSED_STRING', start: 3, end: 7 },
  { pattern: 'OK ?', code: 'EXPECTED_TERM', start: 4, end: 4 },
  { pattern: '[a, b', code: 'EXPECTED_COMMA_OR_BRACKET', start: 5, end: 5 },
  { pattern: '[a b]', code: 'EXPECTED_COMMA_OR_BRACKET', start: 3, end: 4 },
  { pattern: '[a = ]', code: 'EXPECTED_VALUE', start: 5, end: 6 },
  { pattern: '[a > REJECT]', code: 'EXPECTED_NUMBER', start: 5, end: 11 },
  { pattern: '[a & b]', code: 'UNEXPECTED_CHARACTER', start: 3, end: 4 },
  { pattern: '[a ! 1]', code: 'UNEXPECTED_CHARACTER', start: 3, end: 4 },
  { pattern: '[a, ..., b, ...]', code: 'MULTIPLE_ELLIPSIS', start: 12, end: 15 },
  { pattern: '[a, a]', code: 'DUPLICATE_FIELD_NAME', start: 4, end: 5 },
  { pattern: '[a = 1 && b = 2]', code: 'UNKNOWN_FIELD_NAME', start: 10, end: 11 },
  { pattern: '[a.b = 1]', code: 'BAD_FIELD_NAME', start: 1, end: 4 },
  { pattern: '[a] x', code: 'UNEXPECTED_TOKEN', start: 4, end: 5 },
  { pattern: '{ $.a = 1', code: 'EXPECTED_CLOSING_BRACE', start: 9, end: 9 },
  { pattern: '{ $.a EXISTS }', code: 'EXPECTED_OPERATOR', start: 6, end: 12 },
  { pattern: '{ ($.a = 1 }', code: 'EXPECTED_CLOSING_PAREN', start: 11, end: 12 },
  { pattern: '{ $[0] = 1 }', code: 'BAD_SELECTOR', start: 3, end: 6 },
  { pattern: '{ a = 1 }', code: 'EXPECTED_SELECTOR', start: 2, end: 3 },
  // issue 19 item 11: `[` / `]` outside a selector in a JSON pattern looped forever; now refused where they stand
  { pattern: '{[', code: 'UNEXPECTED_CHARACTER', start: 1, end: 2 },
  { pattern: '{ ] }', code: 'UNEXPECTED_CHARACTER', start: 2, end: 3 },
  { pattern: '{ $.a = [1] }', code: 'UNEXPECTED_CHARACTER', start: 8, end: 9 },
  // regex syntax that JavaScript and RE2 (DuckDB) would read differently, or that repeats nothing
  { pattern: '%a**%', code: 'REGEX_INVALID', start: 3, end: 4 },
  { pattern: '%*a%', code: 'REGEX_INVALID', start: 1, end: 2 },
  { pattern: '%[]a]%', code: 'REGEX_INVALID', start: 2, end: 3 },
  { pattern: '%a]%', code: 'REGEX_INVALID', start: 2, end: 3 },
  { pattern: '%[[:alpha:]]%', code: 'REGEX_INVALID', start: 2, end: 3 },
  { pattern: '%\\bx%', code: 'REGEX_INVALID', start: 1, end: 3 },
  { pattern: '%a{1001}%', code: 'REGEX_INVALID', start: 2, end: 8 },
  { pattern: '%a{3,1}%', code: 'REGEX_INVALID', start: 2, end: 7 },
  { pattern: '%[z-a]%', code: 'REGEX_INVALID', start: 2, end: 5 },
  { pattern: '%^*%', code: 'REGEX_INVALID', start: 2, end: 3 },
  { pattern: '%[ab%', code: 'REGEX_INVALID', start: 1, end: 2 },
];

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('invalid patterns', () => {
  for (const c of ERRORS) {
    it(`${c.code}: ${c.pattern.slice(0, 60)}`, () => {
      const err = thrown(() => parsePattern(c.pattern));
      expect(err).toBeInstanceOf(FilterPatternError);
      expect(err).toMatchObject({ code: c.code, start: c.start, end: c.end });
    });
  }

  it('accepts exactly 1024 characters', () => {
    expect(parsePattern('x'.repeat(1024)).kind).toBe('terms');
  });

  it('accepts two regexes in one pattern', () => {
    expect(parsePattern('[a = %x%, b = %y%, c]').kind).toBe('delimited');
  });

  it('gives a hint where one helps', () => {
    const err = thrown(() => parsePattern('10.0.1.5')) as FilterPatternError;
    expect(err.hint).toContain('"10.0.1.5"');
  });

  it('refuses JSON patterns in the SQL backend with NO_SQL_BACKEND', () => {
    const err = thrown(() => patternToSql(parsePattern('{ $.a = 1 }'), DEFAULT));
    expect(err).toMatchObject({ code: 'NO_SQL_BACKEND' });
  });
});

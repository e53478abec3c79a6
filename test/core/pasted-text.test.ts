// Text pasted from web pages (issue 12 item 3): Unicode spaces read as spaces; typographic quotes, dashes,
// bullets, list numbers and invisible characters refused with the character's name, its place and the fix,
// in filter patterns, Logs Insights queries, Athena statements and alarm rules. Offsets worked out by hand.

import { describe, expect, it } from 'vitest';
import { parseStatement } from '../../src/athena/parser.js';
import { caretLine, displayWidth } from '../../src/core/caret.js';
import { findPastedSql } from '../../src/core/pasted-text.js';
import { compileMatcher, parsePattern } from '../../src/filter/index.js';
import { parseQuery } from '../../src/insights/index.js';
import { parseAlarmRule } from '../../src/metrics/alarms/rule-parser.js';

function thrown(f: () => unknown): Record<string, unknown> {
  try {
    f();
  } catch (e) {
    return e as Record<string, unknown>;
  }
  throw new Error('expected an error');
}

describe('filter patterns', () => {
  // [pattern, code, start, end, words the message or hint must hold]
  const REFUSED: [string, string, number, number, string[]][] = [
    [
      '“ERROR”',
      'PASTED_CHARACTER',
      0,
      1,
      ['U+201C LEFT DOUBLE QUOTATION MARK', 'character 1', 'straight quote "'],
    ],
    ['[..., action = “REJECT”, status]', 'PASTED_CHARACTER', 15, 16, ['U+201C', 'character 16']],
    ['{ $.action = ”REJECT” }', 'PASTED_CHARACTER', 13, 14, ['U+201D RIGHT DOUBLE QUOTATION MARK']],
    ['"ERROR”', 'PASTED_CHARACTER', 6, 7, ['U+201D', 'character 7']],
    ['ERROR –ARGUMENTS', 'PASTED_CHARACTER', 6, 7, ['U+2013 EN DASH', 'hyphen-minus -']],
    ['ERROR —ARGUMENTS', 'PASTED_CHARACTER', 6, 7, ['U+2014 EM DASH']],
    [
      '[…, action = REJECT, status]',
      'PASTED_CHARACTER',
      1,
      2,
      ['U+2026 HORIZONTAL ELLIPSIS', 'three dots ...'],
    ],
    ['ERROR\u200b', 'PASTED_CHARACTER', 5, 6, ['U+200B ZERO WIDTH SPACE', 'invisible']],
    ['"ERR\u200bOR"', 'PASTED_CHARACTER', 4, 5, ['U+200B']], // invisible: refused inside quotes too
    ['%ERROR–%', 'PASTED_CHARACTER', 6, 7, ['U+2013']],
    ['1. ?ERROR ?WARN', 'PASTED_LIST_MARKER', 0, 2, ['"1."']],
    ['  2) [..., action = REJECT, status]', 'PASTED_LIST_MARKER', 2, 4, ['"2)"']],
    ['• ERROR', 'PASTED_LIST_MARKER', 0, 1, ['bullet']],
    // the emoji is two UTF-16 units: the quote is at offset 3 but is the 3rd character a person counts
    ['😀 “x”', 'PASTED_CHARACTER', 3, 4, ['character 3']],
  ];
  for (const [pattern, code, start, end, words] of REFUSED) {
    it(`refuses ${JSON.stringify(pattern)}`, () => {
      const e = thrown(() => parsePattern(pattern));
      expect(e).toMatchObject({ code, start, end });
      for (const w of words) expect(`${e['message']} ${e['hint']}`).toContain(w);
    });
  }

  it('reads a non-breaking space as a space, between terms and inside quotes', () => {
    const event = '[ERROR 500] INTERNAL SERVER ERROR';
    expect(compileMatcher(parsePattern('ERROR\u00a0SERVER'))(event)).toBeDefined();
    expect(compileMatcher(parsePattern('"INTERNAL\u00a0SERVER\u202fERROR"'))(event)).toBeDefined();
    const p = '[...,\u00a0action\u00a0=\u00a0REJECT,\u00a0status]';
    expect(compileMatcher(parsePattern(p))('2 1 eni-1 a b 1 22 6 1 40 1 2 REJECT OK')).toBeDefined();
  });

  it('keeps typographic quotes inside straight quotes: they are the user’s data', () => {
    expect(compileMatcher(parsePattern('"it’s"'))('today it’s down')).toBeDefined();
  });
});

describe('Logs Insights', () => {
  it('refuses curly quotes, naming them', () => {
    const e = thrown(() => parseQuery('filter action = “REJECT”'));
    expect(e).toMatchObject({ code: 'PASTED_CHARACTER', start: 16, end: 17 });
    expect(e['message']).toContain('U+201C LEFT DOUBLE QUOTATION MARK');
  });
  it('refuses a pasted closing quote rather than "unterminated string"', () => {
    expect(thrown(() => parseQuery('filter action = "REJECT”'))).toMatchObject({
      code: 'PASTED_CHARACTER',
      start: 23,
      end: 24,
    });
  });
  it('refuses a list number at the start', () => {
    expect(thrown(() => parseQuery('1. fields @timestamp | limit 5'))).toMatchObject({
      code: 'PASTED_LIST_MARKER',
      start: 0,
      end: 2,
    });
  });
  it('reads NBSP as a space and keeps curly quotes inside strings and comments', () => {
    expect(parseQuery('filter\u00a0action\u00a0=\u00a0"REJECT"').commands).toHaveLength(1);
    expect(parseQuery('# it’s the rejected ones\nfilter @message like "it’s"').commands).toHaveLength(1);
  });
});

describe('Athena', () => {
  it('refuses curly single quotes around a string', () => {
    const e = thrown(() => parseStatement('SELECT * FROM flows WHERE action = ‘REJECT’'));
    expect(e).toMatchObject({ code: 'PASTED_CHARACTER', start: 35, end: 36 });
    expect(`${e['message']} ${e['hint']}`).toContain("straight quote '");
  });
  it('refuses an en dash', () => {
    expect(thrown(() => parseStatement('SELECT 5 – 3'))).toMatchObject({
      code: 'PASTED_CHARACTER',
      start: 9,
      end: 10,
    });
  });
  it('refuses a list number at the start of a statement', () => {
    expect(thrown(() => parseStatement('1. SHOW TABLES'))).toMatchObject({
      code: 'PASTED_LIST_MARKER',
      start: 0,
      end: 2,
    });
  });
  it('accepts NBSP between words and typographic text in comments and strings', () => {
    expect(() => parseStatement('SHOW\u00a0TABLES')).not.toThrow();
    expect(() => parseStatement("SELECT 'it’s' -- it’s fine")).not.toThrow();
  });
});

describe('alarm rules', () => {
  it('refuses curly quotes around an alarm name', () => {
    expect(thrown(() => parseAlarmRule('ALARM(“HighCPU”)'))).toMatchObject({
      code: 'PASTED_CHARACTER',
      start: 6,
      end: 7,
    });
  });
});

describe('SQL (flowwatch sql, /api/sql)', () => {
  it('finds a typographic quote or dash outside strings, names and comments', () => {
    // “ is at offset 42: "SELECT count(*) FROM flows WHERE action = " is 42 characters.
    expect(findPastedSql('SELECT count(*) FROM flows WHERE action = “REJECT”')).toMatchObject({
      code: 'PASTED_CHARACTER',
      start: 42,
      end: 43,
      // SQL's straight " quotes a name: the value "REJECT" would be an unknown column, so the hint says '.
      hint: "replace it with a straight quote: in SQL a text value takes single quotes (e.g. 'REJECT'), a column name double quotes",
    });
    expect(findPastedSql('SELECT 1 FROM flows WHERE srcaddr = ‘10.0.1.5’')?.hint).toBe(
      "replace it with a straight quote '",
    );
    // An em dash where a comment's -- was meant: offset 9.
    expect(findPastedSql('SELECT 1 — the answer')).toMatchObject({ start: 9, end: 10 });
  });
  it('leaves the user data inside quotes and comments alone, but not invisible characters', () => {
    expect(findPastedSql('SELECT \'it’s “x”\' AS "“name”" -- “c”\n/* — */ FROM flows')).toBeUndefined();
    expect(findPastedSql("SELECT 'a''b' = 'c\u200bd'")).toMatchObject({ start: 18, end: 19 }); // after "SELECT 'a''b' = 'c"
  });
});

describe('caret under multibyte and wide text', () => {
  it('counts display columns, not UTF-16 units', () => {
    expect(displayWidth('日本 x')).toBe(6);
    expect(displayWidth('e\u0301')).toBe(1); // a combining accent takes no column
    expect(displayWidth('😀')).toBe(2);
  });
  it('places the caret under the character the span names', () => {
    // 日本 take two columns each: the x at offset 3 is at column 5 (after 2 + 2 + 1).
    expect(caretLine('日本 x', 3, 4)).toBe('  日本 x\n       ^');
    // é written as e + combining accent: the x at offset 3 is at column 2.
    expect(caretLine('e\u0301 x', 3, 4)).toBe('  e\u0301 x\n    ^');
    // the emoji is two UTF-16 units and two columns; the quote at offset 3 sits at column 3
    expect(caretLine('😀 “x”', 3, 4)).toBe('  😀 “x”\n     ^');
    // a span over a wide character is two carets wide
    expect(caretLine('a日b', 1, 2)).toBe('  a日b\n   ^^');
    // a tab is shown as one space so the caret stays in line
    expect(caretLine('a\tb', 2, 3)).toBe('  a b\n    ^');
  });
  it('shows the line of a multi-line text that holds the span', () => {
    expect(caretLine('fields a\n| filter 日 = “x”', 20, 21)).toBe('  | filter 日 = “x”\n              ^');
  });
});

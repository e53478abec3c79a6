// Fuzz/property suite over every lexer and parser of user text (issue 19 item 11): on any input each one
// ends in bounded time, every lexer step consumes input (tokens are non-empty, ordered and inside the
// text), and the only errors are typed user errors with spans inside the text.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tokenize as athenaTokenize, splitStatements } from '../../src/athena/lexer.js';
import { parseStatement } from '../../src/athena/parser.js';
import { PositionedError, UserError } from '../../src/core/errors.js';
import { LexerStuckError, progressGuard } from '../../src/core/progress.js';
import { parseTime } from '../../src/core/time.js';
import { compileLineMatcher, compileMatcher, lex, parsePattern } from '../../src/filter/index.js';
import { compileRegex, RegexSyntaxError } from '../../src/filter/regex.js';
import { analyze, parseQuery } from '../../src/insights/index.js';
import { tokenize as insightsTokenize } from '../../src/insights/lexer.js';
import { lexAlarmRule } from '../../src/metrics/alarms/rule-lexer.js';
import { parseAlarmRule } from '../../src/metrics/alarms/rule-parser.js';
import { DEFAULT, detectHeader, parseFormat } from '../../src/records/format.js';
import { parseLine } from '../../src/records/parse-line.js';
import { parseKey } from '../../src/records/s3-key.js';

/** Characters every language gives a meaning to, plus pasted-text and Unicode trouble makers. */
const SPECIAL = [...'[]{}()"\'`%$.,=!<>&|?-*/\\#;:@^+~ \t\n\r'];
const PASTED = [
  '\u201c',
  '\u201d',
  '\u2018',
  '\u2019',
  '\u00a0',
  '\u2013',
  '\u2014',
  '\u200b',
  '\u2022',
  '\u2026',
  '\ufeff',
];
const WIDE = ['日', '本', '😀', '\ud800', '\udc00', 'é', '\u0301'];
const WORDS = [
  'ERROR',
  'REJECT',
  'IS',
  'NULL',
  'NOT',
  'EXISTS',
  'TRUE',
  '...',
  '$.a',
  '$.a[0]',
  'filter',
  'stats',
  'fields',
  'sort',
  'limit',
  'parse',
  'by',
  'as',
  'and',
  'or',
  'like',
  'in',
  'count(*)',
  'bin(5m)',
  'SELECT',
  'FROM',
  'WHERE',
  'CREATE',
  'EXTERNAL',
  'TABLE',
  'PARTITIONED',
  'ALARM',
  'OK',
  'INSUFFICIENT_DATA',
  'TRUE',
  'FALSE',
  '${srcaddr}',
  '${',
  'version',
  '22',
  '1e3',
  '-1',
  '10.0.*',
  '%a*b%',
  '/x/',
  '--',
  '/*',
  '*/',
];

const piece = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...SPECIAL) },
  { weight: 3, arbitrary: fc.constantFrom(...WORDS) },
  { weight: 2, arbitrary: fc.constantFrom(...PASTED, ...WIDE) },
  { weight: 2, arbitrary: fc.string({ maxLength: 3 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 2 }) },
);
/** Text built from pieces, sometimes opened like a filter pattern of each family. */
const textArb = fc
  .tuple(fc.constantFrom('', '', '[', '{', '%', '?', '{ $.'), fc.array(piece, { maxLength: 40 }))
  .map(([lead, ps]) => lead + ps.join(''));

const RUNS = { numRuns: 2500, seed: 1911 };
/** A generous bound per call: every input here is at most a few hundred characters. */
const BOUND_MS = 1000;

/** Runs `f`, checking time and that it throws nothing but a typed user error (or the allowed extra class). */
function typedOrValue<T>(
  text: string,
  f: () => T,
  allowed: (e: unknown) => boolean = () => false,
): T | undefined {
  const t0 = performance.now();
  try {
    return f();
  } catch (e) {
    if (e instanceof LexerStuckError) throw e; // a flowwatch bug: fail loudly
    if (!(e instanceof UserError) && !allowed(e)) throw e;
    if (e instanceof PositionedError || (typeof e === 'object' && e !== null && 'start' in e && 'end' in e)) {
      const { start, end } = e as { start: number; end: number };
      expect(start).toBeGreaterThanOrEqual(0);
      expect(end).toBeGreaterThanOrEqual(start);
      expect(end).toBeLessThanOrEqual(text.length + 1);
    }
    return undefined;
  } finally {
    expect(performance.now() - t0).toBeLessThan(BOUND_MS);
  }
}

/** Tokens consume input: each non-final token is non-empty, starts at or after the previous one's end. */
function checkProgress(
  text: string,
  spans: readonly { start: number; end: number }[],
  lastIsEof: boolean,
): void {
  let at = 0;
  spans.forEach((s, k) => {
    const eof = lastIsEof && k === spans.length - 1;
    expect(s.start).toBeGreaterThanOrEqual(at);
    if (eof) expect([s.start, s.end]).toEqual([text.length, text.length]);
    else expect(s.end).toBeGreaterThan(s.start);
    expect(s.end).toBeLessThanOrEqual(text.length);
    at = s.end;
  });
}

describe('progress guard', () => {
  it('throws LexerStuckError when a step consumed nothing', () => {
    const step = progressGuard('test lexer');
    step(0);
    step(3);
    expect(() => step(3)).toThrow(LexerStuckError);
  });
});

describe('filter patterns', () => {
  it('the three lexer modes: progress, typed errors', () => {
    fc.assert(
      fc.property(textArb, (text) => {
        for (const mode of ['terms', 'delimited', 'json'] as const) {
          const tokens = typedOrValue(text, () => lex(text, mode));
          if (tokens) checkProgress(text, tokens, true);
        }
      }),
      RUNS,
    );
  });

  it('parser and both matchers: typed errors, bounded time', () => {
    const event =
      '2 123456789010 eni-1 10.0.1.5 10.0.2.77 443 51000 6 25 30000 1716200000 1716200060 ACCEPT OK';
    fc.assert(
      fc.property(textArb, (text) => {
        const p = typedOrValue(text, () => parsePattern(text));
        if (!p) return;
        typedOrValue(text, () => compileMatcher(p)(event));
        typedOrValue(text, () => compileMatcher(p)(`{"a":[1,"x"],"b":null,"c":"${text.slice(0, 20)}"}`));
        typedOrValue(text, () => compileLineMatcher(p)(Buffer.from(event), 0, event.length));
      }),
      RUNS,
    );
  });

  it('the regex engine: only RegexSyntaxError, linear on a long text', () => {
    const long = `${'a'.repeat(5000)}日😀 `;
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 20 }), (ps) => {
        const src = ps.join('');
        const re = typedOrValue(
          src,
          () => compileRegex(src),
          (e) => e instanceof RegexSyntaxError,
        );
        if (re) typedOrValue(src, () => re.test(long));
      }),
      { numRuns: 1500, seed: 1912 },
    );
  });
});

describe('Logs Insights', () => {
  it('lexer progress, parser and analysis errors typed', () => {
    fc.assert(
      fc.property(textArb, (text) => {
        const tokens = typedOrValue(text, () => insightsTokenize(text));
        if (tokens)
          checkProgress(
            text,
            tokens.map((t) => t.span),
            true,
          );
        const q = typedOrValue(text, () => parseQuery(text));
        if (q) typedOrValue(text, () => analyze(q, 1_716_200_000));
      }),
      RUNS,
    );
  });
});

describe('Athena', () => {
  it('lexer progress, statement splitter and parser errors typed', () => {
    fc.assert(
      fc.property(textArb, (text) => {
        const tokens = typedOrValue(text, () => athenaTokenize(text));
        if (tokens) checkProgress(text, tokens, false);
        const parts = typedOrValue(text, () => splitStatements(text));
        for (const s of parts ?? []) typedOrValue(s.text, () => parseStatement(s.text));
      }),
      RUNS,
    );
  });
});

describe('alarm rules', () => {
  it('lexer progress and parser errors typed', () => {
    fc.assert(
      fc.property(textArb, (text) => {
        const tokens = typedOrValue(text, () => lexAlarmRule(text));
        if (tokens)
          checkProgress(
            text,
            tokens.map((t) => t.span),
            true,
          );
        typedOrValue(text, () => parseAlarmRule(text));
      }),
      RUNS,
    );
  });
});

describe('flow log formats, header lines, records, S3 keys and times', () => {
  it('typed errors and bounded time', () => {
    fc.assert(
      fc.property(textArb, (text) => {
        typedOrValue(text, () => parseFormat(text));
        typedOrValue(text, () => parseFormat(`\${version} ${text}`));
        typedOrValue(text, () => detectHeader(text));
        typedOrValue(text, () => parseLine(text, DEFAULT));
        typedOrValue(text, () => parseKey(text));
        typedOrValue(text, () => parseTime(text, '--since', 1_716_200_000));
      }),
      RUNS,
    );
  });
});

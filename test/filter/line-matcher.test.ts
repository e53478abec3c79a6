// The Buffer line matcher gives exactly what the string matcher gives, on the case table and on generated input.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileLineMatcher, compileMatcher, parsePattern } from '../../src/filter/index.js';
import { CASES, LINES } from './cases.js';

/** Both matchers on one line, the line matcher seeing it in the middle of a larger buffer. */
function both(pattern: string, line: Buffer) {
  const p = parsePattern(pattern);
  const buf = Buffer.concat([Buffer.from('x y z\n'), line, Buffer.from('\na b c')]);
  return {
    bytes: compileLineMatcher(p)(buf, 6, 6 + line.length),
    text: compileMatcher(p)(line.toString('utf8')),
  };
}

describe('compileLineMatcher', () => {
  it('matches the case table exactly as the string matcher, lines expected by the table', () => {
    for (const c of CASES) {
      const matched: number[] = [];
      LINES.forEach((l, i) => {
        const r = both(c.pattern, Buffer.from(l));
        expect(r.bytes, `${c.pattern} on line ${i}`).toEqual(r.text);
        if (r.bytes) matched.push(i);
      });
      expect(matched, c.pattern).toEqual(c.matches);
    }
  });

  it('agrees with the string matcher on generated patterns and lines (quotes, brackets, UTF-8, bad bytes)', () => {
    const token = fc.oneof(
      fc.constantFrom(
        '22',
        '6',
        '-',
        'REJECT',
        'ACCEPT',
        '007',
        '+5',
        '1.5e3',
        '10.0.0.1',
        'é',
        '"a b"',
        '[x y]',
        '"open',
      ),
      fc.stringMatching(/^[0-9a-zA-Z.*-]{1,5}$/),
    );
    const line = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.array(token, { minLength: 1, maxLength: 8 }).map((t) => Buffer.from(t.join(' '))),
      },
      {
        weight: 1,
        arbitrary: fc.array(token, { minLength: 1, maxLength: 8 }).map((t) => Buffer.from(t.join('  '))),
      },
      {
        weight: 1,
        arbitrary: fc.uint8Array({ maxLength: 30 }).map((b) => Buffer.from(b.filter((x) => x !== 0x0a))),
      },
    );
    const value = fc.oneof(
      fc.constantFrom(
        '22',
        '6',
        'REJECT',
        '"REJECT"',
        '10.0.*',
        '*',
        '"é"',
        '"\uFFFD"',
        '%^[0-9]+$%',
        '-5',
        '1.5',
      ),
      fc.nat({ max: 70000 }).map(String),
    );
    const op = fc.constantFrom('=', '!=', '<', '<=', '>', '>=');
    const slot = (i: number) =>
      fc.oneof(
        fc.constant(`f${i}`),
        fc.constant(''),
        fc.tuple(op, value).map(([o, v]) => `f${i} ${o} ${v}`),
      );
    const pattern = fc
      .tuple(fc.integer({ min: 1, max: 7 }), fc.boolean(), fc.nat())
      .chain(([n, ellipsis, at]) =>
        fc.tuple(...Array.from({ length: n }, (_, i) => slot(i))).map((slots) => {
          const all = [...slots];
          if (ellipsis) all.splice(at % (n + 1), 0, '...');
          return `[${all.join(', ')}]`;
        }),
      )
      .filter((p) => {
        try {
          parsePattern(p);
          return true;
        } catch {
          return false; // e.g. `<` with a non-number: refused by the parser, not a matcher question
        }
      });
    fc.assert(
      fc.property(pattern, fc.array(line, { minLength: 1, maxLength: 10 }), (p, lines) => {
        for (const l of lines) {
          const r = both(p, l);
          expect(r.bytes).toEqual(r.text);
        }
      }),
      { numRuns: 500 },
    );
  });
});

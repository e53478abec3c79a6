// Why a pattern matched no line, from the lines' shape: expected messages worked out from each input by hand.

import { describe, expect, it } from 'vitest';
import { parsePattern } from '../../src/filter/index.js';
import { countLine, lineShapes, patternFitProblems } from '../../src/metrics/pattern-fit.js';

const shapesOf = (lines: string[]) => {
  const s = lineShapes();
  for (const l of lines) countLine(s, l);
  return s;
};
const V2 = '2 123456789012 eni-a 10.0.0.1 10.0.0.2 1000 22 6 1 40 1796601000 1796601030 REJECT OK';
const V5 = `${V2} vpc-1 subnet-1 i-1 2 IPv4 10.0.0.1 10.0.0.2 us-east-1 use1-az1 - - - - ingress -`; // 29 fields
const DEFAULT14 = '[v, a, e, s, d, sp, dp = 22, p, pk, b, st, en, action = REJECT, status]';

describe('patternFitProblems', () => {
  it('a 14-field pattern on 29-field lines names both counts and the way out', () => {
    const [m] = patternFitProblems(parsePattern(DEFAULT14), shapesOf([V5, V5]));
    expect(m).toContain('the pattern has 14 fields and no "..."');
    expect(m).toContain('every line has 29 fields (2 lines looked at)');
    expect(m).toContain('Name all 29 fields');
  });

  it('fits: the same pattern on 14-field lines, or with "..." on longer lines, says nothing', () => {
    expect(patternFitProblems(parsePattern(DEFAULT14), shapesOf([V2]))).toEqual([]);
    expect(patternFitProblems(parsePattern('[..., action = REJECT, status]'), shapesOf([V5]))).toEqual([]);
  });

  it('counts fields as the [...] matchers cut them: a quoted field with spaces is one field', () => {
    // `a "b c" d` is three fields to the matcher (filter-patterns spec: a quoted value is one field), so a 3-slot
    // pattern fits these lines and nothing is said; split on spaces they would be four, and wrongly refused.
    expect(patternFitProblems(parsePattern('[x, y = nope, z]'), shapesOf(['a "b c" d']))).toEqual([]);
    const [m] = patternFitProblems(parsePattern('[w, x, y, z]'), shapesOf(['a "b c" d']));
    expect(m).toContain('every line has 3 fields');
  });

  it('with "...": lines shorter than the fixed fields cannot match', () => {
    const [m] = patternFitProblems(parsePattern('[a, b, c, ..., d]'), shapesOf(['x y', 'x y z']));
    // 4 fixed fields; the lines have 2 and 3 (one each).
    expect(m).toBe(
      'the pattern needs at least 4 fields, but the lines have 2 fields (1), 3 fields (1) (2 lines looked at): no line can match',
    );
  });

  it('a JSON pattern on space-delimited lines, and a header line taken for an event', () => {
    const header =
      'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
    const out = patternFitProblems(parsePattern('{ $.action = "REJECT" }'), shapesOf([header, V2]));
    expect(out).toHaveLength(2);
    expect(out[0]).toContain('the pattern is a JSON pattern');
    expect(out[0]).toContain('no line is a JSON object (2 lines looked at)');
    expect(out[1]).toContain('line 1 is a flow log header line');
    // JSON lines: the JSON pattern fits.
    expect(
      patternFitProblems(parsePattern('{ $.action = "REJECT" }'), shapesOf(['{"action":"ACCEPT"}'])),
    ).toEqual([]);
  });
});

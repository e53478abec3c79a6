// The composite-alarm rule language (spec §4): accepted rules and their shape, errors with codes and spans,
// references to unknown alarms, and a round trip of generated rules.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AlarmRuleError,
  checkRuleReferences,
  parseAlarmRule,
  type RuleNode,
  ruleRefs,
} from '../../../src/metrics/alarms/index.js';

/** A rule back to text, fully parenthesised (for checking the tree shape). */
function show(n: RuleNode): string {
  switch (n.kind) {
    case 'const':
      return n.value ? 'TRUE' : 'FALSE';
    case 'state':
      return `${n.state}(${n.alarm.name})`;
    case 'not':
      return `NOT ${show(n.operand)}`;
    case 'and':
    case 'or':
      return `(${show(n.left)} ${n.kind.toUpperCase()} ${show(n.right)})`;
    case 'atLeast':
      return `AT_LEAST(${n.threshold.value}${n.threshold.kind === 'percent' ? '%' : ''}, ${n.negated ? 'NOT_' : ''}${n.state}, (${n.alarms.map((a) => a.name).join(', ')}))`;
    default: {
      const never: never = n;
      return never;
    }
  }
}

function fail(rule: string): { code: string; start: number; end: number } {
  try {
    parseAlarmRule(rule);
  } catch (e) {
    if (e instanceof AlarmRuleError) return { code: e.code, start: e.start, end: e.end };
    throw e;
  }
  throw new Error(`"${rule}" parsed`);
}

describe('parseAlarmRule: accepted rules', () => {
  it.each<[string, string]>([
    [
      'ALARM("vpc-rejects-high") AND NOT ALARM("maintenance-window")',
      '(ALARM(vpc-rejects-high) AND NOT ALARM(maintenance-window))',
    ],
    [
      'ALARM(CPUUtilizationTooHigh) AND ALARM(DiskReadOpsTooHigh)',
      '(ALARM(CPUUtilizationTooHigh) AND ALARM(DiskReadOpsTooHigh))',
    ],
    ['OK(a) OR INSUFFICIENT_DATA(b)', '(OK(a) OR INSUFFICIENT_DATA(b))'],
    ['TRUE', 'TRUE'],
    ['FALSE', 'FALSE'],
    ['ALARM(a) OR ALARM(b) AND ALARM(c)', '(ALARM(a) OR (ALARM(b) AND ALARM(c)))'], // AND binds tighter
    ['(ALARM(a) OR ALARM(b)) AND ALARM(c)', '((ALARM(a) OR ALARM(b)) AND ALARM(c))'],
    ['NOT NOT OK(a)', 'NOT NOT OK(a)'],
    ['NOT (ALARM(a) OR ALARM(b))', 'NOT (ALARM(a) OR ALARM(b))'],
    ['ALARM(a) OR ALARM(b) OR ALARM(c)', '((ALARM(a) OR ALARM(b)) OR ALARM(c))'],
    ['ALARM("name with spaces")', 'ALARM(name with spaces)'],
    ['ALARM(arn:aws:cloudwatch:eu-west-1:111122223333:alarm:cpu-high)', 'ALARM(cpu-high)'],
    ['AT_LEAST(2, ALARM, (a, b, c))', 'AT_LEAST(2, ALARM, (a, b, c))'],
    ['AT_LEAST(50%, NOT_OK, ("a", b))', 'AT_LEAST(50%, NOT_OK, (a, b))'],
    ['  ALARM( a )  ', 'ALARM(a)'],
  ])('%s', (rule, shape) => {
    expect(show(parseAlarmRule(rule))).toBe(shape);
  });

  it('keeps the span of names (inside the quotes) and of nodes', () => {
    const rule = 'ALARM("ab") AND OK(cd)';
    const n = parseAlarmRule(rule);
    expect(n.span).toEqual({ start: 0, end: rule.length });
    expect(ruleRefs(n).map((r) => [r.name, rule.slice(r.span.start, r.span.end)])).toEqual([
      ['ab', 'ab'],
      ['cd', 'cd'],
    ]);
  });
});

describe('parseAlarmRule: errors (code and span)', () => {
  it.each<[string, string, number, number]>([
    ['', 'RULE_EMPTY', 0, 0],
    ['   ', 'RULE_EMPTY', 0, 0],
    ['ALARM(a', 'RULE_EXPECTED_RPAREN', 7, 7],
    ['ALARM a', 'RULE_EXPECTED_LPAREN', 6, 7],
    ['ALARM()', 'RULE_EXPECTED_NAME', 6, 7],
    ['ALARM("")', 'RULE_EXPECTED_NAME', 6, 8],
    ['ALARM("a', 'RULE_UNCLOSED_STRING', 6, 8],
    ['ALARM(a b)', 'RULE_EXPECTED_RPAREN', 8, 9],
    ['ALARM(a) ALARM(b)', 'RULE_EXPECTED_OPERATOR', 9, 14],
    ['ALARM(a) and ALARM(b)', 'RULE_EXPECTED_OPERATOR', 9, 12],
    ['ALARM(a) AND', 'RULE_EXPECTED_EXPRESSION', 12, 12],
    ['ALARMS(a)', 'RULE_UNKNOWN_FUNCTION', 0, 6],
    ['alarm(a)', 'RULE_UNKNOWN_FUNCTION', 0, 5],
    ['cpu-high', 'RULE_EXPECTED_EXPRESSION', 0, 8],
    ['(ALARM(a)', 'RULE_EXPECTED_RPAREN', 9, 9],
    ['ALARM(a))', 'RULE_EXPECTED_OPERATOR', 8, 9],
    [')', 'RULE_EXPECTED_EXPRESSION', 0, 1],
    ['NOT', 'RULE_EXPECTED_EXPRESSION', 3, 3],
    ['AT_LEAST(x, ALARM, (a))', 'RULE_BAD_THRESHOLD', 9, 10],
    ['AT_LEAST(3, ALARM, (a, b))', 'RULE_BAD_THRESHOLD', 9, 10],
    ['AT_LEAST(0, ALARM, (a))', 'RULE_BAD_THRESHOLD', 9, 10],
    ['AT_LEAST(101%, ALARM, (a))', 'RULE_BAD_THRESHOLD', 9, 13],
    ['AT_LEAST(1, ALARMED, (a))', 'RULE_BAD_STATE', 12, 19],
    ['AT_LEAST(1 ALARM, (a))', 'RULE_EXPECTED_COMMA', 11, 16],
    ['AT_LEAST(1, ALARM, a)', 'RULE_EXPECTED_LPAREN', 19, 20],
  ])('%j ⇒ %s at %i–%i', (rule, code, start, end) => {
    expect(fail(rule)).toEqual({ code, start, end });
  });

  it('refuses rules longer than 10,240 characters', () => {
    expect(fail(`ALARM(${'a'.repeat(10_240)})`).code).toBe('RULE_TOO_LONG');
  });

  it('refuses more than 100 distinct children', () => {
    const rule = Array.from({ length: 101 }, (_, i) => `ALARM(a${i})`).join(' OR ');
    expect(fail(rule)).toMatchObject({ code: 'RULE_TOO_MANY_CHILDREN', start: rule.indexOf('a100') });
  });

  it('refuses more than 500 elements', () => {
    const rule = Array.from({ length: 260 }, () => 'TRUE').join(' OR ');
    expect(fail(rule).code).toBe('RULE_TOO_MANY_ELEMENTS');
  });

  it('suggests upper-case keywords', () => {
    expect(() => parseAlarmRule('alarm(a)')).toThrow(
      expect.objectContaining({ hint: expect.stringContaining('ALARM') }),
    );
    expect(() => parseAlarmRule('ALARM(a) or OK(b)')).toThrow(
      expect.objectContaining({ hint: expect.stringContaining('OR') }),
    );
  });
});

describe('checkRuleReferences', () => {
  const known = new Set(['vpc-rejects-high', 'maintenance-window']);
  it('accepts known names and ARNs of known names', () => {
    const rule = parseAlarmRule(
      'ALARM("vpc-rejects-high") AND NOT ALARM(arn:aws:cloudwatch:local:000000000000:alarm:maintenance-window)',
    );
    expect(checkRuleReferences(rule, known)).toEqual([]);
  });

  it('reports each unknown name with its span and a did-you-mean', () => {
    const text = 'ALARM("vpc-reject-high") OR OK(nothing-like-it)';
    const errors = checkRuleReferences(parseAlarmRule(text), known);
    expect(errors.map((e) => [e.code, text.slice(e.start, e.end), e.hint])).toEqual([
      ['RULE_UNKNOWN_ALARM', 'vpc-reject-high', 'did you mean "vpc-rejects-high"?'],
      ['RULE_UNKNOWN_ALARM', 'nothing-like-it', 'define the alarm, or fix the name'],
    ]);
  });

  it('reports a composite alarm naming itself', () => {
    const errors = checkRuleReferences(parseAlarmRule('ALARM(me)'), new Set(['me']), 'me');
    expect(errors.map((e) => e.code)).toEqual(['RULE_SELF_REFERENCE']);
  });
});

describe('property: printed rules parse back to the same tree', () => {
  const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
  const rule: fc.Arbitrary<string> = fc.letrec<{ r: string }>((tie) => ({
    r: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom('TRUE', 'FALSE'),
      fc
        .tuple(fc.constantFrom('ALARM', 'OK', 'INSUFFICIENT_DATA'), name, fc.boolean())
        .map(([f, n, q]) => `${f}(${q ? `"${n}"` : n})`),
      tie('r').map((r) => `NOT ${r}`),
      fc.tuple(tie('r'), fc.constantFrom('AND', 'OR'), tie('r')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    ),
  })).r;
  it('show(parse(show(parse(r)))) = show(parse(r))', () => {
    fc.assert(
      fc.property(rule, (r) => {
        const once = show(parseAlarmRule(r));
        expect(show(parseAlarmRule(once))).toBe(once);
      }),
    );
  });
});

// Composite-alarm rule lexer: rule text → tokens with spans (words, double-quoted strings, parentheses, commas).

import { PositionedError } from '../../core/errors.js';
import { findPasted, normalizeSpaces } from '../../core/pasted-text.js';
import { progressGuard } from '../../core/progress.js';
import type { Span } from './rule-ast.js';

/**
 * A composite-alarm rule that CloudWatch would refuse, or that names an alarm that does not exist.
 *
 * @example
 * try { parseAlarmRule('ALARM(a') } catch (e) { if (e instanceof AlarmRuleError) [e.code, e.start] } // ['RULE_EXPECTED_RPAREN', 7]
 */
export class AlarmRuleError extends PositionedError {}

/** Kinds of token. A `word` is a bare run of characters: a keyword, a function name, a number or a name. */
export type RuleTokenKind = 'word' | 'string' | 'lparen' | 'rparen' | 'comma' | 'eof';

/** One token; `value` is the text without quotes. */
export interface RuleToken {
  readonly kind: RuleTokenKind;
  readonly value: string;
  readonly span: Span;
}

const STOP = /[\s(),"]/;

/**
 * Splits a rule into tokens. Throws AlarmRuleError `RULE_UNCLOSED_STRING` for a `"` without its closing `"`.
 *
 * @example lexAlarmRule('ALARM("a b")').map(t => t.kind) // ['word', 'lparen', 'string', 'rparen', 'eof']
 */
export function lexAlarmRule(source: string): RuleToken[] {
  const text = normalizeSpaces(source);
  const out: RuleToken[] = [];
  let i = 0;
  const step = progressGuard('alarm-rule lexer');
  while (i < text.length) {
    step(i);
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === '(' || c === ')' || c === ',') {
      out.push({
        kind: c === '(' ? 'lparen' : c === ')' ? 'rparen' : 'comma',
        value: c,
        span: { start, end: i + 1 },
      });
      i++;
      continue;
    }
    if (c === '"') {
      const close = text.indexOf('"', i + 1);
      if (close < 0) {
        const pasted = findPasted(text, i + 1);
        if (pasted) throw new AlarmRuleError(pasted.code, pasted.message, pasted, pasted.hint);
        throw new AlarmRuleError(
          'RULE_UNCLOSED_STRING',
          'this quoted alarm name has no closing "',
          { start, end: text.length },
          'close the name with "',
        );
      }
      out.push({ kind: 'string', value: text.slice(i + 1, close), span: { start, end: close + 1 } });
      i = close + 1;
      continue;
    }
    while (i < text.length && !STOP.test(text[i]!)) i++;
    out.push({ kind: 'word', value: text.slice(start, i), span: { start, end: i } });
  }
  for (const t of out) {
    const fault = findPasted(text, t.span.start, t.span.end, t.kind === 'string');
    if (fault) throw new AlarmRuleError(fault.code, fault.message, fault, fault.hint);
  }
  out.push({ kind: 'eof', value: '', span: { start: text.length, end: text.length } });
  return out;
}

// Composite-alarm rule parser (spec §4): tokens → AST, with the limits PutCompositeAlarm enforces, and the check
// that every child alarm a rule names exists.

import type { AlarmState } from './definition.js';
import { closest, editDistance } from './names.js';
import { type AlarmRef, type AtLeastNode, type RuleNode, ruleRefs, type Span } from './rule-ast.js';
import { AlarmRuleError, lexAlarmRule, type RuleToken } from './rule-lexer.js';

/** AlarmRule length limit (characters). */
export const MAX_RULE_LENGTH = 10_240;
/** At most this many distinct child alarms per rule. */
export const MAX_RULE_CHILDREN = 100;
/** At most this many rule elements (functions, constants, operators). */
export const MAX_RULE_ELEMENTS = 500;

const STATE_FUNCTIONS: Record<string, AlarmState> = {
  ALARM: 'ALARM',
  OK: 'OK',
  INSUFFICIENT_DATA: 'INSUFFICIENT_DATA',
};
const KEYWORDS = ['AND', 'OR', 'NOT', 'TRUE', 'FALSE', 'AT_LEAST', ...Object.keys(STATE_FUNCTIONS)];
const CONDITIONS = ['ALARM', 'OK', 'INSUFFICIENT_DATA', 'NOT_ALARM', 'NOT_OK', 'NOT_INSUFFICIENT_DATA'];

/**
 * The alarm name an ARN (`arn:aws:cloudwatch:region:account:alarm:name`) or a plain name refers to.
 *
 * @example alarmNameOf('arn:aws:cloudwatch:eu-west-1:111122223333:alarm:cpu-high') // 'cpu-high'
 */
export function alarmNameOf(ref: string): string {
  const m = /^arn:[^:]+:cloudwatch:[^:]*:[^:]*:alarm:(.+)$/.exec(ref);
  return m ? m[1]! : ref;
}

class Parser {
  private pos = 0;
  private elements = 0;
  constructor(
    private readonly tokens: readonly RuleToken[],
    private readonly text: string,
  ) {}

  private cur(): RuleToken {
    return this.tokens[this.pos]!;
  }

  private next(): RuleToken {
    const t = this.tokens[this.pos]!;
    if (t.kind !== 'eof') this.pos++;
    return t;
  }

  private count(span: Span): void {
    this.elements++;
    if (this.elements > MAX_RULE_ELEMENTS) {
      throw new AlarmRuleError(
        'RULE_TOO_MANY_ELEMENTS',
        `an alarm rule has at most ${MAX_RULE_ELEMENTS} elements`,
        span,
        'split the rule over several composite alarms',
      );
    }
  }

  private isWord(value: string): boolean {
    const t = this.cur();
    return t.kind === 'word' && t.value === value;
  }

  private expect(kind: RuleToken['kind'], what: string, code: string): RuleToken {
    const t = this.cur();
    if (t.kind !== kind) throw this.unexpected(code, `expected ${what}`);
    return this.next();
  }

  private unexpected(code: string, expected: string, hint?: string): AlarmRuleError {
    const t = this.cur();
    const found = t.kind === 'eof' ? 'the end of the rule' : `"${this.text.slice(t.span.start, t.span.end)}"`;
    const span = t.kind === 'eof' ? { start: t.span.start, end: t.span.start } : t.span;
    return new AlarmRuleError(code, `${expected}, found ${found}`, span, hint);
  }

  parse(): RuleNode {
    if (this.cur().kind === 'eof') {
      throw new AlarmRuleError(
        'RULE_EMPTY',
        'the alarm rule is empty',
        { start: 0, end: 0 },
        'e.g. ALARM("a") OR ALARM("b")',
      );
    }
    const node = this.or();
    if (this.cur().kind !== 'eof') {
      const t = this.cur();
      const upper = t.kind === 'word' ? t.value.toUpperCase() : '';
      throw this.unexpected(
        'RULE_EXPECTED_OPERATOR',
        'expected AND, OR or the end of the rule',
        upper === 'AND' || upper === 'OR'
          ? `operators are upper case: ${upper}`
          : 'join conditions with AND or OR',
      );
    }
    return node;
  }

  private or(): RuleNode {
    let left = this.and();
    while (this.isWord('OR')) {
      this.count(this.next().span);
      const right = this.and();
      left = { kind: 'or', left, right, span: { start: left.span.start, end: right.span.end } };
    }
    return left;
  }

  private and(): RuleNode {
    let left = this.unary();
    while (this.isWord('AND')) {
      this.count(this.next().span);
      const right = this.unary();
      left = { kind: 'and', left, right, span: { start: left.span.start, end: right.span.end } };
    }
    return left;
  }

  private unary(): RuleNode {
    if (this.isWord('NOT')) {
      const not = this.next();
      this.count(not.span);
      const operand = this.unary();
      return { kind: 'not', operand, span: { start: not.span.start, end: operand.span.end } };
    }
    return this.primary();
  }

  private primary(): RuleNode {
    const t = this.cur();
    if (t.kind === 'lparen') {
      this.next();
      const inner = this.or();
      const close = this.expect('rparen', ') to close (', 'RULE_EXPECTED_RPAREN');
      return { ...inner, span: { start: t.span.start, end: close.span.end } };
    }
    if (t.kind !== 'word') {
      throw this.unexpected(
        'RULE_EXPECTED_EXPRESSION',
        'expected ALARM(name), OK(name), INSUFFICIENT_DATA(name), AT_LEAST(...), TRUE, FALSE, NOT or (',
      );
    }
    if (t.value === 'TRUE' || t.value === 'FALSE') {
      this.next();
      this.count(t.span);
      return { kind: 'const', value: t.value === 'TRUE', span: t.span };
    }
    const state = STATE_FUNCTIONS[t.value];
    if (state !== undefined) {
      this.next();
      this.count(t.span);
      this.expect('lparen', `( after ${t.value}`, 'RULE_EXPECTED_LPAREN');
      const alarm = this.name();
      const close = this.expect('rparen', `) after the alarm name`, 'RULE_EXPECTED_RPAREN');
      return { kind: 'state', state, alarm, span: { start: t.span.start, end: close.span.end } };
    }
    if (t.value === 'AT_LEAST') return this.atLeast();
    const upper = t.value.toUpperCase();
    const close = KEYWORDS.find((k) => k === upper) ?? KEYWORDS.find((k) => editDistance(k, upper) <= 2);
    const followedByParen = this.tokens[this.pos + 1]?.kind === 'lparen';
    throw new AlarmRuleError(
      followedByParen ? 'RULE_UNKNOWN_FUNCTION' : 'RULE_EXPECTED_EXPRESSION',
      followedByParen
        ? `unknown function "${t.value}"`
        : `expected ALARM(name), OK(name), INSUFFICIENT_DATA(name), AT_LEAST(...), TRUE, FALSE, NOT or (, found "${t.value}"`,
      t.span,
      close !== undefined
        ? `did you mean ${close}? (keywords and functions are upper case)`
        : followedByParen
          ? 'functions: ALARM, OK, INSUFFICIENT_DATA, AT_LEAST'
          : 'an alarm name goes inside a function, e.g. ALARM("name")',
    );
  }

  private name(): AlarmRef {
    const t = this.cur();
    if (t.kind !== 'word' && t.kind !== 'string') {
      throw this.unexpected('RULE_EXPECTED_NAME', 'expected an alarm name or ARN');
    }
    this.next();
    if (t.value.trim().length === 0) {
      throw new AlarmRuleError('RULE_EXPECTED_NAME', 'the alarm name is empty', t.span);
    }
    const span =
      t.kind === 'string'
        ? { start: t.span.start + 1, end: t.span.end - 1 }
        : { start: t.span.start, end: t.span.end };
    if (t.kind === 'word' && this.cur().kind === 'word') {
      const last = this.cur();
      throw new AlarmRuleError(
        'RULE_EXPECTED_RPAREN',
        `expected ) after the alarm name, found "${last.value}"`,
        last.span,
        `quote a name that contains spaces: "${this.text.slice(t.span.start, last.span.end)}"`,
      );
    }
    return { name: alarmNameOf(t.value), ref: t.value, span };
  }

  private atLeast(): AtLeastNode {
    const head = this.next();
    this.count(head.span);
    this.expect('lparen', '( after AT_LEAST', 'RULE_EXPECTED_LPAREN');
    const n = this.cur();
    const m = n.kind === 'word' ? /^(\d+)(%?)$/.exec(n.value) : null;
    if (!m) {
      throw this.unexpected('RULE_BAD_THRESHOLD', 'expected a count (e.g. 2) or a percentage (e.g. 50%)');
    }
    this.next();
    const threshold = { kind: m[2] === '%' ? ('percent' as const) : ('count' as const), value: Number(m[1]) };
    if (threshold.kind === 'percent' && threshold.value > 100) {
      throw new AlarmRuleError('RULE_BAD_THRESHOLD', 'a percentage is at most 100%', n.span);
    }
    this.expect('comma', ', after the threshold', 'RULE_EXPECTED_COMMA');
    const c = this.cur();
    if (c.kind !== 'word' || !CONDITIONS.includes(c.value)) {
      throw this.unexpected('RULE_BAD_STATE', `expected one of ${CONDITIONS.join(', ')}`);
    }
    this.next();
    const negated = c.value.startsWith('NOT_');
    const state = (negated ? c.value.slice(4) : c.value) as AlarmState;
    this.expect('comma', ', after the state', 'RULE_EXPECTED_COMMA');
    this.expect('lparen', '( before the list of alarms', 'RULE_EXPECTED_LPAREN');
    const alarms: AlarmRef[] = [this.name()];
    while (this.cur().kind === 'comma') {
      this.next();
      alarms.push(this.name());
    }
    this.expect('rparen', ') after the list of alarms', 'RULE_EXPECTED_RPAREN');
    const close = this.expect('rparen', ') to close AT_LEAST(', 'RULE_EXPECTED_RPAREN');
    if (threshold.kind === 'count' && (threshold.value < 1 || threshold.value > alarms.length)) {
      throw new AlarmRuleError(
        'RULE_BAD_THRESHOLD',
        `AT_LEAST needs a count from 1 to the number of alarms listed (${alarms.length}), found ${threshold.value}`,
        n.span,
      );
    }
    return {
      kind: 'atLeast',
      threshold,
      state,
      negated,
      alarms,
      span: { start: head.span.start, end: close.span.end },
    };
  }
}

/**
 * Parses a composite alarm's `AlarmRule`. Throws AlarmRuleError with a code and the span of the fault.
 * `AND` binds tighter than `OR`; `NOT` binds tightest. Keywords and functions are upper case.
 *
 * @example parseAlarmRule('ALARM("vpc-rejects-high") AND NOT ALARM("maintenance-window")').kind // 'and'
 */
export function parseAlarmRule(text: string): RuleNode {
  if (text.length > MAX_RULE_LENGTH) {
    throw new AlarmRuleError(
      'RULE_TOO_LONG',
      `an alarm rule is at most ${MAX_RULE_LENGTH} characters; this one has ${text.length}`,
      { start: MAX_RULE_LENGTH, end: text.length },
    );
  }
  const node = new Parser(lexAlarmRule(text), text).parse();
  const distinct = new Map<string, AlarmRef>();
  for (const r of ruleRefs(node)) if (!distinct.has(r.name)) distinct.set(r.name, r);
  if (distinct.size > MAX_RULE_CHILDREN) {
    const extra = [...distinct.values()][MAX_RULE_CHILDREN]!;
    throw new AlarmRuleError(
      'RULE_TOO_MANY_CHILDREN',
      `an alarm rule names at most ${MAX_RULE_CHILDREN} alarms; this one names ${distinct.size}`,
      extra.span,
    );
  }
  return node;
}

/**
 * The references of a rule to alarms that are not in `known` (plus a reference of a composite alarm to itself),
 * each as an AlarmRuleError `RULE_UNKNOWN_ALARM` / `RULE_SELF_REFERENCE` with its span and a did-you-mean hint.
 *
 * @example checkRuleReferences(parseAlarmRule('ALARM(cpu-hgh)'), new Set(['cpu-high']))[0]?.hint // 'did you mean "cpu-high"?'
 */
export function checkRuleReferences(
  rule: RuleNode,
  known: ReadonlySet<string>,
  self?: string,
): AlarmRuleError[] {
  const out: AlarmRuleError[] = [];
  for (const r of ruleRefs(rule)) {
    if (self !== undefined && r.name === self) {
      out.push(
        new AlarmRuleError(
          'RULE_SELF_REFERENCE',
          `composite alarm "${self}" cannot depend on itself`,
          r.span,
          'name other alarms in the rule',
        ),
      );
      continue;
    }
    if (known.has(r.name)) continue;
    const best = closest(r.name, known);
    out.push(
      new AlarmRuleError(
        'RULE_UNKNOWN_ALARM',
        `no alarm is named "${r.name}"`,
        r.span,
        best !== undefined
          ? `did you mean "${best}"?`
          : known.size > 0
            ? 'define the alarm, or fix the name'
            : 'no alarms are defined',
      ),
    );
  }
  return out;
}

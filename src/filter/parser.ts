// Filter-pattern parser: tokens → AST, refusing what CloudWatch Logs refuses (spec filter-patterns.md).

import { findListMarker, normalizeSpaces } from '../core/pasted-text.js';
import type {
  CompareOp,
  DelimitedPattern,
  JsonExpr,
  JsonPattern,
  Pattern,
  RegexValue,
  Selector,
  Slot,
  SlotComparison,
  SlotCondition,
  Term,
  TermPattern,
  Value,
} from './ast.js';
import { FilterPatternError, type Span } from './errors.js';
import { type LexMode, lex, type Token } from './lexer.js';
import { checkRegex, RegexSyntaxError } from './regex.js';

/** Longest pattern the API accepts (`filterPattern`, 0–1024 characters). */
export const MAX_PATTERN_LENGTH = 1024;
/** At most this many regexes inside one space-delimited or JSON pattern. */
export const MAX_REGEX_PER_PATTERN = 2;

/** A number as the pattern language writes it: optional sign, digits, optional fraction and exponent. */
export const NUMBER = /^[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;
const TERM_WORD = /^[A-Za-z0-9_]+$/;
const SLOT_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * Parses a CloudWatch Logs filter pattern. Throws FilterPatternError (code, 0-based span, hint).
 *
 * @example parsePattern('[v, a, i, src = 10.0.1.*, ...]').kind // 'delimited'
 * @example parsePattern('?REJECT ?NODATA') // { kind: 'terms', groups: [[REJECT], [NODATA]] }
 */
export function parsePattern(text: string): Pattern {
  if (text.length > MAX_PATTERN_LENGTH) {
    throw new FilterPatternError(
      'PATTERN_TOO_LONG',
      `the pattern has ${text.length} characters; at most ${MAX_PATTERN_LENGTH} are allowed`,
      { start: MAX_PATTERN_LENGTH, end: text.length },
    );
  }
  const marker = findListMarker(text);
  if (marker) throw new FilterPatternError(marker.code, marker.message, marker, marker.hint);
  const first = normalizeSpaces(text).trimStart()[0];
  const mode: LexMode = first === '[' ? 'delimited' : first === '{' ? 'json' : 'terms';
  const p = new Parser(lex(text, mode));
  switch (mode) {
    case 'delimited':
      return p.delimited();
    case 'json':
      return p.json();
    case 'terms':
      return p.terms();
  }
}

function describe(t: Token): string {
  return t.kind === 'eof' ? 'the end of the pattern' : `"${t.value}"`;
}

class Parser {
  private pos = 0;
  private regexCount = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)]!;
  }
  private take(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }
  private fail(code: string, expected: string, t: Token, hint?: string): never {
    throw new FilterPatternError(
      code,
      `expected ${expected} at position ${t.start}, found ${describe(t)}`,
      { start: t.start, end: t.end },
      hint,
    );
  }
  private expect(kind: Token['kind'], code: string, expected: string, hint?: string): Token {
    const t = this.peek();
    if (t.kind !== kind) this.fail(code, expected, t, hint);
    return this.take();
  }
  private regex(t: Token): RegexValue {
    this.regexCount++;
    if (this.regexCount > MAX_REGEX_PER_PATTERN) {
      throw new FilterPatternError(
        'TOO_MANY_REGEX',
        `a pattern may hold at most ${MAX_REGEX_PER_PATTERN} regexes; this is number ${this.regexCount}`,
        { start: t.start, end: t.end },
        'combine alternatives in one regex with |',
      );
    }
    return regexValue(t);
  }

  // ---- term patterns and standalone regex ----

  terms(): Pattern {
    const t0 = this.peek();
    if (t0.kind === 'eof') return { kind: 'matchAll' };
    if (t0.kind === 'regex') {
      this.take();
      const after = this.peek();
      if (after.kind !== 'eof') {
        this.fail(
          'REGEX_NOT_ALONE',
          'the end of the pattern after a regex',
          after,
          'a regex is the whole pattern, or a value inside [...] or {...}',
        );
      }
      return { kind: 'regex', regex: regexValue(t0) };
    }
    const groups: Term[][] = [];
    let current: Term[] | undefined;
    while (this.peek().kind !== 'eof') {
      const start = this.peek().start;
      const alt = this.peek().kind === 'question';
      if (alt) this.take();
      const exclude = this.peek().kind === 'minus';
      if (exclude) this.take();
      const t = this.take();
      if (t.kind === 'regex') {
        this.fail(
          'REGEX_NOT_ALONE',
          'a term',
          t,
          'a regex is the whole pattern, or a value inside [...] or {...}',
        );
      }
      if (t.kind !== 'word' && t.kind !== 'string') this.fail('EXPECTED_TERM', 'a term', t);
      if (t.kind === 'word' && !TERM_WORD.test(t.value)) {
        throw new FilterPatternError(
          'TERM_NEEDS_QUOTES',
          `the term "${t.value}" at position ${t.start} holds characters other than letters, digits and _`,
          { start: t.start, end: t.end },
          `put it in double quotes: "${t.value}"`,
        );
      }
      const term: Term = {
        text: t.value,
        exclude,
        quoted: t.kind === 'string',
        span: { start, end: t.end },
      };
      if (alt || current === undefined) {
        current = [];
        groups.push(current);
      }
      current.push(term);
    }
    const pattern: TermPattern = { kind: 'terms', groups };
    return pattern;
  }

  // ---- space-delimited patterns ----

  delimited(): DelimitedPattern {
    this.expect('lbracket', 'EXPECTED_BRACKET', '"["');
    const slots: Slot[] = [];
    const first = this.peek();
    // `[]` names no field and matches every event, extracting each field as $1, $2, ... (AWS's
    // TestMetricFilter sample "without specifying any fields"): it is `[...]`.
    if (first.kind === 'rbracket')
      slots.push({ kind: 'ellipsis', span: { start: first.start, end: first.start } });
    else
      for (;;) {
        slots.push(this.slot());
        const t = this.peek();
        if (t.kind === 'comma') {
          this.take();
          continue;
        }
        if (t.kind === 'rbracket') break;
        this.fail('EXPECTED_COMMA_OR_BRACKET', '"," or "]"', t);
      }
    this.take();
    const end = this.peek();
    if (end.kind !== 'eof') this.fail('UNEXPECTED_TOKEN', 'the end of the pattern after "]"', end);
    checkSlots(slots);
    return { kind: 'delimited', slots };
  }

  private slot(): Slot {
    const t = this.peek();
    if (t.kind === 'comma' || t.kind === 'rbracket') {
      return { kind: 'field', name: undefined, condition: undefined, span: { start: t.start, end: t.start } };
    }
    if (t.kind === 'word' && t.value === '...') {
      this.take();
      return { kind: 'ellipsis', span: { start: t.start, end: t.end } };
    }
    const name = this.slotName();
    if (this.peek().kind !== 'op') {
      return { kind: 'field', name: name.value, condition: undefined, span: { start: t.start, end: t.end } };
    }
    const first = this.comparison(name);
    const condition = this.slotOr(first);
    return { kind: 'field', name: name.value, condition, span: { start: t.start, end: this.peek(-1).end } };
  }

  private slotName(): Token {
    const t = this.peek();
    if (t.kind !== 'word') this.fail('EXPECTED_FIELD_NAME', 'a field name', t);
    if (!SLOT_NAME.test(t.value)) {
      throw new FilterPatternError(
        'BAD_FIELD_NAME',
        `"${t.value}" at position ${t.start} is not a field name (letters, digits, _ and - only)`,
        { start: t.start, end: t.end },
        t.value.includes('.')
          ? 'a field name is a label; put the value after an operator: name = value'
          : undefined,
      );
    }
    return this.take();
  }

  /** comparison := op value, the field being `name`. */
  private comparison(name: Token): SlotComparison {
    const opTok = this.expect('op', 'EXPECTED_OPERATOR', 'an operator (= != < <= > >=)');
    const op = opTok.value as CompareOp;
    const value = this.value(op);
    return {
      kind: 'compare',
      field: name.value,
      op,
      value,
      span: { start: name.start, end: value.span.end },
    };
  }

  /** or := and ( "||" and )*, with the first comparison already read. */
  private slotOr(first: SlotComparison): SlotCondition {
    let left = this.slotAnd(first);
    while (this.peek().kind === 'or') {
      this.take();
      left = { kind: 'or', left, right: this.slotAnd(this.comparison(this.slotName())) };
    }
    return left;
  }

  private slotAnd(first: SlotComparison): SlotCondition {
    let left: SlotCondition = first;
    while (this.peek().kind === 'and') {
      this.take();
      left = { kind: 'and', left, right: this.comparison(this.slotName()) };
    }
    return left;
  }

  private value(op: CompareOp): Value {
    const t = this.take();
    const span = { start: t.start, end: t.end };
    let v: Value;
    if (t.kind === 'regex') v = this.regex(t);
    else if (t.kind === 'string') v = { kind: 'string', value: t.value, quoted: true, span };
    else if (t.kind === 'word' && NUMBER.test(t.value)) {
      v = { kind: 'number', value: Number(t.value), text: t.value, span };
    } else if (t.kind === 'word') v = { kind: 'string', value: t.value, quoted: false, span };
    else this.fail('EXPECTED_VALUE', 'a value', t);
    if (op !== '=' && op !== '!=' && v.kind !== 'number') {
      throw new FilterPatternError(
        'EXPECTED_NUMBER',
        `"${op}" compares numbers, but the value at position ${t.start} is not a number`,
        span,
        'use = or != for strings, wildcards and regexes',
      );
    }
    return v;
  }

  // ---- JSON patterns ----

  json(): JsonPattern {
    this.expect('lbrace', 'EXPECTED_BRACE', '"{"');
    const expr = this.jsonOr();
    this.expect('rbrace', 'EXPECTED_CLOSING_BRACE', '"&&", "||" or "}"');
    const end = this.peek();
    if (end.kind !== 'eof') this.fail('UNEXPECTED_TOKEN', 'the end of the pattern after "}"', end);
    return { kind: 'json', expr };
  }

  private jsonOr(): JsonExpr {
    let left = this.jsonAnd();
    while (this.peek().kind === 'or') {
      this.take();
      left = { kind: 'or', left, right: this.jsonAnd() };
    }
    return left;
  }

  private jsonAnd(): JsonExpr {
    let left = this.jsonTerm();
    while (this.peek().kind === 'and') {
      this.take();
      left = { kind: 'and', left, right: this.jsonTerm() };
    }
    return left;
  }

  private jsonTerm(): JsonExpr {
    if (this.peek().kind === 'lparen') {
      this.take();
      const inner = this.jsonOr();
      this.expect('rparen', 'EXPECTED_CLOSING_PAREN', '"&&", "||" or ")"');
      return inner;
    }
    const selector = selectorOf(this.expect('selector', 'EXPECTED_SELECTOR', 'a selector such as $.field'));
    const t = this.peek();
    if (t.kind === 'op') {
      this.take();
      const op = t.value as CompareOp;
      return { kind: 'compare', selector, op, value: this.value(op) };
    }
    if (t.kind === 'word') {
      const a = t.value;
      const b = this.peek(1).kind === 'word' ? this.peek(1).value : '';
      const tests: Record<string, 'null' | 'true' | 'false' | 'notExists'> = {
        'IS NULL': 'null',
        'IS TRUE': 'true',
        'IS FALSE': 'false',
        'NOT EXISTS': 'notExists',
      };
      const test = tests[`${a} ${b}`];
      if (test) {
        this.take();
        this.take();
        return { kind: 'test', selector, test };
      }
    }
    this.fail(
      'EXPECTED_OPERATOR',
      'an operator (= != < <= > >=) or IS NULL, IS TRUE, IS FALSE, NOT EXISTS',
      t,
      t.kind === 'word' && (t.value === 'EXISTS' || t.value === 'IS')
        ? 'IS NOT and EXISTS are not supported; use NOT EXISTS or = *'
        : undefined,
    );
  }
}

function regexValue(t: Token): RegexValue {
  const span: Span = { start: t.start, end: t.end };
  try {
    checkRegex(t.value);
  } catch (err) {
    if (!(err instanceof RegexSyntaxError)) throw err;
    // The regex text starts one character after the opening %.
    const at = t.start + 1 + err.offset;
    throw new FilterPatternError(
      'REGEX_INVALID',
      `the regex at position ${t.start} is not valid: ${err.message.replace(/position (\d+)/, (_, n) => `position ${t.start + 1 + Number(n)}`)}`,
      { start: at, end: at + err.length },
      err.hint,
    );
  }
  return { kind: 'regex', source: t.value, span };
}

/** Parses `$.a.b[0]` into its path. */
function selectorOf(t: Token): Selector {
  const path: (string | number)[] = [];
  const re = /\.([A-Za-z0-9_-]+)|\[([0-9]+)\]/y;
  let i = 1;
  while (i < t.value.length) {
    re.lastIndex = i;
    const m = re.exec(t.value);
    if (!m || (m[2] !== undefined && path.length === 0)) {
      throw new FilterPatternError(
        'BAD_SELECTOR',
        `the selector "${t.value}" cannot be read at position ${t.start + i}`,
        { start: t.start + i, end: t.end },
        'write $.key, $.key.inner or $.key[0] (an index follows a property)',
      );
    }
    path.push(m[1] !== undefined ? m[1] : Number(m[2]));
    i = re.lastIndex;
  }
  if (path.length === 0) {
    throw new FilterPatternError('BAD_SELECTOR', `"$" at position ${t.start} selects no field`, {
      start: t.start,
      end: t.end,
    });
  }
  return { path, text: t.value, span: { start: t.start, end: t.end } };
}

/** Slot-level rules: one `...`, unique names, conditions only on named slots of this pattern. */
function checkSlots(slots: readonly Slot[]): void {
  const names = new Map<string, Span>();
  let ellipsis = false;
  for (const s of slots) {
    if (s.kind === 'ellipsis') {
      if (ellipsis) {
        throw new FilterPatternError('MULTIPLE_ELLIPSIS', 'a pattern may hold only one "..."', s.span);
      }
      ellipsis = true;
    } else if (s.name !== undefined) {
      if (names.has(s.name)) {
        throw new FilterPatternError(
          'DUPLICATE_FIELD_NAME',
          `the field name "${s.name}" is used twice`,
          { start: s.span.start, end: s.span.start + s.name.length },
          'give each field its own name',
        );
      }
      names.set(s.name, s.span);
    }
  }
  const visit = (c: SlotCondition): void => {
    if (c.kind === 'compare') {
      if (!names.has(c.field)) {
        const list = [...names.keys()].join(', ');
        throw new FilterPatternError(
          'UNKNOWN_FIELD_NAME',
          `the condition names "${c.field}", which is not a field of this pattern`,
          { start: c.span.start, end: c.span.start + c.field.length },
          `the fields are: ${list}`,
        );
      }
    } else {
      visit(c.left);
      visit(c.right);
    }
  };
  for (const s of slots) if (s.kind === 'field' && s.condition) visit(s.condition);
}

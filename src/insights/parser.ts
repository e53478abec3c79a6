// Logs Insights parser: tokens → commands → expressions, by precedence climbing. Syntax errors carry the
// span of the offending token; commands that cannot run offline are refused here with the reason.

import { findListMarker } from '../core/pasted-text.js';
import type { Command, Expr, Item, NameRef, Query, SortKey } from './ast.js';
import { InsightsError, type Span } from './errors.js';
import { KEYWORDS, type Token, tokenize } from './lexer.js';

/** Commands of the language that flowwatch does not run, and why (shown to the user). */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  unmask: 'flowwatch stores flow logs as they arrive and never masks them, so there is nothing to unmask',
  source:
    'SOURCE picks CloudWatch log groups; flowwatch queries the flow records of the store given by --db (choose the time with --since/--until or --last), or its findings with "SOURCE findings | ..."',
  pattern:
    "pattern clusters free-text messages with CloudWatch's machine-learning service; flow log records are already structured: group them with stats ... by",
  anomaly:
    "anomaly needs CloudWatch's machine-learning pattern models; use stats ... by bin() to compare periods",
  diff: 'diff compares with an earlier period on the CloudWatch service; run the query twice with --since/--until',
  head: 'head is deprecated in Logs Insights; use sort and limit',
  tail: 'tail is deprecated in Logs Insights; use sort @timestamp asc | limit n',
  unnest: 'unnest flattens JSON arrays; flow log records have none',
  lookup: 'lookup tables are not supported offline',
  join: 'join across log groups is not supported: the store holds one kind of record',
  addtotals: 'addtotals is not supported; compute totals with a second stats',
  logcompare: 'logcompare is not supported; run the query twice with --since/--until',
};

/** The query commands flowwatch runs, in the order the docs list them (for completion). */
export const COMMANDS: readonly string[] = [
  'fields',
  'display',
  'filter',
  'filterindex',
  'stats',
  'sort',
  'limit',
  'parse',
  'dedup',
];

class Parser {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  private cur(): Token {
    return this.tokens[this.pos]!;
  }
  private next(): Token {
    const t = this.tokens[this.pos]!;
    if (t.kind !== 'eof') this.pos++;
    return t;
  }
  private isWord(t: Token, word: string): boolean {
    return t.kind === 'name' && !t.quoted && t.text.toLowerCase() === word;
  }
  private error(message: string, t: Token = this.cur(), hint?: string): InsightsError {
    const found = t.kind === 'eof' ? 'the end of the query' : `"${t.raw}"`;
    return new InsightsError('PARSE_ERROR', `${message}, found ${found}`, t.span, hint);
  }
  private expect(kind: Token['kind'], what: string): Token {
    if (this.cur().kind !== kind) throw this.error(`expected ${what}`);
    return this.next();
  }
  private src(span: Span): string {
    return this.text.slice(span.start, span.end).trim();
  }

  query(): Query {
    const commands: Command[] = [];
    if (this.cur().kind === 'eof') {
      throw new InsightsError(
        'PARSE_ERROR',
        'the query is empty',
        { start: 0, end: 0 },
        'e.g. fields @timestamp, @message | limit 20',
      );
    }
    const source = this.source();
    if (source !== undefined && this.cur().kind === 'eof') return { text: this.text, commands, source };
    for (;;) {
      commands.push(this.command());
      if (this.cur().kind === 'eof') break;
      if (this.cur().kind !== 'pipe') throw this.error('expected | before the next command');
      this.next();
    }
    return { text: this.text, commands, ...(source === undefined ? {} : { source }) };
  }

  /**
   * A leading `SOURCE findings` (then `|` and the commands, or nothing): the query reads the stored findings.
   * Any other SOURCE is refused with the reason (UNSUPPORTED_COMMAND).
   */
  private source(): 'findings' | undefined {
    const t = this.cur();
    const name = this.tokens[this.pos + 1];
    if (!this.isWord(t, 'source') || name === undefined || !this.isWord(name, 'findings')) return undefined;
    const after = this.tokens[this.pos + 2];
    if (after !== undefined && after.kind !== 'eof' && after.kind !== 'pipe') return undefined;
    this.next();
    this.next();
    if (this.cur().kind === 'pipe') this.next();
    return 'findings';
  }

  private command(): Command {
    const t = this.cur();
    if (t.kind !== 'name' || t.quoted)
      throw this.error('expected a command (fields, filter, stats, sort, limit, parse, display, dedup)');
    const word = t.text.toLowerCase();
    const why = UNSUPPORTED[word];
    if (why !== undefined) throw new InsightsError('UNSUPPORTED_COMMAND', `${t.text}: ${why}`, t.span);
    if (!COMMANDS.includes(word)) {
      const close = COMMANDS.find((c) => editDistance(c, word) <= 2);
      throw new InsightsError(
        'UNKNOWN_COMMAND',
        `unknown command "${t.text}"`,
        t.span,
        close
          ? `did you mean "${close === 'filterindex' ? 'filterIndex' : close}"?`
          : 'commands: fields, filter, stats, sort, limit, parse, display, dedup',
      );
    }
    this.next();
    const start = t.span.start;
    const span = (): Span => ({ start, end: this.tokens[this.pos - 1]!.span.end });
    switch (word) {
      case 'fields':
      case 'display': {
        const items = this.items(false);
        return { kind: word, items, span: span() };
      }
      case 'filter':
      case 'filterindex': {
        if (this.cur().kind === 'eof' || this.cur().kind === 'pipe')
          throw this.error('expected a condition after filter');
        const expr = this.expr();
        return { kind: 'filter', expr, index: word === 'filterindex', span: span() };
      }
      case 'stats': {
        const aggregates = this.items(true);
        let by: Item[] = [];
        if (this.isWord(this.cur(), 'by')) {
          this.next();
          by = this.items(false);
        }
        return { kind: 'stats', aggregates, by, span: span() };
      }
      case 'sort': {
        const keys: SortKey[] = [];
        do {
          if (keys.length > 0) this.next();
          const e0 = this.cur().span.start;
          const expr = this.expr();
          const text = this.src({ start: e0, end: this.tokens[this.pos - 1]!.span.end });
          let direction: 'asc' | 'desc' = 'desc';
          let explicit = false;
          if (this.isWord(this.cur(), 'asc') || this.isWord(this.cur(), 'desc')) {
            direction = this.next().text.toLowerCase() as 'asc' | 'desc';
            explicit = true;
          }
          keys.push({ expr, text, direction, explicit });
        } while (this.cur().kind === 'comma');
        return { kind: 'sort', keys, span: span() };
      }
      case 'limit': {
        const n = this.cur();
        if (n.kind !== 'number' || !Number.isInteger(n.value))
          throw this.error('expected a whole number of rows after limit');
        this.next();
        return { kind: 'limit', count: n.value!, countSpan: n.span, span: span() };
      }
      case 'parse': {
        const source = this.unary();
        const p = this.cur();
        if (p.kind === 'string') {
          this.next();
          const names: NameRef[] = [];
          if (!this.isWord(this.cur(), 'as'))
            throw this.error('expected "as" and the names of the fields the * capture into');
          this.next();
          do {
            if (names.length > 0) this.next();
            const n = this.expect('name', 'a field name');
            names.push({ name: n.text, span: n.span });
          } while (this.cur().kind === 'comma');
          return {
            kind: 'parse',
            source,
            pattern: { kind: 'glob', text: p.text, span: p.span },
            names,
            span: span(),
          };
        }
        if (p.kind === 'regex') {
          this.next();
          return {
            kind: 'parse',
            source,
            pattern: { kind: 'regex', source: p.text, span: p.span },
            names: [],
            span: span(),
          };
        }
        throw this.error('expected a "glob * pattern" or a /regex/ after the field to parse');
      }
      case 'dedup': {
        const fields: NameRef[] = [];
        do {
          if (fields.length > 0) this.next();
          const n = this.expect('name', 'a field name');
          fields.push({ name: n.text, span: n.span });
        } while (this.cur().kind === 'comma');
        return { kind: 'dedup', fields, span: span() };
      }
    }
    throw new Error(`unhandled command ${word}`);
  }

  /** Comma-separated expressions with optional `as` aliases. */
  private items(aggregates: boolean): Item[] {
    const items: Item[] = [];
    do {
      if (items.length > 0) this.next();
      if (this.cur().kind === 'eof' || this.cur().kind === 'pipe') {
        throw this.error(
          aggregates ? 'expected an aggregate such as count(*)' : 'expected a field or expression',
        );
      }
      const start = this.cur().span.start;
      const expr = this.expr();
      const exprEnd = this.tokens[this.pos - 1]!.span.end;
      let alias: Item['alias'];
      if (this.isWord(this.cur(), 'as')) {
        this.next();
        const n = this.expect('name', 'a name after "as"');
        alias = { name: n.text, span: n.span };
      }
      const end = this.tokens[this.pos - 1]!.span.end;
      items.push({
        expr,
        text: this.src({ start, end: exprEnd }),
        span: { start, end },
        ...(alias ? { alias } : {}),
      });
    } while (this.cur().kind === 'comma');
    return items;
  }

  expr(): Expr {
    return this.or();
  }
  private or(): Expr {
    let left = this.and();
    while (this.isWord(this.cur(), 'or')) {
      this.next();
      const right = this.and();
      left = { kind: 'logic', op: 'or', left, right, span: join(left.span, right.span) };
    }
    return left;
  }
  private and(): Expr {
    let left = this.not();
    while (this.isWord(this.cur(), 'and')) {
      this.next();
      const right = this.not();
      left = { kind: 'logic', op: 'and', left, right, span: join(left.span, right.span) };
    }
    return left;
  }
  private not(): Expr {
    if (this.isWord(this.cur(), 'not')) {
      const t = this.next();
      const operand = this.not();
      return { kind: 'not', operand, span: join(t.span, operand.span) };
    }
    return this.comparison();
  }
  private comparison(): Expr {
    const left = this.additive();
    const t = this.cur();
    if (t.kind === 'op' && ['=', '==', '!=', '<', '<=', '>', '>='].includes(t.text)) {
      this.next();
      const right = this.additive();
      const op = (t.text === '==' ? '=' : t.text) as '=' | '!=' | '<' | '<=' | '>' | '>=';
      return { kind: 'compare', op, left, right, span: join(left.span, right.span) };
    }
    if (t.kind === 'op' && t.text === '=~') {
      this.next();
      const pattern = this.expect('regex', 'a /regex/ after =~');
      return {
        kind: 'like',
        negated: false,
        operand: left,
        pattern: regexExpr(pattern),
        span: join(left.span, pattern.span),
      };
    }
    let negated = false;
    if (this.isWord(t, 'not') && (this.isWord(this.peek(1), 'like') || this.isWord(this.peek(1), 'in'))) {
      this.next();
      negated = true;
    }
    if (this.isWord(this.cur(), 'like')) {
      this.next();
      const p = this.cur();
      if (p.kind !== 'string' && p.kind !== 'regex')
        throw this.error('expected a "string" or /regex/ after like');
      this.next();
      const pattern: Expr =
        p.kind === 'string' ? { kind: 'string', value: p.text, span: p.span } : regexExpr(p);
      return { kind: 'like', negated, operand: left, pattern, span: join(left.span, p.span) };
    }
    if (this.isWord(this.cur(), 'in')) {
      this.next();
      this.expect('lbracket', 'a [list] after in');
      const items: Expr[] = [];
      if (this.cur().kind !== 'rbracket') {
        do {
          if (items.length > 0) this.next();
          items.push(this.additive());
        } while (this.cur().kind === 'comma');
      }
      const close = this.expect('rbracket', 'a comma or ] in the list');
      return { kind: 'in', negated, operand: left, items, span: join(left.span, close.span) };
    }
    return left;
  }
  private peek(k: number): Token {
    return this.tokens[Math.min(this.pos + k, this.tokens.length - 1)]!;
  }
  private additive(): Expr {
    let left = this.multiplicative();
    while (this.cur().kind === 'op' && (this.cur().text === '+' || this.cur().text === '-')) {
      const op = this.next().text as '+' | '-';
      const right = this.multiplicative();
      left = { kind: 'arith', op, left, right, span: join(left.span, right.span) };
    }
    return left;
  }
  private multiplicative(): Expr {
    let left = this.power();
    for (;;) {
      const t = this.cur();
      const op =
        t.kind === 'star' ? '*' : t.kind === 'op' && (t.text === '/' || t.text === '%') ? t.text : undefined;
      if (!op) return left;
      this.next();
      const right = this.power();
      left = { kind: 'arith', op: op as '*' | '/' | '%', left, right, span: join(left.span, right.span) };
    }
  }
  private power(): Expr {
    const left = this.unary();
    if (this.cur().kind === 'op' && this.cur().text === '^') {
      this.next();
      const right = this.power();
      return { kind: 'arith', op: '^', left, right, span: join(left.span, right.span) };
    }
    return left;
  }
  private unary(): Expr {
    if (this.cur().kind === 'op' && this.cur().text === '-') {
      const t = this.next();
      const operand = this.unary();
      if (operand.kind === 'number')
        return { kind: 'number', value: -operand.value, span: join(t.span, operand.span) };
      return { kind: 'neg', operand, span: join(t.span, operand.span) };
    }
    return this.primary();
  }
  private primary(): Expr {
    const t = this.cur();
    switch (t.kind) {
      case 'number':
        this.next();
        return { kind: 'number', value: t.value!, span: t.span };
      case 'period':
        this.next();
        return { kind: 'period', value: t.value!, unit: t.unit!, span: t.span };
      case 'string':
        this.next();
        return { kind: 'string', value: t.text, span: t.span };
      case 'regex':
        this.next();
        return regexExpr(t);
      case 'star':
        this.next();
        return { kind: 'star', span: t.span };
      case 'lparen': {
        this.next();
        if (this.cur().kind === 'rparen') throw this.error('expected an expression inside ( )');
        const inner = this.expr();
        this.expect('rparen', 'a closing )');
        return inner;
      }
      case 'name': {
        if (!t.quoted && KEYWORDS.has(t.text.toLowerCase()))
          throw this.error('expected a field, value or function');
        this.next();
        if (this.cur().kind === 'lparen' && !t.quoted) {
          this.next();
          const args: Expr[] = [];
          if (this.cur().kind !== 'rparen') {
            do {
              if (args.length > 0) this.next();
              args.push(this.expr());
            } while (this.cur().kind === 'comma');
          }
          const close = this.expect('rparen', 'a comma or ) after the argument');
          return { kind: 'call', name: t.text, nameSpan: t.span, args, span: join(t.span, close.span) };
        }
        return { kind: 'field', name: t.text, span: t.span };
      }
      default:
        throw this.error('expected a field, value or function');
    }
  }
}

function regexExpr(t: Token): Expr {
  return { kind: 'regex', source: t.text, span: t.span };
}

function join(a: Span, b: Span): Span {
  return { start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}

/** Levenshtein distance, for did-you-mean hints. */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

/**
 * Parses a Logs Insights query. Throws InsightsError (code PARSE_ERROR, UNKNOWN_COMMAND or
 * UNSUPPORTED_COMMAND) with the span of the offending text.
 *
 * @example parseQuery('filter action = "REJECT" | stats count(*) by srcAddr').commands.length // 2
 */
export function parseQuery(text: string): Query {
  const marker = findListMarker(text);
  if (marker) throw new InsightsError(marker.code, marker.message, marker, marker.hint);
  return new Parser(text, tokenize(text)).query();
}

/** What a query asks for, without checking field names: the `fields` listed, the sort keys and the limit. */
export function describeQuery(text: string): {
  fields: string[];
  sort: [string, 'asc' | 'desc'][];
  limit: number | null;
} {
  const q = parseQuery(text);
  const fields: string[] = [];
  const sort: [string, 'asc' | 'desc'][] = [];
  let limit: number | null = null;
  for (const c of q.commands) {
    if (c.kind === 'fields') for (const i of c.items) fields.push(i.alias?.name ?? i.text);
    else if (c.kind === 'sort') for (const k of c.keys) sort.push([k.text, k.direction]);
    else if (c.kind === 'limit') limit = c.count;
  }
  return { fields, sort, limit };
}

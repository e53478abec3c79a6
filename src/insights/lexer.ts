// Logs Insights tokens: names (plain, `backticked`, @system), numbers, periods (5m), strings, regexes,
// operators and punctuation, with their spans. `#` starts a comment that runs to the end of the line.

import { findPasted, normalizeSpaces } from '../core/pasted-text.js';
import { progressGuard } from '../core/progress.js';
import { InsightsError, type Span } from './errors.js';

export type TokenKind =
  | 'name'
  | 'number'
  | 'period'
  | 'string'
  | 'regex'
  | 'op'
  | 'pipe'
  | 'comma'
  | 'lparen'
  | 'rparen'
  | 'lbracket'
  | 'rbracket'
  | 'star'
  /** A character the language has no use for: the parser reports it where it stands. */
  | 'unknown'
  | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** Names: the name (backticks removed); strings/regexes: the decoded text; ops: the operator. */
  readonly text: string;
  /** The token as written. */
  readonly raw: string;
  /** Numbers and periods: the numeric value. */
  readonly value?: number;
  /** Periods: the unit as written (`m`, `min`, `hours`, ...). */
  readonly unit?: string;
  /** True for names written in backticks (never keywords). */
  readonly quoted?: boolean;
  readonly span: Span;
}

const NAME_START = /[A-Za-z_@]/;
const NAME_PART = /[A-Za-z0-9_@.]/;
const OPERATORS = ['=~', '==', '!=', '<=', '>=', '=', '<', '>', '+', '-', '/', '^', '%'];

/** Tokens after which a `/` divides; anywhere else (and after `parse <field>`) it opens a regex. */
function endsOperand(t: Token | undefined, before: Token | undefined): boolean {
  if (!t) return false;
  if (t.kind === 'name' && before?.kind === 'name' && !before.quoted && before.text.toLowerCase() === 'parse')
    return false;
  if (t.kind === 'name') return t.quoted === true || !KEYWORDS.has(t.text.toLowerCase());
  return ['number', 'period', 'string', 'regex', 'rparen', 'rbracket'].includes(t.kind);
}

/** Words that are operators, not field names, where an operand is expected. */
export const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'like', 'as', 'by', 'asc', 'desc']);

/**
 * Splits a query into tokens.
 *
 * @example tokenize('filter dstPort = 22').map((t) => t.kind) // ['name', 'name', 'op', 'number', 'eof']
 */
export function tokenize(source: string): Token[] {
  // Unicode spaces (NBSP, ...) read as spaces, inside quotes too; same length, so spans hold (core/pasted-text).
  const text = normalizeSpaces(source);
  const out: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, start: number, extra: Partial<Token> = {}): void => {
    const raw = text.slice(start, i);
    out.push({ kind, text: raw, raw, span: { start, end: i }, ...extra });
  };
  const step = progressGuard('Logs Insights lexer');
  while (i < text.length) {
    step(i);
    const c = text[i]!;
    const start = i;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '|') {
      i++;
      push('pipe', start);
    } else if (c === ',') {
      i++;
      push('comma', start);
    } else if (c === '(') {
      i++;
      push('lparen', start);
    } else if (c === ')') {
      i++;
      push('rparen', start);
    } else if (c === '[') {
      i++;
      push('lbracket', start);
    } else if (c === ']') {
      i++;
      push('rbracket', start);
    } else if (c === '*') {
      i++;
      push('star', start);
    } else if (c === '"' || c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) {
          const pasted = findPasted(text, start + 1);
          if (pasted) throw new InsightsError(pasted.code, pasted.message, pasted, pasted.hint);
          throw new InsightsError(
            'PARSE_ERROR',
            `unterminated string starting at position ${start + 1}`,
            { start, end: text.length },
            `close it with ${c}`,
          );
        }
        const d = text[i]!;
        if (d === c) {
          i++;
          break;
        }
        if (d === '\\' && i + 1 < text.length) {
          const e = text[i + 1]!;
          value += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          i += 2;
          continue;
        }
        value += d;
        i++;
      }
      push('string', start, { text: value });
    } else if (c === '/' && !endsOperand(out[out.length - 1], out[out.length - 2])) {
      let source = '';
      i++;
      let inClass = false;
      for (;;) {
        if (i >= text.length || text[i] === '\n') {
          throw new InsightsError(
            'PARSE_ERROR',
            `unterminated regular expression starting at position ${start + 1}`,
            { start, end: i },
            'close it with /',
          );
        }
        const d = text[i]!;
        if (d === '\\' && i + 1 < text.length) {
          // `\/` is a literal slash; other escapes pass to the regex engine unchanged.
          source += text[i + 1] === '/' ? '/' : d + text[i + 1]!;
          i += 2;
          continue;
        }
        if (d === '[') inClass = true;
        else if (d === ']') inClass = false;
        else if (d === '/' && !inClass) {
          i++;
          break;
        }
        source += d;
        i++;
      }
      push('regex', start, { text: source });
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      while (i < text.length && /[0-9]/.test(text[i]!)) i++;
      if (text[i] === '.' && /[0-9]/.test(text[i + 1] ?? '')) {
        i++;
        while (i < text.length && /[0-9]/.test(text[i]!)) i++;
      }
      const numEnd = i;
      const value = Number(text.slice(start, numEnd));
      if (/[A-Za-z]/.test(text[i] ?? '')) {
        while (i < text.length && /[A-Za-z]/.test(text[i]!)) i++;
        push('period', start, { value, unit: text.slice(numEnd, i) });
      } else {
        push('number', start, { value });
      }
    } else if (c === '`' || (c === '@' && text[i + 1] === '`')) {
      const at = c === '@' ? '@' : '';
      i += at.length + 1;
      const close = text.indexOf('`', i);
      if (close < 0) {
        throw new InsightsError(
          'PARSE_ERROR',
          'unterminated `backticked` name',
          { start, end: text.length },
          'close it with `',
        );
      }
      const name = at + text.slice(i, close);
      i = close + 1;
      push('name', start, { text: name, quoted: true });
    } else if (NAME_START.test(c)) {
      while (i < text.length && NAME_PART.test(text[i]!)) i++;
      push('name', start);
    } else {
      const op = OPERATORS.find((o) => text.startsWith(o, i));
      i += op ? op.length : 1;
      push(op ? 'op' : 'unknown', start);
    }
  }
  for (const t of out) {
    const data = t.kind === 'string' || t.kind === 'regex' || t.quoted === true;
    const fault = findPasted(text, t.span.start, t.span.end, data);
    if (fault) throw new InsightsError(fault.code, fault.message, fault, fault.hint);
  }
  out.push({ kind: 'eof', text: '', raw: '', span: { start: text.length, end: text.length } });
  return out;
}

// Filter-pattern lexer: pattern text → tokens with spans, in one of three modes (terms, [...], {...}).

import { findPasted, normalizeSpaces } from '../core/pasted-text.js';
import { progressGuard } from '../core/progress.js';
import { FilterPatternError } from './errors.js';

/** Which family the text is lexed as; the parser chooses it from the first non-blank character. */
export type LexMode = 'terms' | 'delimited' | 'json';

/** Kinds of token. `word` is any bare run of characters; the parser decides what it means. */
export type TokenKind =
  | 'word'
  | 'string'
  | 'regex'
  | 'selector'
  | 'op'
  | 'and'
  | 'or'
  | 'comma'
  | 'lbracket'
  | 'rbracket'
  | 'lbrace'
  | 'rbrace'
  | 'lparen'
  | 'rparen'
  | 'question'
  | 'minus'
  | 'eof';

/** One token. `value` is the decoded text: a string without quotes/escapes, a regex without `%`. */
export interface Token {
  readonly kind: TokenKind;
  readonly value: string;
  readonly start: number;
  readonly end: number;
}

/** Characters allowed in a `%...%` regex (spec §3), plus the space AWS's own example uses. */
const REGEX_ALLOWED = /^[A-Za-z0-9:_#=@/;,\- ^$?[\]{}|\\*+.]$/;

const WORD_STOP: Record<LexMode, RegExp> = {
  terms: /[\s"]/,
  delimited: /[\s,[\]"%=!<>&|]/,
  json: /[\s,[\]{}()"%=!<>&|]/,
};

/**
 * Splits a pattern into tokens. Throws FilterPatternError for an unclosed string or regex, a character
 * a regex may not contain, or a lone `&`, `|` or `!`.
 *
 * @example lex('[a, b = 1]', 'delimited').map(t => t.kind) // ['lbracket','word','comma','word','op','word','rbracket','eof']
 */
export function lex(source: string, mode: LexMode): Token[] {
  // Unicode spaces (NBSP, ...) read as spaces, inside quotes too; same length, so spans hold (core/pasted-text).
  const text = normalizeSpaces(source);
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, value: string, start: number, end: number): void => {
    tokens.push({ kind, value, start, end });
    i = end;
  };
  const step = progressGuard('filter-pattern lexer');
  while (i < text.length) {
    step(i);
    const c = text[i]!;
    const next = text[i + 1];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"') {
      push('string', ...readString(text, i));
      continue;
    }
    if (c === '%') {
      push('regex', ...readRegex(text, i));
      continue;
    }
    if (mode === 'terms') {
      if (c === '?') {
        push('question', '?', i, i + 1);
        continue;
      }
      if (c === '-') {
        push('minus', '-', i, i + 1);
        continue;
      }
    } else {
      const single: Partial<Record<string, TokenKind>> =
        mode === 'delimited'
          ? { ',': 'comma', '[': 'lbracket', ']': 'rbracket' }
          : { ',': 'comma', '{': 'lbrace', '}': 'rbrace', '(': 'lparen', ')': 'rparen' };
      const kind = single[c];
      if (kind) {
        push(kind, c, i, i + 1);
        continue;
      }
      if (c === '&' || c === '|') {
        if (next !== c) {
          throw new FilterPatternError(
            'UNEXPECTED_CHARACTER',
            `a single "${c}" at position ${i} is not an operator`,
            { start: i, end: i + 1 },
            `write "${c}${c}"`,
          );
        }
        push(c === '&' ? 'and' : 'or', c + c, i, i + 2);
        continue;
      }
      if (c === '=' || c === '<' || c === '>' || c === '!') {
        if (next === '=') {
          push('op', c + '=', i, i + 2);
          continue;
        }
        if (c === '!') {
          throw new FilterPatternError(
            'UNEXPECTED_CHARACTER',
            `"!" at position ${i} must be followed by "=" (the operator is "!=")`,
            { start: i, end: i + 1 },
          );
        }
        push('op', c, i, i + 1);
        continue;
      }
      if (mode === 'json' && c === '$') {
        let j = i + 1;
        while (j < text.length && /[A-Za-z0-9_.\-[\]*]/.test(text[j]!)) j++;
        push('selector', text.slice(i, j), i, j);
        continue;
      }
    }
    let j = i;
    while (j < text.length && !WORD_STOP[mode].test(text[j]!)) j++;
    if (j === i) {
      // A character that stops words but starts no token here, e.g. `[` outside a selector in {...}.
      throw new FilterPatternError(
        'UNEXPECTED_CHARACTER',
        `"${c}" at position ${i} is not allowed here`,
        { start: i, end: i + 1 },
        mode === 'json'
          ? 'in a JSON pattern, [ and ] belong to a selector such as $.list[0]; quote a value that holds them'
          : 'put a value that holds this character in double quotes',
      );
    }
    push('word', text.slice(i, j), i, j);
  }
  for (const t of tokens) {
    const fault = findPasted(text, t.start, t.end, t.kind === 'string' || t.kind === 'regex');
    if (fault) throw new FilterPatternError(fault.code, fault.message, fault, fault.hint);
  }
  tokens.push({ kind: 'eof', value: '', start: text.length, end: text.length });
  return tokens;
}

/** Reads `"..."` from `start`; `\"` and `\\` are escapes, any other backslash is kept. */
function readString(text: string, start: number): [string, number, number] {
  let out = '';
  let j = start + 1;
  while (j < text.length) {
    const c = text[j]!;
    if (c === '\\' && (text[j + 1] === '"' || text[j + 1] === '\\')) {
      out += text[j + 1];
      j += 2;
      continue;
    }
    if (c === '"') return [out, start, j + 1];
    out += c;
    j++;
  }
  // `"ERROR”`: the closing quote was pasted as a typographic one.
  const pasted = findPasted(text, start + 1);
  if (pasted) throw new FilterPatternError(pasted.code, pasted.message, pasted, pasted.hint);
  throw new FilterPatternError(
    'UNCLOSED_STRING',
    `the quoted text starting at position ${start} has no closing "`,
    { start, end: text.length },
    'add a closing double quote; write \\" for a quote inside the text',
  );
}

/** Reads `%...%` from `start`, checking every character against the spec's list. */
function readRegex(text: string, start: number): [string, number, number] {
  let j = start + 1;
  while (j < text.length && text[j] !== '%') {
    const c = text[j]!;
    if (!REGEX_ALLOWED.test(c)) {
      const pasted = findPasted(text, j, j + 1);
      if (pasted) throw new FilterPatternError(pasted.code, pasted.message, pasted, pasted.hint);
      const group = c === '(' || c === ')';
      throw new FilterPatternError(
        'REGEX_FORBIDDEN_CHARACTER',
        `"${c}" at position ${j} is not allowed in a regex`,
        { start: j, end: j + c.length },
        group
          ? 'CloudWatch regexes have no groups: use alternation a|b or a character class instead'
          : 'regexes may use letters, digits, : _ # = @ / ; , - and the operators ^ $ ? [ ] { } | \\ * + .',
      );
    }
    j++;
  }
  if (j >= text.length) {
    throw new FilterPatternError(
      'REGEX_UNCLOSED',
      `the regex starting at position ${start} has no closing %`,
      { start, end: text.length },
      'a regex is written between two %, e.g. %REJECT|NODATA%',
    );
  }
  if (j === start + 1) {
    throw new FilterPatternError('REGEX_EMPTY', `the regex at position ${start} is empty`, {
      start,
      end: j + 1,
    });
  }
  return [text.slice(start + 1, j), start, j + 1];
}

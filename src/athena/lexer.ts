// The Athena lexer: statement text → tokens with spans (words, quoted names, strings, numbers, symbols).

import { findPasted, normalizeSpaces } from '../core/pasted-text.js';
import { progressGuard } from '../core/progress.js';
import { AthenaError } from './errors.js';

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'symbol';

/** One token. `value` is the unquoted text for `quoted` (`` `end` ``, `"end"`) and `string` tokens. */
export interface Token {
  readonly kind: TokenKind;
  readonly value: string;
  readonly start: number;
  readonly end: number;
}

const SYMBOLS = ['||', '<>', '!=', '<=', '>=', '::', '->'];

/**
 * Splits `text` into tokens, skipping whitespace and `--` / `/* *\/` comments.
 *
 * @example tokenize("SHOW TABLES IN logs").map((t) => t.value) // ['SHOW', 'TABLES', 'IN', 'logs']
 */
export function tokenize(source: string): Token[] {
  // Unicode spaces (NBSP, ...) read as spaces, inside quotes too; same length, so spans hold (core/pasted-text).
  const text = normalizeSpaces(source);
  const out: Token[] = [];
  let i = 0;
  const step = progressGuard('Athena lexer');
  while (i < text.length) {
    step(i);
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (text.startsWith('--', i)) {
      const nl = text.indexOf('\n', i);
      i = nl === -1 ? text.length : nl + 1;
    } else if (text.startsWith('/*', i)) {
      const close = text.indexOf('*/', i + 2);
      if (close === -1)
        throw new AthenaError(
          'ATHENA_UNCLOSED_COMMENT',
          'this comment is never closed',
          {
            start: i,
            end: i + 2,
          },
          'end it with */',
        );
      i = close + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      let value = '';
      for (;;) {
        if (j >= text.length) {
          const pasted = findPasted(text, i + 1);
          if (pasted) throw new AthenaError(pasted.code, pasted.message, pasted, pasted.hint);
          throw new AthenaError(
            'ATHENA_UNCLOSED_QUOTE',
            `this ${c === "'" ? 'string' : 'quoted name'} is never closed`,
            { start: i, end: i + 1 },
            `end it with ${c}`,
          );
        }
        if (text[j] === c) {
          if (text[j + 1] === c) {
            value += c;
            j += 2;
            continue;
          }
          break;
        }
        value += text[j];
        j++;
      }
      out.push({ kind: c === "'" ? 'string' : 'quoted', value, start: i, end: j + 1 });
      i = j + 1;
    } else if (/[\p{L}_]/u.test(c)) {
      const m = /^[\p{L}\p{N}_$]+/u.exec(text.slice(i))!;
      out.push({ kind: 'word', value: m[0], start: i, end: i + m[0].length });
      i += m[0].length;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const m = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(text.slice(i))!;
      out.push({ kind: 'number', value: m[0], start: i, end: i + m[0].length });
      i += m[0].length;
    } else {
      const sym = SYMBOLS.find((s) => text.startsWith(s, i)) ?? c;
      out.push({ kind: 'symbol', value: sym, start: i, end: i + sym.length });
      i += sym.length;
    }
  }
  for (const t of out) {
    const fault = findPasted(text, t.start, t.end, t.kind === 'string' || t.kind === 'quoted');
    if (fault) throw new AthenaError(fault.code, fault.message, fault, fault.hint);
  }
  return out;
}

/**
 * Splits a script into statements at `;` outside strings, quoted names and comments; empty statements are
 * dropped. Each piece keeps its offset in the script.
 *
 * @example splitStatements('USE a; SHOW TABLES;').map((s) => s.text) // ['USE a', 'SHOW TABLES']
 */
export function splitStatements(script: string): { text: string; offset: number }[] {
  const out: { text: string; offset: number }[] = [];
  let from = 0;
  const push = (end: number) => {
    const raw = script.slice(from, end);
    const lead = raw.length - raw.trimStart().length;
    if (raw.trim() !== '') out.push({ text: raw.trim(), offset: from + lead });
  };
  for (const t of tokenize(script)) {
    if (t.kind === 'symbol' && t.value === ';') {
      push(t.start);
      from = t.end;
    }
  }
  push(script.length);
  return out;
}

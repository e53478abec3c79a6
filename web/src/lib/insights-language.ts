// A CodeMirror stream language for Logs Insights (commands, functions, keywords, operators, strings,
// regular expressions, periods, `#` comments, catalog fields), with completion from the catalog.
// It follows the server's lexer: `/` opens a regex wherever an operand is expected, and after `parse <field>`.

import type { Completion, CompletionContext, CompletionResult } from '@codemirror/autocomplete';
import { StreamLanguage } from '@codemirror/language';
import { KEYWORDS as LEXER_KEYWORDS } from '../../../src/insights/lexer.js';
import { COMMANDS } from '../../../src/insights/parser.js';
import type { CatalogResponse } from './api.js';

/** Commands known before the catalog arrives (the catalog's list replaces them): the server parser's. */
export const DEFAULT_COMMANDS = COMMANDS;
/** The operator words of the server's lexer. */
export const KEYWORDS: readonly string[] = [...LEXER_KEYWORDS];

interface State {
  /** At the start of a command (query start or after `|`). */
  commandPos: boolean;
  /** The previous token ends an operand, so `/` divides. */
  afterOperand: boolean;
  /** The previous two words (for `parse <field> /regex/`). */
  prev: string;
  prev2: string;
}

/** The catalog parts the language needs. */
export type InsightsCatalog = Pick<CatalogResponse, 'commands' | 'functions' | 'fields' | 'systemFields'>;

/**
 * The Insights language with highlighting and completion for a catalog (or the built-in command list).
 *
 * @example EditorState.create({ extensions: [insightsLanguage(catalog)] })
 */
export function insightsLanguage(catalog?: InsightsCatalog): StreamLanguage<State> {
  const commands = new Set((catalog?.commands ?? DEFAULT_COMMANDS).map((c) => c.toLowerCase()));
  const keywords = new Set(KEYWORDS);
  const fields = new Set((catalog?.fields ?? []).map((f) => f.insights));
  const word = (state: State, text: string, style: string): string => {
    state.prev2 = state.prev;
    state.prev = text.toLowerCase();
    return style;
  };
  return StreamLanguage.define<State>({
    name: 'insights',
    startState: () => ({ commandPos: true, afterOperand: false, prev: '', prev2: '' }),
    copyState: (s) => ({ ...s }),
    token(stream, state) {
      if (stream.eatSpace()) return null;
      const ch = stream.peek() ?? '';
      if (ch === '#') {
        stream.skipToEnd();
        return 'lineComment';
      }
      if (ch === '|') {
        stream.next();
        state.commandPos = true;
        state.afterOperand = false;
        state.prev = '|';
        return 'separator';
      }
      if (ch === '"' || ch === "'") {
        stream.next();
        let escaped = false;
        for (;;) {
          const c = stream.next();
          if (c === undefined) break;
          if (c === ch && !escaped) break;
          escaped = !escaped && c === '\\';
        }
        state.afterOperand = true;
        state.commandPos = false;
        return 'string';
      }
      const parseRegex = state.prev2 === 'parse';
      if (ch === '/' && (!state.afterOperand || parseRegex)) {
        stream.next();
        let inClass = false;
        for (;;) {
          const c = stream.next();
          if (c === undefined) break;
          if (c === '\\') {
            stream.next();
            continue;
          }
          if (c === '[') inClass = true;
          else if (c === ']') inClass = false;
          else if (c === '/' && !inClass) break;
        }
        state.afterOperand = true;
        state.prev2 = '';
        return 'regexp';
      }
      if (stream.match(/^(\d+(\.\d+)?|\.\d+)[A-Za-z]*/)) {
        state.afterOperand = true;
        state.commandPos = false;
        return word(state, '0', 'number');
      }
      if (stream.match(/^@?`[^`]*`?/)) {
        state.afterOperand = true;
        state.commandPos = false;
        return word(state, 'name', 'variableName');
      }
      const m = stream.match(/^[A-Za-z_@][A-Za-z0-9_@.]*/) as RegExpMatchArray | null;
      if (m) {
        const text = m[0];
        const lower = text.toLowerCase();
        if (state.commandPos && commands.has(lower)) {
          state.commandPos = false;
          state.afterOperand = false;
          return word(state, text, 'keyword');
        }
        state.commandPos = false;
        if (keywords.has(lower)) {
          state.afterOperand = false;
          return word(state, text, 'operatorKeyword');
        }
        state.afterOperand = true;
        if (stream.match(/^\s*\(/, false)) return word(state, text, 'variableName.function');
        if (text.startsWith('@')) return word(state, text, 'variableName.special');
        if (fields.has(text)) return word(state, text, 'propertyName');
        return word(state, text, 'variableName');
      }
      if (stream.match(/^(=~|==|!=|<=|>=|[=<>+\-/^%*])/)) {
        state.afterOperand = false;
        state.commandPos = false;
        return 'operator';
      }
      stream.next();
      state.commandPos = false;
      if (ch === ')' || ch === ']') {
        state.afterOperand = true;
        return 'paren';
      }
      state.afterOperand = false;
      if (ch === '(' || ch === '[') return 'paren';
      if (ch === ',') return 'separator';
      return 'invalid';
    },
    languageData: {
      commentTokens: { line: '#' },
      autocomplete: insightsCompletion(catalog),
    },
  });
}

/** Completion of commands (at a command's start), functions, keywords and fields. */
export function insightsCompletion(
  catalog?: InsightsCatalog,
): (ctx: CompletionContext) => CompletionResult | null {
  const commandOptions: Completion[] = (catalog?.commands ?? DEFAULT_COMMANDS).map((c) => ({
    label: c,
    type: 'keyword',
    detail: 'command',
  }));
  const other: Completion[] = [
    ...(catalog?.functions ?? []).map(
      (f): Completion => ({
        label: f.name,
        type: 'function',
        detail: f.kind,
        info: f.example ? `${f.description}\n\nExample: ${f.example}` : f.description,
        apply: `${f.name}(`,
      }),
    ),
    ...(catalog?.fields ?? []).map(
      (f): Completion => ({
        label: f.insights,
        type: 'property',
        detail: f.type,
        info: `${f.aws} (column ${f.column}): ${f.description}`,
      }),
    ),
    ...(catalog?.systemFields ?? ['@timestamp', '@message', '@logStream', '@log']).map(
      (f): Completion => ({ label: f, type: 'variable', detail: 'system field' }),
    ),
    ...KEYWORDS.map((k): Completion => ({ label: k, type: 'keyword', boost: -10 })),
  ];
  return (ctx) => {
    const w = ctx.matchBefore(/[@A-Za-z_][\w@.]*|@/);
    if (!w && !ctx.explicit) return null;
    const from = w ? w.from : ctx.pos;
    const start = Math.max(0, from - 200);
    const before = ctx.state.doc.sliceString(start, from);
    const atCommand = /\|\s*$/.test(before) || (start === 0 && /^\s*$/.test(before));
    return {
      from,
      options: atCommand ? commandOptions : other,
      validFor: /^[\w@.]*$/,
    };
  };
}

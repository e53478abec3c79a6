// The query editor: CodeMirror 6 with the Insights stream language or DuckDB-flavoured SQL, completion
// from the catalog, server errors underlined at their span (lint diagnostics), Ctrl/Cmd-Enter to run,
// and a small undo history (Mod-Z / Mod-Shift-Z / Mod-Y).

import { autocompletion, closeBrackets, closeCompletion } from '@codemirror/autocomplete';
import { PostgreSQL, sql } from '@codemirror/lang-sql';
import { bracketMatching, HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { type Diagnostic, setDiagnostics } from '@codemirror/lint';
import { Annotation, Compartment, EditorState, Prec } from '@codemirror/state';
import {
  drawSelection,
  EditorView,
  highlightActiveLine,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  placeholder,
} from '@codemirror/view';
import { tags as t } from '@lezer/highlight';
import type { CatalogResponse } from './api.js';
import { insightsLanguage } from './insights-language.js';

export type QueryLang = 'insights' | 'sql';

/** Colours come from CSS variables so the editor follows the light/dark scheme. */
const highlight = HighlightStyle.define([
  { tag: [t.keyword, t.operatorKeyword], color: 'var(--hl-keyword)', fontWeight: '600' },
  { tag: [t.string], color: 'var(--hl-string)' },
  { tag: [t.regexp], color: 'var(--hl-regexp)' },
  { tag: [t.number, t.bool, t.null], color: 'var(--hl-number)' },
  { tag: [t.comment, t.lineComment, t.blockComment], color: 'var(--hl-comment)', fontStyle: 'italic' },
  { tag: [t.function(t.variableName)], color: 'var(--hl-function)' },
  { tag: [t.propertyName], color: 'var(--hl-field)' },
  { tag: [t.special(t.variableName)], color: 'var(--hl-special)' },
  { tag: [t.operator], color: 'var(--hl-operator)' },
  { tag: [t.typeName], color: 'var(--hl-type)' },
  { tag: [t.invalid], color: 'var(--hl-invalid)', textDecoration: 'underline wavy' },
]);

const theme = EditorView.theme({
  '&': {
    fontSize: '14px',
    border: '1px solid var(--border)',
    borderRadius: '6px',
    background: 'var(--input-bg)',
  },
  '&.cm-focused': { outline: '2px solid var(--focus)', outlineOffset: '1px' },
  '.cm-content': { fontFamily: 'var(--mono)', minHeight: '6em', caretColor: 'var(--fg)' },
  '.cm-gutters': { background: 'var(--panel)', color: 'var(--muted)', border: 'none' },
  '.cm-activeLine': { background: 'var(--active-line)' },
  '.cm-activeLineGutter': { background: 'var(--active-line)' },
  '.cm-selectionBackground, &.cm-focused .cm-selectionBackground': {
    background: 'var(--selection) !important',
  },
  '.cm-tooltip': { background: 'var(--panel)', color: 'var(--fg)', border: '1px solid var(--border)' },
  '.cm-tooltip-autocomplete ul li[aria-selected]': { background: 'var(--accent)', color: '#fff' },
  '.cm-completionInfo': { whiteSpace: 'pre-wrap', maxWidth: '28em' },
  '.cm-diagnostic-error': { borderLeft: '4px solid var(--danger)' },
});

const fromHistory = Annotation.define<boolean>();

/** Snapshot undo: a snapshot per pause in typing (queries are short, whole texts are cheap). */
function history(): {
  extension: ReturnType<typeof keymap.of>[];
  listener: ReturnType<typeof EditorView.updateListener.of>;
  /** Starts a new undo step at the next change (e.g. after a run). */
  boundary: () => void;
} {
  const undo: { doc: string; head: number }[] = [];
  const redo: { doc: string; head: number }[] = [];
  let last = 0;
  const restore = (view: EditorView, from: typeof undo, to: typeof undo): boolean => {
    const s = from.pop();
    if (!s) return false;
    to.push({ doc: view.state.doc.toString(), head: view.state.selection.main.head });
    view.dispatch({
      changes: { from: 0, to: view.state.doc.length, insert: s.doc },
      selection: { anchor: Math.min(s.head, s.doc.length) },
      annotations: fromHistory.of(true),
    });
    return true;
  };
  return {
    boundary: () => {
      last = 0;
    },
    extension: [
      keymap.of([
        { key: 'Mod-z', run: (v) => restore(v, undo, redo), preventDefault: true },
        { key: 'Mod-Shift-z', run: (v) => restore(v, redo, undo), preventDefault: true },
        { key: 'Mod-y', run: (v) => restore(v, redo, undo), preventDefault: true },
      ]),
    ],
    listener: EditorView.updateListener.of((u) => {
      if (!u.docChanged || u.transactions.some((tr) => tr.annotation(fromHistory))) return;
      const now = Date.now();
      if (now - last > 800 || undo.length === 0) {
        undo.push({ doc: u.startState.doc.toString(), head: u.startState.selection.main.head });
        if (undo.length > 200) undo.shift();
      }
      last = now;
      redo.length = 0;
    }),
  };
}

/** The SQL language with the store's tables and the catalog's columns for completion. */
function sqlLanguage(catalog?: CatalogResponse) {
  return sql({
    dialect: PostgreSQL,
    upperCaseKeywords: true,
    schema: {
      flows: (catalog?.fields ?? []).map((f) => ({
        label: f.column,
        type: 'property',
        detail: f.type,
        info: f.description,
      })),
      files: [],
      rejects: [],
    },
    defaultTable: 'flows',
  });
}

export interface QueryEditorOptions {
  readonly doc: string;
  readonly lang: QueryLang;
  readonly label: string;
  readonly onRun: () => void;
  readonly onChange?: () => void;
}

/**
 * The editor widget.
 *
 * @example const ed = new QueryEditor({ doc: '', lang: 'insights', label: 'Query', onRun }); parent.append(ed.el);
 */
export class QueryEditor {
  readonly el: HTMLElement;
  private readonly view: EditorView;
  private readonly language = new Compartment();
  private lang: QueryLang;
  private catalog: CatalogResponse | undefined;
  private readonly history = history();

  constructor(o: QueryEditorOptions) {
    this.lang = o.lang;
    this.el = document.createElement('div');
    this.el.className = 'editor';
    this.el.dataset['testid'] = 'query-editor';
    const hist = this.history;
    this.view = new EditorView({
      parent: this.el,
      state: EditorState.create({
        doc: o.doc,
        extensions: [
          Prec.highest(
            keymap.of([
              {
                key: 'Mod-Enter',
                run: (view) => {
                  closeCompletion(view);
                  o.onRun();
                  return true;
                },
                preventDefault: true,
              },
            ]),
          ),
          hist.extension,
          hist.listener,
          lineNumbers(),
          highlightSpecialChars(),
          drawSelection(),
          highlightActiveLine(),
          bracketMatching(),
          closeBrackets(),
          autocompletion({ activateOnTyping: true, icons: true }),
          syntaxHighlighting(highlight),
          EditorView.lineWrapping,
          theme,
          placeholder('Write a query — Ctrl/Cmd-Enter runs it, Ctrl-Space completes'),
          EditorView.contentAttributes.of({ 'aria-label': o.label, 'data-testid': 'query-input' }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) o.onChange?.();
          }),
          this.language.of(this.languageExtension()),
        ],
      }),
    });
  }

  get text(): string {
    return this.view.state.doc.toString();
  }

  /** Replaces the text (undoable) and puts the cursor at its end. */
  setText(text: string): void {
    if (text === this.text) return;
    this.view.dispatch({
      changes: { from: 0, to: this.view.state.doc.length, insert: text },
      selection: { anchor: text.length },
    });
  }

  setLanguage(lang: QueryLang): void {
    if (lang === this.lang) return;
    this.lang = lang;
    this.view.dispatch({ effects: this.language.reconfigure(this.languageExtension()) });
    this.clearErrors();
  }

  /** Completion and highlighting of the catalog's commands, functions and fields. */
  setCatalog(catalog: CatalogResponse): void {
    this.catalog = catalog;
    this.view.dispatch({ effects: this.language.reconfigure(this.languageExtension()) });
  }

  /** Underlines `[start, end)` (character offsets into the text) with the message. */
  showError(start: number, end: number, message: string): void {
    const len = this.view.state.doc.length;
    let from = Math.max(0, Math.min(start, len));
    let to = Math.max(from, Math.min(end, len));
    if (from === to) {
      // An empty span (e.g. "unexpected end of query"): mark the character before it.
      if (to < len) to += 1;
      else if (from > 0) from -= 1;
    }
    const diagnostic: Diagnostic = { from, to, severity: 'error', message, source: 'flowwatch' };
    this.view.dispatch(setDiagnostics(this.view.state, [diagnostic]));
    this.el.dataset['errorStart'] = String(from);
    this.el.dataset['errorEnd'] = String(to);
  }

  clearErrors(): void {
    this.view.dispatch(setDiagnostics(this.view.state, []));
    delete this.el.dataset['errorStart'];
    delete this.el.dataset['errorEnd'];
  }

  /** Closes the completion list (a run must not leave it open over the results). */
  closeCompletion(): void {
    closeCompletion(this.view);
  }

  /** Inserts `text` at the cursor (replacing the selection) and focuses the editor. */
  insert(text: string): void {
    const { from, to } = this.view.state.selection.main;
    this.view.dispatch({
      changes: { from, to, insert: text },
      selection: { anchor: from + text.length },
    });
    this.view.focus();
  }

  /** The next edit starts a new undo step. */
  markUndoBoundary(): void {
    this.history.boundary();
  }

  focus(): void {
    this.view.focus();
  }

  destroy(): void {
    this.view.destroy();
  }

  private languageExtension() {
    return this.lang === 'sql' ? sqlLanguage(this.catalog) : insightsLanguage(this.catalog);
  }
}

// Query: Logs Insights and SQL editors (highlighting, completion from the catalog, errors underlined at
// their span), the named query library, results as a table and a chart. The query lives in the URL
// (`#/query?lang=insights&q=...`), so a result can be shared; opening such a URL runs it.

import { ApiError, type CatalogResponse, type QueryResponse } from '../lib/api.js';
import { Chart } from '../lib/charts.js';
import { h, replaceChildren, uid } from '../lib/dom.js';
import { copyText, download, toCsv, toJson } from '../lib/export.js';
import { FINDINGS_COLUMNS, SQL_HINT } from '../lib/findings-table.js';
import { formatAgo, formatNumber, plural } from '../lib/format.js';
import { cellLink } from '../lib/layout.js';
import { type Page, type PageContext, PageShell } from '../lib/page.js';
import { QueryEditor, type QueryLang } from '../lib/query-editor.js';
import { clearHistory, type HistoryEntry, loadHistory, remember } from '../lib/query-history.js';
import { resultChart } from '../lib/result-chart.js';
import { navigate, type Route, withParams } from '../lib/router.js';
import { empty } from '../lib/states.js';
import { renderResults } from '../lib/table.js';
import { rangeFromParams, resolveRange } from '../lib/time-range.js';

const EXAMPLES: Record<QueryLang, string> = {
  insights: 'filter action = "REJECT"\n| stats count(*) as rejected by bin(5m)\n| sort @timestamp',
  sql: 'SELECT action, count(*) AS flows, sum(bytes) AS bytes\nFROM flows\nGROUP BY action\nORDER BY flows DESC',
};

/** The width at which the stylesheet stacks the side panel under the editor. */
const NARROW = window.matchMedia('(max-width: 720px)');

class QueryPage extends PageShell {
  private readonly editor: QueryEditor;
  private readonly langInputs: Record<QueryLang, HTMLInputElement>;
  private readonly library: HTMLSelectElement;
  private readonly libraryField: HTMLElement;
  private readonly hint = h('p', { class: 'muted small', 'data-testid': 'query-hint' });
  private readonly meta = h('div', {
    class: 'results-meta',
    'data-testid': 'results-meta',
    'aria-live': 'polite',
  });
  private readonly chartHolder = h('div', { class: 'chart-holder', hidden: true });
  private readonly chartNote = h('p', { class: 'muted small' });
  private readonly chart = new Chart('query', 'Chart of the query results');
  private readonly table = h('div', { class: 'results' });
  private readonly runButton: HTMLButtonElement;
  /** Where the last error points: the line, and a caret under the span. */
  private readonly errorAt = h('pre', { class: 'query-error', 'data-testid': 'query-error', hidden: true });
  private readonly exportBar: HTMLElement;
  private readonly exportNote = h('span', { class: 'muted small', 'aria-live': 'polite' });
  private readonly fieldList = h('ul', { class: 'side-list', 'data-testid': 'field-list' });
  private readonly historyList = h('ol', { class: 'side-list', 'data-testid': 'query-history' });
  private last: QueryResponse | undefined;
  private lang: QueryLang = 'insights';
  private catalog: CatalogResponse | undefined;
  private fieldNames = new Set<string>();
  private lastRouteQuery: string | null | undefined;
  /** The text of the other language, kept when the user switches. */
  private readonly texts: Record<QueryLang, string> = { insights: '', sql: '' };

  constructor(private readonly ctx: PageContext) {
    super('query', 'Query');
    this.editor = new QueryEditor({
      doc: '',
      lang: 'insights',
      label: 'Query text',
      onRun: () => this.submit(),
      onChange: () => this.clearError('query'),
    });
    const group = `lang-${uid('g')}`;
    const radio = (lang: QueryLang, label: string) => {
      const id = uid(`lang-${lang}`);
      const input = h('input', {
        type: 'radio',
        name: group,
        id,
        value: lang,
        'data-testid': `lang-${lang}`,
      });
      input.addEventListener('change', () => {
        if (input.checked) this.switchLanguage(lang);
      });
      return { input, el: h('span', { class: 'radio' }, input, h('label', { for: id }, label)) };
    };
    const insights = radio('insights', 'Logs Insights');
    const sql = radio('sql', 'SQL');
    this.langInputs = { insights: insights.input, sql: sql.input };
    const libId = uid('library');
    this.library = h(
      'select',
      { id: libId, 'data-testid': 'query-library', disabled: true },
      h('option', { value: '' }, 'Loading…'),
    );
    this.library.addEventListener('change', () => this.pickLibrary());
    this.libraryField = h(
      'div',
      { class: 'field' },
      h('label', { for: libId }, 'Query library'),
      this.library,
    );
    this.runButton = h('button', { type: 'submit', class: 'primary', 'data-testid': 'run-query' }, 'Run');
    const form = h(
      'form',
      { class: 'query-form', 'aria-label': 'Query' },
      h(
        'div',
        { class: 'toolbar' },
        h('fieldset', { class: 'segmented' }, h('legend', {}, 'Language'), insights.el, sql.el),
        this.libraryField,
      ),
      h(
        'div',
        { class: 'query-main' },
        this.editor.el,
        h(
          'aside',
          { class: 'query-side', 'aria-label': 'Fields and history' },
          h(
            'details',
            // Open beside the editor; closed on a narrow screen, where it would push Run below the fold.
            { open: !NARROW.matches, 'data-testid': 'fields-panel' },
            h('summary', {}, 'Fields'),
            this.fieldList,
          ),
          h(
            'details',
            { open: !NARROW.matches, 'data-testid': 'history-panel' },
            h('summary', {}, 'History'),
            this.historyList,
            h(
              'button',
              {
                type: 'button',
                class: 'small',
                'data-testid': 'history-clear',
                onclick: () => {
                  clearHistory();
                  this.renderHistory([]);
                },
              },
              'Clear history',
            ),
          ),
        ),
      ),
      this.errorAt,
      h(
        'div',
        { class: 'toolbar' },
        this.runButton,
        h(
          'span',
          { class: 'muted small' },
          h('kbd', {}, 'Ctrl'),
          '/',
          h('kbd', {}, '⌘'),
          ' + ',
          h('kbd', {}, 'Enter'),
          ' runs the query',
        ),
      ),
      this.hint,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    const exportButton = (label: string, testid: string, fn: () => void) =>
      h('button', { type: 'button', class: 'small', 'data-testid': testid, onclick: fn }, label);
    this.exportBar = h(
      'div',
      { class: 'toolbar export-bar', hidden: true, 'data-testid': 'export-bar' },
      exportButton('Download CSV', 'export-csv', () => this.exportAs('csv')),
      exportButton('Download JSON', 'export-json', () => this.exportAs('json')),
      exportButton('Copy as CSV', 'copy-csv', () => void this.copyResult()),
      this.exportNote,
    );
    this.chartHolder.append(this.chart.el);
    this.body.append(form, this.meta, this.exportBar, this.chartHolder, this.chartNote, this.table);
    this.renderHistory(loadHistory());
  }

  private exportAs(kind: 'csv' | 'json'): void {
    const r = this.last;
    if (!r) return;
    const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
    if (kind === 'csv') download(`flowwatch-${stamp}.csv`, toCsv(r.columns, r.rows), 'text/csv');
    else download(`flowwatch-${stamp}.json`, toJson(r.columns, r.rows), 'application/json');
  }

  private async copyResult(): Promise<void> {
    const r = this.last;
    if (!r) return;
    const ok = await copyText(toCsv(r.columns, r.rows));
    this.exportNote.textContent = ok
      ? `Copied ${plural(r.rows.length, 'row')} as CSV.`
      : 'The browser refused the clipboard: use Download CSV instead.';
  }

  private renderFields(): void {
    const c = this.catalog;
    if (!c) return;
    const names =
      this.lang === 'sql'
        ? [
            ...c.fields.map((f) => ({ name: f.column, type: f.type, doc: f.description })),
            ...FINDINGS_COLUMNS.map((f) => ({ ...f, name: `findings.${f.name}` })),
          ]
        : [
            ...c.systemFields.map((f) => ({ name: f, type: '', doc: 'a system field' })),
            ...c.fields.map((f) => ({ name: f.insights, type: f.type, doc: f.description })),
          ];
    replaceChildren(
      this.fieldList,
      names.map((f) =>
        h(
          'li',
          {},
          h(
            'button',
            {
              type: 'button',
              class: 'link-button',
              title: `${f.doc}${f.type ? ` (${f.type})` : ''} — click to insert`,
              onclick: () => this.editor.insert(f.name),
            },
            f.name,
          ),
          f.type ? h('span', { class: 'muted small' }, ` ${f.type}`) : null,
        ),
      ),
    );
  }

  private renderHistory(items: readonly HistoryEntry[]): void {
    replaceChildren(
      this.historyList,
      items.length === 0
        ? h('li', { class: 'muted small' }, 'Queries you run appear here.')
        : items.map((e) =>
            h(
              'li',
              { 'data-testid': 'history-item', 'data-lang': e.lang },
              h(
                'button',
                {
                  type: 'button',
                  class: 'link-button history-text',
                  title: e.text,
                  onclick: () => this.loadFromHistory(e),
                },
                e.text.replace(/\s+/g, ' '),
              ),
              h(
                'span',
                { class: 'muted small' },
                `${e.lang === 'sql' ? 'SQL' : 'Insights'} · ${formatAgo(e.at / 1000)}`,
              ),
            ),
          ),
    );
  }

  /** Puts a past query in the editor (switching language if needed) without running it. */
  private loadFromHistory(e: HistoryEntry): void {
    if (!this.route) return;
    if (e.lang === this.lang) {
      this.editor.setText(e.text);
      this.editor.focus();
      return;
    }
    this.texts[this.lang] = this.editor.text;
    this.texts[e.lang] = e.text;
    navigate(withParams(this.route, { lang: e.lang, q: undefined }), true);
  }

  /** Shows where an error points: its line with a caret under the span, and line and column. */
  private showErrorAt(text: string, start: number, end: number): void {
    const before = text.slice(0, start);
    const line = before.split('\n').length;
    const lineStart = before.lastIndexOf('\n') + 1;
    const lineEnd = text.indexOf('\n', start);
    const lineText = text.slice(lineStart, lineEnd === -1 ? text.length : lineEnd);
    const column = start - lineStart + 1;
    const width = Math.max(1, Math.min(end, lineStart + lineText.length) - start);
    this.errorAt.dataset['line'] = String(line);
    this.errorAt.dataset['column'] = String(column);
    replaceChildren(
      this.errorAt,
      h('span', { class: 'query-error-where' }, `Line ${line}, column ${column}:`),
      '\n',
      lineText,
      '\n',
      h('span', { class: 'query-error-caret' }, `${' '.repeat(column - 1)}${'^'.repeat(width)}`),
    );
    this.errorAt.hidden = false;
  }

  update(route: Route): void {
    this.route = route;
    const lang: QueryLang = route.params.get('lang') === 'sql' ? 'sql' : 'insights';
    const q = route.params.get('q');
    if (lang !== this.lang) {
      this.texts[this.lang] = this.editor.text;
      this.lang = lang;
      this.editor.setLanguage(lang);
      if (q === null) this.editor.setText(this.texts[lang]);
      // Results of the other language no longer match the editor.
      this.meta.textContent = '';
      this.chartHolder.hidden = true;
      this.chartNote.textContent = '';
      this.table.replaceChildren();
    }
    this.langInputs[lang].checked = true;
    this.renderFields();
    this.libraryField.hidden = lang !== 'insights';
    this.hint.textContent =
      lang === 'insights'
        ? 'Logs Insights over the selected time range. Ctrl-Space lists commands, functions and fields.'
        : SQL_HINT;
    // Only a query that changed in the URL replaces the editor text (time-range changes keep edits).
    if (q !== null && q !== this.lastRouteQuery) this.editor.setText(q);
    if (this.lastRouteQuery === undefined && q === null && !this.editor.text)
      this.editor.setText(EXAMPLES[lang]);
    this.lastRouteQuery = q;
    if (!this.catalog) this.loadCatalog();
    if (q !== null && q.trim() !== '') this.execute(lang, q, route);
    else if (!this.busy()) this.root.dataset['ready'] = 'true';
  }

  override dispose(): void {
    super.dispose();
    this.editor.destroy();
    this.chart.dispose();
  }

  /** Puts the editor's query in the URL, which runs it (and makes it shareable). */
  private submit(): void {
    const text = this.editor.text;
    if (!this.route) return;
    if (text.trim() === '') {
      this.meta.textContent = 'Write a query first.';
      this.editor.focus();
      return;
    }
    this.editor.closeCompletion();
    this.editor.markUndoBoundary();
    navigate(withParams(this.route, { q: text, lang: this.lang }));
  }

  private switchLanguage(lang: QueryLang): void {
    if (!this.route || lang === this.lang) return;
    this.texts[this.lang] = this.editor.text;
    if (!this.texts[lang]) this.texts[lang] = EXAMPLES[lang];
    navigate(withParams(this.route, { lang, q: undefined }), true);
  }

  private pickLibrary(): void {
    const item = this.catalog?.library.find((l) => l.name === this.library.value);
    if (!item) return;
    this.editor.setText(item.query);
    this.editor.focus();
  }

  private loadCatalog(): void {
    void this.run('catalog', async (signal) => {
      const catalog = await this.ctx.api.catalog(signal);
      this.catalog = catalog;
      this.fieldNames = new Set([
        ...catalog.fields.flatMap((f) => [f.insights, f.column]),
        ...catalog.systemFields,
      ]);
      this.editor.setCatalog(catalog);
      this.renderFields();
      this.library.replaceChildren(
        h('option', { value: '' }, catalog.library.length ? 'Choose a saved query…' : 'No saved queries'),
        ...catalog.library.map((l) =>
          h('option', { value: l.name, title: l.query }, `${l.title} (${l.name})`),
        ),
      );
      this.library.disabled = catalog.library.length === 0;
    });
  }

  private execute(lang: QueryLang, text: string, route: Route): void {
    this.editor.clearErrors();
    this.editor.closeCompletion();
    this.errorAt.hidden = true;
    this.exportBar.hidden = true;
    this.exportNote.textContent = '';
    this.last = undefined;
    this.renderHistory(remember(lang, text));
    this.runButton.disabled = true;
    this.runButton.textContent = 'Running…';
    this.meta.textContent = 'Running…';
    const range = resolveRange(rangeFromParams(route.params));
    void this.run('query', async (signal) => {
      try {
        const res =
          lang === 'sql'
            ? await this.ctx.api.sql({ sql: text }, signal)
            : await this.ctx.api.query(
                { query: text, since: range.since, until: range.until, stats: true },
                signal,
              );
        this.renderResult(res, lang === 'insights' ? range : undefined);
      } catch (err) {
        if (err instanceof ApiError) {
          if (err.start !== undefined && text === this.editor.text) {
            this.editor.showError(
              err.start,
              err.end ?? err.start,
              err.hint ? `${err.message} — ${err.hint}` : err.message,
            );
            this.showErrorAt(text, err.start, err.end ?? err.start);
          }
          this.meta.textContent = err.status === 408 ? 'The query timed out.' : 'The query failed.';
          // Results of an earlier query would pass for this one's.
          this.chartHolder.hidden = true;
          this.chartNote.textContent = '';
          this.table.replaceChildren();
        }
        throw err;
      } finally {
        this.runButton.disabled = false;
        this.runButton.textContent = 'Run';
      }
    });
  }

  private renderResult(res: QueryResponse, range?: { since: number; until: number }): void {
    this.last = res;
    this.exportBar.hidden = res.columns.length === 0;
    const st = res.statistics;
    replaceChildren(
      this.meta,
      plural(res.rows.length, 'row'),
      st
        ? h(
            'span',
            { 'data-testid': 'query-stats' },
            ` · ${formatNumber(st.recordsMatched)} of ${plural(st.recordsScanned, 'record')} matched`,
          )
        : null,
      ` · ${formatNumber(Math.round(res.elapsedMs))} ms`,
      res.truncated
        ? h(
            'span',
            { class: 'warn', 'data-testid': 'results-truncated' },
            ' — cut at the row cap; narrow the query or add a limit',
          )
        : null,
      ...(res.warnings ?? []).map((w) =>
        h('div', { class: 'warn', 'data-testid': 'query-warning' }, `Warning: ${w}`),
      ),
    );
    const chart = resultChart(res, this.fieldNames, range);
    this.chartHolder.hidden = chart === undefined;
    this.chartNote.textContent = chart?.note ?? '';
    if (chart) this.chart.set(chart.option, { series: chart.series, points: chart.points });
    replaceChildren(
      this.table,
      res.columns.length
        ? renderResults(res.columns, res.rows, {
            testid: 'results-table',
            keepEmptyTable: true,
            empty: 'No rows: nothing matched in this time range.',
            link: (c, v) => cellLink(c, v),
          })
        : h('div', { 'data-testid': 'results-table' }, empty('The query returned no columns.')),
    );
  }
}

export function queryPage(ctx: PageContext): Page {
  return new QueryPage(ctx);
}

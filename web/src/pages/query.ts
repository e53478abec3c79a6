// Query: Logs Insights and SQL editors (highlighting, completion from the catalog, errors underlined at
// their span), the named query library, results as a table and a chart. The query lives in the URL
// (`#/query?lang=insights&q=...`), so a result can be shared; opening such a URL runs it.

import { ApiError, type CatalogResponse, type QueryResponse } from '../lib/api.js';
import { Chart } from '../lib/charts.js';
import { h, replaceChildren, uid } from '../lib/dom.js';
import { formatNumber, plural } from '../lib/format.js';
import { cellLink } from '../lib/layout.js';
import { type Page, type PageContext, PageShell } from '../lib/page.js';
import { QueryEditor, type QueryLang } from '../lib/query-editor.js';
import { resultChart } from '../lib/result-chart.js';
import { navigate, type Route, withParams } from '../lib/router.js';
import { empty } from '../lib/states.js';
import { renderResults } from '../lib/table.js';
import { rangeFromParams, resolveRange } from '../lib/time-range.js';

const EXAMPLES: Record<QueryLang, string> = {
  insights: 'filter action = "REJECT"\n| stats count(*) as rejected by bin(5m)\n| sort @timestamp',
  sql: 'SELECT action, count(*) AS flows, sum(bytes) AS bytes\nFROM flows\nGROUP BY action\nORDER BY flows DESC',
};

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
      this.editor.el,
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
    this.chartHolder.append(this.chart.el);
    this.body.append(form, this.meta, this.chartHolder, this.chartNote, this.table);
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
    this.libraryField.hidden = lang !== 'insights';
    this.hint.textContent =
      lang === 'insights'
        ? 'Logs Insights over the selected time range. Ctrl-Space lists commands, functions and fields.'
        : 'Read-only SQL (SELECT or WITH) over the tables flows, files and rejects. The time range does not apply: filter on the event_time column (unix seconds; equal to start when a record has one).';
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
    this.runButton.disabled = true;
    this.runButton.textContent = 'Running…';
    this.meta.textContent = 'Running…';
    const range = resolveRange(rangeFromParams(route.params));
    void this.run('query', async (signal) => {
      try {
        const res =
          lang === 'sql'
            ? await this.ctx.api.sql({ sql: text }, signal)
            : await this.ctx.api.query({ query: text, since: range.since, until: range.until }, signal);
        this.renderResult(res);
      } catch (err) {
        if (err instanceof ApiError) {
          if (err.start !== undefined && text === this.editor.text) {
            this.editor.showError(
              err.start,
              err.end ?? err.start,
              err.hint ? `${err.message} — ${err.hint}` : err.message,
            );
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

  private renderResult(res: QueryResponse): void {
    replaceChildren(
      this.meta,
      `${plural(res.rows.length, 'row')} in ${formatNumber(Math.round(res.elapsedMs))} ms`,
      res.truncated
        ? h(
            'span',
            { class: 'warn', 'data-testid': 'results-truncated' },
            ' — cut at the row cap; narrow the query or add a limit',
          )
        : null,
    );
    const chart = resultChart(res, this.fieldNames);
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

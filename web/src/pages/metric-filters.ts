// Metric filters: the configured filters with their metric over the time range, and a form that tests a
// filter pattern against pasted sample lines (TestMetricFilter), showing the matched lines and the values
// the pattern extracts.

import type { FlowsResponse, MetricFiltersResponse, TestPatternResponse } from '../lib/api.js';
import { ApiError } from '../lib/api.js';
import { Chart, COLORS, timeSeriesOption } from '../lib/charts.js';
import { h, replaceChildren, uid } from '../lib/dom.js';
import { formatNumber, plural } from '../lib/format.js';
import { card } from '../lib/layout.js';
import { type Page, type PageContext, PageShell } from '../lib/page.js';
import type { Route } from '../lib/router.js';
import { empty, loading } from '../lib/states.js';
import { renderTable } from '../lib/table.js';
import { chooseBin, rangeFromParams, resolveRange } from '../lib/time-range.js';

type Filter = MetricFiltersResponse['filters'][number];
type Match = TestPatternResponse['matches'][number];

/** The default (version 2) flow log format, by AWS field name. */
const DEFAULT_FORMAT = [
  'version',
  'account-id',
  'interface-id',
  'srcaddr',
  'dstaddr',
  'srcport',
  'dstport',
  'protocol',
  'packets',
  'bytes',
  'start',
  'end',
  'action',
  'log-status',
];

const MAX_LINES = 1000;

class MetricFiltersPage extends PageShell {
  private readonly list = h('div', {}, loading());
  private readonly charts = new Map<string, Chart>();
  private readonly pattern: HTMLTextAreaElement;
  private readonly lines: HTMLTextAreaElement;
  private readonly patternEcho = h('pre', {
    class: 'pattern-echo',
    'data-testid': 'pattern-error',
    hidden: true,
  });
  private readonly testResult = h('div', { 'aria-live': 'polite' });
  private readonly defineResult = h('div', { 'aria-live': 'polite' });
  private readonly defineName = h('input', {
    id: uid('fname'),
    'data-testid': 'filter-name',
    placeholder: 'rejected-ssh',
    required: 'true',
  });
  private readonly defineNamespace = h('input', {
    id: uid('fns'),
    'data-testid': 'filter-namespace',
    value: 'FlowLogs',
    required: 'true',
  });
  private readonly defineMetric = h('input', {
    id: uid('fmetric'),
    'data-testid': 'filter-metric',
    placeholder: 'RejectedSSH',
    required: 'true',
  });
  private readonly defineValue = h('input', {
    id: uid('fvalue'),
    'data-testid': 'filter-value',
    value: '1',
    required: 'true',
  });
  private readonly defineDefault = h('input', {
    id: uid('fdefault'),
    'data-testid': 'filter-default',
    placeholder: '0 (optional)',
  });

  constructor(private readonly ctx: PageContext) {
    super('filters', 'Metric filters');
    const patternId = uid('pattern');
    const linesId = uid('lines');
    this.pattern = h('textarea', {
      id: patternId,
      rows: 2,
      spellcheck: 'false',
      class: 'mono',
      'data-testid': 'pattern-input',
      placeholder:
        '[version, account, eni, source, destination, srcport, destport="22", protocol="6", packets, bytes, windowstart, windowend, action="REJECT", flowlogstatus]',
    });
    this.lines = h('textarea', {
      id: linesId,
      rows: 8,
      spellcheck: 'false',
      class: 'mono',
      'data-testid': 'sample-lines',
      placeholder:
        '2 123456789012 eni-0a1b2c3d 203.0.113.12 10.0.1.5 49152 22 6 1 40 1716200100 1716200160 REJECT OK',
    });
    this.pattern.addEventListener('input', () => {
      this.patternEcho.hidden = true;
      this.clearError('test');
    });
    const form = h(
      'form',
      { class: 'stack', 'aria-label': 'Test a filter pattern' },
      h('label', { for: patternId }, 'Filter pattern'),
      this.pattern,
      this.patternEcho,
      h('label', { for: linesId }, `Sample log lines, one per line (at most ${formatNumber(MAX_LINES)})`),
      this.lines,
      h(
        'div',
        { class: 'toolbar' },
        h('button', { type: 'submit', class: 'primary', 'data-testid': 'test-pattern' }, 'Test pattern'),
        h(
          'button',
          {
            type: 'button',
            'data-testid': 'load-samples',
            title: 'The newest flows of the time range, written in the field order of a [a, b, ...] pattern',
            onclick: () => this.loadSamples(),
          },
          'Use recent flows as sample lines',
        ),
      ),
      this.testResult,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.test();
    });
    const field = (label: string, input: HTMLInputElement) => h('label', { for: input.id }, label, input);
    const define = h(
      'form',
      { class: 'stack', 'aria-label': 'Define a metric filter' },
      h(
        'p',
        { class: 'muted' },
        'Uses the pattern above. The filter applies to every record from now on, and its metric is computed over the stored records at once.',
      ),
      field('Filter name', this.defineName),
      field('Metric namespace', this.defineNamespace),
      field('Metric name', this.defineMetric),
      field('Metric value (a number or $field)', this.defineValue),
      field('Default value', this.defineDefault),
      h(
        'div',
        { class: 'toolbar' },
        h('button', { type: 'submit', class: 'primary', 'data-testid': 'define-filter' }, 'Define filter'),
      ),
      this.defineResult,
    );
    define.addEventListener('submit', (e) => {
      e.preventDefault();
      this.define();
    });
    this.body.append(
      card('Filters', this.list, { testid: 'card-filters', wide: true }),
      card('Test a pattern', form, { testid: 'card-test-pattern', wide: true }),
      card('Define a filter', define, { testid: 'card-define-filter', wide: true }),
    );
  }

  update(route: Route): void {
    this.route = route;
    const range = resolveRange(rangeFromParams(route.params));
    const period = Math.max(60, chooseBin(range));
    void this.run('filters', async (signal) => {
      const { filters } = await this.ctx.api.metricFilters(signal);
      this.renderList(filters);
      await Promise.all(
        filters.map(async (f) => {
          const holder = this.list.querySelector<HTMLElement>(`[data-chart-for="${CSS.escape(f.name)}"]`);
          if (!holder) return;
          const { points } = await this.ctx.api.metric(
            { namespace: f.metricNamespace, metric: f.metricName, stat: 'Sum', period },
            range,
            signal,
          );
          if (points.length === 0) {
            replaceChildren(holder, empty());
            return;
          }
          let chart = this.charts.get(f.name);
          if (!chart) {
            chart = new Chart(
              `filter-${f.name}`,
              `Metric ${f.metricNamespace}/${f.metricName} of filter ${f.name}`,
            );
            this.charts.set(f.name, chart);
          }
          replaceChildren(holder, chart.el);
          chart.set(
            timeSeriesOption({
              series: [
                {
                  name: `Sum per ${period}s`,
                  points: points.map((p) => [p.t * 1000, p.value] as const),
                  color: COLORS.accepted,
                },
              ],
              range,
            }),
            { series: 1, points: points.length },
          );
        }),
      );
    });
  }

  override dispose(): void {
    super.dispose();
    for (const c of this.charts.values()) c.dispose();
  }

  private renderList(filters: readonly Filter[]): void {
    const keep = new Set(filters.map((f) => f.name));
    for (const [name, c] of this.charts) {
      if (!keep.has(name)) {
        c.dispose();
        this.charts.delete(name);
      }
    }
    if (filters.length === 0) {
      replaceChildren(
        this.list,
        empty(
          'No metric filters are configured. Add them under `metricFilters:` in the configuration file, testing their patterns below first.',
        ),
      );
      return;
    }
    replaceChildren(
      this.list,
      h(
        'div',
        { class: 'filter-list', 'data-testid': 'filters-list' },
        filters.map((f) => {
          // Keep the chart element across refreshes so the chart does not flicker.
          const existing = this.charts.get(f.name);
          return h(
            'article',
            { class: 'filter', 'data-testid': `filter-${f.name}` },
            h(
              'div',
              { class: 'filter-head' },
              h('h3', {}, f.name),
              h(
                'button',
                { type: 'button', class: 'small', onclick: () => this.useFilter(f) },
                'Test this pattern',
              ),
            ),
            h('code', { class: 'pattern' }, f.pattern || '(matches every line)'),
            h(
              'p',
              { class: 'muted small' },
              `${f.metricNamespace} / ${f.metricName}, value ${f.metricValue}`,
              f.defaultValue !== undefined ? `, default ${f.defaultValue}` : '',
            ),
            h(
              'div',
              { class: 'chart-holder small', 'data-chart-for': f.name },
              existing ? existing.el : loading(),
            ),
          );
        }),
      ),
    );
  }

  private useFilter(f: Filter): void {
    this.pattern.value = f.pattern;
    this.patternEcho.hidden = true;
    this.pattern.focus();
    this.pattern.scrollIntoView({ block: 'center', behavior: 'smooth' });
  }

  private define(): void {
    const pattern = this.pattern.value;
    const dflt = this.defineDefault.value.trim();
    const body = {
      name: this.defineName.value.trim(),
      pattern,
      metricNamespace: this.defineNamespace.value.trim(),
      metricName: this.defineMetric.value.trim(),
      metricValue: this.defineValue.value.trim(),
      ...(dflt !== '' && Number.isFinite(Number(dflt)) ? { defaultValue: Number(dflt) } : {}),
    };
    replaceChildren(this.defineResult, loading('Saving…'));
    void this.run('define', async (signal) => {
      try {
        const f = await this.ctx.api.putMetricFilter(body, signal);
        replaceChildren(
          this.defineResult,
          h(
            'p',
            { 'data-testid': 'define-done' },
            `Defined ${f.name}: ${f.metricNamespace}/${f.metricName}.`,
          ),
        );
        if (this.route) this.update(this.route);
      } catch (err) {
        this.defineResult.replaceChildren();
        if (err instanceof ApiError && err.start !== undefined) {
          this.showPatternError(
            pattern,
            err.start,
            err.end ?? err.start,
            err.hint ? `${err.message} — ${err.hint}` : err.message,
          );
        }
        throw err;
      }
    });
  }

  private test(): void {
    const lines = this.lines.value.split(/\r?\n/).filter((l) => l.trim() !== '');
    if (lines.length === 0) {
      replaceChildren(this.testResult, empty('Paste some log lines to test the pattern against.'));
      this.lines.focus();
      return;
    }
    if (lines.length > MAX_LINES) {
      replaceChildren(
        this.testResult,
        empty(
          `At most ${formatNumber(MAX_LINES)} lines can be tested at once (${formatNumber(lines.length)} given).`,
        ),
      );
      return;
    }
    const pattern = this.pattern.value;
    this.patternEcho.hidden = true;
    replaceChildren(this.testResult, loading('Testing…'));
    void this.run('test', async (signal) => {
      try {
        const { matches, warnings } = await this.ctx.api.testPattern({ pattern, lines }, signal);
        this.renderMatches(matches, lines.length, warnings ?? []);
      } catch (err) {
        this.testResult.replaceChildren();
        if (err instanceof ApiError && err.start !== undefined) {
          this.showPatternError(
            pattern,
            err.start,
            err.end ?? err.start,
            err.hint ? `${err.message} — ${err.hint}` : err.message,
          );
        }
        throw err;
      }
    });
  }

  /** The pattern with the span of the error marked, as the CLI prints it. */
  private showPatternError(pattern: string, start: number, end: number, message: string): void {
    const s = Math.max(0, Math.min(start, pattern.length));
    const e = Math.max(s + 1, Math.min(end, pattern.length));
    replaceChildren(
      this.patternEcho,
      pattern.slice(0, s),
      h('mark', {}, pattern.slice(s, e) || ' '),
      pattern.slice(e),
      '\n',
      h('span', { class: 'pattern-message' }, message),
    );
    this.patternEcho.hidden = false;
  }

  private renderMatches(matches: readonly Match[], total: number, warnings: readonly string[]): void {
    const keys = [...new Set(matches.flatMap((m) => Object.keys(m.values)))];
    replaceChildren(
      this.testResult,
      h(
        'p',
        { 'data-testid': 'pattern-summary' },
        `${formatNumber(matches.length)} of ${plural(total, 'line')} matched.`,
      ),
      warnings.map((w) => h('div', { class: 'warn', 'data-testid': 'pattern-warning' }, `Warning: ${w}`)),
      renderTable<Match>({
        testid: 'pattern-matches',
        rows: matches,
        keepEmptyTable: true,
        empty: 'No line matched the pattern.',
        columns: [
          { label: 'Line #', numeric: true, cell: (m) => m.eventNumber },
          { label: 'Line', cell: (m) => h('code', { class: 'line' }, m.line) },
          ...keys.map((k) => ({ label: k, cell: (m: Match) => m.values[k] ?? '–' })),
        ],
      }),
    );
  }

  private loadSamples(): void {
    void this.run('samples', async (signal) => {
      const range = resolveRange(rangeFromParams(this.route?.params ?? new URLSearchParams()));
      const [catalog, flows] = await Promise.all([
        this.ctx.api.catalog(signal),
        this.ctx.api.flows({ limit: 20 }, range, signal),
      ]);
      const lines = toLines(flows, catalog.fields, patternFields(this.pattern.value) ?? DEFAULT_FORMAT);
      if (lines.length === 0) {
        replaceChildren(this.testResult, empty('No flows in this time range to take sample lines from.'));
        return;
      }
      this.lines.value = lines.join('\n');
      this.testResult.replaceChildren();
    });
  }
}

/**
 * The field names of a space-delimited pattern (`[version, srcaddr, dstport = 22, ...]`), so sample lines
 * come out in the order the pattern expects; undefined for other patterns.
 */
function patternFields(pattern: string): string[] | undefined {
  const m = /^\s*\[(.*)\]\s*$/s.exec(pattern);
  if (!m) return undefined;
  const names = m[1]!
    .split(',')
    .map((p) =>
      p
        .trim()
        .split(/\s*(?:!=|<=|>=|=|<|>)\s*/)[0]!
        .trim(),
    )
    .filter((n) => n !== '');
  return names.length > 0 && names.every((n) => /^[\w-]+$/.test(n)) ? names : undefined;
}

/**
 * Rows of the flows explorer written back as space-delimited log lines with the given fields (catalog
 * column, Insights or AWS names), `-` where a value is missing.
 */
function toLines(
  flows: FlowsResponse,
  fields: readonly { aws: string; column: string; insights: string }[],
  order: readonly string[],
): string[] {
  const byName = new Map<string, { aws: string; column: string; insights: string }>();
  for (const f of fields) for (const n of [f.aws, f.column, f.insights]) byName.set(n, f);
  return flows.rows.map((row) =>
    order
      .map((name) => {
        const f = byName.get(name);
        const v =
          (f ? (row[f.column] ?? row[f.insights]) : undefined) ?? row[name] ?? row[name.replaceAll('-', '_')];
        return v === null || v === undefined || v === '' ? '-' : String(v);
      })
      .join(' '),
  );
}

export function metricFiltersPage(ctx: PageContext): Page {
  return new MetricFiltersPage(ctx);
}

// Anomalies: an interface's Random Cut Forest score per period of the time range (GET /api/anomalies) with the
// threshold line and its anomalous periods shaded, each period's explanation on hover and click; too little
// history is said loudly instead of an empty chart. Below, the findings of the baseline, beacon and RCF
// detections of the range with their summaries, each linking to its finding page.

import type { AnomaliesResponse, FindingsResponse } from '../lib/api.js';
import { Chart, type ChartOption, COLORS, timeSeriesOption } from '../lib/charts.js';
import { h, replaceChildren, uid } from '../lib/dom.js';
import { severityBadge } from '../lib/findings.js';
import { formatNumber, formatSpan, formatTime } from '../lib/format.js';
import { card } from '../lib/layout.js';
import { type Page, type PageContext, PageShell } from '../lib/page.js';
import { linkTo, navigate, type Route, withParams } from '../lib/router.js';
import { empty, loading } from '../lib/states.js';
import { renderTable } from '../lib/table.js';
import { rangeFromParams, resolveRange } from '../lib/time-range.js';

type Point = AnomaliesResponse['points'][number];
type Finding = FindingsResponse['findings'][number];

/** The detections whose findings this page lists: the baselines', the beacon's and the forest's. */
export const ANOMALY_DETECTIONS: readonly string[] = [
  'rcf-interface-anomaly',
  'exfiltration-baseline',
  'flood-fan-in',
  'flood-packets',
  'reject-spike',
  'remote-volume',
  'beacon',
];

/** Why there is no score, in words that say what to do. */
export function noScoreMessage(a: AnomaliesResponse): { title: string; hint: string } {
  const period = formatSpan(a.period);
  if (a.available === 0)
    return {
      title: `No history for ${a.interface}: it has no records with addresses in this range or the 7 days before it.`,
      hint: 'Pick another interface or time range, or ingest its flow logs.',
    };
  const missing = a.needs - a.available;
  return {
    title: `Too little history to score ${a.interface}: needs ${formatNumber(a.needs)} periods of ${period}; ${formatNumber(a.available)} available.`,
    hint:
      missing > 0
        ? `Scores start once ${formatNumber(missing)} more periods (${formatSpan(missing * a.period)}) of its records are stored; pick a later time range or ingest older logs.`
        : (a.note ?? 'Pick a later time range.'),
  };
}

/** The chart: score and threshold per period, anomalous periods shaded, the explanation in the tooltip. */
export function anomalyOption(a: AnomaliesResponse, range: { since: number; until: number }): ChartOption {
  const ms = (p: Point) => p.t * 1000;
  const option = timeSeriesOption({
    series: [
      { name: 'score', points: a.points.map((p) => [ms(p), p.score]), color: COLORS.accepted },
      { name: 'threshold', points: a.points.map((p) => [ms(p), p.threshold]), color: COLORS.threshold },
    ],
    format: (n) => n.toFixed(2),
    range,
    bands: a.points
      .filter((p) => p.anomalous)
      .map((p) => ({ from: ms(p), to: (p.t + a.period) * 1000, label: 'anomalous', color: COLORS.rejected })),
  });
  const byTime = new Map(a.points.map((p) => [ms(p), p]));
  return {
    ...option,
    tooltip: {
      trigger: 'axis',
      confine: true,
      extraCssText: 'max-width: 320px; white-space: normal;',
      formatter: (params) => {
        const first = (Array.isArray(params) ? params[0] : params) as { value?: unknown } | undefined;
        const t = Array.isArray(first?.value) ? Number(first.value[0]) : Number.NaN;
        const p = byTime.get(t);
        if (!p) return '';
        return [
          `${escapeHtml(formatTime(p.t).slice(0, 16))} UTC`,
          `score: <b>${p.score.toFixed(2)}</b> (threshold ${p.threshold.toFixed(2)})`,
          p.anomalous ? '<b style="color:#e0493e">anomalous</b>' : 'normal',
          escapeHtml(p.explanation),
        ].join('<br>');
      },
    },
  };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

class AnomaliesPage extends PageShell {
  private readonly picker: HTMLSelectElement;
  private readonly chart = new Chart('anomaly-score', 'Anomaly score per period with its threshold');
  private readonly chartHolder = h('div', { class: 'chart-holder' }, loading());
  private readonly meta = h('p', { class: 'results-meta', 'data-testid': 'anomaly-meta' });
  private readonly detail = h('div', { 'data-testid': 'anomaly-detail', 'aria-live': 'polite' });
  private readonly periods = h('div', { 'data-testid': 'anomaly-periods' });
  private readonly findings = h('div', { 'data-testid': 'anomaly-findings' }, loading());
  private interfaces: string[] = [];
  private data: AnomaliesResponse | undefined;

  constructor(private readonly ctx: PageContext) {
    super('anomalies', 'Anomalies');
    const id = uid('interface');
    this.picker = h('select', { id, name: 'interface', 'data-testid': 'anomaly-interface' });
    this.picker.addEventListener('change', () =>
      navigate(withParams(this.route!, { interface: this.picker.value || null }), true),
    );
    this.chart.onGridClick((_grid, x) => this.showPeriod(x / 1000));
    this.body.append(
      h(
        'form',
        {
          class: 'filter-form',
          'aria-label': 'Pick an interface',
          onsubmit: (e: Event) => e.preventDefault(),
        },
        h('div', { class: 'field' }, h('label', { for: id }, 'Interface'), this.picker),
      ),
      card('Anomaly score (Random Cut Forest)', [this.meta, this.chartHolder, this.detail, this.periods], {
        testid: 'card-anomaly-score',
      }),
      card('Baseline, beacon and anomaly findings', this.findings, { testid: 'card-anomaly-findings' }),
    );
  }

  update(route: Route): void {
    this.route = route;
    const range = resolveRange(rangeFromParams(route.params));
    const wanted = route.params.get('interface') ?? '';
    void this.run('anomalies', async (signal) => {
      const overview = await this.ctx.api.overview(range, Math.max(60, range.until - range.since), signal);
      const ids = overview.interfaces.map((i) => i.interfaceId);
      const iface = wanted || ids[0] || '';
      this.setInterfaces(wanted && !ids.includes(wanted) ? [...ids, wanted] : ids, iface);
      if (!iface) {
        this.data = undefined;
        replaceChildren(this.meta);
        replaceChildren(this.detail);
        replaceChildren(this.periods);
        this.chartHolder.classList.add('note-only');
        replaceChildren(
          this.chartHolder,
          empty('No interface has records in this time range: pick a wider range or ingest flow logs.'),
        );
        return;
      }
      const a = await this.ctx.api.anomalies(iface, range, signal);
      this.render(a, range);
    });
    void this.run('findings', async (signal) => {
      const all = await this.ctx.api.findings({}, range, signal);
      this.renderFindings(all.findings.filter((f) => ANOMALY_DETECTIONS.includes(f.detection)));
    });
  }

  private setInterfaces(ids: string[], value: string): void {
    if (ids.join('\n') !== this.interfaces.join('\n')) {
      this.interfaces = ids;
      replaceChildren(
        this.picker,
        ids.length === 0 ? h('option', { value: '' }, 'No interface in this range') : null,
        ids.map((i) => h('option', { value: i }, i)),
      );
    }
    this.picker.value = value;
  }

  private render(a: AnomaliesResponse, range: { since: number; until: number }): void {
    this.data = a;
    replaceChildren(this.detail);
    this.chartHolder.classList.toggle('note-only', a.points.length === 0);
    if (a.points.length === 0) {
      const m = noScoreMessage(a);
      replaceChildren(this.meta);
      replaceChildren(this.periods);
      replaceChildren(
        this.chartHolder,
        h(
          'div',
          { class: 'banner banner-warn', role: 'alert', 'data-testid': 'anomaly-note' },
          h('strong', {}, m.title),
          h('div', { class: 'banner-hint' }, m.hint),
        ),
      );
      return;
    }
    const anomalous = a.points.filter((p) => p.anomalous);
    replaceChildren(
      this.meta,
      `${formatNumber(a.points.length)} periods of ${formatSpan(a.period)} scored against ${formatNumber(a.available)} periods of history; ` +
        `${formatNumber(anomalous.length)} anomalous (score above the threshold: at least ${a.threshold} and mean + 3σ). ` +
        'Hover or click a period for its explanation.',
    );
    if (!this.chartHolder.contains(this.chart.el)) replaceChildren(this.chartHolder, this.chart.el);
    this.chart.set(anomalyOption(a, range), { series: 2, points: a.points.length });
    this.chart.el.dataset['anomalous'] = String(anomalous.length);
    // A list rather than a table: the explanations wrap at any width.
    const sorted = [...anomalous].sort((x, y) => y.t - x.t);
    replaceChildren(
      this.periods,
      sorted.length === 0
        ? empty('No period of this range is above the threshold.')
        : h(
            'ul',
            { class: 'anomaly-periods', 'data-testid': 'anomaly-periods-list' },
            sorted.map((p) =>
              h(
                'li',
                { 'data-t': String(p.t) },
                h('strong', {}, `${formatTime(p.t).slice(0, 16)} UTC`),
                ` score ${p.score.toFixed(2)} (threshold ${p.threshold.toFixed(2)}): ${p.explanation}`,
              ),
            ),
          ),
    );
  }

  /** Shows the explanation of the period containing unix time `t`. */
  private showPeriod(t: number): void {
    const a = this.data;
    const p = a?.points.find((x) => t >= x.t && t < x.t + a.period);
    if (!a || !p) return;
    replaceChildren(
      this.detail,
      h(
        'p',
        { class: p.anomalous ? 'banner banner-warn' : 'banner', 'data-anomalous': String(p.anomalous) },
        h('strong', {}, `${formatTime(p.t).slice(0, 16)} UTC: score ${p.score.toFixed(2)}`),
        ` (threshold ${p.threshold.toFixed(2)}, ${p.anomalous ? 'anomalous' : 'normal'}). ${p.explanation}`,
      ),
    );
  }

  private renderFindings(list: readonly Finding[]): void {
    replaceChildren(
      this.findings,
      renderTable<Finding>({
        testid: 'anomaly-findings-table',
        rows: [...list].sort((a, b) => b.end - a.end),
        empty:
          'No baseline, beacon or anomaly finding in this time range. Run `flowwatch detect` and `flowwatch anomalies` (the monitor runs them as data arrives).',
        rowAttrs: (f) => ({ 'data-testid': `anomaly-finding-${f.id}`, 'data-detection': f.detection }),
        columns: [
          { label: 'Severity', cell: (f) => severityBadge(f.severity) },
          {
            label: 'Finding',
            cell: (f) =>
              h(
                'span',
                { class: 'stack-tight' },
                h('a', { href: linkTo(['findings', f.id]), 'data-testid': 'anomaly-finding-link' }, f.title),
                h('span', { class: 'muted small' }, f.detection),
              ),
          },
          { label: 'Entity', cell: (f) => h('span', { class: 'mono' }, f.entity) },
          {
            label: 'What was seen',
            cell: (f) => f.summary ?? `${formatNumber(f.evidence_count)} records`,
          },
          { label: 'Last seen (UTC)', nowrap: true, cell: (f) => formatTime(f.end) },
        ],
      }),
    );
  }
}

export function anomaliesPage(ctx: PageContext): Page {
  return new AnomaliesPage(ctx);
}

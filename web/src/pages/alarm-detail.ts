// One alarm: its state and definition (threshold, M of N, actions, mute), its metric over the time range with
// the threshold line and the alarm's states as bands behind it, each breach with the flow records behind it,
// and the state-change history (newest first).

import { bandConditionText, conditionText, stateBadge } from '../lib/alarm-state.js';
import { type AlarmHistoryResponse, type AlarmsResponse, ApiError, type Range } from '../lib/api.js';
import { Chart, COLORS, type TimeBand, timeSeriesOption } from '../lib/charts.js';
import { h, replaceChildren, uid } from '../lib/dom.js';
import { formatAgo, formatSpan, formatTimeUtc, plural } from '../lib/format.js';
import { card, cellLink } from '../lib/layout.js';
import { type Page, type PageContext, PageShell } from '../lib/page.js';
import { linkTo, type Route } from '../lib/router.js';
import { empty, loading } from '../lib/states.js';
import { renderResults, renderTable } from '../lib/table.js';
import { absoluteParams, rangeFromParams, resolveRange } from '../lib/time-range.js';

type Alarm = AlarmsResponse['alarms'][number];
type HistoryItem = AlarmHistoryResponse['items'][number];

/** Colours of the state bands behind the metric. */
const BAND_COLORS: Record<string, string> = {
  ALARM: COLORS.rejected,
  OK: '#2e9d57',
  INSUFFICIENT_DATA: '#8a94a3',
};

const MUTE_CHOICES: [number, string][] = [
  [15, '15 minutes'],
  [60, '1 hour'],
  [120, '2 hours'],
  [480, '8 hours'],
  [1440, '1 day'],
  [10080, '7 days'],
];

/** One stretch of a state: [from, to) in unix seconds (`to` undefined: still in it). */
export interface StateSpan {
  readonly state: string;
  readonly from: number;
  readonly to: number | undefined;
}

/**
 * The alarm's states over time from its history (state changes, any order): each change starts a span that
 * the next change ends. The state before the first change known is left out (its start is unknown).
 *
 * @example stateSpans([{ time: 60, type: 'StateUpdate', from: 'OK', to: 'ALARM', summary: '' }]) // [{ state: 'ALARM', from: 60, to: undefined }]
 */
export function stateSpans(items: readonly HistoryItem[]): StateSpan[] {
  const changes = items
    .filter((i) => i.type === 'StateUpdate' && i.to !== undefined)
    .sort((a, b) => a.time - b.time);
  return changes.map((c, i) => ({ state: c.to!, from: c.time, to: changes[i + 1]?.time }));
}

class AlarmDetailPage extends PageShell {
  private readonly info = h('div', { class: 'alarm-info', 'data-testid': 'alarm-info' }, loading());
  private readonly chart = new Chart('alarm-metric', 'The alarm metric with its threshold and states');
  private readonly chartHolder = h('div', { class: 'chart-holder' }, loading());
  private readonly legend = h('div', { class: 'band-legend', 'data-testid': 'band-legend' });
  private readonly breaches = h('div', { 'data-testid': 'alarm-breaches' }, loading());
  private readonly history = h('div', {}, loading());

  constructor(
    private readonly ctx: PageContext,
    private readonly name: string,
  ) {
    super(
      'alarm',
      `Alarm ${name}`,
      h('span', {}, h('a', { href: linkTo(['alarms']) }, 'Alarms'), ' / ', name),
    );
    this.body.append(
      card('State', this.info, { testid: 'card-alarm-state' }),
      card('Metric', [this.chartHolder, this.legend], { testid: 'card-alarm-metric' }),
      card('Breaches and their flows', this.breaches, { testid: 'card-alarm-breaches' }),
      card('History', this.history, { testid: 'card-alarm-history' }),
    );
  }

  update(route: Route): void {
    this.route = route;
    const range = resolveRange(rangeFromParams(route.params));
    void this.run('alarm', async (signal) => {
      const [{ alarms }, history] = await Promise.all([
        this.ctx.api.alarms(signal),
        this.ctx.api.alarmHistory(this.name, 500, signal),
      ]);
      const alarm = alarms.find((a) => a.name === this.name);
      if (!alarm) {
        replaceChildren(this.info, empty());
        replaceChildren(this.chartHolder, empty());
        replaceChildren(this.breaches, empty());
        throw new ApiError(
          404,
          'NOT_FOUND',
          `There is no alarm named "${this.name}".`,
          'Pick one from the Alarms page.',
        );
      }
      this.renderInfo(alarm);
      this.renderHistory(history.items);
      const spans = stateSpans(history.items);
      this.renderBreaches(alarm, spans);
      if (alarm.kind === 'composite') {
        replaceChildren(
          this.chartHolder,
          empty(`A composite alarm has no metric of its own: ${alarm.rule ?? ''}`),
        );
        replaceChildren(this.legend);
        return;
      }
      const metric = await this.ctx.api.alarmMetric(this.name, range, signal);
      const bands: TimeBand[] = spans
        .filter((s) => (s.to ?? range.until) > range.since && s.from < range.until)
        .map((s) => ({
          from: Math.max(s.from, range.since) * 1000,
          to: Math.min(s.to ?? range.until, range.until) * 1000,
          label: s.state,
          color: BAND_COLORS[s.state] ?? '#888',
        }));
      if (metric.points.length === 0 && bands.length === 0) {
        replaceChildren(this.chartHolder, empty());
        replaceChildren(this.legend);
        return;
      }
      if (!this.chartHolder.contains(this.chart.el)) replaceChildren(this.chartHolder, this.chart.el);
      const stat = alarm.metric?.statistic ?? 'value';
      const band = metric.band;
      this.chart.set(
        timeSeriesOption({
          series: [
            {
              name: `${stat} per ${metric.period}s`,
              points: metric.points.map((p) => [p.t * 1000, p.value] as const),
              color: COLORS.accepted,
            },
          ],
          ...(metric.threshold !== undefined
            ? {
                threshold: {
                  value: metric.threshold,
                  label: `threshold ${conditionText(alarm.comparisonOperator, metric.threshold)}`,
                },
              }
            : {}),
          ...(band !== undefined
            ? {
                valueBand: {
                  label: `anomaly band (k = ${band.k})`,
                  color: COLORS.threshold,
                  points: band.points.map((p) => [p.t * 1000, p.lower, p.upper] as const),
                },
              }
            : {}),
          bands,
          range,
        }),
        { series: 1, points: metric.points.length },
      );
      this.chart.el.dataset['bands'] = String(bands.length);
      this.chart.el.dataset['anomalyBand'] = String(band?.points.length ?? 0);
      const shown = [...new Set(bands.map((b) => b.label))];
      replaceChildren(
        this.legend,
        h(
          'span',
          {},
          h('span', { class: 'band-swatch', style: `background:${COLORS.threshold}` }),
          band !== undefined ? `anomaly band (k = ${band.k})` : 'threshold',
        ),
        band !== undefined && band.state !== 'TRAINED'
          ? h('span', { 'data-testid': 'anomaly-band-message' }, `no band yet: ${band.message}`)
          : [],
        shown.map((s) =>
          h(
            'span',
            {},
            h('span', { class: 'band-swatch', style: `background:${BAND_COLORS[s] ?? '#888'}` }),
            s,
          ),
        ),
      );
    });
  }

  override dispose(): void {
    super.dispose();
    this.chart.dispose();
  }

  private renderInfo(a: Alarm): void {
    const row = (label: string, value: Node | string | (Node | string)[], testid?: string) => [
      h('dt', {}, label),
      h('dd', { 'data-testid': testid }, value),
    ];
    const topics = (list: readonly string[] | undefined) => (list?.length ? list.join(', ') : 'none');
    const m = a.metric;
    const n = a.evaluationPeriods;
    const mOfN =
      m && n !== undefined
        ? `${a.datapointsToAlarm ?? n} of the last ${plural(n, 'period')} of ${formatSpan(m.period)} must breach`
        : undefined;
    replaceChildren(
      this.info,
      h(
        'dl',
        { class: 'facts' },
        row('State', stateBadge(a.state, 'alarm-state')),
        row('Since', a.since > 0 ? `${formatTimeUtc(a.since)} (${formatAgo(a.since)})` : '–'),
        row('Reason', a.reason || '–'),
        a.description ? row('Description', a.description) : [],
        m
          ? row('Metric', `${m.namespace} / ${m.metricName} — ${m.statistic} per ${formatSpan(m.period)}`)
          : [],
        a.kind === 'metric'
          ? row(
              'Threshold',
              `${m?.statistic ?? 'value'} ${a.anomalyBand !== undefined ? bandConditionText(a.comparisonOperator, a.anomalyBand.k) : conditionText(a.comparisonOperator, a.threshold)}`,
              'alarm-threshold',
            )
          : [],
        mOfN ? row('Datapoints to alarm', mOfN, 'alarm-m-of-n') : [],
        a.treatMissingData ? row('Missing data', `treated as ${a.treatMissingData}`) : [],
        a.rule ? row('Rule', h('code', {}, a.rule)) : [],
        row(
          'Actions',
          a.actionsEnabled === false
            ? 'disabled in the configuration'
            : [
                h('div', {}, `on ALARM: ${topics(a.alarmActions)}`),
                h('div', {}, `on OK: ${topics(a.okActions)}`),
                h('div', {}, `on insufficient data: ${topics(a.insufficientDataActions)}`),
              ],
          'alarm-actions',
        ),
      ),
      this.muteBar(a),
    );
  }

  /** Mute for a while, or the mute in effect and a way to end it. */
  private muteBar(a: Alarm): HTMLElement {
    if (a.mutedUntil !== undefined) {
      return h(
        'div',
        { class: 'alarm-actions-bar' },
        h(
          'span',
          { class: 'muted-note', 'data-testid': 'alarm-muted', 'data-until': String(a.mutedUntil) },
          `Muted until ${formatTimeUtc(a.mutedUntil)}: state changes are recorded, no notification is sent.`,
        ),
        h(
          'button',
          { type: 'button', 'data-testid': 'alarm-unmute', onclick: () => this.setMute(undefined) },
          'Unmute',
        ),
      );
    }
    const id = uid('mute');
    const select = h(
      'select',
      { id, 'data-testid': 'alarm-mute-for' },
      MUTE_CHOICES.map(([min, label]) => h('option', { value: String(min) }, label)),
    );
    select.value = '120';
    return h(
      'div',
      { class: 'alarm-actions-bar' },
      h('label', { for: id }, 'Mute notifications for'),
      select,
      h(
        'button',
        {
          type: 'button',
          'data-testid': 'alarm-mute',
          onclick: () => this.setMute(Number(select.value)),
        },
        'Mute',
      ),
    );
  }

  private setMute(minutes: number | undefined): void {
    void this.run('mute', async (signal) => {
      if (minutes === undefined) await this.ctx.api.unmuteAlarm(this.name, signal);
      else await this.ctx.api.muteAlarm(this.name, minutes, signal);
      const { alarms } = await this.ctx.api.alarms(signal);
      const a = alarms.find((x) => x.name === this.name);
      if (a) this.renderInfo(a);
    });
  }

  /** Each ALARM span (newest first), opening to the records the metric filter matched then. */
  private renderBreaches(a: Alarm, spans: readonly StateSpan[]): void {
    if (a.kind === 'composite') {
      replaceChildren(this.breaches, empty('A composite alarm’s flows are those of the alarms in its rule.'));
      return;
    }
    const breaches = spans.filter((s) => s.state === 'ALARM').reverse();
    if (breaches.length === 0) {
      replaceChildren(this.breaches, empty('The alarm has not fired in the history kept (two weeks).'));
      return;
    }
    const period = a.metric?.period ?? 60;
    const lookback = ((a.evaluationPeriods ?? 1) + 1) * period;
    replaceChildren(
      this.breaches,
      h(
        'div',
        { class: 'breach-list' },
        breaches.slice(0, 20).map((b, i) => {
          // The periods evaluated when it fired, to its end (or now): the records the metric counted.
          const range: Range = {
            since: Math.floor(b.from / 60) * 60 - lookback,
            until: Math.ceil((b.to ?? Date.now() / 1000) / 60) * 60 + 60,
          };
          const body = h('div', {}, loading());
          const details = h(
            'details',
            { class: 'breach', 'data-testid': 'alarm-breach', 'data-from': String(b.from) },
            h(
              'summary',
              {},
              `ALARM from ${formatTimeUtc(b.from)} `,
              b.to !== undefined ? `for ${formatSpan(b.to - b.from)}` : '(still in ALARM)',
            ),
            body,
          );
          let loaded = false;
          details.addEventListener('toggle', () => {
            if (!details.open || loaded) return;
            loaded = true;
            void this.run(`breach-${i}`, async (signal) => {
              const r = await this.ctx.api.alarmFlows(this.name, range, 100, signal);
              replaceChildren(
                body,
                h(
                  'p',
                  { class: 'muted small' },
                  `${plural(r.records, 'record')} matched metric filter ${r.filter ?? ''} from ${formatTimeUtc(range.since)} to ${formatTimeUtc(range.until)}`,
                  r.truncated ? ' (the first 100 shown)' : '',
                  ' · ',
                  h(
                    'a',
                    { href: linkTo(['flows'], absoluteParams(range.since, range.until)) },
                    'open the range in Flows',
                  ),
                ),
                renderResults(r.columns, r.rows, {
                  testid: 'breach-flows',
                  empty: 'No stored record matched: the records may have been forgotten since.',
                  link: (c, v) => cellLink(c, v),
                  nowrap: true,
                }),
              );
            });
          });
          return details;
        }),
      ),
    );
  }

  private renderHistory(items: readonly HistoryItem[]): void {
    replaceChildren(
      this.history,
      renderTable<HistoryItem>({
        testid: 'alarm-history',
        rows: items.slice(0, 100),
        empty: 'No state changes yet.',
        rowAttrs: (i): Record<string, string> => (i.to ? { 'data-state': i.to } : {}),
        columns: [
          { label: 'Time (UTC)', cell: (i) => formatTimeUtc(i.time), nowrap: true },
          { label: 'Type', cell: (i) => i.type },
          {
            label: 'Change',
            cell: (i) =>
              i.from || i.to
                ? h('span', {}, i.from ? stateBadge(i.from) : '–', ' → ', i.to ? stateBadge(i.to) : '–')
                : '–',
          },
          { label: 'Summary', cell: (i) => i.summary },
          { label: 'Reason', cell: (i) => h('span', { class: 'reason' }, i.reason ?? '–') },
        ],
      }),
    );
  }
}

export function alarmDetailPage(ctx: PageContext, name: string): Page {
  return new AlarmDetailPage(ctx, name);
}

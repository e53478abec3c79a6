// One alarm: its state and definition, its metric over the time range with the threshold line, and the
// state-change history (newest first).

import { conditionText, stateBadge } from '../lib/alarm-state.js';
import { type AlarmHistoryResponse, type AlarmsResponse, ApiError } from '../lib/api.js';
import { Chart, COLORS, timeSeriesOption } from '../lib/charts.js';
import { h, replaceChildren } from '../lib/dom.js';
import { formatAgo, formatTimeUtc } from '../lib/format.js';
import { card } from '../lib/layout.js';
import { type Page, type PageContext, PageShell } from '../lib/page.js';
import { linkTo, type Route } from '../lib/router.js';
import { empty, loading } from '../lib/states.js';
import { renderTable } from '../lib/table.js';
import { rangeFromParams, resolveRange } from '../lib/time-range.js';

type Alarm = AlarmsResponse['alarms'][number];
type HistoryItem = AlarmHistoryResponse['items'][number];

class AlarmDetailPage extends PageShell {
  private readonly info = h('div', { class: 'alarm-info', 'data-testid': 'alarm-info' }, loading());
  private readonly chart = new Chart('alarm-metric', 'The alarm metric with its threshold');
  private readonly chartHolder = h('div', { class: 'chart-holder' }, loading());
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
      card('Metric', this.chartHolder, { testid: 'card-alarm-metric' }),
      card('History', this.history, { testid: 'card-alarm-history' }),
    );
  }

  update(route: Route): void {
    this.route = route;
    const range = resolveRange(rangeFromParams(route.params));
    void this.run('alarm', async (signal) => {
      const [{ alarms }, history] = await Promise.all([
        this.ctx.api.alarms(signal),
        this.ctx.api.alarmHistory(this.name, 100, signal),
      ]);
      const alarm = alarms.find((a) => a.name === this.name);
      if (!alarm) {
        replaceChildren(this.info, empty());
        replaceChildren(this.chartHolder, empty());
        throw new ApiError(
          404,
          'NOT_FOUND',
          `There is no alarm named "${this.name}".`,
          'Pick one from the Alarms page.',
        );
      }
      this.renderInfo(alarm);
      this.renderHistory(history.items);
      if (alarm.kind === 'composite') {
        replaceChildren(
          this.chartHolder,
          empty(`A composite alarm has no metric of its own: ${alarm.rule ?? ''}`),
        );
        return;
      }
      const metric = await this.ctx.api.alarmMetric(this.name, range, signal);
      if (metric.points.length === 0) {
        replaceChildren(this.chartHolder, empty());
        return;
      }
      if (!this.chartHolder.contains(this.chart.el)) replaceChildren(this.chartHolder, this.chart.el);
      const stat = alarm.metric?.statistic ?? 'value';
      this.chart.set(
        timeSeriesOption({
          series: [
            {
              name: `${stat} per ${metric.period}s`,
              points: metric.points.map((p) => [p.t * 1000, p.value] as const),
              color: COLORS.accepted,
            },
          ],
          threshold: {
            value: metric.threshold,
            label: `threshold ${conditionText(alarm.comparisonOperator, metric.threshold)}`,
          },
          range,
        }),
        { series: 1, points: metric.points.length },
      );
    });
  }

  override dispose(): void {
    super.dispose();
    this.chart.dispose();
  }

  private renderInfo(a: Alarm): void {
    const row = (label: string, value: Node | string) => [h('dt', {}, label), h('dd', {}, value)];
    replaceChildren(
      this.info,
      h(
        'dl',
        { class: 'facts' },
        row('State', stateBadge(a.state, 'alarm-state')),
        row('Since', `${formatTimeUtc(a.since)} (${formatAgo(a.since)})`),
        row('Reason', a.reason || '–'),
        a.description ? row('Description', a.description) : [],
        a.metric
          ? row(
              'Metric',
              `${a.metric.namespace} / ${a.metric.metricName} — ${a.metric.statistic} per ${a.metric.period}s`,
            )
          : [],
        a.kind === 'metric' ? row('Condition', conditionText(a.comparisonOperator, a.threshold)) : [],
        a.rule ? row('Rule', h('code', {}, a.rule)) : [],
      ),
    );
  }

  private renderHistory(items: readonly HistoryItem[]): void {
    replaceChildren(
      this.history,
      renderTable<HistoryItem>({
        testid: 'alarm-history',
        rows: items,
        empty: 'No state changes yet.',
        rowAttrs: (i): Record<string, string> => (i.to ? { 'data-state': i.to } : {}),
        columns: [
          { label: 'Time (UTC)', cell: (i) => formatTimeUtc(i.time) },
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

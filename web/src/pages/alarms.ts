// Alarms: every alarm with its state, since when, and why; each row links to the alarm's detail page.

import { bandConditionText, conditionText, stateBadge } from '../lib/alarm-state.js';
import type { AlarmsResponse } from '../lib/api.js';
import { h, replaceChildren } from '../lib/dom.js';
import { formatAgo, formatTimeUtc } from '../lib/format.js';
import { statTile } from '../lib/layout.js';
import { type Page, type PageContext, PageShell } from '../lib/page.js';
import { linkTo, type Route } from '../lib/router.js';
import { loading } from '../lib/states.js';
import { renderTable } from '../lib/table.js';

type Alarm = AlarmsResponse['alarms'][number];

/** Alarms in ALARM first, then insufficient data, then OK; by name within a state. */
const ORDER: Record<string, number> = { ALARM: 0, INSUFFICIENT_DATA: 1, OK: 2 };

class AlarmsPage extends PageShell {
  private readonly summary = h('div', { class: 'stats', 'data-testid': 'alarms-summary' });
  private readonly list = h('div', {}, loading());

  constructor(private readonly ctx: PageContext) {
    super('alarms', 'Alarms');
    this.body.append(this.summary, this.list);
  }

  update(route: Route): void {
    this.route = route;
    void this.run('alarms', async (signal) => {
      const { alarms } = await this.ctx.api.alarms(signal);
      this.render(alarms);
    });
  }

  private render(alarms: readonly Alarm[]): void {
    const count = (s: string) => alarms.filter((a) => a.state === s).length;
    replaceChildren(
      this.summary,
      statTile('In ALARM', String(count('ALARM')), {
        tone: count('ALARM') > 0 ? 'danger' : undefined,
        testid: 'alarms-in-alarm',
      }),
      statTile('OK', String(count('OK')), { testid: 'alarms-ok' }),
      statTile('Insufficient data', String(count('INSUFFICIENT_DATA')), { testid: 'alarms-insufficient' }),
    );
    const rows = [...alarms].sort(
      (a, b) => (ORDER[a.state] ?? 3) - (ORDER[b.state] ?? 3) || a.name.localeCompare(b.name),
    );
    replaceChildren(
      this.list,
      renderTable<Alarm>({
        testid: 'alarms-table',
        rows,
        empty: 'No alarms are configured. Add them under `alarms:` in the configuration file.',
        rowAttrs: (a) => ({ 'data-testid': `alarm-row-${a.name}`, 'data-state': a.state }),
        columns: [
          { label: 'Name', cell: (a) => h('a', { href: linkTo(['alarms', a.name]) }, a.name) },
          { label: 'State', cell: (a) => stateBadge(a.state) },
          {
            label: 'Since',
            cell: (a) =>
              h(
                'time',
                { datetime: new Date(a.since * 1000).toISOString(), title: formatTimeUtc(a.since) },
                formatAgo(a.since),
              ),
          },
          { label: 'Reason', cell: (a) => h('span', { class: 'reason' }, a.reason || '–') },
          {
            label: 'Condition',
            cell: (a) =>
              a.kind === 'composite'
                ? h('code', {}, a.rule ?? 'composite')
                : a.metric
                  ? `${a.metric.statistic}(${a.metric.namespace}/${a.metric.metricName}, ${a.metric.period}s) ${a.anomalyBand !== undefined ? bandConditionText(a.comparisonOperator, a.anomalyBand.k) : conditionText(a.comparisonOperator, a.threshold)}`
                  : conditionText(a.comparisonOperator, a.threshold),
          },
        ],
      }),
    );
  }
}

export function alarmsPage(ctx: PageContext): Page {
  return new AlarmsPage(ctx);
}

// Encryption in transit of the time range (GET /api/reports/encryption, from encryption-status, version 10): the
// share of flows and bytes per status, per VPC, subnet, interface or service port, the unencrypted flows and who
// sends and receives them, and an hourly trend; a loud banner with the create-flow-logs command when no stored
// record has the field (the figures would be empty, not zero).

import type { EncryptionReportResponse } from '../lib/api.js';
import { barOption, Chart, COLORS, pieOption, timeSeriesOption } from '../lib/charts.js';
import { h, replaceChildren } from '../lib/dom.js';
import { fieldWarningBanners } from '../lib/field-warnings.js';
import { formatBytes, formatNumber, formatPercent, formatTime } from '../lib/format.js';
import { card, flowsLink, rankedList, statTile } from '../lib/layout.js';
import { type Page, type PageContext, PageShell } from '../lib/page.js';
import { currentRoute, navigate, type Route, withParams } from '../lib/router.js';
import { empty, loading } from '../lib/states.js';
import { renderTable } from '../lib/table.js';
import { rangeFromParams, resolveRange } from '../lib/time-range.js';

type Data = EncryptionReportResponse;
type Group = Data['by'];

const GROUPS: readonly { readonly by: Group; readonly label: string }[] = [
  { by: 'vpc', label: 'VPC' },
  { by: 'subnet', label: 'Subnet' },
  { by: 'interface', label: 'Interface' },
  { by: 'port', label: 'Service port' },
];

const HOUR = 3600;

/** The `by` of a route (`?by=subnet`), VPC by default. */
function groupOf(route: Route): Group {
  const by = route.params.get('by');
  return GROUPS.some((g) => g.by === by) ? (by as Group) : 'vpc';
}

/** Flows-page filter of a group's key. */
function groupLink(by: Group, key: string): string {
  if (by === 'interface') return flowsLink({ interface: key });
  if (by === 'port') return flowsLink({ port: key });
  return flowsLink({});
}

class EncryptionPage extends PageShell {
  private readonly warnings = h('div', { 'data-testid': 'encryption-warnings' });
  private readonly stats = h('div', { class: 'stats', 'data-testid': 'encryption-stats' });
  private readonly statusChart = new Chart('encryption-status', 'Bytes by encryption status');
  private readonly statusHolder = h('div', { class: 'chart-holder small' }, loading());
  private readonly statuses = h('div', {}, loading());
  private readonly groupSelect: HTMLSelectElement;
  private readonly groups = h('div', {}, loading());
  private readonly groupChart = new Chart('encryption-groups', 'Unencrypted and encrypted bytes per group');
  private readonly groupHolder = h('div', { class: 'chart-holder small' });
  private readonly talkers = h('div', { class: 'grid grid-3' });
  private readonly trendChart = new Chart('encryption-trend', 'Bytes per hour, all and unencrypted');
  private readonly trendHolder = h('div', { class: 'chart-holder' }, loading());

  constructor(private readonly ctx: PageContext) {
    super('encryption', 'Encryption in transit');
    this.groupSelect = h(
      'select',
      {
        'data-testid': 'encryption-by',
        'aria-label': 'Group by',
        onchange: () => {
          navigate(withParams(currentRoute(), { by: this.groupSelect.value }));
        },
      },
      GROUPS.map((g) => h('option', { value: g.by }, g.label)),
    );
    this.body.append(
      this.warnings,
      this.stats,
      h(
        'div',
        { class: 'grid' },
        card('Bytes by encryption status', [this.statusHolder], { testid: 'card-encryption-status' }),
        card('Flows and bytes by status', this.statuses, { testid: 'card-encryption-statuses' }),
      ),
      card('Unencrypted share per group', [this.groupHolder, this.groups], {
        testid: 'card-encryption-groups',
        wide: true,
        actions: [h('label', { class: 'inline' }, 'Group by ', this.groupSelect)],
      }),
      card('Unencrypted traffic: who', this.talkers, { testid: 'card-encryption-talkers', wide: true }),
      card('Trend per hour', [this.trendHolder], { testid: 'card-encryption-trend', wide: true }),
    );
  }

  update(route: Route): void {
    this.route = route;
    const by = groupOf(route);
    this.groupSelect.value = by;
    const range = resolveRange(rangeFromParams(route.params));
    void this.run('encryption', async (signal) => {
      const d = await this.ctx.api.encryption(range, by, signal);
      this.render(d, range);
    });
  }

  override dispose(): void {
    super.dispose();
    this.statusChart.dispose();
    this.groupChart.dispose();
    this.trendChart.dispose();
  }

  private render(d: Data, range: { since: number; until: number }): void {
    replaceChildren(this.warnings, fieldWarningBanners(d.warnings, 'encryption-warning'));
    const none = d.coverage.covered === 0;
    const unknown = none
      ? 'Unknown: no stored record of this range has encryption-status (see the warning above).'
      : undefined;
    const flows = d.statuses.reduce((n, s) => n + s.flows, 0);
    const bytes = d.statuses.reduce((n, s) => n + s.bytes, 0);
    const plain = d.statuses.find((s) => s.status === '0');
    replaceChildren(
      this.stats,
      statTile(
        'Records with encryption-status',
        `${formatNumber(d.coverage.covered)} of ${formatNumber(d.coverage.records)}`,
        {
          testid: 'encryption-coverage',
          ...(d.coverage.covered < d.coverage.records ? { tone: 'danger' as const } : {}),
        },
      ),
      statTile('Unencrypted bytes', none ? 'unknown' : formatPercent(plain?.bytes ?? 0, bytes), {
        testid: 'encryption-unencrypted-bytes',
        title: none ? '' : `${formatBytes(plain?.bytes ?? 0)} of ${formatBytes(bytes)}`,
        ...(plain && plain.bytes > 0 ? { tone: 'danger' as const } : {}),
      }),
      statTile('Unencrypted flows', none ? 'unknown' : formatPercent(plain?.flows ?? 0, flows), {
        testid: 'encryption-unencrypted-flows',
        title: none ? '' : `${formatNumber(plain?.flows ?? 0)} of ${formatNumber(flows)} records`,
        ...(plain && plain.flows > 0 ? { tone: 'danger' as const } : {}),
      }),
    );

    if (none || bytes === 0) {
      replaceChildren(this.statusHolder, empty(unknown ?? 'No bytes in this range.'));
    } else {
      if (!this.statusHolder.contains(this.statusChart.el))
        replaceChildren(this.statusHolder, this.statusChart.el);
      this.statusChart.set(
        pieOption(
          d.statuses.map((s) => ({ name: `${s.status}: ${s.meaning}`, value: s.bytes, key: s.status })),
          formatBytes,
        ),
        { series: 1, points: d.statuses.length },
      );
    }
    replaceChildren(
      this.statuses,
      renderTable<Data['statuses'][number]>({
        testid: 'encryption-statuses',
        rows: d.statuses,
        empty: unknown ?? 'No record in this range.',
        rowAttrs: (s) => ({ 'data-status': s.status }),
        columns: [
          { label: 'Status', cell: (s) => s.status },
          { label: 'Meaning', cell: (s) => s.meaning },
          { label: 'Flows', numeric: true, cell: (s) => formatNumber(s.flows) },
          { label: 'Share', numeric: true, cell: (s) => formatPercent(s.flowShare, 1) },
          {
            label: 'Bytes',
            numeric: true,
            cell: (s) => formatBytes(s.bytes),
            title: (s) => `${s.bytes} bytes`,
          },
          { label: 'Share', numeric: true, cell: (s) => formatPercent(s.byteShare, 1) },
        ],
      }),
    );
    this.renderGroups(d, unknown);
    this.renderTalkers(d, unknown);
    this.renderTrend(d, range, unknown);
  }

  private renderGroups(d: Data, unknown: string | undefined): void {
    const label = GROUPS.find((g) => g.by === d.by)?.label ?? d.by;
    const rows = d.groups;
    if (rows.length === 0) {
      replaceChildren(this.groupHolder);
    } else {
      if (!this.groupHolder.contains(this.groupChart.el))
        replaceChildren(this.groupHolder, this.groupChart.el);
      this.groupChart.set(
        barOption({
          categories: rows.map((g) => g.key ?? '(unknown)'),
          horizontal: true,
          format: formatBytes,
          series: [
            { name: 'unencrypted', values: rows.map((g) => g.unencryptedBytes), color: COLORS.rejected },
            {
              name: 'encrypted or not computed',
              values: rows.map((g) => g.bytes - g.unencryptedBytes),
              color: COLORS.accepted,
            },
          ],
        }),
        { series: 2, points: rows.length },
      );
    }
    replaceChildren(
      this.groups,
      renderTable<Data['groups'][number]>({
        testid: 'encryption-groups',
        rows,
        empty: unknown ?? 'No record in this range.',
        columns: [
          {
            label,
            cell: (g) =>
              g.key === null
                ? h('span', { class: 'muted', title: 'the format has no such field' }, 'unknown')
                : h('a', { href: groupLink(d.by, g.key) }, g.key),
          },
          { label: 'Flows', numeric: true, cell: (g) => formatNumber(g.flows) },
          {
            label: 'Bytes',
            numeric: true,
            cell: (g) => formatBytes(g.bytes),
            title: (g) => `${g.bytes} bytes`,
          },
          { label: 'Unencrypted flows', numeric: true, cell: (g) => formatNumber(g.unencryptedFlows) },
          {
            label: 'Unencrypted bytes',
            numeric: true,
            cell: (g) => formatBytes(g.unencryptedBytes),
            title: (g) => `${g.unencryptedBytes} bytes`,
          },
          {
            label: 'Unencrypted share',
            numeric: true,
            cell: (g) => formatPercent(g.unencryptedBytes, g.bytes),
          },
        ],
      }),
    );
  }

  private renderTalkers(d: Data, unknown: string | undefined): void {
    const list = (
      title: string,
      rows: Data['unencrypted']['sources'],
      link: (k: string) => string,
      testid: string,
    ) =>
      h(
        'div',
        {},
        h('h3', { class: 'small-head' }, title),
        rows.length === 0
          ? empty(unknown ?? 'No unencrypted traffic in this range.')
          : rankedList(
              rows.map((r) => ({
                label: r.key ?? '(unknown)',
                href: r.key === null ? flowsLink({}) : link(r.key),
                value: r.bytes,
                valueText: formatBytes(r.bytes),
                detail: `${formatNumber(r.flows)} flows`,
              })),
              { testid, label: title, tone: 'danger' },
            ),
      );
    replaceChildren(
      this.talkers,
      list('Sources', d.unencrypted.sources, (k) => flowsLink({ ip: k }), 'encryption-sources'),
      list(
        'Destinations',
        d.unencrypted.destinations,
        (k) => flowsLink({ ip: k }),
        'encryption-destinations',
      ),
      list('Service ports', d.unencrypted.ports, (k) => flowsLink({ port: k }), 'encryption-ports'),
    );
  }

  private renderTrend(d: Data, range: { since: number; until: number }, unknown: string | undefined): void {
    if (d.trend.length === 0) {
      replaceChildren(this.trendHolder, empty(unknown ?? 'No record in this range.'));
      return;
    }
    const by = new Map(d.trend.map((t) => [t.hour, t]));
    const all: [number, number][] = [];
    const plain: [number, number][] = [];
    for (let t = Math.floor(range.since / HOUR) * HOUR; t < range.until; t += HOUR) {
      const row = by.get(t);
      all.push([t * 1000, row?.bytes ?? 0]);
      plain.push([t * 1000, row?.unencryptedBytes ?? 0]);
    }
    if (!this.trendHolder.contains(this.trendChart.el)) replaceChildren(this.trendHolder, this.trendChart.el);
    this.trendChart.set(
      timeSeriesOption({
        series: [
          { name: 'bytes with encryption-status', points: all, color: COLORS.accepted },
          { name: 'unencrypted bytes', points: plain, color: COLORS.rejected },
        ],
        format: formatBytes,
        range,
      }),
      { series: 2, points: all.length },
    );
    this.trendHolder.title = `${formatTime(range.since)} to ${formatTime(range.until)} UTC`;
  }
}

export function encryptionPage(ctx: PageContext): Page {
  return new EncryptionPage(ctx);
}

// Compliance evidence of the time range (GET /api/reports/compliance): coverage per hour and its gaps, which
// interfaces and VPCs log and which stopped, delivery delay, retention, rejected traffic; each warning of the API
// (a field the stored format lacks, a period past retention) shown loudly with how to fix it; and the printable
// report (HTML, printed to PDF by the browser or by `flowwatch report compliance --out report.pdf`).

import type { ComplianceResponse, Range } from '../lib/api.js';
import { barOption, Chart, COLORS, timeSeriesOption } from '../lib/charts.js';
import { h, replaceChildren } from '../lib/dom.js';
import { addFieldHelp, missingField } from '../lib/field-warnings.js';
import { formatBytes, formatNumber, formatPercent, formatSpan, formatTime } from '../lib/format.js';
import { card, flowsLink, rankedList, statTile } from '../lib/layout.js';
import { type Page, type PageContext, PageShell } from '../lib/page.js';
import { linkTo, type Route } from '../lib/router.js';
import { empty, loading } from '../lib/states.js';
import { renderTable } from '../lib/table.js';
import { absoluteParams, rangeFromParams, resolveRange } from '../lib/time-range.js';

type Data = ComplianceResponse;
type Iface = Data['interfaces'][number];

const HOUR = 3600;
const DAY = 86_400;

/** Durations such as 540 s as `9m`, 5400 s as `1.5h`. */
function formatDelay(seconds: number | null): string {
  if (seconds === null) return '–';
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 2 * HOUR) return `${Math.round(seconds / 60)}m`;
  return `${(seconds / HOUR).toFixed(1)}h`;
}

class CompliancePage extends PageShell {
  private readonly warnings = h('div', { 'data-testid': 'compliance-warnings' });
  private readonly report = h('div', { class: 'report-bar', 'data-testid': 'compliance-report' });
  private readonly stats = h('div', { class: 'stats', 'data-testid': 'compliance-stats' });
  private readonly hoursChart = new Chart(
    'coverage-hours',
    'Records per hour of the period; gaps are hours without records',
  );
  private readonly hoursHolder = h('div', { class: 'chart-holder' }, loading());
  private readonly gaps = h('div', {}, loading());
  private readonly interfaces = h('div', {}, loading());
  private readonly vpcs = h('div', {}, loading());
  private readonly delay = h('div', {}, loading());
  private readonly rejectChart = new Chart('rejects-days', 'Rejected records per day');
  private readonly rejectHolder = h('div', { class: 'chart-holder small' }, loading());
  private readonly rejectLists = h('div', { class: 'grid grid-3' });

  constructor(private readonly ctx: PageContext) {
    super('compliance', 'Compliance');
    this.body.append(
      this.warnings,
      this.report,
      this.stats,
      card('Coverage per hour', [this.hoursHolder], { testid: 'card-coverage', wide: true }),
      h(
        'div',
        { class: 'grid' },
        card('Gaps (hours without any record)', this.gaps, { testid: 'card-gaps' }),
        card('Delivery delay and retention', this.delay, { testid: 'card-delay' }),
      ),
      card('Interfaces', this.interfaces, { testid: 'card-interfaces', wide: true }),
      card('VPCs', this.vpcs, { testid: 'card-vpcs' }),
      card('Rejected traffic', [this.rejectHolder, this.rejectLists], { testid: 'card-rejects', wide: true }),
    );
  }

  update(route: Route): void {
    this.route = route;
    const range = resolveRange(rangeFromParams(route.params));
    void this.run('compliance', async (signal) => {
      const d = await this.ctx.api.compliance(range, signal);
      this.render(d);
    });
  }

  override dispose(): void {
    super.dispose();
    this.hoursChart.dispose();
    this.rejectChart.dispose();
  }

  private render(d: Data): void {
    this.renderWarnings(d);
    this.renderReport(d);
    this.renderStats(d);
    this.renderHours(d);
    this.renderGaps(d);
    this.renderDelay(d);
    this.renderInterfaces(d.interfaces);
    this.renderVpcs(d);
    this.renderRejects(d);
  }

  private renderWarnings(d: Data): void {
    const short = d.until - d.since < 7 * DAY;
    replaceChildren(
      this.warnings,
      d.warnings.map((w) => {
        const field = missingField(w);
        return h(
          'div',
          {
            class: 'banner banner-warn',
            role: 'alert',
            'data-testid': 'compliance-warning',
            ...(field ? { 'data-missing-field': field } : {}),
          },
          h('strong', {}, field ? `Missing field \${${field}}: ` : 'Note: ', w),
          field ? addFieldHelp(field) : null,
        );
      }),
      short
        ? h(
            'p',
            { class: 'muted', 'data-testid': 'compliance-period-hint' },
            'Auditors usually ask for 30 days or more: ',
            h('a', { href: linkTo(['compliance'], { since: '30d' }) }, 'show the last 30 days'),
            '.',
          )
        : null,
    );
  }

  private renderReport(d: Data): void {
    const range = { since: d.since, until: d.until };
    const open = h(
      'button',
      {
        type: 'button',
        class: 'primary',
        'data-testid': 'compliance-open-report',
        onclick: () => this.openReport(range, false),
      },
      'Open the printable report',
    );
    const download = h(
      'button',
      {
        type: 'button',
        'data-testid': 'compliance-download-report',
        onclick: () => this.openReport(range, true),
      },
      'Download HTML',
    );
    replaceChildren(
      this.report,
      open,
      download,
      h(
        'span',
        { class: 'muted small' },
        'PDF: print the report from the browser, or run ',
        h(
          'code',
          { 'data-testid': 'compliance-pdf-command' },
          `flowwatch report compliance --since ${d.since} --until ${d.until} --out report.pdf`,
        ),
      ),
    );
  }

  /** Fetches the report with the token (a plain link would not send it) and opens or saves it. */
  private openReport(range: Range, save: boolean): void {
    const tab = save ? null : window.open('', '_blank');
    void this.run('report', async (signal) => {
      const html = await this.ctx.api.complianceHtml(range, signal);
      const url = URL.createObjectURL(new Blob([html], { type: 'text/html' }));
      if (save) {
        const a = h('a', {
          href: url,
          download: `flowwatch-compliance-${formatTime(range.since).slice(0, 10)}-${formatTime(range.until).slice(0, 10)}.html`,
        });
        document.body.append(a);
        a.click();
        a.remove();
      } else if (tab) tab.location.href = url;
      else window.location.assign(url);
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    });
  }

  private renderStats(d: Data): void {
    const withRecords = d.periodHours - d.hoursWithoutRecords;
    const stopped = d.interfaces.filter((i) => i.status === 'stopped').length;
    const rejected = d.rejects.days.reduce((n, x) => n + x.rejected, 0);
    replaceChildren(
      this.stats,
      statTile('Hours with records', `${formatPercent(withRecords, d.periodHours)}`, {
        testid: 'compliance-coverage',
        title: `${withRecords} of ${d.periodHours} hours`,
        ...(d.hoursWithoutRecords > 0 ? { tone: 'danger' as const } : {}),
      }),
      statTile('Hours without records', formatNumber(d.hoursWithoutRecords), {
        testid: 'compliance-nodata-hours',
        ...(d.hoursWithoutRecords > 0 ? { tone: 'danger' as const } : {}),
      }),
      statTile('Hours with SKIPDATA', formatNumber(d.hoursWithSkipdata), {
        testid: 'compliance-skipdata-hours',
        ...(d.hoursWithSkipdata > 0 ? { tone: 'danger' as const } : {}),
      }),
      statTile('Interfaces logging', `${d.interfaces.length - stopped} of ${d.interfaces.length}`, {
        testid: 'compliance-interfaces',
        ...(stopped > 0 ? { tone: 'danger' as const } : {}),
      }),
      statTile('Delivery delay (median)', formatDelay(d.delay.medianSeconds), { testid: 'compliance-delay' }),
      statTile('Days kept', d.retention.days.toFixed(1), { testid: 'compliance-retention' }),
      statTile(
        'Open findings',
        d.findings.runs === 0 && d.findings.total === 0
          ? 'unknown'
          : `${formatNumber(d.findings.open)} of ${formatNumber(d.findings.total)}`,
        {
          testid: 'compliance-findings',
          href: linkTo(['findings'], { since: String(d.since), until: String(d.until) }),
          title: `${d.findings.acknowledged} acknowledged, ${d.findings.suppressed} suppressed; ${d.findings.runs} detection runs`,
          ...(d.findings.open > 0 || (d.findings.runs === 0 && d.findings.total === 0)
            ? { tone: 'danger' as const }
            : {}),
        },
      ),
      statTile('Rejected records', formatNumber(rejected), {
        testid: 'compliance-rejected',
        href: flowsLink({ action: 'REJECT' }),
      }),
    );
  }

  private renderHours(d: Data): void {
    if (d.hours.length === 0) {
      replaceChildren(this.hoursHolder, empty('No record in this period: nothing shows logging was on.'));
      return;
    }
    const by = new Map(d.hours.map((x) => [x.hour, x]));
    const first = Math.floor(d.since / HOUR) * HOUR;
    const traffic: [number, number][] = [];
    const skip: [number, number][] = [];
    for (let t = first; t < d.until; t += HOUR) {
      const row = by.get(t);
      traffic.push([t * 1000, row ? row.traffic + row.nodata : 0]);
      skip.push([t * 1000, row?.skipdata ?? 0]);
    }
    if (!this.hoursHolder.contains(this.hoursChart.el)) replaceChildren(this.hoursHolder, this.hoursChart.el);
    this.hoursChart.set(
      timeSeriesOption({
        series: [
          { name: 'records (traffic and NODATA)', points: traffic, color: COLORS.accepted },
          { name: 'SKIPDATA records', points: skip, color: COLORS.rejected },
        ],
        range: { since: d.since, until: d.until },
      }),
      { series: 2, points: traffic.length },
    );
  }

  private renderGaps(d: Data): void {
    replaceChildren(
      this.gaps,
      renderTable<Data['gaps'][number]>({
        testid: 'compliance-gaps',
        rows: d.gaps.slice(0, 20),
        empty: 'No gap: every hour of the period has records.',
        columns: [
          { label: 'From (UTC)', nowrap: true, cell: (g) => formatTime(g.start) },
          { label: 'Hours', numeric: true, cell: (g) => formatNumber(g.hours) },
          {
            label: '',
            cell: (g) =>
              h(
                'a',
                { href: linkTo(['flows'], absoluteParams(g.start - HOUR, g.start + (g.hours + 1) * HOUR)) },
                'around it in Flows',
              ),
          },
        ],
      }),
      d.gaps.length > 20
        ? h('p', { class: 'muted small' }, `${d.gaps.length - 20} more gaps in the report.`)
        : null,
    );
  }

  private renderDelay(d: Data): void {
    const row = (label: string, value: string, testid?: string) => [
      h('dt', {}, label),
      h('dd', { 'data-testid': testid }, value),
    ];
    const r = d.retention;
    replaceChildren(
      this.delay,
      h(
        'dl',
        { class: 'facts' },
        row(
          'Delivery delay',
          d.delay.files > 0
            ? `median ${formatDelay(d.delay.medianSeconds)}, 95th percentile ${formatDelay(d.delay.p95Seconds)}, max ${formatDelay(d.delay.maxSeconds)} over ${formatNumber(d.delay.files)} files`
            : 'unknown: no file of the period has an S3 key time',
        ),
        row('Late files', `${formatNumber(d.delay.late)} later than ${formatSpan(d.delay.lateSeconds)}`),
        row(
          'Stored',
          r.oldest !== null && r.newest !== null
            ? `${formatTime(r.oldest)} → ${formatTime(r.newest)} UTC`
            : 'nothing',
        ),
        row(
          'Kept',
          `${r.days.toFixed(1)} days, ${formatNumber(r.records)} records in ${formatNumber(r.files)} files`,
        ),
      ),
    );
  }

  private renderInterfaces(rows: readonly Iface[]): void {
    replaceChildren(
      this.interfaces,
      renderTable<Iface>({
        testid: 'compliance-interfaces-table',
        rows: [...rows].sort((a, b) =>
          a.status === b.status
            ? a.interfaceId.localeCompare(b.interfaceId)
            : a.status === 'stopped'
              ? -1
              : 1,
        ),
        empty: 'No interface logged in this period.',
        rowAttrs: (i) => ({ 'data-status': i.status }),
        columns: [
          {
            label: 'Interface',
            cell: (i) => h('a', { href: flowsLink({ interface: i.interfaceId }) }, i.interfaceId),
          },
          {
            label: 'Status',
            cell: (i) =>
              h('span', { class: `badge ${i.status === 'stopped' ? 'state-alarm' : 'state-ok'}` }, i.status),
          },
          {
            label: 'VPC',
            cell: (i) =>
              i.vpcId ?? h('span', { class: 'muted', title: 'the format has no vpc-id' }, 'unknown'),
          },
          { label: 'Subnet', cell: (i) => i.subnetId ?? h('span', { class: 'muted' }, 'unknown') },
          { label: 'Hours with records', numeric: true, cell: (i) => formatNumber(i.hoursWithRecords) },
          { label: 'Records', numeric: true, cell: (i) => formatNumber(i.records) },
          { label: 'SKIPDATA', numeric: true, cell: (i) => formatNumber(i.skipdata) },
          { label: 'Last record (UTC)', nowrap: true, cell: (i) => formatTime(i.lastSeen) },
        ],
      }),
    );
  }

  private renderVpcs(d: Data): void {
    replaceChildren(
      this.vpcs,
      renderTable<Data['vpcs'][number]>({
        testid: 'compliance-vpcs',
        rows: d.vpcs,
        empty:
          d.interfaces.length > 0 && d.interfaces.every((i) => i.vpcId === null)
            ? 'No VPC is known: the stored format has no vpc-id (see the warning above).'
            : 'No VPC logged in this period.',
        columns: [
          { label: 'VPC', cell: (v) => v.vpcId },
          { label: 'Interfaces', numeric: true, cell: (v) => formatNumber(v.interfaces) },
          { label: 'Stopped', numeric: true, cell: (v) => formatNumber(v.stopped) },
          { label: 'Records', numeric: true, cell: (v) => formatNumber(v.records) },
        ],
      }),
    );
  }

  private renderRejects(d: Data): void {
    const days = d.rejects.days;
    if (days.length === 0 || days.every((x) => x.rejected === 0)) {
      replaceChildren(this.rejectHolder, empty('No rejected record in this period.'));
    } else {
      if (!this.rejectHolder.contains(this.rejectChart.el))
        replaceChildren(this.rejectHolder, this.rejectChart.el);
      this.rejectChart.set(
        barOption({
          categories: days.map((x) => formatTime(x.day).slice(0, 10)),
          series: [{ name: 'rejected records', values: days.map((x) => x.rejected), color: COLORS.rejected }],
        }),
        { series: 1, points: days.length },
      );
    }
    const list = (
      title: string,
      items: Data['rejects']['sources'],
      link: (k: string) => string,
      testid: string,
      none: string,
    ) =>
      h(
        'div',
        {},
        h('h3', { class: 'small-head' }, title),
        items.length === 0
          ? empty(none)
          : rankedList(
              items.map((x) => ({
                label: x.key,
                href: link(x.key),
                value: x.records,
                valueText: formatNumber(x.records),
              })),
              { testid, label: title, tone: 'danger' },
            ),
      );
    const bytes = days.reduce((n, x) => n + x.rejectedBytes, 0);
    replaceChildren(
      this.rejectLists,
      list(
        'Top sources',
        d.rejects.sources,
        (k) => flowsLink({ ip: k, action: 'REJECT' }),
        'compliance-reject-sources',
        'None.',
      ),
      list(
        'Top ports',
        d.rejects.ports,
        (k) => flowsLink({ port: k.split('/')[0], protocol: k.split('/')[1], action: 'REJECT' }),
        'compliance-reject-ports',
        'None.',
      ),
      list(
        'Reject reasons',
        d.rejects.reasons,
        () => flowsLink({ action: 'REJECT' }),
        'compliance-reject-reasons',
        d.warnings.some((w) => missingField(w) === 'reject-reason')
          ? 'Unknown: the stored format has no reject-reason (see the warning above).'
          : 'None given: rejected by security groups or network ACLs.',
      ),
      h('p', { class: 'muted small' }, `${formatBytes(bytes)} rejected in the period.`),
    );
  }
}

export function compliancePage(ctx: PageContext): Page {
  return new CompliancePage(ctx);
}

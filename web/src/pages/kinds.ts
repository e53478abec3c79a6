// Traffic kinds of the time range (GET /api/reports/traffic-kinds): IPv4/IPv6 share (from `type`, else the address
// form), EFA traffic and its interfaces, rejected records by reject-reason (BPA: VPC Block Public Access, EC:
// Encryption Controls) and records by interface type; a loud banner with the create-flow-logs command for each
// field the stored formats lack, and "unknown" (never 0) in its place.

import type { TrafficKindsResponse } from '../lib/api.js';
import { Chart, pieOption } from '../lib/charts.js';
import { h, replaceChildren } from '../lib/dom.js';
import { fieldWarningBanners } from '../lib/field-warnings.js';
import { formatBytes, formatNumber, formatPercent } from '../lib/format.js';
import { card, flowsLink, rankedList, statTile } from '../lib/layout.js';
import { type Page, type PageContext, PageShell } from '../lib/page.js';
import { linkTo, type Route } from '../lib/router.js';
import { empty, loading } from '../lib/states.js';
import { renderTable } from '../lib/table.js';
import { rangeFromParams, resolveRange } from '../lib/time-range.js';

type Data = TrafficKindsResponse;
type Kind = Data['ipVersion']['rows'][number];

function kindTable(rows: readonly Kind[], testid: string, what: string, none: string): HTMLElement {
  return renderTable<Kind>({
    testid,
    rows,
    empty: none,
    rowAttrs: (r) => ({ 'data-kind': r.kind }),
    columns: [
      { label: what, cell: (r) => r.kind },
      { label: 'Records', numeric: true, cell: (r) => formatNumber(r.flows) },
      { label: 'Share', numeric: true, cell: (r) => formatPercent(r.flowShare, 1) },
      { label: 'Bytes', numeric: true, cell: (r) => formatBytes(r.bytes), title: (r) => `${r.bytes} bytes` },
      { label: 'Share', numeric: true, cell: (r) => formatPercent(r.byteShare, 1) },
    ],
  });
}

class KindsPage extends PageShell {
  private readonly warnings = h('div', { 'data-testid': 'kinds-warnings' });
  private readonly stats = h('div', { class: 'stats', 'data-testid': 'kinds-stats' });
  private readonly ipChart = new Chart('kinds-ip', 'Bytes by IP version');
  private readonly ipHolder = h('div', { class: 'chart-holder small' }, loading());
  private readonly ip = h('div', {}, loading());
  private readonly efa = h('div', {}, loading());
  private readonly reasons = h('div', {}, loading());
  private readonly itypes = h('div', {}, loading());

  constructor(private readonly ctx: PageContext) {
    super('kinds', 'Traffic kinds');
    this.body.append(
      this.warnings,
      this.stats,
      h(
        'div',
        { class: 'grid' },
        card('IP version', [this.ipHolder, this.ip], { testid: 'card-kinds-ip' }),
        card('EFA (Elastic Fabric Adapter)', this.efa, { testid: 'card-kinds-efa' }),
      ),
      h(
        'div',
        { class: 'grid' },
        card('Reject reasons', this.reasons, { testid: 'card-kinds-reasons' }),
        card('Interface types', this.itypes, { testid: 'card-kinds-itypes' }),
      ),
    );
  }

  update(route: Route): void {
    this.route = route;
    const range = resolveRange(rangeFromParams(route.params));
    void this.run('kinds', async (signal) => {
      const d = await this.ctx.api.trafficKinds(range, signal);
      this.render(d);
    });
  }

  override dispose(): void {
    super.dispose();
    this.ipChart.dispose();
  }

  private render(d: Data): void {
    replaceChildren(this.warnings, fieldWarningBanners(d.warnings, 'kinds-warning'));
    const ipKnown = d.ipVersion.coverage.covered > 0;
    const efaKnown = d.efa.coverage.covered > 0;
    const rejKnown = d.rejectReasons.coverage.covered > 0;
    const ipFlows = d.ipVersion.rows.reduce((n, r) => n + r.flows, 0);
    const v6 = d.ipVersion.rows.find((r) => r.kind === 'IPv6');
    const bpa = d.rejectReasons.rows.find((r) => r.kind.startsWith('BPA'));
    replaceChildren(
      this.stats,
      statTile('IPv6 records', ipKnown ? formatPercent(v6?.flows ?? 0, ipFlows) : 'unknown', {
        testid: 'kinds-ipv6-share',
        title: ipKnown ? `${v6?.flows ?? 0} of ${ipFlows} records` : '',
      }),
      statTile('EFA bytes', efaKnown ? formatBytes(d.efa.bytes) : 'unknown', {
        testid: 'kinds-efa-bytes',
        title: efaKnown ? `${d.efa.flows} records` : 'the stored formats have no type field',
      }),
      statTile('Rejected by BPA', rejKnown ? formatNumber(bpa?.flows ?? 0) : 'unknown', {
        testid: 'kinds-bpa',
        ...(bpa && bpa.flows > 0 ? { tone: 'danger' as const } : {}),
        href: flowsLink({ action: 'REJECT' }),
      }),
    );

    const ipBytes = d.ipVersion.rows.reduce((n, r) => n + r.bytes, 0);
    if (!ipKnown || ipBytes === 0) {
      replaceChildren(this.ipHolder, empty(ipKnown ? 'No bytes in this range.' : 'No record in this range.'));
    } else {
      if (!this.ipHolder.contains(this.ipChart.el)) replaceChildren(this.ipHolder, this.ipChart.el);
      this.ipChart.set(
        pieOption(
          d.ipVersion.rows.map((r) => ({ name: r.kind, value: r.bytes })),
          formatBytes,
        ),
        { series: 1, points: d.ipVersion.rows.length },
      );
    }
    replaceChildren(
      this.ip,
      h('p', { class: 'muted small', 'data-testid': 'kinds-ip-source' }, `From the ${d.ipVersion.source}.`),
      kindTable(d.ipVersion.rows, 'kinds-ip', 'Kind', 'No record in this range.'),
    );

    replaceChildren(
      this.efa,
      efaKnown
        ? [
            h(
              'p',
              { 'data-testid': 'kinds-efa' },
              `${formatNumber(d.efa.flows)} records, ${formatBytes(d.efa.bytes)} of EFA traffic (type = EFA) over ${formatNumber(d.efa.coverage.covered)} records with the type field.`,
            ),
            d.efa.interfaces.length === 0
              ? empty('No EFA traffic in this range.')
              : rankedList(
                  d.efa.interfaces.map((r) => ({
                    label: r.key ?? '(unknown)',
                    href: r.key === null ? flowsLink({}) : flowsLink({ interface: r.key }),
                    value: r.bytes,
                    valueText: formatBytes(r.bytes),
                    detail: `${formatNumber(r.flows)} records`,
                  })),
                  { testid: 'kinds-efa-interfaces', label: 'EFA interfaces' },
                ),
          ]
        : empty(
            'Unknown: no stored record has the type field (see the warning above); EFA is unknown, not zero.',
          ),
    );

    replaceChildren(
      this.reasons,
      rejKnown
        ? [
            kindTable(
              d.rejectReasons.rows,
              'kinds-reasons',
              'Reason',
              'No rejected record with reject-reason in this range.',
            ),
            h(
              'p',
              { class: 'muted small' },
              'BPA: VPC Block Public Access; EC: VPC Encryption Controls; "-": any other (security group, network ACL). ',
              h('a', { href: linkTo(['troubleshoot']) }, 'Explain rejects'),
            ),
          ]
        : empty(
            'Unknown: no stored record has reject-reason (version 8, see the warning above); why traffic was rejected is unknown, not none.',
          ),
    );
    replaceChildren(
      this.itypes,
      d.interfaceTypes.coverage.covered > 0
        ? kindTable(d.interfaceTypes.rows, 'kinds-itypes', 'Interface type', 'No record in this range.')
        : empty('Unknown: no stored record has interface-type (version 11, see the warning above).'),
    );
  }
}

export function kindsPage(ctx: PageContext): Page {
  return new KindsPage(ctx);
}

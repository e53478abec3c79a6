// Traffic paths and their cost over the time range (GET /api/reports/paths): egress bytes by path (internet
// gateway, NAT gateway, endpoints, transit gateway, peering), cross-AZ and NAT-processed bytes, their estimated
// cost from the dated, editable per-GB price table (costs: in flowwatch.yaml) and the concrete savings; a loud
// banner with the create-flow-logs command for every figure the stored formats cannot give.

import type { PathsReportResponse } from '../lib/api.js';
import { barOption, Chart, COLORS } from '../lib/charts.js';
import { h, replaceChildren } from '../lib/dom.js';
import { fieldWarningBanners } from '../lib/field-warnings.js';
import { formatBytes, formatNumber } from '../lib/format.js';
import { card, statTile } from '../lib/layout.js';
import { type Page, type PageContext, PageShell } from '../lib/page.js';
import { currentRoute, navigate, type Route, withParams } from '../lib/router.js';
import { empty, loading } from '../lib/states.js';
import { renderTable } from '../lib/table.js';
import { rangeFromParams, resolveRange } from '../lib/time-range.js';

type Data = PathsReportResponse;
type CostLine = Data['cost']['lines'][number];

const usd = (n: number): string =>
  `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

class PathsPage extends PageShell {
  private readonly warnings = h('div', { 'data-testid': 'paths-warnings' });
  private readonly stats = h('div', { class: 'stats', 'data-testid': 'paths-stats' });
  private readonly savings = h('div', { 'data-testid': 'paths-savings' });
  private readonly pathChart = new Chart('paths-bytes', 'Egress bytes by traffic path');
  private readonly pathHolder = h('div', { class: 'chart-holder small' }, loading());
  private readonly pathTable = h('div', {}, loading());
  private readonly nat = h('div', {}, loading());
  private readonly crossAz = h('div', {}, loading());
  private readonly cost = h('div', {}, loading());
  private readonly regionSelect: HTMLSelectElement;

  constructor(private readonly ctx: PageContext) {
    super('paths', 'Paths and cost');
    this.regionSelect = h('select', {
      'data-testid': 'paths-region',
      'aria-label': 'Region of the prices',
      onchange: () => navigate(withParams(currentRoute(), { region: this.regionSelect.value })),
    });
    this.body.append(
      this.warnings,
      this.stats,
      this.savings,
      card('Egress bytes by path', [this.pathHolder, this.pathTable], { testid: 'card-paths', wide: true }),
      h(
        'div',
        { class: 'grid' },
        card('NAT gateway', this.nat, { testid: 'card-paths-nat' }),
        card('Across Availability Zones', this.crossAz, { testid: 'card-paths-cross-az' }),
      ),
      card('Estimated cost', this.cost, {
        testid: 'card-paths-cost',
        wide: true,
        actions: [h('label', { class: 'inline' }, 'Region ', this.regionSelect)],
      }),
    );
  }

  update(route: Route): void {
    this.route = route;
    const range = resolveRange(rangeFromParams(route.params));
    const region = route.params.get('region') ?? undefined;
    void this.run('paths', async (signal) => {
      const d = await this.ctx.api.paths(range, region, signal);
      this.render(d);
    });
  }

  override dispose(): void {
    super.dispose();
    this.pathChart.dispose();
  }

  private render(d: Data): void {
    replaceChildren(this.warnings, fieldWarningBanners(d.warnings, 'paths-warning'));
    const pathsKnown = d.paths.coverage.covered > 0;
    const natKnown = d.nat.coverage.covered > 0;
    const azKnown = d.crossAz.coverage.covered > 0;
    const egress = d.paths.rows.reduce((n, r) => n + r.bytes, 0);
    const monthly = d.cost.lines.every((l) => l.usdPer30Days !== null)
      ? d.cost.lines.reduce((n, l) => n + (l.usdPer30Days ?? 0), 0)
      : null;
    const inRange = d.cost.lines.reduce((n, l) => n + l.usd, 0);
    replaceChildren(
      this.stats,
      statTile('Egress bytes (with a path)', pathsKnown ? formatBytes(egress) : 'unknown', {
        testid: 'paths-egress',
      }),
      statTile('NAT-processed bytes', natKnown ? formatBytes(d.nat.bytes) : 'unknown', {
        testid: 'paths-nat-bytes',
        title: natKnown ? `${d.nat.bytes} bytes` : 'the stored formats have no interface-type',
      }),
      statTile('Cross-AZ bytes', azKnown ? formatBytes(d.crossAz.bytes) : 'unknown', {
        testid: 'paths-cross-az-bytes',
        title: azKnown ? `${d.crossAz.bytes} bytes` : 'the stored formats have no az-id and next-hop-az-id',
      }),
      statTile(
        monthly === null ? 'Estimated cost in this range' : 'Estimated cost per 30 days',
        d.cost.lines.length === 0 ? 'unknown' : usd(monthly ?? inRange),
        { testid: 'paths-cost-total', title: `prices as of ${d.cost.pricesAsOf}` },
      ),
    );
    replaceChildren(
      this.savings,
      d.cost.savings.map((s) =>
        h(
          'div',
          { class: 'banner banner-info', role: 'note', 'data-testid': 'paths-saving' },
          h('strong', {}, 'Saving: '),
          s,
        ),
      ),
    );
    this.renderPaths(d, pathsKnown);
    this.renderNat(d, natKnown);
    replaceChildren(
      this.crossAz,
      azKnown
        ? h(
            'dl',
            { class: 'facts' },
            h('dt', {}, 'Bytes'),
            h('dd', { 'data-testid': 'paths-cross-az' }, formatBytes(d.crossAz.bytes)),
            h('dt', {}, 'Egress records'),
            h('dd', {}, formatNumber(d.crossAz.flows)),
            h('dt', {}, 'How'),
            h('dd', {}, "egress records whose az-id differs from the next hop's (next-hop-az-id)"),
          )
        : empty('Unknown: the stored formats have no az-id and next-hop-az-id (see the warning above).'),
    );
    this.renderCost(d);
  }

  private renderPaths(d: Data, known: boolean): void {
    const rows = d.paths.rows;
    if (!known || rows.length === 0) {
      replaceChildren(
        this.pathHolder,
        empty(
          known
            ? 'No egress record in this range.'
            : 'Unknown: the stored formats have no flow-direction with traffic-path or next-hop-interface-type (see the warning above).',
        ),
      );
      replaceChildren(this.pathTable);
      return;
    }
    if (!this.pathHolder.contains(this.pathChart.el)) replaceChildren(this.pathHolder, this.pathChart.el);
    this.pathChart.set(
      barOption({
        categories: rows.map((r) => r.path),
        horizontal: true,
        format: formatBytes,
        series: [{ name: 'egress bytes', values: rows.map((r) => r.bytes), color: COLORS.accepted }],
      }),
      { series: 1, points: rows.length },
    );
    replaceChildren(
      this.pathTable,
      renderTable<Data['paths']['rows'][number]>({
        testid: 'paths-table',
        rows,
        rowAttrs: (r) => ({ 'data-path': r.path }),
        columns: [
          { label: 'Path', cell: (r) => r.path },
          { label: 'Egress records', numeric: true, cell: (r) => formatNumber(r.flows) },
          {
            label: 'Bytes',
            numeric: true,
            cell: (r) => formatBytes(r.bytes),
            title: (r) => `${r.bytes} bytes`,
          },
        ],
      }),
    );
  }

  private renderNat(d: Data, known: boolean): void {
    if (!known) {
      replaceChildren(
        this.nat,
        empty(
          'Unknown: the stored formats have no interface-type with flow-direction (see the warning above).',
        ),
      );
      return;
    }
    replaceChildren(
      this.nat,
      h(
        'p',
        {},
        `${formatBytes(d.nat.bytes)} processed (ingress records of NAT gateway interfaces: every byte enters one once).`,
      ),
      renderTable<Data['nat']['byService'][number]>({
        testid: 'paths-nat-services',
        rows: d.nat.byService,
        empty: 'None of it to or from an AWS service (pkt-src/dst-aws-service).',
        columns: [
          { label: 'AWS service', cell: (r) => r.path },
          { label: 'Records', numeric: true, cell: (r) => formatNumber(r.flows) },
          {
            label: 'Bytes',
            numeric: true,
            cell: (r) => formatBytes(r.bytes),
            title: (r) => `${r.bytes} bytes`,
          },
        ],
      }),
    );
  }

  private renderCost(d: Data): void {
    const regions = d.regions.includes(d.cost.region) ? d.regions : [d.cost.region, ...d.regions];
    replaceChildren(
      this.regionSelect,
      regions.map((r) => h('option', { value: r, ...(r === d.cost.region ? { selected: true } : {}) }, r)),
    );
    this.regionSelect.value = d.cost.region;
    replaceChildren(
      this.cost,
      renderTable<CostLine>({
        testid: 'paths-cost',
        rows: d.cost.lines,
        empty: 'Nothing to price: the stored formats lack the fields above.',
        columns: [
          { label: 'Item', cell: (l) => l.item },
          {
            label: 'Bytes',
            numeric: true,
            cell: (l) => formatBytes(l.bytes),
            title: (l) => `${l.bytes} bytes`,
          },
          { label: 'USD per GB', numeric: true, cell: (l) => `$${l.usdPerGb.toFixed(3)}` },
          { label: 'In this range', numeric: true, cell: (l) => usd(l.usd) },
          {
            label: 'Per 30 days',
            numeric: true,
            cell: (l) => (l.usdPer30Days === null ? 'range under 1 h' : usd(l.usdPer30Days)),
          },
        ],
      }),
      h(
        'p',
        { class: 'muted small', 'data-testid': 'paths-prices' },
        `Prices of ${d.cost.region} as of ${d.cost.pricesAsOf} (${d.cost.pricesSource}). `,
        d.pricesFile === null
          ? [
              'Built-in table. To edit the prices or add regions, write a JSON price table and name it in flowwatch.yaml: ',
              h('code', {}, 'costs: { prices: prices.json, region: eu-west-1 }'),
              ' (see ',
              h('code', {}, 'flowwatch report paths --help'),
              ').',
            ]
          : [
              'From ',
              h('code', {}, d.pricesFile),
              ' (costs.prices in flowwatch.yaml, read on every request: an edit shows on the next refresh).',
            ],
        ' Per 30 days scales the range’s bytes by 30 days over the records’ span. GB = 2³⁰ bytes, as AWS bills.',
      ),
    );
  }
}

export function pathsPage(ctx: PageContext): Page {
  return new PathsPage(ctx);
}

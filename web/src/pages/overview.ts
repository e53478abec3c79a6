// Overview: traffic over time, accepted and rejected in two aligned panels (bytes, packets, flows), totals,
// top talkers, top rejected sources, top destination ports, protocol mix, ingress/egress and per-interface
// traffic. Every element drills into the Flows page (or the Query page) for the flows behind it: a click
// anywhere in a time panel opens that bucket's accepted or rejected flows, a donut slice its flows.

import type { BaselineResponse, OverviewResponse } from '../lib/api.js';
import { markBand, renderBaselineNote, withBaselineBand } from '../lib/baseline-band.js';
import { bucketAt, Chart, COLORS, pieOption, splitTimeSeriesOption } from '../lib/charts.js';
import { h, replaceChildren } from '../lib/dom.js';
import { FindingMarkers } from '../lib/finding-markers.js';
import { formatBytes, formatNumber, formatPercent, formatTimeUtc, plural } from '../lib/format.js';
import { card, flowsLink, insightsLink, portLabel, rankedList, statTile } from '../lib/layout.js';
import { type Page, type PageContext, PageShell } from '../lib/page.js';
import { navigate, type Route, withParams } from '../lib/router.js';
import { empty, loading, NO_DATA } from '../lib/states.js';
import { renderTable } from '../lib/table.js';
import { absoluteParams, chooseBin, rangeFromParams, resolveRange } from '../lib/time-range.js';
import { hostLink } from './host.js';

type Metric = 'Bytes' | 'Packets' | 'Flows';

class OverviewPage extends PageShell {
  private readonly totals = h('div', { class: 'stats', 'data-testid': 'overview-totals' }, loading());
  private readonly series: Record<Metric, { chart: Chart; holder: HTMLElement }>;
  private readonly protocols = new Chart('protocols', 'Protocol mix by flows');
  private readonly directions = new Chart('directions', 'Ingress and egress by bytes');
  private readonly talkers = h('div', {}, loading());
  private readonly rejected = h('div', {}, loading());
  private readonly ports = h('div', {}, loading());
  private readonly interfaces = h('div', {}, loading());
  private readonly protocolsHolder = h('div', { class: 'chart-holder' }, loading());
  private readonly directionsHolder = h('div', { class: 'chart-holder' }, loading());
  private data: OverviewResponse | undefined;
  private readonly markers: FindingMarkers;
  private readonly baseline = h('div', { 'data-testid': 'overview-baseline' });
  /** Where the data is when the range holds none (an empty page is not "no traffic"). */
  private readonly rangeNote = h('div', { 'data-testid': 'overview-range-note' });
  private band: BaselineResponse | Error | undefined;

  constructor(private readonly ctx: PageContext) {
    super('overview', 'Overview');
    const make = (m: Metric) => {
      const chart = new Chart(m.toLowerCase(), `${m} over time, accepted above and rejected below`);
      chart.onGridClick((grid, x) => this.drillTime(grid === 0 ? 'ACCEPT' : 'REJECT', x));
      return { chart, holder: h('div', { class: 'chart-holder' }, loading()) };
    };
    this.series = { Bytes: make('Bytes'), Packets: make('Packets'), Flows: make('Flows') };
    this.protocols.onClick((e) => {
      const p = this.data?.protocols[e.dataIndex];
      if (p) navigate(flowsLink({ protocol: p.protocol }));
    });
    this.directions.onClick((e) => {
      const d = this.data?.directions[e.dataIndex];
      if (d) navigate(flowsLink({ direction: d.direction }));
    });
    this.markers = new FindingMarkers(ctx.api);
    const q = (query: string) => [h('a', { href: insightsLink(query), class: 'small' }, 'Open as query')];
    this.body.append(
      this.totals,
      this.rangeNote,
      this.baseline,
      h(
        'div',
        { class: 'grid grid-3' },
        card('Bytes', this.series.Bytes.holder, { testid: 'card-bytes' }),
        card('Packets', this.series.Packets.holder, { testid: 'card-packets' }),
        card('Flows', this.series.Flows.holder, {
          testid: 'card-flows',
          actions: q('stats count(*) as flows by bin(5m), action'),
        }),
      ),
      this.markers.el,
      h(
        'div',
        { class: 'grid grid-3' },
        card('Top talkers', this.talkers, {
          testid: 'card-top-talkers',
          actions: q('stats sum(bytes) as bytes, count(*) as flows by srcAddr | sort bytes desc | limit 20'),
        }),
        card('Top rejected sources', this.rejected, {
          testid: 'card-top-rejected',
          actions: q(
            'filter action = "REJECT" | stats count(*) as rejected by srcAddr | sort rejected desc | limit 20',
          ),
        }),
        card('Top destination ports', this.ports, {
          testid: 'card-top-ports',
          actions: q(
            'stats count(*) as flows, sum(bytes) as bytes by dstPort, protocol | sort flows desc | limit 20',
          ),
        }),
        card('Protocol mix', this.protocolsHolder, { testid: 'card-protocols' }),
        card('Ingress / egress', this.directionsHolder, { testid: 'card-directions' }),
        card('Interfaces', this.interfaces, { testid: 'card-interfaces' }),
      ),
    );
  }

  update(route: Route): void {
    this.route = route;
    const range = resolveRange(rangeFromParams(route.params));
    const bin = chooseBin(range);
    this.markers.update(range);
    void this.run('overview', async (signal) => {
      const view = route.params.get('view') === 'per-eni' ? 'per-eni' : 'deduplicated';
      const data = await this.ctx.api.overview(range, bin, signal, view);
      this.data = data;
      this.band = undefined;
      this.render(data);
      this.band = await this.ctx.api.baseline(range, bin, signal, view).catch((e: unknown) => {
        if (signal.aborted) throw e;
        return e instanceof Error ? e : new Error(String(e));
      });
      this.render(data);
    });
  }

  override dispose(): void {
    super.dispose();
    this.markers.dispose();
    for (const s of Object.values(this.series)) s.chart.dispose();
    this.protocols.dispose();
    this.directions.dispose();
  }

  /** Which records the numbers count, and a link to the other view (interfaces and directions are per ENI). */
  private viewToggle(d: OverviewResponse): HTMLElement {
    const dedup = d.view === 'deduplicated';
    const other = withParams(this.route ?? { page: 'overview', rest: [], params: new URLSearchParams() }, {
      view: dedup ? 'per-eni' : null,
    });
    const undirected =
      dedup && d.undirectedFlows > 0
        ? ` ${plural(d.undirectedFlows, 'record')} without flow-direction ${d.undirectedFlows === 1 ? 'is' : 'are'} counted as recorded.`
        : '';
    return h(
      'div',
      { class: 'stat-range', 'data-testid': 'overview-view' },
      dedup
        ? `Each flow counted once (receiving ENI).${undirected} `
        : 'Every ENI’s record counted (flows between two logged ENIs count twice). ',
      h('a', { href: other }, dedup ? 'Count per ENI' : 'Count each flow once'),
    );
  }

  /** No record in the range: where the stored ones are, with a link to that span (or how to get records in). */
  private renderRangeNote(d: OverviewResponse): void {
    const s = d.stored;
    if (s === undefined) {
      replaceChildren(this.rangeNote);
      return;
    }
    if (s.records === 0) {
      replaceChildren(
        this.rangeNote,
        h(
          'div',
          { class: 'warn' },
          'The store holds no flow records yet: load flow logs with flowwatch ingest <files or folder>, or add a ' +
            'live source (S3, a folder, Firehose, CloudWatch Logs) under sources: in flowwatch.yaml.',
        ),
      );
      return;
    }
    const span = absoluteParams(Math.floor(s.from / 60) * 60, Math.ceil((s.to + 1) / 60) * 60);
    replaceChildren(
      this.rangeNote,
      h(
        'div',
        { class: 'warn' },
        `No flow records from ${formatTimeUtc(d.since)} to ${formatTimeUtc(d.until)}: the store's ` +
          `${plural(s.records, 'record')} run from ${formatTimeUtc(s.from)} to ${formatTimeUtc(s.to)}. `,
        this.route
          ? h(
              'a',
              { href: withParams(this.route, span), 'data-testid': 'show-stored-span' },
              'Show that span',
            )
          : '',
      ),
    );
  }

  /** A click anywhere in a time panel: the flows of the bucket under it, accepted or rejected. */
  private drillTime(action: 'ACCEPT' | 'REJECT', xMs: number): void {
    const d = this.data;
    const first = d?.series[0];
    if (!d || !first) return;
    const t = bucketAt(xMs, first.t, d.bin);
    if (t === undefined) return;
    navigate(flowsLink({ ...absoluteParams(t, t + d.bin), action }));
  }

  private render(d: OverviewResponse): void {
    const t = d.totals;
    replaceChildren(
      this.totals,
      statTile('Flows', formatNumber(t.flows), { href: flowsLink({}), testid: 'total-flows' }),
      statTile('Bytes', formatBytes(t.bytes), {
        title: plural(t.bytes, 'byte'),
        testid: 'total-bytes',
      }),
      statTile('Packets', formatNumber(t.packets), { testid: 'total-packets' }),
      statTile(`Rejected flows (${formatPercent(t.rejectedFlows, t.flows)})`, formatNumber(t.rejectedFlows), {
        href: flowsLink({ action: 'REJECT' }),
        tone: t.rejectedFlows > 0 ? 'danger' : undefined,
        testid: 'total-rejected',
      }),
      h(
        'div',
        { class: 'stat-range' },
        `${formatTimeUtc(d.since)} → ${formatTimeUtc(d.until)}, ${d.bin}s bins`,
      ),
      this.viewToggle(d),
    );

    this.renderRangeNote(d);
    renderBaselineNote(this.baseline, this.band);
    const hasSeries = d.series.length > 0 && t.flows > 0;
    const metric = (
      m: Metric,
      acc: (p: OverviewResponse['series'][number]) => [number, number],
      format: (n: number) => string,
    ) => {
      const { chart, holder } = this.series[m];
      const key = m === 'Bytes' ? 'bytes' : m === 'Packets' ? 'packets' : 'flows';
      if (!hasSeries) {
        replaceChildren(holder, empty());
        return;
      }
      if (!holder.contains(chart.el)) replaceChildren(holder, chart.el);
      const accepted = d.series.map((p) => [p.t * 1000, acc(p)[0]] as const);
      const rejected = d.series.map((p) => [p.t * 1000, acc(p)[1]] as const);
      const band = this.band instanceof Error || this.band === undefined ? [] : this.band[key];
      markBand(chart, band);
      chart.set(
        withBaselineBand(
          splitTimeSeriesOption({
            format,
            top: { name: 'accepted', points: accepted, color: COLORS.accepted },
            bottom: { name: 'rejected', points: rejected, color: COLORS.rejected },
          }),
          band,
          format,
        ),
        { series: 2, points: d.series.length },
      );
    };
    metric('Bytes', (p) => [p.acceptedBytes, p.rejectedBytes], formatBytes);
    metric('Packets', (p) => [p.acceptedPackets, p.rejectedPackets], formatNumber);
    metric('Flows', (p) => [p.acceptedFlows, p.rejectedFlows], formatNumber);

    replaceChildren(
      this.talkers,
      d.topTalkers.length
        ? rankedList(
            d.topTalkers.map((x) => ({
              label: x.addr,
              href: hostLink(x.addr, this.route),
              value: x.bytes,
              valueText: formatBytes(x.bytes),
              detail: plural(x.flows, 'flow'),
              title: `The page of ${x.addr}: its traffic against its baseline, peers, ports and findings`,
            })),
            { testid: 'top-talkers', label: 'Top talkers by bytes' },
          )
        : empty(),
    );
    replaceChildren(
      this.rejected,
      d.topRejectedSources.length
        ? rankedList(
            d.topRejectedSources.map((x) => ({
              label: x.addr,
              href: flowsLink({ ip: x.addr, action: 'REJECT' }),
              value: x.flows,
              valueText: plural(x.flows, 'flow'),
              title: `Rejected flows of ${x.addr}`,
            })),
            { testid: 'top-rejected-sources', label: 'Top rejected sources by flows', tone: 'danger' },
          )
        : empty(
            d.topRejectedWarning === null
              ? 'No rejected flows in this time range.'
              : 'No rejected flows among the records that have an action field.',
          ),
      ...(d.topRejectedWarning === null
        ? []
        : [
            h(
              'div',
              { class: 'banner banner-warn', role: 'alert', 'data-testid': 'top-rejected-warning' },
              h('strong', {}, 'Not counted: '),
              d.topRejectedWarning,
            ),
          ]),
    );
    replaceChildren(
      this.ports,
      d.topDestinationPorts.length
        ? rankedList(
            d.topDestinationPorts.map((x) => ({
              label: portLabel(x.port, x.protocol),
              href: flowsLink({ port: x.port, protocol: x.protocol }),
              value: x.flows,
              valueText: plural(x.flows, 'flow'),
              detail: formatBytes(x.bytes),
            })),
            { testid: 'top-ports', label: 'Top destination ports by flows' },
          )
        : empty(),
    );

    if (d.protocols.length) {
      if (!this.protocolsHolder.contains(this.protocols.el))
        replaceChildren(this.protocolsHolder, this.protocols.el);
      this.protocols.set(
        pieOption(d.protocols.map((p) => ({ name: p.name, value: p.flows, key: p.protocol }))),
        {
          series: 1,
          points: d.protocols.length,
        },
      );
    } else {
      replaceChildren(this.protocolsHolder, empty());
    }
    if (d.directions.length) {
      if (!this.directionsHolder.contains(this.directions.el))
        replaceChildren(this.directionsHolder, this.directions.el);
      this.directions.set(
        pieOption(
          d.directions.map((x) => ({ name: x.direction, value: x.bytes, key: x.direction })),
          formatBytes,
        ),
        {
          series: 1,
          points: d.directions.length,
        },
      );
    } else {
      replaceChildren(
        this.directionsHolder,
        empty(t.flows > 0 ? 'The flow logs have no flow-direction field.' : NO_DATA),
      );
    }

    replaceChildren(
      this.interfaces,
      renderTable({
        testid: 'interfaces-table',
        rows: d.interfaces,
        columns: [
          {
            label: 'Interface',
            cell: (r) => h('a', { href: hostLink(r.interfaceId, this.route) }, r.interfaceId),
          },
          { label: 'Flows', numeric: true, cell: (r) => formatNumber(r.flows) },
          {
            label: 'Bytes',
            numeric: true,
            cell: (r) => formatBytes(r.bytes),
            title: (r) => plural(r.bytes, 'byte'),
          },
          {
            label: 'Rejected',
            numeric: true,
            cell: (r) =>
              r.rejectedFlows > 0
                ? h(
                    'a',
                    { href: flowsLink({ interface: r.interfaceId, action: 'REJECT' }), class: 'danger' },
                    formatNumber(r.rejectedFlows),
                  )
                : '0',
          },
        ],
      }),
    );
  }
}

export function overviewPage(ctx: PageContext): Page {
  return new OverviewPage(ctx);
}

// A host's page (#/host/<address or interface id>): its accepted and rejected traffic over time with the baseline
// band (its own history, GET /api/baseline?host=), totals, top peers and destination ports (GET /api/host), and the
// findings of the range whose entity names it. Linked from the Overview's top talkers and interfaces.

import type { BaselineResponse, FindingsResponse, HostResponse } from '../lib/api.js';
import { markBand, renderBaselineNote, withBaselineBand } from '../lib/baseline-band.js';
import { Chart, COLORS, splitTimeSeriesOption } from '../lib/charts.js';
import { h, replaceChildren } from '../lib/dom.js';
import { severityBadge } from '../lib/findings.js';
import { formatBytes, formatNumber, formatTime, plural } from '../lib/format.js';
import { card, flowsLink, portLabel, rankedList, statTile } from '../lib/layout.js';
import { type Page, type PageContext, PageShell } from '../lib/page.js';
import { linkTo, type Route } from '../lib/router.js';
import { empty, loading } from '../lib/states.js';
import { chooseBin, rangeFromParams, resolveRange } from '../lib/time-range.js';

type Finding = FindingsResponse['findings'][number];

/** The link to a host's page, keeping the current time range. */
export function hostLink(host: string, route?: Route): string {
  return linkTo(['host', host], {}, route);
}

/** The host a finding's entity names when it is one address or interface id, else undefined. */
export function entityHost(entity: string): string | undefined {
  const s = entity.trim();
  const ipv4 = /^(\d{1,3}\.){3}\d{1,3}$/.test(s);
  const ipv6 = /^[0-9a-f:]+$/i.test(s) && s.includes(':');
  return /^eni-[0-9a-z]{1,32}$/i.test(s) || ipv4 || ipv6 ? s : undefined;
}

/** Whether a finding's entity names the host (an address or interface id as a whole word). */
export function findingNamesHost(f: Finding, host: string): boolean {
  return f.entity.split(/[^0-9A-Za-z.:-]+/).includes(host);
}

class HostPage extends PageShell {
  private readonly totals = h('div', { class: 'stats', 'data-testid': 'host-totals' }, loading());
  private readonly baseline = h('div', { 'data-testid': 'host-baseline' });
  private readonly chart = new Chart('host-bytes', 'Bytes over time, accepted above and rejected below');
  private readonly chartHolder = h('div', { class: 'chart-holder' }, loading());
  private readonly peers = h('div', {}, loading());
  private readonly ports = h('div', {}, loading());
  private readonly findings = h('div', {}, loading());

  constructor(
    private readonly ctx: PageContext,
    private readonly host: string,
  ) {
    super('host', `Host ${host}`);
    this.body.append(
      this.totals,
      this.baseline,
      card('Bytes', this.chartHolder, { testid: 'card-host-bytes' }),
      h(
        'div',
        { class: 'grid grid-3' },
        card('Top peers', this.peers, { testid: 'card-host-peers' }),
        card('Top destination ports', this.ports, { testid: 'card-host-ports' }),
        card('Findings', this.findings, { testid: 'card-host-findings' }),
      ),
    );
  }

  update(route: Route): void {
    this.route = route;
    const range = resolveRange(rangeFromParams(route.params));
    // Flow logs aggregate over 60 s at the finest: smaller bins would show a record's minute as a sawtooth.
    const bin = Math.max(60, chooseBin(range));
    void this.run('host', async (signal) => {
      const [d, f] = await Promise.all([
        this.ctx.api.host(this.host, range, bin, signal),
        this.ctx.api
          .findings({}, range, signal)
          .catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))),
      ]);
      this.render(d, undefined, f);
      const band = await this.ctx.api
        .baseline(range, bin, signal, 'deduplicated', this.host)
        .catch((e: unknown) => {
          if (signal.aborted) throw e;
          return e instanceof Error ? e : new Error(String(e));
        });
      this.render(d, band, f);
    });
  }

  override dispose(): void {
    super.dispose();
    this.chart.dispose();
  }

  private render(
    d: HostResponse,
    band: BaselineResponse | Error | undefined,
    f: FindingsResponse | Error,
  ): void {
    const t = d.totals;
    const ip = d.kind === 'address' ? { ip: d.host } : { interface: d.host };
    replaceChildren(
      this.totals,
      statTile('Flows', formatNumber(t.flows), { href: flowsLink(ip), testid: 'host-total-flows' }),
      statTile('Bytes', formatBytes(t.bytes), { title: plural(t.bytes, 'byte'), testid: 'host-total-bytes' }),
      statTile('Packets', formatNumber(t.packets), { testid: 'host-total-packets' }),
      statTile('Rejected flows', formatNumber(t.rejectedFlows), {
        href: flowsLink({ ...ip, action: 'REJECT' }),
        tone: t.rejectedFlows > 0 ? 'danger' : undefined,
        testid: 'host-total-rejected',
      }),
      h(
        'div',
        { class: 'stat-range' },
        `${d.kind === 'address' ? 'Address' : 'Interface'} ${d.host}, ${d.bin}s bins`,
      ),
    );
    renderBaselineNote(this.baseline, band);
    if (t.flows === 0) {
      replaceChildren(this.chartHolder, empty(`No flows of ${d.host} in this time range.`));
    } else {
      if (!this.chartHolder.contains(this.chart.el)) replaceChildren(this.chartHolder, this.chart.el);
      const points = band instanceof Error || band === undefined ? [] : band.bytes;
      markBand(this.chart, points);
      this.chart.set(
        withBaselineBand(
          splitTimeSeriesOption({
            format: formatBytes,
            top: {
              name: 'accepted',
              points: d.series.map((p) => [p.t * 1000, p.acceptedBytes]),
              color: COLORS.accepted,
            },
            bottom: {
              name: 'rejected',
              points: d.series.map((p) => [p.t * 1000, p.rejectedBytes]),
              color: COLORS.rejected,
            },
          }),
          points,
          formatBytes,
        ),
        { series: 2, points: d.series.length },
      );
    }
    replaceChildren(
      this.peers,
      d.peers.length
        ? rankedList(
            d.peers.map((p) => ({
              label: p.addr,
              href: hostLink(p.addr, this.route),
              value: p.bytes,
              valueText: formatBytes(p.bytes),
              detail: plural(p.flows, 'flow'),
              title: `The page of ${p.addr}`,
            })),
            { testid: 'host-peers', label: 'Top peers by bytes' },
          )
        : empty(),
    );
    replaceChildren(
      this.ports,
      d.ports.length
        ? rankedList(
            d.ports.map((p) => ({
              label: portLabel(p.port, p.protocol),
              href: flowsLink({ ...ip, port: p.port, protocol: p.protocol }),
              value: p.flows,
              valueText: plural(p.flows, 'flow'),
              detail: formatBytes(p.bytes),
            })),
            { testid: 'host-ports', label: 'Top destination ports by flows' },
          )
        : empty(),
    );
    if (f instanceof Error) {
      replaceChildren(
        this.findings,
        h('div', { class: 'banner banner-warn', role: 'alert' }, `Findings: ${f.message}`),
      );
      return;
    }
    const mine = f.findings.filter((x) => findingNamesHost(x, d.host));
    replaceChildren(
      this.findings,
      mine.length
        ? h(
            'ul',
            { class: 'plain-list', 'data-testid': 'host-findings' },
            mine.map((x) =>
              h(
                'li',
                { 'data-testid': 'host-finding', 'data-detection': x.detection },
                severityBadge(x.severity),
                ' ',
                h(
                  'a',
                  { href: linkTo(['findings', x.id], {}, this.route), 'data-testid': 'host-finding-link' },
                  x.title,
                ),
                h('div', { class: 'small' }, `${formatTime(x.start)} · ${x.entity}`),
              ),
            ),
          )
        : empty(`No findings name ${d.host} in this time range.`),
    );
  }
}

export function hostPage(ctx: PageContext, host: string): Page {
  return new HostPage(ctx, host);
}

// Page building blocks: cards, stat tiles, ranked lists with inline bars, and the drill-down links
// into the Flows and Query pages.

import { protocolName } from '../../../src/core/protocols.js';
import { h } from './dom.js';
import { linkTo, type ParamValues } from './router.js';

/** A titled panel; `actions` are links shown beside the title. */
export function card(
  title: string,
  content: Node | (Node | string)[],
  opts: { testid?: string; actions?: Node[]; wide?: boolean } = {},
): HTMLElement {
  return h(
    'section',
    { class: `card${opts.wide ? ' wide' : ''}`, 'data-testid': opts.testid },
    h(
      'header',
      { class: 'card-head' },
      h('h2', {}, title),
      opts.actions?.length ? h('div', { class: 'card-actions' }, opts.actions) : null,
    ),
    h('div', { class: 'card-body' }, content),
  );
}

/** A big number with a label, optionally a link. */
export function statTile(
  label: string,
  value: string,
  opts: { href?: string; title?: string; testid?: string; tone?: 'danger' } = {},
): HTMLElement {
  const inner = [h('span', { class: 'stat-value' }, value), h('span', { class: 'stat-label' }, label)];
  return opts.href
    ? h(
        'a',
        {
          class: `stat${opts.tone ? ` ${opts.tone}` : ''}`,
          href: opts.href,
          title: opts.title,
          'data-testid': opts.testid,
        },
        inner,
      )
    : h(
        'div',
        { class: `stat${opts.tone ? ` ${opts.tone}` : ''}`, title: opts.title, 'data-testid': opts.testid },
        inner,
      );
}

/** One row of a ranked list. */
export interface RankedItem {
  readonly label: string;
  readonly href: string;
  readonly value: number;
  readonly valueText: string;
  readonly detail?: string;
  readonly title?: string;
}

/**
 * A ranked list: each row a link with an inline bar proportional to its value (keyboard-usable, unlike a
 * canvas chart).
 */
export function rankedList(
  items: readonly RankedItem[],
  opts: { testid: string; label: string; tone?: 'danger' },
): HTMLElement {
  const max = Math.max(...items.map((i) => i.value), 1);
  return h(
    'ol',
    {
      class: `ranked${opts.tone ? ` ${opts.tone}` : ''}`,
      'data-testid': opts.testid,
      'aria-label': opts.label,
    },
    items.map((item, i) => {
      const bar = h('span', { class: 'ranked-bar', 'aria-hidden': 'true' });
      bar.style.width = `${Math.max(1, (item.value / max) * 100)}%`;
      return h(
        'li',
        { 'data-testid': `${opts.testid}-row` },
        h(
          'a',
          { href: item.href, title: item.title },
          bar,
          h('span', { class: 'ranked-rank' }, String(i + 1)),
          h('span', { class: 'ranked-label' }, item.label),
          item.detail ? h('span', { class: 'ranked-detail' }, item.detail) : null,
          h('span', { class: 'ranked-value' }, item.valueText),
        ),
      );
    }),
  );
}

/** The Flows page filtered by `filter` (time range kept unless `filter` sets one). */
export function flowsLink(filter: ParamValues): string {
  return linkTo(['flows'], filter);
}

/** The Query page with a Logs Insights query (run on arrival). */
export function insightsLink(query: string): string {
  return linkTo(['query'], { lang: 'insights', q: query });
}

/** `22/TCP`. */
export function portLabel(port: number, protocol: number): string {
  return `${port}/${protocolName(protocol)}`;
}

export { protocolName };

/** Protocol numbers by lower-case name (`tcp` → 6), for inputs that accept either. */
export const PROTOCOL_NUMBERS: ReadonlyMap<string, number> = (() => {
  const m = new Map<string, number>();
  for (let n = 0; n < 256; n++) {
    const name = protocolName(n);
    if (name !== String(n)) m.set(name.toLowerCase(), n);
  }
  return m;
})();

const ADDRESS_COLUMN =
  /^(srcAddr|dstAddr|pktSrcAddr|pktDstAddr|srcaddr|dstaddr|pkt_srcaddr|pkt_dstaddr|addr)$/;
const PORT_COLUMN = /^(srcPort|dstPort|srcport|dstport)$/;
const INTERFACE_COLUMN = /^(interfaceId|interface_id)$/;

/** A drill-down link for a result cell: addresses, ports and interfaces open the Flows page. */
export function cellLink(column: string, value: unknown): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const v = String(value);
  if (v === '' || v === '-') return undefined;
  if (ADDRESS_COLUMN.test(column)) return flowsLink({ ip: v });
  if (PORT_COLUMN.test(column)) return flowsLink({ port: v });
  if (INTERFACE_COLUMN.test(column)) return flowsLink({ interface: v });
  return undefined;
}

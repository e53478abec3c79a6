// Flows: the explorer. A form filters the stored flows by IP or CIDR, port, protocol, interface, action
// and direction over the time range; the filter lives in the URL (`#/flows?ip=10.0.1.5&action=REJECT`).

import type { FlowsQuery, FlowsResponse } from '../lib/api.js';
import { h, replaceChildren, uid } from '../lib/dom.js';
import { formatNumber, plural } from '../lib/format.js';
import { cellLink, PROTOCOL_NUMBERS, protocolName } from '../lib/layout.js';
import { type Page, type PageContext, PageShell } from '../lib/page.js';
import { navigate, type Route, withParams } from '../lib/router.js';
import { loading } from '../lib/states.js';
import { renderResults, type SortState } from '../lib/table.js';
import { rangeFromParams, resolveRange } from '../lib/time-range.js';

/** The explorer's filter fields, in URL order. */
const FIELDS = ['ip', 'port', 'protocol', 'interface', 'action', 'direction', 'limit'] as const;
type Field = (typeof FIELDS)[number];

const LIMITS = ['100', '500', '1000'];

/** The columns shown until the user chooses: when, where from and to, what and how much. */
export const DEFAULT_FLOW_COLUMNS = [
  'start',
  'interface_id',
  'interface_name',
  'srcaddr',
  'srcport',
  'dstaddr',
  'dstport',
  'protocol',
  'packets',
  'bytes',
  'action',
  'flow_direction',
];
const COLUMNS_KEY = 'flowwatch.flowColumns.v1';

/** The user's column choice (undefined: the defaults). */
function savedColumns(): string[] | undefined {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(COLUMNS_KEY) ?? 'null');
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;
  } catch {
    return undefined;
  }
}

function saveColumns(columns: readonly string[] | undefined): void {
  try {
    if (columns === undefined) localStorage.removeItem(COLUMNS_KEY);
    else localStorage.setItem(COLUMNS_KEY, JSON.stringify(columns));
  } catch {
    // Storage disabled: the choice lasts for this page.
  }
}

class FlowsPage extends PageShell {
  private readonly inputs: Record<Field, HTMLInputElement | HTMLSelectElement>;
  private readonly meta = h('p', {
    class: 'results-meta',
    'data-testid': 'flows-meta',
    'aria-live': 'polite',
  });
  private readonly results = h('div', {}, loading());
  private readonly chooser = h('details', { class: 'column-chooser', 'data-testid': 'column-chooser' });
  /** Chosen columns, in the server's order when shown; undefined: the defaults. */
  private chosen: string[] | undefined = savedColumns();
  private sort: SortState | undefined;
  private last: { res: FlowsResponse; q: FlowsQuery } | undefined;

  constructor(private readonly ctx: PageContext) {
    super('flows', 'Flows');
    const input = (name: Field, label: string, attrs: Record<string, string>) => {
      const id = uid(name);
      const el = h('input', { id, name, 'data-testid': `flows-${name}`, autocomplete: 'off', ...attrs });
      return { el, field: h('div', { class: 'field' }, h('label', { for: id }, label), el) };
    };
    const select = (name: Field, label: string, options: [string, string][]) => {
      const id = uid(name);
      const el = h(
        'select',
        { id, name, 'data-testid': `flows-${name}` },
        options.map(([v, l]) => h('option', { value: v }, l)),
      );
      return { el, field: h('div', { class: 'field' }, h('label', { for: id }, label), el) };
    };
    const protocolList = uid('protocols');
    const ip = input('ip', 'IP or CIDR', {
      placeholder: '10.0.1.5, 2001:db8::5 or a CIDR',
      spellcheck: 'false',
    });
    const port = input('port', 'Port', { inputmode: 'numeric', placeholder: '22', pattern: '\\d{1,5}' });
    const protocol = input('protocol', 'Protocol', {
      placeholder: 'TCP, UDP, ICMP or a number',
      list: protocolList,
    });
    const iface = input('interface', 'Interface', {
      placeholder: 'eni-0123456789abcdef0',
      spellcheck: 'false',
    });
    const action = select('action', 'Action', [
      ['', 'Any'],
      ['ACCEPT', 'ACCEPT'],
      ['REJECT', 'REJECT'],
    ]);
    const direction = select('direction', 'Direction', [
      ['', 'Any'],
      ['ingress', 'ingress'],
      ['egress', 'egress'],
    ]);
    const limit = select(
      'limit',
      'Rows',
      LIMITS.map((l) => [l, l]),
    );
    this.inputs = {
      ip: ip.el,
      port: port.el,
      protocol: protocol.el,
      interface: iface.el,
      action: action.el,
      direction: direction.el,
      limit: limit.el,
    };
    const form = h(
      'form',
      { class: 'filter-form', 'aria-label': 'Filter flows' },
      ip.field,
      port.field,
      protocol.field,
      iface.field,
      action.field,
      direction.field,
      limit.field,
      h(
        'datalist',
        { id: protocolList },
        ['TCP', 'UDP', 'ICMP', 'ICMPv6', 'GRE', 'ESP'].map((p) => h('option', { value: p })),
      ),
      h(
        'div',
        { class: 'field buttons' },
        h('button', { type: 'submit', class: 'primary', 'data-testid': 'flows-search' }, 'Search'),
        h('button', { type: 'button', 'data-testid': 'flows-clear', onclick: () => this.clear() }, 'Clear'),
      ),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    protocol.el.addEventListener('input', () => protocol.el.setCustomValidity(''));
    this.body.append(
      form,
      h('div', { class: 'toolbar results-bar' }, this.meta, h('div', { class: 'spacer' }), this.chooser),
      this.results,
    );
  }

  /** The columns shown of those the server returned. */
  private visible(columns: readonly string[]): string[] {
    const want = new Set(this.chosen ?? DEFAULT_FLOW_COLUMNS);
    const shown = columns.filter((c) => want.has(c));
    // When first: the flow's start leads (the server lists columns in catalog order, start after bytes).
    const ordered = shown.includes('start') ? ['start', ...shown.filter((c) => c !== 'start')] : shown;
    return ordered.length > 0 ? ordered : [...columns];
  }

  private renderChooser(columns: readonly string[]): void {
    const shown = new Set(this.visible(columns));
    const boxes = columns.map((c) => {
      const id = uid(`col-${c}`);
      const box = h('input', {
        type: 'checkbox',
        id,
        'data-testid': `column-toggle-${c}`,
        ...(shown.has(c) ? { checked: true } : {}),
      });
      box.addEventListener('change', () => {
        const next = new Set(this.visible(columns));
        if (box.checked) next.add(c);
        else next.delete(c);
        // Columns of the catalog not in this answer stay chosen for answers that have them.
        const others = (this.chosen ?? DEFAULT_FLOW_COLUMNS).filter((x) => !columns.includes(x));
        this.chosen = [...others, ...columns.filter((x) => next.has(x))];
        saveColumns(this.chosen);
        this.rerender();
      });
      return h('label', { for: id }, box, ` ${c}`);
    });
    const open = this.chooser.open;
    replaceChildren(
      this.chooser,
      h('summary', {}, `Columns (${shown.size} of ${columns.length})`),
      h(
        'div',
        { class: 'column-chooser-panel' },
        boxes,
        h(
          'div',
          { class: 'chooser-actions' },
          h(
            'button',
            {
              type: 'button',
              class: 'small',
              'data-testid': 'columns-default',
              onclick: () => {
                this.chosen = undefined;
                saveColumns(undefined);
                this.rerender();
              },
            },
            'Defaults',
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'small',
              'data-testid': 'columns-all',
              onclick: () => {
                this.chosen = [...new Set([...(this.chosen ?? []), ...columns])];
                saveColumns(this.chosen);
                this.rerender();
              },
            },
            'All',
          ),
        ),
      ),
    );
    this.chooser.open = open;
  }

  private rerender(): void {
    if (this.last) this.render(this.last.res, this.last.q);
  }

  private toggleSort(key: string): void {
    // Numbers and times start largest first (the newest, the biggest); text starts at A.
    const first: SortState['dir'] = /bytes|packets|start|end|event_time/.test(key) ? 'desc' : 'asc';
    this.sort =
      this.sort?.key === key ? { key, dir: this.sort.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: first };
    this.rerender();
  }

  update(route: Route): void {
    this.route = route;
    for (const f of FIELDS) {
      const v = route.params.get(f) ?? (f === 'limit' ? '100' : '');
      const input = this.inputs[f];
      if (f === 'protocol' && /^\d+$/.test(v)) {
        const name = protocolName(Number(v));
        input.value = name === v ? v : name;
      } else {
        input.value = v;
      }
    }
    const query = toQuery(route.params);
    const range = resolveRange(rangeFromParams(route.params));
    this.meta.textContent = 'Searching…';
    void this.run('flows', async (signal) => {
      try {
        const res = await this.ctx.api.flows(query, range, signal);
        this.render(res, query);
      } catch (err) {
        // The banner says what went wrong; the status must not keep saying "Searching…".
        if (!signal.aborted) {
          this.meta.textContent = 'The search failed: see the message above.';
          replaceChildren(this.results);
          this.last = undefined;
        }
        throw err;
      }
    });
  }

  private submit(): void {
    if (!this.route) return;
    const changes: Record<string, string | undefined> = {};
    for (const f of FIELDS) {
      let v = this.inputs[f].value.trim();
      if (f === 'protocol' && v !== '') {
        const n = PROTOCOL_NUMBERS.get(v.toLowerCase());
        if (n !== undefined) v = String(n);
        else if (!/^\d+$/.test(v)) {
          this.inputs.protocol.setCustomValidity(
            'Use a protocol name such as TCP, UDP or ICMP, or its number.',
          );
          this.inputs.protocol.reportValidity();
          return;
        }
      }
      changes[f] = v === '' || (f === 'limit' && v === '100') ? undefined : v;
    }
    navigate(withParams(this.route, changes));
  }

  private clear(): void {
    if (!this.route) return;
    const changes: Record<string, undefined> = {};
    for (const f of FIELDS) changes[f] = undefined;
    navigate(withParams(this.route, changes));
  }

  private render(res: FlowsResponse, q: FlowsQuery): void {
    this.last = { res, q };
    this.renderChooser(res.columns);
    const filters = Object.entries(q)
      .filter(([k, v]) => k !== 'limit' && v !== undefined)
      .map(([k, v]) => `${k} ${k === 'protocol' ? protocolName(Number(v)) : v}`);
    replaceChildren(
      this.meta,
      plural(res.rows.length, 'flow'),
      filters.length ? ` matching ${filters.join(', ')}` : '',
      res.truncated
        ? h(
            'span',
            { class: 'warn', 'data-testid': 'flows-truncated' },
            ` — only the newest ${formatNumber(res.rows.length)} are shown; narrow the filter or raise Rows`,
          )
        : '',
      // e.g. no network snapshot loaded, so the interfaces have no names: said once, above the table
      ...(res.notes ?? []).map((n) => h('div', { class: 'warn', 'data-testid': 'flows-note' }, n)),
    );
    replaceChildren(
      this.results,
      renderResults(this.visible(res.columns), res.rows, {
        testid: 'flows-table',
        keepEmptyTable: true,
        empty: 'No flows match in this time range.',
        link: (c, v) => cellLink(c, v),
        nowrap: true,
        ...(this.sort && res.columns.includes(this.sort.key) ? { sort: this.sort } : {}),
        onSort: (c) => this.toggleSort(c),
      }),
    );
  }
}

/** The API query for the URL's filter: an address with `/` is a CIDR. */
function toQuery(params: URLSearchParams): FlowsQuery {
  const get = (k: string) => {
    const v = params.get(k)?.trim();
    return v ? v : undefined;
  };
  const ip = get('ip');
  const limit = Number(get('limit') ?? '100');
  return {
    ...(ip ? (ip.includes('/') ? { cidr: ip } : { ip }) : {}),
    port: get('port'),
    protocol: get('protocol'),
    interface: get('interface'),
    action: get('action'),
    direction: get('direction'),
    limit: Number.isFinite(limit) && limit > 0 ? Math.min(limit, 1000) : 100,
  };
}

export function flowsPage(ctx: PageContext): Page {
  return new FlowsPage(ctx);
}

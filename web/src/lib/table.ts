// Tables: typed columns for the pages' own data, and result tables (query, flows) whose columns come from
// the server, with cells formatted (UTC times, bytes, thousands separators) and optional drill-down links.

import { h } from './dom.js';
import { formatCell, isNumeric, plural, TIME_COLUMN } from './format.js';
import { empty } from './states.js';

/** One column of a typed table. */
export interface Column<R> {
  readonly label: string;
  /** Right-aligned (numbers). */
  readonly numeric?: boolean;
  readonly cell: (row: R) => Node | string | number | null | undefined;
  /** The cell's tooltip (e.g. the exact number behind `1.2 GiB`). */
  readonly title?: (row: R) => string | undefined;
  /** Sort key: set for sortable columns (the header becomes a button calling `onSort`). */
  readonly sortKey?: string;
  /** Keep the cell on one line (times, addresses). */
  readonly nowrap?: boolean;
}

/** The column a table is sorted by. */
export interface SortState {
  readonly key: string;
  readonly dir: 'asc' | 'desc';
}

export interface TableOptions<R> {
  readonly columns: readonly Column<R>[];
  readonly rows: readonly R[];
  readonly testid?: string;
  readonly caption?: string;
  /** Shown instead of the table when there are no rows. */
  readonly empty?: string;
  /** Render the table (header plus one "empty" row) even without rows, so its test id is always there. */
  readonly keepEmptyTable?: boolean;
  /** Attributes of each row (e.g. `data-testid`). */
  readonly rowAttrs?: (row: R) => Record<string, string>;
  readonly sort?: SortState;
  /** Called with a sortable column's key when its header is clicked. */
  readonly onSort?: (key: string) => void;
}

/**
 * Renders a table, or the empty state when there are no rows.
 *
 * @example renderTable({ columns: [{ label: 'Name', cell: (r) => r.name }], rows, testid: 'sources-table' })
 */
export function renderTable<R>(opts: TableOptions<R>): HTMLElement {
  if (opts.rows.length === 0 && !opts.keepEmptyTable) {
    const e = empty(opts.empty);
    if (opts.testid) e.dataset['for'] = opts.testid;
    return e;
  }
  const head = h(
    'tr',
    {},
    opts.columns.map((c) => {
      const sorted = c.sortKey !== undefined && opts.sort?.key === c.sortKey ? opts.sort.dir : undefined;
      const label =
        c.sortKey !== undefined && opts.onSort
          ? h(
              'button',
              {
                type: 'button',
                class: 'sort',
                'data-testid': `sort-${c.sortKey}`,
                title: `Sort by ${c.label}`,
                onclick: () => opts.onSort?.(c.sortKey!),
              },
              c.label,
              h('span', { 'aria-hidden': 'true' }, sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : ''),
            )
          : c.label;
      return h(
        'th',
        {
          scope: 'col',
          class: c.numeric ? 'num' : undefined,
          ...(sorted ? { 'aria-sort': sorted === 'asc' ? 'ascending' : 'descending' } : {}),
        },
        label,
      );
    }),
  );
  const body = opts.rows.map((row) => {
    const tr = h(
      'tr',
      {},
      opts.columns.map((c) => {
        const v = c.cell(row);
        const cls = [c.numeric ? 'num' : '', c.nowrap ? 'nowrap' : ''].filter(Boolean).join(' ');
        return h('td', { class: cls || undefined, title: c.title?.(row) }, v ?? '–');
      }),
    );
    for (const [k, v] of Object.entries(opts.rowAttrs?.(row) ?? {})) tr.setAttribute(k, v);
    return tr;
  });
  if (opts.rows.length === 0) {
    body.push(
      h(
        'tr',
        {},
        h(
          'td',
          { class: 'state-empty', colspan: Math.max(opts.columns.length, 1) },
          opts.empty ?? 'No rows.',
        ),
      ),
    );
  }
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { 'data-testid': opts.testid },
      opts.caption ? h('caption', {}, opts.caption) : null,
      h('thead', {}, head),
      h('tbody', {}, body),
    ),
  );
}

/** Options of a result table. */
export interface ResultTableOptions {
  readonly testid?: string;
  readonly empty?: string;
  readonly keepEmptyTable?: boolean;
  /** A drill-down link for a cell, or undefined to show it as text. */
  readonly link?: (column: string, value: unknown, row: Record<string, unknown>) => string | undefined;
  /** Sortable headers: the order shown and what a click on a header does. */
  readonly sort?: SortState;
  readonly onSort?: (column: string) => void;
  /** Cells on one line. */
  readonly nowrap?: boolean;
}

/**
 * Rows ordered by one column: numbers as numbers, other values as text with digit runs compared by value
 * (so 10.0.1.9 comes before 10.0.1.10); empty values last either way. Stable.
 *
 * @example sortRows([{ n: 10 }, { n: 9 }], { key: 'n', dir: 'asc' }) // [{ n: 9 }, { n: 10 }]
 */
export function sortRows(
  rows: readonly Record<string, unknown>[],
  sort: SortState,
): Record<string, unknown>[] {
  const sign = sort.dir === 'asc' ? 1 : -1;
  const empty = (v: unknown) => v === null || v === undefined || v === '';
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => {
      const x = a.r[sort.key];
      const y = b.r[sort.key];
      if (empty(x) || empty(y)) return empty(x) === empty(y) ? a.i - b.i : empty(x) ? 1 : -1;
      const c =
        isNumeric(x) && isNumeric(y)
          ? Number(x) - Number(y)
          : String(x).localeCompare(String(y), 'en', { numeric: true });
      return c === 0 ? a.i - b.i : sign * c;
    })
    .map((x) => x.r);
}

/** Renders rows whose columns the server named (query results, flows). */
export function renderResults(
  columns: readonly string[],
  rows: readonly Record<string, unknown>[],
  opts: ResultTableOptions = {},
): HTMLElement {
  const numeric = new Set(
    columns.filter(
      (c) =>
        rows.some((r) => r[c] !== null && r[c] !== undefined) &&
        rows.every((r) => r[c] === null || r[c] === undefined || isNumeric(r[c])),
    ),
  );
  return renderTable<Record<string, unknown>>({
    columns: columns.map((c) => ({
      label: c,
      // Times read as dates, addresses and ports as names: left-aligned like text.
      numeric: numeric.has(c) && !/addr|port$/i.test(c) && !TIME_COLUMN.test(c),
      cell: (row) => {
        const v = row[c];
        const text = formatCell(
          c,
          typeof v === 'string' && numeric.has(c) && /bytes/i.test(c) ? Number(v) : v,
        );
        const href = v === null || v === undefined ? undefined : opts.link?.(c, v, row);
        return href ? h('a', { href }, text) : text;
      },
      title: (row) => {
        const v = row[c];
        return typeof v === 'number' && /bytes/i.test(c) ? plural(v, 'byte') : undefined;
      },
      ...(opts.onSort ? { sortKey: c } : {}),
      ...(opts.nowrap ? { nowrap: true } : {}),
    })),
    rows: opts.sort ? sortRows(rows, opts.sort) : rows,
    ...(opts.sort ? { sort: opts.sort } : {}),
    ...(opts.onSort ? { onSort: opts.onSort } : {}),
    testid: opts.testid,
    empty: opts.empty,
    keepEmptyTable: opts.keepEmptyTable,
  });
}

// Sources: every configured source, push endpoints included (batches, records, rejects, errors, last batch),
// records stored per second, and the newest rejected lines with their reasons.

import type { SourcesResponse } from '../lib/api.js';
import { h, replaceChildren } from '../lib/dom.js';
import { formatAgo, formatNumber, formatTimeUtc } from '../lib/format.js';
import { card, statTile } from '../lib/layout.js';
import { type Page, type PageContext, PageShell } from '../lib/page.js';
import type { Route } from '../lib/router.js';
import { loading } from '../lib/states.js';
import { renderTable } from '../lib/table.js';

type Source = SourcesResponse['sources'][number];
type Reject = SourcesResponse['rejects'][number];

class SourcesPage extends PageShell {
  private readonly stats = h('div', { class: 'stats', 'data-testid': 'sources-totals' }, loading());
  private readonly sources = h('div', {}, loading());
  private readonly rejects = h('div', {}, loading());

  constructor(private readonly ctx: PageContext) {
    super('sources', 'Sources');
    this.body.append(
      this.stats,
      card('Sources', this.sources, { testid: 'card-sources', wide: true }),
      card('Rejected lines', this.rejects, { testid: 'card-rejects', wide: true }),
    );
  }

  update(route: Route): void {
    this.route = route;
    void this.run('sources', async (signal) => {
      this.render(await this.ctx.api.sources(signal));
    });
  }

  private render(d: SourcesResponse): void {
    replaceChildren(
      this.stats,
      statTile('Records/s (last minute)', formatNumber(Math.round(d.recordsPerSecond * 10) / 10), {
        testid: 'records-per-second',
      }),
      statTile('Records stored', formatNumber(d.recordsStored), { testid: 'records-stored' }),
      statTile('Lines rejected', formatNumber(d.recordsRejected), {
        testid: 'records-rejected',
        tone: d.recordsRejected > 0 ? 'danger' : undefined,
      }),
    );
    replaceChildren(
      this.sources,
      renderTable<Source>({
        testid: 'sources-table',
        rows: d.sources,
        empty: 'No sources are configured: add them under `sources:` in the configuration file.',
        rowAttrs: (s) => ({ 'data-testid': `source-row-${s.name}`, 'data-errors': String(s.errors) }),
        columns: [
          { label: 'Source', cell: (s) => s.name },
          { label: 'Kind', cell: (s) => s.kind },
          { label: 'Batches', numeric: true, cell: (s) => formatNumber(s.batches) },
          { label: 'Records', numeric: true, cell: (s) => formatNumber(s.records) },
          {
            label: 'Rejects',
            numeric: true,
            cell: (s) => (s.rejects > 0 ? h('span', { class: 'danger' }, formatNumber(s.rejects)) : '0'),
          },
          {
            label: 'Errors',
            numeric: true,
            cell: (s) => (s.errors > 0 ? h('span', { class: 'danger' }, formatNumber(s.errors)) : '0'),
          },
          {
            label: 'Last batch',
            cell: (s) =>
              s.lastBatchAt !== undefined
                ? h(
                    'time',
                    {
                      datetime: new Date(s.lastBatchAt * 1000).toISOString(),
                      title: formatTimeUtc(s.lastBatchAt),
                    },
                    formatAgo(s.lastBatchAt),
                  )
                : 'never',
          },
          {
            label: 'Last error',
            cell: (s) => (s.lastError ? h('span', { class: 'reason danger' }, s.lastError) : '–'),
          },
        ],
      }),
    );
    replaceChildren(
      this.rejects,
      renderTable<Reject>({
        testid: 'rejects-table',
        rows: d.rejects,
        empty: 'No rejected lines: every line read so far was a valid flow log record.',
        columns: [
          { label: 'File', cell: (r) => h('span', { class: 'path' }, r.file) },
          { label: 'Line', numeric: true, cell: (r) => formatNumber(r.line) },
          { label: 'Code', cell: (r) => h('code', {}, r.code) },
          { label: 'Field', cell: (r) => r.field ?? '–' },
          { label: 'Reason', cell: (r) => h('span', { class: 'reason' }, r.reason) },
          { label: 'Text', cell: (r) => (r.text !== null ? h('code', { class: 'line' }, r.text) : '–') },
        ],
      }),
    );
  }
}

export function sourcesPage(ctx: PageContext): Page {
  return new SourcesPage(ctx);
}

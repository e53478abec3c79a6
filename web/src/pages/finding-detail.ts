// One finding: what was detected (detection, MITRE ATT&CK tag, entity, peers, times), acknowledge / suppress /
// reopen, the windows that reached a threshold, the records behind it (a sample, the evidence query, and the
// Flows explorer filtered to the entity and time) and its state changes.

import { ApiError, type FindingDetailResponse } from '../lib/api.js';
import { h, replaceChildren, uid } from '../lib/dom.js';
import { findingFlowsLink, findingStateBadge, severityBadge } from '../lib/findings.js';
import { formatAgo, formatNumber, formatSpan, formatTime, formatTimeUtc } from '../lib/format.js';
import { card, cellLink } from '../lib/layout.js';
import { type Page, type PageContext, PageShell } from '../lib/page.js';
import { linkTo, type Route } from '../lib/router.js';
import { empty, loading } from '../lib/states.js';
import { renderResults, renderTable } from '../lib/table.js';
import { entityHost, hostLink } from './host.js';

type Detail = FindingDetailResponse;
type Window = Detail['windows'][number];
type Change = Detail['history'][number];

const SUPPRESS_CHOICES: [number, string][] = [
  [3600, '1 hour'],
  [86_400, '1 day'],
  [7 * 86_400, '7 days'],
  [30 * 86_400, '30 days'],
  [90 * 86_400, '90 days'],
];

class FindingDetailPage extends PageShell {
  private readonly info = h('div', { 'data-testid': 'finding-info' }, loading());
  private readonly actions = h('div', { class: 'finding-actions', 'data-testid': 'finding-actions' });
  private readonly windows = h('div', {}, loading());
  private readonly evidence = h('div', {}, loading());
  private readonly history = h('div', {}, loading());

  constructor(
    private readonly ctx: PageContext,
    private readonly id: string,
  ) {
    super(
      'finding',
      `Finding ${id}`,
      h(
        'span',
        {},
        h('a', { href: linkTo(['findings']) }, 'Findings'),
        ' / ',
        h('span', { class: 'mono' }, id),
      ),
    );
    this.body.append(
      card('Finding', [this.info, this.actions], { testid: 'card-finding' }),
      card('Records behind it', this.evidence, { testid: 'card-finding-evidence' }),
      card('Windows that reached a threshold', this.windows, { testid: 'card-finding-windows' }),
      card('State history', this.history, { testid: 'card-finding-history' }),
    );
  }

  update(route: Route): void {
    this.route = route;
    void this.run('finding', async (signal) => {
      let f: Detail;
      try {
        f = await this.ctx.api.finding(this.id, signal);
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) {
          for (const el of [this.info, this.windows, this.evidence, this.history])
            replaceChildren(el, empty('–'));
          replaceChildren(this.actions);
          throw new ApiError(404, err.code, err.message, 'Pick one from the Findings page.');
        }
        throw err;
      }
      this.render(f);
    });
  }

  private render(f: Detail): void {
    this.renderInfo(f);
    this.renderActions(f);
    this.renderEvidence(f);
    this.renderWindows(f.windows);
    this.renderHistory(f.history);
  }

  private renderInfo(f: Detail): void {
    const row = (label: string, value: Node | string | (Node | string | null)[], testid?: string) => [
      h('dt', {}, label),
      h('dd', { 'data-testid': testid }, value),
    ];
    const attack = f.attack;
    replaceChildren(
      this.info,
      h(
        'p',
        { class: 'finding-title' },
        severityBadge(f.severity, 'finding-severity'),
        ' ',
        h('strong', {}, f.title),
      ),
      f.description ? h('p', { class: 'muted' }, f.description) : null,
      h(
        'dl',
        { class: 'facts' },
        row(
          'State',
          [
            findingStateBadge(f.state, 'finding-state'),
            f.stateReason ? ` ${f.stateReason}` : '',
            f.stateUntil !== undefined ? ` (until ${formatTimeUtc(f.stateUntil)})` : '',
          ],
          'finding-state-text',
        ),
        row('Detection', h('code', {}, f.detection)),
        attack
          ? row(
              'MITRE ATT&CK',
              [
                h(
                  'a',
                  {
                    href: `https://attack.mitre.org/techniques/${attack.technique.replace('.', '/')}/`,
                    target: '_blank',
                    rel: 'noopener noreferrer',
                  },
                  `${attack.technique} ${attack.techniqueName}`,
                ),
                h('span', { class: 'muted' }, ` · ${attack.tactic} ${attack.tacticName}`),
              ],
              'finding-attack',
            )
          : row('MITRE ATT&CK', h('span', { class: 'muted' }, 'not tagged (detection not in the catalog)')),
        row(
          'Entity',
          [
            h('a', { class: 'mono', href: findingFlowsLink(f.entity, f.start, f.end) }, f.entity),
            ...(entityHost(f.entity) !== undefined
              ? [' · ', h('a', { href: hostLink(f.entity), 'data-testid': 'finding-host-link' }, 'host page')]
              : []),
          ],
          'finding-entity',
        ),
        row(
          'Peers',
          f.peers.length === 0
            ? '–'
            : [
                ...f.peers.flatMap((p, i) => [
                  i > 0 ? ', ' : '',
                  h('a', { class: 'mono', href: cellLink('addr', p) ?? '#' }, p),
                ]),
                f.morePeers ? h('span', { class: 'muted' }, ' and more (only the first are kept)') : null,
              ],
          'finding-peers',
        ),
        row(
          'Active',
          `${formatTimeUtc(f.start)} → ${formatTimeUtc(f.end)} (${formatSpan(Math.max(f.end - f.start, 1))})${f.closed ? ', closed' : ', may still be going on'}`,
        ),
        row(
          'Evidence',
          `${formatNumber(f.evidence_count)} records in ${f.windows.length} window${f.windows.length === 1 ? '' : 's'}, peak ${formatNumber(f.peak)}`,
        ),
      ),
    );
  }

  private renderActions(f: Detail): void {
    const reasonId = uid('reason');
    const reason = h('input', {
      id: reasonId,
      'data-testid': 'finding-reason',
      placeholder: 'why (required to suppress)',
      maxlength: 1000,
    });
    const forId = uid('for');
    const forSel = h(
      'select',
      { id: forId, 'data-testid': 'finding-suppress-for' },
      SUPPRESS_CHOICES.map(([s, l]) => h('option', { value: String(s) }, l)),
    );
    forSel.value = String(7 * 86_400);
    const button = (label: string, testid: string, onclick: () => void, primary = false) =>
      h(
        'button',
        { type: 'button', 'data-testid': testid, class: primary ? 'primary' : undefined, onclick },
        label,
      );
    const ack = button('Acknowledge', 'finding-ack', () => this.change(f, 'ack', reason.value), true);
    const suppress = button('Suppress', 'finding-suppress', () => {
      if (reason.value.trim() === '') {
        reason.setCustomValidity('Say why the finding is suppressed (e.g. known scanner, ticket OPS-12).');
        reason.reportValidity();
        return;
      }
      this.change(f, 'suppress', reason.value, Math.floor(Date.now() / 1000) + Number(forSel.value));
    });
    reason.addEventListener('input', () => reason.setCustomValidity(''));
    const reopen = button('Reopen', 'finding-reopen', () => this.change(f, 'reopen', reason.value));
    replaceChildren(
      this.actions,
      h(
        'div',
        { class: 'filter-form' },
        h('div', { class: 'field grow' }, h('label', { for: reasonId }, 'Reason'), reason),
        h('div', { class: 'field' }, h('label', { for: forId }, 'Suppress for'), forSel),
        h(
          'div',
          { class: 'field buttons' },
          f.state !== 'acknowledged' ? ack : null,
          f.state !== 'suppressed' ? suppress : null,
          f.state !== 'open' ? reopen : null,
        ),
      ),
    );
  }

  private change(f: Detail, action: 'ack' | 'suppress' | 'reopen', reason: string, until?: number): void {
    const r = reason.trim();
    void this.run('state', async (signal) => {
      await this.ctx.api.setFindingState(
        f.id,
        action,
        { ...(r ? { reason: r } : {}), ...(until !== undefined ? { until } : {}) },
        signal,
      );
      this.render(await this.ctx.api.finding(f.id, signal));
    });
  }

  private renderEvidence(f: Detail): void {
    const sample = f.evidence.sample;
    const columns = [...new Set(sample.flatMap((r) => Object.keys(r)))];
    replaceChildren(
      this.evidence,
      h(
        'p',
        { class: 'results-meta' },
        `${formatNumber(f.evidence.count)} records; the first ${sample.length} kept with the finding. `,
        h(
          'a',
          { href: findingFlowsLink(f.entity, f.start, f.end), 'data-testid': 'finding-flows-link' },
          'Open the entity and time in Flows',
        ),
        ' · ',
        h(
          'a',
          {
            href: linkTo(['query'], { lang: 'sql', q: f.evidence.query }),
            'data-testid': 'finding-query-link',
          },
          'run the evidence query',
        ),
      ),
      renderResults(columns, sample, {
        testid: 'finding-sample',
        empty: 'No sample was kept with this finding.',
        link: (c, v) => cellLink(c, v),
        nowrap: true,
      }),
      h(
        'details',
        { class: 'evidence-sql' },
        h('summary', {}, `The evidence query (${f.evidence.engine})`),
        h('pre', { class: 'mono' }, f.evidence.query),
      ),
    );
  }

  private renderWindows(ws: readonly Window[]): void {
    const max = Math.max(...ws.map((w) => w.value), 1);
    replaceChildren(
      this.windows,
      renderTable<Window>({
        testid: 'finding-windows',
        rows: [...ws].sort((a, b) => a.w - b.w),
        empty: 'No window is stored with this finding.',
        columns: [
          { label: 'Window start (UTC)', nowrap: true, cell: (w) => formatTime(w.w) },
          { label: 'Severity', cell: (w) => severityBadge(w.severity) },
          {
            label: 'Value',
            numeric: true,
            cell: (w) => {
              const bar = h('span', { class: 'inline-bar', 'aria-hidden': 'true' });
              bar.style.width = `${Math.max(2, (w.value / max) * 60)}px`;
              return h('span', { class: 'value-bar' }, bar, formatNumber(w.value));
            },
          },
          { label: 'Records', numeric: true, cell: (w) => formatNumber(w.records) },
          {
            label: 'Seen (UTC)',
            nowrap: true,
            cell: (w) => `${formatTime(w.firstSeen)} → ${formatTime(w.lastSeen).slice(11)}`,
          },
        ],
      }),
    );
  }

  private renderHistory(items: readonly Change[]): void {
    replaceChildren(
      this.history,
      renderTable<Change>({
        testid: 'finding-history',
        rows: [...items].reverse(),
        empty: 'Open since it was found: nobody has acknowledged or suppressed it.',
        columns: [
          {
            label: 'Time (UTC)',
            nowrap: true,
            cell: (c) => h('span', { title: formatAgo(c.at) }, formatTime(c.at)),
          },
          {
            label: 'Change',
            cell: (c) => h('span', {}, findingStateBadge(c.from), ' → ', findingStateBadge(c.state)),
          },
          { label: 'Reason', cell: (c) => h('span', { class: 'reason' }, c.reason ?? '–') },
          {
            label: 'Until (UTC)',
            nowrap: true,
            cell: (c) => (c.until !== undefined ? formatTime(c.until) : '–'),
          },
        ],
      }),
    );
  }
}

export function findingDetailPage(ctx: PageContext, id: string): Page {
  return new FindingDetailPage(ctx, id);
}

// Findings: the detections' findings of the time range with severity, state and detection filters, counts by
// severity, a sortable table; each row opens the finding's detail page.

import type { FindingsResponse } from '../lib/api.js';
import { h, replaceChildren, uid } from '../lib/dom.js';
import {
  FINDING_STATES,
  findingFlowsLink,
  findingStateBadge,
  noFindings,
  SEVERITIES,
  severityBadge,
  severityRank,
} from '../lib/findings.js';
import { formatNumber, formatTime } from '../lib/format.js';
import { statTile } from '../lib/layout.js';
import { type Page, type PageContext, PageShell } from '../lib/page.js';
import { linkTo, navigate, type Route, withParams } from '../lib/router.js';
import { loading } from '../lib/states.js';
import { renderTable, type SortState } from '../lib/table.js';
import { rangeFromParams, resolveRange } from '../lib/time-range.js';

type Finding = FindingsResponse['findings'][number];

const SORT_KEYS: Record<string, (f: Finding) => number | string> = {
  severity: (f) => -severityRank(f.severity),
  title: (f) => f.title,
  entity: (f) => f.entity,
  start: (f) => f.start,
  end: (f) => f.end,
  evidence: (f) => f.evidence_count,
  state: (f) => f.state,
};

/** Findings ordered by one column (ties: most recent activity first). */
export function sortFindings(list: readonly Finding[], sort: SortState): Finding[] {
  const key = SORT_KEYS[sort.key] ?? SORT_KEYS['end']!;
  const sign = sort.dir === 'asc' ? 1 : -1;
  return [...list].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return c !== 0 ? sign * c : b.end - a.end;
  });
}

class FindingsPage extends PageShell {
  private readonly summary = h('div', { class: 'stats', 'data-testid': 'findings-summary' });
  private readonly list = h('div', {}, loading());
  private readonly severity: HTMLSelectElement;
  private readonly state: HTMLSelectElement;
  private readonly detection: HTMLSelectElement;
  private detections: string[] = [];

  constructor(private readonly ctx: PageContext) {
    super('findings', 'Findings');
    const select = (name: string, label: string, options: [string, string][]) => {
      const id = uid(name);
      const el = h(
        'select',
        { id, name, 'data-testid': `findings-${name}` },
        options.map(([v, l]) => h('option', { value: v }, l)),
      );
      el.addEventListener('change', () =>
        navigate(withParams(this.route!, { [name]: el.value || null }), true),
      );
      return { el, field: h('div', { class: 'field' }, h('label', { for: id }, label), el) };
    };
    const severity = select('severity', 'Severity', [
      ['', 'Any'],
      ...SEVERITIES.map((s): [string, string] => [s, s]),
      ['critical,high', 'high or critical'],
    ]);
    const state = select('state', 'State', [
      ['', 'Any'],
      ...FINDING_STATES.map((s): [string, string] => [s, s]),
      ['open,acknowledged', 'not suppressed'],
    ]);
    const detection = select('detection', 'Detection', [['', 'Any']]);
    this.severity = severity.el;
    this.state = state.el;
    this.detection = detection.el;
    this.body.append(
      h(
        'form',
        { class: 'filter-form', 'aria-label': 'Filter findings', onsubmit: (e: Event) => e.preventDefault() },
        severity.field,
        state.field,
        detection.field,
      ),
      this.summary,
      this.list,
    );
  }

  update(route: Route): void {
    this.route = route;
    const p = route.params;
    const range = resolveRange(rangeFromParams(p));
    const q = {
      severity: p.get('severity') ?? undefined,
      state: p.get('state') ?? undefined,
      detection: p.get('detection') ?? undefined,
    };
    this.setSelect(this.severity, q.severity ?? '');
    this.setSelect(this.state, q.state ?? '');
    const sort: SortState = {
      key: p.get('sort') ?? 'end',
      dir: p.get('dir') === 'asc' ? 'asc' : 'desc',
    };
    void this.run('findings', async (signal) => {
      // Counts by severity and the detection list come from the unfiltered range.
      const [all, shown] = await Promise.all([
        this.ctx.api.findings({}, range, signal),
        q.severity || q.state || q.detection
          ? this.ctx.api.findings(q, range, signal)
          : Promise.resolve(undefined),
      ]);
      const detections = [...new Set(all.findings.map((f) => f.detection))].sort();
      if (q.detection && !detections.includes(q.detection)) detections.push(q.detection);
      this.setDetections(detections, q.detection ?? '');
      this.renderSummary(all.findings);
      this.render(shown?.findings ?? all.findings, sort, shown !== undefined);
    });
  }

  private setSelect(el: HTMLSelectElement, value: string): void {
    if (value !== '' && ![...el.options].some((o) => o.value === value))
      el.append(h('option', { value }, value));
    el.value = value;
  }

  private setDetections(ids: string[], value: string): void {
    if (ids.join('\n') !== this.detections.join('\n')) {
      this.detections = ids;
      replaceChildren(
        this.detection,
        h('option', { value: '' }, 'Any'),
        ids.map((d) => h('option', { value: d }, d)),
      );
    }
    this.detection.value = value;
  }

  private renderSummary(all: readonly Finding[]): void {
    const count = (s: string) => all.filter((f) => f.severity === s).length;
    const open = all.filter((f) => f.state === 'open').length;
    replaceChildren(
      this.summary,
      statTile('Open', formatNumber(open), {
        testid: 'findings-open',
        href: withParams(this.route!, { state: 'open', severity: null }),
        ...(open > 0 ? { tone: 'danger' as const } : {}),
      }),
      SEVERITIES.map((s) =>
        statTile(s[0]!.toUpperCase() + s.slice(1), formatNumber(count(s)), {
          testid: `findings-${s}`,
          href: withParams(this.route!, { severity: s, state: null }),
          ...((s === 'critical' || s === 'high') && count(s) > 0 ? { tone: 'danger' as const } : {}),
        }),
      ),
    );
  }

  private render(list: readonly Finding[], sort: SortState, filtered: boolean): void {
    const onSort = (key: string) =>
      navigate(
        withParams(this.route!, {
          sort: key,
          dir: sort.key === key && sort.dir === 'desc' ? 'asc' : 'desc',
        }),
        true,
      );
    if (list.length === 0) {
      replaceChildren(this.list, noFindings(filtered));
      return;
    }
    replaceChildren(
      this.list,
      h(
        'p',
        { class: 'results-meta', 'data-testid': 'findings-meta' },
        `${formatNumber(list.length)} finding${list.length === 1 ? '' : 's'} active in this time range`,
      ),
      renderTable<Finding>({
        testid: 'findings-table',
        rows: sortFindings(list, sort),
        sort,
        onSort,
        rowAttrs: (f) => ({
          'data-testid': `finding-row-${f.id}`,
          'data-state': f.state,
          'data-severity': f.severity,
        }),
        columns: [
          { label: 'Severity', sortKey: 'severity', cell: (f) => severityBadge(f.severity) },
          {
            label: 'Finding',
            sortKey: 'title',
            cell: (f) =>
              h(
                'span',
                { class: 'stack-tight finding-cell' },
                h('a', { href: linkTo(['findings', f.id]), 'data-testid': 'finding-link' }, f.title),
                h('span', { class: 'muted small' }, f.detection),
              ),
          },
          {
            label: 'Entity',
            sortKey: 'entity',
            cell: (f) =>
              h('a', { href: findingFlowsLink(f.entity, f.start, f.end), class: 'mono' }, f.entity),
          },
          {
            label: 'Peers',
            cell: (f) =>
              f.peers.length === 0
                ? '–'
                : `${f.peers.slice(0, 3).join(', ')}${f.peers.length > 3 || f.morePeers ? ` +${f.morePeers ? 'more' : f.peers.length - 3}` : ''}`,
          },
          { label: 'First seen (UTC)', sortKey: 'start', nowrap: true, cell: (f) => formatTime(f.start) },
          { label: 'Last seen (UTC)', sortKey: 'end', nowrap: true, cell: (f) => formatTime(f.end) },
          {
            label: 'Records',
            sortKey: 'evidence',
            numeric: true,
            cell: (f) => formatNumber(f.evidence_count),
          },
          {
            label: 'State',
            sortKey: 'state',
            cell: (f) =>
              h(
                'span',
                {},
                findingStateBadge(f.state),
                f.closed ? h('span', { class: 'muted small' }, ' closed') : null,
              ),
          },
        ],
      }),
    );
  }
}

export function findingsPage(ctx: PageContext): Page {
  return new FindingsPage(ctx);
}

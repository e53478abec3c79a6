// The findings of the range as markers on the Overview's timeline: one marker per finding at its start (a bar to
// its end), coloured by severity, one lane per severity (critical on top); a click opens the finding. A strip of
// its own under the time panels (same range, left to right), so the panels' own clicks (drill into flows) stay.

import type { Api, Range } from './api.js';
import { h, replaceChildren } from './dom.js';
import { SEVERITIES, severityRank } from './findings.js';
import { formatTimeUtc } from './format.js';
import { card } from './layout.js';
import { linkTo } from './router.js';

/** The findings the strip draws, at most (most severe first, then newest). */
export const MARKER_LIMIT = 200;

/** One marker as drawn: where (percent of the range) and what. */
export interface Marker {
  readonly id: string;
  readonly severity: string;
  readonly title: string;
  readonly entity: string;
  readonly start: number;
  readonly end: number;
  /** Left edge and width, percent of the range's width (clipped to it). */
  readonly left: number;
  readonly width: number;
}

/**
 * The markers of findings over a range: clipped to it, most severe last (drawn on top), at most MARKER_LIMIT.
 *
 * @example placeMarkers([{ id: 'a', severity: 'high', title: 't', entity: 'e', start: 150, end: 150 }], { since: 100, until: 200 })[0].left // 50
 */
export function placeMarkers(findings: readonly Omit<Marker, 'left' | 'width'>[], range: Range): Marker[] {
  const span = Math.max(1, range.until - range.since);
  const pct = (t: number) => (100 * (Math.min(Math.max(t, range.since), range.until) - range.since)) / span;
  return findings
    .filter((f) => f.end >= range.since && f.start < range.until)
    .sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || b.start - a.start)
    .slice(0, MARKER_LIMIT)
    .reverse()
    .map((f) => ({ ...f, left: pct(f.start), width: Math.max(0, pct(f.end) - pct(f.start)) }));
}

/**
 * The strip: `el` goes into the page; `update(range)` loads the range's findings and draws them.
 *
 * @example const m = new FindingMarkers(ctx.api); body.append(m.el); m.update(range);
 */
export class FindingMarkers {
  readonly el: HTMLElement;
  private readonly track = h('div', { class: 'finding-track', 'data-testid': 'finding-markers' });
  private readonly note = h('div', {
    class: 'small finding-markers-note',
    'data-testid': 'finding-markers-note',
  });
  private abort: AbortController | undefined;

  constructor(private readonly api: Api) {
    const legend = h(
      'span',
      { class: 'finding-legend small' },
      ...[...SEVERITIES].reverse().map((s) => h('span', { class: `finding-marker-key sev-${s}` }, s)),
    );
    this.el = card('Findings on the timeline', [this.track, this.note], {
      testid: 'card-finding-markers',
      actions: [legend],
      wide: true,
    });
  }

  update(range: Range): void {
    this.abort?.abort();
    const abort = new AbortController();
    this.abort = abort;
    this.api.findings({}, range, abort.signal).then(
      (r) => {
        if (!abort.signal.aborted) this.draw(placeMarkers(r.findings, range), r.findings.length, range);
      },
      (err: unknown) => {
        if (abort.signal.aborted) return;
        replaceChildren(this.track);
        this.note.textContent = `Findings could not be loaded: ${(err as Error).message}`;
      },
    );
  }

  dispose(): void {
    this.abort?.abort();
  }

  private draw(markers: readonly Marker[], total: number, range: Range): void {
    this.track.dataset['count'] = String(markers.length);
    replaceChildren(
      this.track,
      ...markers.map((m) => {
        const a = h('a', {
          class: `finding-marker sev-${m.severity}`,
          href: linkTo(['findings', m.id]),
          title: `${m.severity}: ${m.title} — ${m.entity}, ${formatTimeUtc(m.start)} → ${formatTimeUtc(m.end)}`,
          'aria-label': `${m.severity} finding: ${m.title} on ${m.entity}`,
          'data-testid': 'finding-marker',
          'data-severity': m.severity,
          'data-finding': m.id,
        });
        a.style.left = `${m.left.toFixed(3)}%`;
        // one lane per severity, critical on top, so findings at the same time stay visible
        a.style.top = `${2 + 10 * severityRank(m.severity)}px`;
        a.style.width = `max(6px, ${m.width.toFixed(3)}%)`;
        return a;
      }),
    );
    this.note.textContent =
      total === 0
        ? `No findings between ${formatTimeUtc(range.since)} and ${formatTimeUtc(range.until)} (flowwatch detect, or the monitor, stores them).`
        : total > markers.length
          ? `${markers.length} of ${total} findings shown (the most severe).`
          : `${total} finding${total === 1 ? '' : 's'}; click one to open it.`;
  }
}

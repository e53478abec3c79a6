// The time range every page works on, stored in the URL (`since=1h` for the last hour, or
// `since=<ISO>&until=<ISO>` for a fixed window), and the picker in the header that edits it.

import type { Range } from './api.js';
import { h, uid } from './dom.js';
import { formatTime, formatTimeUtc } from './format.js';
import type { ParamValues, Route } from './router.js';

export type TimeRangeSpec =
  | { readonly kind: 'relative'; readonly text: string; readonly seconds: number }
  | { readonly kind: 'absolute'; readonly since: number; readonly until: number };

/** The quick choices of the picker. */
export const PRESETS: readonly { readonly text: string; readonly label: string }[] = [
  { text: '15m', label: 'Last 15 minutes' },
  { text: '1h', label: 'Last hour' },
  { text: '6h', label: 'Last 6 hours' },
  { text: '24h', label: 'Last 24 hours' },
  { text: '7d', label: 'Last 7 days' },
  { text: '30d', label: 'Last 30 days' },
];

export const DEFAULT_RANGE = '1h';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** Parses a span back from now (`15m`, `24h`, `7d`) into seconds, or undefined. */
export function parseSpan(text: string): number | undefined {
  const m = /^(\d+)([smhdw])$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]) * UNITS[m[2]!]!;
  return n > 0 ? n : undefined;
}

/** Parses a fixed time (ISO-8601, UTC unless a zone is given, or unix seconds) into unix seconds. */
export function parseInstant(text: string): number | undefined {
  const s = text.trim();
  if (/^\d+$/.test(s)) return Number(s);
  const hasZone = /(Z|[+-]\d\d:?\d\d)$/i.test(s);
  const ms = Date.parse(s.replace(' ', 'T') + (hasZone || s.length <= 10 ? '' : 'Z'));
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/**
 * The range a route asks for; `1h` back from now when it names none or an unreadable one.
 *
 * @example rangeFromParams(new URLSearchParams('since=15m')) // { kind: 'relative', text: '15m', seconds: 900 }
 */
export function rangeFromParams(params: URLSearchParams): TimeRangeSpec {
  const since = params.get('since') ?? DEFAULT_RANGE;
  const span = parseSpan(since);
  if (span !== undefined) return { kind: 'relative', text: since, seconds: span };
  const from = parseInstant(since);
  const untilText = params.get('until');
  const to = untilText ? parseInstant(untilText) : Math.floor(Date.now() / 1000);
  if (from !== undefined && to !== undefined && to > from)
    return { kind: 'absolute', since: from, until: to };
  return { kind: 'relative', text: DEFAULT_RANGE, seconds: parseSpan(DEFAULT_RANGE)! };
}

/** The range in unix seconds, relative ranges ending now. */
export function resolveRange(spec: TimeRangeSpec, now: number = Date.now() / 1000): Range {
  if (spec.kind === 'absolute') return { since: spec.since, until: spec.until };
  const until = Math.floor(now);
  return { since: until - spec.seconds, until };
}

/** Unix seconds as the ISO text used in URLs (`2024-05-20T10:15:00Z`). */
export function isoParam(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** URL parameters for a fixed window (drill-downs from a chart point). */
export function absoluteParams(since: number, until: number): ParamValues {
  return { since: isoParam(since), until: isoParam(until) };
}

const BINS = [10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400];

/** A round bin (seconds) that gives at most about `points` points over the range. */
export function chooseBin(range: Range, points = 120): number {
  const want = (range.until - range.since) / points;
  return BINS.find((b) => b >= want) ?? BINS[BINS.length - 1]!;
}

/** `datetime-local` value (UTC) for unix seconds. */
function localInput(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 16);
}

/** Unix seconds from a `datetime-local` value read as UTC. */
function fromLocalInput(value: string): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(`${value.length === 16 ? `${value}:00` : value}Z`);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/** The header control: a preset select plus custom from/to inputs (UTC). */
export class TimeRangePicker {
  readonly el: HTMLElement;
  private readonly select: HTMLSelectElement;
  private readonly custom: HTMLElement;
  private readonly from: HTMLInputElement;
  private readonly to: HTMLInputElement;
  private readonly summary: HTMLButtonElement;
  private spec: TimeRangeSpec = rangeFromParams(new URLSearchParams());

  constructor(private readonly onChange: (params: ParamValues) => void) {
    const selectId = uid('range');
    const fromId = uid('from');
    const toId = uid('to');
    this.select = h('select', { id: selectId, 'data-testid': 'time-range' });
    this.from = h('input', { id: fromId, type: 'datetime-local', step: 60, 'data-testid': 'range-from' });
    this.to = h('input', { id: toId, type: 'datetime-local', step: 60, 'data-testid': 'range-to' });
    this.summary = h('button', {
      type: 'button',
      class: 'range-summary',
      'aria-live': 'polite',
      'data-testid': 'range-summary',
      title: 'Change the custom range',
      hidden: true,
    });
    this.summary.addEventListener('click', () => this.openCustom(!this.custom.hidden));
    const apply = h('button', { type: 'submit', class: 'primary', 'data-testid': 'range-apply' }, 'Apply');
    const cancel = h('button', { type: 'button', onclick: () => this.closeCustom() }, 'Cancel');
    // A panel under the picker, not inline: opening it must not make the header wrap.
    this.custom = h(
      'form',
      { class: 'range-custom', hidden: true, 'aria-label': 'Custom time range' },
      h('label', { for: fromId }, 'From (UTC)'),
      this.from,
      h('label', { for: toId }, 'To (UTC)'),
      this.to,
      h('div', { class: 'range-custom-buttons' }, apply, cancel),
    );
    this.custom.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.closeCustom();
    });
    this.custom.addEventListener('submit', (e) => {
      e.preventDefault();
      const since = fromLocalInput(this.from.value);
      const until = fromLocalInput(this.to.value);
      if (since === undefined || until === undefined || until <= since) {
        this.to.setCustomValidity('The end must be after the start.');
        this.to.reportValidity();
        return;
      }
      this.to.setCustomValidity('');
      this.custom.hidden = true;
      this.onChange(absoluteParams(since, until));
    });
    this.to.addEventListener('input', () => this.to.setCustomValidity(''));
    this.select.addEventListener('change', () => {
      const v = this.select.value;
      if (v === 'custom') {
        this.openCustom(false);
      } else {
        this.custom.hidden = true;
        this.onChange({ since: v, until: undefined });
      }
    });
    this.el = h(
      'div',
      { class: 'range-picker' },
      h('label', { for: selectId }, 'Time range'),
      this.select,
      this.custom,
      this.summary,
    );
  }

  /** Opens the custom-range panel at the range in effect (or closes it when `toggle` and open). */
  private openCustom(toggle: boolean): void {
    if (toggle) {
      this.closeCustom();
      return;
    }
    const r = resolveRange(this.spec);
    this.from.value = localInput(r.since);
    this.to.value = localInput(r.until);
    this.custom.hidden = false;
    this.from.focus();
  }

  /** Closes the panel; the select shows the range in effect again. */
  private closeCustom(): void {
    this.custom.hidden = true;
    this.select.value = this.spec.kind === 'relative' ? this.spec.text : 'custom';
  }

  /** Shows the range of `route`. */
  update(route: Route): void {
    this.spec = rangeFromParams(route.params);
    const options = PRESETS.map((p) => ({ value: p.text, label: p.label }));
    if (this.spec.kind === 'relative') {
      const text = this.spec.text;
      if (!PRESETS.some((p) => p.text === text)) options.push({ value: text, label: `Last ${text}` });
    }
    options.push({ value: 'custom', label: 'Custom…' });
    this.select.replaceChildren(...options.map((o) => h('option', { value: o.value }, o.label)));
    this.select.value = this.spec.kind === 'relative' ? this.spec.text : 'custom';
    this.custom.hidden = true;
    if (this.spec.kind === 'absolute') {
      this.from.value = localInput(this.spec.since);
      this.to.value = localInput(this.spec.until);
      this.summary.textContent = `${formatTime(this.spec.since)} → ${formatTimeUtc(this.spec.until)}`;
      this.summary.hidden = false;
    } else {
      this.summary.textContent = '';
      this.summary.hidden = true;
    }
  }
}

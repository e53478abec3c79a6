// Auto-refresh, stored in the URL as `refresh=5s|10s|30s|1m` (absent: off): a select in the header and
// a timer that asks the current page to reload while the tab is visible.

import { h, uid } from './dom.js';
import type { ParamValues, Route } from './router.js';
import { parseSpan } from './time-range.js';

export const REFRESH_CHOICES: readonly { readonly value: string; readonly label: string }[] = [
  { value: 'off', label: 'Off' },
  { value: '5s', label: '5 seconds' },
  { value: '10s', label: '10 seconds' },
  { value: '30s', label: '30 seconds' },
  { value: '1m', label: '1 minute' },
];

/** The refresh interval a route asks for, in seconds (0: off). */
export function refreshSeconds(params: URLSearchParams): number {
  const v = params.get('refresh');
  if (!v || v === 'off') return 0;
  const s = parseSpan(v) ?? 0;
  // A shared URL cannot make the page hammer the server.
  return s > 0 ? Math.max(s, 5) : 0;
}

/** The header select plus the timer. `tick` runs every interval while the page is visible. */
export class AutoRefresh {
  readonly el: HTMLElement;
  private readonly select: HTMLSelectElement;
  private timer: number | undefined;
  private seconds = 0;

  constructor(
    private readonly onChange: (params: ParamValues) => void,
    private readonly tick: () => void,
  ) {
    const id = uid('refresh');
    this.select = h('select', { id, 'data-testid': 'auto-refresh' });
    this.select.addEventListener('change', () => {
      const v = this.select.value;
      this.onChange({ refresh: v === 'off' ? undefined : v });
    });
    this.el = h('div', { class: 'refresh-picker' }, h('label', { for: id }, 'Auto-refresh'), this.select);
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible' && this.seconds > 0) this.tick();
    });
  }

  /** Shows and applies the interval of `route`. */
  update(route: Route): void {
    const seconds = refreshSeconds(route.params);
    const value = route.params.get('refresh') ?? 'off';
    const choices = [...REFRESH_CHOICES];
    if (seconds > 0 && !choices.some((c) => c.value === value)) choices.push({ value, label: value });
    this.select.replaceChildren(...choices.map((c) => h('option', { value: c.value }, c.label)));
    this.select.value = seconds > 0 ? value : 'off';
    if (seconds === this.seconds) return;
    this.seconds = seconds;
    if (this.timer !== undefined) window.clearInterval(this.timer);
    this.timer = undefined;
    if (seconds > 0) {
      this.timer = window.setInterval(() => {
        if (document.visibilityState === 'visible') this.tick();
      }, seconds * 1000);
    }
  }
}

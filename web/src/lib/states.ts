// Loading and empty placeholders, the same on every page.

import { h } from './dom.js';

export const NO_DATA = 'No data in this time range.';

/** A placeholder shown while a part of a page loads for the first time. */
export function loading(what = 'Loading…'): HTMLElement {
  return h('div', { class: 'state state-loading', 'data-testid': 'loading', role: 'status' }, what);
}

/** A placeholder for a part of a page with nothing to show. */
export function empty(message: string = NO_DATA): HTMLElement {
  return h('div', { class: 'state state-empty', 'data-testid': 'empty' }, message);
}

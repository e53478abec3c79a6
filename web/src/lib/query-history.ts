// The queries a user ran, newest first, kept in the browser (localStorage) so they survive a reload: at most
// 50, a query run again moves to the top instead of appearing twice.

import type { QueryLang } from './query-editor.js';

export interface HistoryEntry {
  readonly lang: QueryLang;
  readonly text: string;
  /** Epoch ms of the last run. */
  readonly at: number;
}

const KEY = 'flowwatch.queryHistory.v1';
export const MAX_HISTORY = 50;

/** The saved history (empty when storage is unavailable or holds something else). */
export function loadHistory(): HistoryEntry[] {
  try {
    const raw: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    if (!Array.isArray(raw)) return [];
    return raw.filter(
      (e): e is HistoryEntry =>
        typeof e === 'object' &&
        e !== null &&
        (e.lang === 'insights' || e.lang === 'sql') &&
        typeof e.text === 'string' &&
        typeof e.at === 'number',
    );
  } catch {
    return [];
  }
}

/**
 * Records a run and returns the new history.
 *
 * @example remember('sql', 'SELECT 1') // [{ lang: 'sql', text: 'SELECT 1', at: ... }, ...older]
 */
export function remember(lang: QueryLang, text: string, at = Date.now()): HistoryEntry[] {
  const next = [
    { lang, text, at },
    ...loadHistory().filter((e) => !(e.lang === lang && e.text === text)),
  ].slice(0, MAX_HISTORY);
  try {
    localStorage.setItem(KEY, JSON.stringify(next));
  } catch {
    // Storage full or disabled: the history lasts for this page only.
  }
  return next;
}

/** Forgets every entry. */
export function clearHistory(): void {
  try {
    localStorage.removeItem(KEY);
  } catch {
    // nothing to clear
  }
}

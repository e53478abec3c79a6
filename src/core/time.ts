// Time values from users: ISO-8601, unix seconds or milliseconds, relative spans such as "2h" (ago).

import { UsageError } from './errors.js';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * Parses a time given on the command line into unix seconds. Accepts `now`, a span back from now
 * (`90s`, `15m`, `2h`, `7d`, `1w`), unix seconds or milliseconds, and ISO-8601 dates or date-times
 * (UTC unless a zone is given).
 *
 * @example parseTime('2024-05-20T10:15:00Z') // 1716200100
 */
export function parseTime(text: string, what: string, now: number = Date.now() / 1000): number {
  const s = text.trim();
  if (s === 'now') return Math.floor(now);
  const rel = /^(\d+)([smhdw])$/.exec(s);
  if (rel) return Math.floor(now - Number(rel[1]) * UNITS[rel[2]!]!);
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    return n > 100_000_000_000 ? Math.floor(n / 1000) : n;
  }
  if (/^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?)?(Z|[+-]\d\d:?\d\d)?$/i.test(s)) {
    const hasZone = /(Z|[+-]\d\d:?\d\d)$/i.test(s) && s.length > 10;
    const iso = s.replace(' ', 'T') + (hasZone ? '' : s.length === 10 ? 'T00:00:00Z' : 'Z');
    const ms = Date.parse(iso);
    if (!Number.isNaN(ms)) return Math.floor(ms / 1000);
  }
  throw new UsageError(
    'BAD_TIME',
    `${what} "${text}" is not a time`,
    'use an ISO-8601 time (2024-05-20T10:15:00Z), unix seconds, or a span back from now such as 2h or 7d',
  );
}

/**
 * Unix seconds as ISO-8601 UTC, without the fraction when it is zero.
 *
 * @example isoUtc(1716200100) // '2024-05-20T10:15:00Z'
 */
export function isoUtc(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

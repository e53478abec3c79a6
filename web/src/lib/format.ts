// Number, byte and time formatting for the dashboard: thousands separators, binary byte units, UTC times.

import { protocolName } from '../../../src/core/protocols.js';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

/**
 * A number with thousands separators (at most two decimals).
 *
 * @example formatNumber(1234567) // '1,234,567'
 */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return Number.isInteger(n) ? integer.format(n) : decimal.format(n);
}

/**
 * A count and its noun, singular only for exactly one: the one helper every page uses where numbers meet
 * nouns (no "1 flows").
 *
 * @example plural(1, 'flow') // '1 flow'
 * @example plural(1234, 'flow') // '1,234 flows'
 * @example plural(2, 'series', 'series') // '2 series'
 */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatNumber(n)} ${n === 1 ? one : many}`;
}

/** A short number for chart axes: `12k`, `3.4M`. */
export function formatCompact(n: number): string {
  return Number.isFinite(n) ? compact.format(n) : String(n);
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/**
 * Bytes in binary units.
 *
 * @example formatBytes(1536) // '1.5 KiB'
 */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  let v = Math.abs(n);
  let u = 0;
  while (v >= 1024 && u < BYTE_UNITS.length - 1) {
    v /= 1024;
    u += 1;
  }
  const sign = n < 0 ? '-' : '';
  return u === 0
    ? `${sign}${integer.format(v)} B`
    : `${sign}${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${BYTE_UNITS[u]}`;
}

/** A percentage with one decimal, `–` when the whole is zero. */
export function formatPercent(part: number, whole: number): string {
  if (!whole) return '–';
  return `${((part / whole) * 100).toFixed(1)}%`;
}

/**
 * A unix time (seconds) in UTC.
 *
 * @example formatTime(1716200100) // '2024-05-20 10:15:00'
 */
export function formatTime(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  if (Number.isNaN(d.getTime())) return String(unixSeconds);
  return d.toISOString().replace('T', ' ').slice(0, 19);
}

/** A unix time (seconds) in UTC with the zone named. */
export function formatTimeUtc(unixSeconds: number): string {
  return `${formatTime(unixSeconds)} UTC`;
}

/** How long ago a unix time was: `42s ago`, `5m ago`, `3h ago`, `2d ago`. */
export function formatAgo(unixSeconds: number, now: number = Date.now() / 1000): string {
  const s = Math.max(0, Math.round(now - unixSeconds));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

/** A duration in seconds as `90s`, `5m`, `1h`, `1d`. */
export function formatSpan(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/**
 * A time value from a result row (unix seconds or milliseconds, ISO-8601, or DuckDB's
 * `2024-05-20 10:15:00` which is UTC) as epoch milliseconds; NaN when it is not a time.
 */
export function parseTimeValue(v: unknown): number {
  if (typeof v === 'number') return v > 100_000_000_000 ? v : v * 1000;
  if (typeof v === 'bigint') return parseTimeValue(Number(v));
  if (typeof v !== 'string') return Number.NaN;
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return parseTimeValue(Number(s));
  const hasZone = /(Z|[+-]\d\d:?\d\d)$/i.test(s);
  return Date.parse(s.replace(' ', 'T') + (hasZone || s.length <= 10 ? '' : 'Z'));
}

/** Identifiers and codes: printed as they are (no `49,152` ports). */
const RAW_COLUMN = /port|protocol|version|account|_id$|Id$|^id$|line|eventNumber|code|status/i;
const PROTOCOL_COLUMN = /^protocol$/i;
/** Columns whose unix-seconds values are shown as times. */
export const TIME_COLUMN = /^(@timestamp|@ingestionTime|start|end|time|t|timestamp|.*_at|.*At)$/;
const BYTES_COLUMN = /bytes/i;

/**
 * A result cell as text: UTC for time columns holding unix seconds, binary units for byte columns,
 * thousands separators for other numbers, `–` for null.
 */
export function formatCell(column: string, value: unknown): string {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'number' || typeof value === 'bigint') {
    const n = Number(value);
    if (TIME_COLUMN.test(column) && n > 100_000_000 && n < 10_000_000_000) return formatTime(n);
    if (BYTES_COLUMN.test(column)) return formatBytes(n);
    if (PROTOCOL_COLUMN.test(column)) {
      const name = protocolName(n);
      return name === String(n) ? name : `${n} (${name})`;
    }
    if (RAW_COLUMN.test(column)) return String(value);
    return formatNumber(n);
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** True when a cell is a number or a numeric string (DuckDB's big integers arrive as strings). */
export function isNumeric(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value === 'bigint') return true;
  return typeof value === 'string' && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(value.trim());
}

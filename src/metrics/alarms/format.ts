// How CloudWatch writes numbers and times in alarm reasons, reasonData and events (Java doubles, UTC dates).

import { DAYS, MONTHS } from '../../core/calendar.js';

/**
 * A number as Java's `Double.toString` writes it, which is how CloudWatch prints values and thresholds:
 * `5` → `5.0`, `0.25` → `0.25`, `12345678` → `1.2345678E7`, `0.0001` → `1.0E-4`.
 *
 * @example javaDouble(10) // '10.0'
 */
export function javaDouble(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Number.POSITIVE_INFINITY) return 'Infinity';
  if (x === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(x);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(x);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa = '', exponent = '0'] = x.toExponential().split('e');
  const m = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${m}E${Number(exponent)}`;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/**
 * Epoch seconds as CloudWatch's timestamp text: `2024-05-20T10:31:02.054+0000`.
 *
 * @example isoTime(1716200100) // '2024-05-20T10:15:00.000+0000'
 */
export function isoTime(seconds: number): string {
  return `${new Date(Math.round(seconds * 1000)).toISOString().slice(0, 23)}+0000`;
}

/**
 * Epoch seconds as an EventBridge event's `time`: `2024-05-20T10:31:02Z` (no fraction).
 *
 * @example eventTime(1716200100.5) // '2024-05-20T10:15:00Z'
 */
export function eventTime(seconds: number): string {
  return `${new Date(Math.floor(seconds) * 1000).toISOString().slice(0, 19)}Z`;
}

/**
 * A datapoint time as alarm reasons print it: `dd/MM/yy HH:mm:ss`, UTC.
 *
 * @example reasonTime(1716200100) // '20/05/24 10:15:00'
 */
export function reasonTime(seconds: number): string {
  const d = new Date(Math.floor(seconds) * 1000);
  return (
    `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCFullYear() % 100)} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
}

/**
 * A time as composite-alarm reasons print it: `Friday 22 July, 2022 15:57:45 UTC`.
 *
 * @example longTime(1658505465) // 'Friday 22 July, 2022 15:57:45 UTC'
 */
export function longTime(seconds: number): string {
  const d = new Date(Math.floor(seconds) * 1000);
  return (
    `${DAYS[d.getUTCDay()]} ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]}, ${d.getUTCFullYear()} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`
  );
}

/** A JSON value whose numbers are written as Java doubles unless wrapped in {@link JsonInt}. */
export type JavaJson =
  | string
  | number
  | boolean
  | null
  | JsonInt
  | readonly JavaJson[]
  | { readonly [key: string]: JavaJson | undefined };

/** An integer written without `.0` (CloudWatch writes `"period":300` but `"threshold":10.0`). */
export class JsonInt {
  constructor(readonly value: number) {}
}

/**
 * JSON text as CloudWatch's Java serializer writes it: no spaces, keys in insertion order, undefined
 * members left out, numbers as Java doubles except {@link JsonInt}.
 *
 * @example javaJson({ period: new JsonInt(60), threshold: 1 }) // '{"period":60,"threshold":1.0}'
 */
export function javaJson(value: JavaJson): string {
  if (value === null) return 'null';
  if (value instanceof JsonInt) return String(Math.trunc(value.value));
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return javaDouble(value);
    case 'boolean':
      return String(value);
    default:
      break;
  }
  if (Array.isArray(value)) return `[${(value as readonly JavaJson[]).map(javaJson).join(',')}]`;
  const obj = value as { readonly [key: string]: JavaJson | undefined };
  const parts: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (v !== undefined) parts.push(`${JSON.stringify(k)}:${javaJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

/**
 * A count with its noun, plural unless 1.
 *
 * @example plural(3, 'datapoint') // '3 datapoints'
 */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

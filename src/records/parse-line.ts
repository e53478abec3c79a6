// The record grammar in JavaScript: one flow log line → typed values, or a located reason it was rejected.
//
// This is the reference implementation of the rules in docs/decisions/01-field-catalog-and-records.md. The bulk loader applies the same
// rules inside DuckDB (src/storage/ingest-sql.ts); test/records/conformance.test.ts runs both on the same cases.

import type { FieldDef } from './catalog.js';
import { isoPrefixSeconds } from './event-time.js';
import type { Format } from './format.js';

/**
 * A parsed value: null for `-`, text for text fields, numbers for integer fields (a bigint for the rare
 * 64-bit value above 2^53, so that it stays exact).
 */
export type Value = string | number | bigint | null;

/** Stable codes of rejected lines. */
export type RejectCode =
  | 'FIELD_COUNT'
  | 'NOT_INTEGER'
  | 'OUT_OF_RANGE'
  | 'BAD_JSON'
  | 'INVALID_UTF8'
  | 'CONTROL_CHAR'
  | 'LINE_TOO_LONG';

/** Why a line was rejected, and where. */
export interface LineProblem {
  readonly code: RejectCode;
  /** 1-based field position in the format, when one field is at fault. */
  readonly fieldIndex?: number;
  /** The field's AWS name, when one field is at fault. */
  readonly fieldName?: string;
  readonly reason: string;
}

export type ParsedLine =
  | {
      readonly ok: true;
      readonly values: Record<string, Value>;
      readonly extra: Record<string, string>;
      /** Unix seconds of a CloudWatch Logs export's timestamp prefix (dropped from the values), when valid. */
      readonly prefixTime?: number;
    }
  | { readonly ok: false; readonly problem: LineProblem };

/**
 * Longest line read, in bytes without its line break (1 MiB). A flow log record is at most a few hundred
 * bytes, even JSON-wrapped; a longer line is rejected as LINE_TOO_LONG (the bulk loader skips its bytes
 * without buffering them).
 */
export const MAX_LINE_BYTES = 1 << 20;

/**
 * Splits text into lines the way every loader does: a line ends at LF, at CRLF, or at a lone CR (classic
 * Mac OS files), as Node's readline, Python's universal newlines and DuckDB's reader do. A final line break
 * does not start another line.
 *
 * @example splitLines('a\rb\r\nc\n') // ['a', 'b', 'c']
 */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Start/end values above this are milliseconds (in seconds it would be the year 5138). */
export const MILLIS_THRESHOLD = 100_000_000_000;

const INT32_MAX = 2_147_483_647;
const INT64_MAX = 9_223_372_036_854_775_807n;
const ISO_PREFIX = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$/;

/**
 * Unwraps a line as delivered: a JSON object `{"message": "..."}` (Firehose, some forwarders) yields its
 * message; anything else is returned unchanged. Returns undefined for a `{` line that is not such an object.
 */
export function unwrapMessage(line: string): string | undefined {
  if (!line.startsWith('{')) return line;
  try {
    const o: unknown = JSON.parse(line);
    if (o && typeof o === 'object' && typeof (o as { message?: unknown }).message === 'string') {
      return (o as { message: string }).message;
    }
  } catch {
    // fall through
  }
  return undefined;
}

/**
 * 1-based column of the first control character (below U+0020, except TAB and one trailing CR), or 0.
 * Flow log lines never hold one; such a line is rejected rather than guessed at.
 */
export function controlColumn(line: string): number {
  const end = line.endsWith('\r') ? line.length - 1 : line.length;
  for (let i = 0; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c < 0x20 && c !== 0x09) return i + 1;
  }
  return 0;
}

/** True for a line that holds no record at all (empty, or only spaces and a CR): such lines are skipped. */
export function isBlankLine(line: string): boolean {
  return /^[ \r]*$/.test(line);
}

/** Splits a record on runs of spaces (AWS writes single spaces; runs and a trailing CR are tolerated). */
export function splitRecord(text: string): string[] {
  const t = text.endsWith('\r') ? text.slice(0, -1) : text;
  if (t === '') return [];
  if (!t.includes('  ') && !t.startsWith(' ') && !t.endsWith(' ')) return t.split(' ');
  return t.split(' ').filter((s) => s !== '');
}

function integer(raw: string, def: FieldDef, index: number): number | bigint | LineProblem {
  if (!/^[0-9]+$/.test(raw)) {
    return {
      code: 'NOT_INTEGER',
      fieldIndex: index,
      fieldName: def.aws,
      reason: `field ${index} (${def.aws}) is "${clip(raw)}", expected an integer or "-"`,
    };
  }
  const limit = def.type === 'int32' ? BigInt(INT32_MAX) : INT64_MAX;
  if (raw.length > 9 && BigInt(raw) > limit) {
    return {
      code: 'OUT_OF_RANGE',
      fieldIndex: index,
      fieldName: def.aws,
      reason: `field ${index} (${def.aws}) is ${clip(raw)}, larger than a ${def.type === 'int32' ? '32' : '64'}-bit integer`,
    };
  }
  let n = Number(raw);
  if ((def.aws === 'start' || def.aws === 'end') && n > MILLIS_THRESHOLD) {
    if (n > Number.MAX_SAFE_INTEGER) {
      const q = BigInt(raw) / 1000n;
      return q <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(q) : q;
    }
    n = Math.floor(n / 1000);
  }
  return Number.isSafeInteger(n) ? n : BigInt(raw);
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/**
 * Parses one record line of `format`. A control character rejects the line; `-` becomes null; integer fields are checked and typed; start/end in
 * milliseconds are converted to seconds; a leading ISO-8601 timestamp (CloudWatch Logs export lines) is
 * dropped when the line has exactly one token more than the format.
 *
 * @example parseLine('2 123 eni-1 - - - - - - - 1 2 - NODATA', DEFAULT).ok // true
 */
export function parseLine(line: string, format: Format): ParsedLine {
  // A UTF-16 unit is at most 3 UTF-8 bytes, so only long strings need their bytes counted.
  if (line.length * 3 > MAX_LINE_BYTES && Buffer.byteLength(line) > MAX_LINE_BYTES) {
    return {
      ok: false,
      problem: {
        code: 'LINE_TOO_LONG',
        reason: `the line is ${Buffer.byteLength(line)} bytes long, over the limit of ${MAX_LINE_BYTES} bytes`,
      },
    };
  }
  const ctl = controlColumn(line);
  if (ctl > 0) {
    return {
      ok: false,
      problem: { code: 'CONTROL_CHAR', reason: `the line holds a control character at column ${ctl}` },
    };
  }
  const text = unwrapMessage(line);
  if (text === undefined) {
    return {
      ok: false,
      problem: {
        code: 'BAD_JSON',
        reason: 'line starts with "{" but is not a JSON object with a "message" string',
      },
    };
  }
  let vals = splitRecord(text);
  const n = format.fields.length;
  let prefixTime: number | undefined;
  if (vals.length === n + 1 && ISO_PREFIX.test(vals[0]!)) {
    prefixTime = isoPrefixSeconds(vals[0]!);
    vals = vals.slice(1);
  }
  if (vals.length !== n) {
    return {
      ok: false,
      problem: {
        code: 'FIELD_COUNT',
        reason: `expected ${n} fields, found ${vals.length}`,
      },
    };
  }
  const values: Record<string, Value> = {};
  const extra: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    const f = format.fields[i]!;
    const raw = vals[i]!;
    if (!f.def) {
      if (raw !== '-') extra[f.key] = raw;
      continue;
    }
    if (raw === '-') {
      values[f.key] = null;
    } else if (f.def.type === 'string') {
      values[f.key] = raw;
    } else {
      const v = integer(raw, f.def, i + 1);
      if (typeof v === 'object') return { ok: false, problem: v };
      values[f.key] = v;
    }
  }
  return prefixTime === undefined ? { ok: true, values, extra } : { ok: true, values, extra, prefixTime };
}

// Output formatters shared by the commands: aligned tables for people, JSON and CSV for programs.

import { IEC_UNITS, scaleBytes } from '../core/bytes.js';
import { UsageError } from '../core/errors.js';

export type OutputFormat = 'table' | 'json' | 'csv';

export function parseOutput(v: string): OutputFormat {
  if (v === 'table' || v === 'json' || v === 'csv') return v;
  throw new UsageError('BAD_OUTPUT', `--output "${v}" is not one of table, json, csv`);
}

export interface Table {
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, unknown>[];
}

/**
 * The words that name an identifier, a code, a position or a point in time rather than a quantity: a column
 * whose last word is one of these is printed without thousands separators (port 3389, not 3,389; start
 * 1621577928, not 1,621,577,928). Counts and bytes keep them.
 */
const CODE_WORDS = new Set([
  ...[
    'port',
    'srcport',
    'dstport',
    'protocol',
    'proto',
    'version',
    'flags',
    'tcpflags',
    'path',
    'type',
    'code',
  ],
  ...['id', 'acct', 'account', 'accountid', 'asn', 'pid', 'number', 'no', 'line', 'lineno', 'offset'],
  ...['start', 'end', 'time', 'timestamp', 'ts', 'epoch', 'seen', 'at', 'since', 'until', 'next', 'created'],
  ...['year', 'month', 'day', 'hour', 'minute', 'dt'],
]);

/** Aggregates whose result is a quantity whatever they count: `count_distinct(dstport)` keeps separators. */
const QUANTITY_AGGREGATE = /^\s*(count|count_distinct|approx_count_distinct|sum|avg|stddev)\s*\(/i;

/** True when a numeric column holds identifiers, codes, positions or times (see CODE_WORDS). */
export function isCodeColumn(column: string): boolean {
  if (QUANTITY_AGGREGATE.test(column)) return false;
  const words = column
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
  const last = words.at(-1);
  return last !== undefined && CODE_WORDS.has(last);
}

function cell(v: unknown, column: string): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number')
    return Number.isInteger(v) && !isCodeColumn(column) ? v.toLocaleString('en-US') : String(v);
  if (typeof v === 'bigint') return isCodeColumn(column) ? String(v) : v.toLocaleString('en-US');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Renders rows in the chosen format; the result ends with a newline. */
export function render(t: Table, format: OutputFormat): string {
  if (format === 'json') return `${JSON.stringify(t.rows, null, 2)}\n`;
  if (format === 'csv') {
    const lines = [t.columns.map(csvCell).join(',')];
    for (const r of t.rows) lines.push(t.columns.map((c) => csvCell(r[c])).join(','));
    return `${lines.join('\n')}\n`;
  }
  if (t.rows.length === 0) return '(no rows)\n';
  const cells = t.rows.map((r) => t.columns.map((c) => cell(r[c], c)));
  const numeric = t.columns.map((c) =>
    t.rows.every((r) => r[c] === null || r[c] === undefined || typeof r[c] === 'number'),
  );
  // A loop, not Math.max(...lengths): spreading 300k rows (a 10M-record hunt) overflowed the call stack.
  const widths = t.columns.map((c, i) => cells.reduce((w, row) => Math.max(w, row[i]!.length), c.length));
  const pad = (s: string, i: number) => (numeric[i] ? s.padStart(widths[i]!) : s.padEnd(widths[i]!));
  const out = [
    t.columns.map((c, i) => pad(c, i)).join('  '),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.map((row) => row.map((s, i) => pad(s, i)).join('  ')),
  ];
  return `${out.map((l) => l.trimEnd()).join('\n')}\n`;
}

/**
 * Wraps `text` at spaces into lines of at most `width` characters, each after `indent`; a word longer than a
 * line is cut. The result ends with a newline.
 */
export function wrap(text: string, width: number, indent = ''): string {
  const room = Math.max(1, width - indent.length);
  const lines: string[] = [];
  let line = '';
  for (let word of text.split(/\s+/).filter((w) => w !== '')) {
    while (word.length > room) {
      if (line !== '') lines.push(line);
      lines.push(word.slice(0, room));
      word = word.slice(room);
      line = '';
    }
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= room) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return `${lines.map((l) => `${indent}${l}`).join('\n')}\n`;
}

/** Human-readable byte count: 1536 → "1.5 KiB". */
export function humanBytes(n: number): string {
  return scaleBytes(n, IEC_UNITS);
}

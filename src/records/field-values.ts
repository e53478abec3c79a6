// The values AWS documents for the enumerated flow log fields (../shared/spec/flow-log-records.md), and the
// warning for a comparison that can never hold: `action = "reject"` (values are case-sensitive in AWS and here),
// `logStatus = "NO DATA"`, `flowDirection = "inbound"`. Such a filter matches nothing, and a count or an alarm built
// on it stays at zero because of the spelling, not the traffic (the silent zero). Logs Insights, SQL and filter
// patterns (metric filters, test-pattern) warn with the value the user most likely meant.

import { FIELDS, type FieldDef } from './catalog.js';

/** Documented values per store column; `-` (stored as NULL) is never listed. */
export const FIELD_VALUES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  action: ['ACCEPT', 'REJECT'],
  log_status: ['OK', 'NODATA', 'SKIPDATA'],
  type: ['IPv4', 'IPv6', 'EFA'],
  sublocation_type: ['wavelength', 'outpost', 'localzone'],
  flow_direction: ['ingress', 'egress'],
  // BPA: VPC Block Public Access; EC: VPC Encryption Controls (observed, newer than version 8).
  reject_reason: ['BPA', 'EC'],
});

const byColumn = new Map(FIELDS.map((f) => [f.column, f]));
const byInsights = new Map(FIELDS.map((f) => [f.insights.toLowerCase(), f]));

/** The catalog field of a store column or Logs Insights name with documented values; undefined otherwise. */
export function enumeratedField(name: string): FieldDef | undefined {
  const f = byColumn.get(name.toLowerCase()) ?? byInsights.get(name.toLowerCase());
  return f !== undefined && FIELD_VALUES[f.column] !== undefined ? f : undefined;
}

/**
 * The warning for testing `name` (as the user wrote it) against `value` when no documented value can match;
 * undefined when one can. `glob` lets `*` stand for any text (filter patterns' wildcard); `negated` for `!=`,
 * which then holds for every record instead of none; `item` for one item of an `in` list (the others may match).
 *
 * @example valueWarning(field('action'), 'action', 'reject')
 * // 'action is never "reject": its values are ACCEPT and REJECT, and comparisons are case-sensitive (did you mean "REJECT"?); as written the test matches no record'
 */
export function valueWarning(
  f: FieldDef,
  name: string,
  value: string,
  opts: { glob?: boolean; negated?: boolean; item?: boolean } = {},
): string | undefined {
  const values = FIELD_VALUES[f.column];
  if (values === undefined || value === '-' || value === '') return undefined;
  const glob = opts.glob === true && value.includes('*');
  if (values.some(glob ? globTest(value) : (v) => v === value)) return undefined;
  const lower = value.toLowerCase();
  const caseless = values.find(
    glob ? (v) => globTest(lower)(v.toLowerCase()) : (v) => v.toLowerCase() === lower,
  );
  const list = `${values.slice(0, -1).join(', ')} and ${values[values.length - 1]}`;
  const outcome =
    opts.item === true
      ? 'that item matches no record'
      : `as written the test ${opts.negated === true ? 'holds for every record' : 'matches no record'}`;
  return `${name} is never "${value}": its values are ${list}, and comparisons are case-sensitive${
    caseless !== undefined ? ` (did you mean "${caseless}"?)` : ''
  }; ${outcome}`;
}

function globTest(pattern: string): (v: string) => boolean {
  const re = new RegExp(`^${pattern.split('*').map(escapeRe).join('.*')}$`, 's');
  return (v) => re.test(v);
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

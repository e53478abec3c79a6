// Metric filters (CloudWatch PutMetricFilter): the declaration, its validation, and the value one event emits.

import { UserError } from '../core/errors.js';
import type { Pattern } from '../filter/ast.js';
import { compileMatcher, type Match, parsePattern } from '../filter/index.js';
import { NUMBER } from '../filter/parser.js';

/** CloudWatch's StandardUnit values (spec §6.1). */
export const UNITS = [
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
] as const;

export type Unit = (typeof UNITS)[number];

/** At most this many dimensions per metric filter (spec §7). */
export const MAX_DIMENSIONS = 3;

/**
 * A metric filter with its one metric transformation, as declared in flowwatch.yaml.
 *
 * @example
 * const f: MetricFilter = { name: 'rejected', pattern: '[..., action = REJECT, status]',
 *   metricNamespace: 'FlowLogs', metricName: 'Rejected', metricValue: '1', defaultValue: 0 };
 */
export interface MetricFilter {
  readonly name: string;
  readonly pattern: string;
  readonly metricNamespace: string;
  readonly metricName: string;
  /** `"1"`, a number literal, or `"$field"` naming a slot of the pattern. */
  readonly metricValue: string;
  /** Published for a minute in which records arrived but none matched (not with dimensions). */
  readonly defaultValue?: number | undefined;
  /** Dimension name → `"$field"` naming a slot of the pattern; at most 3. */
  readonly dimensions?: Readonly<Record<string, string>> | undefined;
  readonly unit?: Unit | undefined;
  /**
   * The log group whose records the filter counts (a filter put through the CloudWatch API has one); without it the
   * filter counts every record. Which records belong to a group: src/ingest/sources/log-group.ts.
   */
  readonly logGroup?: string | undefined;
}

/** A validated metric filter with its parsed pattern. */
export interface CheckedMetricFilter {
  readonly filter: MetricFilter;
  readonly pattern: Pattern;
  /** The numeric literal value, or undefined when the value is a `$field`. */
  readonly literalValue: number | undefined;
  /** The slot name of a `$field` value, without `$`. */
  readonly valueField: string | undefined;
  /** Dimension name → slot name (without `$`), sorted by dimension name. */
  readonly dimensionFields: readonly (readonly [string, string])[];
}

/**
 * An invalid metric filter. `key` names the offending property (`metricValue`, `dimensions.Action`, ...),
 * so that the config loader can point at its line.
 */
export class MetricFilterError extends UserError {
  readonly key: string;
  constructor(code: string, key: string, message: string, hint?: string) {
    super(code, message, hint);
    this.key = key;
  }
}

/** The named slots of a pattern (`[...]` patterns only). */
export function slotNames(pattern: Pattern): Set<string> {
  if (pattern.kind !== 'delimited') return new Set();
  return new Set(pattern.slots.flatMap((s) => (s.kind === 'field' && s.name !== undefined ? [s.name] : [])));
}

function checkName(value: string, key: string, max: number, forbidden: RegExp, what: string): void {
  if (value.length === 0 || value.length > max) {
    throw new MetricFilterError('METRIC_BAD_NAME', key, `${key} must be 1 to ${max} characters long`);
  }
  const bad = forbidden.exec(value);
  if (bad) {
    throw new MetricFilterError(
      'METRIC_BAD_NAME',
      key,
      `${key} "${value}" contains "${bad[0]}", which ${what} may not contain`,
    );
  }
}

/**
 * Validates a metric filter as CloudWatch's PutMetricFilter would, plus the rules that make it runnable on
 * flow logs. Throws FilterPatternError for a bad pattern, MetricFilterError for everything else.
 *
 * @example checkMetricFilter({ ...f, metricValue: '$bytes' }) // throws METRIC_UNKNOWN_FIELD unless the pattern names `bytes`
 */
export function checkMetricFilter(filter: MetricFilter): CheckedMetricFilter {
  checkName(filter.name, 'name', 512, /[:*]/, 'a filter name');
  checkName(filter.metricNamespace, 'metricNamespace', 255, /[:*$]/, 'a metric namespace');
  checkName(filter.metricName, 'metricName', 255, /[:*$]/, 'a metric name');
  if (filter.logGroup !== undefined)
    checkName(filter.logGroup, 'logGroup', 512, /[^.\-_/#A-Za-z0-9]/, 'a log group name');
  const pattern = parsePattern(filter.pattern);
  const names = slotNames(pattern);
  const fieldRef = (ref: string, key: string): string => {
    const name = ref.slice(1);
    if (ref.startsWith('$.')) {
      throw new MetricFilterError(
        'METRIC_JSON_SELECTOR',
        key,
        `${key} "${ref}" is a JSON selector, but flow log records are space-delimited`,
        'name a field of a [...] pattern instead, e.g. $bytes',
      );
    }
    if (!names.has(name)) {
      const known = [...names].map((n) => `$${n}`).join(', ');
      throw new MetricFilterError(
        'METRIC_UNKNOWN_FIELD',
        key,
        `${key} "${ref}" names no field of the pattern`,
        pattern.kind === 'delimited'
          ? `the pattern names ${known || 'no field'}`
          : 'only [...] patterns name fields, e.g. [..., bytes, start, end, action, status]',
      );
    }
    return name;
  };
  const v = filter.metricValue;
  if (v.length === 0 || v.length > 100) {
    throw new MetricFilterError('METRIC_BAD_VALUE', 'metricValue', 'metricValue must be 1 to 100 characters');
  }
  let literalValue: number | undefined;
  let valueField: string | undefined;
  if (v.startsWith('$')) {
    valueField = fieldRef(v, 'metricValue');
  } else if (NUMBER.test(v)) {
    literalValue = Number(v);
  } else {
    throw new MetricFilterError(
      'METRIC_BAD_VALUE',
      'metricValue',
      `metricValue "${v}" is neither a number nor a $field`,
      'write e.g. "1" (count events) or "$bytes" (a field named in the pattern)',
    );
  }
  if (filter.defaultValue !== undefined && !Number.isFinite(filter.defaultValue)) {
    throw new MetricFilterError('METRIC_BAD_DEFAULT', 'defaultValue', 'defaultValue must be a finite number');
  }
  const dims = Object.entries(filter.dimensions ?? {});
  if (dims.length > 0 && pattern.kind !== 'delimited') {
    throw new MetricFilterError(
      'METRIC_DIMENSIONS_NEED_FIELDS',
      'dimensions',
      'dimensions need a space-delimited [...] pattern, whose fields they name',
    );
  }
  if (dims.length > MAX_DIMENSIONS) {
    throw new MetricFilterError(
      'METRIC_TOO_MANY_DIMENSIONS',
      'dimensions',
      `a metric filter has at most ${MAX_DIMENSIONS} dimensions; found ${dims.length}`,
    );
  }
  if (dims.length > 0 && filter.defaultValue !== undefined) {
    throw new MetricFilterError(
      'METRIC_DEFAULT_WITH_DIMENSIONS',
      'defaultValue',
      'defaultValue cannot be combined with dimensions (CloudWatch refuses it)',
      'remove defaultValue or the dimensions',
    );
  }
  const dimensionFields = dims
    .map(([k, ref]): [string, string] => {
      checkName(k, `dimensions.${k}`, 255, /[:*$]/, 'a dimension name');
      if (!ref.startsWith('$')) {
        throw new MetricFilterError(
          'METRIC_BAD_DIMENSION',
          `dimensions.${k}`,
          `dimension ${k} is "${ref}"; a dimension's value must be a $field of the pattern`,
        );
      }
      return [k, fieldRef(ref, `dimensions.${k}`)];
    })
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  if (filter.unit !== undefined && !(UNITS as readonly string[]).includes(filter.unit)) {
    throw new MetricFilterError(
      'METRIC_BAD_UNIT',
      'unit',
      `unit "${filter.unit}" is not a CloudWatch unit`,
      `use one of ${UNITS.join(', ')}`,
    );
  }
  return { filter, pattern, literalValue, valueField, dimensionFields };
}

/** What one event contributes to a metric filter, as `metric-filter test` prints it. */
export interface EventValue {
  readonly match: Match;
  /** The value emitted, or undefined when the value field is not a number (no datapoint). */
  readonly value: number | undefined;
  readonly dimensions: Readonly<Record<string, string>>;
}

/**
 * Compiles a checked filter into a function over one event's text (the in-memory matcher).
 *
 * @example metricMatcher(checkMetricFilter(f))('2 1 eni-1 ... REJECT OK')?.value // 1
 */
export function metricMatcher(c: CheckedMetricFilter): (event: string) => EventValue | undefined {
  const m = compileMatcher(c.pattern);
  return (event) => {
    const match = m(event);
    if (!match) return undefined;
    let value = c.literalValue;
    if (c.valueField !== undefined) {
      const text = match.extractedValues[`$${c.valueField}`] ?? '';
      value = NUMBER.test(text) ? Number(text) : undefined;
    }
    const dimensions = Object.fromEntries(
      c.dimensionFields.map(([k, f]) => [k, match.extractedValues[`$${f}`] ?? '-']),
    );
    return { match, value, dimensions };
  };
}

// Rewrites a metric filter's space-delimited pattern for the flow log's own format: slots are bound to fields
// (by their position in the format the pattern was written for, or by their field names), then re-emitted in
// the target format's order, so `[..., action = REJECT, status]` written for the default format still tests
// `action` when the flow log has 29 fields in another order.

import { FIELDS, type FieldDef, findField } from 'flowwatch/catalog';
import type { DelimitedPattern, FilterPatternError, SlotCondition } from 'flowwatch/filter';
import { type CheckedMetricFilter, checkMetricFilter } from 'flowwatch/metric-filter';
import { FlowLogMonitoringError } from './errors.js';
import { closest } from './suggest.js';

/**
 * How a pattern's slots were tied to fields.
 *
 * @example monitoring.filterPatterns.get('rejected-ssh')?.mode // 'positions'
 */
export type BindingMode = 'unchanged' | 'positions' | 'names';

/**
 * A pattern ready for the flow log's format.
 *
 * @example const r: RewrittenPattern = { pattern: '[srcaddr, action = REJECT]', mode: 'names' };
 */
export interface RewrittenPattern {
  /** The pattern text to deploy. */
  readonly pattern: string;
  /**
   * `unchanged`: deployed as written (term/regex patterns, or a `[...]` pattern whose format is the flow log's);
   * `positions`: slots bound by their position in the pattern's format; `names`: bound by their field names.
   */
  readonly mode: BindingMode;
}

type FieldSlot = Extract<DelimitedPattern['slots'][number], { kind: 'field' }>;

interface Bound {
  readonly slot: FieldSlot;
  /** Position of the slot in the pattern (1-based, for messages). */
  readonly index: number;
  readonly field: FieldDef;
}

/** Slot names a condition refers to. */
function conditionRefs(c: SlotCondition, into: Set<string>): void {
  if (c.kind === 'compare') into.add(c.field);
  else {
    conditionRefs(c.left, into);
    conditionRefs(c.right, into);
  }
}

/** Names of the slots that matter: tested by a condition, or used by metricValue or a dimension. */
function neededNames(checked: CheckedMetricFilter, slots: readonly FieldSlot[]): Set<string> {
  const needed = new Set<string>();
  for (const s of slots) if (s.condition) conditionRefs(s.condition, needed);
  if (checked.valueField !== undefined) needed.add(checked.valueField);
  for (const [, f] of checked.dimensionFields) needed.add(f);
  return needed;
}

/** Binds slots to the fields at their positions in `source`; a string says why that is impossible. */
function bindByPosition(p: DelimitedPattern, source: readonly FieldDef[]): Bound[] | string {
  const e = p.slots.findIndex((s) => s.kind === 'ellipsis');
  const before = e < 0 ? p.slots : p.slots.slice(0, e);
  const after = e < 0 ? [] : p.slots.slice(e + 1);
  if (e < 0 && p.slots.length !== source.length) {
    return `it has ${p.slots.length} fields and no "...", but its format has ${source.length}`;
  }
  if (before.length + after.length > source.length) {
    return `it names ${before.length + after.length} fields, but its format has only ${source.length}`;
  }
  const bound: Bound[] = [];
  const at = (s: (typeof p.slots)[number], index: number, field: FieldDef) => {
    if (s.kind === 'field') bound.push({ slot: s, index, field });
  };
  before.forEach((s, i) => {
    at(s, i + 1, source[i]!);
  });
  after.forEach((s, j) => {
    at(s, before.length + 2 + j, source[source.length - after.length + j]!);
  });
  for (const b of bound) {
    const named = b.slot.name === undefined ? undefined : findField(b.slot.name);
    if (named && named.aws !== b.field.aws) {
      return `field ${b.index} is named "${b.slot.name}", but position ${b.index} of its format is "${b.field.aws}"`;
    }
  }
  return bound;
}

/** Binds slots to the catalog fields they are named after; slots that matter must all be field names. */
function bindByName(p: DelimitedPattern, needed: ReadonlySet<string>, filterName: string): Bound[] {
  const bound: Bound[] = [];
  const seen = new Map<string, string>();
  p.slots.forEach((s, i) => {
    if (s.kind !== 'field' || s.name === undefined) return;
    const field = findField(s.name);
    if (!field) {
      if (!needed.has(s.name)) return;
      const guess = closest(
        s.name,
        FIELDS.map((f) => f.aws),
      );
      throw new FlowLogMonitoringError(
        'PATTERN_UNKNOWN_FIELD',
        `metric filter "${filterName}": the pattern names its fields, but "${s.name}" is not a flow log field`,
        guess ? `did you mean "${guess}"?` : 'name fields by their AWS names (srcaddr, dstport, action, ...)',
      );
    }
    const other = seen.get(field.aws);
    if (other !== undefined) {
      throw new FlowLogMonitoringError(
        'PATTERN_DUPLICATE_FIELD',
        `metric filter "${filterName}": "${other}" and "${s.name}" both name the field "${field.aws}"`,
      );
    }
    seen.set(field.aws, s.name);
    bound.push({ slot: s, index: i + 1, field });
  });
  return bound;
}

/**
 * Rewrites a checked metric filter's pattern for the `target` fields. Term, regex and match-all patterns are
 * deployed as written; JSON patterns are refused (flow log records are not JSON). A `[...]` pattern is bound to
 * fields by position in `source` (the format it was written for: by default the 14-field default format) or,
 * when its slot names contradict those positions, by its slot names (AWS, column or Insights names). It is then
 * written out over every target field in order: the slots keep their names and conditions, the other fields get
 * their column names. A slot that is tested, or used by metricValue or a dimension, must map to a field of the
 * target: otherwise `PATTERN_FIELD_MISSING` names it. Throws FlowLogMonitoringError.
 *
 * @example
 * rewritePattern(checkMetricFilter({ name: 'rejected', pattern: '[..., action = REJECT, status]',
 *   metricNamespace: 'FlowLogs', metricName: 'Rejected', metricValue: '1' }), DEFAULT_FIELDS,
 *   [srcaddr, action, logStatus]).pattern // '[srcaddr, action = REJECT, status]'
 */
export function rewritePattern(
  checked: CheckedMetricFilter,
  source: readonly FieldDef[],
  target: readonly FieldDef[],
): RewrittenPattern {
  const name = checked.filter.name;
  const p = checked.pattern;
  switch (p.kind) {
    case 'matchAll':
    case 'terms':
    case 'regex':
      return { pattern: checked.filter.pattern, mode: 'unchanged' };
    case 'json':
      throw new FlowLogMonitoringError(
        'PATTERN_JSON',
        `metric filter "${name}": a JSON pattern never matches a flow log record (records are space-delimited)`,
        'write a [...] pattern, e.g. [..., action = REJECT, log_status]',
      );
    case 'delimited':
      break;
    default: {
      const never: never = p;
      throw new Error(`unhandled pattern ${JSON.stringify(never)}`);
    }
  }
  const fieldSlots = p.slots.filter((s): s is FieldSlot => s.kind === 'field');
  const needed = neededNames(checked, fieldSlots);
  const positional = bindByPosition(p, source);
  let bound: Bound[];
  let mode: BindingMode;
  if (typeof positional !== 'string') {
    bound = positional;
    mode = 'positions';
    const same = source.length === target.length && source.every((f, i) => f.aws === target[i]!.aws);
    if (same) return { pattern: checked.filter.pattern, mode: 'unchanged' };
  } else {
    const named = fieldSlots.filter((s) => s.name !== undefined && findField(s.name));
    if (named.length === 0) {
      throw new FlowLogMonitoringError(
        'PATTERN_POSITION_MISSING',
        `metric filter "${name}": the pattern cannot be read against its format (${source.length} fields): ${positional}`,
        'write it for the default format, pass patternFormat, or name the slots after fields (srcaddr, action, ...)',
      );
    }
    bound = bindByName(p, needed, name);
    mode = 'names';
  }
  const targetSet = new Set(target.map((f) => f.aws));
  for (const b of bound) {
    if (targetSet.has(b.field.aws)) continue;
    const slotName = b.slot.name;
    if (slotName !== undefined && needed.has(slotName)) {
      const where =
        mode === 'positions'
          ? `position ${source.findIndex((f) => f.aws === b.field.aws) + 1} of its format, `
          : '';
      throw new FlowLogMonitoringError(
        'PATTERN_FIELD_MISSING',
        `metric filter "${name}": field "${slotName}" of the pattern is "${b.field.aws}" (${where}pattern field ${b.index}), which the flow log format does not have`,
        `add "${b.field.aws}" to fields, or remove the condition on it`,
      );
    }
  }
  const byField = new Map(bound.filter((b) => targetSet.has(b.field.aws)).map((b) => [b.field.aws, b]));
  const used = new Set(bound.flatMap((b) => (b.slot.name === undefined ? [] : [b.slot.name])));
  const text = checked.filter.pattern;
  const slots = target.map((f) => {
    const b = byField.get(f.aws);
    if (b && b.slot.name !== undefined) return text.slice(b.slot.span.start, b.slot.span.end);
    let placeholder = f.column;
    while (used.has(placeholder)) placeholder += '_';
    used.add(placeholder);
    return placeholder;
  });
  const pattern = `[${slots.join(', ')}]`;
  try {
    checkMetricFilter({ ...checked.filter, pattern });
  } catch (err) {
    const e = err as FilterPatternError;
    throw new FlowLogMonitoringError(
      e.code ?? 'PATTERN_INVALID',
      `metric filter "${name}": the pattern rewritten for the flow log format is not valid: ${e.message}`,
      e.hint,
      { cause: err },
    );
  }
  return { pattern, mode };
}

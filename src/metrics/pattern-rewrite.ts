// One metric filter, every format: rewrites a space-delimited `[...]` pattern for the format of the records it
// runs on (the CDK construct at synth time, local ingest, backfill and the monitor per file format), or says why
// it cannot apply. Slots are bound to fields by their position in the format the pattern was written for (by
// default the 14-field default format) or by their field names, then re-emitted in the target format's order.

import { UserError } from '../core/errors.js';
import { closest } from '../core/suggest.js';
import { type DelimitedPattern, type SlotCondition, slotLayout } from '../filter/ast.js';
import { FilterPatternError } from '../filter/index.js';
import { DEFAULT_FIELDS, FIELDS, type FieldDef, findField } from '../records/catalog.js';
import type { Format } from '../records/format.js';
import { type CheckedMetricFilter, checkMetricFilter } from './metric-filter.js';
import { patternValueProblems } from './pattern-values.js';

/**
 * How a pattern's slots were tied to fields.
 *
 * @example rewritePattern(checked, DEFAULT_FIELDS, fields).mode // 'positions'
 */
export type BindingMode = 'unchanged' | 'positions' | 'names';

/**
 * A pattern ready for a format.
 *
 * @example const r: RewrittenPattern = { pattern: '[srcaddr, action = REJECT]', mode: 'names' };
 */
export interface RewrittenPattern {
  /** The pattern text to run (or deploy). */
  readonly pattern: string;
  /**
   * `unchanged`: as written (term/regex patterns, or a `[...]` pattern whose format is the target's);
   * `positions`: slots bound by their position in the pattern's format; `names`: bound by their field names.
   */
  readonly mode: BindingMode;
}

/**
 * A pattern that cannot run on a format: a field it tests is absent, its slots cannot be bound, or it is JSON.
 * Codes: `PATTERN_JSON`, `PATTERN_POSITION_MISSING`, `PATTERN_UNKNOWN_FIELD`, `PATTERN_DUPLICATE_FIELD`,
 * `PATTERN_FIELD_MISSING`, or the filter parser's own code when the rewritten text is invalid.
 *
 * @example try { rewritePattern(c, DEFAULT_FIELDS, fields) } catch (e) { (e as PatternRewriteError).code }
 */
export class PatternRewriteError extends UserError {}

/** A target position: a catalog field, or (locally) a field the catalog does not know. */
export interface TargetField {
  readonly aws: string;
  readonly column: string;
}

type FieldSlot = Extract<DelimitedPattern['slots'][number], { kind: 'field' }>;

interface Bound {
  readonly slot: FieldSlot;
  /** Position of the slot in the pattern (1-based, for messages). */
  readonly index: number;
  readonly field: TargetField;
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
function bindByPosition(p: DelimitedPattern, source: readonly TargetField[]): Bound[] | string {
  const layout = slotLayout(p);
  const e = layout.ellipsis;
  const before = e < 0 ? p.slots : p.slots.slice(0, e);
  const after = e < 0 ? [] : p.slots.slice(e + 1);
  if (!layout.fits(source.length)) {
    return e < 0
      ? `it has ${p.slots.length} fields and no "...", but its format has ${source.length}`
      : `it names ${layout.fixed} fields, but its format has only ${source.length}`;
  }
  const bound: Bound[] = [];
  const at = (s: (typeof p.slots)[number], index: number, field: TargetField) => {
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
      throw new PatternRewriteError(
        'PATTERN_UNKNOWN_FIELD',
        `metric filter "${filterName}": the pattern names its fields, but "${s.name}" is not a flow log field`,
        guess ? `did you mean "${guess}"?` : 'name fields by their AWS names (srcaddr, dstport, action, ...)',
      );
    }
    const other = seen.get(field.aws);
    if (other !== undefined) {
      throw new PatternRewriteError(
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
 * Rewrites a checked metric filter's pattern for the `target` fields. Term, regex and match-all patterns run as
 * written; JSON patterns are refused (flow log records are not JSON). A `[...]` pattern is bound to fields by
 * position in `source` (the format it was written for: by default the 14-field default format) or, when its slot
 * names contradict those positions, by its slot names (AWS, column or Insights names). It is then written out over
 * every target field in order: the slots keep their names and conditions, the other fields get their column
 * names. A slot that is tested, or used by metricValue or a dimension, must map to a field of the target:
 * otherwise `PATTERN_FIELD_MISSING` names it. Throws PatternRewriteError.
 *
 * @example
 * rewritePattern(checkMetricFilter({ name: 'rejected', pattern: '[..., action = REJECT, status]',
 *   metricNamespace: 'FlowLogs', metricName: 'Rejected', metricValue: '1' }), DEFAULT_FIELDS,
 *   [srcaddr, action, logStatus]).pattern // '[srcaddr, action = REJECT, status]'
 */
export function rewritePattern(
  checked: CheckedMetricFilter,
  source: readonly FieldDef[],
  target: readonly TargetField[],
): RewrittenPattern {
  const name = checked.filter.name;
  const p = checked.pattern;
  switch (p.kind) {
    case 'matchAll':
    case 'terms':
    case 'regex':
      return { pattern: checked.filter.pattern, mode: 'unchanged' };
    case 'json':
      throw new PatternRewriteError(
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
      throw new PatternRewriteError(
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
      throw new PatternRewriteError(
        'PATTERN_FIELD_MISSING',
        `metric filter "${name}": field "${slotName}" of the pattern is "${b.field.aws}" (${where}pattern field ${b.index}), which the flow log format does not have`,
        `add "${b.field.aws}" to the flow log format, or remove the condition on it`,
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
    throw new PatternRewriteError(
      e.code ?? 'PATTERN_INVALID',
      `metric filter "${name}": the pattern rewritten for the flow log format is not valid: ${e.message}`,
      e.hint,
    );
  }
  return { pattern, mode };
}

/** The fields of a local format as rewrite targets (fields the catalog does not know keep their own name). */
export function formatTargets(format: Format): TargetField[] {
  return format.fields.map((f) => (f.def ? f.def : { aws: f.name, column: f.key }));
}

/**
 * How a filter applies to one format. `fits`: the pattern runs as written; `rewritten`: it runs as `pattern`
 * (a `[...]` pattern re-ordered for this format); `cannot`: it would count nothing here, `reason` says why.
 */
export type FilterFit =
  | { readonly status: 'fits'; readonly checked: CheckedMetricFilter }
  | {
      readonly status: 'rewritten';
      readonly checked: CheckedMetricFilter;
      readonly pattern: string;
      readonly mode: BindingMode;
    }
  | { readonly status: 'cannot'; readonly code: string; readonly reason: string; readonly hint?: string };

/**
 * True when the pattern was written for this very format: its slots bind to the format's positions with every
 * slot named after a field sitting at that field, and either it has exactly the format's field count (no `...`,
 * as AWS would read it) or every slot that matters is named after its field (as presets are).
 */
function writtenFor(
  checked: CheckedMetricFilter,
  p: DelimitedPattern,
  target: readonly TargetField[],
): boolean {
  const bound = bindByPosition(p, target);
  if (typeof bound === 'string') return false;
  if (!p.slots.some((s) => s.kind === 'ellipsis')) return true;
  const fieldSlots = p.slots.filter((s): s is FieldSlot => s.kind === 'field');
  const needed = neededNames(checked, fieldSlots);
  if (needed.size === 0) return false;
  return bound
    .filter((b) => b.slot.name !== undefined && needed.has(b.slot.name))
    .every((b) => findField(b.slot.name!)?.aws === b.field.aws);
}

/**
 * Fits a metric filter to the format of the records it will run on, the way the CDK construct fits it to the
 * flow log's format at synth time. A `[...]` pattern is taken as written for the default format (so
 * `[..., action = REJECT, status]` tests `action` wherever that field sits), unless it was written for `format`
 * itself: exactly its field count with no slot named after another field (read as written, as AWS reads it), or
 * a `...` pattern whose tested slots are all named after the fields at their positions (presets).
 *
 * @example fitFilter(checked, parseFormat('${version} ${srcaddr} ${action} ${log-status}')).status // 'rewritten'
 */
export function fitFilter(checked: CheckedMetricFilter, format: Format): FilterFit {
  const fit = fitPositions(checked, format);
  if (fit.status === 'cannot') return fit;
  // A test no line of this format can pass (`action = reject`): it would count nothing, say why.
  const never = patternValueProblems(
    fit.checked.pattern,
    format.fields.map((f) => f.def),
  ).find((p) => p.matchesNothing);
  return never === undefined ? fit : { status: 'cannot', code: 'NEVER_MATCHES', reason: never.message };
}

function fitPositions(checked: CheckedMetricFilter, format: Format): FilterFit {
  const p = checked.pattern;
  if (p.kind !== 'delimited' && p.kind !== 'json') return { status: 'fits', checked };
  const target = formatTargets(format);
  if (p.kind === 'delimited' && writtenFor(checked, p, target)) return { status: 'fits', checked };
  try {
    const r = rewritePattern(checked, DEFAULT_FIELDS, target);
    if (r.mode === 'unchanged' || r.pattern === checked.filter.pattern) return { status: 'fits', checked };
    return {
      status: 'rewritten',
      checked: checkMetricFilter({ ...checked.filter, pattern: r.pattern }),
      pattern: r.pattern,
      mode: r.mode,
    };
  } catch (err) {
    if (!(err instanceof PatternRewriteError) && !(err instanceof FilterPatternError)) throw err;
    return { status: 'cannot', code: err.code, reason: err.message, ...(err.hint ? { hint: err.hint } : {}) };
  }
}

/** A one-line summary of a fit, for `metric-filter list`, the API and warnings. */
export function describeFit(fit: FilterFit): string {
  switch (fit.status) {
    case 'fits':
      return 'fits as written';
    case 'rewritten':
      return `rewritten (by ${fit.mode}): ${fit.pattern}`;
    case 'cannot':
      return `cannot apply: ${fit.reason}${fit.hint ? ` (${fit.hint})` : ''}`;
    default: {
      const never: never = fit;
      throw new Error(`unhandled fit ${JSON.stringify(never)}`);
    }
  }
}

/** A format a filter may meet, and where it was seen (`default`, `store: 3 files`, `source vpc-logs`). */
export interface KnownFormat {
  readonly format: Format;
  readonly origin: string;
}

/** How a filter applies to one known format, as `metric-filter list` and `GET /api/metric-filters` show it. */
export interface FormatFitRow {
  /** The format's `${...}` text. */
  readonly format: string;
  readonly origin: string;
  readonly status: FilterFit['status'];
  /** The pattern run on this format (as written, or rewritten); absent when it cannot apply. */
  readonly pattern?: string;
  /** Why it cannot apply, with what to do. */
  readonly reason?: string;
}

/**
 * How a filter applies to each of the given formats.
 *
 * @example fitRows(checked, [{ format: DEFAULT, origin: 'default' }])[0].status // 'fits'
 */
export function fitRows(checked: CheckedMetricFilter, formats: readonly KnownFormat[]): FormatFitRow[] {
  return formats.map(({ format, origin }) => {
    const fit = fitFilter(checked, format);
    const base = { format: format.text, origin, status: fit.status };
    switch (fit.status) {
      case 'fits':
        return { ...base, pattern: checked.filter.pattern };
      case 'rewritten':
        return { ...base, pattern: fit.pattern };
      case 'cannot':
        return { ...base, reason: `${fit.reason}${fit.hint ? ` (${fit.hint})` : ''}` };
      default: {
        const never: never = fit;
        throw new Error(`unhandled fit ${JSON.stringify(never)}`);
      }
    }
  });
}

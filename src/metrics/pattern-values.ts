// Filter-pattern tests that no flow log line can pass because of a value's spelling: `[..., action = reject, ...]`
// or the term `reject` (flow logs write REJECT, and filter patterns are case-sensitive everywhere), `log-status =
// nodata`, `flow-direction = inbound`. A metric filter with such a test counts nothing and its alarm never fires:
// the silent zero. The values come from records/field-values.ts.

import type { DelimitedPattern, Pattern, SlotCondition } from '../filter/ast.js';
import { DEFAULT_FIELDS, type FieldDef, findField } from '../records/catalog.js';
import { FIELD_VALUES, hasValueRules, valueWarning } from '../records/field-values.js';

/** A test in a pattern that can never hold (`impossible`), or one that always holds (`!=` an impossible value). */
export interface PatternValueProblem {
  readonly message: string;
  /** True for an `=` test or a term no line can match: the whole pattern matches nothing. */
  readonly matchesNothing: boolean;
}

/**
 * The value problems of a pattern read against a format's fields (`fields`, in order; default: the default
 * format). A `[...]` slot is checked as the field at its position, or, when the positions do not line up, as the
 * field it is named after; a term is checked against every enumerated field's values.
 *
 * @example patternValueProblems(parsePattern('[..., action = reject, status]'))[0].message
 * // 'action is never "reject": its values are ACCEPT and REJECT, ... (did you mean "REJECT"?) ...'
 */
export function patternValueProblems(
  pattern: Pattern,
  fields: readonly (FieldDef | undefined)[] = DEFAULT_FIELDS,
): PatternValueProblem[] {
  const out: PatternValueProblem[] = [];
  const add = (message: string | undefined, matchesNothing: boolean) => {
    if (message !== undefined && !out.some((p) => p.message === message))
      out.push({ message, matchesNothing });
  };
  if (pattern.kind === 'delimited') {
    const positions = bind(pattern, fields);
    pattern.slots.forEach((slot, i) => {
      if (slot.kind !== 'field' || slot.condition === undefined || slot.name === undefined) return;
      // The name says what the user meant when it is a field's; else the field at the slot's position.
      const f = findField(slot.name) ?? positions?.[i];
      if (f === undefined || !hasValueRules(f)) return;
      for (const c of conjuncts(slot.condition)) {
        if (c.kind !== 'compare' || c.field !== slot.name || c.value.kind !== 'string') continue;
        if (c.op !== '=' && c.op !== '!=') continue;
        const label = f.aws === slot.name ? f.aws : `${slot.name} (${f.aws})`;
        add(valueWarning(f, label, c.value.value, { glob: true, negated: c.op === '!=' }), c.op === '=');
      }
    });
  } else if (pattern.kind === 'terms') {
    const all = Object.values(FIELD_VALUES).flat();
    for (const group of pattern.groups)
      for (const t of group) {
        if (all.includes(t.text)) continue;
        const meant = all.find((v) => v.toLowerCase() === t.text.toLowerCase());
        if (meant === undefined) continue;
        add(
          `the term "${t.text}" never appears in a flow log line, which writes "${meant}": terms are case-sensitive; as written ${
            t.exclude
              ? 'excluding it excludes nothing'
              : pattern.groups.length > 1
                ? 'its group matches no line'
                : 'the pattern matches no line'
          }`,
          !t.exclude && pattern.groups.length === 1,
        );
      }
  }
  return out;
}

/** The `and`-ed comparisons of a slot condition (an `or` is left alone: one impossible branch is not a zero). */
function conjuncts(c: SlotCondition): SlotCondition[] {
  return c.kind === 'and' ? [...conjuncts(c.left), ...conjuncts(c.right)] : [c];
}

/** Slot index -> the field at its position in `fields`; undefined when the slots cannot line up with them. */
function bind(
  p: DelimitedPattern,
  fields: readonly (FieldDef | undefined)[],
): (FieldDef | undefined)[] | undefined {
  const e = p.slots.findIndex((s) => s.kind === 'ellipsis');
  if (e < 0) return p.slots.length === fields.length ? [...fields] : undefined;
  const after = p.slots.length - e - 1;
  if (e + after > fields.length) return undefined;
  return p.slots.map((_, i) =>
    i < e ? fields[i] : i > e ? fields[fields.length - (p.slots.length - i)] : undefined,
  );
}

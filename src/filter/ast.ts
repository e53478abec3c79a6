// The filter-pattern AST: a readonly discriminated union shared by the matcher and the SQL backend.

import type { Span } from './errors.js';

/** Comparison operators of space-delimited and JSON patterns. */
export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** A number literal (`22`, `1e-3`): compared numerically. */
export interface NumberValue {
  readonly kind: 'number';
  readonly value: number;
  readonly text: string;
  readonly span: Span;
}

/** A string (bare or quoted). `*` is a wildcard; `quoted` records how it was written. */
export interface StringValue {
  readonly kind: 'string';
  readonly value: string;
  readonly quoted: boolean;
  readonly span: Span;
}

/** A `%...%` regex value; `source` is the text between the `%`. */
export interface RegexValue {
  readonly kind: 'regex';
  readonly source: string;
  readonly span: Span;
}

/** The right-hand side of a comparison. */
export type Value = NumberValue | StringValue | RegexValue;

/** Empty pattern: every event matches. */
export interface MatchAllPattern {
  readonly kind: 'matchAll';
}

/** One term of a term pattern: `ERROR`, `"a phrase"`, `-EXCLUDED`. */
export interface Term {
  readonly text: string;
  readonly exclude: boolean;
  readonly quoted: boolean;
  readonly span: Span;
}

/**
 * A term pattern: OR of groups, each group an AND of terms. Each `?` starts a new group
 * (`?A B ?C` = (A and B) or C, the AWS CDK reading); without `?` there is one group.
 */
export interface TermPattern {
  readonly kind: 'terms';
  readonly groups: readonly (readonly Term[])[];
}

/** A standalone regex: unanchored search in the whole event. */
export interface RegexPattern {
  readonly kind: 'regex';
  readonly regex: RegexValue;
}

/** `name op value` inside a slot; `field` names a slot of the same pattern. */
export interface SlotComparison {
  readonly kind: 'compare';
  readonly field: string;
  readonly op: CompareOp;
  readonly value: Value;
  readonly span: Span;
}

/** `&&` / `||` inside a slot (`&&` binds tighter). */
export interface SlotLogical {
  readonly kind: 'and' | 'or';
  readonly left: SlotCondition;
  readonly right: SlotCondition;
}

export type SlotCondition = SlotComparison | SlotLogical;

/** A field slot: named (`srcaddr`, with an optional condition) or unnamed (empty between commas). */
export interface FieldSlot {
  readonly kind: 'field';
  readonly name: string | undefined;
  readonly condition: SlotCondition | undefined;
  readonly span: Span;
}

/** `...`: any number of unnamed fields, including none. */
export interface EllipsisSlot {
  readonly kind: 'ellipsis';
  readonly span: Span;
}

export type Slot = FieldSlot | EllipsisSlot;

/** `[slot, slot, ...]`: a space-delimited pattern. */
export interface DelimitedPattern {
  readonly kind: 'delimited';
  readonly slots: readonly Slot[];
}

/**
 * Where a `[...]` pattern's slots sit in a line (the field-count rule, in one place for every backend: the string
 * and byte matchers, the SQL translation, the metric-filter rewrite and the "no line can match" diagnosis). Slots
 * before the `...` (the parser allows one) are the line's first fields; slots after it its last fields. Without
 * `...` a line matches only with exactly as many fields as slots; with it, with at least `before + after`.
 */
export interface SlotLayout {
  /** Index of the `...` slot, -1 when there is none. */
  readonly ellipsis: number;
  /** Slots before the `...` (all of them without one). */
  readonly before: number;
  /** Slots after the `...`. */
  readonly after: number;
  /** Field slots (`before + after`): the fewest fields a line can have. */
  readonly fixed: number;
  /** Whether a line of `n` fields can match. */
  fits(n: number): boolean;
  /** The 0-based field of a line of `n` (fitting) fields that slot `slot` (not the `...`) reads. */
  fieldOf(slot: number, n: number): number;
}

export function slotLayout(pattern: DelimitedPattern): SlotLayout {
  const total = pattern.slots.length;
  const ellipsis = pattern.slots.findIndex((s) => s.kind === 'ellipsis');
  const before = ellipsis < 0 ? total : ellipsis;
  const after = ellipsis < 0 ? 0 : total - ellipsis - 1;
  const fixed = before + after;
  return {
    ellipsis,
    before,
    after,
    fixed,
    fits: ellipsis < 0 ? (n) => n === total : (n) => n >= fixed,
    fieldOf: (slot, n) => (slot < before ? slot : n - (total - slot)),
  };
}

/** `$.a.b[0]`: keys (strings) and array indexes (numbers). */
export interface Selector {
  readonly path: readonly (string | number)[];
  readonly text: string;
  readonly span: Span;
}

/** `$.a op value`. */
export interface JsonComparison {
  readonly kind: 'compare';
  readonly selector: Selector;
  readonly op: CompareOp;
  readonly value: Value;
}

/** `$.a IS NULL | IS TRUE | IS FALSE | NOT EXISTS`. */
export interface JsonTest {
  readonly kind: 'test';
  readonly selector: Selector;
  readonly test: 'null' | 'true' | 'false' | 'notExists';
}

/** `&&` / `||` between JSON conditions. */
export interface JsonLogical {
  readonly kind: 'and' | 'or';
  readonly left: JsonExpr;
  readonly right: JsonExpr;
}

export type JsonExpr = JsonComparison | JsonTest | JsonLogical;

/** `{ expr }`: a JSON pattern. */
export interface JsonPattern {
  readonly kind: 'json';
  readonly expr: JsonExpr;
}

/**
 * A parsed filter pattern.
 *
 * @example parsePattern('[..., action = REJECT, status]').kind // 'delimited'
 */
export type Pattern = MatchAllPattern | TermPattern | RegexPattern | DelimitedPattern | JsonPattern;

/** Compile-time exhaustiveness check for `switch` statements over the AST. */
export function assertNever(x: never): never {
  throw new Error(`unhandled AST node: ${JSON.stringify(x)}`);
}

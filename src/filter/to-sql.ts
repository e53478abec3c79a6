// SQL backend: a filter pattern → a DuckDB boolean predicate over the `flows` view, for one flow log format.

import type { Format, FormatField } from '../records/format.js';
import { ident, literal } from '../storage/sql.js';
import {
  assertNever,
  type CompareOp,
  type DelimitedPattern,
  type Pattern,
  type SlotCondition,
  slotLayout,
  type Value,
} from './ast.js';
import { FilterPatternError } from './errors.js';

/** RE2 twin of parser.ts NUMBER: which field texts take part in numeric comparisons. */
const NUMBER_RE2 = '^[+-]?[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?$';

/** How one format field appears in SQL: its record text (`-` for NULL) and, for integers, its number. */
interface FieldSql {
  readonly text: string;
  readonly number: string;
  readonly integer: boolean;
}

function fieldSql(f: FormatField): FieldSql {
  if (!f.def) {
    const raw = `extra[${literal(f.key)}]`;
    return { text: `coalesce(${raw}, '-')`, number: textNumber(raw), integer: false };
  }
  const col = ident(f.def.column);
  if (f.def.type === 'string') {
    return { text: `coalesce(${col}, '-')`, number: textNumber(col), integer: false };
  }
  return { text: `coalesce(CAST(${col} AS VARCHAR), '-')`, number: `CAST(${col} AS DOUBLE)`, integer: true };
}

/** The numeric value of a text column, NULL unless its whole text is a number as the matcher reads it. */
function textNumber(expr: string): string {
  return `TRY_CAST(CASE WHEN regexp_full_match(${expr}, ${literal(NUMBER_RE2)}) THEN ${expr} END AS DOUBLE)`;
}

/**
 * A wildcard value (`*` = any run of characters) as an RE2 regex for regexp_full_match. Not LIKE: DuckDB's
 * LIKE with an ESCAPE clause backtracks, and `%a%a%a%a%a%b` on a long field ran for minutes (issue 19
 * item 12); RE2 answers in linear time. `(?s)` lets `*` span any character, newlines included.
 */
function globRe2(value: string): string {
  return `(?s)${value
    .split('*')
    .map((p) => p.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&'))
    .join('.*')}`;
}

/** The record as text, fields joined by one space, `-` for NULL: what term and regex patterns search. */
function recordText(format: Format): string {
  return `concat_ws(' ', ${format.fields.map((f) => fieldSql(f).text).join(', ')})`;
}

function comparison(f: FieldSql, op: CompareOp, value: Value): string {
  switch (value.kind) {
    case 'number':
      // A field that is `-` (NULL) or not a number satisfies no numeric comparison, not even !=.
      return `coalesce(${f.number} ${op === '!=' ? '<>' : op} CAST(${literal(String(value.value))} AS DOUBLE), false)`;
    case 'string': {
      const not = op === '!=' ? 'NOT ' : '';
      if (value.value.includes('*')) {
        return `(${not}regexp_full_match(${f.text}, ${literal(globRe2(value.value))}))`;
      }
      return `(${f.text} ${op === '!=' ? '<>' : '='} ${literal(value.value)})`;
    }
    case 'regex':
      return `(${op === '!=' ? 'NOT ' : ''}regexp_matches(${f.text}, ${literal(value.source)}))`;
    default:
      return assertNever(value);
  }
}

function delimitedSql(pattern: DelimitedPattern, format: Format): string {
  const slots = pattern.slots;
  const n = format.fields.length;
  const layout = slotLayout(pattern);
  // Every record of the format has exactly n fields, so the field-count rule is decided here.
  if (!layout.fits(n)) return '(false)';
  const bySlotName = new Map<string, FieldSql>();
  slots.forEach((s, i) => {
    if (s.kind !== 'field' || s.name === undefined) return;
    const f = format.fields[layout.fieldOf(i, n)]!;
    bySlotName.set(s.name, fieldSql(f));
  });
  const cond = (c: SlotCondition): string => {
    switch (c.kind) {
      case 'compare':
        return comparison(bySlotName.get(c.field)!, c.op, c.value);
      case 'and':
        return `(${cond(c.left)} AND ${cond(c.right)})`;
      case 'or':
        return `(${cond(c.left)} OR ${cond(c.right)})`;
      default:
        return assertNever(c);
    }
  };
  const parts = slots.flatMap((s) => (s.kind === 'field' && s.condition ? [cond(s.condition)] : []));
  return parts.length === 0 ? '(true)' : `(${parts.join(' AND ')})`;
}

/**
 * Translates a pattern into a DuckDB predicate over `flows`, for records of `format`: slot i of a
 * `[...]` pattern is field i of the format (slots after `...` count from the end). Term and regex
 * patterns search the record rebuilt as text (fields joined by one space, `-` for NULL). JSON patterns
 * throw FilterPatternError `NO_SQL_BACKEND` (flow log records are not JSON).
 *
 * @example patternToSql(parsePattern('[..., action = REJECT, status]'), DEFAULT) // "((coalesce(\"action\", '-') = 'REJECT'))"
 */
export function patternToSql(pattern: Pattern, format: Format): string {
  switch (pattern.kind) {
    case 'matchAll':
      return '(true)';
    case 'terms': {
      const text = recordText(format);
      const groups = pattern.groups.map(
        (g) =>
          `(${g.map((t) => `(${t.exclude ? 'NOT ' : ''}contains(${text}, ${literal(t.text)}))`).join(' AND ')})`,
      );
      return `(${groups.join(' OR ')})`;
    }
    case 'regex':
      return `(regexp_matches(${recordText(format)}, ${literal(pattern.regex.source)}))`;
    case 'delimited':
      return delimitedSql(pattern, format);
    case 'json':
      throw new FilterPatternError(
        'NO_SQL_BACKEND',
        'JSON patterns cannot run against stored flow log records, which are space-delimited',
        { start: 0, end: 1 },
        'use a [...] pattern over the flow log fields',
      );
    default:
      return assertNever(pattern);
  }
}

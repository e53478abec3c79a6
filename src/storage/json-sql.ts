// SQL that builds JSON text in DuckDB, member by member, so an export can write one document per row with
// DuckDB's own writer. Every builder yields a VARCHAR expression holding JSON text, or NULL when the value is
// absent: an absent member is left out of its object (as JSON.stringify leaves out `undefined`), and an object or
// array left empty is itself absent (the JS mappers' `compact`).

import { literal } from './sql.js';

/** A SQL expression yielding JSON text, or NULL when the value is absent. */
export type JsonSql = string;

/** A string value: JSON-escaped by DuckDB (`to_json`); NULL stays absent. */
export function jStr(expr: string): JsonSql {
  return `to_json(${expr})`;
}

/** An integer value written as digits; NULL stays absent. */
export function jNum(expr: string): JsonSql {
  return `CAST(${expr} AS VARCHAR)`;
}

/** A constant, written once as JSON text. */
export function jConst(value: unknown): JsonSql {
  return literal(JSON.stringify(value));
}

/** `"key":value` members, NULL ones skipped (concat_ws skips NULL arguments). */
function members(entries: readonly (readonly [string, JsonSql])[]): string {
  if (entries.length === 0) return `''`;
  return `concat_ws(',', ${entries.map(([k, v]) => `${literal(`${JSON.stringify(k)}:`)} || ${v}`).join(', ')})`;
}

/** An object of the present members, in the order given; absent (NULL) when no member is present. */
export function jObj(entries: readonly (readonly [string, JsonSql])[]): JsonSql {
  return `('{' || nullif(${members(entries)}, '') || '}')`;
}

/** An object of the present members that is written even when empty (`{}`). */
export function jObjKeep(entries: readonly (readonly [string, JsonSql])[]): JsonSql {
  return `('{' || ${members(entries)} || '}')`;
}

/** An array of the present items, in the order given; absent (NULL) when no item is present. */
export function jArr(items: readonly JsonSql[]): JsonSql {
  if (items.length === 0) return 'NULL::VARCHAR';
  return `('[' || nullif(concat_ws(',', ${items.join(', ')}), '') || ']')`;
}

/** `then` when `cond` holds, else absent. */
export function jIf(cond: string, then: JsonSql): JsonSql {
  return `(CASE WHEN ${cond} THEN ${then} END)`;
}

// SQL that builds JSON text in DuckDB, member by member, so an export can write one document per row with
// DuckDB's own writer. Every builder yields a JSON value: a VARCHAR expression holding JSON text, or NULL when the
// value is absent. An absent member is left out of its object (as JSON.stringify leaves out `undefined`), and an
// object or array left empty is itself absent (the JS mappers' `compact`).
//
// Cost matters (an export writes millions of documents): constant members are folded into one literal at build
// time, and an object whose first member is always present is one `concat` call (which allocates once), each
// optional member contributing `,"key":value` or NULL (concat skips NULL).

import { literal } from './sql.js';

/** A JSON value in SQL: its expression, and its JSON text when it is a constant. */
export interface JsonSql {
  readonly sql: string;
  /** Known at build time (never absent). */
  readonly json?: string;
  /** Never absent (e.g. an object kept even when empty). */
  readonly always?: boolean;
  /** An expression that is NULL exactly when the value is absent, cheaper than the value (e.g. its input column). */
  readonly test?: string;
  /** A boolean expression, true exactly when the value is present (when there is no `test`). */
  readonly cond?: string;
  /** `concat` arguments whose result is the value when it is present (saves allocations when inlined in a parent). */
  readonly parts?: readonly string[];
}

/** A string value: JSON-escaped by DuckDB (`to_json`); NULL stays absent. */
export function jStr(expr: string): JsonSql {
  return { sql: `to_json(${expr})`, test: expr, parts: [`to_json(${expr})`] };
}

/** An integer value written as digits; NULL stays absent. */
export function jNum(expr: string): JsonSql {
  return { sql: `CAST(${expr} AS VARCHAR)`, test: expr, parts: [`CAST(${expr} AS VARCHAR)`] };
}

/** A constant, written once as JSON text. */
export function jConst(value: unknown): JsonSql {
  const json = JSON.stringify(value);
  return { sql: literal(json), json, always: true };
}

/** JSON text already built in SQL (NULL when absent). */
export function jRaw(sql: string): JsonSql {
  return { sql };
}

/** JSON text that is the `concat` of `parts`, present when `cond` holds (parts may be NULL only when it does not). */
export function jParts(cond: string, parts: readonly string[]): JsonSql {
  return { sql: `(CASE WHEN ${cond} THEN concat(${parts.join(', ')}) END)`, cond, parts };
}

/** The boolean SQL true exactly when `v` is present, when it can be had without building `v`. */
function presence(v: JsonSql): string | undefined {
  if (v.always) return 'TRUE';
  if (v.test !== undefined) return `${v.test} IS NOT NULL`;
  return v.cond;
}

/** `CASE <expr> WHEN k THEN <json of v> ... END`: a value picked from a table, absent when nothing matches. */
export function jCase(expr: string, table: Readonly<Record<string, unknown>>, numericKeys = false): JsonSql {
  const arms = Object.entries(table).map(
    ([k, v]) => `WHEN ${numericKeys ? String(Number(k)) : literal(k)} THEN ${literal(JSON.stringify(v))}`,
  );
  const sql = `(CASE ${expr} ${arms.join(' ')} END)`;
  return { sql, test: sql };
}

/** `then` when `cond` holds, else absent. */
export function jIf(cond: string, then: JsonSql): JsonSql {
  const inner = presence(then);
  const c = inner === undefined ? undefined : inner === 'TRUE' ? `(${cond})` : `(${cond}) AND ${inner}`;
  if (c !== undefined && then.parts !== undefined) return jParts(c, then.parts);
  const sql = `(CASE WHEN ${cond} THEN ${then.sql} END)`;
  return c === undefined ? { sql } : { sql, cond: c };
}

/**
 * The `concat` arguments of `{...}` without the braces: constant runs folded into literals, an optional member as
 * two arguments (`,"key":` when present, then the value; both NULL when absent, so nothing is copied twice).
 * When the first member may be absent every member starts with a comma, to be dropped (`leadingComma`).
 */
function pieces(entries: readonly (readonly [string, JsonSql])[]): {
  parts: string[];
  leadingComma: boolean;
} {
  const leadingComma = entries[0]?.[1].always !== true;
  const parts: string[] = [];
  let text = ''; // pending constant text
  entries.forEach(([k, v], i) => {
    const head = `${leadingComma || i > 0 ? ',' : ''}${JSON.stringify(k)}:`;
    if (v.json !== undefined) {
      text += `${head}${v.json}`;
      return;
    }
    if (text !== '') {
      parts.push(literal(text));
      text = '';
    }
    if (v.always) parts.push(literal(head), v.sql);
    else if (v.test !== undefined)
      parts.push(`(CASE WHEN ${v.test} IS NOT NULL THEN ${literal(head)} END)`, v.sql);
    else if (v.cond !== undefined && v.parts !== undefined)
      parts.push(`(CASE WHEN ${v.cond} THEN concat(${[literal(head), ...v.parts].join(', ')}) END)`);
    else if (v.cond !== undefined) parts.push(`(CASE WHEN ${v.cond} THEN ${literal(head)} END)`, v.sql);
    else parts.push(`(${literal(head)} || ${v.sql})`);
  });
  if (text !== '') parts.push(literal(text));
  return { parts, leadingComma };
}

/** An object of the present members, in the order given; absent (NULL) when no member is present. */
export function jObj(entries: readonly (readonly [string, JsonSql])[]): JsonSql {
  return object(entries, false);
}

/** An object of the present members that is written even when empty (`{}`). */
export function jObjKeep(entries: readonly (readonly [string, JsonSql])[]): JsonSql {
  return object(entries, true);
}

function object(entries: readonly (readonly [string, JsonSql])[], keep: boolean): JsonSql {
  if (entries.length > 0 && entries.every(([, v]) => v.json !== undefined)) {
    const json = `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v.json}`).join(',')}}`;
    return { sql: literal(json), json, always: true };
  }
  if (entries.length === 0) return keep ? jConst({}) : { sql: 'NULL::VARCHAR' };
  const { parts, leadingComma } = pieces(entries);
  if (!leadingComma) return { sql: `concat('{', ${parts.join(', ')}, '}')`, always: true };
  // Every piece starts with a comma: drop the first one (one concat: '{' + the rest + '}'); nothing present → `{}`,
  // which is absent unless kept.
  const sql = `concat('{', substr(concat(${parts.join(', ')}), 2), '}')`;
  return keep ? { sql, always: true } : { sql: `nullif(${sql}, '{}')` };
}

/** An array of the present items, in the order given; absent (NULL) when no item is present. */
export function jArr(items: readonly JsonSql[]): JsonSql {
  if (items.length === 0) return { sql: 'NULL::VARCHAR' };
  // One item: no separator to handle.
  if (items.length === 1) return { sql: `('[' || ${items[0]!.sql} || ']')` };
  const item = (v: JsonSql) =>
    v.cond !== undefined && v.parts !== undefined
      ? `(CASE WHEN ${v.cond} THEN concat(${["','", ...v.parts].join(', ')}) END)`
      : `(',' || ${v.sql})`;
  // Every item starts with a comma: drop the first one; no item present → `[]`, absent.
  return { sql: `nullif(concat('[', substr(concat(${items.map(item).join(', ')}), 2), ']'), '[]')` };
}

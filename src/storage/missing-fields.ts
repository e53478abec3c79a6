// Flow log fields a question reads that no stored record has. A store keeps one record table per field set behind
// the `flows` view, which shows every catalog column: a column no stored format has reads as NULL on every row,
// so a filter on it matches nothing and a count over it is zero because of the format, not the traffic (the
// silent zero). Logs Insights (src/insights/run.ts) and the SQL editor and command warn with the format fix.

import { FIELDS, type FieldDef } from '../records/catalog.js';
import { checkedField, valueWarning } from '../records/field-values.js';
import type { Store } from './store.js';

/** The catalog columns that any stored record format has (empty for a store with no records yet). */
export async function storedColumns(store: Store): Promise<Set<string>> {
  const r = await store.query('SELECT field_set FROM record_tables');
  return new Set(r.rows.flatMap((row) => String(row['field_set']).split(',')));
}

/** The warning for one field no stored record has. */
export function missingFieldWarning(f: FieldDef, name: string): string {
  return `no stored record has ${name} (${f.aws}, flow log version ${f.version}): every record reads it as null, so what the query says about it is empty, not zero; add \${${f.aws}} to the flow log format`;
}

/** Warnings for the catalog columns in `read` that no stored format has; none for a store with no records. */
export function missingFieldWarnings(
  read: ReadonlySet<string>,
  stored: ReadonlySet<string>,
  nameOf: (f: FieldDef) => string,
): string[] {
  if (stored.size === 0) return [];
  return FIELDS.filter((f) => read.has(f.column) && !stored.has(f.column)).map((f) =>
    missingFieldWarning(f, nameOf(f)),
  );
}

/**
 * The catalog columns a SQL text names as words outside string literals and comments (a lexical reading: an alias
 * spelled like a column counts too, which at worst adds a warning that does not apply).
 *
 * @example sqlColumnsRead("SELECT count(*) FROM flows WHERE tcp_flags = 2 AND action = 'tcp_flags'") // {tcp_flags, action}
 */
export function sqlColumnsRead(sql: string): Set<string> {
  const text = sql
    .replace(/'(?:[^']|'')*'/g, ' ')
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ');
  const columns = new Set(FIELDS.map((f) => f.column));
  const out = new Set<string>();
  for (const m of text.matchAll(/"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_]*)/g)) {
    const word = (m[1] ?? m[2] ?? '').toLowerCase();
    if (columns.has(word)) out.add(word);
  }
  return out;
}

/**
 * Comparisons of an enumerated column with a string literal that can never hold (`action = 'reject'`,
 * `flow_direction IN ('inbound')`): a lexical reading of `col = 'x'`, `'x' = col`, `col != 'x'`, `col <> 'x'` and
 * `col [NOT] IN ('x', ...)` outside comments.
 *
 * @example sqlValueWarnings("SELECT count(*) FROM flows WHERE action = 'reject'") // ['action is never "reject": ...']
 */
export function sqlValueWarnings(sql: string): string[] {
  const text = sql.replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ');
  const out: string[] = [];
  const add = (w: string | undefined) => {
    if (w !== undefined && !out.includes(w)) out.push(w);
  };
  const lit = `'((?:[^']|'')*)'`;
  const col = `(?<![\\w."'])"?([A-Za-z_][A-Za-z0-9_]*)"?(?![\\w"(])`;
  const unquote = (v: string) => v.replaceAll("''", "'");
  for (const m of text.matchAll(new RegExp(`${col}\\s*(=|!=|<>)\\s*${lit}`, 'g'))) {
    const f = checkedField(m[1]!);
    if (f?.column === m[1]!.toLowerCase())
      add(valueWarning(f, m[1]!, unquote(m[3]!), { negated: m[2] !== '=' }));
  }
  for (const m of text.matchAll(new RegExp(`${lit}\\s*(=|!=|<>)\\s*${col}`, 'g'))) {
    const f = checkedField(m[3]!);
    if (f?.column === m[3]!.toLowerCase())
      add(valueWarning(f, m[3]!, unquote(m[1]!), { negated: m[2] !== '=' }));
  }
  for (const m of text.matchAll(new RegExp(`${col}\\s+(NOT\\s+)?IN\\s*\\(([^)]*)\\)`, 'gi'))) {
    const f = checkedField(m[1]!);
    if (f?.column !== m[1]!.toLowerCase()) continue;
    for (const v of m[3]!.matchAll(new RegExp(lit, 'g')))
      add(valueWarning(f, m[1]!, unquote(v[1]!), { item: true }));
  }
  return out;
}

/** The SQL editor's and `flowwatch sql`'s warnings: only for queries that read the flow records. */
export async function sqlMissingFieldWarnings(store: Store, sql: string): Promise<string[]> {
  if (!/\bflows\b/i.test(sql.replace(/'(?:[^']|'')*'/g, ' '))) return [];
  return [
    ...missingFieldWarnings(sqlColumnsRead(sql), await storedColumns(store), (f) => f.column),
    ...sqlValueWarnings(sql),
  ];
}

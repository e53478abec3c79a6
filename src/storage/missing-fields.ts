// Flow log fields a question reads that no stored record has. A store keeps one record table per field set behind
// the `flows` view, which shows every catalog column: a column no stored format has reads as NULL on every row,
// so a filter on it matches nothing and a count over it is zero because of the format, not the traffic (the
// silent zero). Logs Insights (src/insights/run.ts) and the SQL editor and command warn with the format fix.

import { FIELDS, type FieldDef } from '../records/catalog.js';
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

/** The SQL editor's and `flowwatch sql`'s warnings: only for queries that read the flow records. */
export async function sqlMissingFieldWarnings(store: Store, sql: string): Promise<string[]> {
  if (!/\bflows\b/i.test(sql.replace(/'(?:[^']|'')*'/g, ' '))) return [];
  return missingFieldWarnings(sqlColumnsRead(sql), await storedColumns(store), (f) => f.column);
}

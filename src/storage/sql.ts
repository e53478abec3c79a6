// SQL text helpers: identifier and literal quoting. The only place where values become SQL text.

/** Quotes an identifier: `end` → `"end"`. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes a string literal: `it's` → `'it''s'`. Rejects NUL, which DuckDB cannot hold in a literal. */
export function literal(value: string): string {
  if (value.includes('\0')) throw new Error('a NUL character cannot be used in a SQL literal');
  return `'${value.replaceAll("'", "''")}'`;
}

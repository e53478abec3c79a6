// One stored record as the export mappers see it: catalog column names to plain values (null when absent),
// plus the account and region named by the key of the file it came from.

/** A record read from the store: catalog columns (`srcaddr`, `pkt_srcaddr`, ...) and file key facts. */
export type FlowRow = Readonly<Record<string, unknown>> & {
  readonly file_account?: unknown;
  readonly file_region?: unknown;
};

/** The string value of a column, or undefined when absent. */
export function str(row: FlowRow, column: string): string | undefined {
  const v = row[column];
  return v === null || v === undefined || v === '-' ? undefined : String(v);
}

/** The numeric value of a column, or undefined when absent. */
export function num(row: FlowRow, column: string): number | undefined {
  const v = row[column];
  if (v === null || v === undefined || v === '-') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** Unix seconds → ISO-8601 UTC with milliseconds (`2024-05-20T10:15:05.000Z`). */
export function isoSeconds(s: number): string {
  return new Date(s * 1000).toISOString();
}

/** Drops keys whose value is undefined, and returns undefined for an object left empty. */
export function compact<T extends Record<string, unknown>>(o: T): T | undefined {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return Object.keys(out).length === 0 ? undefined : (out as T);
}

// Hive column types (as Athena DDL writes them) → DuckDB types.

const SIMPLE: Readonly<Record<string, string>> = {
  tinyint: 'TINYINT',
  smallint: 'SMALLINT',
  int: 'INTEGER',
  integer: 'INTEGER',
  bigint: 'BIGINT',
  float: 'FLOAT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  string: 'VARCHAR',
  binary: 'BLOB',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
};

/**
 * The DuckDB type of a Hive type, or undefined when the local Athena cannot hold it.
 *
 * @example duckdbType('decimal(10,2)') // 'DECIMAL(10,2)'; duckdbType('varchar(20)') // 'VARCHAR'
 */
export function duckdbType(hive: string): string | undefined {
  const t = hive.toLowerCase();
  const simple = SIMPLE[t];
  if (simple) return simple;
  if (/^(varchar|char)\(\d+\)$/.test(t)) return 'VARCHAR';
  const dec = /^decimal(?:\((\d+)(?:,(\d+))?\))?$/.exec(t);
  if (dec) return `DECIMAL(${dec[1] ?? 10},${dec[2] ?? 0})`;
  return undefined;
}

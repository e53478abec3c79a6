// SQL of one Athena table as a DuckDB relation over its files: text read like Hive's LazySimpleSerDe
// (every field as text, then TRY_CAST, so `-` and unparsable numbers become NULL), Parquet read by column
// name, and partition columns as constants per partition.

import { ident, literal } from './sql.js';

export interface RelationColumn {
  readonly name: string;
  /** A DuckDB type name from src/athena/hive-types.ts. */
  readonly duckdb: string;
}

/** One group of files sharing partition values (`values` in partition-column order). */
export interface RelationPart {
  readonly files: readonly string[];
  readonly values: readonly string[];
}

export interface RelationSpec {
  readonly columns: readonly RelationColumn[];
  readonly partitionColumns: readonly RelationColumn[];
  readonly format: 'text' | 'parquet';
  readonly delimiter: string;
  readonly skipHeaderLines: number;
  readonly parts: readonly RelationPart[];
}

const TYPE = /^[A-Z]+(\(\d+,\d+\))?$/;

function cast(expr: string, c: RelationColumn): string {
  if (!TYPE.test(c.duckdb)) throw new Error(`not a DuckDB type: ${c.duckdb}`);
  return c.duckdb === 'VARCHAR' ? expr : `TRY_CAST(${expr} AS ${c.duckdb})`;
}

/**
 * A SELECT returning the table's columns then its partition columns, over exactly the listed files.
 *
 * @example relationSql({ columns: [{ name: 'action', duckdb: 'VARCHAR' }], partitionColumns: [], format: 'text', delimiter: ' ', skipHeaderLines: 1, parts: [{ files: ['/d/a.log.gz'], values: [] }] })
 */
export function relationSql(spec: RelationSpec): string {
  const partCols = (values: readonly string[]) =>
    spec.partitionColumns.map((c, i) => `${cast(literal(values[i] ?? ''), c)} AS ${ident(c.name)}`);
  const parts = spec.parts.filter((p) => p.files.length > 0);
  if (parts.length === 0) {
    const cols = [...spec.columns, ...spec.partitionColumns].map(
      (c) => `${cast('NULL', c)}::${c.duckdb} AS ${ident(c.name)}`,
    );
    return `SELECT ${cols.join(', ')} WHERE false`;
  }
  const selects = parts.map((p) => {
    const files = `[${p.files.map(literal).join(', ')}]`;
    if (spec.format === 'parquet') {
      const cols = spec.columns.map((c) => `${cast(ident(c.name), c)} AS ${ident(c.name)}`);
      return `SELECT ${[...cols, ...partCols(p.values)].join(', ')} FROM read_parquet(${files}, union_by_name = true)`;
    }
    const fields = spec.columns.map((_, i) => `${literal(`c${i}`)}: 'VARCHAR'`).join(', ');
    const cols = spec.columns.map((c, i) => `${cast(ident(`c${i}`), c)} AS ${ident(c.name)}`);
    const options = [
      `delim = ${literal(spec.delimiter)}`,
      'header = false',
      `skip = ${Math.max(0, Math.trunc(spec.skipHeaderLines))}`,
      `columns = {${fields}}`,
      'auto_detect = false',
      "quote = ''",
      "escape = ''",
      'null_padding = true',
      'strict_mode = false',
      "nullstr = '\\N'",
    ];
    return `SELECT ${[...cols, ...partCols(p.values)].join(', ')} FROM read_csv(${files}, ${options.join(', ')})`;
  });
  return selects.join('\nUNION ALL\n');
}

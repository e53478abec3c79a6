// Bulk-load SQL: the record rules of src/records/parse-line.ts expressed as one DuckDB query per file.
//
// DuckDB reads the file (gzip or plain text through read_csv as one column per line, or Parquet by column
// name), splits and types every field, and classifies each line as a record or a located reject. The query
// yields rn, raw, the typed columns, extra and err; store.ts inserts the rows without err into `flows` in one
// pass, and only when some lines are missing runs the query again for the rejects.

import type { Format } from '../records/format.js';
import { MILLIS_THRESHOLD } from '../records/parse-line.js';
import { ident, literal } from './sql.js';

/** A delimited text file to load. */
export interface TextInput {
  readonly path: string;
  readonly gzip: boolean;
  /** Lines to skip at the top (1 for an S3 file's header line). */
  readonly skip: number;
  /** Name of the temporary table DuckDB writes unreadable lines (invalid UTF-8) into. */
  readonly rejectsTable: string;
}

const ISO_PREFIX = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d(:\\d\\d(\\.\\d+)?)?(Z|[+-]\\d\\d:?\\d\\d)?';

function clip(x: string): string {
  return `(CASE WHEN length(${x}) > 40 THEN ${x}[1:37] || '...' ELSE ${x} END)`;
}

/**
 * Expressions computing, from `v` (the list of tokens), every stored column (in `typed`) and, from those,
 * the reject struct (in `checked`). A cheap test (all integer tokens are digits, every cast succeeded)
 * guards the detailed per-field diagnosis, which only runs for bad lines.
 */
function typedColumns(format: Format): { columns: string[]; extra: string; error: string } {
  const n = format.fields.length;
  const columns: string[] = [];
  const checks: string[] = [];
  const intToks: string[] = [];
  const castFails: string[] = [];
  const extras: string[] = [];
  format.fields.forEach((f, i) => {
    const tok = `v[${i + 1}]`;
    if (!f.def) {
      extras.push(`{'k': ${literal(f.key)}, 'v': ${tok}}`);
      return;
    }
    const col = ident(f.def.column);
    if (f.def.type === 'string') {
      columns.push(`nullif(${tok}, '-') AS ${col}`);
      return;
    }
    const cast = `TRY_CAST(nullif(${tok}, '-') AS ${f.def.duckdb})`;
    const value =
      f.def.aws === 'start' || f.def.aws === 'end'
        ? `(CASE WHEN ${cast} > ${MILLIS_THRESHOLD} THEN ${cast} // 1000 ELSE ${cast} END)`
        : cast;
    columns.push(`${value} AS ${col}`);
    intToks.push(`nullif(${tok}, '-')`);
    castFails.push(`(${col} IS NULL AND ${tok} <> '-')`);
    const where = `field ${i + 1} (${f.def.aws})`;
    const bits = f.def.type === 'int32' ? '32' : '64';
    checks.push(
      `WHEN ${tok} <> '-' AND ltrim(${tok}, '0123456789') <> '' THEN {'code': 'NOT_INTEGER', 'idx': ${i + 1}, 'field': ${literal(f.def.aws)}, ` +
        `'reason': ${literal(`${where} is "`)} || ${clip(tok)} || ${literal('", expected an integer or "-"')}}`,
      `WHEN ${col} IS NULL AND ${tok} <> '-' THEN {'code': 'OUT_OF_RANGE', 'idx': ${i + 1}, 'field': ${literal(f.def.aws)}, ` +
        `'reason': ${literal(`${where} is `)} || ${clip(tok)} || ${literal(`, larger than a ${bits}-bit integer`)}}`,
    );
  });
  const suspect = `ltrim(concat(${intToks.join(', ')}), '0123456789') <> '' OR ${castFails.join(' OR ')}`;
  const error = [
    'CASE',
    `WHEN v IS NULL THEN {'code': 'BAD_JSON', 'idx': NULL::INTEGER, 'field': NULL::VARCHAR, 'reason': 'line starts with "{" but is not a JSON object with a "message" string'}`,
    `WHEN len(v) <> ${n} THEN {'code': 'FIELD_COUNT', 'idx': NULL::INTEGER, 'field': NULL::VARCHAR, 'reason': 'expected ${n} fields, found ' || len(v)}`,
    ...(checks.length ? [`WHEN ${suspect} THEN (CASE ${checks.join('\n      ')} END)`] : []),
    'END',
  ].join('\n    ');
  const extra =
    extras.length === 0
      ? 'NULL::MAP(VARCHAR, VARCHAR)'
      : `map_from_entries(list_filter([${extras.join(', ')}], e -> e.v <> '-'))`;
  return { columns, extra, error };
}

/**
 * The classifying query for tokens already split: `fromSql` must yield columns `rn` (line or row number),
 * `raw` (the original text) and `v` (VARCHAR list, NULL when the line could not be unwrapped).
 */
function classify(format: Format, fromSql: string): string {
  const n = format.fields.length;
  const { columns, extra, error } = typedColumns(format);
  const names = format.fields.flatMap((f) => (f.def ? [ident(f.def.column)] : []));
  return `WITH s AS (${fromSql}),
tok AS (
  SELECT rn, raw,
    CASE WHEN len(v) = ${n + 1} AND regexp_full_match(v[1], ${literal(ISO_PREFIX)}) THEN v[2:] ELSE v END AS v
  FROM s
  WHERE v IS NULL OR len(v) > 0 OR starts_with(raw, '{')
),
typed AS (
  SELECT rn, raw, v,
    ${columns.join(',\n    ')}${columns.length ? ',' : ''}
    ${extra} AS extra
  FROM tok
),
checked AS (
  SELECT rn, raw, ${names.join(', ')}${names.length ? ', ' : ''}extra, ${error} AS err
  FROM typed
)
SELECT * FROM checked`;
}

/** Classifying query for a text file (plain or gzip), with JSON-wrapped lines and runs of spaces handled. */
export function textSelectSql(format: Format, input: TextInput): string {
  const read = `read_csv(${literal(input.path)}, columns = {'line': 'VARCHAR'}, header = false, delim = '\\x01', quote = '', escape = '',
      auto_detect = false, skip = ${input.skip}, compression = ${input.gzip ? "'gzip'" : "'none'"}, strict_mode = false,
      store_rejects = true, ignore_errors = true, rejects_table = ${literal(input.rejectsTable)}, rejects_scan = ${literal(`${input.rejectsTable}_scan`)})`;
  const from = `
  SELECT rn, line AS raw,
    CASE WHEN m IS NULL THEN NULL
         WHEN m = '' OR m = chr(13) THEN []::VARCHAR[]
         WHEN contains(m, '  ') OR starts_with(m, ' ') OR ends_with(m, ' ') OR ends_with(m, chr(13))
           THEN list_filter(string_split(CASE WHEN ends_with(m, chr(13)) THEN m[1:-2] ELSE m END, ' '), x -> x <> '')
         ELSE string_split(m, ' ') END AS v
  FROM (
    SELECT rn, line,
      CASE WHEN starts_with(line, '{') THEN (CASE WHEN json_valid(line) AND json_type(line, '$.message') = 'VARCHAR' THEN json_extract_string(line, '$.message') END)
           ELSE line END AS m
    FROM (SELECT row_number() OVER () AS rn, line FROM ${read})
    WHERE line IS NOT NULL
  )`;
  return classify(format, from);
}

/**
 * Classifying query for a Parquet file as AWS writes it: columns named like the format's keys (underscored), read
 * by name; integer and text columns alike go through the same checks as text tokens.
 */
export function parquetSelectSql(format: Format, path: string, columnNames: readonly string[]): string {
  const toks = columnNames.map((c) => `coalesce(CAST(${ident(c)} AS VARCHAR), '-')`);
  const from = `
  SELECT file_row_number + 1 AS rn, array_to_string(v, ' ') AS raw, v
  FROM (SELECT file_row_number, [${toks.join(', ')}] AS v FROM read_parquet(${literal(path)}, file_row_number = true))`;
  return classify(format, from);
}

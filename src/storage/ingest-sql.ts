// Bulk-load SQL: the record rules of src/records/parse-line.ts expressed as DuckDB queries.
//
// The ingest layer splits every text file into two plain files (src/ingest/normalize.ts):
//  - "normal" lines (single spaces, the format's field count, plain in-range integers, nothing to unwrap),
//    each prefixed with its line number, which DuckDB's own typed CSV reader parses in parallel (the fast path);
//  - "odd" lines (JSON-wrapped, runs of spaces, wrong field count, export timestamps, control characters),
//    prefixed with line number and a flag, which are split and classified in SQL (the general path).
// Parquet files go through the general path, with columns as tokens. Each query yields the typed columns
// and `err`, a struct {code, idx, field, reason} that is NULL for a good record.

import type { Format } from '../records/format.js';
import { MILLIS_THRESHOLD } from '../records/parse-line.js';
import { ident, literal } from './sql.js';

const ISO_PREFIX = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d(:\\d\\d(\\.\\d+)?)?(Z|[+-]\\d\\d:?\\d\\d)?';

function clip(x: string): string {
  return `(CASE WHEN length(${x}) > 40 THEN ${x}[1:37] || '...' ELSE ${x} END)`;
}

/** A start/end value with milliseconds (above the threshold) turned into seconds; other fields unchanged. */
function seconds(aws: string, value: string): string {
  return aws === 'start' || aws === 'end'
    ? `(CASE WHEN ${value} > ${MILLIS_THRESHOLD} THEN ${value} // 1000 ELSE ${value} END)`
    : value;
}

/** The `extra` MAP of the unknown fields' `{k, v}` entries, without those `absent` says are empty. */
function extraMap(entries: readonly string[], absent: string): string {
  return entries.length === 0
    ? 'NULL::MAP(VARCHAR, VARCHAR)'
    : `map_from_entries(list_filter([${entries.join(', ')}], e -> ${absent}))`;
}

interface FieldExprs {
  /** `<typed expression> AS "<column>"` for every catalog field of the format. */
  readonly columns: readonly string[];
  /** Column names of `columns`, quoted. */
  readonly names: readonly string[];
  /** The MAP of unknown fields (NULL when the format has none). */
  readonly extra: string;
  /** True for a line that may hold a bad integer (cheap; computed from the typed columns). */
  readonly suspect: string;
  /** `WHEN ... THEN {...}` clauses naming the first bad field, to be evaluated only for suspect lines. */
  readonly checks: readonly string[];
}

/** Typed expressions over the tokens `tok(i)` (0-based field position); checks refer to the typed columns. */
function fieldExprs(format: Format, tok: (i: number) => string): FieldExprs {
  const columns: string[] = [];
  const names: string[] = [];
  const checks: string[] = [];
  const intToks: string[] = [];
  const castFails: string[] = [];
  const extras: string[] = [];
  format.fields.forEach((f, i) => {
    const t = tok(i);
    if (!f.def) {
      extras.push(`{'k': ${literal(f.key)}, 'v': ${t}}`);
      return;
    }
    const col = ident(f.def.column);
    names.push(col);
    if (f.def.type === 'string') {
      columns.push(`nullif(${t}, '-') AS ${col}`);
      return;
    }
    const cast = `TRY_CAST(nullif(${t}, '-') AS ${f.def.duckdb})`;
    columns.push(`${seconds(f.def.aws, cast)} AS ${col}`);
    intToks.push(`nullif(${t}, '-')`);
    castFails.push(`(${col} IS NULL AND ${t} <> '-')`);
    const where = `field ${i + 1} (${f.def.aws})`;
    const bits = f.def.type === 'int32' ? '32' : '64';
    checks.push(
      `WHEN ${t} <> '-' AND ltrim(${t}, '0123456789') <> '' THEN {'code': 'NOT_INTEGER', 'idx': ${i + 1}, 'field': ${literal(f.def.aws)}, ` +
        `'reason': ${literal(`${where} is "`)} || ${clip(t)} || ${literal('", expected an integer or "-"')}}`,
      `WHEN ${col} IS NULL AND ${t} <> '-' THEN {'code': 'OUT_OF_RANGE', 'idx': ${i + 1}, 'field': ${literal(f.def.aws)}, ` +
        `'reason': ${literal(`${where} is `)} || ${clip(t)} || ${literal(`, larger than a ${bits}-bit integer`)}}`,
    );
  });
  const suspect =
    intToks.length === 0
      ? 'false'
      : `(ltrim(concat(${intToks.join(', ')}), '0123456789') <> '' OR ${castFails.join(' OR ')})`;
  const extra = extraMap(extras, "e.v <> '-'");
  return { columns, names, extra, suspect, checks };
}

const NULL_ERR = `NULL::STRUCT(code VARCHAR, idx INTEGER, field VARCHAR, reason VARCHAR)`;

function errStruct(code: string, reason: string): string {
  return `{'code': '${code}', 'idx': NULL::INTEGER, 'field': NULL::VARCHAR, 'reason': ${reason}}`;
}

/** The detailed field diagnosis, or NULL, for a line already known to have the right field count. */
function fieldError(e: FieldExprs): string {
  return e.checks.length === 0
    ? NULL_ERR
    : `(CASE WHEN ${e.suspect} THEN (CASE ${e.checks.join('\n      ')} END) END)`;
}

/** Options of DuckDB's CSV reader for our own intermediate files (no quoting, no header, no detection). */
function csv(path: string, columns: string, delim: string, rejectsTable: string, nullstr = false): string {
  return `read_csv(${literal(path)}, columns = ${columns}, header = false, delim = ${delim}, quote = '', escape = '',
      auto_detect = false,${nullstr ? " nullstr = '-'," : ''} store_rejects = true, ignore_errors = true,
      rejects_table = ${literal(rejectsTable)}, rejects_scan = ${literal(`${rejectsTable}_scan`)})`;
}

/**
 * The fast path: the records of a normal-lines file. Every line there was checked by the splitter (field
 * count, plain in-range integers), so DuckDB's typed CSV reader parses it exactly as the reference parser
 * would, with `-` read as NULL. Yields (typed columns..., extra, ln).
 */
export function normalRecordsSql(format: Format, path: string, rejectsTable: string): string {
  const types = format.fields.map((f, i) => `'c${i}': '${f.def ? f.def.duckdb : 'VARCHAR'}'`);
  const read = csv(path, `{'ln': 'BIGINT', ${types.join(', ')}}`, "' '", rejectsTable, true);
  const cols: string[] = [];
  const extras: string[] = [];
  format.fields.forEach((f, i) => {
    if (!f.def) {
      extras.push(`{'k': ${literal(f.key)}, 'v': c${i}}`);
      return;
    }
    cols.push(`${seconds(f.def.aws, `c${i}`)} AS ${ident(f.def.column)}`);
  });
  const extra = extraMap(extras, 'e.v IS NOT NULL');
  return `SELECT ${[...cols, `${extra} AS extra`, 'ln'].join(', ')} FROM ${read}`;
}

/**
 * The general path: from a query yielding `rn` (line or row number), `raw` (original text), `ctl`
 * (column of a control character, or NULL) and `v` (VARCHAR tokens, NULL when the line could not be
 * unwrapped), the typed columns, extra and err of every line.
 */
function classify(format: Format, fromSql: string): string {
  const n = format.fields.length;
  const e = fieldExprs(format, (i) => `v[${i + 1}]`);
  const err = [
    'CASE',
    `WHEN ctl IS NOT NULL THEN ${errStruct('CONTROL_CHAR', `'the line holds a control character at column ' || ctl`)}`,
    `WHEN v IS NULL THEN ${errStruct('BAD_JSON', `'line starts with "{" but is not a JSON object with a "message" string'`)}`,
    `WHEN len(v) <> ${n} THEN ${errStruct('FIELD_COUNT', `'expected ${n} fields, found ' || len(v)`)}`,
    `ELSE ${fieldError(e)}`,
    'END',
  ].join('\n    ');
  return `WITH s AS (${fromSql}),
tok AS (
  SELECT rn, raw, ctl,
    CASE WHEN len(v) = ${n + 1} AND regexp_full_match(v[1], ${literal(ISO_PREFIX)}) THEN v[2:] ELSE v END AS v
  FROM s
  WHERE ctl IS NOT NULL OR v IS NULL OR len(v) > 0 OR starts_with(raw, '{')
),
typed AS (
  SELECT rn, raw, ctl, v, ${[...e.columns, `${e.extra} AS extra`].join(',\n    ')}
  FROM tok
)
SELECT rn, raw, ${[...e.names, 'extra'].join(', ')}, ${err} AS err FROM typed`;
}

/**
 * The general path over an odd-lines file: each line is `<line number> <flag> <original line>`, where the
 * flag is `-` or the column of a control character (then replaced by `?` in the text).
 */
export function oddSelectSql(format: Format, path: string, rejectsTable: string): string {
  const read = csv(path, `{'line': 'VARCHAR'}`, `'\\x01'`, rejectsTable);
  const from = `
  SELECT rn, raw, ctl,
    CASE WHEN ctl IS NOT NULL THEN []::VARCHAR[]
         WHEN m IS NULL THEN NULL
         WHEN m = '' THEN []::VARCHAR[]
         WHEN contains(m, '  ') OR starts_with(m, ' ') OR ends_with(m, ' ')
           THEN list_filter(string_split(m, ' '), x -> x <> '')
         ELSE string_split(m, ' ') END AS v
  FROM (
    SELECT rn, raw, ctl,
      CASE WHEN starts_with(raw, '{')
           THEN (CASE WHEN json_valid(raw) AND json_type(raw, '$.message') = 'VARCHAR' THEN json_extract_string(raw, '$.message') END)
           ELSE raw END AS m
    FROM (
      SELECT split_part(line, ' ', 1)::BIGINT AS rn,
        nullif(split_part(line, ' ', 2), '-') AS ctl,
        line[length(split_part(line, ' ', 1)) + length(split_part(line, ' ', 2)) + 3:] AS raw
      FROM ${read}
    )
  )`;
  return classify(format, from);
}

/**
 * The general path for a Parquet file as AWS writes it: columns named like the format's keys (underscored),
 * read by name; integer and text columns alike go through the same checks as text tokens.
 */
export function parquetSelectSql(format: Format, path: string, columnNames: readonly string[]): string {
  const toks = columnNames.map((c) => `coalesce(CAST(${ident(c)} AS VARCHAR), '-')`);
  const from = `
  SELECT file_row_number + 1 AS rn, array_to_string(v, ' ') AS raw, NULL::VARCHAR AS ctl, v
  FROM (SELECT file_row_number, [${toks.join(', ')}] AS v FROM read_parquet(${literal(path)}, file_row_number = true, hive_partitioning = false))`;
  return classify(format, from);
}

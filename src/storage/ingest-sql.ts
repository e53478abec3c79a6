// Bulk-load SQL: the record rules of src/records/parse-line.ts expressed as DuckDB queries.
//
// The ingest layer splits every text file into two plain files (src/ingest/normalize.ts):
//  - "normal" lines (single spaces, the format's field count, plain in-range integers, nothing to unwrap),
//    each prefixed with its line number, which DuckDB's own typed CSV reader parses in parallel (the fast path);
//  - "odd" lines (JSON-wrapped, runs of spaces, wrong field count, export timestamps, control characters),
//    prefixed with line number and a flag, which are split and classified in SQL (the general path).
// Parquet files go through the general path, with columns as tokens. Each query yields the typed columns
// and `err`, a struct {code, idx, field, reason} that is NULL for a good record.

import { TIME_SOURCES, type TimeSource } from '../records/event-time.js';
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
function csv(
  path: string | readonly string[],
  columns: string,
  delim: string,
  rejectsTable: string,
  nullstr = false,
): string {
  // A list of files (a batch of small files) is read by one scan, each row with its file's name.
  const files = typeof path === 'string' ? literal(path) : `[${path.map((p) => literal(p)).join(', ')}]`;
  const many = typeof path === 'string' ? '' : ' filename = true,';
  return `read_csv(${files}, columns = ${columns}, header = false, delim = ${delim}, quote = '', escape = '',
      auto_detect = false,${nullstr ? " nullstr = '-'," : ''}${many} store_rejects = true, ignore_errors = true,
      rejects_table = ${literal(rejectsTable)}, rejects_scan = ${literal(`${rejectsTable}_scan`)})`;
}

/**
 * The fast path: the records of a normal-lines file. Every line there was checked by the splitter (field
 * count, plain in-range integers), so DuckDB's typed CSV reader parses it exactly as the reference parser
 * would, with `-` read as NULL. Yields (typed columns..., extra, ln[, __ts, __src]), and `filename` when `path` is
 * a list of files (a batch of small files read by one scan).
 */
export function normalRecordsSql(
  format: Format,
  path: string | readonly string[],
  rejectsTable: string,
  /** The lines carry a live batch's event time after their number (`<line> <seconds|-> <source|-> <record>`). */
  withTimes = false,
  /**
   * The file is a batch's shared file: each line starts with its file's tag (`<tag> <line> <record>`), yielded as
   * `fi`; with a number, only that file's lines.
   */
  tagged: boolean | number = false,
): string {
  const types = format.fields.map((f, i) => `'c${i}': '${f.def ? f.def.duckdb : 'VARCHAR'}'`);
  const times = withTimes ? `'__ts': 'BIGINT', '__src': 'VARCHAR', ` : '';
  const tag = tagged === false ? '' : `'fi': 'INTEGER', `;
  const read = csv(path, `{${tag}'ln': 'BIGINT', ${times}${types.join(', ')}}`, "' '", rejectsTable, true);
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
  const tail = withTimes ? ['ln', '__ts', '__src'] : ['ln'];
  const name = typeof path === 'string' ? [] : ['filename'];
  if (tagged !== false) name.push('fi');
  const only = typeof tagged === 'number' ? ` WHERE fi = ${Math.floor(tagged)}` : '';
  return `SELECT ${[...cols, `${extra} AS extra`, ...tail, ...name].join(', ')} FROM ${read}${only}`;
}

/**
 * Unix seconds of an export's ISO-8601 timestamp prefix `p` (a VARCHAR matching ISO_PREFIX, or NULL), NULL when
 * it is not a real time after 1970: the same rule as isoPrefixSeconds in src/records/event-time.ts (no zone
 * is UTC, an offset is subtracted, a fraction is dropped).
 */
function prefixSeconds(p: string): string {
  const wall = `TRY_CAST(substr(${p}, 1, 10) || ' ' || substr(${p}, 12, 5) || (CASE WHEN substr(${p}, 17, 1) = ':' THEN substr(${p}, 17, 3) ELSE ':00' END) AS TIMESTAMP)`;
  const off = `regexp_extract(${p}, '([+-])(\\d\\d):?(\\d\\d)$', ['s', 'h', 'm'])`;
  const offset = `(CASE WHEN regexp_matches(${p}, '[+-]\\d\\d:?\\d\\d$') THEN (CASE WHEN struct_extract(${off}, 's') = '-' THEN -1 ELSE 1 END) * (struct_extract(${off}, 'h')::INTEGER * 3600 + struct_extract(${off}, 'm')::INTEGER * 60) ELSE 0 END)`;
  return `(CASE WHEN ${p} IS NOT NULL AND substr(${p}, 1, 4)::INTEGER >= 1970 AND substr(${p}, 12, 2)::INTEGER < 24
    THEN floor(epoch(${wall}))::BIGINT - ${offset} END)`;
}

/** What the loader knows about a file's times besides its records' own fields (see eventTimeSql). */
export interface TimeInputs {
  /** Column of the export timestamp prefix in unix seconds (the general path's `pfx`), if the path has one. */
  readonly prefix?: string | undefined;
  /** Columns of a live batch's per-line times: unix seconds and source (`cwl-event` or `firehose`). */
  readonly line?: { readonly time: string; readonly source: string } | undefined;
  /** The file's S3 key time (unix seconds); without it, the ingest time is the last resort. */
  readonly keyTime?: number | undefined;
  /** A column holding each row's file's S3 key time (NULL when unknown), for a batch of files; wins over keyTime. */
  readonly keyTimeColumn?: string | undefined;
}

/**
 * The record's event time (unix seconds) and its source as two SQL expressions: the first candidate present in
 * TIME_SOURCES order (src/records/event-time.ts): CloudWatch Logs event timestamp, export prefix, `start`,
 * Firehose request time, S3 key time, ingest time (the transaction's `now()`).
 */
export function eventTimeSql(format: Format, t: TimeInputs): { time: string; source: string } {
  const hasStart = format.fields.some((f) => f.def?.aws === 'start');
  const lineOf = (src: TimeSource) =>
    t.line ? `(CASE WHEN ${t.line.source} = ${literal(src)} THEN ${t.line.time} END)` : undefined;
  const cand: Record<TimeSource, string | undefined> = {
    'cwl-event': lineOf('cwl-event'),
    'export-prefix': t.prefix,
    start: hasStart ? ident('start') : undefined,
    firehose: lineOf('firehose'),
    's3-key': t.keyTimeColumn ?? (t.keyTime === undefined ? undefined : `${Math.floor(t.keyTime)}::BIGINT`),
    // floor: a DOUBLE cast to BIGINT rounds, which stamped a record up to half a second in the future (a `--last`
    // query right after the ingest, whose end is this second + 1, then missed it).
    ingest: `floor(epoch(now()))::BIGINT`,
  };
  const present = TIME_SOURCES.flatMap((s) => (cand[s] === undefined ? [] : [{ s, x: cand[s]! }]));
  const last = present[present.length - 1]!;
  if (present.length === 1) return { time: last.x, source: literal(last.s) };
  const whens = present.slice(0, -1).map((c) => `WHEN ${c.x} IS NOT NULL THEN ${literal(c.s)}`);
  return {
    time: `coalesce(${present.map((c) => c.x).join(', ')})`,
    source: `(CASE ${whens.join(' ')} ELSE ${literal(last.s)} END)`,
  };
}

/** Reads a live batch's per-line times file (`<line> <unix seconds> <source>` per line) as (__ln, __ts, __src). */
export function lineTimesSql(path: string): string {
  return `read_csv(${literal(path)}, columns = {'__ln': 'BIGINT', '__ts': 'BIGINT', '__src': 'VARCHAR'},
      header = false, delim = ' ', quote = '', escape = '', auto_detect = false)`;
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
pre AS (
  SELECT rn, raw, ctl, v,
    CASE WHEN len(v) = ${n + 1} AND regexp_full_match(v[1], ${literal(ISO_PREFIX)}) THEN v[1] END AS p
  FROM s
  WHERE ctl IS NOT NULL OR v IS NULL OR len(v) > 0 OR starts_with(raw, '{')
),
tok AS (
  SELECT rn, raw, ctl, CASE WHEN p IS NOT NULL THEN v[2:] ELSE v END AS v, ${prefixSeconds('p')} AS pfx
  FROM pre
),
typed AS (
  SELECT rn, raw, ctl, v, pfx, ${[...e.columns, `${e.extra} AS extra`].join(',\n    ')}
  FROM tok
)
SELECT rn, raw, ${[...e.names, 'extra'].join(', ')}, pfx, ${err} AS err FROM typed`;
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

// Trino (Athena engine v3) functions as DuckDB macros, created on the local Athena's connection (whose time
// zone is UTC, Athena's session zone). Functions whose DuckDB namesake already has Trino's semantics
// (substr, strpos, date_trunc, max_by, min_by, arbitrary, try_cast, if, ||, lower, upper,
// length, hour, minute, day, month, year, current_date, now) are used as they are. `date_parse` cannot be a
// macro (strptime needs a constant format): src/athena/rewrite.ts turns it into strptime with the format
// translated by duckdbDateFormat.

/** One mapping: the Trino signature, what it becomes in DuckDB, and the macro's body. */
export interface TrinoMacro {
  readonly trino: string;
  readonly duckdb: string;
  /** CREATE TEMP MACRO text (constant: no user input). */
  readonly sql: string;
}

/** MySQL-style `date_format`/`date_parse` specifiers → DuckDB strftime/strptime ones, token by token. */
const FORMAT_MAP: readonly [string, string][] = [
  ['%i', '%M'],
  ['%M', '%B'],
  ['%s', '%S'],
  ['%T', '%H:%M:%S'],
  ['%W', '%A'],
  ['%e', '%-d'],
  ['%c', '%-m'],
  ['%k', '%-H'],
  ['%h', '%I'],
  ['%l', '%-I'],
  ['%r', '%I:%M:%S %p'],
  ['%v', '%V'],
  ['%x', '%G'],
];
/**
 * A MySQL-style format (Trino's date_format/date_parse) as a DuckDB strftime/strptime format.
 *
 * @example duckdbDateFormat('%Y-%m-%d %H:%i:%s') // '%Y-%m-%d %H:%M:%S'
 */
export function duckdbDateFormat(mysql: string): string {
  const map = new Map(FORMAT_MAP);
  return mysql.replace(/%./g, (t) => map.get(t) ?? t);
}

const FORMAT_CASE = FORMAT_MAP.map(([a, b]) => `WHEN '${a}' THEN '${b}'`).join(' ');

/**
 * The macros, in creation order (helpers first).
 *
 * @example TRINO_MACROS.find((m) => m.trino.startsWith('day_of_week'))?.duckdb // 'isodow(x)'
 */
export const TRINO_MACROS: readonly TrinoMacro[] = [
  {
    trino: '(helper) MySQL format → strftime format',
    duckdb: 'token-wise rewrite of %i %M %s %T %W %e %c %k %h %l %r %v %x',
    sql: `CREATE TEMP MACRO __trino_format(f) AS array_to_string(list_transform(regexp_extract_all(f, '%.|[^%]+'), t -> CASE t ${FORMAT_CASE} ELSE t END), '')`,
  },
  {
    trino: 'from_unixtime(seconds) → timestamp with time zone (UTC)',
    duckdb: 'to_timestamp(seconds)',
    sql: 'CREATE TEMP MACRO from_unixtime(x) AS to_timestamp(x)',
  },
  {
    trino: 'to_unixtime(ts) → double seconds',
    duckdb: 'epoch(ts)',
    sql: 'CREATE TEMP MACRO to_unixtime(x) AS epoch(x)',
  },
  {
    trino: 'from_iso8601_timestamp(s) → timestamp with time zone (no time ⇒ 00:00, no zone ⇒ UTC)',
    duckdb: 'CAST(s AS TIMESTAMPTZ)',
    sql: 'CREATE TEMP MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)',
  },
  {
    trino: 'from_iso8601_date(s) → date',
    duckdb: 'CAST(s AS DATE)',
    sql: 'CREATE TEMP MACRO from_iso8601_date(s) AS CAST(s AS DATE)',
  },
  {
    trino: "to_iso8601(x): date → '2024-05-20', timestamp → '…T10:00:00.000', with zone → '…000Z'",
    duckdb: 'strftime by typeof(x)',
    sql: `CREATE TEMP MACRO to_iso8601(x) AS CASE typeof(x) WHEN 'DATE' THEN strftime(x, '%Y-%m-%d') WHEN 'TIMESTAMP WITH TIME ZONE' THEN strftime(x, '%Y-%m-%dT%H:%M:%S.%g') || 'Z' ELSE strftime(x, '%Y-%m-%dT%H:%M:%S.%g') END`,
  },
  {
    trino: 'date_format(ts, mysql_format) → varchar',
    duckdb: 'strftime(ts, __trino_format(f))',
    sql: 'CREATE TEMP MACRO date_format(x, f) AS strftime(x, __trino_format(f))',
  },
  {
    trino: 'day_of_week(x) / dow(x): ISO, 1 = Monday … 7 = Sunday',
    duckdb: 'isodow(x)',
    sql: 'CREATE TEMP MACRO day_of_week(x) AS isodow(x)',
  },
  { trino: 'dow(x)', duckdb: 'isodow(x)', sql: 'CREATE TEMP MACRO dow(x) AS isodow(x)' },
  {
    trino: 'day_of_year(x) / doy(x)',
    duckdb: 'dayofyear(x)',
    sql: 'CREATE TEMP MACRO day_of_year(x) AS dayofyear(x)',
  },
  {
    trino: "date_add(unit, n, x): x plus n units ('millisecond' … 'year')",
    duckdb: "x + CAST(n || ' ' || unit AS INTERVAL) (a date comes back as a timestamp)",
    sql: `CREATE TEMP MACRO date_add(u, n, x) AS x + CAST(CAST(n AS VARCHAR) || ' ' || u AS INTERVAL)`,
  },
  {
    trino: 'date_diff(unit, a, b): whole units from a to b (b − a)',
    duckdb: 'date_sub(unit, a, b) (DuckDB date_diff counts boundaries instead)',
    sql: 'CREATE TEMP MACRO date_diff(u, a, b) AS date_sub(u, a, b)',
  },
  {
    trino: 'concat(a, b, …) (2 to 6 arguments): NULL when any argument is NULL',
    duckdb: 'a || b || … (DuckDB concat skips NULLs instead)',
    sql: `CREATE TEMP MACRO concat(a, b) AS a || b, (a, b, c) AS a || b || c, (a, b, c, d) AS a || b || c || d, (a, b, c, d, e) AS a || b || c || d || e, (a, b, c, d, e, f) AS a || b || c || d || e || f`,
  },
  {
    trino: 'split_part(s, delim, i): the i-th piece (1-based), NULL past the last piece',
    duckdb: "split_part (which returns '' past the last piece) guarded by the piece count",
    sql: 'CREATE TEMP MACRO split_part(s, d, i) AS CASE WHEN i <= len(string_split(s, d)) THEN system.main.split_part(s, d, i) END',
  },
  {
    trino: 'regexp_like(s, re): the pattern matches anywhere in s',
    duckdb: 'regexp_matches(s, re)',
    sql: 'CREATE TEMP MACRO regexp_like(s, p) AS regexp_matches(s, p)',
  },
  {
    trino: 'regexp_extract(s, re[, group]): NULL when nothing matches',
    duckdb: "regexp_extract (which returns '' on no match) guarded by regexp_matches",
    sql: 'CREATE TEMP MACRO regexp_extract(s, p) AS CASE WHEN regexp_matches(s, p) THEN system.main.regexp_extract(s, p) END, (s, p, g) AS CASE WHEN regexp_matches(s, p) THEN system.main.regexp_extract(s, p, g) END',
  },
  {
    trino:
      'regexp_replace(s, re[, replacement]): every match replaced (removed when there is no replacement)',
    duckdb: "regexp_replace(s, re, replacement, 'g') (without 'g' DuckDB replaces the first match only)",
    sql: "CREATE TEMP MACRO regexp_replace(s, p) AS system.main.regexp_replace(s, p, '', 'g'), (s, p, r) AS system.main.regexp_replace(s, p, r, 'g')",
  },
  {
    trino: 'approx_distinct(x) (HyperLogLog)',
    duckdb: 'approx_count_distinct(x) (HyperLogLog)',
    sql: 'CREATE TEMP MACRO approx_distinct(x) AS approx_count_distinct(x)',
  },
  {
    trino: 'approx_percentile(x, p)',
    duckdb: 'approx_quantile(x, p) (t-digest)',
    sql: 'CREATE TEMP MACRO approx_percentile(x, p) AS approx_quantile(x, p)',
  },
];

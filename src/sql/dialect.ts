// The SQL dialect layer: every construct whose text differs between the SQL engines flowwatch compiles to
// (DuckDB for the store, Trino for Amazon Athena), behind one interface that the compilers (Logs Insights,
// detections) call instead of writing engine-specific SQL. Implementations: duckdb-dialect.ts, trino-dialect.ts.

import { ident, literal } from '../storage/sql.js';

/** A SQL type a value can be cast to. */
export type SqlType = 'double' | 'bigint' | 'integer' | 'varchar' | 'boolean';

/** A period's unit: fixed (ms … d, epoch-aligned) or calendar (w = Monday weeks, mo, q, y). */
export type PeriodUnit = 'ms' | 's' | 'm' | 'h' | 'd' | 'w' | 'mo' | 'q' | 'y';

/** A length of time such as 5m or 1mo; `n` may be fractional for fixed units (1.5s). */
export interface Period {
  readonly n: number;
  readonly unit: PeriodUnit;
}

/** A parsed CIDR block: the address bytes (4 or 16, host bits zero) and the prefix length. */
export interface Cidr {
  readonly v: 4 | 6;
  readonly bytes: readonly number[];
  readonly prefix: number;
}

/** Which side(s) of a string to trim. */
export type TrimSide = 'left' | 'right' | 'both';

/** A comparison operator as written in flowwatch's languages (`!=` is rendered as the dialect says). */
export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

/**
 * Thrown by a dialect for a construct its engine cannot express (e.g. IPv6 on Trino). `feature` names the
 * construct in plain words; compilers catch it and raise their own error naming the user's text.
 */
export class UnsupportedSqlError extends Error {
  constructor(
    readonly dialect: Dialect['name'],
    readonly feature: string,
  ) {
    super(`${feature} has no ${dialect} SQL form`);
    this.name = 'UnsupportedSqlError';
  }
}

/**
 * One SQL dialect. Every method takes SQL text (already rendered operands) and returns SQL text; none of
 * them quotes user input except `ident`, `string` and the methods that take a JS value (patterns, CIDRs,
 * periods). Unless a method says otherwise its result is a "primary" expression (a literal, a column, a
 * function call or a bracketed expression) or a single comparison, so it can be an operand of AND, OR,
 * NOT and CASE WHEN as it is; bracket a comparison (see `bracket`) before using it in arithmetic.
 *
 * Constructs that are the same in both engines are not here: `substr` (1-based), `length`, `upper`,
 * `lower`, `split_part`, `concat_ws`, `coalesce`, `nullif`, `abs`, `ceil`, `floor`, `sqrt`, `ln`,
 * `greatest`, `least`, `replace`, `count`, `sum`, `avg`, `min`, `max`, `row_number() OVER (...)`,
 * `CASE`, `IN (...)`, `IS [NOT] NULL`, `ORDER BY x DESC NULLS LAST` and `LIMIT n`.
 *
 * @example
 * import { duckdb, trino } from '../sql/index.js';
 * duckdb.contains('"action"', "'ACC'") // contains("action", 'ACC')
 * trino.contains('"action"', "'ACC'")  // strpos("action", 'ACC') > 0
 */
export interface Dialect {
  readonly name: 'duckdb' | 'trino';

  // ── Quoting and literals ───────────────────────────────────────────────────────────────────────────
  /** A quoted identifier: `end` → `"end"` (both engines use double quotes). */
  ident(name: string): string;
  /** A string literal: `it's` → `'it''s'`. Throws on NUL. */
  string(value: string): string;
  /** A number literal: integers as they are, other numbers as a DOUBLE (`CAST(1.5 AS DOUBLE)`). */
  number(value: number): string;
  /** A timestamp literal at whole epoch seconds (UTC): `TIMESTAMP '2024-05-20 10:00:00'`. */
  timestamp(epochSeconds: number): string;

  // ── Casts and operators ────────────────────────────────────────────────────────────────────────────
  /** `CAST(x AS T)` (fails on bad input). */
  cast(x: string, to: SqlType): string;
  /** `TRY_CAST(x AS T)`: NULL on bad input. */
  tryCast(x: string, to: SqlType): string;
  /**
   * A boolean as 1/0: DuckDB `CAST(b AS INTEGER)` (NULL stays NULL), Trino `if(b, 1, 0)` (NULL gives 0).
   * Apply it to a coalesced condition where NULL matters.
   */
  boolToInt(x: string): string;
  /** `(l op r)`; Trino writes `!=` as `<>`. */
  compare(l: string, op: CompareOp, r: string): string;
  /** l to the power r: DuckDB `pow`, Trino `power`. */
  power(l: string, r: string): string;
  /** l / r as a double, NULL when r is 0 (Trino divides integers as integers, so l is cast). */
  divide(l: string, r: string): string;
  /** l % r, NULL when r is 0. */
  modulo(l: string, r: string): string;

  // ── Strings and regular expressions (RE2 syntax in both) ───────────────────────────────────────────
  /** x contains the substring `sub` (SQL text): DuckDB `contains(x, s)`, Trino `strpos(x, s) > 0`. */
  contains(x: string, sub: string): string;
  /** x starts with `prefix` (SQL text): DuckDB `starts_with(x, p)`, Trino `strpos(x, p) = 1`. */
  startsWith(x: string, prefix: string): string;
  /** The pattern matches somewhere in x: DuckDB `regexp_matches`, Trino `regexp_like`. */
  regexMatch(x: string, pattern: string): string;
  /** The pattern matches all of x: DuckDB `regexp_full_match(x, 'p')`, Trino `regexp_like(x, '^p$')`. */
  regexFullMatch(x: string, pattern: string): string;
  /** The text of capture group `group` (0 = whole match) of the first match, NULL when nothing matches. */
  regexExtract(x: string, pattern: string, group: number): string;
  /**
   * A struct of the numbered groups (fields `names`, in order) of the first match, NULL when nothing
   * matches. DuckDB only (Trino throws UnsupportedSqlError): read a field with `s."g1"`.
   */
  regexExtractGroups(x: string, pattern: string, names: readonly string[]): string;
  /** Every match of the pattern replaced by `replacement` (SQL text). */
  regexReplace(x: string, pattern: string, replacement: string): string;
  /** x without leading/trailing whitespace (`\s`: spaces, tabs, newlines). */
  trimWhitespace(x: string, side: TrimSide): string;
  /** x without leading/trailing characters of the set `chars` (SQL text). Trino: UnsupportedSqlError. */
  trimChars(x: string, side: TrimSide, chars: string): string;

  // ── Time ───────────────────────────────────────────────────────────────────────────────────────────
  /**
   * A timestamp (UTC) from epoch seconds, a BIGINT (DuckDB multiplies it by 10⁶ in its own type):
   * DuckDB `make_timestamp(s * 1000000)`, Trino `from_unixtime(s)`.
   */
  fromEpochSeconds(seconds: string): string;
  /** A timestamp from epoch milliseconds. */
  fromEpochMillis(millis: string): string;
  /** A timestamp's epoch milliseconds, as a BIGINT. */
  toEpochMillis(ts: string): string;
  /**
   * The start of the fixed bucket of `seconds` seconds holding the epoch number `x` (a BIGINT, floor
   * semantics also for negative x): `floor(x / N) * N`. The windowing of detections and `bin()`.
   */
  epochBucket(x: string, seconds: number): string;
  /**
   * A timestamp rounded down to a period: fixed units epoch-aligned, weeks from Monday, calendar months,
   * quarters and years. Trino: only one calendar unit (1w, 1mo, 1q, 1y), else UnsupportedSqlError.
   */
  floorTimestamp(ts: string, period: Period): string;
  /** A timestamp plus a period (DuckDB `ts + INTERVAL`: bracket it before using it as an operand). */
  addPeriod(ts: string, period: Period): string;
  /** A timestamp as text `YYYY-MM-DD HH:MM:SS.mmm` (the form results are shown in). */
  formatTimestamp(ts: string): string;

  // ── Aggregates ─────────────────────────────────────────────────────────────────────────────────────
  /** `count(DISTINCT x)` (exact). */
  countDistinct(x: string): string;
  /** An approximate (HyperLogLog) distinct count: DuckDB `approx_count_distinct`, Trino `approx_distinct`. */
  approxCountDistinct(x: string): string;
  /** How many rows satisfy the condition (NULL counts as false): `count_if(c)` in both. */
  countIf(cond: string): string;
  /** The sum of x over the rows satisfying the condition (NULL when none): `sum(CASE WHEN c THEN x END)`. */
  sumIf(x: string, cond: string): string;
  /** The sample standard deviation. */
  stddev(x: string): string;
  /**
   * The `fraction` (0–1) percentile of x: DuckDB exact (`quantile_disc`, a value of x), Trino
   * `approx_percentile` (Trino has no exact percentile).
   */
  percentile(x: string, fraction: number): string;
  /** An approximate percentile: DuckDB `approx_quantile` (t-digest), Trino `approx_percentile`. */
  approxPercentile(x: string, fraction: number): string;
  /** The value of x on the row with the smallest key: DuckDB `arg_min`, Trino `min_by`. */
  argMin(x: string, key: string): string;
  /** The value of x on the row with the largest key: DuckDB `arg_max`, Trino `max_by`. */
  argMax(x: string, key: string): string;
  /**
   * The first non-NULL x in the order `orderTerms` (e.g. `"ts" DESC, "line"`); undefined when the
   * dialect has no ordered aggregate (Trino: use argMin/argMax).
   */
  firstOrdered?(x: string, orderTerms: string): string;

  // ── Sorting and rows ───────────────────────────────────────────────────────────────────────────────
  /**
   * Sort keys giving CloudWatch's natural text order (digit runs by length then value; numbers after
   * other text, numerically), each followed by the direction; undefined when the dialect sorts text
   * only in plain code-point order (Trino).
   */
  naturalSortKeys?(x: string): readonly string[];
  /**
   * `SELECT *` of `from`, keeping the first row (in `orderBy`, e.g. ` ORDER BY "t" DESC NULLS LAST` or
   * '') of each group of equal `keys`, and every row where a key is NULL. Trino's result has an extra
   * `"__rn"` column.
   */
  firstRowPerGroup(from: string, keys: readonly string[], orderBy: string): string;

  // ── IP addresses ───────────────────────────────────────────────────────────────────────────────────
  /** x is an IPv4 address in dotted-decimal (false, never NULL). */
  isIpv4(x: string): string;
  /** x is an IPv6 address (no embedded IPv4 form) (false, never NULL). Trino: UnsupportedSqlError. */
  isIpv6(x: string): string;
  /** x is an IPv4 or an IPv6 address (false, never NULL). Trino: UnsupportedSqlError. */
  isIp(x: string): string;
  /**
   * The address x (text) lies in the CIDR block (false for NULL and invalid addresses). IPv4 on both,
   * IPv6 on DuckDB only (Trino: UnsupportedSqlError).
   */
  inCidr(x: string, cidr: Cidr): string;
  /**
   * The address x lies in one of the blocks (false for NULL and invalid addresses, and for no blocks), testing
   * the address's family once per row. DuckDB parses an IPv6 address once for all its IPv6 blocks; Trino is
   * the OR of `inCidr` (IPv6 blocks: UnsupportedSqlError).
   */
  inCidrs(x: string, cidrs: readonly Cidr[]): string;
}

/**
 * The SQL text in brackets unless it is already a primary expression (a name, a literal, a function call
 * or a bracketed expression), so a predicate such as `strpos(x, 'a') > 0` can be an operand.
 *
 * @example bracket("strpos(x, 'a') > 0") // (strpos(x, 'a') > 0)
 * @example bracket("contains(x, 'a')")   // contains(x, 'a') (unchanged)
 */
export function bracket(sql: string): string {
  return isPrimary(sql) ? sql : `(${sql})`;
}

/** A possibly qualified, possibly quoted name: `v."start"`, `t.x`. */
const NAME = '(?:[A-Za-z_]\\w*|"(?:[^"]|"")*")(?:\\.(?:[A-Za-z_]\\w*|"(?:[^"]|"")*"))*';

/** A name, number, string literal, call or bracketed expression spanning the whole text. */
function isPrimary(sql: string): boolean {
  const s = sql.trim();
  if (new RegExp(`^${NAME}$|^-?\\d+(\\.\\d+)?$|^'(?:[^']|'')*'$`).test(s)) return true;
  const open = new RegExp(`^(?:${NAME})?\\(`).exec(s);
  return open !== null && closingParen(s, open[0].length - 1) === s.length - 1;
}

/** The index of the bracket closing the one at `at`, skipping quoted text; -1 when unbalanced. */
function closingParen(s: string, at: number): number {
  let depth = 0;
  for (let i = at; i < s.length; i++) {
    const c = s[i];
    if (c === "'" || c === '"') {
      const end = s.indexOf(c, i + 1);
      if (end < 0) return -1;
      i = end; // a doubled quote ('') is read as two adjacent literals: same depth either way
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

/**
 * The pattern anchored to match a whole string: `^p$`, or `^(?:p)$` when p has a top-level alternation
 * (so `a|b` does not become `^a|b$`).
 *
 * @example anchored('[0-9]+') // ^[0-9]+$
 * @example anchored('a|b')    // ^(?:a|b)$
 */
export function anchored(pattern: string): string {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) return `^(?:${pattern})$`;
  }
  return `^${pattern}$`;
}

/** Microseconds in one fixed period unit (undefined for calendar units). */
export const UNIT_MICROS: Partial<Record<PeriodUnit, number>> = {
  ms: 1e3,
  s: 1e6,
  m: 60e6,
  h: 3600e6,
  d: 86400e6,
};

/**
 * A fixed period in whole microseconds, or undefined for calendar units (w, mo, q, y).
 *
 * @example periodMicros({ n: 1.5, unit: 's' }) // 1500000
 */
export function periodMicros(p: Period): number | undefined {
  const us = UNIT_MICROS[p.unit];
  return us === undefined ? undefined : Math.round(p.n * us);
}

/**
 * A fixed period in whole seconds, or undefined when it is not a whole number of seconds or is a
 * calendar unit.
 *
 * @example periodSeconds({ n: 5, unit: 'm' }) // 300
 */
export function periodSeconds(p: Period): number | undefined {
  const us = periodMicros(p);
  return us !== undefined && us % 1e6 === 0 ? us / 1e6 : undefined;
}

/** The IPv4 dotted-decimal pattern (each octet 0–255, no leading zeros), unanchored. */
export const IPV4_PATTERN =
  '((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';

/**
 * IPv4 CIDR membership, shared by the dialects: a cheap text guard on the whole octets (CASE evaluates
 * the exact check only for rows passing it), then a full-address check and the partial octet.
 * `partialOctet(octet, shift, value)` is the dialect's "octet >> shift = value".
 */
export function ipv4InCidr(
  d: Pick<Dialect, 'startsWith' | 'regexFullMatch' | 'string'>,
  x: string,
  cidr: Cidr,
  partialOctet: (octet: string, shift: number, value: number) => string,
): string {
  const { bytes, prefix } = cidr;
  const whole = Math.floor(prefix / 8);
  if (whole >= 4) return `coalesce(${x} = ${d.string(bytes.join('.'))}, false)`;
  const guard =
    whole > 0 ? d.startsWith(x, d.string(`${bytes.slice(0, whole).join('.')}.`)) : `${x} IS NOT NULL`;
  const checks = [d.regexFullMatch(x, IPV4_PATTERN)];
  const rest = prefix % 8;
  if (rest > 0) {
    const octet = `TRY_CAST(split_part(${x}, '.', ${whole + 1}) AS INTEGER)`;
    checks.push(partialOctet(octet, 8 - rest, bytes[whole]! >> (8 - rest)));
  }
  return `(CASE WHEN ${guard} THEN coalesce(${checks.join(' AND ')}, false) ELSE false END)`;
}

/**
 * The parts written the same way in every dialect flowwatch has (spread into each implementation).
 *
 * @example sameInBoth.countIf('"action" = \'REJECT\'') // count_if("action" = 'REJECT')
 */
export const sameInBoth = {
  // The store's quoting (storage/sql.ts) is standard SQL, the same in Trino.
  ident,
  string: literal,
  number(value: number): string {
    if (!Number.isFinite(value)) throw new Error(`${value} is not a finite number`);
    return Number.isInteger(value) ? String(value) : `CAST(${value} AS DOUBLE)`;
  },
  timestamp(epochSeconds: number): string {
    const iso = new Date(epochSeconds * 1000).toISOString(); // 2024-05-20T10:00:00.000Z
    const text = iso.endsWith('.000Z') ? iso.slice(0, 19) : iso.slice(0, 23);
    return `TIMESTAMP '${text.replace('T', ' ')}'`;
  },
  cast(x: string, to: SqlType): string {
    return `CAST(${x} AS ${to.toUpperCase()})`;
  },
  tryCast(x: string, to: SqlType): string {
    return `TRY_CAST(${x} AS ${to.toUpperCase()})`;
  },
  modulo(l: string, r: string): string {
    return `(${l} % nullif(${r}, 0))`;
  },
  countDistinct(x: string): string {
    return `count(DISTINCT ${x})`;
  },
  countIf(cond: string): string {
    return `count_if(${cond})`;
  },
  sumIf(x: string, cond: string): string {
    return `sum(CASE WHEN ${cond} THEN ${x} END)`;
  },
  stddev(x: string): string {
    return `stddev_samp(${x})`;
  },
} as const;

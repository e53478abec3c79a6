// The DuckDB dialect (the store's engine): DuckDB's own functions, list lambdas for IPv6 and natural order.

import {
  bracket,
  type Cidr,
  type Dialect,
  IPV4_PATTERN,
  ipv4InCidr,
  type Period,
  periodMicros,
  sameInBoth,
  type TrimSide,
} from './dialect.js';

const NUMBER_VALUE = '[0-9]+(\\.[0-9]+)?';
const TRIM_FN: Record<TrimSide, string> = { left: 'ltrim', right: 'rtrim', both: 'trim' };

/** A period as a DuckDB INTERVAL expression. */
function interval(p: Period): string {
  const us = periodMicros(p);
  if (us !== undefined) return `to_microseconds(${us})`;
  const months = p.unit === 'mo' ? p.n : p.unit === 'q' ? 3 * p.n : p.unit === 'y' ? 12 * p.n : 0;
  return months > 0 ? `to_months(${months})` : `to_weeks(${p.n})`;
}

/** SQL for the 32 hex digits of a valid IPv6 address, NULL otherwise (no embedded IPv4 form). */
function ipv6Hex(x: string): string {
  const side = (s: string) => `(CASE WHEN ${s} = '' THEN []::VARCHAR[] ELSE string_split(${s}, ':') END)`;
  const groups = `(CASE WHEN len(p) = 1 THEN string_split(p[1], ':') ELSE ${side('p[1]')} || list_transform(range(8 - len(${side('p[1]')}) - len(${side('p[2]')})), i -> '0') || ${side('p[2]')} END)`;
  const ok = `(len(p) = 1 OR len(${side('p[1]')}) + len(${side('p[2]')}) <= 7)`;
  return `(list_transform([string_split(lower(${x}), '::')], p -> CASE WHEN len(p) <= 2 AND ${ok} AND regexp_full_match(lower(${x}), '[0-9a-f:]{2,39}') THEN list_transform([${groups}], g -> CASE WHEN len(g) = 8 AND list_bool_and(list_transform(g, s -> regexp_full_match(s, '[0-9a-f]{1,4}'))) THEN array_to_string(list_transform(g, s -> lpad(s, 4, '0')), '') END)[1] END)[1])`;
}

/**
 * A valid IPv6 address in lower case, without an embedded IPv4 form or zone (RFC 4291 §2.2 forms 1 and 2): the
 * same addresses ipv6Hex accepts, by one regular expression (a DFA in RE2, about 50 times cheaper than
 * ipv6Hex's list lambdas).
 */
const IPV6_PATTERN = [
  '([0-9a-f]{1,4}:){7}[0-9a-f]{1,4}',
  '([0-9a-f]{1,4}:){1,7}:',
  '([0-9a-f]{1,4}:){1,6}:[0-9a-f]{1,4}',
  '([0-9a-f]{1,4}:){1,5}(:[0-9a-f]{1,4}){1,2}',
  '([0-9a-f]{1,4}:){1,4}(:[0-9a-f]{1,4}){1,3}',
  '([0-9a-f]{1,4}:){1,3}(:[0-9a-f]{1,4}){1,4}',
  '([0-9a-f]{1,4}:){1,2}(:[0-9a-f]{1,4}){1,5}',
  '[0-9a-f]{1,4}:(:[0-9a-f]{1,4}){1,6}',
  ':((:[0-9a-f]{1,4}){1,7}|:)',
].join('|');

/**
 * IPv6 membership of an address known to contain ':' (false, never NULL). The first group (its first 16
 * bits: padded to four lower-case hex digits, which sort as their value; '' before a leading '::' is 0) is
 * compared first, so an address outside the block's first 16 bits costs two string functions; a block of
 * /16 or shorter is then decided by the validity pattern alone, a longer one by the full parse (ipv6Hex).
 */
function ipv6InCidr(x: string, cidr: Cidr): string {
  const bits = Math.min(cidr.prefix, 16);
  const first = (cidr.bytes[0]! << 8) | cidr.bytes[1]!;
  const size = 2 ** (16 - bits);
  const lo = Math.floor(first / size) * size;
  const hex4 = (n: number) => `'${n.toString(16).padStart(4, '0')}'`;
  const g = `lpad(split_part(lower(${x}), ':', 1), 4, '0')`;
  const guard =
    bits === 0
      ? 'true'
      : size === 1
        ? `${g} = ${hex4(lo)}`
        : `${g} BETWEEN ${hex4(lo)} AND ${hex4(lo + size - 1)}`;
  const exact =
    cidr.prefix <= 16
      ? `coalesce(regexp_full_match(lower(${x}), '${IPV6_PATTERN}'), false)`
      : `coalesce(${ipv6HexInCidr(ipv6Hex(x), cidr)}, false)`;
  return `(CASE WHEN coalesce(${guard}, false) THEN ${exact} ELSE false END)`;
}

/** The exact IPv6 test on the address's 32 hex digits `h` (NULL when the address is not valid). */
function ipv6HexInCidr(h: string, cidr: Cidr): string {
  const hex = cidr.bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  const whole = Math.floor(cidr.prefix / 4);
  const checks = [whole > 0 ? `starts_with(${h}, '${hex.slice(0, whole)}')` : `${h} IS NOT NULL`];
  const rest = cidr.prefix % 4;
  if (rest > 0) {
    const nibble = Number.parseInt(hex[whole]!, 16);
    checks.push(
      `((strpos('0123456789abcdef', substr(${h}, ${whole + 1}, 1)) - 1) >> ${4 - rest}) = ${nibble >> (4 - rest)}`,
    );
  }
  return `(${checks.join(' AND ')})`;
}

/**
 * DuckDB SQL.
 *
 * @example duckdb.floorTimestamp('"t"', { n: 1, unit: 'mo' }) // time_bucket(to_months(1), "t")
 */
export const duckdb: Dialect = {
  ...sameInBoth,
  name: 'duckdb',
  boolToInt: (x) => `CAST(${x} AS INTEGER)`,
  compare: (l, op, r) => `(${l} ${op} ${r})`,
  power: (l, r) => `pow(${l}, ${r})`,
  // Division by zero gives NULL (DuckDB would give an infinity for doubles).
  divide: (l, r) => `(${l} / nullif(${r}, 0))`,

  contains: (x, sub) => `contains(${x}, ${sub})`,
  startsWith: (x, prefix) => `starts_with(${x}, ${prefix})`,
  regexMatch: (x, pattern) => `regexp_matches(${x}, ${sameInBoth.string(pattern)})`,
  regexFullMatch: (x, pattern) => `regexp_full_match(${x}, ${sameInBoth.string(pattern)})`,
  // DuckDB's regexp_extract gives '' when nothing matches: guarded to give NULL.
  regexExtract: (x, pattern, group) =>
    `(CASE WHEN regexp_matches(${x}, ${sameInBoth.string(pattern)}) THEN regexp_extract(${x}, ${sameInBoth.string(pattern)}, ${group}) END)`,
  regexExtractGroups: (x, pattern, names) =>
    `(CASE WHEN regexp_matches(${x}, ${sameInBoth.string(pattern)}) THEN regexp_extract(${x}, ${sameInBoth.string(pattern)}, [${names.map(sameInBoth.string).join(', ')}]) END)`,
  regexReplace: (x, pattern, replacement) =>
    `regexp_replace(${x}, ${sameInBoth.string(pattern)}, ${replacement}, 'g')`,
  trimWhitespace: (x, side) =>
    side === 'left'
      ? `regexp_replace(${x}, '^\\s+', '')`
      : side === 'right'
        ? `regexp_replace(${x}, '\\s+$', '')`
        : `regexp_replace(${x}, '^\\s+|\\s+$', '', 'g')`,
  trimChars: (x, side, chars) => `${TRIM_FN[side]}(${x}, ${chars})`,

  fromEpochSeconds: (s) => `make_timestamp(${bracket(s)} * 1000000)`,
  fromEpochMillis: (ms) => `make_timestamp(CAST(${ms} AS BIGINT) * 1000)`,
  toEpochMillis: (ts) => `epoch_ms(${ts})`,
  epochBucket: (x, seconds) => `(CAST(floor(${x} / ${seconds}) AS BIGINT) * ${seconds})`,
  floorTimestamp(ts, p) {
    const n = periodMicros(p);
    if (n !== undefined) return `make_timestamp(CAST(floor(epoch_us(${ts}) / ${n}) AS BIGINT) * ${n})`;
    return `time_bucket(${interval(p)}, ${ts})`; // weeks start on Monday (time_bucket's origin 2000-01-03)
  },
  addPeriod: (ts, p) => `${ts} + ${interval(p)}`,
  formatTimestamp: (ts) => `strftime(${ts}, '%Y-%m-%d %H:%M:%S.%g')`,

  approxCountDistinct: (x) => `approx_count_distinct(${x})`,
  percentile: (x, f) => `quantile_disc(${x}, ${f})`,
  approxPercentile: (x, f) => `approx_quantile(${x}, ${f})`,
  argMin: (x, key) => `arg_min(${x}, ${key})`,
  argMax: (x, key) => `arg_max(${x}, ${key})`,
  firstOrdered: (x, orderTerms) => `first(${x} ORDER BY ${orderTerms}) FILTER (WHERE ${x} IS NOT NULL)`,

  naturalSortKeys: (x) => [
    `(CASE WHEN ${x} IS NULL THEN NULL WHEN regexp_full_match(${x}, '${NUMBER_VALUE}') THEN 1 ELSE 0 END)`,
    `TRY_CAST(${x} AS DOUBLE)`,
    `list_transform(regexp_extract_all(${x}, '[0-9]+|[^0-9]'), c -> CASE WHEN c[1] BETWEEN '0' AND '9' THEN '0' || lpad(CAST(length(c) AS VARCHAR), 6, '0') || c ELSE c END)`,
  ],
  firstRowPerGroup: (from, keys, orderBy) =>
    `SELECT * FROM ${from} QUALIFY (${keys.map((k) => `${k} IS NULL`).join(' OR ')}) OR row_number() OVER (PARTITION BY ${keys.join(', ')} ${orderBy}) = 1`,

  isIpv4: (x) => `coalesce(regexp_full_match(${x}, '${IPV4_PATTERN}'), false)`,
  isIpv6: (x) => `(CASE WHEN contains(${x}, ':') THEN ${ipv6Hex(x)} IS NOT NULL ELSE false END)`,
  isIp: (x) =>
    `(CASE WHEN contains(${x}, ':') THEN ${ipv6Hex(x)} IS NOT NULL ELSE coalesce(regexp_full_match(${x}, '${IPV4_PATTERN}'), false) END)`,
  inCidr(x: string, cidr: Cidr): string {
    if (cidr.v === 4) {
      return ipv4InCidr(duckdb, x, cidr, (octet, shift, value) => `(${octet} >> ${shift}) = ${value}`);
    }
    return `(CASE WHEN contains(${x}, ':') THEN ${ipv6InCidr(x, cidr)} ELSE false END)`;
  },
  inCidrs(x: string, cidrs: readonly Cidr[]): string {
    const v4 = cidrs.filter((c) => c.v === 4).map((c) => duckdb.inCidr(x, c));
    const v6 = cidrs.filter((c) => c.v === 6).map((c) => ipv6InCidr(x, c));
    // One family test per row: an IPv4 address never pays an IPv6 test, nor the reverse.
    const any = (tests: string[]) => (tests.length === 0 ? 'false' : `(${tests.join(' OR ')})`);
    return `(CASE WHEN contains(${x}, ':') THEN ${any(v6)} ELSE ${any(v4)} END)`;
  },
};

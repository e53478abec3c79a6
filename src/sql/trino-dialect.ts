// The Trino dialect (Amazon Athena engine v3, and the local Athena, which runs it on DuckDB through the
// macros of storage/athena-macros.ts). What Trino cannot express here throws UnsupportedSqlError.

import {
  anchored,
  type Dialect,
  IPV4_PATTERN,
  ipv4InCidr,
  type Period,
  type PeriodUnit,
  periodMicros,
  sameInBoth,
  UnsupportedSqlError,
} from './dialect.js';

const CALENDAR: Partial<Record<PeriodUnit, string>> = { w: 'week', mo: 'month', q: 'quarter', y: 'year' };

function unsupported(feature: string): UnsupportedSqlError {
  return new UnsupportedSqlError('trino', feature);
}

/** A calendar period's date_trunc/date_add unit. */
function calendarUnit(p: Period): string {
  const unit = CALENDAR[p.unit];
  if (unit === undefined) throw new Error(`${p.unit} is not a calendar unit`);
  return unit;
}

/**
 * Trino SQL.
 *
 * @example trino.floorTimestamp('"t"', { n: 1, unit: 'mo' }) // date_trunc('month', "t")
 */
export const trino: Dialect = {
  ...sameInBoth,
  name: 'trino',
  boolToInt: (x) => `if(${x}, 1, 0)`,
  compare: (l, op, r) => `(${l} ${op === '!=' ? '<>' : op} ${r})`,
  power: (l, r) => `power(${l}, ${r})`,
  // Trino divides integers as integers; the languages' numbers are doubles.
  divide: (l, r) => `(CAST(${l} AS DOUBLE) / nullif(${r}, 0))`,

  contains: (x, sub) => `strpos(${x}, ${sub}) > 0`,
  startsWith: (x, prefix) => `strpos(${x}, ${prefix}) = 1`,
  regexMatch: (x, pattern) => `regexp_like(${x}, ${sameInBoth.string(pattern)})`,
  regexFullMatch: (x, pattern) => `regexp_like(${x}, ${sameInBoth.string(anchored(pattern))})`,
  regexExtract: (x, pattern, group) => `regexp_extract(${x}, ${sameInBoth.string(pattern)}, ${group})`,
  regexExtractGroups: () => {
    throw unsupported('extracting several regex groups at once');
  },
  regexReplace: (x, pattern, replacement) =>
    `regexp_replace(${x}, ${sameInBoth.string(pattern)}, ${replacement})`,
  trimWhitespace: (x, side) =>
    `regexp_replace(${x}, '${side === 'left' ? '^\\s+' : side === 'right' ? '\\s+$' : '^\\s+|\\s+$'}', '')`,
  trimChars: () => {
    throw unsupported('trimming a set of characters');
  },

  fromEpochSeconds: (s) => `from_unixtime(${s})`,
  fromEpochMillis: (ms) => `from_unixtime(CAST(${ms} AS DOUBLE) / 1000)`,
  toEpochMillis: (ts) => `CAST(to_unixtime(${ts}) * 1000 AS BIGINT)`,
  epochBucket: (x, seconds) => `(CAST(floor(CAST(${x} AS DOUBLE) / ${seconds}) AS BIGINT) * ${seconds})`,
  floorTimestamp(ts, p) {
    const us = periodMicros(p);
    if (us !== undefined) {
      const n = us / 1e6;
      return `from_unixtime(floor(to_unixtime(${ts}) / ${n}) * ${n})`;
    }
    if (p.n !== 1) throw unsupported(`a period of ${p.n}${p.unit}`);
    return `date_trunc('${calendarUnit(p)}', ${ts})`; // weeks start on Monday
  },
  addPeriod(ts, p) {
    const us = periodMicros(p);
    if (us !== undefined) return `date_add('millisecond', ${Math.round(us / 1000)}, ${ts})`;
    return `date_add('${calendarUnit(p)}', ${p.n}, ${ts})`;
  },
  formatTimestamp: (ts) => `substr(date_format(${ts}, '%Y-%m-%d %H:%i:%s.%f'), 1, 23)`,

  approxCountDistinct: (x) => `approx_distinct(${x})`,
  percentile: (x, f) => `approx_percentile(${x}, ${f})`,
  approxPercentile: (x, f) => `approx_percentile(${x}, ${f})`,
  argMin: (x, key) => `min_by(${x}, ${key})`,
  argMax: (x, key) => `max_by(${x}, ${key})`,

  firstRowPerGroup: (from, keys, orderBy) =>
    `SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY ${keys.join(', ')}${orderBy}) AS "__rn" FROM ${from}) WHERE (${keys.map((k) => `${k} IS NULL`).join(' OR ')}) OR "__rn" = 1`,

  isIpv4: (x) => `coalesce(regexp_like(${x}, '${anchored(IPV4_PATTERN)}'), false)`,
  isIpv6: () => {
    throw unsupported('an IPv6 address test');
  },
  isIp: () => {
    throw unsupported('an IP address test that accepts IPv6');
  },
  inCidr(x, cidr) {
    if (cidr.v === 6) throw unsupported('an IPv6 subnet test');
    // No bit shift in Trino: the partial octet is compared by integer division.
    return ipv4InCidr(trino, x, cidr, (octet, shift, value) => `${octet} / ${2 ** shift} = ${value}`);
  },
  inCidrs(x, cidrs) {
    return cidrs.length === 0 ? 'false' : `(${cidrs.map((c) => trino.inCidr(x, c)).join(' OR ')})`;
  },
};

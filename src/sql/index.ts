// The SQL dialect layer: one interface (Dialect) with a DuckDB and a Trino implementation, shared by the
// compilers that emit SQL (Logs Insights, detections).

export { cidrOf } from './cidr.js';
export {
  anchored,
  bracket,
  type Cidr,
  type CompareOp,
  type Dialect,
  IPV4_PATTERN,
  type Period,
  type PeriodUnit,
  periodMicros,
  periodSeconds,
  type SqlType,
  type TrimSide,
  UnsupportedSqlError,
} from './dialect.js';
export { duckdb } from './duckdb-dialect.js';
export { trino } from './trino-dialect.js';

import type { Dialect } from './dialect.js';
import { duckdb } from './duckdb-dialect.js';
import { trino } from './trino-dialect.js';

/**
 * The dialect of a name.
 *
 * @example dialectOf('trino').approxCountDistinct('"srcaddr"') // approx_distinct("srcaddr")
 */
export function dialectOf(name: Dialect['name']): Dialect {
  return name === 'duckdb' ? duckdb : trino;
}

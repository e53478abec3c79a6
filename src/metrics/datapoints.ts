// Metric datapoints in the store: computed at ingest (per file, in its transaction), back-filled over stored
// data, and read back aggregated into periods.

import { parseFormat } from '../records/format.js';
import { ident, literal } from '../storage/sql.js';
import type { DeriveSql, Store } from '../storage/store.js';
import {
  canonicalDimensions,
  datapointSql,
  MINUTE_SETS_SQL,
  periodQuerySql,
  type Statistic,
} from './datapoint-sql.js';
import type { CheckedMetricFilter } from './metric-filter.js';

/**
 * The hook `ingest` runs inside each file's transaction: every filter's datapoints for that file.
 *
 * @example await ingest(store, paths, { derive: deriveDatapoints(filters) })
 */
export function deriveDatapoints(filters: readonly CheckedMetricFilter[]): DeriveSql | undefined {
  if (filters.length === 0) return undefined;
  return (format, rows) => filters.flatMap((f) => datapointSql(f, format, rows));
}

/**
 * Recomputes datapoints over every stored record in one transaction. With `all`, every existing datapoint is
 * deleted first (filters no longer configured lose theirs); otherwise only those of `filters`.
 *
 * @example await backfill(store, filters, true)
 */
export async function backfill(
  store: Store,
  filters: readonly CheckedMetricFilter[],
  all: boolean,
): Promise<void> {
  await store.rebuild((files) => {
    const out: string[] = [
      all
        ? 'DELETE FROM metric_datapoints'
        : `DELETE FROM metric_datapoints WHERE filter_name IN (${filters.map((f) => literal(f.filter.name)).join(', ')})`,
    ];
    // Files of one format and record table are computed together.
    const groups = new Map<string, { format: string; table: string }>();
    for (const f of files) groups.set(`${f.table}\n${f.format}`, { format: f.format, table: f.table });
    for (const g of groups.values()) {
      const format = parseFormat(g.format);
      const rows = `(SELECT * FROM ${ident(g.table)} WHERE file_id IN (SELECT id FROM files WHERE format = ${literal(g.format)} AND record_table = ${literal(g.table)}))`;
      for (const f of filters) out.push(...datapointSql(f, format, rows));
    }
    return out;
  });
}

export interface StatisticsQuery {
  readonly namespace: string;
  readonly metric: string;
  readonly stat: Statistic;
  /** Seconds, a multiple of 60. */
  readonly period: number;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly since?: number | undefined;
  readonly until?: number | undefined;
}

export interface PeriodValue {
  readonly timestamp: string;
  readonly value: number;
}

/**
 * One statistic of a metric per period, for exactly the given dimension set (as CloudWatch's
 * GetMetricStatistics: no dimensions selects the metric without dimensions).
 *
 * @example await statistics(store, { namespace: 'FlowLogs', metric: 'Rejected', stat: 'Sum', period: 300, dimensions: {} })
 */
export async function statistics(store: Store, q: StatisticsQuery): Promise<PeriodValue[]> {
  if (!(await store.hasTable('metric_datapoints'))) return [];
  const r = await store.query(periodQuerySql(q.stat, q.period), [
    q.namespace,
    q.metric,
    canonicalDimensions(q.dimensions),
    q.since ?? null,
    q.until ?? null,
  ]);
  return r.rows.map((row) => ({ timestamp: String(row['timestamp']), value: Number(row['value']) }));
}

/** The dimension sets a metric has datapoints for (to tell the user when a query selected none). */
export async function dimensionSets(
  store: Store,
  namespace: string,
  metric: string,
): Promise<Record<string, string>[]> {
  if (!(await store.hasTable('metric_datapoints'))) return [];
  const r = await store.query(
    `SELECT DISTINCT dimensions FROM metric_datapoints WHERE namespace = $1 AND metric = $2 ORDER BY 1`,
    [namespace, metric],
  );
  return r.rows.map((row) => JSON.parse(String(row['dimensions'])) as Record<string, string>);
}

/** One minute of a metric as alarms evaluate it: CloudWatch's statistic set. */
export interface MinuteSet {
  /** Unix seconds of the minute's start. */
  readonly timestamp: number;
  readonly sampleCount: number;
  readonly sum: number;
  readonly minimum: number;
  readonly maximum: number;
}

/**
 * A metric's statistic set per minute in [since, until), for exactly the given dimension set, default values
 * applied as for {@link statistics}.
 *
 * @example await minuteSets(store, 'FlowLogs', 'RejectedSSH', {}, t0, t1)
 */
export async function minuteSets(
  store: Store,
  namespace: string,
  metric: string,
  dimensions: Readonly<Record<string, string>>,
  since: number,
  until: number,
): Promise<MinuteSet[]> {
  if (!(await store.hasTable('metric_datapoints'))) return [];
  const r = await store.query(MINUTE_SETS_SQL, [
    namespace,
    metric,
    canonicalDimensions(dimensions),
    Math.floor(since),
    Math.ceil(until),
  ]);
  return r.rows.map((row) => ({
    timestamp: Number(row['ts']),
    sampleCount: Number(row['n']),
    sum: Number(row['s']),
    minimum: Number(row['mn']),
    maximum: Number(row['mx']),
  }));
}

// Custom metrics (CloudWatch's PutMetricData): each datum becomes a statistic set of its minute in
// metric_datapoints, beside the metric filters' datapoints, so that ListMetrics, GetMetricData/Statistics and the
// alarms read both the same way. A custom row has file_id 0 (no stored file) and the filter name
// `PutMetricData:<Unit>` (a metric filter's name cannot hold `:`), which keeps the datum's unit.

import { literal } from '../storage/sql.js';
import type { Store } from '../storage/store.js';
import { canonicalDimensions } from './datapoint-sql.js';

/** The filter_name prefix of custom datapoints. */
export const CUSTOM_PREFIX = 'PutMetricData:';
/** The file_id of custom datapoints (stored files start at 1). */
export const CUSTOM_FILE_ID = 0;

/** One datum of PutMetricData, already validated: its minute's statistic set. */
export interface CustomDatum {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  /** Unix seconds (any second; stored in its minute). */
  readonly timestamp: number;
  readonly unit: string;
  readonly sampleCount: number;
  readonly sum: number;
  readonly minimum: number;
  readonly maximum: number;
}

/** A finite double as SQL text. */
function num(v: number): string {
  if (!Number.isFinite(v)) throw new RangeError(`not a finite number: ${v}`);
  return `CAST(${literal(String(v))} AS DOUBLE)`;
}

/**
 * The INSERT storing the data (one row per datum; the readers sum the rows of a minute).
 *
 * @example customMetricSql([{ namespace: 'App', metricName: 'Errors', dimensions: {}, timestamp: 60, unit: 'Count', sampleCount: 1, sum: 2, minimum: 2, maximum: 2 }])
 */
export function customMetricSql(data: readonly CustomDatum[]): string {
  const rows = data.map(
    (d) =>
      `(${literal(`${CUSTOM_PREFIX}${d.unit}`)}, ${literal(d.namespace)}, ${literal(d.metricName)}, ${literal(canonicalDimensions(d.dimensions))}, to_timestamp(${Math.floor(d.timestamp / 60) * 60}), ${CUSTOM_FILE_ID}, false, ${Math.round(d.sampleCount)}, ${num(d.sum)}, ${num(d.minimum)}, ${num(d.maximum)})`,
  );
  return `INSERT INTO metric_datapoints (filter_name, namespace, metric, dimensions, minute, file_id, is_default, sample_count, sum_value, min_value, max_value) VALUES ${rows.join(',\n')}`;
}

/**
 * Stores PutMetricData's data in one statement (all or nothing).
 *
 * @example await putCustomMetrics(store, data)
 */
export async function putCustomMetrics(store: Store, data: readonly CustomDatum[]): Promise<void> {
  if (data.length === 0) return;
  await store.query(customMetricSql(data));
}

/** The unit the latest custom data of a metric was put with, or undefined when it has none. */
export async function customUnit(
  store: Store,
  namespace: string,
  metric: string,
): Promise<string | undefined> {
  const r = await store.query(
    `SELECT filter_name FROM metric_datapoints WHERE file_id = ${CUSTOM_FILE_ID} AND namespace = $1 AND metric = $2 ORDER BY minute DESC LIMIT 1`,
    [namespace, metric],
  );
  const name = r.rows[0]?.['filter_name'];
  return name === undefined ? undefined : String(name).slice(CUSTOM_PREFIX.length);
}

// Metric datapoints in the store: computed at ingest (per file, in its transaction), back-filled over stored
// data, and read back aggregated into periods.

import { apiSource } from '../ingest/sources/log-group.js';
import { DEFAULT, type Format, parseFormat, sameFormat } from '../records/format.js';
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
import { type FilterFit, fitFilter, type KnownFormat } from './pattern-rewrite.js';

/**
 * A metric filter that cannot count the records of a format (a field it tests is absent): reported, never
 * silently counted as zero.
 */
export interface FilterMismatch {
  readonly filter: string;
  /** The format's `${...}` text. */
  readonly format: string;
  readonly code: string;
  readonly reason: string;
  readonly hint?: string | undefined;
}

/**
 * The warning printed for a filter that cannot count a format's records.
 *
 * @example mismatchWarning(m) // 'metric filter "denied-icmp" counts nothing in records of format ${version} ...: ...'
 */
export function mismatchWarning(m: FilterMismatch): string {
  return `metric filter "${m.filter}" counts NOTHING in records of format ${m.format}: ${m.reason}${m.hint ? ` (${m.hint})` : ''}`;
}

/** Called once per filter and format that cannot apply. */
export type OnMismatch = (m: FilterMismatch) => void;

/**
 * The datapoint SQL of every filter for one format: each filter fitted to the format first (a `[...]` pattern
 * written for the default format rewritten to this format's positions), filters that cannot apply reported.
 */
function fittedSql(
  filters: readonly CheckedMetricFilter[],
  format: Format,
  rows: string | ((f: CheckedMetricFilter) => string),
  fits: Map<string, FilterFit>,
  onMismatch: OnMismatch | undefined,
): string[] {
  const out: string[] = [];
  for (const f of filters) {
    const key = `${f.filter.name}\u0000${f.filter.pattern}\u0000${format.text}`;
    let fit = fits.get(key);
    if (!fit) {
      fit = fitFilter(f, format);
      fits.set(key, fit);
      if (fit.status === 'cannot') {
        onMismatch?.({
          filter: f.filter.name,
          format: format.text,
          code: fit.code,
          reason: fit.reason,
          hint: fit.hint,
        });
      }
    }
    if (fit.status !== 'cannot')
      out.push(...datapointSql(fit.checked, format, typeof rows === 'string' ? rows : rows(f)));
  }
  return out;
}

/**
 * The hook `ingest` runs inside each file's transaction: every filter's datapoints for that file.
 *
 * @example await ingest(store, paths, { derive: deriveDatapoints(filters) })
 */
export function deriveDatapoints(
  filters: readonly CheckedMetricFilter[],
  onMismatch?: OnMismatch,
): DeriveSql | undefined {
  if (filters.length === 0) return undefined;
  const fits = new Map<string, FilterFit>();
  return (format, rows) => fittedSql(filters, format, rows, fits, onMismatch);
}

/**
 * Recomputes datapoints over every stored record in one transaction. With `all`, every existing filter datapoint is
 * deleted first (filters no longer configured lose theirs); otherwise only those of `filters`.
 *
 * @example await backfill(store, filters, true)
 */
export async function backfill(
  store: Store,
  filters: readonly CheckedMetricFilter[],
  all: boolean,
  onMismatch?: OnMismatch,
  /** The source names whose records belong to a log group (src/ingest/sources/log-group.ts); by default only the API's. */
  sourcesOf: (group: string) => readonly string[] = (g) => [apiSource(g)],
): Promise<void> {
  const fits = new Map<string, FilterFit>();
  await store.rebuild((files) => {
    const out: string[] = [
      all
        ? // Custom metrics (PutMetricData, file_id 0) are data, not derived: they stay.
          'DELETE FROM metric_datapoints WHERE file_id <> 0'
        : `DELETE FROM metric_datapoints WHERE filter_name IN (${filters.map((f) => literal(f.filter.name)).join(', ')})`,
    ];
    // Files of one format and record table are computed together.
    const groups = new Map<string, { format: string; table: string }>();
    for (const f of files) groups.set(`${f.table}\n${f.format}`, { format: f.format, table: f.table });
    for (const g of groups.values()) {
      const format = parseFormat(g.format);
      const rows = (f: CheckedMetricFilter) => {
        const group = f.filter.logGroup;
        // A filter of a log group counts only the records its group's sources delivered.
        const scope =
          group === undefined
            ? ''
            : ` AND file_id IN (SELECT file_id FROM source_keys WHERE source IN (${sourcesOf(group).map(literal).join(', ')}))`;
        return `(SELECT * FROM ${ident(g.table)} WHERE file_id IN (SELECT id FROM files WHERE format = ${literal(g.format)} AND record_table = ${literal(g.table)})${scope})`;
      };
      out.push(...fittedSql(filters, format, rows, fits, onMismatch));
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
  /** Only the datapoints of these filter names (a request's Unit: src/api/cloudwatch.ts); undefined: all. */
  filterNames?: readonly string[],
): Promise<MinuteSet[]> {
  if (!(await store.hasTable('metric_datapoints'))) return [];
  if (filterNames !== undefined && filterNames.length === 0) return [];
  const sql =
    filterNames === undefined
      ? MINUTE_SETS_SQL
      : MINUTE_SETS_SQL.replace(
          'WHERE namespace = $1',
          `WHERE filter_name IN (${filterNames.map(literal).join(', ')}) AND namespace = $1`,
        );
  const r = await store.query(sql, [
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

/** The formats of the stored files, with how many files have each. */
export async function storedFormats(store: Store): Promise<{ format: string; files: number }[]> {
  if (!(await store.hasTable('files'))) return [];
  const r = await store.query(`SELECT format, count(*) AS n FROM files GROUP BY format ORDER BY format`);
  return r.rows.map((row) => ({ format: String(row['format']), files: Number(row['n']) }));
}

/**
 * The formats a filter may meet: the default format, the formats declared by the configured sources and those
 * of the stored files (each once, named after where it was seen).
 *
 * @example knownFormats(config.sources, await storedFormats(store)).map((k) => k.origin) // ['default', 'store: 2 files']
 */
export function knownFormats(
  sources: readonly { readonly name: string; readonly format?: string | undefined }[],
  stored: readonly { format: string; files: number }[],
): KnownFormat[] {
  const out: { format: Format; origins: string[] }[] = [{ format: DEFAULT, origins: ['default'] }];
  const add = (format: Format, origin: string) => {
    const seen = out.find((k) => sameFormat(k.format, format));
    if (seen) seen.origins.push(origin);
    else out.push({ format, origins: [origin] });
  };
  for (const s of sources) if (s.format !== undefined) add(parseFormat(s.format), `source ${s.name}`);
  for (const s of stored) add(parseFormat(s.format), `store: ${s.files} file${s.files === 1 ? '' : 's'}`);
  return out.map((k) => ({ format: k.format, origin: k.origins.join(', ') }));
}

/**
 * What to say when a metric has no datapoint at all: the stored metrics (a misspelt name is the usual cause), or
 * that none is stored yet and how to make them.
 */
export async function unknownMetricNote(store: Store, namespace: string, name: string): Promise<string> {
  const known = (await store.hasTable('metric_datapoints'))
    ? (
        await store.query('SELECT DISTINCT namespace, metric FROM metric_datapoints ORDER BY 1, 2 LIMIT 20')
      ).rows.map((r) => `${String(r['namespace'])}/${String(r['metric'])}`)
    : [];
  if (known.length === 0)
    return `No datapoint of ${namespace}/${name}: the store holds no metric datapoints yet. Define a metric filter (flowwatch metric-filter put ...) and compute it over the stored records with flowwatch metrics backfill`;
  return `No datapoint of ${namespace}/${name} is stored (names are case-sensitive); the stored metrics are: ${known.join(', ')}`;
}

// Metric filters → DuckDB SQL: the INSERTs that turn stored records into per-minute datapoints, and the query
// that aggregates datapoints into periods. Values reach SQL only through literal()/ident().

import type { DelimitedPattern } from '../filter/ast.js';
import { patternToSql } from '../filter/index.js';
import { NUMBER } from '../filter/parser.js';
import type { Format, FormatField } from '../records/format.js';
import { ident, literal } from '../storage/sql.js';
import type { CheckedMetricFilter } from './metric-filter.js';

/** The field of the format each named slot of a `[...]` pattern binds to (slots after `...` count from the end). */
function slotFields(pattern: DelimitedPattern, format: Format): Map<string, FormatField> {
  const slots = pattern.slots;
  const n = format.fields.length;
  const ell = slots.findIndex((s) => s.kind === 'ellipsis');
  const before = ell < 0 ? slots.length : ell;
  const out = new Map<string, FormatField>();
  slots.forEach((s, i) => {
    if (s.kind !== 'field' || s.name === undefined) return;
    const f = format.fields[i < before ? i : n - (slots.length - i)];
    if (f) out.set(s.name, f);
  });
  return out;
}

/** A field's record text (`-` for NULL), as the matcher extracts it. */
function textSql(f: FormatField): string {
  if (!f.def) return `coalesce(extra[${literal(f.key)}], '-')`;
  const col = ident(f.def.column);
  return f.def.type === 'string' ? `coalesce(${col}, '-')` : `coalesce(CAST(${col} AS VARCHAR), '-')`;
}

/** A field's numeric value, NULL when its text is not a number (such records emit no datapoint). */
function numberSql(f: FormatField): string {
  if (f.def && f.def.type !== 'string') return `CAST(${ident(f.def.column)} AS DOUBLE)`;
  const raw = f.def ? ident(f.def.column) : `extra[${literal(f.key)}]`;
  return `TRY_CAST(CASE WHEN regexp_full_match(${raw}, ${literal(NUMBER.source)}) THEN ${raw} END AS DOUBLE)`;
}

/** JSON string escaping in SQL (flow log fields hold no control characters: those lines are rejected). */
function jsonString(expr: string): string {
  return `replace(replace(${expr}, '\\', '\\\\'), '"', '\\"')`;
}

/**
 * The dimensions of a datapoint as canonical JSON text: keys sorted, no spaces (`{"Action":"REJECT"}`).
 *
 * @example canonicalDimensions({ b: '2', a: '1' }) // '{"a":"1","b":"2"}'
 */
export function canonicalDimensions(dims: Readonly<Record<string, string>>): string {
  const keys = Object.keys(dims).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(dims[k])}`).join(',')}}`;
}

/**
 * The statements that compute a filter's datapoints for the records in `rows` (a relation over one record
 * table, read with `format`): one row per file, minute (the record's event time truncated, as CloudWatch
 * uses the log event's timestamp) and dimension set, plus a default-value row per file and minute that had
 * records but no match. Every record has an event time (src/records/event-time.ts), so a format without
 * `start` counts too; matches whose value field is not a number give no datapoint (but still count as matches).
 *
 * @example datapointSql(checked, DEFAULT, '(SELECT * FROM "flows_1" WHERE file_id = 3)') // ['INSERT INTO metric_datapoints ...']
 */
export function datapointSql(c: CheckedMetricFilter, format: Format, rows: string): string[] {
  // JSON patterns never match a flow log record, which is not JSON.
  const predicate = c.pattern.kind === 'json' ? 'false' : patternToSql(c.pattern, format);
  const fields =
    c.pattern.kind === 'delimited' ? slotFields(c.pattern, format) : new Map<string, FormatField>();
  const field = (name: string) => fields.get(name);
  let value: string;
  if (c.valueField !== undefined) {
    const f = field(c.valueField);
    value = f ? numberSql(f) : 'NULL::DOUBLE';
  } else {
    value = `CAST(${literal(String(c.literalValue))} AS DOUBLE)`;
  }
  const dimParts = c.dimensionFields.map(([k, slot], i) => {
    const f = field(slot);
    return `${literal(`${i === 0 ? '' : ','}${JSON.stringify(k)}:"`)} || ${jsonString(f ? textSql(f) : `'-'`)} || '"'`;
  });
  const dims = dimParts.length === 0 ? `'{}'` : `'{' || ${dimParts.join(' || ')} || '}'`;
  const f = c.filter;
  const head = `INSERT INTO metric_datapoints (filter_name, namespace, metric, dimensions, minute, file_id, is_default, sample_count, sum_value, min_value, max_value)`;
  const ids = `${literal(f.name)}, ${literal(f.metricNamespace)}, ${literal(f.metricName)}`;
  const src = `SELECT file_id, to_timestamp((event_time // 60) * 60) AS minute, coalesce(${predicate}, false) AS hit
  FROM ${rows} WHERE event_time IS NOT NULL`;
  const out = [
    `${head}
SELECT ${ids}, dims, minute, file_id, false, count(*), sum(v), min(v), max(v)
FROM (SELECT file_id, to_timestamp((event_time // 60) * 60) AS minute, ${dims} AS dims, ${value} AS v
  FROM ${rows} WHERE event_time IS NOT NULL AND coalesce(${predicate}, false))
WHERE v IS NOT NULL
GROUP BY file_id, minute, dims`,
  ];
  if (f.defaultValue !== undefined) {
    const d = `CAST(${literal(String(f.defaultValue))} AS DOUBLE)`;
    out.push(`${head}
SELECT ${ids}, '{}', minute, file_id, true, 1, ${d}, ${d}, ${d}
FROM (${src})
GROUP BY file_id, minute
HAVING NOT bool_or(hit)`);
  }
  return out;
}

/** Statistics of GetMetricStatistics. */
export const STATISTICS = ['SampleCount', 'Sum', 'Average', 'Minimum', 'Maximum'] as const;
export type Statistic = (typeof STATISTICS)[number];

/** The resolved per-minute datapoints of one metric and dimension set ($1..$5: namespace, metric, dimensions, since, until). */
const RESOLVED = `WITH dp AS (
  SELECT * FROM metric_datapoints
  WHERE namespace = $1 AND metric = $2 AND dimensions = $3
    AND ($4::BIGINT IS NULL OR minute >= to_timestamp($4::BIGINT))
    AND ($5::BIGINT IS NULL OR minute < to_timestamp($5::BIGINT))
), real AS (
  SELECT filter_name, minute, sample_count, sum_value, min_value, max_value FROM dp WHERE NOT is_default
), defaults AS (
  SELECT filter_name, minute, 1 AS sample_count, max(sum_value) AS sum_value, max(min_value) AS min_value,
    max(max_value) AS max_value
  FROM dp d WHERE is_default
    AND NOT EXISTS (SELECT 1 FROM real r WHERE r.filter_name = d.filter_name AND r.minute = d.minute)
  GROUP BY filter_name, minute
), resolved AS (SELECT * FROM real UNION ALL SELECT * FROM defaults)`;

/**
 * SQL for a metric's statistic set per minute (sample count, sum, minimum, maximum), what alarms evaluate.
 * Parameters as {@link periodQuerySql}.
 */
export const MINUTE_SETS_SQL = `${RESOLVED}
SELECT epoch(minute)::BIGINT AS ts, sum(sample_count)::DOUBLE AS n, sum(sum_value) AS s, min(min_value) AS mn,
  max(max_value) AS mx
FROM resolved GROUP BY 1 ORDER BY 1`;

/**
 * The query aggregating a metric's datapoints into periods: parameters $1 namespace, $2 metric, $3 the
 * canonical dimensions, $4/$5 since/until (unix seconds or NULL). Default-value rows of a filter count
 * only for minutes in which that filter has no real datapoint from any file (one default per minute).
 *
 * @example periodQuerySql('Sum', 300)
 */
export function periodQuerySql(stat: Statistic, period: number): string {
  const agg: Record<Statistic, string> = {
    SampleCount: 'sum(sample_count)::DOUBLE',
    Sum: 'sum(sum_value)',
    Average: 'sum(sum_value) / sum(sample_count)',
    Minimum: 'min(min_value)',
    Maximum: 'max(max_value)',
  };
  const p = Math.trunc(period);
  return `${RESOLVED}
SELECT to_timestamp((epoch(minute)::BIGINT // ${p}) * ${p}) AS timestamp, ${agg[stat]} AS value
FROM resolved GROUP BY 1 ORDER BY 1`;
}

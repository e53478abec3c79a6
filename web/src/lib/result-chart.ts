// Charts of query results: `stats ... by bin()` results as a time series (one line per numeric column,
// split by the other group columns; empty buckets are gaps; bytes beside counts on a second axis), other
// aggregated results as bars.

import type { QueryResponse } from '../../../src/server/api-contract.js';
import { barOption, type ChartOption, type TimeSeries, timeSeriesOption } from './chart-options.js';
import { formatBytes as bytesFormat, formatCell, isNumeric, parseTimeValue } from './format.js';

/** At most this many lines (the largest by total) and bars. */
export const MAX_SERIES = 12;
export const MAX_BARS = 40;
/** Gaps are filled in (as nulls) up to this many buckets. */
export const MAX_FILLED_BUCKETS = 5000;

/**
 * Splits result columns into group keys (first) and measures (the trailing numeric columns), as `stats`
 * outputs them. A numeric column named like a field (e.g. `dstPort`) ahead of the last column is a key.
 *
 * @example splitColumns(['srcAddr', 'count(*)'], rows, fields) // { keys: ['srcAddr'], measures: ['count(*)'] }
 */
export function splitColumns(
  columns: readonly string[],
  rows: readonly Record<string, unknown>[],
  fieldNames: ReadonlySet<string>,
): { keys: string[]; measures: string[] } {
  const numeric = (c: string) =>
    rows.some((r) => r[c] !== null && r[c] !== undefined) &&
    rows.every((r) => r[c] === null || r[c] === undefined || isNumeric(r[c]));
  let k = columns.length;
  for (let i = columns.length - 1; i >= 0; i--) {
    const c = columns[i]!;
    if (!numeric(c)) break;
    if (i < columns.length - 1 && fieldNames.has(c)) break;
    k = i;
  }
  return { keys: columns.slice(0, k), measures: columns.slice(k) };
}

export interface ResultChart {
  readonly option: ChartOption;
  readonly series: number;
  readonly points: number;
  /** Set when lines or bars were left out. */
  readonly note?: string;
}

/** The chart for a result, or undefined when it has none (event rows, nothing numeric). */
export function resultChart(
  res: QueryResponse,
  fieldNames: ReadonlySet<string>,
  range?: { readonly since: number; readonly until: number },
): ResultChart | undefined {
  if (res.rows.length === 0) return undefined;
  if (res.timeSeries && res.columns.includes(res.timeSeries))
    return timeChart(res, res.timeSeries, fieldNames, range);
  if (res.aggregated) return barChart(res, fieldNames);
  return undefined;
}

function timeChart(
  res: QueryResponse,
  time: string,
  fieldNames: ReadonlySet<string>,
  range: { readonly since: number; readonly until: number } | undefined,
): ResultChart | undefined {
  const { keys, measures } = splitColumns(
    res.columns.filter((c) => c !== time),
    res.rows,
    fieldNames,
  );
  if (measures.length === 0) return undefined;
  const lines = new Map<string, [number, number][]>();
  for (const row of res.rows) {
    const t = parseTimeValue(row[time]);
    if (Number.isNaN(t)) continue;
    const group = keys.map((k) => formatCell(k, row[k])).join(' · ');
    for (const m of measures) {
      const name = measures.length > 1 ? (group ? `${m} · ${group}` : m) : group || m;
      let points = lines.get(name);
      if (!points) {
        points = [];
        lines.set(name, points);
      }
      points.push([t, Number(row[m] ?? 0)]);
    }
  }
  // Buckets with no row are gaps (null), not zeros and not a line drawn across them: the bin is the
  // smallest step between two bucket times of the result.
  const times = [...new Set([...lines.values()].flatMap((p) => p.map((x) => x[0])))].sort((a, b) => a - b);
  let step = Number.POSITIVE_INFINITY;
  for (let i = 1; i < times.length; i++) step = Math.min(step, times[i]! - times[i - 1]!);
  const first = times[0] ?? 0;
  const last = times[times.length - 1] ?? 0;
  const fill = Number.isFinite(step) && step > 0 && (last - first) / step <= MAX_FILLED_BUCKETS;
  const withGaps = (points: [number, number][]): [number, number | null][] => {
    const sorted = points.sort((a, b) => a[0] - b[0]);
    if (!fill) return sorted;
    const at = new Map(sorted.map((p) => [p[0], p[1]]));
    const out: [number, number | null][] = [];
    for (let t = first; t <= last; t += step) out.push([t, at.get(t) ?? null]);
    return out;
  };
  const total = (p: [number, number][]) => p.reduce((s, x) => s + Math.abs(x[1]), 0);
  const ranked = [...lines.entries()].sort((a, b) => total(b[1]) - total(a[1]));
  const kept = ranked.slice(0, MAX_SERIES);
  // Bytes and counts differ by orders of magnitude: when both are measured, bytes get the right axis.
  const isBytes = (m: string) => /bytes/i.test(m);
  const mixed = measures.some(isBytes) && !measures.every(isBytes);
  const measureOf = new Map<string, string>();
  for (const m of measures) {
    for (const name of lines.keys()) if (name === m || name.startsWith(`${m} · `)) measureOf.set(name, m);
  }
  const series: TimeSeries[] = kept.map(([name, points]) => ({
    name,
    points: withGaps(points),
    ...(mixed && isBytes(measureOf.get(name) ?? (measures.length === 1 ? measures[0]! : ''))
      ? { axis: 'right' as const }
      : {}),
  }));
  const bytes = measures.every(isBytes);
  return {
    option: timeSeriesOption({
      series,
      format: bytes ? bytesFormat : undefined,
      ...(mixed ? { rightFormat: bytesFormat } : {}),
      // The queried range as the axis: no data at either end shows as empty, not as a zoom on the data.
      ...(range ? { range } : {}),
    }),
    series: series.length,
    points: kept.reduce((s, x) => s + x[1].length, 0),
    note:
      ranked.length > MAX_SERIES
        ? `Showing the ${MAX_SERIES} largest of ${ranked.length} series.`
        : undefined,
  };
}

function barChart(res: QueryResponse, fieldNames: ReadonlySet<string>): ResultChart | undefined {
  const { keys, measures } = splitColumns(res.columns, res.rows, fieldNames);
  if (measures.length === 0) return undefined;
  const rows = res.rows.slice(0, MAX_BARS);
  if (keys.length === 0 && rows.length === 1) {
    // `stats count(*), sum(bytes)` without `by`: one bar per aggregate.
    const row = rows[0]!;
    return {
      option: barOption({
        categories: measures,
        series: [{ name: 'value', values: measures.map((m) => Number(row[m] ?? 0)) }],
      }),
      series: 1,
      points: measures.length,
    };
  }
  const categories = rows.map(
    (row, i) => keys.map((k) => formatCell(k, row[k])).join(' · ') || `row ${i + 1}`,
  );
  const horizontal = categories.some((c) => c.length > 6) || categories.length > 12;
  return {
    option: barOption({
      categories,
      horizontal,
      series: measures.map((m) => ({ name: m, values: rows.map((r) => Number(r[m] ?? 0)) })),
      format: measures.every((m) => /bytes/i.test(m)) ? bytesFormat : undefined,
    }),
    series: measures.length,
    points: rows.length,
    note:
      res.rows.length > MAX_BARS ? `Showing the first ${MAX_BARS} of ${res.rows.length} rows.` : undefined,
  };
}

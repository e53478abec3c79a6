// Runs a Logs Insights query on a store: parse → analyze → plan → DuckDB SQL, executed read-only.

import { missingFieldWarnings, storedColumns } from '../storage/missing-fields.js';
import { emptyRangeNote } from '../storage/range-note.js';
import { Store } from '../storage/store.js';
import { analyze } from './analyze.js';
import { InsightsError } from './errors.js';
import { parseQuery } from './parser.js';
import type { Plan } from './plan.js';
import { toSql } from './to-sql.js';
import { valueWarnings } from './value-check.js';

export interface RunOptions {
  /** Inclusive time range on @timestamp, epoch seconds. */
  readonly since?: number | undefined;
  readonly until?: number | undefined;
  /** The query's start time in epoch seconds (`now()`); defaults to the clock. */
  readonly now?: number;
  /**
   * Only the records delivered by these live sources (source_keys.source of their file): a query scoped to log
   * groups (src/ingest/sources/log-group.ts). Undefined: every record.
   */
  readonly sources?: readonly string[] | undefined;
  /** Also count the records scanned and matched (one more pass over the data each). */
  readonly statistics?: boolean;
}

/** CloudWatch's query statistics. */
export interface QueryStatistics {
  readonly recordsScanned: number;
  readonly recordsMatched: number;
}

export interface InsightsResult {
  /** Result field names, as CloudWatch names them. */
  readonly columns: string[];
  /** One object per row, keyed by result field name. */
  readonly rows: Record<string, unknown>[];
  readonly plan: Plan;
  readonly sql: string;
  readonly statistics?: QueryStatistics;
  readonly elapsedMs: number;
  /**
   * Flow log fields the query reads that no stored record has (their formats lack them), so every record reads
   * them as null: a filter on one matches nothing and a count over it is zero because of the format, not the
   * traffic. One sentence each, with the format fix. First, when no stored record has an event time in the
   * range: where the records are. Empty when neither applies.
   */
  readonly warnings: string[];
}

/** Every column a plan's expressions read (internal names: catalog columns for flow log fields). */
export function columnsRead(plan: Plan): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o['k'] === 'col' && typeof o['name'] === 'string') out.add(o['name']);
      for (const x of Object.values(o)) walk(x);
    }
  };
  walk(plan.stages);
  return out;
}

/**
 * `SOURCE findings` on a store where no detection has run (no findings, no detection_runs row): say so, never an
 * empty answer. After a run that found nothing, no rows is the answer.
 */
async function needFindings(s: Store): Promise<void> {
  const tables = await s.userQuery(
    "SELECT table_name AS t FROM duckdb_tables() WHERE schema_name = 'main' AND table_name IN ('findings', 'detection_runs')",
    10,
  );
  const have = new Set(tables.rows.map((r) => String(r['t'])));
  const count = async (t: string) =>
    have.has(t) ? Number((await s.userQuery(`SELECT count(*) AS n FROM ${t}`, 1)).rows[0]?.['n'] ?? 0) : 0;
  if ((await count('findings')) === 0 && (await count('detection_runs')) === 0)
    throw new InsightsError(
      'NO_FINDINGS',
      'SOURCE findings: this store has no findings: no detection has run on it',
      { start: 0, end: 'SOURCE findings'.length },
      'run flowwatch detect (or the monitor with detections) on this store first',
    );
}

/**
 * Runs a Logs Insights query against a store (a path is opened read-only and closed afterwards).
 * Throws InsightsError for query mistakes and StoreError for store problems.
 *
 * @example const r = await runQuery('flowwatch.duckdb', 'stats count(*) by action'); r.rows
 */
export async function runQuery(
  store: Store | string,
  text: string,
  opts: RunOptions = {},
): Promise<InsightsResult> {
  const started = performance.now();
  const parsed = parseQuery(text);
  const plan = analyze(parsed, opts.now ?? Math.floor(Date.now() / 1000));
  const s = typeof store === 'string' ? await Store.open(store, { readOnly: true }) : store;
  try {
    if (plan.source === 'findings') await needFindings(s);
    const formats =
      plan.fileFields === 'none'
        ? []
        : (await s.userQuery('SELECT DISTINCT format FROM files ORDER BY 1', 100_000)).rows.map((r) =>
            String(r['format']),
          );
    const warnings = [
      ...missingFieldWarnings(columnsRead(plan), await storedColumns(s), (f) => f.insights),
      ...valueWarnings(parsed),
    ];
    // A range without any record answers empty or zero whatever the query: say so, with where the records are.
    const empty = await emptyRangeNote(s, { since: opts.since, until: opts.until });
    if (empty !== undefined) warnings.unshift(empty);
    const compiled = toSql(plan, { formats, since: opts.since, until: opts.until, sources: opts.sources });
    const r = await s.userQuery(compiled.sql, plan.limit);
    let statistics: QueryStatistics | undefined;
    if (opts.statistics) {
      const scanned = await s.userQuery(compiled.scannedSql, 1);
      const matched = await s.userQuery(compiled.matchedSql, 1);
      statistics = {
        recordsScanned: Number(scanned.rows[0]?.['records'] ?? 0),
        recordsMatched: Number(matched.rows[0]?.['records'] ?? 0),
      };
    }
    return {
      columns: plan.output.map((o) => o.name),
      rows: r.rows as Record<string, unknown>[],
      plan,
      sql: compiled.sql,
      ...(statistics ? { statistics } : {}),
      elapsedMs: performance.now() - started,
      warnings,
    };
  } finally {
    if (typeof store === 'string') s.close();
  }
}

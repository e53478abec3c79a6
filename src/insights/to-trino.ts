// The Trino (Amazon Athena engine v3) entry point of Logs Insights: the source relation over an Athena table
// whose columns are the catalog's column names (`athena setup`), under the one SQL renderer (render-sql.ts)
// in the Trino dialect. Differences from DuckDB (see docs/decisions/23-sql-dialect.md): text sorts in plain
// (code point) order, not CloudWatch's natural order; pct() is approx_percentile; there are no file
// tie-breakers (file_id, line); parse, IPv6 and @ingestionTime are refused with INSIGHTS_NO_TRINO.

import { FIELDS } from '../records/catalog.js';
import { trino, UnsupportedSqlError } from '../sql/index.js';
import { ident } from '../storage/sql.js';
import { InsightsError } from './errors.js';
import type { Plan } from './plan.js';
import { type RenderTarget, renderPlan } from './render-sql.js';

export interface TrinoEnv {
  /** The table, possibly qualified (`flowlogs.vpc_flow_logs`); each part is quoted. */
  readonly table: string;
  /** The table's data columns (catalog column names), in order: @message is rebuilt from them. */
  readonly columns: readonly string[];
  /** Inclusive range on the record start (@timestamp), epoch seconds. */
  readonly since?: number | undefined;
  readonly until?: number | undefined;
  /** Extra conditions on partition columns (e.g. `acct = '111122223333'` for an injected projection). */
  readonly partitionFilter?: string | undefined;
}

/** Tie-breaker columns of the DuckDB store that an Athena table does not have. */
const STORE_ONLY = new Set(['file_id', 'line']);

function refuse(what: string): InsightsError {
  return new InsightsError(
    'INSIGHTS_NO_TRINO',
    `${what} cannot run on Athena (the Trino backend)`,
    { start: 0, end: 0 },
    'run it with --engine duckdb on ingested data',
  );
}

const TARGET: RenderTarget = { dialect: trino, eventTime: 'start', missing: STORE_ONLY, refuse };

/**
 * IPv4 subnet membership in Trino (text guard, then the partial octet by integer division). IPv6 is refused.
 *
 * @example subnetTrino('"srcaddr"', 4, [10, 0, 0, 0], 16) // (CASE WHEN strpos("srcaddr", '10.0.') = 1 ...)
 */
export function subnetTrino(x: string, v: 4 | 6, bytes: readonly number[], prefix: number): string {
  try {
    return trino.inCidr(x, { v, bytes, prefix });
  } catch (err) {
    if (err instanceof UnsupportedSqlError) throw refuse(err.feature);
    throw err;
  }
}

/** Every column name the plan reads (to refuse those the table cannot provide). */
function columnsUsed(v: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(v)) for (const x of v) columnsUsed(x, into);
  else if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (o['k'] === 'col' && typeof o['name'] === 'string') into.add(o['name']);
    for (const x of Object.values(o)) columnsUsed(x, into);
  }
  return into;
}

/**
 * Compiles a Plan into Trino SQL over an Athena table (the one `flowwatch athena setup` creates).
 * Throws InsightsError INSIGHTS_NO_TRINO for what the backend cannot render.
 *
 * @example toTrino(analyze(parseQuery('stats count(*) by action'), now), { table: 'vpc_flow_logs', columns: ['action'] })
 */
export function toTrino(plan: Plan, env: TrinoEnv): string {
  // findings live in the local store (flowwatch detect --engine athena stores them there too)
  if (plan.source === 'findings') throw refuse('SOURCE findings (the findings are in the local store)');
  const have = new Set(env.columns);
  // Text tables keep AWS's `-` placeholder in string columns (LazySimpleSerDe only nulls unparsable
  // numbers); Insights treats it as a missing field, so string columns read `-` as NULL.
  const data = env.columns.map((c) =>
    (FIELDS.find((f) => f.column === c)?.type ?? 'string') === 'string'
      ? `nullif(v.${ident(c)}, '-') AS ${ident(c)}`
      : `v.${ident(c)}`,
  );
  const sys: string[] = [`${trino.fromEpochSeconds('v."start"')} AS "__ts"`];
  for (const name of columnsUsed(plan, new Set())) {
    if (name === '__stream') {
      const parts = ['interface_id', 'tgw_attachment_id']
        .filter((c) => have.has(c))
        .map((c) => `v.${ident(c)}`);
      sys.push(
        `${parts.length === 0 ? 'CAST(NULL AS VARCHAR)' : parts.length === 1 ? parts[0] : `coalesce(${parts.join(', ')})`} AS "__stream"`,
      );
    } else if (name === '__msg') {
      const parts = env.columns.map((c) => `coalesce(CAST(v.${ident(c)} AS VARCHAR), '-')`); // as written
      sys.push(`concat_ws(' ', ${parts.join(', ')}) AS "__msg"`);
    } else if (name === '__log') {
      sys.push(
        `(${have.has('account_id') ? `coalesce(v."account_id", 'unknown')` : "'unknown'"} || ':flowwatch') AS "__log"`,
      );
    } else if (name === '__ingest') {
      throw refuse('@ingestionTime');
    }
  }
  if (!have.has('start')) throw refuse('a table without the start field (@timestamp)');
  const where: string[] = [];
  if (env.since !== undefined) where.push(`v."start" >= ${Math.floor(env.since)}`);
  if (env.until !== undefined) where.push(`v."start" <= ${Math.floor(env.until)}`);
  if (env.partitionFilter !== undefined) where.push(`(${env.partitionFilter})`);
  const table = env.table.split('.').map(ident).join('.');
  const base = `SELECT ${[...data, ...sys].join(', ')} FROM ${table} v${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}`;
  const { ctes, body } = renderPlan(plan, TARGET, base);
  return `WITH ${ctes.join(',\n')}\n${body}`;
}

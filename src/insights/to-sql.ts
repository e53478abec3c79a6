// The DuckDB entry point of Logs Insights: the store's source relation (the `flows` view with the system
// fields, the `files` table for @message/@log/@ingestionTime) under the one SQL renderer (render-sql.ts).

import { parseFormat } from '../records/format.js';
import { duckdb } from '../sql/index.js';
import { ident, literal } from '../storage/sql.js';
import { findingsRelationSql } from './findings-source.js';
import type { Plan } from './plan.js';
import { type RenderTarget, renderPlan } from './render-sql.js';

/** What the backend needs to know about the store: the formats of the ingested files (for @message). */
export interface SqlEnv {
  /** Distinct `files.format` values (`${...}` strings). */
  readonly formats: readonly string[];
  /** Inclusive time range on the record's event time (@timestamp), epoch seconds. */
  readonly since?: number | undefined;
  readonly until?: number | undefined;
  /** Only the records of files these live sources delivered (source_keys); undefined: every record. */
  readonly sources?: readonly string[] | undefined;
}

const TARGET: RenderTarget = {
  dialect: duckdb,
  eventTime: 'event_time',
  // DuckDB renders every construct of the language; reaching this is a bug in the renderer.
  refuse: (what) => new Error(`${what} has no DuckDB SQL`),
};

/**
 * Subnet membership with the CIDR known: a cheap text test guards the exact check (CASE evaluates the exact
 * check only for the rows that pass the guard). Missing and invalid addresses give false. `x` is SQL text
 * (a column); the CIDR comes from parseCidr.
 *
 * @example subnetSql('"srcaddr"', 4, [10, 0, 0, 0], 16) // (CASE WHEN starts_with("srcaddr", '10.0.') ...)
 */
export function subnetSql(x: string, v: 4 | 6, bytes: readonly number[], prefix: number): string {
  return duckdb.inCidr(x, { v, bytes, prefix });
}

/** The file-derived system fields (@message, @log, @ingestionTime) over a record relation `r` and files `f`. */
function fileFieldSql(env: SqlEnv, r: string, f: string): Map<string, string> {
  const whens = env.formats.map((text) => {
    const fmt = parseFormat(text);
    const parts = fmt.fields.map((fld) =>
      fld.def
        ? `coalesce(CAST(${r}${ident(fld.def.column)} AS VARCHAR), '-')`
        : `coalesce(${r}extra[${literal(fld.key)}], '-')`,
    );
    return `WHEN ${literal(text)} THEN concat_ws(' ', ${parts.join(', ')})`;
  });
  return new Map([
    ['__msg', whens.length > 0 ? `(CASE ${f}format ${whens.join(' ')} END)` : 'CAST(NULL AS VARCHAR)'],
    [
      '__log',
      `(coalesce(${f}account, ${r}account_id, 'unknown') || ':' || coalesce(${f}flow_log_id, 'flowwatch'))`,
    ],
    ['__ingest', `timezone('UTC', ${f}ingested_at)`],
  ]);
}

/** The time-range condition on the record's event time (@timestamp) and the sources' scope, or `true`. */
function rangeSql(env: SqlEnv, col: string): string {
  const c: string[] = [];
  if (env.since !== undefined) c.push(`${col} >= ${Math.floor(env.since)}`);
  if (env.until !== undefined) c.push(`${col} <= ${Math.floor(env.until)}`);
  if (env.sources !== undefined) {
    const fileId = col.replace(/event_time$/, 'file_id');
    c.push(
      env.sources.length === 0
        ? 'false'
        : `${fileId} IN (SELECT file_id FROM source_keys WHERE source IN (${env.sources.map(literal).join(', ')}))`,
    );
  }
  return c.length > 0 ? c.join(' AND ') : 'true';
}

/** The source relation: every stored record with the system fields. */
function baseSql(plan: Plan, env: SqlEnv): string {
  const sys = `${duckdb.fromEpochSeconds('v.event_time')} AS __ts, coalesce(v.interface_id, v.tgw_attachment_id) AS __stream`;
  if (plan.fileFields === 'early') {
    const ff = fileFieldSql(env, 'v.', 'f.');
    const extra = [...ff].map(([k, v]) => `${v} AS ${k}`).join(', ');
    return `SELECT v.*, ${sys}, ${extra} FROM flows v JOIN files f ON f.id = v.file_id WHERE ${rangeSql(env, 'v.event_time')}`;
  }
  return `SELECT v.*, ${sys} FROM flows v WHERE ${rangeSql(env, 'v.event_time')}`;
}

export interface CompiledSql {
  /** The query. */
  readonly sql: string;
  /** Counts the records in the time range (CloudWatch's recordsScanned) and their bytes. */
  readonly scannedSql: string;
  /** Counts the records that passed the filters (recordsMatched). */
  readonly matchedSql: string;
}

/**
 * Compiles a Plan into DuckDB SQL over the store's `flows` view.
 *
 * @example toSql(analyze(parseQuery('stats count(*) by action'), now), { formats: [] }).sql
 */
export function toSql(plan: Plan, env: SqlEnv): CompiledSql {
  if (plan.source === 'findings') {
    const base = findingsRelationSql(env);
    const { ctes, body } = renderPlan(plan, TARGET, base, undefined);
    return {
      sql: `WITH ${ctes.join(',\n')}\n${body}`,
      scannedSql: `SELECT count(*) AS records FROM (${base})`,
      matchedSql: `WITH ${ctes.slice(0, plan.matchedAfter + 1).join(',\n')}\nSELECT count(*) AS records FROM s${plan.matchedAfter}`,
    };
  }
  const late =
    plan.fileFields === 'late'
      ? { cols: fileFieldSql(env, 't.', 'f.'), join: 'LEFT JOIN files f ON f.id = t.file_id' }
      : undefined;
  const { ctes, body } = renderPlan(plan, TARGET, baseSql(plan, env), late);
  const scanned = `SELECT count(*) AS records FROM flows v WHERE ${rangeSql(env, 'v.event_time')}`;
  return {
    sql: `WITH ${ctes.join(',\n')}\n${body}`,
    scannedSql: scanned,
    matchedSql: `WITH ${ctes.slice(0, plan.matchedAfter + 1).join(',\n')}\nSELECT count(*) AS records FROM s${plan.matchedAfter}`,
  };
}

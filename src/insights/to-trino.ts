// The Trino (Amazon Athena engine v3) backend of Logs Insights: the same Plan as to-sql.ts, rendered as one
// statement of CTEs over an Athena table whose columns are the catalog's column names (`athena setup`).
// Differences from the DuckDB backend: text sorts in plain (code point) order, not CloudWatch's natural
// order; pct() is approx_percentile; there are no file tie-breakers (file_id, line); parse, IPv6 and
// @ingestionTime are refused with INSIGHTS_NO_TRINO.

import { FIELDS } from '../records/catalog.js';
import { ident, literal } from '../storage/sql.js';
import { InsightsError } from './errors.js';
import type { OrderKey, PeriodUnit, Plan, Stage, TExpr } from './plan.js';

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

const V4 =
  '^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$';
const UNIT_S: Partial<Record<PeriodUnit, number>> = { ms: 1e-3, s: 1, m: 60, h: 3600, d: 86400 };
const TRUNC: Partial<Record<PeriodUnit, string>> = { w: 'week', mo: 'month', q: 'quarter', y: 'year' };
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

class Renderer {
  constructor(private readonly qual = '') {}

  private col(name: string): string {
    return `${this.qual}${ident(name)}`;
  }

  value(e: TExpr): string {
    return e.t === 'boolean' ? `coalesce(${this.sql(e)}, false)` : this.sql(e);
  }

  sql(e: TExpr): string {
    switch (e.k) {
      case 'lit':
        if (e.v === null || e.t === 'null') return 'NULL';
        if (typeof e.v === 'number') return Number.isInteger(e.v) ? String(e.v) : `CAST(${e.v} AS DOUBLE)`;
        if (typeof e.v === 'boolean') return e.v ? 'true' : 'false';
        return literal(e.v);
      case 'col':
        return this.col(e.name);
      case 'member':
        throw refuse('parse');
      case 'period':
        throw new Error('a period is not a value');
      case 'fn':
        return this.fn(e.name, e.args);
      case 'subnet':
        return subnetTrino(this.sql(e.e), e.v, e.bytes, e.prefix);
      case 'agg':
        return this.agg(e.name, e.args);
      case 'arith': {
        const l = this.sql(e.l);
        const r = this.sql(e.r);
        if (e.op === '^') return `power(${l}, ${r})`;
        // Trino divides integers as integers; Insights numbers are doubles. x / 0 and x % 0 give null.
        if (e.op === '/') return `(CAST(${l} AS DOUBLE) / nullif(${r}, 0))`;
        if (e.op === '%') return `(${l} % nullif(${r}, 0))`;
        return `(${l} ${e.op} ${r})`;
      }
      case 'neg':
        return `(-${this.sql(e.e)})`;
      case 'cmp':
        return `(${this.sql(e.l)} ${e.op === '!=' ? '<>' : e.op} ${this.sql(e.r)})`;
      case 'logic':
        return `(${this.sql(e.l)} ${e.op.toUpperCase()} ${this.sql(e.r)})`;
      case 'not':
        return `(NOT coalesce(${this.sql(e.e)}, false))`;
      case 'like': {
        const x = this.sql(e.e);
        const test =
          'sub' in e.pattern
            ? `(strpos(${x}, ${literal(e.pattern.sub)}) > 0)`
            : `regexp_like(${x}, ${literal(e.pattern.re)})`;
        return e.negated ? `(NOT ${test})` : test;
      }
      case 'in': {
        if (e.items.length === 0) return e.negated ? `(${this.sql(e.e)} IS NOT NULL)` : 'false';
        const first = e.items[0]!;
        const simple = e.items.every(
          (i) =>
            i.k === 'cmp' &&
            i.r.k === 'lit' &&
            first.k === 'cmp' &&
            JSON.stringify(i.l) === JSON.stringify(first.l),
        );
        if (simple && first.k === 'cmp') {
          const list = e.items.map((i) => this.sql((i as Extract<TExpr, { k: 'cmp' }>).r)).join(', ');
          return `(${this.sql(first.l)} ${e.negated ? 'NOT IN' : 'IN'} (${list}))`;
        }
        const any = `(${e.items.map((i) => this.sql(i)).join(' OR ')})`;
        return e.negated ? `(NOT ${any})` : any;
      }
      case 'cast': {
        const x = this.sql(e.e);
        switch (e.to) {
          case 'number':
            return `TRY_CAST(${x} AS DOUBLE)`;
          case 'string':
            return `CAST(${x} AS VARCHAR)`;
          case 'epochms':
            return `CAST(to_unixtime(${x}) * 1000 AS BIGINT)`;
          case 'boolnum':
            return `if(${x}, 1, 0)`;
        }
        throw new Error('unreachable');
      }
      default: {
        const never: never = e;
        throw new Error(`unhandled expression ${JSON.stringify(never)}`);
      }
    }
  }

  private fn(name: string, args: readonly TExpr[]): string {
    const a = args.map((x) => (x.k === 'period' ? '' : this.sql(x)));
    const [x = '', y = '', z = ''] = a;
    switch (name) {
      case 'abs':
      case 'ceil':
      case 'floor':
      case 'sqrt':
      case 'greatest':
      case 'least':
      case 'coalesce':
      case 'replace':
        return `${name}(${a.join(', ')})`;
      case 'log':
        return `ln(${x})`;
      case 'ispresent':
        return `(${x} IS NOT NULL)`;
      case 'isempty':
        return `(CASE WHEN ${x} IS NULL OR CAST(${x} AS VARCHAR) = '' THEN 1 ELSE 0 END)`;
      case 'isblank':
        return `(CASE WHEN ${x} IS NULL OR regexp_like(CAST(${x} AS VARCHAR), '^\\s*$') THEN 1 ELSE 0 END)`;
      case 'concat':
        return `concat(${args.map((v) => (v.t === 'string' || v.t === 'text' ? this.sql(v) : `CAST(${this.value(v)} AS VARCHAR)`)).join(', ')})`;
      case 'ltrim':
      case 'rtrim':
      case 'trim': {
        if (args.length > 1) throw refuse(`${name}() with a set of characters`);
        const re = name === 'ltrim' ? '^\\s+' : name === 'rtrim' ? '\\s+$' : '^\\s+|\\s+$';
        return `regexp_replace(${x}, '${re}', '')`;
      }
      case 'strlen':
        return `length(${x})`;
      case 'toupper':
        return `upper(${x})`;
      case 'tolower':
        return `lower(${x})`;
      case 'substr':
        return args.length > 2
          ? `substr(${x}, CAST(${y} AS BIGINT) + 1, CAST(${z} AS BIGINT))`
          : `substr(${x}, CAST(${y} AS BIGINT) + 1)`;
      case 'strcontains':
        return `(CASE WHEN strpos(${x}, ${y}) > 0 THEN 1 ELSE 0 END)`;
      case 'datefloor': {
        const p = args[1] as Extract<TExpr, { k: 'period' }>;
        const a0 = args[0]!;
        const secs = UNIT_S[p.unit];
        if (a0.k === 'col' && a0.name === '__ts' && secs !== undefined && Number.isInteger(p.n * secs)) {
          const start = this.col('start');
          return `from_unixtime(${start} - (${start} % ${p.n * secs}))`;
        }
        return floorTs(x, p);
      }
      case 'dateceil': {
        const p = args[1] as Extract<TExpr, { k: 'period' }>;
        const fl = floorTs(x, p);
        return `(CASE WHEN ${fl} = ${x} THEN ${x} ELSE ${addPeriod(fl, p)} END)`;
      }
      case 'frommillis':
        return `from_unixtime(CAST(${x} AS DOUBLE) / 1000)`;
      case 'tomillis':
        return `CAST(to_unixtime(${x}) * 1000 AS BIGINT)`;
      case 'isvalidipv4':
        return `coalesce(regexp_like(${x}, '${V4}'), false)`;
      case 'isvalidip':
      case 'isvalidipv6':
        throw refuse(`${name}()`);
      case '__parse':
        throw refuse('parse');
      default:
        throw refuse(`the function ${name}()`);
    }
  }

  private agg(name: string, args: readonly TExpr[]): string {
    const a0 = args[0];
    const x = a0 && !(a0.k === 'lit' && a0.v === '*') ? this.value(a0) : undefined;
    switch (name) {
      case 'count':
        return x === undefined ? 'count(*)' : `count(${x})`;
      case 'count_distinct':
        return `count(DISTINCT ${x})`;
      case 'sum':
      case 'avg':
      case 'min':
      case 'max':
        return `${name}(${x})`;
      case 'stddev':
        return `stddev_samp(${x})`;
      case 'pct':
        return `approx_percentile(${x}, ${Number((args[1] as { v: number }).v) / 100})`;
      case 'earliest':
        return `min_by(${x}, ${this.sql(args[1]!)})`;
      case 'latest':
        return `max_by(${x}, ${this.sql(args[1]!)})`;
      case 'sortsfirst':
        return `min(${x})`;
      case 'sortslast':
        return `max(${x})`;
      default:
        throw refuse(`the aggregate ${name}()`);
    }
  }

  orderBy(keys: readonly OrderKey[]): string {
    const terms = keys
      .filter((k) => !(k.e.k === 'col' && STORE_ONLY.has(k.e.name)))
      .map((k) => {
        const x = k.e.k === 'col' && k.e.name === '__ts' ? this.col('start') : this.value(k.e);
        return `${x} ${k.desc ? 'DESC' : 'ASC'} NULLS LAST`;
      });
    return terms.length > 0 ? ` ORDER BY ${terms.join(', ')}` : '';
  }
}

function floorTs(x: string, p: Extract<TExpr, { k: 'period' }>): string {
  const secs = UNIT_S[p.unit];
  if (secs !== undefined) {
    const n = p.n * secs;
    return `from_unixtime(floor(to_unixtime(${x}) / ${n}) * ${n})`;
  }
  const unit = TRUNC[p.unit];
  if (unit === undefined || p.n !== 1) throw refuse(`a period of ${p.n}${p.unit}`);
  return `date_trunc('${unit}', ${x})`;
}

function addPeriod(x: string, p: Extract<TExpr, { k: 'period' }>): string {
  const secs = UNIT_S[p.unit];
  if (secs !== undefined) return `date_add('millisecond', ${Math.round(p.n * secs * 1000)}, ${x})`;
  return `date_add('${TRUNC[p.unit]}', ${p.n}, ${x})`;
}

/**
 * IPv4 subnet membership in Trino (text guard, then the partial octet by integer division). IPv6 is refused.
 *
 * @example subnetTrino('"srcaddr"', 4, [10, 0, 0, 0], 16) // (CASE WHEN strpos("srcaddr", '10.0.') = 1 ...)
 */
export function subnetTrino(x: string, v: 4 | 6, bytes: readonly number[], prefix: number): string {
  if (v === 6) throw refuse('an IPv6 subnet test');
  const whole = Math.floor(prefix / 8);
  if (whole >= 4) return `coalesce(${x} = ${literal(bytes.join('.'))}, false)`;
  const guard =
    whole > 0 ? `strpos(${x}, ${literal(`${bytes.slice(0, whole).join('.')}.`)}) = 1` : `${x} IS NOT NULL`;
  const checks = [`regexp_like(${x}, '${V4}')`];
  const rest = prefix % 8;
  if (rest > 0) {
    const div = 2 ** (8 - rest);
    checks.push(
      `TRY_CAST(split_part(${x}, '.', ${whole + 1}) AS INTEGER) / ${div} = ${bytes[whole]! >> (8 - rest)}`,
    );
  }
  return `(CASE WHEN ${guard} THEN coalesce(${checks.join(' AND ')}, false) ELSE false END)`;
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

function stageSql(s: Stage, from: string): string {
  const r = new Renderer();
  switch (s.k) {
    case 'filter':
      return `SELECT * FROM ${from} WHERE ${r.sql(s.cond)}`;
    case 'compute':
      return `SELECT *, ${s.cols.map((c) => `${r.value(c.e)} AS ${ident(c.name)}`).join(', ')} FROM ${from}`;
    case 'stats': {
      const cols = [
        ...s.keys.map((k) => `${r.value(k.e)} AS ${ident(k.name)}`),
        ...s.aggs.map((a) => `${r.sql(a.e)} AS ${ident(a.name)}`),
      ];
      const group = s.keys.length > 0 ? ` GROUP BY ${s.keys.map((_, i) => i + 1).join(', ')}` : '';
      return `SELECT ${cols.join(', ')} FROM ${from}${group}`;
    }
    case 'limit':
      return `SELECT * FROM ${from}${r.orderBy(s.order)} LIMIT ${s.n}`;
    case 'dedup': {
      const keys = s.keys.map((k) => r.value(k));
      return `SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY ${keys.join(', ')}${r.orderBy(s.order)}) AS "__rn" FROM ${from}) WHERE (${keys.map((k) => `${k} IS NULL`).join(' OR ')}) OR "__rn" = 1`;
    }
    default: {
      const never: never = s;
      throw new Error(`unhandled stage ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Compiles a Plan into Trino SQL over an Athena table (the one `flowwatch athena setup` creates).
 * Throws InsightsError INSIGHTS_NO_TRINO for what the backend cannot render.
 *
 * @example toTrino(analyze(parseQuery('stats count(*) by action'), now), { table: 'vpc_flow_logs', columns: ['action'] })
 */
export function toTrino(plan: Plan, env: TrinoEnv): string {
  const have = new Set(env.columns);
  // Text tables keep AWS's `-` placeholder in string columns (LazySimpleSerDe only nulls unparsable
  // numbers); Insights treats it as a missing field, so string columns read `-` as NULL.
  const data = env.columns.map((c) =>
    (FIELDS.find((f) => f.column === c)?.type ?? 'string') === 'string'
      ? `nullif(v.${ident(c)}, '-') AS ${ident(c)}`
      : `v.${ident(c)}`,
  );
  const sys: string[] = ['from_unixtime(v."start") AS "__ts"'];
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
  const ctes = [`s0 AS (${base})`];
  for (const [i, s] of plan.stages.entries()) ctes.push(`s${i + 1} AS (${stageSql(s, `s${i}`)})`);
  const r = new Renderer('t.');
  const cols = plan.output.map((o) => {
    const x =
      o.e.t === 'timestamp'
        ? `substr(date_format(${r.sql(o.e)}, '%Y-%m-%d %H:%i:%s.%f'), 1, 23)`
        : r.value(o.e);
    return `${x} AS ${ident(o.name)}`;
  });
  return `WITH ${ctes.join(',\n')}\nSELECT ${cols.join(', ')} FROM s${plan.stages.length} t${r.orderBy(plan.order)} LIMIT ${plan.limit}`;
}

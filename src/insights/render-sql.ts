// The SQL backend of Logs Insights, for any SQL dialect (src/sql): a Plan becomes one statement, a chain of
// CTEs over a source relation, so that filtering, grouping and sorting all run in the engine. Every boolean
// group is bracketed. to-sql.ts (DuckDB store) and to-trino.ts (Athena table) supply the source relation.

import { bracket, type Dialect, periodSeconds, UnsupportedSqlError } from '../sql/index.js';
import type { OrderKey, Plan, Stage, TExpr } from './plan.js';

/** Where and how a plan is rendered: the dialect and what the source relation (`s0`) provides. */
export interface RenderTarget {
  readonly dialect: Dialect;
  /** The source column of @timestamp's epoch seconds: ordering and whole-second bins use it. */
  readonly eventTime: string;
  /** Source columns that do not exist (Athena has no file_id/line): order keys on them are dropped. */
  readonly missing?: ReadonlySet<string>;
  /** The error for a construct the dialect cannot express; `what` names it as the query wrote it. */
  readonly refuse: (what: string) => Error;
}

/** The rendered plan: the CTEs `s0` (source) … `sN` (last stage) and the final SELECT over `sN`. */
export interface RenderedPlan {
  readonly ctes: readonly string[];
  readonly body: string;
}

/**
 * Columns joined after the final limit (DuckDB's file-derived fields): `cols` maps internal column
 * names to their SQL, `join` follows the limited relation `t` (e.g. `LEFT JOIN files f ON f.id = t.file_id`).
 */
export interface LateColumns {
  readonly cols: ReadonlyMap<string, string>;
  readonly join: string;
}

type Period = Extract<TExpr, { k: 'period' }>;

/** Renders typed expressions; `qual` prefixes column names (the final select), `cols` overrides some. */
class Renderer {
  private readonly d: Dialect;

  constructor(
    private readonly target: RenderTarget,
    private readonly qual = '',
    private readonly cols: ReadonlyMap<string, string> = new Map(),
  ) {
    this.d = target.dialect;
  }

  private col(name: string): string {
    return this.cols.get(name) ?? `${this.qual}${this.d.ident(name)}`;
  }

  /** `make()`, with the dialect's "cannot" turned into the target's refusal naming `what`. */
  private as(what: string, make: () => string): string {
    try {
      return make();
    } catch (err) {
      if (err instanceof UnsupportedSqlError) throw this.target.refuse(what);
      throw err;
    }
  }

  /** An expression used as a value: conditions become true/false, never null. */
  value(e: TExpr): string {
    return e.t === 'boolean' ? `coalesce(${this.sql(e)}, false)` : this.sql(e);
  }

  sql(e: TExpr): string {
    const d = this.d;
    switch (e.k) {
      case 'lit':
        if (e.v === null || e.t === 'null') return 'NULL';
        if (typeof e.v === 'number') return d.number(e.v);
        if (typeof e.v === 'boolean') return e.v ? 'true' : 'false';
        return d.string(e.v);
      case 'col':
        return this.col(e.name);
      case 'member':
        return `${this.col(e.of)}.${d.ident(e.member)}`;
      case 'period':
        throw new Error('a period is not a value');
      case 'fn':
        return this.fn(e.name, e.args);
      case 'subnet': {
        const what = e.v === 6 ? 'an IPv6 subnet test' : 'an IPv4 subnet test';
        return this.as(what, () => d.inCidr(this.sql(e.e), { v: e.v, bytes: e.bytes, prefix: e.prefix }));
      }
      case 'agg':
        return this.agg(e.name, e.args);
      case 'arith': {
        const l = this.sql(e.l);
        const r = this.sql(e.r);
        if (e.op === '^') return d.power(l, r);
        if (e.op === '/') return d.divide(l, r);
        if (e.op === '%') return d.modulo(l, r);
        return `(${l} ${e.op} ${r})`;
      }
      case 'neg':
        return `(-${this.sql(e.e)})`;
      case 'cmp':
        return d.compare(this.sql(e.l), e.op, this.sql(e.r));
      case 'logic':
        return `(${this.sql(e.l)} ${e.op.toUpperCase()} ${this.sql(e.r)})`;
      case 'not':
        // Two-valued logic: a comparison with a missing field is false, so its negation is true.
        return `(NOT coalesce(${this.sql(e.e)}, false))`;
      case 'like': {
        const x = this.sql(e.e);
        const test =
          'sub' in e.pattern
            ? bracket(d.contains(x, d.string(e.pattern.sub)))
            : d.regexMatch(x, e.pattern.re);
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
            return d.tryCast(x, 'double');
          case 'string':
            return d.cast(x, 'varchar');
          case 'epochms':
            return d.toEpochMillis(x);
          case 'boolnum':
            return d.boolToInt(x);
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
    const d = this.d;
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
        return `(CASE WHEN ${x} IS NULL OR ${d.regexFullMatch(`CAST(${x} AS VARCHAR)`, '\\s*')} THEN 1 ELSE 0 END)`;
      case 'concat':
        return `concat(${args.map((v) => (v.t === 'string' || v.t === 'text' ? this.sql(v) : `CAST(${this.value(v)} AS VARCHAR)`)).join(', ')})`;
      case 'ltrim':
      case 'rtrim':
      case 'trim': {
        const side = name === 'ltrim' ? 'left' : name === 'rtrim' ? 'right' : 'both';
        if (args.length > 1)
          return this.as(`${name}() with a set of characters`, () => d.trimChars(x, side, y));
        return d.trimWhitespace(x, side);
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
        return `(CASE WHEN ${d.contains(x, y)} THEN 1 ELSE 0 END)`;
      case 'datefloor': {
        const p = args[1] as Period;
        const a0 = args[0]!;
        // On @timestamp (whole seconds of the event time), periods of whole seconds need integer arithmetic only.
        const secs = periodSeconds(p);
        if (a0.k === 'col' && a0.name === '__ts' && secs !== undefined) {
          const start = this.col(this.target.eventTime);
          return d.fromEpochSeconds(`${start} - (${start} % ${secs})`);
        }
        return this.as(periodText(p), () => d.floorTimestamp(x, p));
      }
      case 'dateceil': {
        const p = args[1] as Period;
        const fl = this.as(periodText(p), () => d.floorTimestamp(x, p));
        return `(CASE WHEN ${fl} = ${x} THEN ${x} ELSE ${d.addPeriod(fl, p)} END)`;
      }
      case 'frommillis':
        return d.fromEpochMillis(x);
      case 'tomillis':
        return d.toEpochMillis(x);
      case 'isvalidip':
        return this.as('isvalidip()', () => d.isIp(x));
      case 'isvalidipv4':
        return d.isIpv4(x);
      case 'isvalidipv6':
        return this.as('isvalidipv6()', () => d.isIpv6(x));
      case '__parse': {
        const re = (args[1] as { v: string }).v;
        const n = Number((args[2] as { v: number }).v);
        const names = Array.from({ length: n }, (_, i) => `g${i + 1}`);
        return this.as('parse', () => d.regexExtractGroups(x, re, names));
      }
      default:
        throw this.target.refuse(`the function ${name}()`);
    }
  }

  private agg(name: string, args: readonly TExpr[]): string {
    const d = this.d;
    const a0 = args[0];
    const x = a0 && !(a0.k === 'lit' && a0.v === '*') ? this.value(a0) : undefined;
    switch (name) {
      case 'count':
        return x === undefined ? 'count(*)' : `count(${x})`;
      case 'count_distinct':
        return d.countDistinct(x!);
      case 'sum':
      case 'avg':
        return `${name}(${x})`;
      case 'min':
      case 'max':
        // Text compares in CloudWatch's natural order where the dialect has it.
        if (a0 && (a0.t === 'string' || a0.t === 'text') && this.natural()) {
          return this.sortsFirst(a0, name === 'max');
        }
        return `${name}(${x})`;
      case 'stddev':
        return d.stddev(x!);
      case 'pct':
        return d.percentile(x!, Number((args[1] as { v: number }).v) / 100);
      case 'earliest':
      case 'latest': {
        // args: the value, @timestamp, then the store's tie-breakers (file, line) where the source has them.
        const [, ts, ...ties] = args;
        const latest = name === 'latest';
        if (d.firstOrdered) {
          const terms = [
            `${this.sql(ts!)} ${latest ? 'DESC' : 'ASC'}`,
            ...ties.filter((t) => !this.isMissing(t)).map((t) => this.sql(t)),
          ];
          return d.firstOrdered(x!, terms.join(', '));
        }
        return latest ? d.argMax(x!, this.sql(ts!)) : d.argMin(x!, this.sql(ts!));
      }
      case 'sortsfirst':
      case 'sortslast':
        if (this.natural()) return this.sortsFirst(a0!, name === 'sortslast');
        return `${name === 'sortslast' ? 'max' : 'min'}(${x})`;
      default:
        throw this.target.refuse(`the aggregate ${name}()`);
    }
  }

  /** The dialect sorts text in natural order and has the ordered aggregate sortsFirst needs. */
  private natural(): boolean {
    return this.d.naturalSortKeys !== undefined && this.d.firstOrdered !== undefined;
  }

  private sortsFirst(e: TExpr, last: boolean): string {
    const x = this.sql(e);
    const keys = this.order([{ e, desc: last }]);
    return this.d.firstOrdered!(x, keys);
  }

  private isMissing(e: TExpr): boolean {
    return e.k === 'col' && this.target.missing?.has(e.name) === true;
  }

  /** ` ORDER BY ...` for the keys, or nothing when there are none. */
  orderBy(keys: readonly OrderKey[]): string {
    const terms = this.order(keys);
    return terms !== '' ? ` ORDER BY ${terms}` : '';
  }

  /** ORDER BY terms: CloudWatch's natural order for text (where the dialect has it); missing values last. */
  order(keys: readonly OrderKey[]): string {
    return keys
      .filter((k) => !this.isMissing(k.e))
      .flatMap((k) => {
        const dir = k.desc ? 'DESC' : 'ASC';
        // @timestamp orders as the event time it is made from (cheaper than the timestamp).
        const x = k.e.k === 'col' && k.e.name === '__ts' ? this.col(this.target.eventTime) : this.value(k.e);
        const natural = this.d.naturalSortKeys;
        if ((k.e.t !== 'string' && k.e.t !== 'text') || k.plain || natural === undefined) {
          return [`${x} ${dir} NULLS LAST`];
        }
        return natural(x).map((key) => `${key} ${dir} NULLS LAST`);
      })
      .join(', ');
  }
}

/** How the query names a period it cannot render (`a period of 2w`). */
function periodText(p: Period): string {
  return `a period of ${p.n}${p.unit}`;
}

function stageSql(target: RenderTarget, s: Stage, from: string): string {
  const r = new Renderer(target);
  const d = target.dialect;
  switch (s.k) {
    case 'filter':
      return `SELECT * FROM ${from} WHERE ${r.sql(s.cond)}`;
    case 'compute':
      return `SELECT *, ${s.cols.map((c) => `${r.value(c.e)} AS ${d.ident(c.name)}`).join(', ')} FROM ${from}`;
    case 'stats': {
      const cols = [
        ...s.keys.map((k) => `${r.value(k.e)} AS ${d.ident(k.name)}`),
        ...s.aggs.map((a) => `${r.sql(a.e)} AS ${d.ident(a.name)}`),
      ];
      const group = s.keys.length > 0 ? ` GROUP BY ${s.keys.map((_, i) => i + 1).join(', ')}` : '';
      return `SELECT ${cols.join(', ')} FROM ${from}${group}`;
    }
    case 'limit':
      return `SELECT * FROM ${from}${r.orderBy(s.order)} LIMIT ${s.n}`;
    case 'dedup':
      return d.firstRowPerGroup(
        from,
        s.keys.map((k) => r.value(k)),
        r.orderBy(s.order),
      );
    default: {
      const never: never = s;
      throw new Error(`unhandled stage ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Renders a Plan over the source relation `source` (a SELECT: the CTE `s0`) in the target's dialect.
 * Throws the target's refusal for what the dialect cannot express.
 *
 * @example renderPlan(plan, { dialect: duckdb, eventTime: 'event_time', refuse }, 'SELECT * FROM flows').body
 */
export function renderPlan(
  plan: Plan,
  target: RenderTarget,
  source: string,
  late?: LateColumns,
): RenderedPlan {
  try {
    const d = target.dialect;
    const ctes: string[] = [`s0 AS (${source})`];
    for (const [i, s] of plan.stages.entries()) ctes.push(`s${i + 1} AS (${stageSql(target, s, `s${i}`)})`);
    const last = `s${plan.stages.length}`;
    const fmt = (e: TExpr, r: Renderer): string =>
      e.t === 'timestamp' ? d.formatTimestamp(r.sql(e)) : r.value(e);
    const r = new Renderer(target, 't.', late?.cols);
    const cols = plan.output.map((o) => `${fmt(o.e, r)} AS ${d.ident(o.name)}`);
    const body = late
      ? `SELECT ${cols.join(', ')} FROM (SELECT * FROM ${last}${new Renderer(target).orderBy(plan.order)} LIMIT ${plan.limit}) t ${late.join}${r.orderBy(plan.order)}`
      : `SELECT ${cols.join(', ')} FROM ${last} t${r.orderBy(plan.order)} LIMIT ${plan.limit}`;
    return { ctes, body };
  } catch (err) {
    if (err instanceof UnsupportedSqlError) throw target.refuse(err.feature);
    throw err;
  }
}

// The DuckDB backend of Logs Insights: a Plan becomes one SQL statement (a chain of CTEs over the `flows`
// view) so that filtering, grouping and sorting all run inside DuckDB. Every boolean group is bracketed.

import { parseFormat } from '../records/format.js';
import { ident, literal } from '../storage/sql.js';
import type { OrderKey, PeriodUnit, Plan, Stage, TExpr } from './plan.js';

/** What the backend needs to know about the store: the formats of the ingested files (for @message). */
export interface SqlEnv {
  /** Distinct `files.format` values (`${...}` strings). */
  readonly formats: readonly string[];
  /** Inclusive time range on the record's event time (@timestamp), epoch seconds. */
  readonly since?: number | undefined;
  readonly until?: number | undefined;
}

const V4 =
  '((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const NUMBER_VALUE = '[0-9]+(\\.[0-9]+)?';
const UNIT_US: Partial<Record<PeriodUnit, number>> = { ms: 1e3, s: 1e6, m: 60e6, h: 3600e6, d: 86400e6 };
const TS_FORMAT = '%Y-%m-%d %H:%M:%S.%g';

/** Renders typed expressions; `qual` prefixes column names (the final select), `cols` overrides some. */
class Renderer {
  constructor(
    private readonly qual = '',
    private readonly cols: ReadonlyMap<string, string> = new Map(),
  ) {}

  private col(name: string): string {
    return this.cols.get(name) ?? `${this.qual}${ident(name)}`;
  }

  /** An expression used as a value: conditions become true/false, never null. */
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
        return `${this.col(e.of)}.${ident(e.member)}`;
      case 'period':
        throw new Error('a period is not a value');
      case 'fn':
        return this.fn(e.name, e.args);
      case 'subnet':
        return subnetSql(this.sql(e.e), e.v, e.bytes, e.prefix);
      case 'agg':
        return this.agg(e.name, e.args);
      case 'arith': {
        const l = this.sql(e.l);
        const r = this.sql(e.r);
        if (e.op === '^') return `pow(${l}, ${r})`;
        // Division and modulo by zero give null (DuckDB would give an infinity for / on doubles).
        if (e.op === '/' || e.op === '%') return `(${l} ${e.op} nullif(${r}, 0))`;
        return `(${l} ${e.op} ${r})`;
      }
      case 'neg':
        return `(-${this.sql(e.e)})`;
      case 'cmp':
        return `(${this.sql(e.l)} ${e.op} ${this.sql(e.r)})`;
      case 'logic':
        return `(${this.sql(e.l)} ${e.op.toUpperCase()} ${this.sql(e.r)})`;
      case 'not':
        // Two-valued logic: a comparison with a missing field is false, so its negation is true.
        return `(NOT coalesce(${this.sql(e.e)}, false))`;
      case 'like': {
        const x = this.sql(e.e);
        const test =
          'sub' in e.pattern
            ? `contains(${x}, ${literal(e.pattern.sub)})`
            : `regexp_matches(${x}, ${literal(e.pattern.re)})`;
        return e.negated ? `(NOT ${test})` : test;
      }
      case 'in': {
        const simple = e.items.every(
          (i) =>
            i.k === 'cmp' &&
            i.r.k === 'lit' &&
            JSON.stringify(i.l) === JSON.stringify(e.items[0]!.k === 'cmp' ? e.items[0]!.l : null),
        );
        if (e.items.length === 0) return e.negated ? `(${this.sql(e.e)} IS NOT NULL)` : 'false';
        if (simple) {
          const first = e.items[0] as Extract<TExpr, { k: 'cmp' }>;
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
            return `epoch_ms(${x})`;
          case 'boolnum':
            return `CAST(${x} AS INTEGER)`;
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
        return `(CASE WHEN ${x} IS NULL OR regexp_full_match(CAST(${x} AS VARCHAR), '\\s*') THEN 1 ELSE 0 END)`;
      case 'concat':
        return `concat(${args.map((v) => (v.t === 'string' || v.t === 'text' ? this.sql(v) : `CAST(${this.value(v)} AS VARCHAR)`)).join(', ')})`;
      case 'ltrim':
        return args.length > 1 ? `ltrim(${x}, ${y})` : `regexp_replace(${x}, '^\\s+', '')`;
      case 'rtrim':
        return args.length > 1 ? `rtrim(${x}, ${y})` : `regexp_replace(${x}, '\\s+$', '')`;
      case 'trim':
        return args.length > 1 ? `trim(${x}, ${y})` : `regexp_replace(${x}, '^\\s+|\\s+$', '', 'g')`;
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
        return `(CASE WHEN contains(${x}, ${y}) THEN 1 ELSE 0 END)`;
      case 'datefloor': {
        const p = args[1] as Extract<TExpr, { k: 'period' }>;
        const us = UNIT_US[p.unit];
        const a0 = args[0]!;
        // On @timestamp (whole seconds of the event time), periods of whole seconds need integer arithmetic only.
        if (a0.k === 'col' && a0.name === '__ts' && us !== undefined && (p.n * us) % 1e6 === 0) {
          const secs = (p.n * us) / 1e6;
          const start = this.col('event_time');
          return `make_timestamp((${start} - (${start} % ${secs})) * 1000000)`;
        }
        return floorTs(x, p);
      }
      case 'dateceil': {
        const p = args[1] as Extract<TExpr, { k: 'period' }>;
        const fl = floorTs(x, p);
        return `(CASE WHEN ${fl} = ${x} THEN ${x} ELSE ${fl} + ${interval(p)} END)`;
      }
      case 'frommillis':
        return `make_timestamp(CAST(${x} AS BIGINT) * 1000)`;
      case 'tomillis':
        return `epoch_ms(${x})`;
      case 'isvalidip':
        return `(CASE WHEN contains(${x}, ':') THEN ${ipv6Hex(x)} IS NOT NULL ELSE coalesce(regexp_full_match(${x}, '${V4}'), false) END)`;
      case 'isvalidipv4':
        return `coalesce(regexp_full_match(${x}, '${V4}'), false)`;
      case 'isvalidipv6':
        return `(CASE WHEN contains(${x}, ':') THEN ${ipv6Hex(x)} IS NOT NULL ELSE false END)`;
      case '__parse': {
        const re = (args[1] as { v: string }).v;
        const n = Number((args[2] as { v: number }).v);
        const names = Array.from({ length: n }, (_, i) => literal(`g${i + 1}`)).join(', ');
        return `(CASE WHEN regexp_matches(${x}, ${literal(re)}) THEN regexp_extract(${x}, ${literal(re)}, [${names}]) END)`;
      }
      default:
        throw new Error(`no SQL for function ${name}`);
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
        return `${name}(${x})`;
      case 'min':
      case 'max':
        if (a0 && (a0.t === 'string' || a0.t === 'text')) return this.sortsFirst(a0, name === 'max');
        return `${name}(${x})`;
      case 'stddev':
        return `stddev_samp(${x})`;
      case 'pct':
        return `quantile_disc(${x}, ${Number((args[1] as { v: number }).v) / 100})`;
      case 'earliest':
      case 'latest': {
        const [, ts, file, line] = args.map((v) => this.sql(v));
        const dir = name === 'latest' ? 'DESC' : 'ASC';
        return `first(${x} ORDER BY ${ts} ${dir}, ${file}, ${line}) FILTER (WHERE ${x} IS NOT NULL)`;
      }
      case 'sortsfirst':
      case 'sortslast':
        return this.sortsFirst(a0!, name === 'sortslast');
      default:
        throw new Error(`no SQL for aggregate ${name}`);
    }
  }

  private sortsFirst(e: TExpr, last: boolean): string {
    const x = this.sql(e);
    const keys = this.order([{ e, desc: last }]);
    return `first(${x} ORDER BY ${keys}) FILTER (WHERE ${x} IS NOT NULL)`;
  }

  /** ` ORDER BY ...` for the keys, or nothing when there are none. */
  orderBy(keys: readonly OrderKey[]): string {
    return keys.length > 0 ? ` ORDER BY ${this.order(keys)}` : '';
  }

  /** ORDER BY terms: CloudWatch's natural order for text, plain order otherwise; missing values last. */
  order(keys: readonly OrderKey[]): string {
    return keys
      .flatMap((k) => {
        const dir = k.desc ? 'DESC' : 'ASC';
        // @timestamp orders as the event time it is made from (cheaper than the timestamp).
        const x = k.e.k === 'col' && k.e.name === '__ts' ? this.col('event_time') : this.value(k.e);
        if ((k.e.t !== 'string' && k.e.t !== 'text') || k.plain) return [`${x} ${dir} NULLS LAST`];
        return [
          `(CASE WHEN ${x} IS NULL THEN NULL WHEN regexp_full_match(${x}, '${NUMBER_VALUE}') THEN 1 ELSE 0 END) ${dir} NULLS LAST`,
          `TRY_CAST(${x} AS DOUBLE) ${dir} NULLS LAST`,
          `list_transform(regexp_extract_all(${x}, '[0-9]+|[^0-9]'), c -> CASE WHEN c[1] BETWEEN '0' AND '9' THEN '0' || lpad(CAST(length(c) AS VARCHAR), 6, '0') || c ELSE c END) ${dir} NULLS LAST`,
        ];
      })
      .join(', ');
  }
}

function interval(p: Extract<TExpr, { k: 'period' }>): string {
  const us = UNIT_US[p.unit];
  if (us !== undefined) return `to_microseconds(${Math.round(p.n * us)})`;
  const months = p.unit === 'mo' ? p.n : p.unit === 'q' ? 3 * p.n : p.unit === 'y' ? 12 * p.n : 0;
  return months > 0 ? `to_months(${months})` : `to_weeks(${p.n})`;
}

/** Rounds a timestamp down to a period: epoch-aligned for ms–d, Monday weeks, calendar months. */
function floorTs(x: string, p: Extract<TExpr, { k: 'period' }>): string {
  const us = UNIT_US[p.unit];
  if (us !== undefined) {
    const n = Math.round(p.n * us);
    return `make_timestamp(CAST(floor(epoch_us(${x}) / ${n}) AS BIGINT) * ${n})`;
  }
  return `time_bucket(${interval(p)}, ${x})`;
}

/** SQL for the 32 hex digits of a valid IPv6 address, NULL otherwise (no embedded IPv4 form). */
function ipv6Hex(x: string): string {
  const side = (s: string) => `(CASE WHEN ${s} = '' THEN []::VARCHAR[] ELSE string_split(${s}, ':') END)`;
  const groups = `(CASE WHEN len(p) = 1 THEN string_split(p[1], ':') ELSE ${side('p[1]')} || list_transform(range(8 - len(${side('p[1]')}) - len(${side('p[2]')})), i -> '0') || ${side('p[2]')} END)`;
  const ok = `(len(p) = 1 OR len(${side('p[1]')}) + len(${side('p[2]')}) <= 7)`;
  return `(list_transform([string_split(lower(${x}), '::')], p -> CASE WHEN len(p) <= 2 AND ${ok} AND regexp_full_match(lower(${x}), '[0-9a-f:]{2,39}') THEN list_transform([${groups}], g -> CASE WHEN len(g) = 8 AND list_bool_and(list_transform(g, s -> regexp_full_match(s, '[0-9a-f]{1,4}'))) THEN array_to_string(list_transform(g, s -> lpad(s, 4, '0')), '') END)[1] END)[1])`;
}

/**
 * Subnet membership with the CIDR known: a cheap text test guards the exact check (CASE evaluates the exact
 * check only for the rows that pass the guard). Missing and invalid addresses give false. `x` is SQL text
 * (a column); the CIDR comes from parseCidr.
 *
 * @example subnetSql('"srcaddr"', 4, [10, 0, 0, 0], 16) // (CASE WHEN starts_with("srcaddr", '10.0.') ...)
 */
export function subnetSql(x: string, v: 4 | 6, bytes: readonly number[], prefix: number): string {
  if (v === 4) {
    const whole = Math.floor(prefix / 8);
    if (whole >= 4) return `coalesce(${x} = ${literal(bytes.join('.'))}, false)`;
    const guard =
      whole > 0 ? `starts_with(${x}, ${literal(`${bytes.slice(0, whole).join('.')}.`)})` : `${x} IS NOT NULL`;
    const checks = [`regexp_full_match(${x}, '${V4}')`];
    const rest = prefix % 8;
    if (rest > 0) {
      checks.push(
        `(TRY_CAST(split_part(${x}, '.', ${whole + 1}) AS INTEGER) >> ${8 - rest}) = ${bytes[whole]! >> (8 - rest)}`,
      );
    }
    return `(CASE WHEN ${guard} THEN coalesce(${checks.join(' AND ')}, false) ELSE false END)`;
  }
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  const whole = Math.floor(prefix / 4);
  const h = ipv6Hex(x);
  const checks = [whole > 0 ? `starts_with(${h}, '${hex.slice(0, whole)}')` : `${h} IS NOT NULL`];
  const rest = prefix % 4;
  if (rest > 0) {
    const nibble = Number.parseInt(hex[whole]!, 16);
    checks.push(
      `((strpos('0123456789abcdef', substr(${h}, ${whole + 1}, 1)) - 1) >> ${4 - rest}) = ${nibble >> (4 - rest)}`,
    );
  }
  return `(CASE WHEN contains(${x}, ':') THEN coalesce(${checks.join(' AND ')}, false) ELSE false END)`;
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
      return `SELECT * FROM ${from} QUALIFY (${keys.map((k) => `${k} IS NULL`).join(' OR ')}) OR row_number() OVER (PARTITION BY ${keys.join(', ')} ${r.orderBy(s.order)}) = 1`;
    }
    default: {
      const never: never = s;
      throw new Error(`unhandled stage ${JSON.stringify(never)}`);
    }
  }
}

/** The time-range condition on the record's event time (@timestamp), or `true`. */
function rangeSql(env: SqlEnv, col: string): string {
  const c: string[] = [];
  if (env.since !== undefined) c.push(`${col} >= ${Math.floor(env.since)}`);
  if (env.until !== undefined) c.push(`${col} <= ${Math.floor(env.until)}`);
  return c.length > 0 ? c.join(' AND ') : 'true';
}

/** The source relation: every stored record with the system fields. */
function baseSql(plan: Plan, env: SqlEnv): string {
  const sys = `make_timestamp(v.event_time * 1000000) AS __ts, coalesce(v.interface_id, v.tgw_attachment_id) AS __stream`;
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
  const ctes: string[] = [`s0 AS (${baseSql(plan, env)})`];
  for (const [i, s] of plan.stages.entries()) ctes.push(`s${i + 1} AS (${stageSql(s, `s${i}`)})`);
  const last = `s${plan.stages.length}`;
  const fmt = (e: TExpr, r: Renderer): string =>
    e.t === 'timestamp' ? `strftime(${r.sql(e)}, '${TS_FORMAT}')` : r.value(e);
  let body: string;
  if (plan.fileFields === 'late') {
    const r = new Renderer('t.', fileFieldSql(env, 't.', 'f.'));
    const inner = new Renderer();
    const cols = plan.output.map((o) => `${fmt(o.e, r)} AS ${ident(o.name)}`);
    body = `SELECT ${cols.join(', ')} FROM (SELECT * FROM ${last}${inner.orderBy(plan.order)} LIMIT ${plan.limit}) t LEFT JOIN files f ON f.id = t.file_id${r.orderBy(plan.order)}`;
  } else {
    const r = new Renderer('t.');
    const cols = plan.output.map((o) => `${fmt(o.e, r)} AS ${ident(o.name)}`);
    body = `SELECT ${cols.join(', ')} FROM ${last} t${r.orderBy(plan.order)} LIMIT ${plan.limit}`;
  }
  const withs = `WITH ${ctes.join(',\n')}\n`;
  const scanned = `SELECT count(*) AS records FROM flows v WHERE ${rangeSql(env, 'v.event_time')}`;
  return {
    sql: `${withs}${body}`,
    scannedSql: scanned,
    matchedSql: `WITH ${ctes.slice(0, plan.matchedAfter + 1).join(',\n')}\nSELECT count(*) AS records FROM s${plan.matchedAfter}`,
  };
}

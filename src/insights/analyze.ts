// Logs Insights analysis: resolves field names (with did-you-mean), types every expression, checks each
// command's place in the pipeline and turns the syntax tree into a Plan of stages.

import { FIELDS } from '../records/catalog.js';
import type { Command, Expr, Item, Query } from './ast.js';
import { InsightsError, type Span } from './errors.js';
import { FINDING_FIELDS, FINDING_SYSTEM } from './findings-source.js';
import { FUNCTIONS, type FunctionDef, findFunction, type VType } from './functions.js';
import { editDistance } from './parser.js';
import type { FileFields, Named, OrderKey, OutputColumn, PeriodUnit, Plan, Stage, TExpr } from './plan.js';

/** Rows returned when the query has no `limit` (CloudWatch's current default). */
export const DEFAULT_LIMIT = 10_000;
/** The largest `limit` (CloudWatch's API maximum). */
export const MAX_LIMIT = 100_000;

type Col = Extract<TExpr, { k: 'col' } | { k: 'member' }>;

/** System fields: internal column and type. Those marked `file` need the `files` table. */
const SYSTEM: Readonly<Record<string, { name: string; t: VType; file: boolean }>> = {
  '@timestamp': { name: '__ts', t: 'timestamp', file: false },
  '@logStream': { name: '__stream', t: 'string', file: false },
  '@message': { name: '__msg', t: 'string', file: true },
  '@log': { name: '__log', t: 'string', file: true },
  '@ingestionTime': { name: '__ingest', t: 'timestamp', file: true },
};
/** The system fields (`@timestamp`, `@message`, ...), for completion. */
export const SYSTEM_FIELDS: readonly string[] = Object.keys(SYSTEM);
const FILE_COLUMNS = new Set(
  Object.values(SYSTEM)
    .filter((s) => s.file)
    .map((s) => s.name),
);

const TS: Col = { k: 'col', t: 'timestamp', name: '__ts' };
const FILE_ID: Col = { k: 'col', t: 'number', name: 'file_id' };
const LINE: Col = { k: 'col', t: 'number', name: 'line' };

const UNITS: Readonly<Record<string, PeriodUnit>> = {};
for (const [unit, names] of Object.entries({
  ms: ['ms', 'msec', 'msecs', 'millisecond', 'milliseconds'],
  s: ['s', 'sec', 'secs', 'second', 'seconds'],
  m: ['m', 'min', 'mins', 'minute', 'minutes'],
  h: ['h', 'hr', 'hrs', 'hour', 'hours'],
  d: ['d', 'day', 'days'],
  w: ['w', 'week', 'weeks'],
  mo: ['mo', 'mon', 'mons', 'month', 'months'],
  q: ['q', 'qtr', 'qtrs', 'quarter', 'quarters'],
  y: ['y', 'yr', 'yrs', 'year', 'years'],
})) {
  for (const n of names) (UNITS as Record<string, PeriodUnit>)[n] = unit as PeriodUnit;
}
const UNIT_CAP: Partial<Record<PeriodUnit, [number, string]>> = {
  ms: [1000, 's'],
  s: [60, 'm'],
  m: [60, 'h'],
  h: [24, 'd'],
};
const UNIT_SECONDS: Partial<Record<PeriodUnit, number>> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

const NUMBER_TEXT = /^-?[0-9]+(\.[0-9]+)?$/;

function catalogType(duckdb: string): VType {
  return duckdb === 'VARCHAR' ? 'string' : 'number';
}

function isNumeric(t: VType): boolean {
  return t === 'number';
}
function isTextual(t: VType): boolean {
  return t === 'string' || t === 'text';
}

interface ExprCtx {
  /** Inside a stats aggregate list: aggregates allowed, bare fields not. */
  readonly stats: boolean;
  /** Inside an aggregate's arguments. */
  readonly inAgg: boolean;
  /** Resolving a bare display field (file fields can then be computed after the limit). */
  readonly display?: boolean;
}

class Analyzer {
  private scope = new Map<string, Col>();
  private aggregated = false;
  private order: OrderKey[] = [
    { e: TS, desc: true },
    { e: FILE_ID, desc: false },
    { e: LINE, desc: false },
  ];
  private groupOrder: OrderKey[] = [];
  private readonly stages: Stage[] = [];
  private counter = 0;
  private fileEarly = false;
  private fileLate = false;
  private hasLimit = false;
  private matchedAfter = -1;
  private timeSeries: string | undefined;
  // Display bookkeeping (see DECISIONS.md rule 18).
  private fieldsList: OutputColumn[] = [];
  private parseList: OutputColumn[] = [];
  private statsList: OutputColumn[] = [];
  private explicit: OutputColumn[] | undefined;

  constructor(
    private readonly q: Query,
    private readonly now: number,
  ) {
    if (q.source === 'findings') {
      for (const f of FINDING_FIELDS) this.scope.set(f.name, { k: 'col', t: f.t, name: f.column });
      for (const [name, s] of Object.entries(FINDING_SYSTEM))
        this.scope.set(name, { k: 'col', t: s.t, name: s.name });
      return;
    }
    for (const f of FIELDS)
      this.scope.set(f.insights, { k: 'col', t: catalogType(f.duckdb), name: f.column });
    for (const [name, s] of Object.entries(SYSTEM)) this.scope.set(name, { k: 'col', t: s.t, name: s.name });
  }

  private fresh(prefix = '_c'): string {
    this.counter++;
    return `${prefix}${this.counter}`;
  }

  private text(span: Span): string {
    return this.q.text.slice(span.start, span.end).trim();
  }

  run(): Plan {
    let dedupAt: Span | undefined;
    for (const c of this.q.commands) {
      if (dedupAt && c.kind !== 'limit') {
        throw new InsightsError(
          'DEDUP_NOT_LAST',
          `${c.kind} cannot follow dedup: only limit may come after dedup`,
          c.span,
          'move the dedup to the end of the query',
        );
      }
      this.command(c);
      if (c.kind === 'dedup') dedupAt = c.span;
    }
    if (this.matchedAfter < 0) this.matchedAfter = this.stages.length;
    const output = this.output();
    const fileFields: FileFields = this.fileEarly
      ? 'early'
      : this.fileLate && output.some((o) => o.e.k === 'col' && FILE_COLUMNS.has(o.e.name))
        ? 'late'
        : 'none';
    return {
      stages: this.stages,
      output,
      order: this.order,
      limit: this.hasLimit ? MAX_LIMIT : DEFAULT_LIMIT,
      fileFields,
      matchedAfter: this.matchedAfter,
      aggregated: this.aggregated,
      ...(this.timeSeries !== undefined ? { timeSeries: this.timeSeries } : {}),
      ...(this.q.source === undefined ? {} : { source: this.q.source }),
    };
  }

  private output(): OutputColumn[] {
    if (this.explicit) return this.explicit;
    let base: OutputColumn[];
    if (this.aggregated) base = this.statsList;
    else if (this.fieldsList.length > 0) base = this.fieldsList;
    else {
      base = ['@timestamp', '@message'].map((name) => ({
        name,
        e: this.resolve(name, { start: 0, end: 0 }, { stats: false, inAgg: false, display: true }),
      }));
    }
    const out = this.aggregated
      ? [...base, ...this.fieldsList, ...this.parseList]
      : [...base, ...this.parseList];
    const seen = new Set<string>();
    return out.filter((o) => !seen.has(o.name) && seen.add(o.name));
  }

  private command(c: Command): void {
    switch (c.kind) {
      case 'fields': {
        const added = this.items(c.items);
        for (const o of added) if (!this.fieldsList.some((x) => x.name === o.name)) this.fieldsList.push(o);
        return;
      }
      case 'display':
        this.explicit = this.items(c.items);
        return;
      case 'filter': {
        if (c.index) checkFilterIndex(c.expr);
        const cond = this.condition(this.expr(c.expr, { stats: false, inAgg: false }), c.expr.span);
        this.stages.push({ k: 'filter', cond });
        return;
      }
      case 'stats':
        this.stats(c);
        return;
      case 'sort': {
        const keys: OrderKey[] = c.keys.map((k) => ({
          e: this.scope.get(k.text) ?? this.expr(k.expr, { stats: false, inAgg: false }),
          desc: k.direction === 'desc',
        }));
        this.order = [
          ...keys,
          ...(this.aggregated
            ? this.groupOrder.map((k) => ({ ...k, plain: true }))
            : [
                { e: FILE_ID, desc: false },
                { e: LINE, desc: false },
              ]),
        ];
        return;
      }
      case 'limit':
        if (c.count < 1 || c.count > MAX_LIMIT) {
          throw new InsightsError(
            'BAD_LIMIT',
            `limit must be between 1 and ${MAX_LIMIT.toLocaleString('en-US')}, not ${c.count}`,
            c.countSpan,
          );
        }
        this.hasLimit = true;
        this.stages.push({ k: 'limit', n: c.count, order: this.order });
        return;
      case 'parse':
        this.parse(c);
        return;
      case 'dedup': {
        const keys = c.fields.map((f) => this.resolve(f.name, f.span, { stats: false, inAgg: false }));
        this.stages.push({ k: 'dedup', keys, order: this.order });
        return;
      }
      default: {
        const never: never = c;
        throw new Error(`unhandled command ${JSON.stringify(never)}`);
      }
    }
  }

  /** `fields`/`display` items: bare fields are shown as they are, expressions are computed. */
  private items(items: readonly Item[]): OutputColumn[] {
    const out: OutputColumn[] = [];
    const computed: Named[] = [];
    for (const it of items) {
      const name = it.alias?.name ?? it.text;
      if (it.expr.kind === 'field') {
        const e = this.resolve(it.expr.name, it.expr.span, { stats: false, inAgg: false, display: true });
        if (it.alias) this.scope.set(it.alias.name, e);
        out.push({ name, e });
        continue;
      }
      const e = this.value(this.expr(it.expr, { stats: false, inAgg: false }));
      const col: Col = { k: 'col', t: e.t, name: this.fresh() };
      computed.push({ name: col.name, e });
      out.push({ name, e: col });
    }
    if (computed.length > 0) this.stages.push({ k: 'compute', cols: computed });
    // Names become visible to later commands only after the whole list (as in a SQL select list).
    for (const [i, it] of items.entries())
      if (it.expr.kind !== 'field') this.scope.set(it.alias?.name ?? it.text, out[i]!.e as Col);
    return out;
  }

  private stats(c: Extract<Command, { kind: 'stats' }>): void {
    if (this.matchedAfter < 0) this.matchedAfter = this.stages.length;
    const keys: Named[] = [];
    const outKeys: OutputColumn[] = [];
    for (const it of c.by) {
      const e = this.value(this.expr(it.expr, { stats: false, inAgg: false }));
      const name = this.fresh();
      keys.push({ name, e });
      outKeys.push({ name: it.alias?.name ?? it.text, e: { k: 'col', t: e.t, name } });
      if (it.expr.kind === 'call' && it.expr.name.toLowerCase() === 'bin' && this.timeSeries === undefined) {
        this.timeSeries = it.alias?.name ?? it.text;
      }
    }
    const aggs: Named[] = [];
    const outAggs: OutputColumn[] = [];
    for (const it of c.aggregates) {
      if (!callsAggregate(it.expr)) {
        throw new InsightsError(
          'NOT_AGGREGATE',
          `"${it.text}" is not an aggregate`,
          it.expr.span,
          'stats takes aggregates such as count(*), sum(bytes), avg(bytes); put grouping fields after "by"',
        );
      }
      const e = this.expr(it.expr, { stats: true, inAgg: false });
      if (!containsAgg(e)) {
        throw new InsightsError(
          'NOT_AGGREGATE',
          `"${it.text}" is not an aggregate`,
          it.expr.span,
          'stats takes aggregates such as count(*), sum(bytes), avg(bytes); put grouping fields after "by"',
        );
      }
      const name = this.fresh();
      aggs.push({ name, e });
      outAggs.push({ name: it.alias?.name ?? it.text, e: { k: 'col', t: e.t, name } });
    }
    this.stages.push({ k: 'stats', keys, aggs });
    this.aggregated = true;
    this.scope = new Map();
    for (const o of [...outKeys, ...outAggs]) this.scope.set(o.name, o.e as Col);
    this.statsList = [...outKeys, ...outAggs];
    this.fieldsList = [];
    this.parseList = [];
    this.explicit = undefined;
    this.groupOrder = outKeys.map((o) => ({ e: o.e, desc: false }));
    this.order = this.groupOrder;
  }

  private parse(c: Extract<Command, { kind: 'parse' }>): void {
    let source = this.expr(c.source, { stats: false, inAgg: false });
    if (source.t === 'regex' || source.t === 'period')
      throw new InsightsError('BAD_ARGUMENTS', 'parse needs a field to read from', c.source.span);
    if (!isTextual(source.t)) source = { k: 'cast', t: 'string', to: 'string', e: source };
    let re: string;
    let names: { name: string; span: Span; group: number }[];
    if (c.pattern.kind === 'glob') {
      const parts = c.pattern.text.split('*');
      const stars = parts.length - 1;
      if (stars === 0)
        throw new InsightsError(
          'BAD_PARSE_PATTERN',
          'the parse pattern has no * to capture',
          c.pattern.span,
          'write a * where each value is',
        );
      if (c.names.length !== stars) {
        throw new InsightsError(
          'BAD_PARSE_PATTERN',
          `the pattern has ${stars} * but ${c.names.length} name${c.names.length === 1 ? '' : 's'} follow "as"`,
          c.names.length > stars ? c.names[stars]!.span : c.pattern.span,
          'give one name per *',
        );
      }
      re = parts
        .map(
          (p, i) =>
            escapeRegex(p) + (i < stars ? (i === stars - 1 && parts[stars] === '' ? '(.*)' : '(.*?)') : ''),
        )
        .join('');
      re = `(?s)${re}`;
      names = c.names.map((n, i) => ({ name: n.name, span: n.span, group: i + 1 }));
    } else {
      const groups = regexGroups(c.pattern.source);
      names = groups
        .filter((g) => g.name !== undefined)
        .map((g) => ({ name: g.name!, span: c.pattern.span, group: g.index }));
      if (names.length === 0) {
        throw new InsightsError(
          'BAD_PARSE_PATTERN',
          'the parse regex has no named group (?<name>...) to capture',
          c.pattern.span,
        );
      }
      re = toRe2(c.pattern.source);
    }
    const struct = this.fresh('_p');
    const max = Math.max(...names.map((n) => n.group));
    this.stages.push({
      k: 'compute',
      cols: [
        {
          name: struct,
          e: {
            k: 'fn',
            t: 'text',
            name: '__parse',
            args: [source, { k: 'lit', t: 'string', v: re }, { k: 'lit', t: 'number', v: max }],
          },
        },
      ],
    });
    for (const n of names) {
      const col: Col = { k: 'member', t: 'text', of: struct, member: `g${n.group}` };
      this.scope.set(n.name, col);
      this.parseList = this.parseList.filter((p) => p.name !== n.name);
      this.parseList.push({ name: n.name, e: col });
    }
  }

  private resolve(name: string, span: Span, ctx: ExprCtx): Col {
    const col = this.scope.get(name);
    if (!col) {
      const names = [...this.scope.keys()];
      const lower = name.toLowerCase();
      const close =
        names.find((n) => n.toLowerCase() === lower) ??
        names
          .map((n) => [n, editDistance(n.toLowerCase(), lower)] as const)
          .filter(([, d]) => d <= 2)
          .sort((a, b) => a[1] - b[1])[0]?.[0];
      const after = this.aggregated ? ' after stats (only its results remain)' : '';
      throw new InsightsError(
        'UNKNOWN_FIELD',
        `unknown field "${name}"${after}`,
        span,
        close
          ? `did you mean "${close}"?`
          : this.q.source === 'findings'
            ? `the fields of SOURCE findings: ${FINDING_FIELDS.map((f) => f.name).join(', ')}`
            : 'see "flowwatch fields" for the Insights names of flow log fields',
      );
    }
    if (ctx.stats && !ctx.inAgg) {
      throw new InsightsError(
        'NOT_AGGREGATE',
        `"${name}" must be inside an aggregate such as count(), sum() or latest()`,
        span,
        `to group by it, write "by ${name}"`,
      );
    }
    if (col.k === 'col' && FILE_COLUMNS.has(col.name)) {
      if (ctx.display) this.fileLate = true;
      else this.fileEarly = true;
    }
    return col;
  }

  /** A boolean value used as a column value: missing becomes false. Other values pass. */
  private value(e: TExpr): TExpr {
    if (e.t === 'period' || e.t === 'regex') throw new Error('unreachable: checked by expr');
    return e;
  }

  private condition(e: TExpr, span: Span): TExpr {
    if (e.t === 'boolean') return e;
    if (e.t === 'number')
      return { k: 'cmp', t: 'boolean', op: '!=', l: e, r: { k: 'lit', t: 'number', v: 0 } };
    throw new InsightsError(
      'TYPE_MISMATCH',
      'expected a condition (a comparison, like, in, or a function returning true/false)',
      span,
    );
  }

  private expr(e: Expr, ctx: ExprCtx): TExpr {
    switch (e.kind) {
      case 'number':
        return { k: 'lit', t: 'number', v: e.value };
      case 'string':
        return { k: 'lit', t: 'string', v: e.value };
      case 'regex':
        throw new InsightsError('PARSE_ERROR', 'a /regex/ can only follow like, =~ or parse', e.span);
      case 'period':
        throw new InsightsError(
          'BAD_PERIOD',
          `a period such as ${e.value}${e.unit} can only be an argument of bin, datefloor or dateceil`,
          e.span,
        );
      case 'star':
        throw new InsightsError('PARSE_ERROR', '* can only be the argument of count(*)', e.span);
      case 'field':
        return this.resolve(e.name, e.span, ctx);
      case 'call':
        return this.call(e, ctx);
      case 'neg':
        return { k: 'neg', t: 'number', e: this.numeric(this.expr(e.operand, ctx), e.operand.span) };
      case 'not':
        return { k: 'not', t: 'boolean', e: this.condition(this.expr(e.operand, ctx), e.operand.span) };
      case 'logic':
        return {
          k: 'logic',
          t: 'boolean',
          op: e.op,
          l: this.condition(this.expr(e.left, ctx), e.left.span),
          r: this.condition(this.expr(e.right, ctx), e.right.span),
        };
      case 'arith': {
        let l = this.expr(e.left, ctx);
        let r = this.expr(e.right, ctx);
        if (l.t === 'timestamp') l = { k: 'cast', t: 'number', to: 'epochms', e: l };
        if (r.t === 'timestamp') r = { k: 'cast', t: 'number', to: 'epochms', e: r };
        return {
          k: 'arith',
          t: 'number',
          op: e.op,
          l: this.numeric(l, e.left.span),
          r: this.numeric(r, e.right.span),
        };
      }
      case 'compare':
        return this.compare(e.op, this.expr(e.left, ctx), this.expr(e.right, ctx), e.left.span, e.right.span);
      case 'like': {
        const operand = this.textual(this.expr(e.operand, ctx));
        const pattern =
          e.pattern.kind === 'string'
            ? { sub: e.pattern.value }
            : e.pattern.kind === 'regex'
              ? { re: toRe2(e.pattern.source) }
              : undefined;
        if (!pattern)
          throw new InsightsError('PARSE_ERROR', 'like takes a "string" or a /regex/', e.pattern.span);
        return { k: 'like', t: 'boolean', e: operand, negated: e.negated, pattern };
      }
      case 'in': {
        const operand = this.expr(e.operand, ctx);
        const items = e.items.map((it) => {
          const v = this.expr(it, ctx);
          return this.compare('=', operand, v, e.operand.span, it.span);
        });
        // Uniform comparisons render as one IN list; mixed ones as OR of equalities.
        return { k: 'in', t: 'boolean', e: operand, items, negated: e.negated };
      }
      default: {
        const never: never = e;
        throw new Error(`unhandled expression ${JSON.stringify(never)}`);
      }
    }
  }

  private numeric(e: TExpr, span: Span): TExpr {
    if (e.t === 'number') return e;
    if (e.t === 'text') return { k: 'cast', t: 'number', to: 'number', e };
    if (e.t === 'boolean') return { k: 'cast', t: 'number', to: 'boolnum', e };
    if (e.t === 'null') return e;
    if (e.k === 'lit' && typeof e.v === 'string' && NUMBER_TEXT.test(e.v))
      return { k: 'lit', t: 'number', v: Number(e.v) };
    throw new InsightsError(
      'TYPE_MISMATCH',
      `expected a number, but "${this.text(span)}" is ${describe(e.t)}`,
      span,
    );
  }

  private textual(e: TExpr): TExpr {
    if (isTextual(e.t) || e.t === 'null') return e;
    return { k: 'cast', t: 'string', to: 'string', e };
  }

  private compare(op: Extract<TExpr, { k: 'cmp' }>['op'], l: TExpr, r: TExpr, ls: Span, rs: Span): TExpr {
    const mk = (a: TExpr, b: TExpr): TExpr => ({ k: 'cmp', t: 'boolean', op, l: a, r: b });
    for (const [a, as] of [
      [l, ls],
      [r, rs],
    ] as const) {
      if (a.t === 'regex' || a.t === 'period')
        throw new InsightsError('TYPE_MISMATCH', 'cannot compare this value', as);
    }
    if (l.t === 'timestamp' || r.t === 'timestamp') {
      const [ts, other, os] = l.t === 'timestamp' ? [l, r, rs] : [r, l, ls];
      if (other.t === 'timestamp') return mk(l, r);
      if (isTextual(other.t)) {
        throw new InsightsError(
          'TIMESTAMP_STRING',
          'timestamps cannot be compared with text: Logs Insights does not filter on human-readable times',
          os,
          'compare with epoch milliseconds (filter @timestamp > 1716199200000), or choose the time range with --since/--until',
        );
      }
      const ms: TExpr = { k: 'cast', t: 'number', to: 'epochms', e: ts };
      return l.t === 'timestamp' ? mk(ms, this.numeric(r, rs)) : mk(this.numeric(l, ls), ms);
    }
    if (l.t === 'boolean' || r.t === 'boolean') {
      const b = (x: TExpr): TExpr =>
        x.t === 'boolean' ? { k: 'cast', t: 'number', to: 'boolnum', e: x } : x;
      return this.compare(op, b(l), b(r), ls, rs);
    }
    if (l.t === r.t || l.t === 'null' || r.t === 'null') return mk(l, r);
    if (isTextual(l.t) && isTextual(r.t)) return mk(l, r);
    // One side a number, the other text.
    const [num, txt] = isNumeric(l.t) ? [l, r] : [r, l];
    let txtSide: TExpr;
    let numSide: TExpr = num;
    if (txt.k === 'lit' && typeof txt.v === 'string') {
      if (NUMBER_TEXT.test(txt.v)) txtSide = { k: 'lit', t: 'number', v: Number(txt.v) };
      else {
        numSide = { k: 'cast', t: 'string', to: 'string', e: num };
        txtSide = txt;
      }
    } else {
      txtSide = { k: 'cast', t: 'number', to: 'number', e: txt };
    }
    return isNumeric(l.t) ? mk(numSide, txtSide) : mk(txtSide, numSide);
  }

  private call(e: Extract<Expr, { kind: 'call' }>, ctx: ExprCtx): TExpr {
    // After stats, a column may be named by the call's text (sort count(*) desc).
    const existing = this.scope.get(this.text(e.span));
    if (existing && this.aggregated && !ctx.stats) return existing;
    const def = findFunction(e.name);
    if (!def) {
      const lower = e.name.toLowerCase();
      const close = FUNCTIONS.map((f) => [f.name, editDistance(f.name.toLowerCase(), lower)] as const)
        .filter(([, d]) => d <= 2)
        .sort((a, b) => a[1] - b[1])[0]?.[0];
      throw new InsightsError(
        'UNKNOWN_FUNCTION',
        `unknown function "${e.name}"`,
        e.nameSpan,
        close ? `did you mean "${close}"?` : undefined,
      );
    }
    if (def.kind === 'aggregate') {
      if (!ctx.stats) {
        throw new InsightsError(
          'AGGREGATE_OUTSIDE_STATS',
          `${def.name}() is an aggregate: it can only be used in stats`,
          e.span,
          `e.g. stats ${def.name}(...) by srcAddr`,
        );
      }
      if (ctx.inAgg)
        throw new InsightsError(
          'BAD_ARGUMENTS',
          `aggregates cannot be nested: ${def.name}() inside another aggregate`,
          e.span,
        );
    }
    const args = this.args(def, e, def.kind === 'aggregate' ? { stats: true, inAgg: true } : ctx);
    return this.build(def, args, e);
  }

  private args(def: FunctionDef, e: Extract<Expr, { kind: 'call' }>, ctx: ExprCtx): TExpr[] {
    const min = def.params.length - (def.optional ?? 0) - (def.name === 'count' ? 1 : 0);
    const max = def.variadic ? Number.POSITIVE_INFINITY : def.params.length;
    if (e.args.length < min || e.args.length > max) {
      const want = def.variadic ? `at least ${min}` : min === max ? `${min}` : `${min} to ${max}`;
      throw new InsightsError(
        'BAD_ARGUMENTS',
        `${def.name}() takes ${want} argument${max === 1 ? '' : 's'}, not ${e.args.length}`,
        e.span,
        `e.g. ${def.example}`,
      );
    }
    return e.args.map((a, i) => {
      const p = def.params[Math.min(i, def.params.length - 1)]!;
      const bad = (what: string): InsightsError =>
        new InsightsError(
          'BAD_ARGUMENTS',
          `argument ${i + 1} of ${def.name}() must be ${what}`,
          a.span,
          `e.g. ${def.example}`,
        );
      if (a.kind === 'star') {
        if (def.name === 'count') return { k: 'lit', t: 'null', v: '*' } as TExpr;
        throw bad('a field or value, not *');
      }
      switch (p) {
        case 'period': {
          if (a.kind !== 'period') throw bad('a period such as 5m or 1h');
          return period(a.value, a.unit, a.span);
        }
        case 'literal-number':
          if (a.kind !== 'number') throw bad('a number');
          if (def.name === 'pct' && (a.value < 0 || a.value > 100))
            throw bad('a percentile between 0 and 100');
          return { k: 'lit', t: 'number', v: a.value };
        case 'literal-cidr':
          if (a.kind !== 'string') throw bad('a "CIDR" string such as "10.0.0.0/16"');
          return { k: 'lit', t: 'string', v: a.value };
        default:
          break;
      }
      if (a.kind === 'period' || a.kind === 'regex')
        throw bad(p === 'number' ? 'a number' : 'a field or value');
      const v = this.expr(a, ctx);
      switch (p) {
        case 'number':
          if (v.t === 'string' && !(v.k === 'lit' && NUMBER_TEXT.test(String(v.v))))
            throw bad(`a number (${this.text(a.span)} is text)`);
          if (v.t === 'timestamp') throw bad('a number (use toMillis() for a timestamp)');
          return this.numeric(v, a.span);
        case 'string':
          return this.textual(v);
        case 'timestamp':
          if (v.t !== 'timestamp') throw bad('a timestamp such as @timestamp');
          return v;
        default:
          return v;
      }
    });
  }

  private build(def: FunctionDef, args: TExpr[], e: Extract<Expr, { kind: 'call' }>): TExpr {
    const name = def.name.toLowerCase();
    const first = args[0];
    const t: VType = def.returns === 'arg' ? (first?.t ?? 'null') : def.returns;
    if (def.kind === 'aggregate') {
      if ((name === 'earliest' || name === 'latest') && !this.scope.has('@timestamp')) {
        throw new InsightsError(
          'BAD_ARGUMENTS',
          `${def.name}() needs @timestamp, which does not exist after stats`,
          e.span,
        );
      }
      const aggT: VType =
        name === 'pct' || name === 'min' || name === 'max' ? (t === 'text' ? 'number' : t) : t;
      return {
        k: 'agg',
        t: aggT,
        name,
        args: name === 'earliest' || name === 'latest' ? [...args, TS, FILE_ID, LINE] : args,
      };
    }
    switch (name) {
      case 'bin':
        return { k: 'fn', t, name: 'datefloor', args: [TS, args[0]!] };
      case 'now':
        return { k: 'lit', t: 'number', v: this.now };
      case 'isipinsubnet':
      case 'isipv4insubnet':
      case 'isipv6insubnet': {
        const cidr = parseCidr(String((args[1] as { v: unknown }).v));
        const span = e.args[1]!.span;
        if (!cidr)
          throw new InsightsError(
            'BAD_CIDR',
            `"${(args[1] as { v: unknown }).v}" is not a CIDR block such as 10.0.0.0/16 or 2001:db8::/32`,
            span,
          );
        if (name === 'isipv4insubnet' && cidr.v !== 4)
          throw new InsightsError(
            'BAD_CIDR',
            'isIpv4InSubnet needs an IPv4 CIDR block such as 10.0.0.0/16',
            span,
            'use isIpv6InSubnet or isIpInSubnet for IPv6',
          );
        if (name === 'isipv6insubnet' && cidr.v !== 6)
          throw new InsightsError(
            'BAD_CIDR',
            'isIpv6InSubnet needs an IPv6 CIDR block such as 2001:db8::/32',
            span,
            'use isIpv4InSubnet or isIpInSubnet for IPv4',
          );
        return { k: 'subnet', t: 'boolean', e: args[0]!, v: cidr.v, bytes: cidr.bytes, prefix: cidr.prefix };
      }
      case 'coalesce': {
        const types = new Set(args.map((a) => a.t).filter((x) => x !== 'null'));
        const same = types.size <= 1;
        const ct: VType = same ? ([...types][0] ?? 'null') : 'string';
        return { k: 'fn', t: ct, name, args: same ? args : args.map((a) => this.textual(a)) };
      }
      case 'greatest':
      case 'least':
        return { k: 'fn', t: 'number', name, args };
      default:
        return { k: 'fn', t: t === 'text' ? 'string' : t, name, args };
    }
  }
}

function describe(t: VType): string {
  return t === 'string' || t === 'text' ? 'text' : t === 'boolean' ? 'a condition' : `a ${t}`;
}

/** True when the expression calls an aggregate function somewhere. */
function callsAggregate(e: Expr): boolean {
  switch (e.kind) {
    case 'call':
      // An unknown function counts, so that the call is reported as unknown rather than as not an aggregate.
      return findFunction(e.name)?.kind !== 'scalar' || e.args.some(callsAggregate);
    case 'neg':
    case 'not':
      return callsAggregate(e.operand);
    case 'logic':
    case 'arith':
    case 'compare':
      return callsAggregate(e.left) || callsAggregate(e.right);
    case 'like':
      return callsAggregate(e.operand);
    case 'in':
      return callsAggregate(e.operand) || e.items.some(callsAggregate);
    default:
      return false;
  }
}

function containsAgg(e: TExpr): boolean {
  switch (e.k) {
    case 'agg':
      return true;
    case 'fn':
      return e.args.some(containsAgg);
    case 'arith':
    case 'cmp':
    case 'logic':
      return containsAgg(e.l) || containsAgg(e.r);
    case 'neg':
    case 'not':
    case 'cast':
    case 'like':
    case 'subnet':
      return containsAgg(e.e);
    case 'in':
      return containsAgg(e.e) || e.items.some(containsAgg);
    default:
      return false;
  }
}

function period(value: number, unitText: string, span: Span): TExpr {
  const unit = UNITS[unitText] ?? UNITS[unitText.toLowerCase()];
  if (!unit) {
    throw new InsightsError(
      'BAD_PERIOD',
      `"${unitText}" is not a time unit`,
      span,
      'units: ms, s, m, h, d, w, mo, q, y (e.g. 5m, 1h)',
    );
  }
  if (!Number.isInteger(value) || value < 1)
    throw new InsightsError(
      'BAD_PERIOD',
      `the period must be a whole number of at least 1, not ${value}`,
      span,
    );
  const cap = UNIT_CAP[unit];
  if (cap && value > cap[0]) {
    const secs = value * (UNIT_SECONDS[unit] ?? 1);
    const bigger = UNIT_SECONDS[cap[1] as PeriodUnit] ?? 1;
    const alt = Number.isInteger(secs / bigger) ? ` (write ${secs / bigger}${cap[1]})` : '';
    throw new InsightsError(
      'BAD_PERIOD',
      `${value}${unitText} is too many: Logs Insights allows at most ${cap[0]}${unit}${alt}`,
      span,
      `use a larger unit${alt}`,
    );
  }
  return { k: 'period', t: 'period', n: value, unit };
}

/** filterIndex accepts only `field = value` and `field in [values]`. */
function checkFilterIndex(e: Expr): void {
  const ok = (x: Expr): boolean =>
    (x.kind === 'compare' &&
      x.op === '=' &&
      x.left.kind === 'field' &&
      (x.right.kind === 'string' || x.right.kind === 'number')) ||
    (x.kind === 'in' && !x.negated && x.operand.kind === 'field') ||
    (x.kind === 'logic' && ok(x.left) && ok(x.right));
  if (!ok(e)) {
    throw new InsightsError(
      'BAD_FILTER_INDEX',
      'filterIndex accepts only field = value and field in [values]',
      e.span,
      'use filter for other conditions',
    );
  }
}

function escapeRegex(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

/** Capturing groups of a regex, in order, with their names (`(?<name>` or `(?P<name>`). */
export function regexGroups(source: string): { index: number; name?: string }[] {
  const out: { index: number; name?: string }[] = [];
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') {
      if (source[i + 1] !== '?') out.push({ index: out.length + 1 });
      else {
        const m = /^\(\?P?<([A-Za-z_][A-Za-z0-9_@.]*)>/.exec(source.slice(i));
        if (m) out.push({ index: out.length + 1, name: m[1]! });
      }
    }
  }
  return out;
}

/** Hyperscan/PCRE syntax → RE2 (DuckDB): named groups `(?<n>` become `(?P<n>`. */
export function toRe2(source: string): string {
  return source.replace(/\(\?<([A-Za-z_][A-Za-z0-9_@.]*)>/g, '(?P<$1>');
}

/** Parses an IPv4 or IPv6 CIDR block into its network bytes (host bits cleared). */
export function parseCidr(text: string): { v: 4 | 6; bytes: number[]; prefix: number } | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m) return undefined;
  const prefix = Number(m[2]);
  const addr = m[1]!;
  let bytes: number[] | undefined;
  let v: 4 | 6;
  if (addr.includes(':')) {
    v = 6;
    bytes = ipv6Bytes(addr);
    if (prefix > 128) return undefined;
  } else {
    v = 4;
    const parts = addr.split('.');
    if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255))
      return undefined;
    bytes = parts.map(Number);
    if (prefix > 32) return undefined;
  }
  if (!bytes) return undefined;
  const masked = bytes.map((b, i) => {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    return b & ((0xff << (8 - bits)) & 0xff);
  });
  return { v, bytes: masked, prefix };
}

function ipv6Bytes(addr: string): number[] | undefined {
  const halves = addr.toLowerCase().split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  const fill = halves.length === 2 ? 8 - left.length - right.length : 0;
  if (halves.length === 2 ? fill < 1 : left.length !== 8) return undefined;
  const all = [...left, ...Array<string>(fill).fill('0'), ...right];
  if (!all.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return all.flatMap((g) => {
    const n = Number.parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}

/**
 * Analyzes a parsed query into a Plan. Throws InsightsError with the span of the offending text.
 * `now` is the query's start time in epoch seconds (the value of `now()`).
 */
export function analyze(q: Query, now: number): Plan {
  return new Analyzer(q, now).run();
}

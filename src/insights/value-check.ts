// Comparisons in a Logs Insights query that can never hold as written (see records/field-values.ts), and `like`
// patterns written with SQL's `%` wildcard: Logs Insights' `like "text"` is a case-sensitive substring test, so
// `like "10.0.1.%"` looks for a literal "%" and matches nothing. Both answer empty or zero without an error, in AWS
// as here; flowwatch says why.

import { checkedField, logStreamWarning, valueWarning } from '../records/field-values.js';
import type { Expr, Query } from './ast.js';

/** Warnings for the query's impossible comparisons and `%`-wildcard `like`s, each once, in query order. */
export function valueWarnings(query: Query): string[] {
  const out: string[] = [];
  const add = (w: string | undefined) => {
    if (w !== undefined && !out.includes(w)) out.push(w);
  };
  const field = (e: Expr) => (e.kind === 'field' ? checkedField(e.name) : undefined);
  const visit = (e: Expr): void => {
    if (e.kind === 'compare' && (e.op === '=' || e.op === '!=')) {
      for (const [a, b] of [
        [e.left, e.right],
        [e.right, e.left],
      ] as const) {
        const f = field(a);
        if (f !== undefined && a.kind === 'field' && b.kind === 'string')
          add(valueWarning(f, a.name, b.value, { negated: e.op === '!=' }));
        if (a.kind === 'field' && a.name === '@logStream' && b.kind === 'string')
          add(logStreamWarning(b.value, { negated: e.op === '!=' }));
      }
    } else if (e.kind === 'in' && e.operand.kind === 'field' && e.operand.name === '@logStream') {
      if (e.items.every((i) => i.kind === 'string'))
        for (const i of e.items) if (i.kind === 'string') add(logStreamWarning(i.value, { item: true }));
    } else if (e.kind === 'in' && e.operand.kind === 'field') {
      const { name } = e.operand;
      const f = field(e.operand);
      // `in` matches nothing only when no item can match; one misspelt item among good ones still warns.
      if (f !== undefined && e.items.every((i) => i.kind === 'string'))
        for (const i of e.items) if (i.kind === 'string') add(valueWarning(f, name, i.value, { item: true }));
    } else if (e.kind === 'like' && e.pattern.kind === 'string' && e.pattern.value.includes('%')) {
      const v = e.pattern.value;
      const plain = v.replaceAll('%', '');
      add(
        `like "${v}" looks for the text "${v}" itself: in Logs Insights, like "text" is a case-sensitive substring test and % is not a wildcard (SQL's LIKE); write like "${plain}" for a substring, or a regular expression such as like /${regexFor(v)}/`,
      );
    }
    for (const child of children(e)) visit(child);
  };
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o['kind'] === 'string' && isExpr(o)) {
        visit(o as unknown as Expr);
        return;
      }
      for (const x of Object.values(o)) walk(x);
    }
  };
  walk(query);
  return out;
}

const EXPR_KINDS = new Set([
  'number',
  'string',
  'regex',
  'period',
  'field',
  'star',
  'call',
  'neg',
  'not',
  'logic',
  'arith',
  'compare',
  'like',
  'in',
]);
const isExpr = (o: Record<string, unknown>) => EXPR_KINDS.has(String(o['kind'])) && 'span' in o;

function children(e: Expr): Expr[] {
  switch (e.kind) {
    case 'call':
      return [...e.args];
    case 'neg':
    case 'not':
      return [e.operand];
    case 'logic':
    case 'arith':
    case 'compare':
      return [e.left, e.right];
    case 'like':
      return [e.operand, e.pattern];
    case 'in':
      return [e.operand, ...e.items];
    default:
      return [];
  }
}

/** `10.0.1.%` as a regular expression: `^10\.0\.1\.` (a leading or trailing % drops its anchor). */
function regexFor(like: string): string {
  const parts = like.split('%');
  const body = parts.map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('.*');
  const start = like.startsWith('%') ? '' : '^';
  const end = like.endsWith('%') ? '' : '$';
  return `${start}${body.replace(/^\.\*/, '').replace(/\.\*$/, '')}${end}`;
}

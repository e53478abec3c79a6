// In-memory matcher: compiles a pattern AST to a function over one log event's message text.

import {
  assertNever,
  type CompareOp,
  type DelimitedPattern,
  type JsonExpr,
  type Pattern,
  type SlotCondition,
  slotLayout,
  type TermPattern,
  type Value,
} from './ast.js';
import { compileGlob } from './glob.js';
import { NUMBER } from './parser.js';
import { compileRegex } from './regex.js';

/** A successful match, as TestMetricFilter reports it: `$name` for named fields, `$1`… for unnamed ones. */
export interface Match {
  readonly extractedValues: Readonly<Record<string, string>>;
}

/** A compiled pattern: the match for a message, or undefined. */
export type Matcher = (event: string) => Match | undefined;

const NO_VALUES: Match = Object.freeze({ extractedValues: Object.freeze({}) });

/**
 * Compiles a pattern into a matcher.
 *
 * @example
 * const m = compileMatcher(parsePattern('[..., action = REJECT, status]'));
 * m('2 123 eni-1 1.2.3.4 5.6.7.8 1 22 6 1 40 1 2 REJECT OK')?.extractedValues['$action'] // 'REJECT'
 */
export function compileMatcher(pattern: Pattern): Matcher {
  switch (pattern.kind) {
    case 'matchAll':
      return () => NO_VALUES;
    case 'terms':
      return termMatcher(pattern);
    case 'regex': {
      const re = compileRegex(pattern.regex.source);
      return (event) => (re.test(event) ? NO_VALUES : undefined);
    }
    case 'delimited':
      return delimitedMatcher(pattern);
    case 'json': {
      const test = jsonTest(pattern.expr);
      return (event) => {
        let doc: unknown;
        try {
          doc = JSON.parse(event);
        } catch {
          return undefined;
        }
        if (!isObject(doc)) return undefined;
        return test(doc) ? NO_VALUES : undefined;
      };
    }
    default:
      return assertNever(pattern);
  }
}

function termMatcher(pattern: TermPattern): Matcher {
  return (event) =>
    pattern.groups.some((g) => g.every((t) => event.includes(t.text) !== t.exclude)) ? NO_VALUES : undefined;
}

/**
 * Splits an event into fields as CloudWatch does for `[...]` patterns: runs of spaces separate fields;
 * a field opening with `"` or `[` runs to the closing `"` / `]` and loses the enclosing characters.
 *
 * @example splitFields('1.2.3.4 [10/Oct/2000:13:25:15 -0700] "GET /" 404') // ['1.2.3.4','10/Oct/2000:13:25:15 -0700','GET /','404']
 */
export function splitFields(event: string): string[] {
  const n = fieldBounds(event, FROM, TO);
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = event.slice(FROM[i], TO[i]);
  return out;
}

/** Reusable offsets of the fields of the event being matched (grown on demand). */
let FROM = new Int32Array(64);
let TO = new Int32Array(64);

/**
 * Finds the fields of an event as splitFields does, without creating strings: the text of field i is
 * `event.slice(from[i], to[i])`. Returns the number of fields. (Matching creates strings only for the
 * fields a pattern tests, which is most of the cost of matching flow log lines otherwise.)
 */
function fieldBounds(event: string, from: Int32Array, to: Int32Array): number {
  let count = 0;
  let i = 0;
  const n = event.length;
  while (i < n) {
    const c = event.charCodeAt(i);
    if (c === 0x20) {
      i++;
      continue;
    }
    if (count === FROM.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      FROM = grow(FROM);
      TO = grow(TO);
      return fieldBounds(event, FROM, TO);
    }
    if (c === 0x22 || c === 0x5b) {
      const j = event.indexOf(c === 0x22 ? '"' : ']', i + 1);
      if (j >= 0) {
        from[count] = i + 1;
        to[count++] = j;
        i = j + 1;
        continue;
      }
    }
    let j = event.indexOf(' ', i);
    if (j < 0) j = n;
    from[count] = i;
    to[count++] = j;
    i = j;
  }
  return count;
}

function numericTest(op: CompareOp, want: number): (text: string) => boolean {
  const cmp = compare(op);
  return (text) => NUMBER.test(text) && cmp(Number(text), want);
}

/** The comparison as a function, chosen once per pattern rather than per event. */
export function compare(op: CompareOp): (a: number, b: number) => boolean {
  switch (op) {
    case '=':
      return (a, b) => a === b;
    case '!=':
      return (a, b) => a !== b;
    case '<':
      return (a, b) => a < b;
    case '<=':
      return (a, b) => a <= b;
    case '>':
      return (a, b) => a > b;
    case '>=':
      return (a, b) => a >= b;
    default:
      return assertNever(op);
  }
}

/** A test of one field's text in a space-delimited pattern. */
function fieldTest(op: CompareOp, value: Value): (text: string) => boolean {
  const negate = op === '!=';
  switch (value.kind) {
    case 'number':
      return numericTest(op, value.value);
    case 'string': {
      if (value.value.includes('*')) {
        const glob = compileGlob(value.value);
        return (text) => glob(text) !== negate;
      }
      const want = value.value;
      return (text) => (text === want) !== negate;
    }
    case 'regex': {
      const re = compileRegex(value.source);
      return (text) => re.test(text) !== negate;
    }
    default:
      return assertNever(value);
  }
}

function delimitedMatcher(pattern: DelimitedPattern): Matcher {
  const slots = pattern.slots;
  const { before, after, fits, fieldOf } = slotLayout(pattern);
  const index = new Map<string, number>();
  slots.forEach((s, i) => {
    if (s.kind === 'field' && s.name !== undefined) index.set(s.name, i);
  });
  const compileCond = (c: SlotCondition): ((field: (slot: number) => string) => boolean) => {
    switch (c.kind) {
      case 'compare': {
        const slot = index.get(c.field)!;
        const test = fieldTest(c.op, c.value);
        return (field) => test(field(slot));
      }
      case 'and': {
        const l = compileCond(c.left);
        const r = compileCond(c.right);
        return (field) => l(field) && r(field);
      }
      case 'or': {
        const l = compileCond(c.left);
        const r = compileCond(c.right);
        return (field) => l(field) || r(field);
      }
      default:
        return assertNever(c);
    }
  };
  const conds = slots.flatMap((s) => (s.kind === 'field' && s.condition ? [compileCond(s.condition)] : []));
  return (event) => {
    const n = fieldBounds(event, FROM, TO);
    if (!fits(n)) return undefined;
    const from = FROM;
    const to = TO;
    const at = (slot: number): number => fieldOf(slot, n);
    const field = (slot: number): string => {
      const f = at(slot);
      return event.slice(from[f], to[f]);
    };
    for (const c of conds) if (!c(field)) return undefined;
    const values: Record<string, string> = {};
    slots.forEach((s, i) => {
      if (s.kind === 'field') {
        const f = at(i);
        values[s.name !== undefined ? `$${s.name}` : `$${f + 1}`] = event.slice(from[f], to[f]);
      } else {
        for (let f = before; f < n - after; f++) values[`$${f + 1}`] = event.slice(from[f], to[f]);
      }
    });
    return { extractedValues: values };
  };
}

// ---- JSON ----

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(v: unknown): v is { [k: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const ABSENT = Symbol('absent');

function resolve(doc: Json, path: readonly (string | number)[]): Json | typeof ABSENT {
  let cur: Json = doc;
  for (const step of path) {
    if (typeof step === 'number') {
      if (!Array.isArray(cur) || step >= cur.length) return ABSENT;
      cur = cur[step]!;
    } else {
      if (!isObject(cur) || !Object.hasOwn(cur, step)) return ABSENT;
      cur = cur[step]!;
    }
  }
  return cur;
}

/** JSON string values: `*` is a wildcard only at the start and/or end; in the middle it is literal. */
function jsonStringTest(pattern: string): (text: string) => boolean {
  if (pattern === '*') return () => true;
  const pre = pattern.startsWith('*');
  const post = pattern.length > 1 && pattern.endsWith('*');
  const core = pattern.slice(pre ? 1 : 0, post ? -1 : undefined);
  if (pre && post) return (t) => t.includes(core);
  if (pre) return (t) => t.endsWith(core);
  if (post) return (t) => t.startsWith(core);
  return (t) => t === core;
}

function jsonTest(e: JsonExpr): (doc: Json) => boolean {
  switch (e.kind) {
    case 'and': {
      const l = jsonTest(e.left);
      const r = jsonTest(e.right);
      return (d) => l(d) && r(d);
    }
    case 'or': {
      const l = jsonTest(e.left);
      const r = jsonTest(e.right);
      return (d) => l(d) || r(d);
    }
    case 'test': {
      const path = e.selector.path;
      switch (e.test) {
        case 'null':
          return (d) => resolve(d, path) === null;
        case 'true':
          return (d) => resolve(d, path) === true;
        case 'false':
          return (d) => resolve(d, path) === false;
        case 'notExists':
          return (d) => resolve(d, path) === ABSENT;
        default:
          return assertNever(e.test);
      }
    }
    case 'compare': {
      const path = e.selector.path;
      const negate = e.op === '!=';
      const v = e.value;
      // The selector must reach a value node; objects, arrays, null and absent fields never compare.
      const scalar = (d: Json): string | number | boolean | undefined => {
        const x = resolve(d, path);
        return x === ABSENT || x === null || typeof x === 'object' ? undefined : x;
      };
      switch (v.kind) {
        case 'number': {
          const cmp = compare(e.op);
          return (d) => {
            const x = scalar(d);
            return typeof x === 'number' && cmp(x, v.value);
          };
        }
        case 'string': {
          const test = jsonStringTest(v.value);
          return (d) => {
            const x = scalar(d);
            return x !== undefined && test(String(x)) !== negate;
          };
        }
        case 'regex': {
          const re = compileRegex(v.source);
          return (d) => {
            const x = scalar(d);
            return x !== undefined && re.test(String(x)) !== negate;
          };
        }
        default:
          return assertNever(v);
      }
    }
    default:
      return assertNever(e);
  }
}

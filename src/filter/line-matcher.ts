// Matching lines where they lie in a Buffer: the space-delimited fast path for bulk input (files, streams).
//
// Gives exactly the result of compileMatcher on the decoded line (test/filter/line-matcher.test.ts checks
// that on generated patterns and lines), but for a `[...]` pattern it finds the fields on the bytes and
// creates strings only for values it must (wildcards, regexes, non-integer numbers) and for the extracted
// values of a match. Anything unusual (a field opening with `"` or `[`) falls back to the string matcher.

import { assertNever, type DelimitedPattern, type Pattern, type SlotCondition, slotLayout } from './ast.js';
import { compileGlob } from './glob.js';
import { compare, compileMatcher, type Match } from './matcher.js';
import { NUMBER } from './parser.js';
import { compileRegex } from './regex.js';

/** A compiled pattern over the bytes [start, end) of a buffer holding one UTF-8 line. */
export type LineMatcher = (buf: Buffer, start: number, end: number) => Match | undefined;

const SPACE = 0x20;
const QUOTE = 0x22;
const BRACKET = 0x5b;

/**
 * Compiles a pattern for lines in buffers. Non-delimited patterns decode the line and use compileMatcher.
 *
 * @example
 * const m = compileLineMatcher(parsePattern('[..., action = REJECT, status]'));
 * m(Buffer.from('2 1 eni-1 a b 1 22 6 1 40 1 2 REJECT OK'), 0, 38) !== undefined // true
 */
export function compileLineMatcher(pattern: Pattern): LineMatcher {
  const slow = compileMatcher(pattern);
  const decoded: LineMatcher = (buf, start, end) => slow(buf.toString('utf8', start, end));
  return pattern.kind === 'delimited' ? delimited(pattern, decoded) : decoded;
}

type FieldTest = (buf: Buffer, s: number, e: number) => boolean;

/** The value of a field made only of 1–15 ASCII digits, or -1 when it is anything else. */
function digits(buf: Buffer, s: number, e: number): number {
  if (e <= s || e - s > 15) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const c = buf[i]! - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

function fieldTest(c: SlotCondition & { kind: 'compare' }): FieldTest {
  const negate = c.op === '!=';
  const value = c.value;
  switch (value.kind) {
    case 'number': {
      const want = value.value;
      const cmp = compare(c.op);
      return (buf, s, e) => {
        const n = digits(buf, s, e);
        if (n >= 0) return cmp(n, want);
        const text = buf.toString('utf8', s, e);
        return NUMBER.test(text) && cmp(Number(text), want);
      };
    }
    case 'string': {
      const ascii = [...value.value].every((ch) => ch.charCodeAt(0) < 0x80);
      if (value.value.includes('*') || !ascii) {
        // Wildcards, and non-ASCII values (an invalid byte decodes to U+FFFD, which a value may hold), are
        // compared on the decoded text, exactly as the string matcher does.
        const glob = compileGlob(value.value);
        return (buf, s, e) => glob(buf.toString('utf8', s, e)) !== negate;
      }
      const want = Buffer.from(value.value, 'utf8');
      return (buf, s, e) =>
        (e - s === want.length && buf.compare(want, 0, want.length, s, e) === 0) !== negate;
    }
    case 'regex': {
      const re = compileRegex(value.source);
      return (buf, s, e) => re.test(buf.toString('utf8', s, e)) !== negate;
    }
    default:
      return assertNever(value);
  }
}

let FROM = new Int32Array(64);
let TO = new Int32Array(64);

function grow(): void {
  const twice = (a: Int32Array) => {
    const b = new Int32Array(a.length * 2);
    b.set(a);
    return b;
  };
  FROM = twice(FROM);
  TO = twice(TO);
}

function delimited(pattern: DelimitedPattern, fallback: LineMatcher): LineMatcher {
  const slots = pattern.slots;
  const layout = slotLayout(pattern);
  const { before, after, fits, fieldOf } = layout;
  const index = new Map<string, number>();
  slots.forEach((s, i) => {
    if (s.kind === 'field' && s.name !== undefined) index.set(s.name, i);
  });
  type Cond = (buf: Buffer, field: (slot: number) => number) => boolean;
  const compile = (c: SlotCondition): Cond => {
    switch (c.kind) {
      case 'compare': {
        const slot = index.get(c.field)!;
        const test = fieldTest(c);
        return (buf, field) => {
          const f = field(slot);
          return test(buf, FROM[f]!, TO[f]!);
        };
      }
      case 'and': {
        const l = compile(c.left);
        const r = compile(c.right);
        return (buf, field) => l(buf, field) && r(buf, field);
      }
      case 'or': {
        const l = compile(c.left);
        const r = compile(c.right);
        return (buf, field) => l(buf, field) || r(buf, field);
      }
      default:
        return assertNever(c);
    }
  };
  const slotsOf = (c: SlotCondition): number[] =>
    c.kind === 'compare' ? [index.get(c.field)!] : [...slotsOf(c.left), ...slotsOf(c.right)];
  // A condition on fields counted from the start can be decided as soon as its last field is found: most
  // lines fail early, before the rest of the line is scanned. (Fields before one that opens with `"` or `[`
  // are cut the same way by splitFields, so an early "no" is the string matcher's "no" too.)
  const early: (Cond[] | undefined)[] = Array.from({ length: before }, () => undefined);
  const late: Cond[] = [];
  for (const s of slots) {
    if (s.kind !== 'field' || !s.condition) continue;
    const refs = slotsOf(s.condition);
    const last = Math.max(...refs);
    if (last < before) early[last] = [...(early[last] ?? []), compile(s.condition)];
    else late.push(compile(s.condition));
  }
  const identity = (slot: number): number => slot;
  const REJECTED = -2;
  const FALLBACK = -1;
  /** bounds() with the early conditions tested as their fields close. */
  const scan = (buf: Buffer, start: number, end: number): number => {
    let count = 0;
    let inField = false;
    for (let i = start; i < end; i++) {
      const c = buf[i]!;
      if (c === SPACE) {
        if (inField) {
          TO[count] = i;
          inField = false;
          const tests = count < before ? early[count] : undefined;
          count++;
          if (tests !== undefined) {
            for (let k = 0; k < tests.length; k++) if (!tests[k]!(buf, identity)) return REJECTED;
          }
        }
      } else if (!inField) {
        if (c === QUOTE || c === BRACKET) return FALLBACK;
        if (count === FROM.length) grow();
        FROM[count] = i;
        inField = true;
      }
    }
    if (inField) {
      TO[count] = end;
      const tests = count < before ? early[count] : undefined;
      count++;
      if (tests !== undefined) {
        for (let k = 0; k < tests.length; k++) if (!tests[k]!(buf, identity)) return REJECTED;
      }
    }
    return count;
  };
  return (buf, start, end) => {
    const n = scan(buf, start, end);
    if (n === REJECTED) return undefined;
    if (n === FALLBACK) return fallback(buf, start, end);
    if (!fits(n)) return undefined;
    // A line with fewer fields than the early slots skipped their tests: it failed the count above.
    const field = (slot: number): number => fieldOf(slot, n);
    for (const c of late) if (!c(buf, field)) return undefined;
    const values: Record<string, string> = {};
    const text = (f: number) => buf.toString('utf8', FROM[f]!, TO[f]!);
    slots.forEach((s, i) => {
      if (s.kind === 'field') {
        const f = field(i);
        values[s.name !== undefined ? `$${s.name}` : `$${f + 1}`] = text(f);
      } else {
        for (let f = before; f < n - after; f++) values[`$${f + 1}`] = text(f);
      }
    });
    return { extractedValues: values };
  };
}

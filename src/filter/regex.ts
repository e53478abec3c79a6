// CloudWatch filter-pattern regexes (`%...%`): parsed to a Thompson NFA and run as a lazily built DFA, so a
// match costs time linear in the text whatever the regex (no backtracking, no catastrophic cases).
//
// The syntax is CloudWatch's small subset (spec filter-patterns.md §3): literals, `.`, classes `[...]` with
// ranges, escapes `\d \w \s` (and their negations, and escaped punctuation), `^`, `$`, `* + ? {m,n}` (a
// trailing `?` for laziness is accepted and changes nothing for a yes/no answer) and `|`, without groups.
// Every construct is read the way RE2 reads it, because the SQL backend hands the same text to DuckDB's
// regexp_matches (RE2): `\s` is `[\t\n\f\r ]`, `.` is any character but `\n`, `$` is the end of the text.
// Where JavaScript and RE2 would read a text differently (`[]a]`, `[[:alpha:]]`, a lone `{` or `]`, `\b`),
// the text is refused with a position and a fix instead of being guessed.

/** A regex this engine refuses; `offset` is the 0-based position in the regex source. */
export class RegexSyntaxError extends Error {
  readonly offset: number;
  readonly length: number;
  readonly hint: string | undefined;
  constructor(message: string, offset: number, length = 1, hint?: string) {
    super(message);
    this.name = 'RegexSyntaxError';
    this.offset = offset;
    this.length = length;
    this.hint = hint;
  }
}

/** RE2 refuses repetition counts above 1000; so does this engine (DuckDB would fail on them anyway). */
export const MAX_REPEAT = 1000;
/** Most NFA states a regex may compile to (counted repetitions multiply the states). */
export const MAX_STATES = 20_000;
/** Most DFA states kept; past this the cache starts over (the answer is the same, only slower). */
const MAX_DFA_STATES = 2_000;
const MAX_CODE_POINT = 0x10ffff;

/** A set of code points as sorted, disjoint, inclusive ranges [lo0, hi0, lo1, hi1, ...]. */
type Ranges = readonly number[];

const DIGIT: Ranges = [0x30, 0x39];
const WORD: Ranges = [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a];
const SPACE: Ranges = [0x09, 0x0a, 0x0c, 0x0d, 0x20, 0x20];
const DOT: Ranges = [0, 0x09, 0x0b, MAX_CODE_POINT];

function normalize(ranges: readonly number[]): number[] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < ranges.length; i += 2) pairs.push([ranges[i]!, ranges[i + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of pairs) {
    const n = out.length;
    if (n > 0 && lo <= out[n - 1]! + 1) out[n - 1] = Math.max(out[n - 1]!, hi);
    else out.push(lo, hi);
  }
  return out;
}

function complement(ranges: Ranges): number[] {
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    if (ranges[i]! > next) out.push(next, ranges[i]! - 1);
    next = ranges[i + 1]! + 1;
  }
  if (next <= MAX_CODE_POINT) out.push(next, MAX_CODE_POINT);
  return out;
}

function inRanges(r: Ranges, c: number): boolean {
  for (let i = 0; i < r.length; i += 2) {
    if (c < r[i]!) return false;
    if (c <= r[i + 1]!) return true;
  }
  return false;
}

// ---- syntax: alternatives of sequences of (atom, repetition) ----

type Atom =
  | { readonly kind: 'set'; readonly ranges: Ranges }
  | { readonly kind: 'bol' }
  | { readonly kind: 'eol' };
interface Item {
  readonly atom: Atom;
  readonly min: number;
  /** Infinity for no upper bound. */
  readonly max: number;
}
type Syntax = readonly (readonly Item[])[];

const ESCAPED_SETS: Readonly<Record<string, Ranges>> = {
  d: DIGIT,
  D: complement(DIGIT),
  w: WORD,
  W: complement(WORD),
  s: SPACE,
  S: complement(SPACE),
};
const ESCAPED_CHARS: Readonly<Record<string, number>> = { t: 9, n: 10, v: 11, f: 12, r: 13 };

class RegexParser {
  private i = 0;
  constructor(private readonly src: string) {}

  parse(): Syntax {
    const alts: Item[][] = [this.sequence()];
    while (this.src[this.i] === '|') {
      this.i++;
      alts.push(this.sequence());
    }
    if (this.i < this.src.length) this.unexpected();
    return alts;
  }

  private unexpected(): never {
    const c = this.src[this.i]!;
    if (c === ']' || c === '}') {
      throw new RegexSyntaxError(
        `a lone "${c}" at position ${this.i}`,
        this.i,
        1,
        `write \\${c} for a literal ${c}`,
      );
    }
    throw new RegexSyntaxError(`unexpected "${c}" at position ${this.i}`, this.i);
  }

  private sequence(): Item[] {
    const items: Item[] = [];
    while (this.i < this.src.length && this.src[this.i] !== '|') {
      const at = this.i;
      const atom = this.atom();
      const [min, max] = this.repetition(atom, at);
      items.push({ atom, min, max });
    }
    return items;
  }

  private atom(): Atom {
    const at = this.i;
    const c = this.src[this.i]!;
    switch (c) {
      case '^':
        this.i++;
        return { kind: 'bol' };
      case '$':
        this.i++;
        return { kind: 'eol' };
      case '.':
        this.i++;
        return { kind: 'set', ranges: DOT };
      case '[':
        return { kind: 'set', ranges: this.charClass() };
      case '\\':
        return { kind: 'set', ranges: this.escape(false) };
      case '*':
      case '+':
      case '?':
        throw new RegexSyntaxError(
          `"${c}" at position ${at} repeats nothing`,
          at,
          1,
          `write \\${c} for a literal ${c}`,
        );
      case '{':
        throw new RegexSyntaxError(
          `"{" at position ${at} repeats nothing`,
          at,
          1,
          'write \\{ for a literal brace',
        );
      case ']':
      case '}':
        return this.unexpected();
      default: {
        const cp = this.src.codePointAt(this.i)!;
        this.i += cp > 0xffff ? 2 : 1;
        return { kind: 'set', ranges: [cp, cp] };
      }
    }
  }

  /** `\x` outside or inside a class: a set (`\d`), a control character or escaped punctuation. */
  private escape(inClass: boolean): Ranges {
    const at = this.i;
    const e = this.src[this.i + 1];
    if (e === undefined)
      throw new RegexSyntaxError('the regex ends with a lone "\\"', at, 1, 'write \\\\ for a backslash');
    this.i += 2;
    const set = ESCAPED_SETS[e];
    if (set) return set;
    const ctl = ESCAPED_CHARS[e];
    if (ctl !== undefined) return [ctl, ctl];
    if (/[^A-Za-z0-9]/.test(e) && e.charCodeAt(0) < 0x80) return [e.charCodeAt(0), e.charCodeAt(0)];
    if ((e === 'b' || e === 'B') && !inClass) {
      throw new RegexSyntaxError(
        `"\\${e}" at position ${at}: word boundaries are not part of CloudWatch's regex syntax`,
        at,
        2,
        'match the separating character instead, e.g. [^A-Za-z0-9_]',
      );
    }
    throw new RegexSyntaxError(
      `"\\${e}" at position ${at} is not an escape CloudWatch regexes know`,
      at,
      2,
      'the escapes are \\d \\w \\s (and \\D \\W \\S), \\t \\n \\r, and \\ before a symbol such as \\. or \\-',
    );
  }

  private charClass(): Ranges {
    const open = this.i;
    this.i++;
    const negate = this.src[this.i] === '^';
    if (negate) this.i++;
    if (this.src[this.i] === ']') {
      throw new RegexSyntaxError(
        `"]" at position ${this.i} right after "[" is read differently by different regex engines`,
        this.i,
        1,
        'write \\] for a bracket inside a class',
      );
    }
    const ranges: number[] = [];
    for (;;) {
      if (this.i >= this.src.length) {
        throw new RegexSyntaxError(
          `the class "[" at position ${open} has no closing "]"`,
          open,
          1,
          'add "]"',
        );
      }
      const c = this.src[this.i]!;
      if (c === ']') {
        this.i++;
        break;
      }
      if (c === '[') {
        throw new RegexSyntaxError(
          `"[" at position ${this.i} inside a class`,
          this.i,
          1,
          'write \\[ for a bracket inside a class',
        );
      }
      const loAt = this.i;
      const lo = this.classChar();
      if (this.src[this.i] === '-' && this.src[this.i + 1] !== ']' && this.i + 1 < this.src.length) {
        this.i++;
        const hi = this.classChar();
        if (lo.length !== 2 || lo[0] !== lo[1] || hi.length !== 2 || hi[0] !== hi[1]) {
          throw new RegexSyntaxError(
            `the range at position ${loAt} has a set such as \\d at one end`,
            loAt,
            this.i - loAt,
            'a range joins two characters, e.g. a-z; write \\- for a literal hyphen',
          );
        }
        if (lo[0]! > hi[0]!) {
          throw new RegexSyntaxError(
            `the range at position ${loAt} runs backwards`,
            loAt,
            this.i - loAt,
            'write the smaller end first, e.g. a-z',
          );
        }
        ranges.push(lo[0]!, hi[0]!);
      } else {
        ranges.push(...lo);
      }
    }
    const set = normalize(ranges);
    return negate ? complement(set) : set;
  }

  private classChar(): Ranges {
    const c = this.src[this.i]!;
    if (c === '\\') return this.escape(true);
    const cp = this.src.codePointAt(this.i)!;
    this.i += cp > 0xffff ? 2 : 1;
    return [cp, cp];
  }

  private repetition(atom: Atom, atomAt: number): [number, number] {
    const c = this.src[this.i];
    let min: number;
    let max: number;
    const at = this.i;
    if (c === '*') [min, max] = [0, Number.POSITIVE_INFINITY];
    else if (c === '+') [min, max] = [1, Number.POSITIVE_INFINITY];
    else if (c === '?') [min, max] = [0, 1];
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
      if (!m) {
        throw new RegexSyntaxError(
          `"{" at position ${this.i} does not start a repetition such as {2} or {1,3}`,
          this.i,
          1,
          'write \\{ for a literal brace',
        );
      }
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3]);
      if (min > MAX_REPEAT || (max !== Number.POSITIVE_INFINITY && max > MAX_REPEAT)) {
        throw new RegexSyntaxError(
          `the repetition at position ${at} counts past ${MAX_REPEAT}`,
          at,
          m[0].length,
        );
      }
      if (max < min) {
        throw new RegexSyntaxError(
          `the repetition at position ${at} has its bounds backwards`,
          at,
          m[0].length,
        );
      }
      this.i += m[0].length - 1;
    } else return [1, 1];
    this.i++;
    if (atom.kind !== 'set') {
      throw new RegexSyntaxError(`the anchor at position ${atomAt} cannot be repeated`, at, 1);
    }
    if (this.src[this.i] === '?') this.i++; // lazy: same yes/no answer
    const next = this.src[this.i];
    if (next === '*' || next === '+' || next === '?' || next === '{') {
      throw new RegexSyntaxError(
        `"${next}" at position ${this.i} repeats a repetition`,
        this.i,
        1,
        'remove it',
      );
    }
    return [min, max];
  }
}

/**
 * Checks a regex's syntax, throwing RegexSyntaxError with the position of the first fault.
 *
 * @example checkRegex('[Ee]rror|[Ff]ail') // ok
 * @example checkRegex('a**') // throws: "*" repeats a repetition
 */
export function checkRegex(source: string): void {
  compileNfa(source);
}

// ---- NFA ----

const CHAR = 0;
const SPLIT = 1;
const BOL = 2;
const EOL = 3;
const MATCH = 4;

interface Nfa {
  readonly kind: Uint8Array;
  readonly out: Int32Array;
  readonly out1: Int32Array;
  readonly sets: readonly (Ranges | undefined)[];
  readonly start: number;
}

function compileNfa(source: string): Nfa {
  const syntax = new RegexParser(source).parse();
  const kind: number[] = [];
  const out: number[] = [];
  const out1: number[] = [];
  const sets: (Ranges | undefined)[] = [];
  const node = (k: number, o: number, o1 = -1, set?: Ranges): number => {
    if (kind.length >= MAX_STATES) {
      throw new RegexSyntaxError(
        `the regex is too large (more than ${MAX_STATES} states)`,
        0,
        source.length,
        'use smaller repetition counts',
      );
    }
    kind.push(k);
    out.push(o);
    out1.push(o1);
    sets.push(set);
    return kind.length - 1;
  };
  const match = node(MATCH, -1);
  const one = (atom: Atom, next: number): number =>
    atom.kind === 'set' ? node(CHAR, next, -1, atom.ranges) : node(atom.kind === 'bol' ? BOL : EOL, next);
  const item = (it: Item, next: number): number => {
    let cur = next;
    if (it.max === Number.POSITIVE_INFINITY) {
      const loop = node(SPLIT, -1, next);
      out[loop] = one(it.atom, loop);
      cur = loop;
    } else {
      for (let k = it.min; k < it.max; k++) cur = node(SPLIT, one(it.atom, cur), next);
    }
    for (let k = 0; k < it.min; k++) cur = one(it.atom, cur);
    return cur;
  };
  const starts = syntax.map((seq) => seq.reduceRight((next, it) => item(it, next), match));
  let start = starts[starts.length - 1]!;
  for (let k = starts.length - 2; k >= 0; k--) start = node(SPLIT, starts[k]!, start);
  return {
    kind: Uint8Array.from(kind),
    out: Int32Array.from(out),
    out1: Int32Array.from(out1),
    sets,
    start,
  };
}

// ---- lazily built DFA over the NFA ----

/** Flags of a DFA state: a match has been seen; no match can follow (anchored regex that failed). */
const F_MATCH = 1;
const F_DEAD = 2;

/** A compiled regex: `test` answers whether it matches anywhere in the text, in linear time. */
export interface CompiledRegex {
  test(text: string): boolean;
}

/**
 * Compiles a CloudWatch regex (the text between the `%`). Throws RegexSyntaxError for text it refuses.
 * DFA states are numbered; their ASCII transitions live in one Int32Array (state × 128), so the inner loop
 * is a typed-array lookup per character.
 *
 * @example compileRegex('a*a*a*a*a*a*c').test('a'.repeat(100000)) // false, in milliseconds
 */
export function compileRegex(source: string): CompiledRegex {
  const nfa = compileNfa(source);
  const mark = new Int32Array(nfa.kind.length).fill(-1);
  let generation = 0;

  /** Adds the closure of `from` to `acc` (CHAR, EOL, MATCH nodes); BOL passes only when `atStart`. */
  const closure = (from: number, atStart: boolean, atEnd: boolean, acc: number[]): void => {
    const stack = [from];
    while (stack.length > 0) {
      const s = stack.pop()!;
      if (mark[s] === generation) continue;
      mark[s] = generation;
      switch (nfa.kind[s]) {
        case SPLIT:
          stack.push(nfa.out1[s]!, nfa.out[s]!);
          break;
        case BOL:
          if (atStart) stack.push(nfa.out[s]!);
          break;
        case EOL:
          if (atEnd) stack.push(nfa.out[s]!);
          else acc.push(s);
          break;
        default:
          acc.push(s);
      }
    }
  };

  let nodesOf: Int32Array[] = [];
  let flags = new Uint8Array(16);
  let matchAtEnd = new Uint8Array(16);
  let trans = new Int32Array(16 * 128).fill(-1);
  let other: Map<number, number>[] = [];
  let byKey = new Map<string, number>();

  const stateOf = (nodes: number[], atStart: boolean): number => {
    nodes.sort((a, b) => a - b);
    // Only the initial state may pass `^`, so it is kept apart from a later state with the same nodes.
    const key = (atStart ? 'start:' : '') + nodes.join(',');
    const known = byKey.get(key);
    if (known !== undefined) return known;
    const id = nodesOf.length;
    if (id === flags.length) {
      const grow = <T extends Uint8Array | Int32Array>(a: T, make: (n: number) => T, fill?: number): T => {
        const b = make(a.length * 2);
        if (fill !== undefined) b.fill(fill);
        b.set(a);
        return b;
      };
      flags = grow(flags, (k) => new Uint8Array(k));
      matchAtEnd = grow(matchAtEnd, (k) => new Uint8Array(k));
      trans = grow(trans, (k) => new Int32Array(k), -1);
    }
    generation++;
    const atEnd: number[] = [];
    for (const s of nodes) if (nfa.kind[s] === EOL) closure(nfa.out[s]!, atStart, true, atEnd);
    const match = nodes.some((s) => nfa.kind[s] === MATCH);
    nodesOf.push(Int32Array.from(nodes));
    other.push(new Map());
    flags[id] = match ? F_MATCH : nodes.length === 0 && !atStart ? F_DEAD : 0;
    matchAtEnd[id] = match || atEnd.some((s) => nfa.kind[s] === MATCH) ? 1 : 0;
    byKey.set(key, id);
    return id;
  };
  const initial = (): number => {
    generation++;
    const acc: number[] = [];
    closure(nfa.start, true, false, acc);
    return stateOf(acc, true);
  };
  /** The state between matches attempts: only the unanchored restart. Off it, the DFA stays put. */
  const idleState = (): number => {
    generation++;
    const acc: number[] = [];
    closure(nfa.start, false, false, acc);
    return stateOf(acc, false);
  };
  let start = initial();
  let idle = idleState();
  // In the idle state only a character that can begin a match moves the DFA: a native search for one of
  // them (a single character class, which cannot backtrack) skips the rest, as V8 does for literals.
  const firstChars = normalize(
    Array.from(nodesOf[idle]!).flatMap((s) => (nfa.kind[s] === CHAR ? [...nfa.sets[s]!] : [])),
  );
  const spread = firstChars.reduce((sum, v, k) => (k % 2 === 1 ? sum + v - firstChars[k - 1]! + 1 : sum), 0);
  const prefilter =
    firstChars.length > 0 && spread < 64
      ? new RegExp(
          `[${firstChars.map((v, k) => (k % 2 === 0 ? `\\u{${v.toString(16)}}` : `-\\u{${v.toString(16)}}`)).join('')}]`,
          'gu',
        )
      : undefined;
  /** The state after `from` reads `c`, built and cached on first use. */
  const step = (from: number, c: number): number => {
    let nodes = nodesOf[from]!;
    if (nodesOf.length >= MAX_DFA_STATES) {
      // Start the cache over, carrying the current state into the new one.
      nodesOf = [];
      other = [];
      byKey = new Map();
      flags = new Uint8Array(16);
      matchAtEnd = new Uint8Array(16);
      trans = new Int32Array(16 * 128).fill(-1);
      start = initial();
      idle = idleState();
      from = stateOf(Array.from(nodes), false);
      nodes = nodesOf[from]!;
    }
    generation++;
    const acc: number[] = [];
    for (const s of nodes) {
      if (nfa.kind[s] === CHAR && inRanges(nfa.sets[s]!, c)) closure(nfa.out[s]!, false, false, acc);
    }
    closure(nfa.start, false, false, acc); // unanchored: a match may start at the next position
    const next = stateOf(acc, false);
    if (c < 128) trans[(from << 7) | c] = next;
    else other[from]!.set(c, next);
    return next;
  };

  return {
    test(text: string): boolean {
      let s = start;
      if (flags[s] === F_MATCH) return true;
      // Locals for the hot loop, refreshed whenever step() may have grown or replaced the tables.
      let tr = trans;
      let fl = flags;
      const len = text.length;
      for (let i = 0; i < len; i++) {
        if (s === idle && prefilter !== undefined) {
          prefilter.lastIndex = i;
          const m = prefilter.exec(text);
          if (m === null) return matchAtEnd[idle] === 1;
          i = m.index;
        }
        let c = text.charCodeAt(i);
        let next: number;
        if (c < 128) {
          next = tr[(s << 7) | c]!;
          if (next < 0) {
            next = step(s, c);
            tr = trans;
            fl = flags;
          }
        } else {
          if (c >= 0xd800 && c <= 0xdbff && i + 1 < len) {
            const d = text.charCodeAt(i + 1);
            if (d >= 0xdc00 && d <= 0xdfff) {
              c = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
              i++;
            }
          }
          const known = other[s]!.get(c);
          if (known === undefined) {
            next = step(s, c);
            tr = trans;
            fl = flags;
          } else next = known;
        }
        s = next;
        const f = fl[s]!;
        if (f !== 0) return f === F_MATCH;
      }
      return matchAtEnd[s] === 1;
    },
  };
}

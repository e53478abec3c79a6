// Text pasted from web pages and consoles: typographic quotes, dashes, bullets, list numbers, invisible and
// non-breaking spaces. Shared by the filter-pattern, Logs Insights, Athena and alarm-rule lexers and the SQL sandbox.
//
// The rule (issue 12 item 3), decided once for every language:
// - Unicode spaces (NBSP U+00A0, U+2000–U+200A, U+202F, U+205F, U+3000, U+1680) are read as a plain space,
//   everywhere, inside quotes too: pages write NBSP where the author typed a space, and flow log records
//   never hold one. The replacement keeps the text's length, so every span stays true for the original.
// - Typographic quotes, dashes, the ellipsis character and list bullets are refused outside straight-quoted
//   strings (inside "..." they are the user's data) with an error naming the character, its position and
//   the fix. Invisible characters (zero-width spaces, soft hyphens, BOM inside the text) are refused
//   everywhere: a term holding one would silently match nothing.
// - A list number or bullet at the start ("1. ", "2) ", "• ") is refused: it was copied with the step.

/** A character a web page or word processor puts where the languages expect another, and the fix. */
interface Pasted {
  readonly name: string;
  readonly fix: string;
  /** Invisible characters are refused inside strings too. */
  readonly invisible?: boolean;
}

const QUOTE2 = 'replace it with a straight quote "';
const QUOTE1 = "replace it with a straight quote '";
const QUOTE2_SQL =
  "replace it with a straight quote: in SQL a text value takes single quotes (e.g. 'REJECT'), a column name double quotes";
const DASH = 'replace it with a hyphen-minus -';
const BULLET = 'delete the list bullet copied with the text';
const INVISIBLE = 'delete it: it is invisible, and a term holding it matches nothing';

const PASTED: ReadonlyMap<number, Pasted> = new Map<number, Pasted>([
  [0x2018, { name: 'LEFT SINGLE QUOTATION MARK', fix: QUOTE1 }],
  [0x2019, { name: 'RIGHT SINGLE QUOTATION MARK', fix: QUOTE1 }],
  [0x201a, { name: 'SINGLE LOW-9 QUOTATION MARK', fix: QUOTE1 }],
  [0x201b, { name: 'SINGLE HIGH-REVERSED-9 QUOTATION MARK', fix: QUOTE1 }],
  [0x2032, { name: 'PRIME', fix: QUOTE1 }],
  [0xff07, { name: 'FULLWIDTH APOSTROPHE', fix: QUOTE1 }],
  [0x201c, { name: 'LEFT DOUBLE QUOTATION MARK', fix: QUOTE2 }],
  [0x201d, { name: 'RIGHT DOUBLE QUOTATION MARK', fix: QUOTE2 }],
  [0x201e, { name: 'DOUBLE LOW-9 QUOTATION MARK', fix: QUOTE2 }],
  [0x201f, { name: 'DOUBLE HIGH-REVERSED-9 QUOTATION MARK', fix: QUOTE2 }],
  [0x2033, { name: 'DOUBLE PRIME', fix: QUOTE2 }],
  [0x00ab, { name: 'LEFT-POINTING DOUBLE ANGLE QUOTATION MARK', fix: QUOTE2 }],
  [0x00bb, { name: 'RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK', fix: QUOTE2 }],
  [0xff02, { name: 'FULLWIDTH QUOTATION MARK', fix: QUOTE2 }],
  [0x2010, { name: 'HYPHEN', fix: DASH }],
  [0x2011, { name: 'NON-BREAKING HYPHEN', fix: DASH }],
  [0x2012, { name: 'FIGURE DASH', fix: DASH }],
  [0x2013, { name: 'EN DASH', fix: DASH }],
  [0x2014, { name: 'EM DASH', fix: DASH }],
  [0x2015, { name: 'HORIZONTAL BAR', fix: DASH }],
  [0x2212, { name: 'MINUS SIGN', fix: DASH }],
  [0x2026, { name: 'HORIZONTAL ELLIPSIS', fix: 'replace it with three dots ...' }],
  [0x2022, { name: 'BULLET', fix: BULLET }],
  [0x2023, { name: 'TRIANGULAR BULLET', fix: BULLET }],
  [0x2043, { name: 'HYPHEN BULLET', fix: BULLET }],
  [0x25aa, { name: 'BLACK SMALL SQUARE', fix: BULLET }],
  [0x25cf, { name: 'BLACK CIRCLE', fix: BULLET }],
  [0x25e6, { name: 'WHITE BULLET', fix: BULLET }],
  [0x200b, { name: 'ZERO WIDTH SPACE', fix: INVISIBLE, invisible: true }],
  [0x200c, { name: 'ZERO WIDTH NON-JOINER', fix: INVISIBLE, invisible: true }],
  [0x200d, { name: 'ZERO WIDTH JOINER', fix: INVISIBLE, invisible: true }],
  [0x2060, { name: 'WORD JOINER', fix: INVISIBLE, invisible: true }],
  [0xfeff, { name: 'ZERO WIDTH NO-BREAK SPACE', fix: INVISIBLE, invisible: true }],
  [0x00ad, { name: 'SOFT HYPHEN', fix: INVISIBLE, invisible: true }],
]);

/** Unicode spaces read as a plain space (all one UTF-16 unit, so the length is kept). */
const UNICODE_SPACE = /[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/g;

/**
 * The text with every Unicode space replaced by U+0020, same length (spans stay valid).
 *
 * @example normalizeSpaces('ERROR\u00a0ARGUMENTS') // 'ERROR ARGUMENTS'
 */
export function normalizeSpaces(text: string): string {
  return text.replace(UNICODE_SPACE, ' ');
}

/** A pasted character or list marker found in a text, ready for a language's own error class. */
export interface PastedFault {
  readonly code: 'PASTED_CHARACTER' | 'PASTED_LIST_MARKER';
  readonly message: string;
  readonly hint: string;
  /** UTF-16 offsets in the text, end excluded. */
  readonly start: number;
  readonly end: number;
}

/** "U+201C LEFT DOUBLE QUOTATION MARK" for a code point in the table. */
function describe(cp: number, p: Pasted): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')} ${p.name}`;
}

/** 1-based character number (code points, as a person counts) of a UTF-16 offset. */
export function characterNumber(text: string, offset: number): number {
  let n = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < offset) i++;
    n++;
  }
  return n + 1;
}

/**
 * The first pasted character in text[start, end), or undefined. With `inString`, only invisible characters
 * count (the rest is the user's data inside straight quotes).
 *
 * @example findPasted('“ERROR”', 0, 7)?.message // '"“" (U+201C LEFT DOUBLE QUOTATION MARK) at character 1 ...'
 */
export function findPasted(
  text: string,
  start = 0,
  end = text.length,
  inString = false,
): PastedFault | undefined {
  for (let i = start; i < end; i++) {
    const cp = text.charCodeAt(i);
    const p = PASTED.get(cp);
    if (p === undefined || (inString && !p.invisible)) continue;
    const shown = p.invisible ? '' : `"${String.fromCharCode(cp)}" `;
    const kind = p.invisible ? 'an invisible character' : 'a typographic character';
    return {
      code: 'PASTED_CHARACTER',
      message: `${shown}(${describe(cp, p)}) at character ${characterNumber(text, i)} is ${kind}, as web pages and word processors write them`,
      hint: p.fix,
      start: i,
      end: i + 1,
    };
  }
  return undefined;
}

/**
 * The first pasted character of a SQL text outside its straight-quoted strings ('...') and names ("..."), where
 * only invisible characters count, and outside comments; undefined when there is none. DuckDB itself reads a
 * typographic quote as part of a name (`action = “REJECT”`: no column “REJECT”) or stops at it ("syntax error
 * at or near .0"), and says nothing of the quote.
 *
 * @example findPastedSql("SELECT * FROM flows WHERE srcaddr = ‘10.0.1.5’")?.start // 36
 */
export function findPastedSql(text: string): PastedFault | undefined {
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < text.length && !(text[j] === c && text[j + 1] !== c)) j += text[j] === c ? 2 : 1;
      const inside = findPasted(text, i + 1, j, true);
      if (inside) return inside;
      i = j + 1;
    } else if (c === '-' && text[i + 1] === '-') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl + 1;
    } else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? text.length : close + 2;
    } else {
      const fault = findPasted(text, i, i + 1);
      // In SQL a straight " quotes a name, not a value: a typographic double quote pasted around a value
      // (`action = “REJECT”`) wants single quotes, and "REJECT" would be refused as an unknown column.
      if (fault) return fault.hint === QUOTE2 ? { ...fault, hint: QUOTE2_SQL } : fault;
      i++;
    }
  }
  return undefined;
}

/**
 * A list number or bullet at the start of the text ("1. ", "2) ", "• "), copied with a tutorial's step.
 *
 * @example findListMarker('1. filter action = "REJECT"')?.code // 'PASTED_LIST_MARKER'
 */
export function findListMarker(text: string): PastedFault | undefined {
  const m = /^(\s*)(\d{1,3}[.)]|[\u2022\u2023\u2043\u25aa\u25cf\u25e6])[ \t\u00a0]+\S/.exec(text);
  if (!m) return undefined;
  const start = m[1]!.length;
  const marker = m[2]!;
  return {
    code: 'PASTED_LIST_MARKER',
    message: `the text starts with the list ${/\d/.test(marker) ? 'number' : 'bullet'} "${marker}", copied with a step of a web page`,
    hint: `delete "${marker}" and the space after it`,
    start,
    end: start + marker.length,
  };
}

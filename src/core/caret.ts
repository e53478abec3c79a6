// The caret line under a span of user text, placed by display columns: spans are UTF-16 offsets, but a
// terminal shows code points, wide (CJK, emoji) characters take two columns and combining marks none.

/** Columns a code point takes in a terminal: 0 for combining and invisible marks, 2 for wide ones, else 1. */
function columns(cp: number): number {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (cp < 0x300) return 1;
  const ch = String.fromCodePoint(cp);
  if (/[\p{Mn}\p{Me}\u200b-\u200f\u2060\ufeff]/u.test(ch)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

/**
 * Display columns of a text (tabs count as one column: caretLine shows them as a space).
 *
 * @example displayWidth('日本 x') // 6
 */
export function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += ch === '\t' ? 1 : columns(ch.codePointAt(0)!);
  return w;
}

/**
 * The line of `text` holding `start`, and a caret line under [start, end) (UTF-16 offsets), both indented
 * by two spaces. Long lines are cut around the span. Tabs are shown as one space, so columns agree.
 *
 * @example caretLine('日本 x', 3, 4) // '  日本 x\n       ^'
 */
export function caretLine(text: string, start: number, end: number, maxWidth = 200): string {
  const lineStart = text.lastIndexOf('\n', Math.max(0, start - 1)) + 1;
  const nl = text.indexOf('\n', lineStart);
  const lineEnd = nl === -1 ? text.length : nl;
  let line = text.slice(lineStart, lineEnd).replace(/\r$/, '');
  let from = Math.min(Math.max(start, lineStart), lineStart + line.length) - lineStart;
  let to = Math.min(Math.max(end, start), lineStart + line.length) - lineStart;
  // Show at most maxWidth characters: the start of the line, or a window ending a little past the span.
  if (line.length > maxWidth) {
    const cut = Math.max(0, Math.min(from - Math.floor(maxWidth / 2), line.length - maxWidth));
    const shown = line.slice(cut, cut + maxWidth - 3);
    line = `${cut > 0 ? '...' : ''}${shown}${cut + maxWidth - 3 < line.length ? '...' : ''}`;
    const shift = cut > 0 ? cut - 3 : 0;
    from -= shift;
    to -= shift;
    to = Math.min(to, line.length);
  }
  line = line.replace(/\t/g, ' ');
  const pad = displayWidth(line.slice(0, from));
  const width = Math.max(1, displayWidth(line.slice(from, to)));
  return `  ${line}\n  ${' '.repeat(pad)}${'^'.repeat(width)}`;
}

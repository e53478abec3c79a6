// Where in the user's SQL a DuckDB error points: DuckDB ends binder and catalog errors with the line it
// faulted on and a caret ("LINE 2:   srcadr\n          ^"), the line cut down to a window with "..." when it
// is long. This maps that caret back to an offset in the text the user sent and strips the context lines
// from the message, so the dashboard can underline the fault instead of printing the caret on one line.

/** A DuckDB error message without its caret context, and the 0-based span (UTF-16, end excluded) it names. */
export interface SqlErrorSpan {
  readonly message: string;
  readonly start?: number;
  readonly end?: number;
}

const CONTEXT = /\n*LINE (\d+): ([^\n]*)\n( *)\^[ \t]*$/;

/**
 * Splits DuckDB's `LINE n: ...` / caret context off `message` and finds the offset it points at in `sql`.
 * The caret's column counts from the start of the shown window, which may begin with "..."; the window's
 * text is looked up in the user's line to place it. No context (or a line the text does not have): no span.
 *
 * @example sqlErrorSpan('SELECT x\nFROM flows', 'Binder Error: Referenced column "x" not found\n\nLINE 1: SELECT x\n               ^') // { message: 'Binder Error: ...', start: 7, end: 8 }
 */
export function sqlErrorSpan(sql: string, message: string): SqlErrorSpan {
  const m = CONTEXT.exec(message);
  if (!m) return { message };
  const bare = message.slice(0, m.index).replace(/\s+$/, '');
  const lineNo = Number(m[1]);
  const shown = m[2]!;
  const column = m[3]!.length - `LINE ${m[1]}: `.length;
  const lines = sql.split('\n');
  const line = lines[lineNo - 1];
  if (line === undefined || column < 0) return { message: bare };
  const lineStart = lines.slice(0, lineNo - 1).reduce((n, l) => n + l.length + 1, 0);
  let inLine: number | undefined;
  if (shown === line.replace(/\r$/, '') || line.startsWith(shown)) {
    inLine = column;
  } else {
    // A window: "...middle of the line..." — find where it starts in the line.
    const lead = shown.startsWith('...') ? 3 : 0;
    const body = shown.slice(lead).replace(/\.\.\.$/, '');
    const at = body === '' ? -1 : line.indexOf(body);
    if (at >= 0) inLine = at + column - lead;
  }
  if (inLine === undefined || inLine < 0 || inLine > line.length) return { message: bare };
  const start = lineStart + inLine;
  const word = /^("[^"]*"|'[^']*'|[\p{L}\p{N}_$.]+|\S)/u.exec(sql.slice(start));
  return { message: bare, start, end: start + (word?.[0].length ?? 0) };
}

// Rewrites of a SELECT's text that DuckDB macros cannot express: `date_parse(s, 'fmt')` → `strptime(s, 'fmt')`
// with the MySQL-style format translated (strptime needs a constant format), and `default.t` → `"default".t`.

import { duckdbDateFormat } from '../storage/athena-macros.js';
import { literal } from '../storage/sql.js';
import { AthenaError } from './errors.js';
import { tokenize } from './lexer.js';

/**
 * The statement with every `date_parse(x, '<format>')` call rewritten for DuckDB. Offsets after a rewritten
 * format may shift by the format's change in length.
 *
 * @example rewriteQuery("SELECT date_parse(day, '%Y/%m/%d %H:%i')") // "SELECT strptime(day, '%Y/%m/%d %H:%M')"
 */
export function rewriteQuery(sql: string): string {
  const tokens = tokenize(sql);
  const edits: { start: number; end: number; text: string }[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    // `default.t`: Trino reads default as a name, DuckDB as a keyword
    if (t.kind === 'word' && t.value.toLowerCase() === 'default' && tokens[i + 1]?.value === '.') {
      edits.push({ start: t.start, end: t.end, text: '"default"' });
    }
    if (t.kind !== 'word' || t.value.toLowerCase() !== 'date_parse' || tokens[i + 1]?.value !== '(') continue;
    let depth = 0;
    let lastComma = -1;
    let close = -1;
    for (let j = i + 1; j < tokens.length; j++) {
      const v = tokens[j]!;
      if (v.kind !== 'symbol') continue;
      if (v.value === '(') depth++;
      else if (v.value === ')' && --depth === 0) {
        close = j;
        break;
      } else if (v.value === ',' && depth === 1) lastComma = j;
    }
    const fmt = tokens[lastComma + 1];
    if (close < 0 || lastComma < 0 || fmt?.kind !== 'string' || lastComma + 2 !== close) {
      throw new AthenaError(
        'ATHENA_DATE_PARSE_FORMAT',
        'date_parse needs its format as a string literal here',
        { start: t.start, end: t.end },
        "e.g. date_parse(day, '%Y/%m/%d')",
      );
    }
    edits.push({ start: t.start, end: t.end, text: 'strptime' });
    edits.push({ start: fmt.start, end: fmt.end, text: literal(duckdbDateFormat(fmt.value)) });
  }
  let out = sql;
  for (const e of edits.sort((a, b) => b.start - a.start))
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

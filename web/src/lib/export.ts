// Query results out of the browser: CSV (RFC 4180: CRLF line ends, fields with a comma, quote or line break
// quoted, quotes doubled; no value is an empty field) and JSON (an array of row objects), as a download or on
// the clipboard. Values are written as the server sent them, not as the table formats them.

/** One value as CSV text. */
function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const text = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Rows as CSV with a header line.
 *
 * @example toCsv(['a', 'b'], [{ a: 1, b: 'x,y' }]) // 'a,b\r\n1,"x,y"\r\n'
 */
export function toCsv(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  const lines = [columns.map(csvField).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvField(r[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * Rows as a JSON array of objects holding the columns in order.
 *
 * @example toJson(['a'], [{ a: 1 }]) // '[\n  {\n    "a": 1\n  }\n]\n'
 */
export function toJson(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  const out = rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null])));
  return `${JSON.stringify(out, null, 2)}\n`;
}

/** Offers `text` as a file download. */
export function download(filename: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Puts `text` on the clipboard; false when the browser refused (no permission, not a secure context). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Plain-HTTP pages (a server on another host) have no Clipboard API: fall back to a selected textarea.
    const t = document.createElement('textarea');
    t.value = text;
    t.setAttribute('readonly', '');
    t.style.position = 'fixed';
    t.style.opacity = '0';
    document.body.append(t);
    t.select();
    const ok = document.execCommand('copy');
    t.remove();
    return ok;
  }
}

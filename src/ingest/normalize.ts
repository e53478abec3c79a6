// One streaming pass over a text file (plain or gzip): integrity, header, and the split of its lines into
// "normal" lines for DuckDB's fast CSV reader and "odd" lines for the general SQL path, each numbered.

import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { Format } from '../records/format.js';

const BLANK = -2;
const NORMAL = -1;
const ODD = 0;

/**
 * Classifies the line in bytes [s, e): BLANK (only spaces and CRs); NORMAL (no leading/trailing space or
 * CR, single spaces, not JSON, no control character, exactly `fields` values, every integer field a plain
 * in-range integer or "-"); ODD; or, above 0, the 1-based column of a control character.
 */
function scanLine(buf: Buffer, s: number, e: number, fields: number, kinds: Uint8Array): number {
  let i = s;
  while (i < e && (buf[i] === SPACE || buf[i] === CR)) i++;
  if (i === e) return BLANK;
  const endsCr = buf[e - 1] === CR;
  const last = endsCr ? e - 1 : e;
  let normal = buf[s] !== SPACE && buf[s] !== BRACE && buf[e - 1] !== SPACE && !endsCr;
  let field = 0;
  let from = s;
  for (let j = s; j < e; j++) {
    const b = buf[j]!;
    if (b > SPACE) continue;
    if (b === SPACE) {
      if (normal) {
        const kind = kinds[field]!;
        if (buf[j + 1] === SPACE || field >= fields - 1 || (kind !== 0 && !plainValue(buf, from, j, kind))) {
          normal = false;
        }
        field++;
        from = j + 1;
      }
    } else if (b !== TAB && j < last) {
      return j - s + 1;
    }
  }
  const kind = kinds[field]!;
  return normal && field === fields - 1 && (kind === 0 || plainValue(buf, from, e, kind)) ? NORMAL : ODD;
}

/** The result of normalizing one file. */
export interface Normalized {
  readonly format: Format;
  /** 1 when the first line was a header line. */
  readonly skip: number;
  /** Lines written to the normal and odd files. */
  readonly normalLines: number;
  readonly oddLines: number;
  /** Lines seen in total (the header and blank lines included). */
  readonly lines: number;
  /** For a damaged gzip stream: the first line that could not be read, and why. */
  readonly damage?: { readonly line: number; readonly reason: string };
}

const SPACE = 0x20;
const NL = 0x0a;
const CR = 0x0d;
const TAB = 0x09;
const BRACE = 0x7b;
const DASH = 0x2d;
const FLUSH_AT = 1 << 22;
const INT32_MAX = Buffer.from('2147483647');
const INT64_MAX = Buffer.from('9223372036854775807');

/** Field kinds for the integer check: 0 text (or unknown), 1 int32, 2 int64. */
function kindsOf(format: Format): Uint8Array {
  return Uint8Array.from(format.fields, (f) =>
    f.def?.type === 'int32' ? 1 : f.def?.type === 'int64' ? 2 : 0,
  );
}

/**
 * True when bytes [a, b) are a value DuckDB's typed reader will take exactly as the reference parser does:
 * any text for text fields; `-` or a decimal integer within range for integer fields. Anything else sends
 * the line to the general path, which says precisely what is wrong.
 */
function plainValue(buf: Buffer, a: number, b: number, kind: number): boolean {
  if (kind === 0) return true;
  const len = b - a;
  if (len === 1 && buf[a] === DASH) return true;
  if (len === 0) return false;
  for (let i = a; i < b; i++) {
    const c = buf[i]!;
    if (c < 0x30 || c > 0x39) return false;
  }
  const max = kind === 1 ? INT32_MAX : INT64_MAX;
  if (len < max.length) return true;
  return len === max.length && buf.compare(max, 0, max.length, a, b) <= 0;
}

/** A file written in large chunks from a reusable buffer. */
class Sink {
  private buf = Buffer.allocUnsafe(FLUSH_AT + (1 << 16));
  private used = 0;
  private pending: Promise<unknown> = Promise.resolve();
  count = 0;
  private constructor(private readonly fh: FileHandle) {}

  static async create(path: string): Promise<Sink> {
    return new Sink(await open(path, 'w'));
  }

  /** Appends `<n> [<flag> ]<bytes>\n` (the flag is ASCII). Hot: digits are written by hand. */
  line(n: number, flag: string | undefined, src: Buffer, start: number, end: number): void {
    const need = 24 + (flag ? flag.length + 1 : 0) + (end - start);
    if (this.used + need > this.buf.length) {
      this.flush();
      if (need > this.buf.length) this.buf = Buffer.allocUnsafe(need * 2);
    }
    const buf = this.buf;
    let at = this.used;
    let digits = 1;
    for (let v = n; v >= 10; v = Math.floor(v / 10)) digits++;
    for (let k = at + digits - 1, v = n; k >= at; k--, v = Math.floor(v / 10)) buf[k] = 0x30 + (v % 10);
    at += digits;
    buf[at++] = SPACE;
    if (flag) {
      at += buf.write(flag, at, 'latin1');
      buf[at++] = SPACE;
    }
    at += src.copy(buf, at, start, end);
    buf[at++] = NL;
    this.used = at;
    this.count++;
  }

  /** True when enough is buffered to be worth writing. */
  get full(): boolean {
    return this.used >= FLUSH_AT;
  }

  flush(): void {
    if (this.used === 0) return;
    const chunk = Buffer.from(this.buf.subarray(0, this.used));
    this.used = 0;
    this.pending = this.pending.then(() => this.fh.write(chunk));
  }

  async close(): Promise<void> {
    this.flush();
    await this.pending;
    await this.fh.close();
  }
}

/**
 * Reads `path` once and writes `normalPath` (`<line> <record>` per line) and `oddPath`
 * (`<line> <flag> <text>` per line, flag `-` or the column of a control character). `chooseFormat` gets the
 * first line and decides the format and whether that line is a header. Blank lines are dropped (they hold
 * no record) but counted in the numbering. A damaged gzip stream ends the file at the last whole line.
 */
export async function normalize(
  path: string,
  gzip: boolean,
  chooseFormat: (firstLine: string) => { format: Format; header: boolean },
  normalPath: string,
  oddPath: string,
): Promise<Normalized> {
  const normal = await Sink.create(normalPath);
  const odd = await Sink.create(oddPath);
  let format: Format | undefined;
  let skip = 0;
  let fields = 0;
  let kinds: Uint8Array = new Uint8Array(0);
  let lineNo = 0;
  let carry: Buffer = Buffer.alloc(0);
  let damage: string | undefined;

  const handle = (buf: Buffer, s: number, e: number): void => {
    lineNo++;
    if (format === undefined) {
      const choice = chooseFormat(buf.toString('utf8', s, e));
      format = choice.format;
      fields = format.fields.length;
      kinds = kindsOf(format);
      if (choice.header) {
        skip = 1;
        return;
      }
    }
    const verdict = scanLine(buf, s, e, fields, kinds);
    if (verdict === BLANK) return;
    if (verdict === NORMAL) {
      normal.line(lineNo, undefined, buf, s, e);
      return;
    }
    if (verdict === ODD) {
      odd.line(lineNo, '-', buf, s, buf[e - 1] === CR ? e - 1 : e);
      return;
    }
    const text = Buffer.from(buf.subarray(s, e));
    for (let j = 0; j < text.length; j++) if (text[j]! < SPACE && text[j] !== TAB) text[j] = 0x3f;
    odd.line(lineNo, String(verdict), text, 0, text.length);
  };

  const consume = (chunk: Buffer): void => {
    let s = 0;
    let nl = chunk.indexOf(NL);
    if (carry.length > 0) {
      // The line cut at the end of the previous chunk: join only that line.
      if (nl < 0) {
        carry = Buffer.concat([carry, chunk]);
        return;
      }
      const joined = Buffer.concat([carry, chunk.subarray(0, nl)]);
      handle(joined, 0, joined.length);
      s = nl + 1;
      nl = chunk.indexOf(NL, s);
    }
    while (nl >= 0) {
      handle(chunk, s, nl);
      s = nl + 1;
      nl = chunk.indexOf(NL, s);
    }
    carry = Buffer.from(chunk.subarray(s));
  };

  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    if (gzip) {
      const inflate = createGunzip({ chunkSize: 1 << 20 });
      raw.on('error', (err) => inflate.destroy(err));
      raw.pipe(inflate);
      try {
        for await (const chunk of inflate) {
          consume(chunk as Buffer);
          if (normal.full) normal.flush();
          if (odd.full) odd.flush();
        }
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        damage =
          msg === 'unexpected end of file' ? 'the gzip stream ends early (truncated file)' : `gzip: ${msg}`;
      }
    } else {
      for await (const chunk of raw) {
        consume(chunk as Buffer);
        if (normal.full) normal.flush();
        if (odd.full) odd.flush();
      }
    }
    // A last line without a newline is a line, unless the stream was cut (then it is the damaged part).
    if (carry.length > 0 && damage === undefined) handle(carry, 0, carry.length);
  } finally {
    raw.destroy();
    await normal.close();
    await odd.close();
  }
  const result = {
    format: format ?? chooseFormat('').format,
    skip,
    normalLines: normal.count,
    oddLines: odd.count,
    lines: lineNo,
  };
  return damage === undefined ? result : { ...result, damage: { line: lineNo + 1, reason: damage } };
}

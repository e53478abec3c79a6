// One streaming pass over a text file (plain or gzip): integrity, header, and the split of its lines into
// "normal" lines for DuckDB's fast CSV reader and "odd" lines for the general SQL path, each numbered.

import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import type { Format } from '../records/format.js';
import { MAX_LINE_BYTES } from '../records/parse-line.js';
import { type GzipEnd, gunzipMembers } from './gunzip-members.js';
import { LineSplitter } from './line-splitter.js';

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
  /**
   * Lines (and bytes) that never reach DuckDB, located: lines over MAX_LINE_BYTES (LINE_TOO_LONG) and bytes
   * after the last gzip member (TRAILING_GARBAGE). The loader stores them as rejects.
   */
  readonly problems: readonly NormalizeProblem[];
}

/** A located reject found while splitting. */
export interface NormalizeProblem {
  readonly line: number;
  readonly code: 'LINE_TOO_LONG' | 'TRAILING_GARBAGE';
  readonly reason: string;
  /** The start of the line (clipped), when there is one. */
  readonly text: string | null;
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

/**
 * Write buffers shared by every LineFile of the process. A fresh 4 MiB buffer per scratch file (two per input
 * file) and a copy per flush made V8 run a full garbage collection every two or three 5-minute files (about a
 * sixth of ingest CPU, measured with perf); buffers now go back to this pool once written.
 */
const POOL: Buffer[] = [];
const POOLED = FLUSH_AT + (1 << 16);
const POOL_MAX = 16;

function takeBuffer(): Buffer {
  return POOL.pop() ?? Buffer.allocUnsafeSlow(POOLED);
}

function giveBuffer(b: Buffer): void {
  if (b.length === POOLED && POOL.length < POOL_MAX) POOL.push(b);
}

/**
 * A scratch file of numbered lines, written in large chunks from pooled buffers (opened on its first write, made
 * empty at the latest when closed). Several input files may share one (a batch's normal lines): each of their
 * lines then starts with the file's tag.
 */
export class LineFile {
  private buf: Buffer = takeBuffer();
  private used = 0;
  private pending: Promise<unknown> = Promise.resolve();
  private fh: FileHandle | undefined;
  private closed = false;
  /** Lines written. */
  count = 0;
  constructor(readonly path: string) {}

  /** Appends `[<tag> ]<n> [<flag> ]<bytes>\n` (the flag is ASCII). Hot: digits are written by hand. */
  line(n: number, flag: string | undefined, src: Buffer, start: number, end: number, tag = -1): void {
    const need = 48 + (flag ? flag.length + 1 : 0) + (end - start);
    if (this.used + need > this.buf.length) {
      this.flush();
      if (need > this.buf.length) this.buf = Buffer.allocUnsafe(need * 2);
    }
    const buf = this.buf;
    let at = this.used;
    if (tag >= 0) at = digits(buf, at, tag);
    at = digits(buf, at, n);
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
    const written = this.buf;
    const chunk = written.subarray(0, this.used);
    this.buf = takeBuffer();
    this.used = 0;
    this.pending = this.pending.then(async () => {
      try {
        this.fh ??= await open(this.path, 'w');
        await this.fh.write(chunk);
      } finally {
        giveBuffer(written);
      }
    });
  }

  /** Writes what is buffered and closes the file (which exists only if a line was written). */
  async close(): Promise<void> {
    if (this.closed) return this.pending.then(() => undefined);
    this.closed = true;
    this.flush();
    giveBuffer(this.buf);
    this.buf = Buffer.alloc(0);
    try {
      await this.pending;
      this.fh ??= await open(this.path, 'w');
    } finally {
      await this.fh?.close();
      this.fh = undefined;
    }
  }
}

/** Writes `v` in decimal and a space at `at`; returns the next offset. */
function digits(buf: Buffer, at: number, v: number): number {
  let d = 1;
  for (let x = v; x >= 10; x = Math.floor(x / 10)) d++;
  for (let k = at + d - 1, x = v; k >= at; k--, x = Math.floor(x / 10)) buf[k] = 0x30 + (x % 10);
  buf[at + d] = SPACE;
  return at + d + 1;
}

/** The first bytes of an over-long line as text, control characters shown as `?`. */
function headText(head: Buffer, total: number): string {
  const b = Buffer.from(head);
  for (let j = 0; j < b.length; j++) if (b[j]! < SPACE && b[j] !== TAB) b[j] = 0x3f;
  return `${b.toString('utf8')}${total > b.length ? '...' : ''}`;
}

/** What a gzip end other than a clean one means for the file: damage (lines lost) or a trailing-garbage reject. */
function gzipOutcome(end: GzipEnd): { damage?: string; garbage?: string } {
  switch (end.kind) {
    case 'ok':
      return {};
    case 'garbage':
      return {
        garbage: end.zeros
          ? `${end.bytes} zero bytes (padding) follow the last gzip member at byte ${end.offset}; they hold no data`
          : `${end.bytes} bytes at byte ${end.offset}, after the last complete gzip member, are not gzip data (trailing garbage); every record before them was read`,
      };
    case 'truncated':
      return { damage: `the gzip stream ends early at byte ${end.offset} (truncated file)` };
    case 'corrupt':
      return { damage: `gzip: ${end.message} (at byte ${end.offset})` };
    default: {
      const never: never = end;
      return never;
    }
  }
}

/** A file's bytes already in memory as the chunks a read stream would give (1 MiB at most each). */
async function* bufferChunks(bytes: Buffer): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += 1 << 20)
    yield bytes.subarray(i, Math.min(bytes.length, i + (1 << 20)));
}

/**
 * Per-line times of a live batch, given to the split by the byte offset where a line starts in the batch's bytes:
 * `at(offset)` answers the time of the event that line came from as `<unix seconds> <source>` (ASCII, e.g.
 * `1716200000 cwl-event`), or undefined when its event carried none. Offsets only grow between calls.
 */
export interface LineTimesAt {
  at(offset: number): string | undefined;
}

/** What normalizeBytes adds to Normalized when the batch has per-line times. */
export interface NormalizedTimes extends Normalized {
  /** Normal lines carry their time: `<line> <unix seconds|-> <source|-> <record>`. */
  readonly normalTimes: boolean;
  /** `<line> <unix seconds> <source>` of the odd lines that have a time (the general path joins them), or ''. */
  readonly oddTimes: string;
}

/**
 * Where a file's normal lines go: its own file, or a file shared by a batch (`forFormat` answers, once the
 * format is known from the first line, the batch file of that format and this file's tag in it; each line is
 * then `<tag> <line> <record>`).
 */
export type NormalTarget = string | ((format: Format) => { readonly file: LineFile; readonly tag: number });

/**
 * Reads `source` (a path, or the file's bytes already read) once and writes its normal lines to `normal`
 * (`<line> <record>` per line, see NormalTarget) and `oddPath` (`<line> <flag> <text>` per line, flag `-` or the
 * column of a control character). `chooseFormat` gets the
 * first line and decides the format and whether that line is a header. Blank lines are dropped (they hold
 * no record) but counted in the numbering. A line ends at LF, CRLF or a lone CR (see `splitLines`). A line
 * longer than MAX_LINE_BYTES is not buffered: its bytes are counted and skipped, and it becomes a
 * LINE_TOO_LONG problem, so time is linear and memory bounded whatever the input. A damaged gzip stream ends
 * the file at the last whole line; bytes after the last complete gzip member are a TRAILING_GARBAGE problem.
 */
export async function normalize(
  source: string | Buffer,
  gzip: boolean,
  chooseFormat: (firstLine: string) => { format: Format; header: boolean },
  normal: NormalTarget,
  oddPath: string,
): Promise<Normalized> {
  const split = Split.open(chooseFormat, normal, oddPath, undefined);
  const raw = typeof source === 'string' ? createReadStream(source, { highWaterMark: 1 << 20 }) : undefined;
  const input: AsyncIterable<Buffer> = raw ?? bufferChunks(source as Buffer);
  let damage: string | undefined;
  try {
    let end: GzipEnd = { kind: 'ok', members: 1 };
    const chunks: AsyncIterable<Buffer> = gzip
      ? gunzipMembers(input, (e) => {
          end = e;
        })
      : input;
    for await (const chunk of chunks) split.push(chunk);
    let garbage: string | undefined;
    ({ damage, garbage } = gzipOutcome(end));
    // A last line without a line break is a line, unless the stream was cut (then it is the damaged part).
    split.end(damage === undefined, garbage);
  } finally {
    raw?.destroy();
    await split.close();
  }
  const result = split.result(chooseFormat);
  return damage === undefined ? result : { ...result, damage: { line: split.lineNo + 1, reason: damage } };
}

/**
 * The split of a live batch already in memory (the sink's lines, joined by LF): as `normalize` without the file
 * read, and with each line's event time when `times` is given: normal lines then carry it in two columns after
 * their number (read by DuckDB's CSV reader with the record, no join), odd lines get it in `oddTimes`.
 */
export async function normalizeBytes(
  bytes: Buffer,
  chooseFormat: (firstLine: string) => { format: Format; header: boolean },
  normalPath: string,
  oddPath: string,
  times: LineTimesAt | undefined,
): Promise<NormalizedTimes> {
  const split = Split.open(chooseFormat, normalPath, oddPath, times);
  try {
    split.push(bytes);
    split.end(true, undefined);
  } finally {
    await split.close();
  }
  return {
    ...split.result(chooseFormat),
    normalTimes: times !== undefined,
    oddTimes: split.oddTimes.join(''),
  };
}

/** One pass of the line split over chunks pushed in order (a file's or a batch's). */
class Split {
  readonly problems: NormalizeProblem[] = [];
  readonly oddTimes: string[] = [];
  lineNo = 0;
  private format: Format | undefined;
  private skip = 0;
  private fields = 0;
  private kinds: Uint8Array = new Uint8Array(0);
  /** Bytes pushed before the current chunk (line offsets for `times`). */
  private base = 0;
  private readonly splitter: LineSplitter;
  /** The file's normal lines (own file or batch file), known once the format is; `tag` -1 for an own file. */
  private normal: LineFile | undefined;
  private tag = -1;
  private normalCount = 0;

  private constructor(
    private readonly chooseFormat: (firstLine: string) => { format: Format; header: boolean },
    private readonly target: NormalTarget,
    private readonly odd: LineFile,
    private readonly times: LineTimesAt | undefined,
  ) {
    this.splitter = new LineSplitter({
      line: (buf, s, e) => this.handle(buf, s, e),
      tooLong: (length, head) => {
        this.lineNo++;
        if (this.format === undefined) this.choose('');
        this.problems.push({
          line: this.lineNo,
          code: 'LINE_TOO_LONG',
          reason: `the line is ${length} bytes long, over the limit of ${MAX_LINE_BYTES} bytes (a flow log record is at most a few hundred); is this a flow log file?`,
          text: headText(head, length),
        });
      },
    });
  }

  static open(
    chooseFormat: (firstLine: string) => { format: Format; header: boolean },
    normal: NormalTarget,
    oddPath: string,
    times: LineTimesAt | undefined,
  ): Split {
    return new Split(chooseFormat, normal, new LineFile(oddPath), times);
  }

  private choose(first: string): boolean {
    const choice = this.chooseFormat(first);
    this.format = choice.format;
    this.fields = this.format.fields.length;
    this.kinds = kindsOf(this.format);
    if (typeof this.target === 'string') {
      this.normal = new LineFile(this.target);
    } else {
      const to = this.target(this.format);
      this.normal = to.file;
      this.tag = to.tag;
    }
    return choice.header;
  }

  private handle(buf: Buffer, s: number, e: number): void {
    this.lineNo++;
    if (this.format === undefined && this.choose(buf.toString('utf8', s, e))) {
      this.skip = 1;
      return;
    }
    const verdict = scanLine(buf, s, e, this.fields, this.kinds);
    if (verdict === BLANK) return;
    // A batch is pushed as one chunk: a line outside it is its last, unterminated line, ending at the last byte.
    const time = this.times?.at(buf === this.chunk ? this.base + s : Math.max(0, this.base - 1));
    if (verdict === NORMAL) {
      this.normal!.line(
        this.lineNo,
        this.times === undefined ? undefined : (time ?? '- -'),
        buf,
        s,
        e,
        this.tag,
      );
      this.normalCount++;
      return;
    }
    if (time !== undefined) this.oddTimes.push(`${this.lineNo} ${time}\n`);
    if (verdict === ODD) {
      this.odd.line(this.lineNo, '-', buf, s, buf[e - 1] === CR ? e - 1 : e);
      return;
    }
    const text = Buffer.from(buf.subarray(s, e));
    for (let j = 0; j < text.length; j++) if (text[j]! < SPACE && text[j] !== TAB) text[j] = 0x3f;
    this.odd.line(this.lineNo, String(verdict), text, 0, text.length);
  }

  private chunk: Buffer | undefined;

  push(chunk: Buffer): void {
    this.chunk = chunk;
    this.splitter.push(chunk);
    this.base += chunk.length;
    if (this.normal?.full) this.normal.flush();
    if (this.odd.full) this.odd.flush();
  }

  end(keepLast: boolean, garbage: string | undefined): void {
    this.splitter.end(keepLast);
    if (garbage !== undefined) {
      this.problems.push({ line: this.lineNo + 1, code: 'TRAILING_GARBAGE', reason: garbage, text: null });
    }
  }

  /** Closes the file's own scratch files (a shared batch file stays open: its batch closes it). */
  async close(): Promise<void> {
    try {
      if (this.tag < 0) await this.normal?.close();
    } finally {
      await this.odd.close();
    }
  }

  result(chooseFormat: (firstLine: string) => { format: Format; header: boolean }): Normalized {
    return {
      format: this.format ?? chooseFormat('').format,
      skip: this.skip,
      normalLines: this.normalCount,
      oddLines: this.odd.count,
      lines: this.lineNo,
      problems: this.problems,
    };
  }
}

// Cuts a byte stream into lines (LF, CRLF or lone CR) in linear time and bounded memory: a line longer than the
// limit is counted and skipped, never buffered.

import { MAX_LINE_BYTES } from '../records/parse-line.js';

const NL = 0x0a;
const CR = 0x0d;

/** Where the lines go. `line` gets bytes [s, e) of `buf` (valid only during the call). */
export interface LineHandler {
  line(buf: Buffer, s: number, e: number): void;
  /** A line over the limit: its length in bytes and its first `headBytes` bytes. */
  tooLong(length: number, head: Buffer): void;
}

/**
 * Splits chunks into lines by the rule of `splitLines` (src/records/parse-line.ts): a line ends at LF, CRLF or
 * a lone CR, even when the CR and LF of a CRLF arrive in different chunks. A line cut by a chunk boundary is
 * kept as copied pieces and joined once when it ends (never re-joined per chunk); once it passes `maxBytes`
 * the pieces are dropped and only its length is counted, so work is linear in the input and memory is at most
 * `maxBytes` plus a chunk.
 *
 * @example const s = new LineSplitter(h); s.push(chunk); s.end(true);
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private partLen = 0;
  /** Length so far of an over-long line in progress, or -1. */
  private over = -1;
  private head: Buffer = Buffer.alloc(0);
  /** The previous chunk ended in CR: an LF starting the next chunk completes that CRLF. */
  private skipLf = false;

  constructor(
    private readonly handler: LineHandler,
    private readonly maxBytes = MAX_LINE_BYTES,
    private readonly headBytes = 120,
  ) {}

  push(chunk: Buffer): void {
    let s = 0;
    if (this.skipLf) {
      this.skipLf = false;
      if (chunk.length > 0 && chunk[0] === NL) s = 1;
      else if (chunk.length === 0) this.skipLf = true;
    }
    // Next LF and next CR at or after s; -1 when the chunk has none (searched again only once passed).
    let nl = chunk.indexOf(NL, s);
    let cr = chunk.indexOf(CR, s);
    for (;;) {
      if (nl >= 0 && nl < s) nl = chunk.indexOf(NL, s);
      if (cr >= 0 && cr < s) cr = chunk.indexOf(CR, s);
      if (cr >= 0 && (nl < 0 || cr < nl)) {
        this.lineEnd(chunk, s, cr);
        if (cr + 1 < chunk.length) {
          s = chunk[cr + 1] === NL ? cr + 2 : cr + 1;
        } else {
          s = chunk.length;
          this.skipLf = true;
        }
      } else if (nl >= 0) {
        this.lineEnd(chunk, s, nl);
        s = nl + 1;
      } else {
        break;
      }
    }
    this.partial(chunk, s, chunk.length);
  }

  /**
   * The input ended. A last line without a line break is a line when `keepLast` (false when the stream was cut:
   * then it is the damaged part).
   */
  end(keepLast: boolean): void {
    if (keepLast) {
      if (this.over >= 0) this.tooLong(this.over);
      else if (this.partLen > 0) {
        const last = Buffer.concat(this.parts, this.partLen);
        this.handler.line(last, 0, last.length);
      }
    }
    this.parts = [];
    this.partLen = 0;
    this.over = -1;
  }

  private tooLong(length: number): void {
    const head = this.head;
    this.over = -1;
    this.head = Buffer.alloc(0);
    this.handler.tooLong(length, head);
  }

  private headOf(chunk: Buffer, s: number, e: number): Buffer {
    return Buffer.concat([...this.parts, chunk.subarray(s, Math.min(e, s + this.headBytes))]).subarray(
      0,
      this.headBytes,
    );
  }

  /** Adds the start of bytes [s, e) to the head of an over-long line while it is shorter than `headBytes`. */
  private growHead(chunk: Buffer, s: number, e: number): void {
    const want = this.headBytes - this.head.length;
    if (want > 0) this.head = Buffer.concat([this.head, chunk.subarray(s, Math.min(e, s + want))]);
  }

  /** Bytes [s, e) of `chunk` continue the current line, which does not end in this chunk. */
  private partial(chunk: Buffer, s: number, e: number): void {
    if (s === e) return;
    if (this.over >= 0) {
      this.over += e - s;
      this.growHead(chunk, s, e);
      return;
    }
    if (this.partLen + (e - s) > this.maxBytes) {
      this.over = this.partLen + (e - s);
      this.head = Buffer.from(this.headOf(chunk, s, e));
      this.parts = [];
      this.partLen = 0;
      return;
    }
    this.parts.push(Buffer.from(chunk.subarray(s, e)));
    this.partLen += e - s;
  }

  /** The current line ends with bytes [s, e) of `chunk`. */
  private lineEnd(chunk: Buffer, s: number, e: number): void {
    if (this.over >= 0) {
      this.growHead(chunk, s, e);
      this.tooLong(this.over + (e - s));
      return;
    }
    if (this.partLen === 0) {
      if (e - s > this.maxBytes) {
        this.head = chunk.subarray(s, Math.min(e, s + this.headBytes));
        this.tooLong(e - s);
      } else {
        this.handler.line(chunk, s, e);
      }
      return;
    }
    if (this.partLen + (e - s) > this.maxBytes) {
      this.head = this.headOf(chunk, s, e);
      this.tooLong(this.partLen + (e - s));
    } else {
      this.parts.push(chunk.subarray(s, e));
      const joined = Buffer.concat(this.parts, this.partLen + (e - s));
      this.handler.line(joined, 0, joined.length);
    }
    this.parts = [];
    this.partLen = 0;
  }
}

// Inflates a gzip file member by member (RFC 1952): every complete member is read (concatenated members too),
// bytes after the last member are reported as trailing garbage rather than damage, and nothing inflated before
// a fault is lost.

import { crc32, createInflateRaw, type InflateRaw } from 'node:zlib';

/** How a gzip file ended. `offset` is a byte offset in the compressed file. */
export type GzipEnd =
  | { readonly kind: 'ok'; readonly members: number }
  /** `bytes` bytes after the last complete member are not gzip data (`zeros`: all zero padding). */
  | {
      readonly kind: 'garbage';
      readonly members: number;
      readonly offset: number;
      readonly bytes: number;
      readonly zeros: boolean;
    }
  /** The file ends inside a member (a cut copy, or one still being written). */
  | { readonly kind: 'truncated'; readonly members: number; readonly offset: number }
  /** A member's data is corrupt (`message` says how). */
  | { readonly kind: 'corrupt'; readonly members: number; readonly offset: number; readonly message: string };

const SLICE = 1 << 16;
const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;

/** Buffered reader over an async iterable of chunks, counting the bytes it has handed out. */
class Input {
  private buf: Buffer = Buffer.alloc(0);
  private eof = false;
  /** Offset in the file of `buf[0]`. */
  offset = 0;
  private readonly it: AsyncIterator<Buffer>;
  constructor(source: AsyncIterable<Buffer>) {
    this.it = source[Symbol.asyncIterator]();
  }
  get available(): number {
    return this.buf.length;
  }
  /** Reads until at least `n` bytes are buffered; false when the file ends first. */
  async need(n: number): Promise<boolean> {
    while (this.buf.length < n && !this.eof) {
      const r = await this.it.next();
      if (r.done) this.eof = true;
      else this.buf = this.buf.length === 0 ? r.value : Buffer.concat([this.buf, r.value]);
    }
    return this.buf.length >= n;
  }
  /** The byte at `i` of the buffer (which must hold it). */
  at(i: number): number {
    return this.buf[i]!;
  }
  /** Index of the first zero byte at or after `from`, reading more as needed; -1 at the end of the file. */
  async zeroFrom(from: number): Promise<number> {
    for (;;) {
      const i = this.buf.indexOf(0, from);
      if (i >= 0) return i;
      from = this.buf.length;
      if (!(await this.need(this.buf.length + 1))) return -1;
    }
  }
  /** Takes up to `n` buffered bytes (or, with no argument, a chunk: what is buffered, else the next read). */
  async take(n?: number): Promise<Buffer | undefined> {
    if (this.buf.length === 0 && !(await this.need(1))) return undefined;
    const k = Math.min(n ?? this.buf.length, this.buf.length);
    const out = this.buf.subarray(0, k);
    this.buf = this.buf.subarray(k);
    this.offset += k;
    return out;
  }
  /** Puts bytes just taken back in front. */
  unread(b: Buffer): void {
    if (b.length === 0) return;
    this.buf = this.buf.length === 0 ? b : Buffer.concat([b, this.buf]);
    this.offset -= b.length;
  }
  /** Counts (and drops) everything left; returns the count and whether every byte was zero. */
  async drain(): Promise<{ bytes: number; zeros: boolean }> {
    let bytes = 0;
    let zeros = true;
    for (let b = await this.take(); b !== undefined; b = await this.take()) {
      bytes += b.length;
      if (zeros) for (const x of b) if (x !== 0) zeros = false;
    }
    return { bytes, zeros };
  }
}

/** Feeds one deflate stream, one slice at a time, collecting its output and telling where it ended. */
class Member {
  private readonly z: InflateRaw = createInflateRaw({ chunkSize: 1 << 20 });
  private outs: Buffer[] = [];
  private error: Error | undefined;
  private readonly failed: Promise<void>;
  crc = 0;
  size = 0;
  constructor() {
    this.z.on('data', (c: Buffer) => {
      this.outs.push(c);
      this.crc = crc32(c, this.crc);
      this.size += c.length;
    });
    this.failed = new Promise((resolve) =>
      this.z.on('error', (e) => {
        this.error = e;
        resolve();
      }),
    );
  }
  /** Writes `b`; returns the bytes consumed (fewer than given when the deflate stream ended), or an error. */
  async write(b: Buffer): Promise<number | Error> {
    const before = this.z.bytesWritten;
    await Promise.race([new Promise<void>((r) => this.z.write(b, () => r())), this.failed]);
    // Output pushed during the write may be delivered on the next tick.
    await new Promise((r) => setImmediate(r));
    return this.error ?? this.z.bytesWritten - before;
  }
  /** Ends the input; resolves to an error when the deflate stream was not finished. */
  async finish(): Promise<Error | undefined> {
    await Promise.race([new Promise<void>((r) => this.z.end(() => r())), this.failed]);
    await new Promise((r) => setImmediate(r));
    return this.error;
  }
  drainOutput(): Buffer[] {
    const o = this.outs;
    this.outs = [];
    return o;
  }
  close(): void {
    this.z.destroy();
  }
}

/**
 * Inflates `source` (the bytes of a gzip file) and yields its data; `done` receives how the file ended.
 * Unlike Node's gunzip, output inflated before a fault is never dropped, and bytes after the last member are
 * told apart from a cut or corrupt member.
 *
 * @example for await (const b of gunzipMembers(createReadStream(p), (e) => (end = e))) use(b);
 */
export async function* gunzipMembers(
  source: AsyncIterable<Buffer>,
  done: (end: GzipEnd) => void,
): AsyncGenerator<Buffer> {
  const input = new Input(source);
  let members = 0;
  for (;;) {
    const start = input.offset;
    // Header: ID1 ID2 CM FLG MTIME(4) XFL OS [XLEN extra] [name\0] [comment\0] [CRC16].
    await input.need(10);
    const n = input.available;
    if (n === 0 && members > 0) {
      done({ kind: 'ok', members });
      return;
    }
    const magic = [0x1f, 0x8b, 8];
    let looksGzip = n > 0;
    for (let i = 0; i < Math.min(n, 3); i++) if (input.at(i) !== magic[i]) looksGzip = false;
    if (!looksGzip) {
      if (members === 0) {
        done({
          kind: 'corrupt',
          members,
          offset: start,
          message: 'the file does not start with a gzip header',
        });
        return;
      }
      const rest = await input.drain();
      done({ kind: 'garbage', members, offset: start, ...rest });
      return;
    }
    if (n < 10) {
      done({ kind: 'truncated', members, offset: start + n });
      return;
    }
    const flags = input.at(3);
    let h = 10;
    if (flags & FEXTRA) {
      if (!(await input.need(h + 2))) return done({ kind: 'truncated', members, offset: start + h });
      h += 2 + (input.at(h) | (input.at(h + 1) << 8));
    }
    for (const flag of [FNAME, FCOMMENT]) {
      if (!(flags & flag)) continue;
      if (!(await input.need(h))) return done({ kind: 'truncated', members, offset: start + h });
      const z = await input.zeroFrom(h);
      if (z < 0) return done({ kind: 'truncated', members, offset: start + input.available });
      h = z + 1;
    }
    if (flags & FHCRC) h += 2;
    if (!(await input.need(h))) return done({ kind: 'truncated', members, offset: start + input.available });
    await input.take(h);

    // Deflate data, then the trailer: CRC-32 and size (mod 2^32) of the member's data.
    const m = new Member();
    try {
      let ended = false;
      while (!ended) {
        const chunk = await input.take(SLICE);
        if (chunk === undefined) {
          const err = await m.finish();
          yield* m.drainOutput();
          if (err) return done({ kind: 'truncated', members, offset: input.offset });
          break;
        }
        const used = await m.write(chunk);
        yield* m.drainOutput();
        if (used instanceof Error) {
          return done({ kind: 'corrupt', members, offset: input.offset, message: used.message });
        }
        if (used < chunk.length) {
          input.unread(chunk.subarray(used));
          ended = true;
        }
      }
      if (!(await input.need(8))) return done({ kind: 'truncated', members, offset: input.offset });
      const trailer = (await input.take(8))!;
      if (trailer.readUInt32LE(0) !== m.crc >>> 0 || trailer.readUInt32LE(4) !== m.size % 2 ** 32) {
        return done({
          kind: 'corrupt',
          members,
          offset: input.offset - 8,
          message: 'the data does not match its checksum (CRC-32 or size)',
        });
      }
      members++;
    } finally {
      m.close();
    }
  }
}

// Looks at a file before loading it: its kind (plain text, gzip, Parquet), content hash and first line.

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';

export type FileKind = 'text' | 'gzip' | 'parquet';

/** Kind of a file from its magic bytes (gzip 1f 8b, Parquet "PAR1"), not from its name. */
export async function fileKind(path: string): Promise<FileKind> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await fh.read(buf, 0, 4, 0);
    if (bytesRead >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return 'gzip';
    if (bytesRead === 4 && buf.toString('latin1') === 'PAR1') return 'parquet';
    return 'text';
  } finally {
    await fh.close();
  }
}

/** Counts lines and empty lines in a byte stream, chunk by chunk. */
class LineCounter {
  lines = 0;
  empty = 0;
  private last = 0x0a;
  private any = false;

  feed(buf: Buffer): void {
    if (buf.length === 0) return;
    this.any = true;
    let prev = this.last;
    let at = buf.indexOf(0x0a);
    let from = 0;
    while (at >= 0) {
      this.lines++;
      if ((at === from ? prev : buf[at - 1]) === 0x0a) this.empty++;
      prev = 0x0a;
      from = at + 1;
      at = buf.indexOf(0x0a, from);
    }
    this.last = buf[buf.length - 1]!;
  }

  /** Lines in total (a last line without a newline counts) and the empty ones. */
  result(): { lines: number; empty: number } {
    return { lines: this.lines + (this.any && this.last !== 0x0a ? 1 : 0), empty: this.empty };
  }
}

/** What one read of a file tells. */
export interface Inspection {
  readonly sha256: string;
  /** For gzip: why the stream cannot be fully inflated (truncated or corrupt). */
  readonly damage?: string;
  /** Lines of the (inflated) content, and how many of them are empty. */
  readonly lines: number;
  readonly emptyLines: number;
}

/**
 * Reads the file once: its SHA-256, its line count and, for gzip, whether the whole stream inflates (DuckDB
 * reads a truncated gzip file silently up to the damage). The line count lets the loader skip its reject
 * pass when every line became a record.
 */
export async function inspectFile(path: string, gzip: boolean): Promise<Inspection> {
  const h = createHash('sha256');
  const counter = new LineCounter();
  const inflate = gzip ? createGunzip({ chunkSize: 1 << 18 }) : undefined;
  let damage: string | undefined;
  const inflated = inflate
    ? new Promise<void>((res) => {
        inflate.on('data', (d: Buffer) => counter.feed(d));
        inflate.on('end', res);
        inflate.on('error', (err) => {
          damage =
            err.message === 'unexpected end of file'
              ? 'the gzip stream ends early (truncated file)'
              : `gzip: ${err.message}`;
          res();
        });
      })
    : Promise.resolve();
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    h.update(chunk as Buffer);
    if (!inflate) counter.feed(chunk as Buffer);
    else if (damage === undefined && !inflate.write(chunk as Buffer)) {
      await new Promise<void>((r) => {
        const done = () => {
          inflate.off('drain', done);
          inflate.off('error', done);
          r();
        };
        inflate.once('drain', done);
        inflate.once('error', done);
      });
    }
  }
  inflate?.end();
  await inflated;
  const { lines, empty } = counter.result();
  const sha256 = h.digest('hex');
  return damage === undefined ? { sha256, lines, emptyLines: empty } : { sha256, damage, lines, emptyLines: empty };
}

/** The first line of a text or gzip file (without its newline), or '' for an empty file. */
export async function firstLine(path: string, gzip: boolean): Promise<string> {
  const raw = createReadStream(path, { highWaterMark: 64 * 1024 });
  const stream = gzip ? raw.pipe(createGunzip()) : raw;
  let acc = '';
  try {
    for await (const chunk of stream) {
      acc += (chunk as Buffer).toString('utf8');
      const nl = acc.indexOf('\n');
      if (nl >= 0) return acc.slice(0, nl);
      if (acc.length > 1 << 20) return acc;
    }
  } catch {
    // A damaged gzip stream: whatever decoded before the damage is still a usable first line.
  } finally {
    raw.destroy();
  }
  return acc;
}

/**
 * Decompresses as much of a damaged gzip file as can be read into `out`, keeping only whole lines.
 * Returns the number of whole lines written and the decompressor's complaint.
 */
export async function salvageGzip(path: string, out: string): Promise<{ lines: number; error: string }> {
  const sink = createWriteStream(out);
  let pending = Buffer.alloc(0);
  let lines = 0;
  let error = 'the gzip stream is damaged';
  try {
    for await (const chunk of createReadStream(path).pipe(createGunzip())) {
      const buf = Buffer.concat([pending, chunk as Buffer]);
      const cut = buf.lastIndexOf(0x0a);
      if (cut < 0) {
        pending = buf;
        continue;
      }
      const whole = buf.subarray(0, cut + 1);
      for (const b of whole) if (b === 0x0a) lines++;
      if (!sink.write(whole)) await new Promise<void>((r) => sink.once('drain', () => r()));
      pending = buf.subarray(cut + 1);
    }
    error = '';
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    error = msg === 'unexpected end of file' ? 'the gzip stream ends early (truncated file)' : `gzip: ${msg}`;
  }
  await new Promise<void>((r) => sink.end(r));
  return { lines, error };
}

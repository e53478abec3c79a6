// One gzip-compressed output file, written with backpressure; identical input gives identical bytes.

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip, type Gzip, type ZlibOptions } from 'node:zlib';

/**
 * A `.gz` file being written. Node's gzip header carries mtime 0 and no file name, so the bytes depend only
 * on the data and the level. Compression runs on libuv's thread pool while the caller produces the next chunk;
 * up to 8 MiB may wait for it before {@link GzipFileWriter.write} asks the caller to wait.
 *
 * @example
 * const f = await GzipFileWriter.open('/tmp/x.log.gz', 1);
 * await f.write(Buffer.from('version srcaddr\n'));
 * await f.close();
 */
export class GzipFileWriter {
  private readonly gzip: Gzip;
  private readonly done: Promise<void>;
  private failure: unknown;

  private constructor(gzip: Gzip, done: Promise<void>) {
    this.gzip = gzip;
    this.done = done;
    // Remember a failure (disk full, ...) so the next write reports it; close() rethrows it too.
    done.catch((e: unknown) => {
      this.failure = e ?? new Error('write failed');
    });
  }

  /** Creates the file (and its directories) for writing at gzip `level` (1 fastest … 9 smallest). */
  static async open(path: string, level: number): Promise<GzipFileWriter> {
    await mkdir(dirname(path), { recursive: true });
    // Zlib streams pass stream options through to their Transform; @types/node's ZlibOptions omits them.
    const options: ZlibOptions & { writableHighWaterMark: number } = {
      level,
      chunkSize: 256 * 1024,
      writableHighWaterMark: 8 << 20,
    };
    const gzip = createGzip(options);
    const file = createWriteStream(path, { highWaterMark: 1 << 20 });
    return new GzipFileWriter(gzip, pipeline(gzip, file));
  }

  /**
   * Queues bytes (the buffer must not be reused by the caller). Returns a promise to await only when the
   * queue is full (backpressure), else undefined.
   */
  write(data: Buffer): Promise<void> | undefined {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.gzip.write(data)) return undefined;
    return Promise.race([once(this.gzip, 'drain').then(() => undefined), this.done]);
  }

  /** Flushes and closes the file; rejects if any write failed. */
  async close(): Promise<void> {
    this.gzip.end();
    await this.done;
  }
}

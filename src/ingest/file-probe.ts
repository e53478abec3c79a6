// Looks at a file before loading it: its kind (plain text, gzip, Parquet) and the SHA-256 of its bytes.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

export type FileKind = 'text' | 'gzip' | 'parquet' | 'binary';

/**
 * Kind of a file from its magic bytes (gzip 1f 8b, Parquet "PAR1"), not from its name. A file that is
 * neither and holds a NUL byte in its first 4 KiB is `binary`: no flow log text has one.
 */
export async function fileKind(path: string): Promise<FileKind> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    if (bytesRead >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return 'gzip';
    if (bytesRead >= 4 && buf.toString('latin1', 0, 4) === 'PAR1') return 'parquet';
    if (buf.subarray(0, bytesRead).includes(0)) return 'binary';
    return 'text';
  } finally {
    await fh.close();
  }
}

/** SHA-256 of the file's bytes, hex: the identity of a file in the store. */
export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

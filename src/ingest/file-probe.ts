// Looks at a file before loading it: its kind (plain text, gzip, Parquet) and the SHA-256 of its bytes.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

export type FileKind = 'text' | 'gzip' | 'parquet' | 'binary';

/**
 * Kind of a file from its magic bytes (gzip 1f 8b, Parquet "PAR1"), not from its name. A file that is
 * neither is `binary` when over a fifth of its first 4 KiB is not text (control characters other than
 * TAB/CR/LF, or bytes that are not UTF-8); a text file with a few bad lines stays text, and its bad lines
 * are rejected one by one.
 */
export async function fileKind(path: string): Promise<FileKind> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return fileKindOf(buf.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/** fileKind of a file's bytes already read (its first 4 KiB are enough). */
export function fileKindOf(bytes: Buffer): FileKind {
  const n = Math.min(bytes.length, 4096);
  if (n >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return 'gzip';
  if (n >= 4 && bytes.toString('latin1', 0, 4) === 'PAR1') return 'parquet';
  return looksBinary(bytes.subarray(0, n)) ? 'binary' : 'text';
}

function looksBinary(sample: Buffer): boolean {
  if (sample.length === 0) return false;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(sample);
  let bad = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0xfffd || (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d)) bad++;
  }
  return bad * 5 > text.length;
}

/** SHA-256 of bytes already read, hex (as sha256File). */
export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** SHA-256 of the file's bytes, hex: the identity of a file in the store. */
export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

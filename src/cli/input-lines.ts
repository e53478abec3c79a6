// Log lines for the commands that test patterns: from a file (plain or gzip) or from stdin, one event a line.

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { caretLine } from '../core/caret.js';
import { SourceError } from '../core/errors.js';
import { fileKind } from '../ingest/file-probe.js';
import type { Io } from './context.js';

/** The byte stream of `file` (gzip is inflated), or stdin when no file is given. */
export async function inputStream(io: Io, file: string | undefined): Promise<NodeJS.ReadableStream> {
  if (file === undefined) return io.stdin;
  const kind = await fileKind(file).catch(() => {
    throw new SourceError('NOT_FOUND', file, 'no such file');
  });
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  return kind === 'gzip' ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
}

/** The lines of `file` (gzip is inflated), or of stdin when no file is given. */
export async function* inputLines(io: Io, file: string | undefined): AsyncGenerator<string> {
  const input = await inputStream(io, file);
  for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) yield line;
}

/**
 * The text with a caret line under [start, end) (a pattern error's span, UTF-16 offsets), indented by two
 * spaces; the caret is placed by display columns (core/caret), so it stands under wide and multibyte text.
 */
export function caret(text: string, start: number, end: number): string {
  return caretLine(text, start, end);
}

/** A span of a multi-line text as the span of the same text on one line (newlines and their indent as one space). */
export function flatSpan(text: string, start: number, end: number): [number, number] {
  const flat = (i: number) => text.slice(0, i).replace(/\s*\n\s*/g, ' ').length;
  return [flat(start), Math.max(flat(start) + 1, flat(end))];
}

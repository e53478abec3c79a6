// Stdout channel: one JSON line (the SNS envelope) per notification on a writable stream.

import type { Writable } from 'node:stream';
import { DeliveryError } from './http-post.js';

/**
 * Writes `line` and a newline to the stream, resolving once the stream has accepted it; a write error (e.g.
 * EPIPE when the reader went away) is a failed attempt.
 *
 * @example await writeLine(process.stdout, JSON.stringify(envelope));
 */
export async function writeLine(stream: Writable, line: string): Promise<void> {
  if (line.includes('\n')) throw new DeliveryError('a JSON line must not contain a line break');
  await new Promise<void>((resolve, reject) => {
    try {
      stream.write(`${line}\n`, 'utf8', (err) => {
        if (err) reject(new DeliveryError(`writing to the output failed: ${err.message}`, { cause: err }));
        else resolve();
      });
    } catch (err) {
      reject(new DeliveryError(`writing to the output failed: ${(err as Error).message}`, { cause: err }));
    }
  });
}

// One PutLogEvents call's events as one compressed block (the API's event text store keeps a row per call, not per
// event): the events' count, each message's UTF-8 length, each timestamp as the difference from the one before,
// then the messages' bytes, deflated (raw, level 1). Decoded lazily: timestamps at once, a message only when asked.

import { promisify } from 'node:util';
import { deflateRaw, inflateRawSync } from 'node:zlib';

const deflate = promisify(deflateRaw);

/** Layout version (the first 4 bytes of a decoded block). */
const VERSION = 1;
/** Bytes before the lengths: version and count (u32 each). */
const HEAD = 8;

/** An encoded call: the compressed block and what the table keeps beside it. */
export interface EncodedChunk {
  readonly body: Buffer;
  readonly events: number;
  readonly minTs: number;
  readonly maxTs: number;
  /** UTF-8 bytes of the messages (DescribeLogGroups' storedBytes). */
  readonly textBytes: number;
}

/** A decoded block: timestamps, and each message's bytes by index. */
export interface DecodedChunk {
  readonly count: number;
  readonly ts: Float64Array;
  message(i: number): string;
  /** Bytes held in memory (for a cache's budget). */
  readonly bytes: number;
}

/**
 * Encodes events (any order; timestamps integers within ±2^53) and deflates them off the event loop (zlib runs on
 * the thread pool). Level 1: flow log text shrinks about 5-7×, for a third of a microsecond per event.
 *
 * @example const c = await encodeChunk([{ timestamp: 1716199200000, message: '2 123 eni-1 ...' }]);
 */
export async function encodeChunk(
  events: readonly { readonly timestamp: number; readonly message: string }[],
): Promise<EncodedChunk> {
  const n = events.length;
  const joined = events.map((e) => e.message).join('');
  let text = Buffer.from(joined, 'utf8');
  const lens = new Uint32Array(n);
  if (text.length === joined.length) {
    // ASCII: a message's bytes are its characters.
    for (let i = 0; i < n; i++) lens[i] = events[i]!.message.length;
  } else {
    // Each message on its own: joined, a lone surrogate ending one message would pair with the next one's start.
    const parts = events.map((e) => Buffer.from(e.message, 'utf8'));
    for (let i = 0; i < n; i++) lens[i] = parts[i]!.length;
    text = Buffer.concat(parts);
  }
  const tsAt = HEAD + 4 * n + ((4 * n) % 8);
  const raw = Buffer.allocUnsafeSlow(tsAt + 8 * n + text.length);
  const head = new Uint32Array(raw.buffer, raw.byteOffset, 2);
  head[0] = VERSION;
  head[1] = n;
  new Uint32Array(raw.buffer, raw.byteOffset + HEAD, n).set(lens);
  if (tsAt > HEAD + 4 * n) raw.fill(0, HEAD + 4 * n, tsAt);
  const deltas = new Float64Array(raw.buffer, raw.byteOffset + tsAt, n);
  let prev = 0;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const t = events[i]!.timestamp;
    deltas[i] = t - prev;
    prev = t;
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  text.copy(raw, tsAt + 8 * n);
  // One output chunk (deflate never grows this text much): no round trips per 16 KiB.
  const body = await deflate(raw, { level: 1, chunkSize: Math.max(64 << 10, raw.length + 1024) });
  return { body, events: n, minTs: lo, maxTs: hi, textBytes: text.length };
}

/** Decodes a block written by {@link encodeChunk}; throws on a block it did not write. */
export function decodeChunk(body: Uint8Array): DecodedChunk {
  let raw = inflateRawSync(body);
  if (raw.byteOffset % 8 !== 0) raw = Buffer.from(raw);
  if (raw.length < HEAD) throw new Error('log event block: too short');
  const head = new Uint32Array(raw.buffer, raw.byteOffset, 2);
  const n = head[1]!;
  const tsAt = HEAD + 4 * n + ((4 * n) % 8);
  if (head[0] !== VERSION || raw.length < tsAt + 8 * n)
    throw new Error(`log event block: unknown layout ${head[0]} or truncated`);
  const lens = new Uint32Array(raw.buffer, raw.byteOffset + HEAD, n);
  const deltas = new Float64Array(raw.buffer, raw.byteOffset + tsAt, n);
  const ts = new Float64Array(n);
  const starts = new Uint32Array(n + 1);
  let t = 0;
  let at = tsAt + 8 * n;
  for (let i = 0; i < n; i++) {
    t += deltas[i]!;
    ts[i] = t;
    starts[i] = at;
    at += lens[i]!;
  }
  starts[n] = at;
  if (at !== raw.length) throw new Error('log event block: message lengths do not add up');
  return {
    count: n,
    ts,
    message: (i) => raw.toString('utf8', starts[i], starts[i + 1]),
    bytes: raw.length + ts.byteLength + starts.byteLength,
  };
}

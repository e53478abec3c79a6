// What the push endpoints (Firehose, subscription forwarders) share: request/response shapes, header lookup,
// constant-time secret checks, strict base64, gunzip under a byte budget, and text → lines.

import { createHash, timingSafeEqual } from 'node:crypto';
import { gunzip, gunzipSync } from 'node:zlib';

/** An HTTP request as any server framework can hand it over, with the body already collected. */
export interface PushRequest {
  readonly method: string;
  /** Header names in any case (Node lowercases them); a repeated header may arrive as an array. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/** A request before its body is read: what a server may check first (method, credentials, headers). */
export type PushRequestHead = Omit<PushRequest, 'body'>;

/** The answer to send. Push handlers never throw: every outcome, bad input included, is one of these. */
export interface PushResponse {
  readonly status: number;
  /** Always `content-type: application/json` and `content-length`; never `content-encoding`. */
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * A header's value, its name matched without regard to case; a repeated header is joined with ", " (as Node
 * joins repeated custom headers), so it never equals a single expected value.
 *
 * @example headerValue({ method: 'POST', headers: { 'x-a': '1' }, body: Buffer.alloc(0) }, 'X-A') // '1'
 */
export function headerValue(req: PushRequestHead, name: string): string | undefined {
  const lower = name.toLowerCase();
  let v = req.headers[lower];
  if (v === undefined) {
    for (const [k, x] of Object.entries(req.headers)) {
      if (k.toLowerCase() === lower) {
        v = x;
        break;
      }
    }
  }
  return Array.isArray(v) ? v.join(', ') : v;
}

/**
 * Compares a presented secret with the configured one in time independent of where they differ and of their
 * lengths (both are hashed to SHA-256 first, then compared with `timingSafeEqual`).
 *
 * @example sameSecret('s3cret', 's3cret') // true
 */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/**
 * A JSON response with exactly the headers push senders expect: `content-type: application/json` and the
 * body's `content-length` (plus `extra`, e.g. `allow` on a 405).
 *
 * @example jsonResponse(200, { ok: true }).headers['content-length'] // '11'
 */
export function jsonResponse(status: number, body: object, extra?: Record<string, string>): PushResponse {
  const text = JSON.stringify(body);
  return {
    status,
    headers: {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text, 'utf8')),
      ...extra,
    },
    body: text,
  };
}

/**
 * Why `text` is not canonical padded base64 (standard alphabet, length a multiple of 4, `=` only as the last
 * one or two characters), or undefined when it is. `Buffer.from(s, 'base64')` silently skips bad characters,
 * so input is checked with this first.
 *
 * @example base64Problem('aGk=') // undefined
 * @example base64Problem('aG%k') // 'character 3 is "%"'
 */
export function base64Problem(text: string): string | undefined {
  const bad = /[^A-Za-z0-9+/=]/.exec(text);
  if (bad) return `character ${bad.index + 1} is ${JSON.stringify(bad[0])}`;
  if (text.length % 4 !== 0) return `its length ${text.length} is not a multiple of 4`;
  const pad = text.indexOf('=');
  if (pad !== -1 && pad < text.length - 2) return `"=" at character ${pad + 1} is not padding at the end`;
  if (pad === text.length - 2 && text[text.length - 1] !== '=') {
    return `"=" at character ${pad + 1} is not padding at the end`;
  }
  return undefined;
}

/**
 * The request body bytes every push endpoint together may hold at once. A server takes bytes from it as they
 * arrive and gives them back when the request is answered; a request that does not fit is answered "busy"
 * (503 with Retry-After: the sender retries), so concurrent large bodies cannot exhaust memory.
 */
export class BodyBudget {
  /** Bytes held now by requests being read or handled. */
  inUse = 0;
  constructor(readonly limit: number) {}
  /** Takes `n` bytes if they fit under the limit; false (nothing taken) otherwise. */
  take(n: number): boolean {
    if (this.inUse + n > this.limit) return false;
    this.inUse += n;
    return true;
  }
  give(n: number): void {
    this.inUse = Math.max(0, this.inUse - n);
  }
}

/** The outcome of {@link collectBody}. */
export type CollectedBody =
  | { readonly ok: true; readonly body: Buffer }
  | { readonly ok: false; readonly reason: 'too-large' | 'busy'; readonly received: number };

/**
 * Reads a request body chunk by chunk into at most `limit` bytes, charging each chunk to `budget` and to
 * `held.bytes` (the caller gives `held.bytes` back to the budget once the request is answered). It stops reading
 * (pauses the stream, keeping nothing) as soon as the body passes `limit` ('too-large') or the budget is spent
 * ('busy'): the caller then answers and closes the connection. Rejects when the stream fails (client gone).
 * With the request's Content-Length (`declaredLength`), that many bytes are taken from the budget before anything
 * is read ('busy' at once when they do not fit) and the chunks are copied into one buffer as they arrive.
 *
 * @example const r = await collectBody(req, 8 << 20, budget, held); if (!r.ok) reply413or503(r.reason);
 */
export function collectBody(
  stream: NodeJS.ReadableStream,
  limit: number,
  budget: BodyBudget,
  held: { bytes: number },
  declaredLength?: number,
): Promise<CollectedBody> {
  return new Promise((resolve, reject) => {
    // With a Content-Length, chunks are copied into one buffer as they come (no second copy at the end).
    let whole =
      declaredLength !== undefined &&
      Number.isSafeInteger(declaredLength) &&
      declaredLength >= 0 &&
      declaredLength <= limit
        ? Buffer.allocUnsafe(declaredLength)
        : undefined;
    let chunks: Buffer[] = [];
    let received = 0;
    // The declared length is reserved from the budget at once: a body that cannot fit is refused unread.
    const reserved = whole?.length ?? 0;
    if (whole !== undefined) {
      if (!budget.take(reserved)) {
        whole = undefined;
        resolve({ ok: false, reason: 'busy', received: 0 });
        return;
      }
      held.bytes += reserved;
    }
    const stop = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    const drop = () => {
      chunks = [];
      whole = undefined;
      budget.give(held.bytes);
      held.bytes = 0;
    };
    const refuse = (reason: 'too-large' | 'busy') => {
      stop();
      stream.pause();
      drop();
      resolve({ ok: false, reason, received });
    };
    const onData = (chunk: Buffer | string) => {
      const c = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      const at = received;
      received += c.length;
      if (received > limit) return refuse('too-large');
      const beyond = received - Math.max(at, reserved); // bytes past the reservation
      if (beyond > 0) {
        if (!budget.take(beyond)) return refuse('busy');
        held.bytes += beyond;
      }
      if (whole !== undefined && received <= whole.length) c.copy(whole, at);
      else {
        if (whole !== undefined) {
          chunks.push(whole.subarray(0, at)); // more than declared: keep what came
          whole = undefined;
        }
        chunks.push(c);
      }
    };
    const onEnd = () => {
      stop();
      const body =
        whole !== undefined
          ? whole.subarray(0, received)
          : chunks.length === 1
            ? chunks[0]!
            : Buffer.concat(chunks);
      resolve({ ok: true, body });
    };
    const onError = (err: Error) => {
      stop();
      drop();
      reject(err);
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
  });
}

/** True when `bytes` starts with the gzip magic number 1f 8b. UTF-8 text never does (0x8b is no lead byte). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** How many bytes gunzip may still produce while one request is handled (body and payloads together). */
export class InflateBudget {
  /** Bytes left; never below 0. */
  remaining: number;
  constructor(readonly limit: number) {
    this.remaining = limit;
  }
}

/** The outcome of a capped gunzip: the bytes, or why not (the budget ran out, or the stream is damaged). */
export type Inflated =
  | { readonly ok: true; readonly bytes: Buffer }
  | { readonly ok: false; readonly reason: 'too-large' | 'corrupt'; readonly message: string };

/**
 * Gunzips `bytes` (all gzip members) off the event loop, stopping as soon as the output would exceed the
 * budget's remaining bytes, so a gzip bomb costs at most the budget in memory. The output is charged to the
 * budget.
 *
 * @example const r = await gunzipWithin(gzipSync('hi'), new InflateBudget(1024)); // { ok: true, bytes: <'hi'> }
 */
export async function gunzipWithin(bytes: Buffer, budget: InflateBudget): Promise<Inflated> {
  const cap = Math.max(1, budget.remaining);
  const result = await new Promise<Inflated>((resolve) => {
    gunzip(bytes, { maxOutputLength: cap }, (err, out) => resolve(settle(err, out, budget)));
  });
  return result;
}

/**
 * The synchronous twin of {@link gunzipWithin}, for pure decoders.
 *
 * @example gunzipWithinSync(gzipSync('hi'), new InflateBudget(1)).ok // false (too large)
 */
export function gunzipWithinSync(bytes: Buffer, budget: InflateBudget): Inflated {
  const cap = Math.max(1, budget.remaining);
  try {
    return settle(null, gunzipSync(bytes, { maxOutputLength: cap }), budget);
  } catch (e) {
    return settle(e as Error, undefined, budget);
  }
}

function settle(err: Error | null, out: Buffer | undefined, budget: InflateBudget): Inflated {
  if (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      return {
        ok: false,
        reason: 'too-large',
        message: `it inflates to more than the ${budget.remaining} bytes left of the ${budget.limit}-byte limit`,
      };
    }
    return { ok: false, reason: 'corrupt', message: `it is not a valid gzip stream (${err.message})` };
  }
  const bytes = out ?? Buffer.alloc(0);
  if (bytes.length > budget.remaining) {
    return {
      ok: false,
      reason: 'too-large',
      message: `it inflates to more than the ${budget.remaining} bytes left of the ${budget.limit}-byte limit`,
    };
  }
  budget.remaining -= bytes.length;
  return { ok: true, bytes };
}

/**
 * Appends the lines of `text` to `out`: split on LF, one trailing CR removed from each, empty lines dropped
 * (a record or event may end with a newline; no flow log record is empty).
 *
 * @example const out: string[] = []; appendLines(out, 'a\r\nb\n'); // out = ['a', 'b']
 */
export function appendLines(out: string[], text: string): void {
  if (!text.includes('\n')) {
    const t = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (t !== '') out.push(t);
    return;
  }
  for (const piece of text.split('\n')) {
    const t = piece.endsWith('\r') ? piece.slice(0, -1) : piece;
    if (t !== '') out.push(t);
  }
}

/**
 * `text` cut to at most `max` characters, ending in "…" when cut.
 *
 * @example clip('abcdef', 4) // 'abc…'
 */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * A short description of a JSON value for error messages: `missing`, or its JSON text cut to 60 characters.
 *
 * @example describeValue(undefined) // 'missing'
 * @example describeValue('x') // '"x"'
 */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'missing';
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return clip(s, 60);
}

/** True for a plain JSON object (not null, not an array). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

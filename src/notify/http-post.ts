// One HTTP(S) POST with an overall deadline, shared by the webhook and Slack channels; failures become DeliveryError.

import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * A failed delivery attempt (non-2xx answer, network error, timeout, SMTP refusal). The dispatcher retries it;
 * the message becomes the delivery's `lastError`.
 */
export class DeliveryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeliveryError';
  }
}

/** Keeps at most this much of a failed response body for the error message. */
const SNIPPET_BYTES = 200;

/**
 * POSTs `body` and resolves when a 2xx answer has been read; throws DeliveryError otherwise (also when `signal`
 * aborts). No connection reuse (`agent: false`), no redirects followed (a 3xx is a failure, as for SNS).
 *
 * @example await httpPost('https://hooks.example.com/x', '{}', { 'content-type': 'application/json' }, 15_000);
 */
export async function httpPost(
  url: string,
  body: string,
  headers: Readonly<Record<string, string>>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<number> {
  if (signal?.aborted) throw new DeliveryError('the dispatcher stopped before the attempt');
  const u = new URL(url);
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  const data = Buffer.from(body, 'utf8');
  return await new Promise<number>((resolve, reject) => {
    let settled = false;
    const done = (err: DeliveryError | undefined, status?: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(status!);
    };
    const req = request(
      u,
      { method: 'POST', agent: false, headers: { ...headers, 'content-length': String(data.length) } },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (c: Buffer) => {
          if (kept < SNIPPET_BYTES) {
            chunks.push(c);
            kept += c.length;
          }
        });
        res.on('error', (e) =>
          done(new DeliveryError(`reading the response failed: ${e.message}`, { cause: e })),
        );
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return done(undefined, status);
          const snippet = Buffer.concat(chunks)
            .subarray(0, SNIPPET_BYTES)
            .toString('utf8')
            .replace(/\s+/g, ' ')
            .trim();
          done(
            new DeliveryError(
              `HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}${snippet ? `: ${snippet}` : ''}`,
            ),
          );
        });
      },
    );
    const timer = setTimeout(() => {
      const err = new DeliveryError(`no answer within ${timeoutMs / 1000} s`);
      done(err);
      req.destroy(err);
    }, timeoutMs);
    const onAbort = () => {
      const err = new DeliveryError('the dispatcher stopped during the attempt');
      done(err);
      req.destroy(err);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e: NodeJS.ErrnoException) => {
      done(new DeliveryError(`${e.code ? `${e.code}: ` : ''}${e.message}`, { cause: e }));
    });
    req.end(data);
  });
}

// The monitor's HTTP server (Fastify): the Firehose and subscription endpoints of the configured sources,
// and /healthz and /metrics for the monitor itself. Every route is authenticated (API token, or the
// source's own access key), size-limited and time-limited; a bad request never takes the process down.

import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { FirehoseSourceConfig, SubscriptionSourceConfig } from '../config/monitor-config.js';
import type { Log } from '../core/logger.js';
import { handleFirehoseRequest } from '../ingest/sources/firehose.js';
import type { Sink } from '../ingest/sources/source.js';
import { handleSubscriptionRequest } from '../ingest/sources/subscription.js';

export interface ServerOptions {
  /** `host:port`; port 0 picks a free port. */
  readonly listen: string;
  /** The bearer token for /healthz, /metrics (and the API), asked at each request (it can be rotated). */
  readonly token: () => string;
  readonly endpoints: readonly (FirehoseSourceConfig | SubscriptionSourceConfig)[];
  readonly sink: Sink;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly health: () => Record<string, unknown>;
  readonly metrics: () => string;
  readonly log: Log;
  /** Extra routes (the dashboard API), registered after authentication is set up. */
  readonly register?: ((app: FastifyInstance) => void | Promise<void>) | undefined;
  /** Public routes without the token (the dashboard's static files). */
  readonly registerPublic?: ((app: FastifyInstance) => void | Promise<void>) | undefined;
}

export interface RunningServer {
  readonly url: string;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/** Compares secrets in constant time. */
export function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** True for `/api` and every path under it, however percent-encoded (the router decodes it too). */
function apiPath(url: string): boolean {
  let path = url.split('?')[0] ?? '';
  try {
    path = decodeURIComponent(path);
  } catch {
    // not decodable: the router will not match it to an API route either
  }
  return /^\/+api(\/|$)/.test(path);
}

/** Answers 401 with how to authenticate. */
async function unauthorized(reply: FastifyReply): Promise<void> {
  await reply.code(401).header('www-authenticate', 'Bearer').send({
    error: 'UNAUTHORIZED',
    message:
      'send Authorization: Bearer <token> (printed when the monitor first started; also in the state folder)',
  });
}

/** True when the request carries `Authorization: Bearer <token>`. */
export function authorized(req: FastifyRequest, token: string): boolean {
  const h = req.headers.authorization;
  return typeof h === 'string' && h.startsWith('Bearer ') && sameSecret(h.slice(7), token);
}

function headerMap(req: FastifyRequest): Record<string, string | string[] | undefined> {
  return req.headers as Record<string, string | string[] | undefined>;
}

/**
 * Starts the server and resolves once it listens.
 *
 * @example const s = await startServer({ listen: '127.0.0.1:0', token, endpoints: [], sink, env, health, metrics, log });
 */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const app = Fastify({
    logger: false,
    bodyLimit: 1024 * 1024,
    connectionTimeout: 120_000,
    requestTimeout: 120_000,
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
  });
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500)
      opts.log('http_error', { method: req.method, url: req.url, error: err.message }, 'error');
    void reply
      .code(status)
      .send({ error: err.code ?? 'ERROR', message: status >= 500 ? 'internal error' : err.message });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply
      .code(404)
      .send({ error: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` });
  });

  // Everything under /api needs the token, whichever route would answer (the dashboard's static files
  // match any GET, and a 404 would tell a stranger which API routes exist).
  app.addHook('onRequest', async (req, reply) => {
    if (apiPath(req.url) && !authorized(req, opts.token())) await unauthorized(reply);
  });

  // Monitor routes: bearer token.
  await app.register(async (r) => {
    r.addHook('onRequest', async (req, reply) => {
      if (!authorized(req, opts.token())) await unauthorized(reply);
    });
    r.get('/healthz', async () => ({ status: 'ok', ...opts.health() }));
    r.get('/metrics', async (_req, reply) =>
      reply.type('text/plain; version=0.0.4; charset=utf-8').send(opts.metrics()),
    );
    if (opts.register) await opts.register(r);
  });

  if (opts.registerPublic) await app.register(async (r) => opts.registerPublic?.(r));

  // Source endpoints: their own credentials, raw bodies up to their own limits.
  for (const ep of opts.endpoints) {
    await app.register(async (r) => {
      const limit = ep.maxBodyMegabytes * 1024 * 1024;
      r.removeAllContentTypeParsers();
      // One byte over the limit reaches the handler, which answers 413 in its protocol's format.
      r.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: limit + 1 }, (_req, body, done) =>
        done(null, body),
      );
      r.setErrorHandler(async (err: Error & { statusCode?: number }, req, reply: FastifyReply) => {
        const status = err.statusCode === 413 ? 413 : err.statusCode && err.statusCode < 500 ? 400 : 500;
        const id = req.headers['x-amz-firehose-request-id'];
        await reply
          .code(status)
          .type('application/json')
          .send(
            JSON.stringify({
              requestId: typeof id === 'string' ? id : '',
              timestamp: Date.now(),
              errorMessage: err.message.slice(0, 8192),
            }),
          );
      });
      const handler = async (req: FastifyRequest, reply: FastifyReply) => {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const request = { method: req.method, headers: headerMap(req), body };
        const res =
          ep.type === 'firehose'
            ? await handleFirehoseRequest(request, opts.sink, {
                source: ep.name,
                ...(ep.accessKeyEnv !== undefined ? { accessKey: opts.env[ep.accessKeyEnv] ?? '' } : {}),
                format: ep.format,
                maxBodyBytes: limit,
              })
            : await handleSubscriptionRequest(request, opts.sink, {
                source: ep.name,
                ...(ep.tokenEnv !== undefined ? { token: opts.env[ep.tokenEnv] ?? '' } : {}),
                format: ep.format,
                maxBodyBytes: limit,
              });
        if (res.status >= 400)
          opts.log('source_request_refused', { source: ep.name, status: res.status }, 'warn');
        await reply.code(res.status).headers(res.headers).send(res.body);
      };
      r.route({ method: ['POST', 'PUT', 'GET'], url: ep.path, handler });
    });
  }

  const [host, port] = [
    opts.listen.slice(0, opts.listen.lastIndexOf(':')),
    Number(opts.listen.split(':').pop()),
  ];
  const address = await app.listen({ host: host === '' ? '127.0.0.1' : host, port });
  return { url: address, app, close: () => app.close() };
}

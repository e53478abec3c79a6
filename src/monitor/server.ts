// The monitor's HTTP server (Fastify): the Firehose and subscription endpoints of the configured sources,
// and /healthz and /metrics for the monitor itself. Every route is authenticated (API token, or the
// source's own access key), size-limited and time-limited; a bad request never takes the process down.

import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  type FirehoseSourceConfig,
  isLoopbackListen,
  type SubscriptionSourceConfig,
} from '../config/monitor-config.js';
import type { Log } from '../core/logger.js';
import { firehosePreflight, firehoseRefusal, handleFirehoseRequest } from '../ingest/sources/firehose.js';
import { BodyBudget, collectBody, type PushResponse } from '../ingest/sources/push-http.js';
import type { Sink } from '../ingest/sources/source.js';
import {
  handleSubscriptionRequest,
  subscriptionPreflight,
  subscriptionRefusal,
} from '../ingest/sources/subscription.js';

/** Default bound on the request body bytes all push endpoints hold at once (raised to the largest body limit). */
export const DEFAULT_BODY_BYTES_IN_FLIGHT = 256 * 1024 * 1024;

/** Seconds a sender is asked to wait when the body budget is spent (Firehose backs off on its own as well). */
const RETRY_AFTER_SECONDS = 2;

/** A push endpoint's refusal raised while its body is read; the endpoint's error handler sends it as it is. */
class EndpointRefusal extends Error {
  constructor(readonly response: PushResponse) {
    super(`refused with ${response.status}`);
  }
}

/** The endpoint's secret from the environment; unset or empty without an explicit opt-out refuses everything. */
function endpointSecretOrRefuseAll(
  ep: FirehoseSourceConfig | SubscriptionSourceConfig,
  env: Readonly<Record<string, string | undefined>>,
  listen: string,
): string | undefined {
  const name = ep.type === 'firehose' ? ep.accessKeyEnv : ep.tokenEnv;
  const value = name === undefined ? undefined : env[name];
  if (value !== undefined && value !== '') return value;
  return ep.allowUnauthenticated === true && isLoopbackListen(listen) ? undefined : '';
}

const limitOf = (ep: FirehoseSourceConfig | SubscriptionSourceConfig) => ep.maxBodyMegabytes * 1024 * 1024;

export interface ServerOptions {
  /** `host:port`; port 0 picks a free port. */
  readonly listen: string;
  /** The bearer token for /healthz, /metrics (and the API), asked at each request (it can be rotated). */
  readonly token: () => string;
  readonly endpoints: readonly (FirehoseSourceConfig | SubscriptionSourceConfig)[];
  readonly sink: Sink;
  /** Bound on the request body bytes all endpoints hold at once (default 256 MiB, at least the largest limit). */
  readonly maxBodyBytesInFlight?: number | undefined;
  /** Told each answered endpoint request (per-source counters for /healthz). */
  readonly onEndpointRequest?: ((source: string, res: PushResponse) => void) | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly health: () => Record<string, unknown>;
  readonly metrics: () => string;
  readonly log: Log;
  /** Extra routes (the dashboard API), registered after authentication is set up. */
  readonly register?: ((app: FastifyInstance) => void | Promise<void>) | undefined;
  /** Routes with their own authentication (the CloudWatch-compatible API's SigV4 at POST /). */
  readonly registerOwnAuth?: ((app: FastifyInstance) => void | Promise<void>) | undefined;
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
  if (opts.registerOwnAuth) await app.register(async (r) => opts.registerOwnAuth?.(r));

  // Source endpoints: their own credentials (checked from the headers before any body byte is read), bodies
  // streamed into their own limits, and one budget for the body bytes all of them hold at once.
  const budget = new BodyBudget(
    Math.max(opts.maxBodyBytesInFlight ?? DEFAULT_BODY_BYTES_IN_FLIGHT, ...opts.endpoints.map(limitOf)),
  );
  for (const ep of opts.endpoints) {
    await app.register(async (r) => {
      const limit = limitOf(ep);
      // startMonitor refuses to start without it (endpointSecret); here, defensively, a missing secret without the
      // loopback opt-out refuses every request.
      const secret = endpointSecretOrRefuseAll(ep, opts.env, opts.listen);
      const now = Date.now;
      const head = (req: FastifyRequest) => ({ method: req.method, headers: headerMap(req) });
      const tooLarge = (req: FastifyRequest, what: string) =>
        ep.type === 'firehose'
          ? firehoseRefusal(head(req), 413, 'FIREHOSE_TOO_LARGE', `${what} the limit of ${limit} bytes`, {
              now,
            })
          : subscriptionRefusal(413, 'TOO_LARGE', `${what} the limit of ${limit} bytes`);
      const busy = (req: FastifyRequest) => {
        const message = `${budget.limit} bytes of request bodies are being handled already; retry in ${RETRY_AFTER_SECONDS} s`;
        const extra = { 'retry-after': String(RETRY_AFTER_SECONDS) };
        return ep.type === 'firehose'
          ? firehoseRefusal(head(req), 503, 'FIREHOSE_BUSY', message, { now }, extra)
          : subscriptionRefusal(503, 'BUSY', message, extra);
      };
      const held = new WeakMap<FastifyRequest, { bytes: number }>();

      r.removeAllContentTypeParsers();
      r.addContentTypeParser('*', (req, payload, done) => {
        const h = held.get(req) ?? { bytes: 0 };
        const declared = Number(req.headers['content-length']);
        collectBody(payload, limit, budget, h, Number.isFinite(declared) ? declared : undefined).then(
          (c) => {
            if (c.ok) done(null, c.body);
            else
              done(
                new EndpointRefusal(
                  c.reason === 'busy' ? busy(req) : tooLarge(req, 'the request body is over'),
                ),
              );
          },
          (err: Error) => done(err),
        );
      });
      // Credentials and headers first: a request that would be refused costs no body bytes.
      r.addHook('onRequest', async (req, reply) => {
        const h = { bytes: 0 };
        held.set(req, h);
        reply.raw.once('close', () => {
          budget.give(h.bytes);
          h.bytes = 0;
        });
        const early =
          ep.type === 'firehose'
            ? firehosePreflight(head(req), { accessKey: secret, now })
            : subscriptionPreflight(head(req), { token: secret });
        const declared = Number(req.headers['content-length']);
        const refusal =
          early ??
          (Number.isFinite(declared) && declared > limit
            ? tooLarge(req, `the request body (Content-Length ${declared}) is over`)
            : undefined);
        if (refusal !== undefined) return sendRefusal(reply, refusal, ep.name);
        return undefined;
      });
      r.setErrorHandler(async (err: Error & { statusCode?: number }, req, reply: FastifyReply) => {
        if (err instanceof EndpointRefusal) return sendRefusal(reply, err.response, ep.name);
        const status = err.statusCode && err.statusCode < 500 ? 400 : 500;
        if (status >= 500)
          opts.log('http_error', { method: req.method, url: req.url, error: err.message }, 'error');
        const res =
          ep.type === 'firehose'
            ? firehoseRefusal(
                head(req),
                status,
                status === 500 ? 'FIREHOSE_INTERNAL' : 'FIREHOSE_BAD_BODY',
                err.message,
                { now },
              )
            : subscriptionRefusal(status, status === 500 ? 'INTERNAL' : 'BAD_REQUEST', err.message);
        return sendRefusal(reply, res, ep.name);
      });
      const sendRefusal = async (reply: FastifyReply, res: PushResponse, source: string) => {
        opts.onEndpointRequest?.(source, res);
        opts.log('source_request_refused', { source, status: res.status }, 'warn');
        // The rest of an unread body is not read: the connection closes after the answer.
        await reply
          .code(res.status)
          .headers({ ...res.headers, connection: 'close' })
          .send(res.body);
        return reply;
      };
      const handler = async (req: FastifyRequest, reply: FastifyReply) => {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const request = { method: req.method, headers: headerMap(req), body };
        const res =
          ep.type === 'firehose'
            ? await handleFirehoseRequest(request, opts.sink, {
                source: ep.name,
                ...(secret !== undefined ? { accessKey: secret } : {}),
                format: ep.format,
                maxBodyBytes: limit,
              })
            : await handleSubscriptionRequest(request, opts.sink, {
                source: ep.name,
                ...(secret !== undefined ? { token: secret } : {}),
                format: ep.format,
                maxBodyBytes: limit,
              });
        opts.onEndpointRequest?.(ep.name, res);
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

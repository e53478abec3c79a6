// Mounts the CloudWatch-compatible API at `POST /` of the monitor's HTTP server: dispatch by X-Amz-Target (AWS JSON
// 1.1 Logs, JSON 1.0 CloudWatch) or by the form's Action and Version (AWS Query: CloudWatch, SNS), SigV4 checked
// against api.credentials (unsigned requests only when allowed on loopback), body size and time limits, and
// every error in the protocol's own shape.

import { gunzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Log } from '../core/logger.js';
import {
  type AwsAnswer,
  AwsError,
  jsonAnswer,
  jsonError,
  newRequestId,
  parseForm,
  queryAnswer,
  queryError,
  type XmlValue,
} from './protocol.js';
import { type ApiCredential, parseAuthorization, verifySigV4 } from './sigv4.js';

/** A service reachable over AWS Query: its XML namespace and operations (given the form parameters). */
export interface QueryService {
  readonly namespace: string;
  call(action: string, params: ReadonlyMap<string, string>): Promise<{ [k: string]: XmlValue } | undefined>;
}

/** A service reachable over AWS JSON: its operations (given the parsed body). */
export interface JsonService {
  call(op: string, input: Record<string, unknown>): Promise<unknown>;
}

export interface AwsApiOptions {
  readonly credentials: readonly ApiCredential[];
  /** Take unsigned requests (the caller passes true only on a loopback listen address). */
  readonly allowUnsigned: boolean;
  readonly maxBodyBytes: number;
  readonly requestTimeoutMs: number;
  /** `Logs_20140328` (AWS JSON 1.1). */
  readonly logs?: JsonService | undefined;
  /** `GraniteServiceVersion20100801` (AWS JSON 1.0, query-compatible). */
  readonly cloudwatchJson?: JsonService | undefined;
  /** CloudWatch over AWS Query (Version 2010-08-01). */
  readonly cloudwatchQuery?: QueryService | undefined;
  /** SNS over AWS Query (Version 2010-03-31). */
  readonly sns?: QueryService | undefined;
  readonly log: Log;
}

const CW_NAMESPACE = 'http://monitoring.amazonaws.com/doc/2010-08-01/';
const SNS_NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';

type Protocol =
  | { kind: 'json'; version: '1.0' | '1.1'; prefix: string; op: string; queryCompatible: boolean }
  | { kind: 'query'; namespace: string };

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** The protocol a request speaks, from its headers alone (the query service is refined from the body later). */
function protocolOf(req: FastifyRequest): Protocol {
  const target = header(req, 'x-amz-target');
  if (target !== undefined) {
    const [prefix = '', op = ''] = target.split('.');
    const json10 = prefix === 'GraniteServiceVersion20100801';
    return { kind: 'json', version: json10 ? '1.0' : '1.1', prefix, op, queryCompatible: json10 };
  }
  let service: string | undefined;
  try {
    service = parseAuthorization(header(req, 'authorization'))?.service;
  } catch {
    service = undefined;
  }
  return { kind: 'query', namespace: service === 'sns' ? SNS_NAMESPACE : CW_NAMESPACE };
}

function render(p: Protocol, requestId: string, err: AwsError): AwsAnswer {
  return p.kind === 'json'
    ? jsonError(p.version, requestId, err, p.queryCompatible)
    : queryError(p.namespace, requestId, err);
}

/** Anything thrown while answering, as an AwsError (unexpected ones as a server fault without internals). */
function asAwsError(err: unknown, p: Protocol, log: Log): AwsError {
  if (err instanceof AwsError) return err;
  const e = err as Error & { statusCode?: number; code?: string };
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || e.statusCode === 413) {
    return new AwsError(
      p.kind === 'query' ? 'RequestEntityTooLarge' : 'InvalidParameterException',
      `the request body is over the limit of api.maxBodyMegabytes in flowwatch.yaml`,
      413,
    );
  }
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) {
    return new AwsError(
      p.kind === 'query' ? 'InvalidParameterValue' : 'SerializationException',
      e.message,
      400,
    );
  }
  log('aws_api_error', { error: e.message }, 'error');
  return p.kind === 'json' && p.prefix === 'Logs_20140328'
    ? new AwsError('ServiceUnavailableException', 'internal error (see the flowwatch log)', 500)
    : new AwsError('InternalFailure', 'internal error (see the flowwatch log)', 500, 'InternalFailure');
}

async function send(reply: FastifyReply, a: AwsAnswer): Promise<FastifyReply> {
  return reply.code(a.status).headers(a.headers).send(a.body);
}

/** Rejects with ServiceUnavailable once the time limit passes (the operation goes on; its answer is dropped). */
function withinTime<T>(work: Promise<T>, ms: number, p: Protocol): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new AwsError(
            p.kind === 'json' && p.prefix === 'Logs_20140328'
              ? 'ServiceUnavailableException'
              : 'ServiceUnavailable',
            `the request took longer than api.requestTimeoutSeconds (${ms / 1000} s); retry`,
            503,
          ),
        ),
      ms,
    );
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

/**
 * Registers the API on `app` in a scope of its own (its own body parser and authentication; the dashboard's
 * bearer token does not apply). The monitor calls it when flowwatch.yaml has an `api:` section.
 *
 * @example await registerAwsApi(app, { credentials, allowUnsigned: false, maxBodyBytes: 16 << 20, requestTimeoutMs: 60_000, logs, log })
 */
export async function registerAwsApi(app: FastifyInstance, opts: AwsApiOptions): Promise<void> {
  await app.register(async (r) => {
    r.removeAllContentTypeParsers();
    r.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: opts.maxBodyBytes }, (_req, body, done) =>
      done(null, body),
    );
    const ids = new WeakMap<FastifyRequest, string>();
    const idOf = (req: FastifyRequest) => ids.get(req) ?? newRequestId();
    r.setErrorHandler(async (err, req, reply) => {
      const p = protocolOf(req);
      return send(reply, render(p, idOf(req), asAwsError(err, p, opts.log)));
    });
    // Before any body byte is read: a request that names no known key (and unsigned ones when not allowed) is refused.
    r.addHook('onRequest', async (req, reply) => {
      ids.set(req, newRequestId());
      const p = protocolOf(req);
      try {
        const auth = parseAuthorization(header(req, 'authorization'));
        if (auth === undefined && !opts.allowUnsigned)
          verifySigV4({ method: 'POST', url: '/', headers: {}, body: Buffer.alloc(0) }, [], false);
        if (auth !== undefined && !opts.credentials.some((c) => c.accessKeyId === auth.accessKeyId)) {
          if (!opts.allowUnsigned || opts.credentials.length > 0)
            throw new AwsError(
              'UnrecognizedClientException',
              `The security token included in the request is invalid: the access key id ${auth.accessKeyId} is not one of api.credentials in flowwatch.yaml`,
              403,
              'InvalidClientTokenId',
            );
        }
        const declared = Number(header(req, 'content-length'));
        if (Number.isFinite(declared) && declared > opts.maxBodyBytes)
          throw asAwsError({ statusCode: 413, message: 'too large' }, p, opts.log);
      } catch (err) {
        const e = err instanceof AwsError ? authError(err, p) : asAwsError(err, p, opts.log);
        await send(reply.header('connection', 'close'), render(p, idOf(req), e));
        return reply;
      }
      return undefined;
    });
    r.post('/', async (req, reply) => {
      const requestId = idOf(req);
      let p = protocolOf(req);
      const sent = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      try {
        const auth = parseAuthorization(header(req, 'authorization'));
        // With dummy keys and allowUnsigned (local development) the signature is not checked; otherwise it is.
        const known = auth !== undefined && opts.credentials.some((c) => c.accessKeyId === auth.accessKeyId);
        if (auth === undefined || known || !opts.allowUnsigned) {
          try {
            verifySigV4(
              { method: req.method, url: req.url, headers: req.headers, body: sent },
              opts.credentials,
              opts.allowUnsigned,
            );
          } catch (err) {
            throw err instanceof AwsError ? authError(err, p) : err;
          }
        }
        // The JS SDK gzips PutMetricData bodies of 10,240 bytes and more; the signature covers the bytes sent.
        const body = inflated(header(req, 'content-encoding'), sent, opts.maxBodyBytes, p);
        if (p.kind === 'json') {
          const service =
            p.prefix === 'Logs_20140328'
              ? opts.logs
              : p.prefix === 'GraniteServiceVersion20100801'
                ? opts.cloudwatchJson
                : undefined;
          if (service === undefined)
            throw new AwsError(
              'UnknownOperationException',
              `flowwatch does not serve the target ${p.prefix}.${p.op}`,
            );
          let input: unknown;
          try {
            input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
          } catch {
            throw new AwsError('SerializationException', 'the request body is not valid JSON', 400);
          }
          if (input === null || typeof input !== 'object' || Array.isArray(input))
            throw new AwsError('SerializationException', 'the request body must be a JSON object', 400);
          const out = await withinTime(
            service.call(p.op, input as Record<string, unknown>),
            opts.requestTimeoutMs,
            p,
          );
          return send(reply, jsonAnswer(p.version, requestId, out));
        }
        const params = parseForm(body.toString('utf8'));
        const version = params.get('Version');
        const service =
          version === '2010-03-31' ? opts.sns : version === '2010-08-01' ? opts.cloudwatchQuery : undefined;
        p = { kind: 'query', namespace: version === '2010-03-31' ? SNS_NAMESPACE : CW_NAMESPACE };
        const action = params.get('Action');
        if (action === undefined || action === '')
          throw new AwsError(
            'MissingAction',
            'the request has no Action parameter (a form body with Action=<operation>)',
            400,
          );
        if (service === undefined)
          throw new AwsError(
            'InvalidAction',
            `flowwatch serves AWS Query Version 2010-08-01 (CloudWatch) and 2010-03-31 (SNS), not ${version ?? 'a request without Version'}`,
            400,
          );
        const result = await withinTime(service.call(action, params), opts.requestTimeoutMs, p);
        return send(reply, queryAnswer(service.namespace, action, requestId, result));
      } catch (err) {
        return send(reply, render(p, requestId, asAwsError(err, p, opts.log)));
      }
    });
  });
}

/** The body as the operation reads it: `Content-Encoding: gzip` inflated (at most `max` bytes), others refused. */
function inflated(encoding: string | undefined, body: Buffer, max: number, p: Protocol): Buffer {
  const codings = (encoding ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  if (codings.length === 0) return body;
  if (codings.length > 1 || codings[0] !== 'gzip')
    throw new AwsError(
      p.kind === 'query' ? 'InvalidParameterValue' : 'SerializationException',
      `Content-Encoding ${encoding}: flowwatch reads gzip or uncompressed bodies`,
      400,
    );
  try {
    return gunzipSync(body, { maxOutputLength: max });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
      throw asAwsError({ statusCode: 413, message: 'too large' }, p, () => undefined);
    throw new AwsError(
      p.kind === 'query' ? 'InvalidParameterValue' : 'SerializationException',
      'the body says Content-Encoding: gzip but is not a complete gzip stream',
      400,
    );
  }
}

/** Authentication errors under each protocol's usual names. */
function authError(err: AwsError, p: Protocol): AwsError {
  if (err.status !== 403) return err;
  if (p.kind === 'query') {
    const code =
      err.type === 'UnrecognizedClient' || err.type === 'UnrecognizedClientException'
        ? 'InvalidClientTokenId'
        : err.type;
    return new AwsError(code, err.message, 403);
  }
  const type =
    err.type === 'UnrecognizedClient'
      ? 'UnrecognizedClientException'
      : err.type === 'SignatureDoesNotMatch' || err.type === 'IncompleteSignature'
        ? 'InvalidSignatureException'
        : err.type === 'MissingAuthenticationToken'
          ? 'MissingAuthenticationTokenException'
          : err.type;
  return new AwsError(
    type,
    err.message,
    403,
    err.type === 'UnrecognizedClient' ? 'InvalidClientTokenId' : err.type,
  );
}

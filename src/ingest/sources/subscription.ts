// CloudWatch Logs subscription payloads (spec ingestion-formats §2): decode the gzip JSON or its Lambda envelope,
// and take them over HTTP from a forwarder as one lines batch per payload.

import { UserError } from '../../core/errors.js';
import {
  appendLines,
  base64Problem,
  clip,
  describeValue,
  gunzipWithin,
  gunzipWithinSync,
  headerValue,
  InflateBudget,
  type Inflated,
  isGzip,
  isObject,
  jsonResponse,
  type PushRequest,
  type PushRequestHead,
  type PushResponse,
  sameSecret,
} from './push-http.js';
import type { Batch, LineTime, Sink } from './source.js';

/** A payload that is not a CloudWatch Logs subscription payload; `code` says which rule it broke. */
export class SubscriptionError extends UserError {}

/** Stable codes of {@link SubscriptionError}. */
export type SubscriptionErrorCode =
  | 'SUBSCRIPTION_BAD_GZIP'
  | 'SUBSCRIPTION_TOO_LARGE'
  | 'SUBSCRIPTION_BAD_JSON'
  | 'SUBSCRIPTION_BAD_ENVELOPE'
  | 'SUBSCRIPTION_BAD_FIELD'
  | 'SUBSCRIPTION_MESSAGE_TYPE';

/** One log event of a data message. */
export interface SubscriptionEvent {
  /** The event id, a long decimal string. */
  readonly id: string;
  /** Event time, ms since the epoch. */
  readonly timestamp: number;
  /** The raw event text (for flow logs: one record line, left as it is). */
  readonly message: string;
}

/** A decoded payload: a control message (a reachability check, to be ignored) or the events of one log stream. */
export type SubscriptionPayload =
  | { readonly kind: 'control' }
  | {
      readonly kind: 'data';
      readonly owner: string;
      readonly logGroup: string;
      readonly logStream: string;
      readonly subscriptionFilters: readonly string[];
      readonly events: readonly SubscriptionEvent[];
    };

/** Default cap on the bytes gunzip may produce for one payload. */
export const SUBSCRIPTION_MAX_INFLATED_BYTES = 64 * 1024 * 1024;

/** Default cap on a forwarder's request body (a Lambda event is at most 6 MB; a Kinesis record 1 MiB). */
export const SUBSCRIPTION_MAX_BODY_BYTES = 8 * 1024 * 1024;

/**
 * Decodes one subscription payload: gzip of the §2.2 JSON document (as CloudWatch Logs sends it to Kinesis and
 * Firehose), the Lambda envelope `{"awslogs":{"data":"<base64 gzip>"}}`, or the JSON document itself (a
 * Firehose stream that decompresses CloudWatch Logs records). Inflation stops at `maxInflatedBytes`
 * (default 64 MiB). Throws {@link SubscriptionError}.
 *
 * @example
 * const p = decodeSubscriptionPayload(gzipSync(JSON.stringify({ messageType: 'CONTROL_MESSAGE', owner: 'CloudwatchLogs',
 *   logGroup: '', logStream: '', subscriptionFilters: [], logEvents: [] })));
 * p.kind // 'control'
 */
export function decodeSubscriptionPayload(
  bytes: Buffer,
  opts: { maxInflatedBytes?: number } = {},
): SubscriptionPayload {
  const budget = new InflateBudget(opts.maxInflatedBytes ?? SUBSCRIPTION_MAX_INFLATED_BYTES);
  const steps = decodeSteps(bytes);
  let r = steps.next();
  while (!r.done) r = steps.next(inflated(gunzipWithinSync(r.value, budget)));
  return r.value;
}

/**
 * {@link decodeSubscriptionPayload} with gunzip off the event loop, charging a shared budget (a Firehose
 * request holds up to 10,000 payloads; together they may inflate to `budget.limit` bytes).
 *
 * @example const p = await inflateSubscriptionPayload(bytes, new InflateBudget(64 << 20));
 */
export async function inflateSubscriptionPayload(
  bytes: Buffer,
  budget: InflateBudget,
): Promise<SubscriptionPayload> {
  const steps = decodeSteps(bytes);
  let r = steps.next();
  while (!r.done) r = steps.next(inflated(await gunzipWithin(r.value, budget)));
  return r.value;
}

function inflated(r: Inflated): Buffer {
  if (r.ok) return r.bytes;
  if (r.reason === 'too-large') {
    throw new SubscriptionError('SUBSCRIPTION_TOO_LARGE', `the gzip payload is too large: ${r.message}`);
  }
  throw new SubscriptionError('SUBSCRIPTION_BAD_GZIP', `the payload starts like gzip but ${r.message}`);
}

/**
 * The decoder as a generator, so the sync and async entry points share it: it yields each gzip buffer to be
 * inflated and receives the inflated bytes. At most two inflations (gzip of a Lambda envelope of gzip).
 */
function* decodeSteps(bytes: Buffer): Generator<Buffer, SubscriptionPayload, Buffer> {
  let current = bytes;
  let inflations = 0;
  let unwrapped = false;
  for (;;) {
    if (isGzip(current)) {
      if (inflations === 2) {
        throw new SubscriptionError('SUBSCRIPTION_BAD_GZIP', 'the payload is gzip inside gzip inside gzip');
      }
      inflations++;
      current = yield current;
      continue;
    }
    const doc = parseJson(current, inflations > 0);
    if (isObject(doc) && 'awslogs' in doc && !unwrapped) {
      unwrapped = true;
      current = envelopeData(doc['awslogs']);
      continue;
    }
    return parseSubscriptionDocument(doc);
  }
}

function parseJson(bytes: Buffer, inflated: boolean): unknown {
  const where = inflated ? 'the inflated payload' : 'the payload';
  if (bytes.length === 0) throw new SubscriptionError('SUBSCRIPTION_BAD_JSON', `${where} is empty`);
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    const first = bytes.subarray(0, 4).toString('hex');
    throw new SubscriptionError(
      'SUBSCRIPTION_BAD_JSON',
      `${where} is neither gzip nor JSON (${(e as Error).message}; first bytes ${first})`,
    );
  }
}

function envelopeData(awslogs: unknown): Buffer {
  const data = isObject(awslogs) ? awslogs['data'] : undefined;
  if (typeof data !== 'string') {
    throw new SubscriptionError(
      'SUBSCRIPTION_BAD_ENVELOPE',
      `Lambda envelope: "awslogs.data" is ${describeValue(data)}, expected a base64 string`,
    );
  }
  const problem = base64Problem(data);
  if (problem !== undefined) {
    throw new SubscriptionError(
      'SUBSCRIPTION_BAD_ENVELOPE',
      `Lambda envelope: "awslogs.data" is not base64: ${problem}`,
    );
  }
  const bytes = Buffer.from(data, 'base64');
  if (!isGzip(bytes)) {
    throw new SubscriptionError(
      'SUBSCRIPTION_BAD_ENVELOPE',
      'Lambda envelope: "awslogs.data" does not decode to gzip',
    );
  }
  return bytes;
}

/**
 * Validates a parsed §2.2 document. A CONTROL_MESSAGE is reported as such without further checks; a
 * DATA_MESSAGE needs string `owner`, `logGroup`, `logStream`, a `logEvents` array of `{id: string, timestamp:
 * number, message: string}` and, when present, a string array `subscriptionFilters`. Other keys are ignored.
 *
 * @example parseSubscriptionDocument({ messageType: 'CONTROL_MESSAGE' }) // { kind: 'control' }
 */
export function parseSubscriptionDocument(doc: unknown): SubscriptionPayload {
  if (!isObject(doc)) {
    throw new SubscriptionError(
      'SUBSCRIPTION_BAD_JSON',
      `the payload is ${describeValue(doc)}, expected a JSON object`,
    );
  }
  const type = doc['messageType'];
  if (type === 'CONTROL_MESSAGE') return { kind: 'control' };
  if (type !== 'DATA_MESSAGE') {
    throw new SubscriptionError(
      'SUBSCRIPTION_MESSAGE_TYPE',
      `"messageType" is ${describeValue(type)}, expected "DATA_MESSAGE" or "CONTROL_MESSAGE"`,
    );
  }
  const owner = stringField(doc, 'owner');
  const logGroup = stringField(doc, 'logGroup');
  const logStream = stringField(doc, 'logStream');
  const filters = doc['subscriptionFilters'];
  let subscriptionFilters: string[] = [];
  if (filters !== undefined) {
    if (!Array.isArray(filters) || !filters.every((f) => typeof f === 'string')) {
      throw fieldError('subscriptionFilters', filters, 'an array of strings');
    }
    subscriptionFilters = filters;
  }
  const list = doc['logEvents'];
  if (!Array.isArray(list)) throw fieldError('logEvents', list, 'an array');
  const events: SubscriptionEvent[] = [];
  for (let i = 0; i < list.length; i++) {
    const e: unknown = list[i];
    if (!isObject(e)) throw fieldError(`logEvents[${i}]`, e, 'an object');
    const id = e['id'];
    if (typeof id !== 'string') throw fieldError(`logEvents[${i}].id`, id, 'a string');
    const timestamp = e['timestamp'];
    if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
      throw fieldError(`logEvents[${i}].timestamp`, timestamp, 'a number (ms since the epoch)');
    }
    const message = e['message'];
    if (typeof message !== 'string') throw fieldError(`logEvents[${i}].message`, message, 'a string');
    events.push({ id, timestamp, message });
  }
  return { kind: 'data', owner, logGroup, logStream, subscriptionFilters, events };
}

function stringField(doc: Record<string, unknown>, name: string): string {
  const v = doc[name];
  if (typeof v !== 'string') throw fieldError(name, v, 'a string');
  return v;
}

function fieldError(path: string, value: unknown, expected: string): SubscriptionError {
  return new SubscriptionError(
    'SUBSCRIPTION_BAD_FIELD',
    `"${path}" is ${describeValue(value)}, expected ${expected}`,
  );
}

/**
 * The flow log lines of a data payload: each event message, split on newlines (a trailing CR and empty lines
 * dropped). Messages are not unwrapped: a `{"message": ...}` line is unwrapped, or rejected, by the store's
 * loader with the rest of the line rules.
 *
 * @example subscriptionLines(decodeSubscriptionPayload(body)) // ['2 111122223333 eni-0a1 ... ACCEPT OK', ...]
 */
export function subscriptionLines(payload: SubscriptionPayload): string[] {
  return subscriptionTimedLines(payload).lines;
}

/**
 * The flow log lines of a data payload with the timestamp of the event each came from (as subscriptionLines).
 *
 * @example subscriptionTimedLines(payload).times[0] // { ms: 1716200105000, source: 'cwl-event' }
 */
export function subscriptionTimedLines(payload: SubscriptionPayload): { lines: string[]; times: LineTime[] } {
  const lines: string[] = [];
  const times: LineTime[] = [];
  if (payload.kind === 'data') {
    for (const e of payload.events) {
      appendLines(lines, e.message);
      while (times.length < lines.length) times.push({ ms: e.timestamp, source: 'cwl-event' });
    }
  }
  return { lines, times };
}

/** Settings of a subscription forwarder endpoint. */
export interface SubscriptionEndpointOptions {
  /** The configured source name, copied into each batch. */
  readonly source: string;
  /**
   * When set, requests need `Authorization: Bearer <token>` (compared in constant time); an empty bearer token is
   * always refused, and an empty configured token matches nothing. Undefined: no check.
   */
  readonly token?: string | undefined;
  /** The `${...}` format of the flow log lines; undefined = the default format. */
  readonly format?: string | undefined;
  /** Largest request body accepted (default 8 MiB); beyond it, 413. */
  readonly maxBodyBytes?: number | undefined;
  /** Most bytes gunzip may produce for one request (default 64 MiB); beyond it, 413. */
  readonly maxInflatedBytes?: number | undefined;
}

/**
 * Takes one subscription payload POSTed by a forwarder (raw gzip body, the Lambda event JSON, or the plain JSON
 * document) and writes it to `sink` as one lines batch with key `${logGroup}/${logStream}/${firstId}-${lastId}`,
 * so a payload delivered twice is stored once. Never throws. Answers (JSON bodies with a `message`):
 * 200 stored / duplicate / nothing to store (control message, no events); 400 malformed; 401 missing or wrong
 * bearer token; 405 not POST; 413 body or inflated payload too large; 503 the sink failed (retry later).
 *
 * @example
 * const res = await handleSubscriptionRequest({ method: 'POST', headers, body }, sink, { source: 'cwl', token });
 * reply.code(res.status).headers(res.headers).send(res.body);
 */
export async function handleSubscriptionRequest(
  req: PushRequest,
  sink: Sink,
  opts: SubscriptionEndpointOptions,
): Promise<PushResponse> {
  try {
    return await handle(req, sink, opts);
  } catch (e) {
    return refuse(500, 'INTERNAL', `internal error: ${(e as Error)?.message ?? String(e)}`);
  }
}

/**
 * The refusal a request earns from its method and headers alone (method, bearer token), or undefined when they
 * are fine. A server calls it before reading the body; {@link handleSubscriptionRequest} runs it too.
 *
 * @example subscriptionPreflight({ method: 'POST', headers: {} }, { token: 't' })?.status // 401
 */
export function subscriptionPreflight(
  req: PushRequestHead,
  opts: Pick<SubscriptionEndpointOptions, 'token'>,
): PushResponse | undefined {
  if (req.method !== 'POST') {
    return refuse(
      405,
      'METHOD_NOT_ALLOWED',
      `method ${clip(req.method, 20)} is not allowed; POST the payload`,
      {
        allow: 'POST',
      },
    );
  }
  if (opts.token !== undefined) {
    const auth = headerValue(req, 'authorization');
    const m = auth === undefined ? null : /^Bearer +(.*)$/i.exec(auth.trim());
    if (!m || m[1]!.trim() === '') {
      return refuse(
        401,
        'UNAUTHORIZED',
        auth === undefined
          ? 'missing Authorization header; send "Authorization: Bearer <token>"'
          : m
            ? 'the bearer token is empty; send "Authorization: Bearer <token>"'
            : 'the Authorization header is not "Bearer <token>"',
        { 'www-authenticate': 'Bearer' },
      );
    }
    if (opts.token === '' || !sameSecret(m[1]!, opts.token)) {
      return refuse(401, 'UNAUTHORIZED', 'the bearer token does not match the configured token', {
        'www-authenticate': 'Bearer error="invalid_token"',
      });
    }
  }
  return undefined;
}

/**
 * A refusal in the subscription endpoint's own shape: `{"code", "message"}` (message cut to 8,192 characters).
 *
 * @example subscriptionRefusal(413, 'TOO_LARGE', 'the request body is over 8388608 bytes').status // 413
 */
export function subscriptionRefusal(
  status: number,
  code: string,
  message: string,
  extra?: Record<string, string>,
): PushResponse {
  return refuse(status, code, message, extra);
}

async function handle(
  req: PushRequest,
  sink: Sink,
  opts: SubscriptionEndpointOptions,
): Promise<PushResponse> {
  const early = subscriptionPreflight(req, opts);
  if (early !== undefined) return early;
  const maxBody = opts.maxBodyBytes ?? SUBSCRIPTION_MAX_BODY_BYTES;
  if (req.body.length > maxBody) {
    return refuse(
      413,
      'TOO_LARGE',
      `the request body is ${req.body.length} bytes, more than the limit of ${maxBody}`,
    );
  }
  let payload: SubscriptionPayload;
  try {
    payload = await inflateSubscriptionPayload(
      req.body,
      new InflateBudget(opts.maxInflatedBytes ?? SUBSCRIPTION_MAX_INFLATED_BYTES),
    );
  } catch (e) {
    if (e instanceof SubscriptionError) {
      return refuse(e.code === 'SUBSCRIPTION_TOO_LARGE' ? 413 : 400, e.code, e.message);
    }
    throw e;
  }
  if (payload.kind === 'control') {
    return jsonResponse(200, { result: 'control', lines: 0, message: 'control message acknowledged' });
  }
  const { lines, times } = subscriptionTimedLines(payload);
  const first = payload.events[0];
  const last = payload.events[payload.events.length - 1];
  if (first === undefined || last === undefined || lines.length === 0) {
    return jsonResponse(200, { result: 'empty', lines: 0, message: 'the payload holds no flow log lines' });
  }
  const key = `${payload.logGroup}/${payload.logStream}/${first.id}-${last.id}`;
  const batch: Batch = {
    kind: 'lines',
    source: opts.source,
    key,
    origin: `subscription://${payload.owner}/${payload.logGroup}/${payload.logStream}/${first.id}-${last.id}`,
    lines,
    times,
    format: opts.format,
  };
  let result: 'stored' | 'duplicate';
  try {
    result = await sink.write(batch);
  } catch (e) {
    return refuse(
      503,
      'STORE_UNAVAILABLE',
      clip(`the store could not take the payload, retry later: ${(e as Error)?.message ?? String(e)}`, 1000),
    );
  }
  return jsonResponse(200, {
    result,
    lines: lines.length,
    key,
    message:
      result === 'stored'
        ? `stored ${lines.length} lines`
        : `already stored: ${lines.length} lines under the same key`,
  });
}

function refuse(status: number, code: string, message: string, extra?: Record<string, string>): PushResponse {
  return jsonResponse(status, { code, message: clip(message, 8192) }, extra);
}

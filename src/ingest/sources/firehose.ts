// The Amazon Data Firehose HTTP endpoint protocol (spec ingestion-formats §1) as a framework-agnostic handler:
// one request in, one lines batch to the sink, one Firehose-conformant response out.

import {
  appendLines,
  base64Problem,
  clip,
  describeValue,
  gunzipWithin,
  headerValue,
  InflateBudget,
  isGzip,
  isObject,
  jsonResponse,
  type PushRequest,
  type PushRequestHead,
  type PushResponse,
  sameSecret,
} from './push-http.js';
import type { Batch, LineTime, Sink } from './source.js';
import { inflateSubscriptionPayload, SubscriptionError, subscriptionTimedLines } from './subscription.js';

/** Firehose's own limit on a request body before compression (§1.1); the default for both caps below. */
export const FIREHOSE_MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Records per request allowed by the protocol (§1.1). */
export const FIREHOSE_MAX_RECORDS = 10_000;

/** Longest `errorMessage` Firehose accepts in a response (§1.2). */
export const FIREHOSE_MAX_ERROR_MESSAGE = 8192;

/** Settings of a Firehose endpoint. */
export interface FirehoseEndpointOptions {
  /** The configured source name, copied into each batch. */
  readonly source: string;
  /**
   * When set, `X-Amz-Firehose-Access-Key` must equal it (compared in constant time); a missing or empty header
   * is refused too. An empty configured key matches nothing: every request is refused (it never switches the
   * check off). Undefined: no check (the monitor allows that only when told to, on loopback).
   */
  readonly accessKey?: string | undefined;
  /** The `${...}` format of the flow log lines; undefined = the default format. */
  readonly format?: string | undefined;
  /**
   * Largest request body accepted as received (default 64 MiB). The server should stop reading after
   * `maxBodyBytes + 1` bytes and hand those over: the handler then answers 413.
   */
  readonly maxBodyBytes?: number | undefined;
  /**
   * Most bytes gunzip may produce while one request is handled: the gzip body plus every gzip record
   * (CloudWatch Logs payloads) together (default 64 MiB). Beyond it: 413.
   */
  readonly maxInflatedBytes?: number | undefined;
  /** Clock for the response `timestamp` (ms); default `Date.now`. */
  readonly now?: (() => number) | undefined;
}

/** Stable codes at the start of a refusal's `errorMessage` (`"<CODE>: <what was wrong>"`). */
export type FirehoseErrorCode =
  | 'FIREHOSE_METHOD'
  | 'FIREHOSE_ACCESS_KEY'
  | 'FIREHOSE_PROTOCOL_VERSION'
  | 'FIREHOSE_REQUEST_ID'
  | 'FIREHOSE_CONTENT_ENCODING'
  | 'FIREHOSE_TOO_LARGE'
  | 'FIREHOSE_BUSY'
  | 'FIREHOSE_BAD_GZIP'
  | 'FIREHOSE_BAD_JSON'
  | 'FIREHOSE_BAD_BODY'
  | 'FIREHOSE_BAD_BASE64'
  | 'FIREHOSE_BAD_RECORD'
  | 'FIREHOSE_STORE_UNAVAILABLE'
  | 'FIREHOSE_INTERNAL';

/** A refusal on its way to becoming a response (internal control flow; never escapes the handler). */
class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: FirehoseErrorCode,
    message: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

/**
 * Handles one Firehose HTTP endpoint delivery. Checks the method, the access key (when configured), the
 * protocol version and request id headers, the size, `Content-Encoding: gzip`, then the JSON body (`requestId`
 * equal to the header, integer `timestamp`, 1–10,000 `records` with base64 `data`). Record bytes are decoded
 * per §1.4: gzip → a CloudWatch Logs subscription payload (DATA_MESSAGE events become lines, CONTROL_MESSAGE
 * is skipped); a JSON object with a string `message` (direct flow log delivery) → that message; other text →
 * its lines. All lines go to `sink` as one batch keyed by the requestId, so Firehose's retries are stored once;
 * 200 is answered only after the sink resolved (a request without lines writes nothing).
 *
 * Never throws. Statuses: 200 stored, duplicate or nothing to store; 400 malformed request; 401 access key
 * missing or wrong; 405 not POST; 413 body or inflated bytes over the caps (Firehose does not retry);
 * 415 unknown Content-Encoding; 503 the sink failed (Firehose retries); 500 a flowwatch bug. The body is always
 * `{"requestId", "timestamp"[, "errorMessage"]}`, with `errorMessage` = `"<CODE>: <what was wrong>"`.
 *
 * @example
 * const res = await handleFirehoseRequest({ method: req.method, headers: req.headers, body }, sink,
 *   { source: 'firehose', accessKey: process.env.FIREHOSE_KEY });
 * res.writeHead(res.status, res.headers).end(res.body);
 */
export async function handleFirehoseRequest(
  req: PushRequest,
  sink: Sink,
  opts: FirehoseEndpointOptions,
): Promise<PushResponse> {
  const requestId = headerValue(req, 'x-amz-firehose-request-id') ?? '';
  try {
    checkHead(req, opts);
    await deliver(req, sink, opts, requestId);
    return firehoseAnswer(req, 200, undefined, opts);
  } catch (e) {
    if (e instanceof Refusal) return firehoseRefusal(req, e.status, e.code, e.message, opts, e.headers);
    return firehoseRefusal(req, 500, 'FIREHOSE_INTERNAL', (e as Error)?.message ?? String(e), opts);
  }
}

/**
 * The refusal a request earns from its method and headers alone (method, access key, protocol version, request
 * id), or undefined when they are fine. A server calls it before reading the body, so a request without the
 * right key costs no memory; {@link handleFirehoseRequest} runs the same checks.
 *
 * @example firehosePreflight({ method: 'POST', headers: {} }, { source: 'fh', accessKey: 'k' })?.status // 401
 */
export function firehosePreflight(
  req: PushRequestHead,
  opts: Pick<FirehoseEndpointOptions, 'accessKey' | 'now'>,
): PushResponse | undefined {
  try {
    checkHead(req, opts);
    return undefined;
  } catch (e) {
    if (e instanceof Refusal) return firehoseRefusal(req, e.status, e.code, e.message, opts, e.headers);
    throw e;
  }
}

/**
 * A refusal in the shape Firehose expects (§1.2): `{"requestId", "timestamp", "errorMessage": "<CODE>: ..."}`,
 * the requestId echoed from the header, the message cut to 8,192 characters.
 *
 * @example firehoseRefusal(head, 413, 'FIREHOSE_TOO_LARGE', 'the request body is over the limit', {}).status // 413
 */
export function firehoseRefusal(
  req: PushRequestHead,
  status: number,
  code: FirehoseErrorCode,
  message: string,
  opts: Pick<FirehoseEndpointOptions, 'now'>,
  extra?: Record<string, string>,
): PushResponse {
  return firehoseAnswer(req, status, `${code}: ${message}`, opts, extra);
}

function firehoseAnswer(
  req: PushRequestHead,
  status: number,
  errorMessage: string | undefined,
  opts: Pick<FirehoseEndpointOptions, 'now'>,
  extra?: Record<string, string>,
): PushResponse {
  const requestId = headerValue(req, 'x-amz-firehose-request-id') ?? '';
  const timestamp = Math.trunc((opts.now ?? Date.now)());
  return jsonResponse(
    status,
    errorMessage === undefined
      ? { requestId, timestamp }
      : { requestId, timestamp, errorMessage: clip(errorMessage, FIREHOSE_MAX_ERROR_MESSAGE) },
    extra,
  );
}

function checkHead(req: PushRequestHead, opts: Pick<FirehoseEndpointOptions, 'accessKey'>): void {
  if (req.method !== 'POST') {
    throw new Refusal(
      405,
      'FIREHOSE_METHOD',
      `method ${clip(req.method, 20)} is not allowed; Firehose POSTs`,
      {
        allow: 'POST',
      },
    );
  }
  if (opts.accessKey !== undefined) {
    const key = headerValue(req, 'x-amz-firehose-access-key');
    if (key === undefined || key === '') {
      throw new Refusal(
        401,
        'FIREHOSE_ACCESS_KEY',
        `${key === undefined ? 'missing' : 'empty'} X-Amz-Firehose-Access-Key header; an access key is configured`,
      );
    }
    if (opts.accessKey === '' || !sameSecret(key, opts.accessKey)) {
      throw new Refusal(
        401,
        'FIREHOSE_ACCESS_KEY',
        'the X-Amz-Firehose-Access-Key header does not match the configured access key',
      );
    }
  }
  const version = headerValue(req, 'x-amz-firehose-protocol-version');
  if (version?.trim() !== '1.0') {
    throw new Refusal(
      400,
      'FIREHOSE_PROTOCOL_VERSION',
      version === undefined
        ? 'missing X-Amz-Firehose-Protocol-Version header (expected "1.0")'
        : `X-Amz-Firehose-Protocol-Version is ${describeValue(version)}, only "1.0" is known`,
    );
  }
  if ((headerValue(req, 'x-amz-firehose-request-id') ?? '') === '') {
    throw new Refusal(400, 'FIREHOSE_REQUEST_ID', 'missing or empty X-Amz-Firehose-Request-Id header');
  }
}

async function deliver(req: PushRequest, sink: Sink, opts: FirehoseEndpointOptions, requestId: string) {
  const maxBody = opts.maxBodyBytes ?? FIREHOSE_MAX_BODY_BYTES;
  if (req.body.length > maxBody) {
    throw new Refusal(413, 'FIREHOSE_TOO_LARGE', `the request body is over the limit of ${maxBody} bytes`);
  }
  const budget = new InflateBudget(opts.maxInflatedBytes ?? FIREHOSE_MAX_BODY_BYTES);
  const raw = await decodeBody(req, budget);
  const records = validateBody(raw, requestId);
  const lines: string[] = [];
  // Each line's time: its CloudWatch Logs event timestamp, else the request's timestamp (validated above).
  const times: LineTime[] = [];
  const sent: LineTime = { ms: (raw as { timestamp: number }).timestamp, source: 'firehose' };
  for (let i = 0; i < records.length; i++) {
    // Plain records decode synchronously (no promise per record); only payloads to inflate are awaited.
    const inflating = decodeRecord(records[i]!, i, budget, lines, times);
    if (inflating !== undefined) await inflating;
    while (times.length < lines.length) times.push(sent);
  }
  if (lines.length === 0) return;
  const sourceArn = headerValue(req, 'x-amz-firehose-source-arn');
  const batch: Batch = {
    kind: 'lines',
    source: opts.source,
    key: requestId,
    origin: `firehose://${sourceArn || 'unknown'}/${requestId}`,
    lines,
    times,
    format: opts.format,
  };
  try {
    await sink.write(batch);
  } catch (e) {
    throw new Refusal(
      503,
      'FIREHOSE_STORE_UNAVAILABLE',
      clip(`the store could not take the batch, retry later: ${(e as Error)?.message ?? String(e)}`, 1000),
    );
  }
}

/** The body as JSON, gunzipped first when `Content-Encoding: gzip`. */
async function decodeBody(req: PushRequest, budget: InflateBudget): Promise<unknown> {
  const encoding = (headerValue(req, 'content-encoding') ?? '').trim().toLowerCase();
  let bytes = req.body;
  if (encoding === 'gzip' || encoding === 'x-gzip') {
    const r = await gunzipWithin(req.body, budget);
    if (!r.ok) {
      throw r.reason === 'too-large'
        ? new Refusal(413, 'FIREHOSE_TOO_LARGE', `the gzip body is too large: ${r.message}`)
        : new Refusal(400, 'FIREHOSE_BAD_GZIP', `Content-Encoding is gzip but ${r.message}`);
    }
    bytes = r.bytes;
  } else if (encoding !== '' && encoding !== 'identity') {
    throw new Refusal(
      415,
      'FIREHOSE_CONTENT_ENCODING',
      `Content-Encoding ${describeValue(encoding)} is not supported (only gzip)`,
    );
  }
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    const hint = isGzip(bytes) ? ' (it is gzip: is the Content-Encoding: gzip header missing?)' : '';
    throw new Refusal(400, 'FIREHOSE_BAD_JSON', `the body is not JSON: ${(e as Error).message}${hint}`);
  }
}

/** Checks the §1.1 body fields and returns its records. */
function validateBody(body: unknown, requestId: string): readonly unknown[] {
  if (!isObject(body)) {
    throw new Refusal(400, 'FIREHOSE_BAD_BODY', `the body is ${describeValue(body)}, expected a JSON object`);
  }
  const id = body['requestId'];
  if (typeof id !== 'string') {
    throw new Refusal(
      400,
      'FIREHOSE_REQUEST_ID',
      `body field "requestId" is ${describeValue(id)}, expected a string`,
    );
  }
  if (id !== requestId) {
    throw new Refusal(
      400,
      'FIREHOSE_REQUEST_ID',
      `body field "requestId" ${describeValue(id)} differs from the X-Amz-Firehose-Request-Id header ${describeValue(requestId)}`,
    );
  }
  const ts = body['timestamp'];
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < 0) {
    throw new Refusal(
      400,
      'FIREHOSE_BAD_BODY',
      `body field "timestamp" is ${describeValue(ts)}, expected an integer (ms since the epoch)`,
    );
  }
  const records = body['records'];
  if (!Array.isArray(records)) {
    throw new Refusal(
      400,
      'FIREHOSE_BAD_BODY',
      `body field "records" is ${describeValue(records)}, expected an array`,
    );
  }
  if (records.length < 1 || records.length > FIREHOSE_MAX_RECORDS) {
    throw new Refusal(
      400,
      'FIREHOSE_BAD_BODY',
      `body field "records" has ${records.length} items, expected 1 to ${FIREHOSE_MAX_RECORDS}`,
    );
  }
  return records;
}

/**
 * Appends the lines of `records[index]` (§1.4) to `lines`: at once for plain text, or through the promise it returns
 * for a (gzipped or decompressed) CloudWatch Logs payload.
 */
function decodeRecord(
  record: unknown,
  index: number,
  budget: InflateBudget,
  lines: string[],
  times: LineTime[],
): Promise<void> | undefined {
  const where = `records[${index}]`;
  if (!isObject(record)) {
    throw new Refusal(
      400,
      'FIREHOSE_BAD_BODY',
      `${where} is ${describeValue(record)}, expected an object with "data"`,
    );
  }
  const data = record['data'];
  if (typeof data !== 'string') {
    throw new Refusal(
      400,
      'FIREHOSE_BAD_BODY',
      `${where}.data is ${describeValue(data)}, expected a base64 string`,
    );
  }
  const problem = base64Problem(data);
  if (problem !== undefined)
    throw new Refusal(400, 'FIREHOSE_BAD_BASE64', `${where}.data is not base64: ${problem}`);
  const bytes = Buffer.from(data, 'base64');
  if (isGzip(bytes)) return appendPayload(bytes, where, budget, lines, times);
  const text = bytes.toString('utf8');
  if (text.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      doc = undefined; // not one JSON document (e.g. JSON lines): its lines go to the loader as they are
    }
    if (isObject(doc) && typeof doc['message'] === 'string') {
      appendLines(lines, doc['message']);
      return undefined;
    }
    if (isObject(doc) && 'messageType' in doc) {
      return appendPayload(bytes, where, budget, lines, times); // a CloudWatch Logs payload Firehose decompressed
    }
  }
  appendLines(lines, text);
  return undefined;
}

async function appendPayload(
  bytes: Buffer,
  where: string,
  budget: InflateBudget,
  lines: string[],
  times: LineTime[],
) {
  try {
    const payload = await inflateSubscriptionPayload(bytes, budget);
    const timed = subscriptionTimedLines(payload);
    for (let i = 0; i < timed.lines.length; i++) {
      lines.push(timed.lines[i]!);
      times.push(timed.times[i]!);
    }
  } catch (e) {
    if (!(e instanceof SubscriptionError)) throw e;
    if (e.code === 'SUBSCRIPTION_TOO_LARGE') {
      throw new Refusal(
        413,
        'FIREHOSE_TOO_LARGE',
        `${where}: ${e.message} (raise maxInflatedBytes or lower the stream's buffering size)`,
      );
    }
    throw new Refusal(
      400,
      'FIREHOSE_BAD_RECORD',
      `${where} is not a valid CloudWatch Logs payload: ${e.message} [${e.code}]`,
    );
  }
}

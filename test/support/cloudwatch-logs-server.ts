// An in-memory CloudWatch Logs endpoint on 127.0.0.1 for tests: the JSON 1.1 protocol of spec
// ingestion-formats §3 (CreateLogGroup, CreateLogStream, PutLogEvents, GetLogEvents, FilterLogEvents), with a
// settable clock, small pages and injected errors (ThrottlingException...). Signatures are checked for shape only.

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compileMatcher, type Matcher, parsePattern } from '../../src/filter/index.js';

const TARGET_PREFIX = 'Logs_20140328.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
const MAX_LIMIT = 10_000;
const MAX_BATCH_BYTES = 1_048_576;
const EVENT_OVERHEAD = 26;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** FilterLogEvents accepts `startFromHead: false` only from this start time on (spec §6). */
const NEWEST_FIRST_FROM = Date.UTC(2024, 0, 1);

/** An event as the server holds it. */
export interface StoredEvent {
  readonly logStreamName: string;
  readonly timestamp: number;
  readonly message: string;
  readonly ingestionTime: number;
  readonly eventId: string;
  /** Order of arrival (stands for the PutLogEvents request id in the sort order). */
  readonly seq: number;
}

/** A request the server answered. */
export interface ServedCall {
  readonly operation: string;
  readonly body: Record<string, unknown>;
  /** The HTTP status sent. */
  readonly status: number;
}

export interface CloudWatchLogsServerOptions {
  /** Most events per FilterLogEvents/GetLogEvents page, whatever the request's limit (default 10,000). */
  readonly pageSize?: number;
  /** The server's clock in ms: ingestion times and the `Date` header (default Date.now). */
  readonly now?: () => number;
}

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

type Json = Record<string, unknown>;

/**
 * A CloudWatch Logs service in memory. Point the SDK at {@link CloudWatchLogsServer.endpoint} with any
 * credentials.
 *
 * @example
 * const cwl = await CloudWatchLogsServer.start({ pageSize: 2 });
 * const client = new CloudWatchLogsClient({ endpoint: cwl.endpoint, region: 'eu-west-1', credentials });
 */
export class CloudWatchLogsServer {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  pageSize: number;
  now: () => number;
  /** Every request answered, in order. */
  readonly calls: ServedCall[] = [];
  private readonly groups = new Map<string, Map<string, StoredEvent[]>>();
  private readonly faults: { operation: string; type: string; status: number }[] = [];
  private emptyPages = 0;
  private seq = 0;

  private constructor(
    private readonly server: Server,
    options: CloudWatchLogsServerOptions,
  ) {
    this.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    this.pageSize = options.pageSize ?? MAX_LIMIT;
    this.now = options.now ?? Date.now;
  }

  /** Listens on 127.0.0.1, port chosen by the system. */
  static async start(options: CloudWatchLogsServerOptions = {}): Promise<CloudWatchLogsServer> {
    let self: CloudWatchLogsServer | undefined;
    const server = createServer((req, res) => {
      void self!.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new CloudWatchLogsServer(server, options);
    return self;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /**
   * The next `count` calls of `operation` fail with `type` (default ThrottlingException, HTTP 400; a
   * ServiceUnavailableException is sent as 503).
   */
  failNext(operation: string, count: number, type = 'ThrottlingException'): void {
    const status = type === 'ServiceUnavailableException' ? 503 : 400;
    for (let i = 0; i < count; i++) this.faults.push({ operation, type, status });
  }

  /** The next `count` FilterLogEvents calls return no events but a nextToken to the same place (spec §6). */
  emptyPagesNext(count: number): void {
    this.emptyPages += count;
  }

  /** The events of a stream, in the server's order. */
  events(group: string, stream: string): readonly StoredEvent[] {
    return this.groups.get(group)?.get(stream) ?? [];
  }

  /** Calls of one operation. */
  callsOf(operation: string): ServedCall[] {
    return this.calls.filter((c) => c.operation === operation);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
    let body: Json = {};
    let status = 200;
    let answer: Json;
    try {
      if (req.method !== 'POST' || req.url !== '/') {
        throw new ApiError('UnknownOperationException', `${req.method} ${req.url} is not an operation`, 404);
      }
      const auth = String(req.headers['authorization'] ?? '');
      if (!auth.startsWith('AWS4-HMAC-SHA256 ')) {
        throw new ApiError('MissingAuthenticationTokenException', 'Missing Authentication Token');
      }
      if (!/Credential=[^/]+\/\d{8}\/[a-z0-9-]+\/logs\/aws4_request/.test(auth)) {
        throw new ApiError('InvalidSignatureException', 'the credential scope is not for the logs service');
      }
      if (!String(req.headers['content-type'] ?? '').startsWith(CONTENT_TYPE)) {
        throw new ApiError('SerializationException', `Content-Type must be ${CONTENT_TYPE}`);
      }
      try {
        const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          throw new Error('not an object');
        body = parsed as Json;
      } catch {
        throw new ApiError('SerializationException', 'the body is not a JSON object');
      }
      const fault = this.faults.findIndex((f) => f.operation === operation);
      if (fault >= 0) {
        const f = this.faults.splice(fault, 1)[0]!;
        throw new ApiError(f.type, f.type === 'ThrottlingException' ? 'Rate exceeded' : 'injected', f.status);
      }
      answer = this.dispatch(operation, body);
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError('ServiceUnavailableException', String(err), 500);
      status = e.status;
      answer = { __type: e.type, message: e.message };
      res.setHeader('x-amzn-ErrorType', e.type);
    }
    this.calls.push({ operation, body, status });
    const text = JSON.stringify(answer);
    res.writeHead(status, {
      'content-type': CONTENT_TYPE,
      'content-length': Buffer.byteLength(text),
      'x-amzn-RequestId': randomUUID(),
      date: new Date(this.now()).toUTCString(),
    });
    res.end(text);
  }

  private dispatch(operation: string, body: Json): Json {
    switch (operation) {
      case 'CreateLogGroup':
        return this.createLogGroup(body);
      case 'CreateLogStream':
        return this.createLogStream(body);
      case 'PutLogEvents':
        return this.putLogEvents(body);
      case 'GetLogEvents':
        return this.getLogEvents(body);
      case 'FilterLogEvents':
        return this.filterLogEvents(body);
      default:
        throw new ApiError('UnknownOperationException', `unknown operation ${operation}`);
    }
  }

  private createLogGroup(body: Json): Json {
    const name = str(body, 'logGroupName', true)!;
    if (name.length > 512 || !/^[.\-_/#A-Za-z0-9]+$/.test(name)) {
      throw new ApiError('InvalidParameterException', `invalid log group name ${JSON.stringify(name)}`);
    }
    if (this.groups.has(name))
      throw new ApiError('ResourceAlreadyExistsException', 'The specified log group already exists');
    this.groups.set(name, new Map());
    return {};
  }

  private createLogStream(body: Json): Json {
    const group = this.group(body);
    const name = str(body, 'logStreamName', true)!;
    if (name.length > 512 || /[:*]/.test(name) || name === '') {
      throw new ApiError('InvalidParameterException', `invalid log stream name ${JSON.stringify(name)}`);
    }
    if (group.has(name))
      throw new ApiError('ResourceAlreadyExistsException', 'The specified log stream already exists');
    group.set(name, []);
    return {};
  }

  private putLogEvents(body: Json): Json {
    const group = this.group(body);
    const streamName = str(body, 'logStreamName', true)!;
    const stream = group.get(streamName);
    if (!stream) throw new ApiError('ResourceNotFoundException', 'The specified log stream does not exist.');
    const events = body['logEvents'];
    if (!Array.isArray(events) || events.length < 1 || events.length > MAX_LIMIT) {
      throw new ApiError('InvalidParameterException', 'logEvents must hold 1 to 10000 events');
    }
    let bytes = 0;
    let prev = -Infinity;
    const input: { timestamp: number; message: string }[] = [];
    for (const e of events as unknown[]) {
      const ev = e as Json;
      const timestamp = ev['timestamp'];
      const message = ev['message'];
      if (typeof timestamp !== 'number' || !Number.isInteger(timestamp) || typeof message !== 'string') {
        throw new ApiError(
          'InvalidParameterException',
          'each event needs an integer timestamp and a message',
        );
      }
      if (timestamp < prev) {
        throw new ApiError(
          'InvalidParameterException',
          'Log events in a single PutLogEvents request must be in chronological order.',
        );
      }
      prev = timestamp;
      bytes += Buffer.byteLength(message, 'utf8') + EVENT_OVERHEAD;
      input.push({ timestamp, message });
    }
    if (bytes > MAX_BATCH_BYTES)
      throw new ApiError('InvalidParameterException', 'the batch is larger than 1,048,576 bytes');
    const now = this.now();
    let tooOldEnd = 0;
    let tooNewStart: number | undefined;
    input.forEach((e, i) => {
      if (e.timestamp < now - 14 * DAY) tooOldEnd = i + 1;
      if (tooNewStart === undefined && e.timestamp > now + 2 * HOUR) tooNewStart = i;
    });
    // The 24-hour span rule counts the events that are not rejected for their age.
    const valid = input.slice(tooOldEnd, tooNewStart);
    if (valid.length > 0 && valid[valid.length - 1]!.timestamp - valid[0]!.timestamp > DAY) {
      throw new ApiError('InvalidParameterException', 'the events of a batch span more than 24 hours');
    }
    input.forEach((e, i) => {
      if (i < tooOldEnd || (tooNewStart !== undefined && i >= tooNewStart)) return;
      const seq = ++this.seq;
      stream.push({
        logStreamName: streamName,
        timestamp: e.timestamp,
        message: e.message,
        ingestionTime: now,
        // 56 decimal digits, like CloudWatch's ids; unique through the sequence number.
        eventId: String(e.timestamp).padStart(20, '0') + String(seq).padStart(36, '0'),
        seq,
      });
    });
    stream.sort(order);
    const rejected: Json = {};
    if (tooOldEnd > 0) rejected['tooOldLogEventEndIndex'] = tooOldEnd;
    if (tooNewStart !== undefined) rejected['tooNewLogEventStartIndex'] = tooNewStart;
    return {
      nextSequenceToken: String(this.seq).padStart(56, '0'),
      ...(Object.keys(rejected).length > 0 ? { rejectedLogEventsInfo: rejected } : {}),
    };
  }

  /** GetLogEvents (spec §5): one stream, startTime inclusive, endTime exclusive, forward/backward tokens. */
  private getLogEvents(body: Json): Json {
    const group = this.group(body);
    const streamName = str(body, 'logStreamName', true)!;
    const stream = group.get(streamName);
    if (!stream) throw new ApiError('ResourceNotFoundException', 'The specified log stream does not exist.');
    const start = int(body, 'startTime');
    const end = int(body, 'endTime');
    const limit = Math.min(limitOf(body), this.pageSize);
    const window = stream.filter(
      (e) => (start === undefined || e.timestamp >= start) && (end === undefined || e.timestamp < end),
    );
    const token = str(body, 'nextToken', false);
    let from: number;
    let to: number;
    if (token === undefined) {
      if (body['startFromHead'] === true) {
        from = 0;
        to = Math.min(limit, window.length);
      } else {
        to = window.length;
        from = Math.max(0, to - limit);
      }
    } else {
      const m = /^([fb])\/(\d+)$/.exec(token);
      if (!m) throw new ApiError('InvalidParameterException', 'The specified nextToken is invalid.');
      const at = Math.min(Number(m[2]), window.length);
      if (m[1] === 'f') {
        from = at;
        to = Math.min(at + limit, window.length);
      } else {
        to = at;
        from = Math.max(0, at - limit);
      }
    }
    return {
      events: window
        .slice(from, to)
        .map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime })),
      nextForwardToken: `f/${String(to).padStart(56, '0')}`,
      nextBackwardToken: `b/${String(from).padStart(56, '0')}`,
    };
  }

  /**
   * FilterLogEvents (spec §6): all or some streams interleaved by (timestamp, ingestion time, arrival),
   * startTime and endTime both inclusive, optional pattern; the token holds the sort key of the last event sent.
   */
  private filterLogEvents(body: Json): Json {
    const group = this.group(body);
    const names = body['logStreamNames'];
    const namePrefix = str(body, 'logStreamNamePrefix', false);
    if (names !== undefined && namePrefix !== undefined) {
      throw new ApiError(
        'InvalidParameterException',
        'logStreamNames and logStreamNamePrefix cannot both be given',
      );
    }
    if (names !== undefined && (!Array.isArray(names) || names.length < 1 || names.length > 100)) {
      throw new ApiError('InvalidParameterException', 'logStreamNames must hold 1 to 100 names');
    }
    const start = int(body, 'startTime');
    const end = int(body, 'endTime');
    const limit = Math.min(limitOf(body), this.pageSize);
    const headFirst = body['startFromHead'] !== false;
    if (!headFirst && (start === undefined || start < NEWEST_FIRST_FROM)) {
      throw new ApiError(
        'InvalidParameterException',
        'startFromHead=false needs a startTime from 2024-01-01 on',
      );
    }
    let matcher: Matcher | undefined;
    const pattern = str(body, 'filterPattern', false);
    if (pattern !== undefined && pattern.trim() !== '') {
      try {
        matcher = compileMatcher(parsePattern(pattern));
      } catch (err) {
        throw new ApiError('InvalidParameterException', `Invalid filter pattern: ${(err as Error).message}`);
      }
    }
    const all: StoredEvent[] = [];
    for (const [name, events] of group) {
      if (Array.isArray(names) && !names.includes(name)) continue;
      if (namePrefix !== undefined && !name.startsWith(namePrefix)) continue;
      for (const e of events) {
        if (start !== undefined && e.timestamp < start) continue;
        if (end !== undefined && e.timestamp > end) continue;
        if (matcher && matcher(e.message) === undefined) continue;
        all.push(e);
      }
    }
    all.sort(order);
    if (!headFirst) all.reverse();
    const token = str(body, 'nextToken', false);
    let rest = all;
    if (token !== undefined) {
      let after: StoredEvent;
      try {
        after = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as StoredEvent;
        if (typeof after.timestamp !== 'number' || typeof after.seq !== 'number')
          throw new Error('bad token');
      } catch {
        throw new ApiError('InvalidParameterException', 'The specified nextToken is invalid.');
      }
      rest = all.filter((e) => (headFirst ? order(e, after) > 0 : order(e, after) < 0));
    }
    if (this.emptyPages > 0 && token !== undefined) {
      this.emptyPages--;
      return { events: [], searchedLogStreams: [], nextToken: token };
    }
    const page = rest.slice(0, limit);
    const last = page[page.length - 1];
    return {
      events: page.map((e) => ({
        logStreamName: e.logStreamName,
        timestamp: e.timestamp,
        message: e.message,
        ingestionTime: e.ingestionTime,
        eventId: e.eventId,
      })),
      searchedLogStreams: [],
      ...(rest.length > limit && last
        ? {
            nextToken: Buffer.from(
              JSON.stringify({ timestamp: last.timestamp, ingestionTime: last.ingestionTime, seq: last.seq }),
            ).toString('base64url'),
          }
        : {}),
    };
  }

  /** The group named by `logGroupName` or `logGroupIdentifier` (a name or an ARN): exactly one of them. */
  private group(body: Json): Map<string, StoredEvent[]> {
    const name = str(body, 'logGroupName', false);
    const id = str(body, 'logGroupIdentifier', false);
    if ((name === undefined) === (id === undefined)) {
      throw new ApiError(
        'InvalidParameterException',
        'give exactly one of logGroupName and logGroupIdentifier',
      );
    }
    const key = name ?? /^arn:[^:]+:logs:[^:]*:[^:]*:log-group:([^:]+)(:\*)?$/.exec(id!)?.[1] ?? id!;
    const group = this.groups.get(key);
    if (!group) throw new ApiError('ResourceNotFoundException', 'The specified log group does not exist.');
    return group;
  }
}

/** FilterLogEvents order: timestamp, then ingestion time, then arrival. */
function order(
  a: Pick<StoredEvent, 'timestamp' | 'ingestionTime' | 'seq'>,
  b: Pick<StoredEvent, 'timestamp' | 'ingestionTime' | 'seq'>,
): number {
  return a.timestamp - b.timestamp || a.ingestionTime - b.ingestionTime || a.seq - b.seq;
}

function str(body: Json, key: string, required: boolean): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) {
    if (required) throw new ApiError('InvalidParameterException', `${key} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw new ApiError('InvalidParameterException', `${key} must be a string`);
  return v;
}

function int(body: Json, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new ApiError('InvalidParameterException', `${key} must be a non-negative integer`);
  }
  return v;
}

function limitOf(body: Json): number {
  const limit = int(body, 'limit') ?? MAX_LIMIT;
  if (limit < 1 || limit > MAX_LIMIT)
    throw new ApiError('InvalidParameterException', 'limit must be 1 to 10000');
  return limit;
}

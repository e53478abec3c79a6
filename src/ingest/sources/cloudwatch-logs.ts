// A live source over a CloudWatch Logs log group of flow logs: reads new events with FilterLogEvents (spec
// ingestion-formats §6) and hands each page to the sink as one lines batch, with a durable cursor.
//
// Cursor (see CwlCursor): a read ("pass") goes through the events in timestamp order from a start time; its
// position is the last timestamp read plus the ids read at that timestamp, so events of the same millisecond
// are neither lost nor repeated across pages and restarts. Each pass starts `lookbackSeconds` before the
// ingestion cut of the previous one, so events ingested late (CloudWatch is eventually consistent, and flow
// log events arrive minutes after their timestamp) are still found; events already handed over are known
// by their ingestion time (before the cut) or by their id (the few ingested after it).

import { createHash } from 'node:crypto';
import {
  CloudWatchLogsClient,
  type CloudWatchLogsClientConfig,
  type FilteredLogEvent,
  FilterLogEventsCommand,
  type FilterLogEventsCommandOutput,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  type PollingOptions,
  PollingSource,
  type PollingStatus,
  pause,
  responseDate,
} from './polling-source.js';
import type { Sink } from './source.js';

/** Options of {@link CloudWatchLogsSource}; give exactly one of logGroupName and logGroupIdentifier. */
export interface CloudWatchLogsSourceOptions extends PollingOptions {
  readonly logGroupName?: string | undefined;
  /** A log group name or ARN (for a group in another account shared through OAM). */
  readonly logGroupIdentifier?: string | undefined;
  readonly region?: string | undefined;
  /** Another endpoint (e.g. `http://127.0.0.1:4566`); default: AWS's endpoint for the region. */
  readonly endpoint?: string | undefined;
  /** Default: the SDK's default provider chain (environment, profile, SSO, instance role...). */
  readonly credentials?: CloudWatchLogsClientConfig['credentials'];
  /** Ms since the epoch: events before this are never read (default: all the group keeps). */
  readonly startTime?: number | undefined;
  /** A CloudWatch filter pattern applied by the service (default: all events). */
  readonly filterPattern?: string | undefined;
  /** Only these streams (1–100 names); default all streams of the group. */
  readonly logStreamNames?: readonly string[] | undefined;
  /** `${...}` format of the event messages; default: the default format. */
  readonly format?: string | undefined;
  /**
   * How far before the ingestion cut a read starts (default 1,200 s): events whose timestamp is older than
   * their ingestion time by more than this are missed once the cut passed them.
   */
  readonly lookbackSeconds?: number | undefined;
  /**
   * How long after ingestion an event is surely returned by FilterLogEvents, plus clock slack (default 60 s).
   * Events ingested within this span before a read are remembered by id.
   */
  readonly visibilitySeconds?: number | undefined;
  /** FilterLogEvents `limit` (1–10,000; default: the service's, 10,000). */
  readonly pageLimit?: number | undefined;
  /** Retries of a throttled request within a poll before the poll fails (default 5). */
  readonly throttleRetries?: number | undefined;
  /** First wait after a ThrottlingException, doubled for each further one (default 1,000 ms). */
  readonly throttleDelayMs?: number | undefined;
  /** SDK attempts per request (default 1: throttles are retried here, other errors at the next poll). */
  readonly maxAttempts?: number | undefined;
}

/** {@link CloudWatchLogsSource.status}: the common counters plus throttles. */
export interface CloudWatchLogsSourceStatus extends PollingStatus {
  /** ThrottlingExceptions received (each followed by a wait). */
  readonly throttles: number;
}

/** The durable cursor, stored as JSON in the sink's checkpoint. */
interface CwlCursor {
  readonly v: 1;
  readonly kind: 'cloudwatch-logs';
  readonly group: string;
  /** Every event in scope ingested before this (ms, CloudWatch's clock) has been handed over. */
  readonly ic: number | null;
  /** Events handed over that neither `ic` nor `pass` account for: [eventId, ingestionTime]. */
  readonly seen: readonly (readonly [string, number])[];
  /** The read in progress, if any. */
  readonly pass: Pass | null;
}

/**
 * A read in timestamp order. Every event with ingestion time before `cut` and a timestamp before `ts` has
 * been handed over, and so have the events `ids` at `ts`.
 */
interface Pass {
  readonly cut: number;
  readonly ts: number;
  readonly ids: readonly string[];
}

/** An event with every field the cursor needs. */
interface Event {
  readonly id: string;
  readonly timestamp: number;
  readonly ingestionTime: number;
  readonly message: string;
}

const DEFAULT_LOOKBACK_SECONDS = 1_200;
const DEFAULT_VISIBILITY_SECONDS = 60;

/**
 * Follows a log group of VPC flow logs: every poll reads the events from the cursor on with FilterLogEvents
 * and hands each page's new events to the sink as a `lines` batch keyed `${logGroup}:${firstId}..${lastId}`.
 *
 * @example
 * const src = new CloudWatchLogsSource({ name: 'cwl', logGroupName: '/vpc/flowlogs', pollSeconds: 60 }, sink);
 * await src.start(); // ... await src.stop();
 */
export class CloudWatchLogsSource extends PollingSource {
  protected readonly kind = 'cloudwatch-logs';
  private readonly options: CloudWatchLogsSourceOptions;
  private readonly group: string;
  private readonly client: CloudWatchLogsClient;
  private cursor: CwlCursor | undefined;
  private serverDate: number | undefined;
  private throttles = 0;

  constructor(options: CloudWatchLogsSourceOptions, sink: Sink) {
    super(options, sink);
    const group = options.logGroupName ?? options.logGroupIdentifier;
    if (
      group === undefined ||
      (options.logGroupName !== undefined && options.logGroupIdentifier !== undefined)
    ) {
      throw new RangeError(`${options.name}: give exactly one of logGroupName and logGroupIdentifier`);
    }
    const streams = options.logStreamNames;
    if (streams !== undefined && (streams.length < 1 || streams.length > 100)) {
      throw new RangeError(`${options.name}: logStreamNames must hold 1 to 100 names`);
    }
    this.options = options;
    this.group = group;
    this.client = new CloudWatchLogsClient({
      region: options.region ?? process.env['AWS_REGION'] ?? 'us-east-1',
      endpoint: options.endpoint,
      credentials: options.credentials,
      maxAttempts: options.maxAttempts ?? 1,
    });
    this.client.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        this.serverDate = responseDate(out.response) ?? this.serverDate;
        return out;
      },
      { step: 'deserialize', name: 'flowwatchServerDate' },
    );
  }

  override status(): CloudWatchLogsSourceStatus {
    return { ...super.status(), throttles: this.throttles };
  }

  override async stop(): Promise<void> {
    await super.stop();
    this.client.destroy();
  }

  protected async poll(signal: AbortSignal): Promise<void> {
    const o = this.options;
    let c = this.cursor ?? (await this.loadCursor());
    this.cursor = c;
    const lookback = (o.lookbackSeconds ?? DEFAULT_LOOKBACK_SECONDS) * 1000;
    const visibility = (o.visibilitySeconds ?? DEFAULT_VISIBILITY_SECONDS) * 1000;
    // A pass left unfinished (failed sink, stop, restart) goes on from its position; a new one starts the
    // lookback before the cut.
    const start = c.pass?.ts ?? Math.max(o.startTime ?? 0, c.ic === null ? 0 : c.ic - lookback);
    this.serverDate = undefined;
    let token: string | undefined;
    let pages = 0;
    let read = 0;
    do {
      const page = await this.filter(start, token, signal);
      pages++;
      if (c.pass === null) {
        // The first answer's Date (rounded down to the second, less a second for the time the service took):
        // events ingested before it − visibility were all visible to this pass.
        const at = (this.serverDate ?? Date.now()) - 1000;
        c = { ...c, pass: { cut: at - visibility, ts: start, ids: [] } };
      }
      const events = (page.events ?? []).map(normalize);
      read += events.length;
      const fresh = newEvents(c, events);
      token = page.nextToken || undefined;
      let next = afterPage(c, events, fresh);
      if (token === undefined) next = completed(next);
      if (fresh.length > 0) {
        await this.deliver(
          {
            kind: 'lines',
            source: this.name,
            key: `${this.group}:${fresh[0]!.id}..${fresh[fresh.length - 1]!.id}`,
            origin: `cloudwatch-logs:${this.group}`,
            lines: fresh.map((e) => e.message.replace(/\r?\n$/, '')),
            times: fresh.map((e) => ({ ms: e.timestamp, source: 'cwl-event' as const })),
            format: o.format,
            checkpoint: JSON.stringify(next),
          },
          fresh.length,
        );
      }
      c = next;
      this.cursor = c;
    } while (token !== undefined);
    this.pollCounts = { pages, read, remembered: c.seen.length };
  }

  /** One FilterLogEvents call; a ThrottlingException is retried after a doubling wait, up to throttleRetries. */
  private async filter(
    startTime: number,
    nextToken: string | undefined,
    signal: AbortSignal,
  ): Promise<FilterLogEventsCommandOutput> {
    const o = this.options;
    const retries = o.throttleRetries ?? 5;
    const first = o.throttleDelayMs ?? 1000;
    const command = new FilterLogEventsCommand({
      ...(o.logGroupName !== undefined
        ? { logGroupName: o.logGroupName }
        : { logGroupIdentifier: o.logGroupIdentifier }),
      logStreamNames: o.logStreamNames === undefined ? undefined : [...o.logStreamNames],
      filterPattern: o.filterPattern,
      startTime,
      nextToken,
      limit: o.pageLimit,
    });
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.client.send(command, { abortSignal: signal });
      } catch (err) {
        if (signal.aborted || !isThrottle(err) || attempt > retries) throw err;
        const delayMs = first * 2 ** (attempt - 1);
        this.throttles++;
        this.emit({ type: 'throttled', source: this.name, attempt, delayMs });
        await pause(delayMs, signal);
      }
    }
  }

  /** The stored cursor, or a fresh one when there is none or it is for another log group. */
  private async loadCursor(): Promise<CwlCursor> {
    const fresh: CwlCursor = {
      v: 1,
      kind: 'cloudwatch-logs',
      group: this.group,
      ic: null,
      seen: [],
      pass: null,
    };
    const text = await this.sink.checkpoint(this.name);
    if (text === undefined) return fresh;
    let c: CwlCursor;
    try {
      c = JSON.parse(text) as CwlCursor;
      if (c.v !== 1 || c.kind !== 'cloudwatch-logs' || !Array.isArray(c.seen))
        throw new Error('not a cursor');
    } catch {
      this.emit({
        type: 'reset',
        source: this.name,
        reason: 'the stored checkpoint is not a CloudWatch Logs cursor',
      });
      return fresh;
    }
    if (c.group !== this.group) {
      this.emit({ type: 'reset', source: this.name, reason: `the checkpoint is for log group ${c.group}` });
      return fresh;
    }
    return c;
  }
}

function isThrottle(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const retryable = (err as { $retryable?: { throttling?: boolean } }).$retryable;
  return err.name === 'ThrottlingException' || retryable?.throttling === true;
}

/** The fields the cursor relies on; a (never seen) event without an id gets one from its content. */
function normalize(e: FilteredLogEvent): Event {
  const timestamp = e.timestamp ?? 0;
  const message = e.message ?? '';
  const id =
    e.eventId ??
    `x${createHash('sha256').update(`${e.logStreamName}\n${timestamp}\n${message}`).digest('hex').slice(0, 40)}`;
  return { id, timestamp, ingestionTime: e.ingestionTime ?? timestamp, message };
}

/** The events of a page not handed over yet. */
function newEvents(c: CwlCursor, events: readonly Event[]): Event[] {
  const seen = new Set(c.seen.map(([id]) => id));
  const p = c.pass;
  const atPos = new Set(p?.ids);
  return events.filter((e) => {
    if (c.ic !== null && e.ingestionTime < c.ic) return false;
    if (seen.has(e.id)) return false;
    if (p && e.ingestionTime < p.cut && (e.timestamp < p.ts || (e.timestamp === p.ts && atPos.has(e.id)))) {
      return false;
    }
    return true;
  });
}

/** The cursor after a page was handed over: the pass moves to its last timestamp. */
function afterPage(c: CwlCursor, events: readonly Event[], fresh: readonly Event[]): CwlCursor {
  const p = c.pass!;
  let ts = p.ts;
  let ids = p.ids;
  const last = events[events.length - 1];
  if (last !== undefined) {
    const atLast = events.filter((e) => e.timestamp === last.timestamp).map((e) => e.id);
    if (last.timestamp === p.ts) ids = [...new Set([...ids, ...atLast])];
    else {
      ts = last.timestamp;
      ids = atLast;
    }
  }
  // Events ingested before the cut are accounted for by the position; the others must be remembered.
  const seen = [
    ...c.seen,
    ...fresh.filter((e) => e.ingestionTime >= p.cut).map((e) => [e.id, e.ingestionTime] as const),
  ];
  return { ...c, seen, pass: { cut: p.cut, ts, ids } };
}

/** The cursor after a pass read to the end: its cut becomes the ingestion cut. */
function completed(c: CwlCursor): CwlCursor {
  const ic = Math.max(c.ic ?? -Infinity, c.pass!.cut);
  return { ...c, ic, seen: c.seen.filter(([, t]) => t >= ic), pass: null };
}

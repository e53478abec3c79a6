// CloudWatchLogsSource against an in-memory CloudWatch Logs endpoint on loopback (the SDK signs and speaks
// JSON 1.1 to it): interleaved streams, pages, same-millisecond events across a page boundary, restarts,
// late events within and beyond the lookback, throttling and errors.

import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CloudWatchLogsSource,
  type CloudWatchLogsSourceOptions,
} from '../../src/ingest/sources/cloudwatch-logs.js';
import type { SourceEvent } from '../../src/ingest/sources/polling-source.js';
import { CloudWatchLogsServer } from '../support/cloudwatch-logs-server.js';
import { MemorySink } from '../support/memory-sink.js';

const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const GROUP = '/vpc/flowlogs';
/** The server's clock: 2024-05-20T10:20:00Z = 1716163200 (00:00Z) + 37,200 s, in ms. */
const T0 = 1_716_200_400_000;
/** 10:15:00Z, five minutes before T0: the timestamps of the events (flow log record starts). */
const TS = T0 - 300_000;

let cwl: CloudWatchLogsServer;
let client: CloudWatchLogsClient;
let now: number;

beforeEach(async () => {
  now = T0;
  cwl = await CloudWatchLogsServer.start({ now: () => now });
  client = new CloudWatchLogsClient({
    region: 'eu-west-1',
    endpoint: cwl.endpoint,
    credentials: CREDENTIALS,
  });
  await client.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
});

afterEach(async () => {
  client.destroy();
  await cwl.close();
});

/** A flow log record whose srcport names it (the message CloudWatch stores for one record). */
function record(port: number, action = 'ACCEPT'): string {
  return `2 111122223333 eni-0a1b2c3d4e5f60718 10.0.1.5 10.0.2.7 ${port} 443 6 3 300 ${TS / 1000} ${TS / 1000 + 60} ${action} OK`;
}

async function put(
  stream: string,
  events: [timestamp: number, port: number, action?: string][],
): Promise<void> {
  if (cwl.events(GROUP, stream).length === 0) {
    await client
      .send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: stream }))
      .catch(() => undefined);
  }
  await client.send(
    new PutLogEventsCommand({
      logGroupName: GROUP,
      logStreamName: stream,
      logEvents: events.map(([timestamp, port, action]) => ({ timestamp, message: record(port, action) })),
    }),
  );
}

/** The server's id of the event of `stream` whose record has srcport `port`. */
function idOf(stream: string, port: number): string {
  return cwl.events(GROUP, stream).find((e) => e.message === record(port))!.eventId;
}

function source(sink: MemorySink, extra: Partial<CloudWatchLogsSourceOptions> = {}): CloudWatchLogsSource {
  return new CloudWatchLogsSource(
    {
      name: 'cwl',
      logGroupName: GROUP,
      region: 'eu-west-1',
      endpoint: cwl.endpoint,
      credentials: CREDENTIALS,
      pollSeconds: 0.05,
      throttleDelayMs: 5,
      ...extra,
    },
    sink,
  );
}

/** The srcports of the lines stored, in order. */
function ports(sink: MemorySink): number[] {
  return sink.lines().map((l) => Number(l.split(' ')[5]));
}

interface Cursor {
  ic: number | null;
  seen: [string, number][];
  pass: { cut: number; ts: number; ids: string[] } | null;
}

function cursor(sink: MemorySink): Cursor {
  return JSON.parse(sink.checkpoints.get('cwl')!) as Cursor;
}

/** Three streams; 10:15:02 holds an event of each, which page size 3 splits over pages 1 and 2. */
async function threeStreams(): Promise<void> {
  await put('eni-a-all', [
    [TS, 1],
    [TS + 2000, 3],
    [TS + 4000, 7],
  ]);
  await put('eni-b-all', [
    [TS + 1000, 2],
    [TS + 2000, 4],
    [TS + 5000, 8],
  ]);
  await put('eni-c-all', [
    [TS + 2000, 5],
    [TS + 3000, 6],
  ]);
}

describe('CloudWatchLogsSource: reading', () => {
  it('hands over every event once, streams interleaved by timestamp, one batch per page', async () => {
    await threeStreams();
    cwl.pageSize = 3;
    const sink = new MemorySink();
    const src = source(sink, {
      format:
        'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
    });
    expect(await src.pollOnce()).toEqual({ batches: 3, duplicates: 0, records: 8, error: undefined });
    // Order: timestamp, then arrival (a before b before c at 10:15:02).
    expect(ports(sink)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(sink.storedKeys()).toEqual([
      `${GROUP}:${idOf('eni-a-all', 1)}..${idOf('eni-a-all', 3)}`,
      `${GROUP}:${idOf('eni-b-all', 4)}..${idOf('eni-c-all', 6)}`,
      `${GROUP}:${idOf('eni-a-all', 7)}..${idOf('eni-b-all', 8)}`,
    ]);
    for (const { batch } of sink.stored) {
      expect(batch).toMatchObject({ kind: 'lines', source: 'cwl', origin: `cloudwatch-logs:${GROUP}` });
      expect(batch.format).toMatch(/^version account-id/);
      expect(batch.checkpoint).toBeDefined();
    }
    // Each line carries its event's timestamp (the ones put above: ports 1..8 at TS + 0, 1, 2, 2, 2, 3, 4, 5 s).
    const times = sink.stored.flatMap(({ batch }) => (batch.kind === 'lines' ? (batch.times ?? []) : []));
    expect(times).toEqual([0, 1, 2, 2, 2, 3, 4, 5].map((s) => ({ ms: TS + s * 1000, source: 'cwl-event' })));
    // Three FilterLogEvents calls, following nextToken.
    const calls = cwl.callsOf('FilterLogEvents');
    expect(calls.map((c) => c.body['nextToken'] !== undefined)).toEqual([false, true, true]);
    expect(calls[0]!.body).toMatchObject({ logGroupName: GROUP, startTime: 0 });
    expect(src.status()).toMatchObject({ kind: 'cloudwatch-logs', batches: 3, records: 8, errors: 0 });

    // Nothing new: the next poll reads the lookback again and hands over nothing.
    expect(await src.pollOnce()).toEqual({ batches: 0, duplicates: 0, records: 0, error: undefined });
    // That read started 1,200 s (lookback) before the cut T0 − 1 s − 60 s (visibility).
    expect(cwl.callsOf('FilterLogEvents')[3]!.body['startTime']).toBe(T0 - 61_000 - 1_200_000);
    await src.stop();
  });

  it('keeps following nextToken over empty pages', async () => {
    await threeStreams();
    cwl.pageSize = 3;
    cwl.emptyPagesNext(2);
    const sink = new MemorySink();
    const src = source(sink);
    expect((await src.pollOnce()).records).toBe(8);
    expect(ports(sink)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(cwl.callsOf('FilterLogEvents')).toHaveLength(5);
    await src.stop();
  });

  it('passes logStreamNames and the filter pattern to the service', async () => {
    await put('eni-a-all', [
      [TS, 1, 'REJECT'],
      [TS + 1000, 2],
      [TS + 2000, 3, 'REJECT'],
    ]);
    await put('eni-b-all', [[TS, 4, 'REJECT']]);
    const sink = new MemorySink();
    const src = source(sink, {
      logStreamNames: ['eni-a-all'],
      filterPattern: '[..., action = REJECT, status]',
    });
    await src.pollOnce();
    expect(ports(sink)).toEqual([1, 3]);
    expect(cwl.callsOf('FilterLogEvents')[0]!.body).toMatchObject({
      logStreamNames: ['eni-a-all'],
      filterPattern: '[..., action = REJECT, status]',
    });
    await src.stop();
  });

  it('reads a group named by ARN (logGroupIdentifier)', async () => {
    await put('eni-a-all', [[TS, 1]]);
    const arn = `arn:aws:logs:eu-west-1:111122223333:log-group:${GROUP}`;
    const sink = new MemorySink();
    const src = source(sink, { logGroupName: undefined, logGroupIdentifier: arn });
    await src.pollOnce();
    expect(sink.storedKeys()).toEqual([`${arn}:${idOf('eni-a-all', 1)}..${idOf('eni-a-all', 1)}`]);
    expect(cwl.callsOf('FilterLogEvents')[0]!.body).toMatchObject({ logGroupIdentifier: arn });
    expect(cwl.callsOf('FilterLogEvents')[0]!.body['logGroupName']).toBeUndefined();
    await src.stop();
  });

  it('starts at startTime', async () => {
    await threeStreams();
    const sink = new MemorySink();
    const src = source(sink, { startTime: TS + 2000 });
    await src.pollOnce();
    expect(ports(sink)).toEqual([3, 4, 5, 6, 7, 8]);
    await src.stop();
  });
});

describe('CloudWatchLogsSource: cursor and restarts', () => {
  it('resumes a read cut at a page boundary inside one millisecond: nothing lost, nothing twice', async () => {
    const X = TS + 2000;
    await put('eni-a-all', [
      [X, 1],
      [X, 2],
      [X, 3],
    ]);
    await put('eni-b-all', [
      [X, 4],
      [X, 5],
      [X + 1, 6],
    ]);
    cwl.pageSize = 2;
    // Two minutes later: every event is older than the cut (T0 + 120 s − 1 s − 60 s), so only the
    // position (timestamp and ids at it) tells which were handed over.
    now = T0 + 120_000;
    const sink = new MemorySink();
    const first = source(sink);
    sink.failOn((b) => sink.stored.length >= 1 && b.kind === 'lines');
    const r = await first.pollOnce();
    expect(r.batches).toBe(1);
    expect(r.error).toMatch(/sink refused/);
    await first.stop();
    expect(ports(sink)).toEqual([1, 2]);
    const c = cursor(sink);
    expect(c.pass).toEqual({ cut: T0 + 59_000, ts: X, ids: [idOf('eni-a-all', 1), idOf('eni-a-all', 2)] });
    expect(c.seen).toEqual([]);

    sink.failOn(undefined);
    const second = source(sink);
    const r2 = await second.pollOnce();
    expect(r2.error).toBeUndefined();
    expect(ports(sink)).toEqual([1, 2, 3, 4, 5, 6]);
    // The restart read from the position's timestamp, not from the start.
    const afterRestart = cwl
      .callsOf('FilterLogEvents')
      .filter((call) => call.body['nextToken'] === undefined);
    expect(afterRestart.map((call) => call.body['startTime'])).toEqual([0, X]);
    // The read ended: the cut became the ingestion cut and the cursor holds no ids.
    expect(cursor(sink)).toEqual({ ...cursor(sink), ic: T0 + 59_000, seen: [], pass: null });
    await second.stop();
  });

  it('after a restart over a finished read hands over nothing again, then only new events', async () => {
    await threeStreams();
    cwl.pageSize = 3;
    const sink = new MemorySink();
    const first = source(sink);
    await first.pollOnce();
    await first.stop();
    expect(sink.stored).toHaveLength(3);

    const second = source(sink);
    expect((await second.pollOnce()).batches).toBe(0);
    now = T0 + 30_000;
    await put('eni-c-all', [[TS + 6000, 9]]);
    await put('eni-a-all', [[TS + 6000, 10]]);
    expect((await second.pollOnce()).records).toBe(2);
    expect(ports(sink)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // The read goes over the lookback again in pages of 3: [1 2 3] [4 5 6] [7 8 9] [10], so the new events
    // come in two batches, and nothing else was written.
    expect(sink.stored.slice(3).map((s) => (s.batch.kind === 'lines' ? s.batch.lines.length : 0))).toEqual([
      1, 1,
    ]);
    expect(sink.writes).toHaveLength(5);
    await second.stop();
  });

  it('picks up events ingested late within the lookback, but not those older than it', async () => {
    await put('eni-a-all', [
      [TS, 1],
      [TS + 60_000, 2],
    ]);
    const sink = new MemorySink();
    const src = source(sink);
    await src.pollOnce();
    expect(ports(sink)).toEqual([1, 2]);

    // Five minutes later another interface delivers records that started before everything read so far.
    now = T0 + 300_000;
    await put('eni-b-all', [
      [TS - 60_000, 3],
      [TS + 30_000, 4],
    ]);
    await src.pollOnce();
    expect(ports(sink)).toEqual([1, 2, 3, 4]);

    // The cut is now T0 + 300 s − 61 s = 10:23:59, so reads start 1,200 s earlier, at 10:03:59:
    // a record of 10:05 is found, one of 10:00 is not (the documented limit of the lookback).
    await put('eni-c-all', [
      [T0 - 1_200_000, 5],
      [T0 - 900_000, 6],
    ]);
    await src.pollOnce();
    expect(ports(sink)).toEqual([1, 2, 3, 4, 6]);
    expect(cwl.callsOf('FilterLogEvents').at(-1)!.body['startTime']).toBe(T0 - 961_000);
    await src.stop();
  });

  it('remembers by id only the events ingested within the visibility span before the read', async () => {
    await put('eni-a-all', [[TS, 1]]);
    now = T0 + 10_000;
    await put('eni-a-all', [[TS + 1000, 2]]);
    now = T0 + 70_000;
    await put('eni-a-all', [[TS + 2000, 3]]);
    // Read at T0 + 70 s: the cut is T0 + 9 s, so event 1 (ingested at T0) is covered by it; 2 and 3 are not.
    const sink = new MemorySink();
    const src = source(sink);
    await src.pollOnce();
    expect(cursor(sink).seen.map(([id]) => id)).toEqual([idOf('eni-a-all', 2), idOf('eni-a-all', 3)]);
    expect(cursor(sink).ic).toBe(T0 + 9_000);
    await src.stop();
  });
});

describe('CloudWatchLogsSource: errors', () => {
  it('backs off on ThrottlingException (doubling waits) and goes on where it was', async () => {
    await threeStreams();
    cwl.pageSize = 3;
    cwl.failNext('FilterLogEvents', 1);
    const sink = new MemorySink();
    const events: SourceEvent[] = [];
    const src = source(sink, { onEvent: (e) => events.push(e) });
    // Throttle the second page twice as well.
    sink.onWrite = () => {
      if (sink.writes.length === 1) cwl.failNext('FilterLogEvents', 2);
    };
    const started = Date.now();
    const r = await src.pollOnce();
    expect(r).toEqual({ batches: 3, duplicates: 0, records: 8, error: undefined });
    expect(Date.now() - started).toBeGreaterThanOrEqual(5 + 5 + 10);
    expect(ports(sink)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(events.filter((e) => e.type === 'throttled')).toEqual([
      { type: 'throttled', source: 'cwl', attempt: 1, delayMs: 5 },
      { type: 'throttled', source: 'cwl', attempt: 1, delayMs: 5 },
      { type: 'throttled', source: 'cwl', attempt: 2, delayMs: 10 },
    ]);
    expect(src.status()).toMatchObject({ throttles: 3, errors: 0 });
    await src.stop();
  });

  it('fails the poll after throttleRetries, loses nothing, and the next poll goes on', async () => {
    await threeStreams();
    cwl.pageSize = 3;
    const sink = new MemorySink();
    const src = source(sink, { throttleRetries: 2 });
    sink.onWrite = () => {
      if (sink.writes.length === 1) cwl.failNext('FilterLogEvents', 3);
    };
    const r = await src.pollOnce();
    expect(r.batches).toBe(1);
    expect(r.error).toMatch(/^ThrottlingException: Rate exceeded/);
    expect(src.status()).toMatchObject({ throttles: 2, errors: 1, consecutiveErrors: 1 });
    sink.onWrite = undefined;
    expect((await src.pollOnce()).error).toBeUndefined();
    expect(ports(sink)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    await src.stop();
  });

  it('reports a missing log group in status without throwing, and stop() ends the loop', async () => {
    const sink = new MemorySink();
    const events: SourceEvent[] = [];
    const src = source(sink, { logGroupName: '/no/such/group', onEvent: (e) => events.push(e) });
    await src.start();
    const end = Date.now() + 5000;
    while (src.status().errors < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    await src.stop();
    expect(src.status().lastError).toBe('ResourceNotFoundException: The specified log group does not exist.');
    expect(events.filter((e) => e.type === 'error').slice(0, 2)).toMatchObject([
      { retryInSeconds: 0.1 },
      { retryInSeconds: 0.2 },
    ]);
  });

  it('refuses options naming no log group or both kinds', () => {
    const sink = new MemorySink();
    expect(() => source(sink, { logGroupName: undefined })).toThrow(/exactly one/);
    expect(() => source(sink, { logGroupIdentifier: GROUP })).toThrow(/exactly one/);
  });
});

describe('the CloudWatch Logs test server follows spec ingestion-formats §3–§6', () => {
  it('FilterLogEvents: startTime and endTime both inclusive; GetLogEvents: start inclusive, end exclusive', async () => {
    await threeStreams();
    const f = await client.send(
      new FilterLogEventsCommand({ logGroupName: GROUP, startTime: TS + 2000, endTime: TS + 4000 }),
    );
    expect(f.events!.map((e) => Number(e.message!.split(' ')[5]))).toEqual([3, 4, 5, 6, 7]);
    const g = await client.send(
      new GetLogEventsCommand({
        logGroupName: GROUP,
        logStreamName: 'eni-a-all',
        startTime: TS + 2000,
        endTime: TS + 4000,
        startFromHead: true,
      }),
    );
    expect(g.events!.map((e) => Number(e.message!.split(' ')[5]))).toEqual([3]);
    // The end of a GetLogEvents read: the same forward token comes back.
    const again = await client.send(
      new GetLogEventsCommand({
        logGroupName: GROUP,
        logStreamName: 'eni-a-all',
        startTime: TS + 2000,
        endTime: TS + 4000,
        nextToken: g.nextForwardToken,
        startFromHead: true,
      }),
    );
    expect(again.events).toEqual([]);
    expect(again.nextForwardToken).toBe(g.nextForwardToken);
  });

  it('answers errors as {"__type", "message"} with their status', async () => {
    await expect(client.send(new FilterLogEventsCommand({ logGroupName: '/nope' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 400 },
    });
    await put('eni-a-all', [[TS, 1]]);
    await expect(
      client.send(
        new PutLogEventsCommand({
          logGroupName: GROUP,
          logStreamName: 'eni-a-all',
          logEvents: [
            { timestamp: TS + 1, message: 'later' },
            { timestamp: TS, message: 'earlier' },
          ],
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    const raw = await fetch(cwl.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'Logs_20140328.FilterLogEvents',
      },
      body: '{}',
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toEqual({
      __type: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token',
    });
  });

  it('PutLogEvents rejects events more than 14 days old or 2 hours ahead, and reports their indices', async () => {
    await client.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: 's' }));
    const day = 86_400_000;
    const r = await client.send(
      new PutLogEventsCommand({
        logGroupName: GROUP,
        logStreamName: 's',
        logEvents: [
          { timestamp: T0 - 14 * day - 1, message: 'too old' },
          { timestamp: T0, message: 'fine' },
          { timestamp: T0 + 2 * 3_600_000 + 1, message: 'too new' },
        ],
      }),
    );
    expect(r.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 1, tooNewLogEventStartIndex: 2 });
    expect(cwl.events(GROUP, 's').map((e) => e.message)).toEqual(['fine']);
  });
});

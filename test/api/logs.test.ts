// CloudWatch Logs over the AWS SDK v3 client against a running monitor: log groups and streams, PutLogEvents as
// ingestion (records stored, the metric filter counts them), GetLogEvents, FilterLogEvents, metric filters (written
// into flowwatch.yaml, the same validation), TestMetricFilter, Logs Insights, and errors as the SDK's own classes.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteMetricFilterCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  DescribeMetricFiltersCommand,
  DescribeQueriesCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  GetQueryResultsCommand,
  InvalidParameterException,
  MalformedQueryException,
  PutLogEventsCommand,
  PutMetricFilterCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  StartQueryCommand,
  TestMetricFilterCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/core/logger.js';
import { type Monitor, startMonitor } from '../../src/monitor/monitor.js';

const T = 1716199200; // 2024-05-20T10:00:00Z
const NOW_MS = (T + 120) * 1000;
// The lab's four lines: a denied ping, an accepted ping, denied SSH, accepted HTTPS (default v2 format).
const LAB = [
  `2 123456789012 eni-0a1 10.0.1.5 8.8.8.8 0 0 1 1 84 ${T + 10} ${T + 11} REJECT OK`,
  `2 123456789012 eni-0a1 10.0.1.5 1.1.1.1 0 0 1 1 84 ${T + 20} ${T + 21} ACCEPT OK`,
  `2 123456789012 eni-0a1 203.0.113.9 10.0.1.5 40000 22 6 3 180 ${T + 30} ${T + 31} REJECT OK`,
  `2 123456789012 eni-0a1 10.0.1.5 52.95.110.1 50000 443 6 10 5000 ${T + 40} ${T + 41} ACCEPT OK`,
];
const PING_DENY =
  '[version, account, eni, source, destination, srcport, destport, protocol = 1, packets, bytes, windowstart, windowend, action = REJECT, flowlogstatus]';

let dir: string;
let file: string;
let monitor: Monitor;
let client: CloudWatchLogsClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-cwapi-logs-'));
  file = join(dir, 'flowwatch.yaml');
  writeFileSync(
    file,
    `# set up by the test
monitor: { listen: "127.0.0.1:0", stateDir: "${join(dir, 'state')}", flushMillis: 20, account: "123456789012", region: eu-west-1 }
api:
  credentials:
    - { accessKeyId: AKIAFLOWWATCHTEST, secretAccessKeyEnv: FW_API_SECRET }
`,
  );
  monitor = await startMonitor({
    config: loadConfig(file, true),
    configPath: file,
    db: join(dir, 'm.duckdb'),
    log: createLogger(() => undefined),
    env: { FW_API_SECRET: 'test-secret-key' },
    now: () => NOW_MS / 1000,
  });
  client = new CloudWatchLogsClient({
    endpoint: monitor.url,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIAFLOWWATCHTEST', secretAccessKey: 'test-secret-key' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client?.destroy();
  await monitor?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('log groups and streams', () => {
  it('creates, lists and refuses duplicates and unknown groups with the SDK exception classes', async () => {
    await client.send(new CreateLogGroupCommand({ logGroupName: '/vpc/flowlogs' }));
    await client.send(new CreateLogGroupCommand({ logGroupName: '/vpc/other' }));
    await expect(
      client.send(new CreateLogGroupCommand({ logGroupName: '/vpc/flowlogs' })),
    ).rejects.toBeInstanceOf(ResourceAlreadyExistsException);
    await expect(
      client.send(new CreateLogGroupCommand({ logGroupName: 'bad name!' })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    const groups = await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/vpc/' }));
    expect(groups.logGroups?.map((g) => g.logGroupName)).toEqual(['/vpc/flowlogs', '/vpc/other']);
    expect(groups.logGroups?.[0]?.arn).toBe('arn:aws:logs:eu-west-1:123456789012:log-group:/vpc/flowlogs:*');
    expect(groups.logGroups?.[0]?.creationTime).toBe(NOW_MS);
    // Paging: one per page, the last page has no token.
    const p1 = await client.send(new DescribeLogGroupsCommand({ limit: 1 }));
    expect(p1.logGroups?.map((g) => g.logGroupName)).toEqual(['/vpc/flowlogs']);
    const p2 = await client.send(new DescribeLogGroupsCommand({ limit: 1, nextToken: p1.nextToken }));
    expect(p2.logGroups?.map((g) => g.logGroupName)).toEqual(['/vpc/other']);
    expect(p2.nextToken).toBeUndefined();

    await client.send(
      new CreateLogStreamCommand({ logGroupName: '/vpc/flowlogs', logStreamName: 'eni-0a1-all' }),
    );
    await expect(
      client.send(new CreateLogStreamCommand({ logGroupName: '/vpc/none', logStreamName: 's' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    const err = await client
      .send(new CreateLogStreamCommand({ logGroupName: '/vpc/none', logStreamName: 's' }))
      .catch((e: ResourceNotFoundException) => e);
    expect((err as Error).message).toBe('The specified log group does not exist.');
    expect((err as ResourceNotFoundException).$metadata.httpStatusCode).toBe(400);
  });
});

describe('metric filters', () => {
  it('TestMetricFilter matches the denied ping of the four lab lines, numbering events from 1', async () => {
    const r = await client.send(
      new TestMetricFilterCommand({ filterPattern: PING_DENY, logEventMessages: LAB }),
    );
    expect(r.matches?.map((m) => m.eventNumber)).toEqual([1]);
    expect(r.matches?.[0]?.eventMessage).toBe(LAB[0]);
    expect(r.matches?.[0]?.extractedValues?.['$protocol']).toBe('1');
    expect(r.matches?.[0]?.extractedValues?.['$destination']).toBe('8.8.8.8');
    await expect(
      client.send(new TestMetricFilterCommand({ filterPattern: '[a, b', logEventMessages: LAB })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('PutMetricFilter writes the filter into flowwatch.yaml; invalid ones are refused with the same checks', async () => {
    await client.send(
      new PutMetricFilterCommand({
        logGroupName: '/vpc/flowlogs',
        filterName: 'ping-deny',
        filterPattern: PING_DENY,
        metricTransformations: [{ metricName: 'DeniedICMP', metricNamespace: 'FlowLogs', metricValue: '1' }],
      }),
    );
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('# set up by the test');
    expect(loadConfig(file).filters.map((f) => f.filter.name)).toEqual(['ping-deny']);
    // $bytess names no field of the pattern: the config's own check.
    const bad = await client
      .send(
        new PutMetricFilterCommand({
          logGroupName: '/vpc/flowlogs',
          filterName: 'bad',
          filterPattern: PING_DENY,
          metricTransformations: [{ metricName: 'B', metricNamespace: 'FlowLogs', metricValue: '$bytess' }],
        }),
      )
      .catch((e: Error) => e);
    expect(bad).toBeInstanceOf(InvalidParameterException);
    expect((bad as Error).message).toContain('metricValue');
    await expect(
      client.send(
        new PutMetricFilterCommand({
          logGroupName: '/vpc/none',
          filterName: 'x',
          filterPattern: '',
          metricTransformations: [{ metricName: 'B', metricNamespace: 'FlowLogs', metricValue: '1' }],
        }),
      ),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    const d = await client.send(new DescribeMetricFiltersCommand({ logGroupName: '/vpc/flowlogs' }));
    expect(d.metricFilters?.map((f) => [f.filterName, f.metricTransformations?.[0]?.metricName])).toEqual([
      ['ping-deny', 'DeniedICMP'],
    ]);
  });
});

describe('events', () => {
  it('PutLogEvents stores the records (the metric filter counts the denied ping), Get/FilterLogEvents read them', async () => {
    const events = LAB.map((message, i) => ({ timestamp: (T + 10 * (i + 1)) * 1000, message }));
    const r = await client.send(
      new PutLogEventsCommand({
        logGroupName: '/vpc/flowlogs',
        logStreamName: 'eni-0a1-all',
        logEvents: events,
      }),
    );
    expect(r.rejectedLogEventsInfo).toBeUndefined();
    // The records are in the store, with the event times; the filter produced one datapoint of 1 at 10:00.
    const rows = await monitor.store.query(
      `SELECT sum(sum_value) AS s FROM metric_datapoints WHERE metric = 'DeniedICMP'`,
    );
    expect(Number(rows.rows[0]?.['s'])).toBe(1);
    const recs = await monitor.store.query(`SELECT count(*) AS n FROM flows`);
    expect(Number(recs.rows[0]?.['n'])).toBe(4);

    const head = await client.send(
      new GetLogEventsCommand({
        logGroupName: '/vpc/flowlogs',
        logStreamName: 'eni-0a1-all',
        startFromHead: true,
        limit: 3,
      }),
    );
    expect(head.events?.map((e) => e.message)).toEqual(LAB.slice(0, 3));
    expect(head.events?.[0]?.ingestionTime).toBe(NOW_MS);
    const rest = await client.send(
      new GetLogEventsCommand({
        logGroupName: '/vpc/flowlogs',
        logStreamName: 'eni-0a1-all',
        nextToken: head.nextForwardToken,
      }),
    );
    expect(rest.events?.map((e) => e.message)).toEqual([LAB[3]]);
    const end = await client.send(
      new GetLogEventsCommand({
        logGroupName: '/vpc/flowlogs',
        logStreamName: 'eni-0a1-all',
        nextToken: rest.nextForwardToken,
      }),
    );
    expect(end.events).toEqual([]);
    expect(end.nextForwardToken).toBe(rest.nextForwardToken);
    // Default (startFromHead false): the newest events.
    const newest = await client.send(
      new GetLogEventsCommand({ logGroupName: '/vpc/flowlogs', logStreamName: 'eni-0a1-all', limit: 2 }),
    );
    expect(newest.events?.map((e) => e.message)).toEqual(LAB.slice(2));

    const f = await client.send(
      new FilterLogEventsCommand({ logGroupName: '/vpc/flowlogs', filterPattern: 'REJECT' }),
    );
    expect(f.events?.map((e) => e.message)).toEqual([LAB[0], LAB[2]]);
    expect(f.events?.[0]?.logStreamName).toBe('eni-0a1-all');
    expect(f.nextToken).toBeUndefined();
    const paged = await client.send(new FilterLogEventsCommand({ logGroupName: '/vpc/flowlogs', limit: 3 }));
    expect(paged.events).toHaveLength(3);
    const paged2 = await client.send(
      new FilterLogEventsCommand({ logGroupName: '/vpc/flowlogs', limit: 3, nextToken: paged.nextToken }),
    );
    expect(paged2.events?.map((e) => e.message)).toEqual([LAB[3]]);
    expect(paged2.nextToken).toBeUndefined();

    const streams = await client.send(new DescribeLogStreamsCommand({ logGroupName: '/vpc/flowlogs' }));
    expect(streams.logStreams?.[0]).toMatchObject({
      logStreamName: 'eni-0a1-all',
      firstEventTimestamp: (T + 10) * 1000,
      lastEventTimestamp: (T + 40) * 1000,
    });
  });

  it('refuses out-of-order events, reports too old and too new ones, and refuses unknown streams', async () => {
    await expect(
      client.send(
        new PutLogEventsCommand({
          logGroupName: '/vpc/flowlogs',
          logStreamName: 'eni-0a1-all',
          logEvents: [
            { timestamp: NOW_MS, message: LAB[0] },
            { timestamp: NOW_MS - 1, message: LAB[1] },
          ],
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    const r = await client.send(
      new PutLogEventsCommand({
        logGroupName: '/vpc/flowlogs',
        logStreamName: 'eni-0a1-all',
        logEvents: [
          { timestamp: NOW_MS - 15 * 86_400_000, message: LAB[1]! }, // older than 14 days
          { timestamp: NOW_MS, message: LAB[1]! },
          { timestamp: NOW_MS + 3 * 3_600_000, message: LAB[1]! }, // more than 2 h ahead
        ],
      }),
    );
    expect(r.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 1, tooNewLogEventStartIndex: 2 });
    await expect(
      client.send(
        new PutLogEventsCommand({
          logGroupName: '/vpc/flowlogs',
          logStreamName: 'nope',
          logEvents: [{ timestamp: NOW_MS, message: 'x' }],
        }),
      ),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('Logs Insights', () => {
  it('StartQuery runs the top rejected sources query; GetQueryResults answers it; bad queries are MalformedQuery', async () => {
    const q = await client.send(
      new StartQueryCommand({
        logGroupName: '/vpc/flowlogs',
        startTime: T,
        endTime: T + 3600,
        queryString:
          'filter action = "REJECT" | stats count(*) as rejected by srcAddr | sort rejected desc | limit 20',
      }),
    );
    let r = await client.send(new GetQueryResultsCommand({ queryId: q.queryId }));
    for (let i = 0; i < 100 && r.status === 'Running'; i++) {
      await new Promise((res) => setTimeout(res, 50));
      r = await client.send(new GetQueryResultsCommand({ queryId: q.queryId }));
    }
    expect(r.status).toBe('Complete');
    // Two rejected records: one from 10.0.1.5 (the ping), one from 203.0.113.9 (SSH).
    const rows = (r.results ?? []).map((row) => Object.fromEntries(row.map((c) => [c.field, c.value])));
    expect(rows.sort((a, b) => String(a['srcAddr']).localeCompare(String(b['srcAddr'])))).toEqual([
      { srcAddr: '10.0.1.5', rejected: '1' },
      { srcAddr: '203.0.113.9', rejected: '1' },
    ]);
    const listed = await client.send(new DescribeQueriesCommand({ logGroupName: '/vpc/flowlogs' }));
    expect(listed.queries?.map((x) => x.queryId)).toContain(q.queryId);
    await expect(
      client.send(
        new StartQueryCommand({
          logGroupName: '/vpc/flowlogs',
          startTime: T,
          endTime: T + 60,
          queryString: 'stats count(* by',
        }),
      ),
    ).rejects.toBeInstanceOf(MalformedQueryException);
    await expect(client.send(new GetQueryResultsCommand({ queryId: 'nope' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });
});

describe('metric filter removal', () => {
  it('DeleteMetricFilter removes it from flowwatch.yaml; a second delete is ResourceNotFound', async () => {
    await client.send(
      new DeleteMetricFilterCommand({ logGroupName: '/vpc/flowlogs', filterName: 'ping-deny' }),
    );
    expect(loadConfig(file).filters).toEqual([]);
    await expect(
      client.send(new DeleteMetricFilterCommand({ logGroupName: '/vpc/flowlogs', filterName: 'ping-deny' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('authentication', () => {
  it('refuses a wrong secret and an unknown key', async () => {
    const wrong = new CloudWatchLogsClient({
      endpoint: monitor.url,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIAFLOWWATCHTEST', secretAccessKey: 'wrong' },
      maxAttempts: 1,
    });
    const e1 = await wrong.send(new DescribeLogGroupsCommand({})).catch((e: Error) => e);
    expect((e1 as Error).name).toBe('InvalidSignatureException');
    const unknown = new CloudWatchLogsClient({
      endpoint: monitor.url,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIAOTHER', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    const e2 = await unknown.send(new DescribeLogGroupsCommand({})).catch((e: Error) => e);
    expect((e2 as Error).name).toBe('UnrecognizedClientException');
    wrong.destroy();
    unknown.destroy();
    const res = await fetch(monitor.url, {
      method: 'POST',
      headers: {
        'x-amz-target': 'Logs_20140328.DescribeLogGroups',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: '{}',
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { __type: string }).__type).toBe('MissingAuthenticationTokenException');
  });
});

// Metric filters and Logs Insights per log group: a filter put on group A counts only A's events (an event in A does
// not move B's metric, at ingest and when back-filled), flowwatch.yaml's filters without a group count every record,
// records of other sources belong to no group, and StartQuery's logGroupName(s)/logGroupIdentifiers scope the query.
// The expected counts are worked out by hand from the lines put below.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteMetricFilterCommand,
  DescribeLogGroupsCommand,
  DescribeMetricFiltersCommand,
  GetQueryResultsCommand,
  InvalidParameterException,
  PutLogEventsCommand,
  PutMetricFilterCommand,
  ResourceNotFoundException,
  StartQueryCommand,
  type StartQueryCommandInput,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/core/logger.js';
import { logGroupOf, sourcesOfGroup } from '../../src/ingest/sources/log-group.js';
import { type Monitor, startMonitor } from '../../src/monitor/monitor.js';

const T = 1716199200; // 2024-05-20T10:00:00Z
const line = (src: string, action: string, s: number) =>
  `2 123456789012 eni-0a1 ${src} 10.0.1.5 40000 22 6 1 60 ${T + s} ${T + s + 1} ${action} OK`;
const REJECTS = '[..., action = REJECT, status]';

let dir: string;
let monitor: Monitor;
let logs: CloudWatchLogsClient;
let cw: CloudWatchClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-cwapi-groups-'));
  const file = join(dir, 'flowwatch.yaml');
  writeFileSync(
    file,
    `metricFilters:
  - { name: all-rejects, pattern: "${REJECTS}", metricNamespace: FlowLogs, metricName: RejectedAll, metricValue: "1" }
monitor: { listen: "127.0.0.1:0", stateDir: "${join(dir, 'state')}", flushMillis: 20, account: "123456789012", region: eu-west-1 }
api:
  credentials: [{ accessKeyId: AKIAFLOWWATCHTEST, secretAccessKey: test-secret }]
`,
  );
  monitor = await startMonitor({
    config: loadConfig(file, true),
    configPath: file,
    db: join(dir, 'm.duckdb'),
    log: createLogger((l) => process.env['FW_TEST_LOG'] && process.stderr.write(`${l}\n`)),
    env: {},
    now: () => T + 120,
  });
  const opts = {
    endpoint: monitor.url,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIAFLOWWATCHTEST', secretAccessKey: 'test-secret' },
    maxAttempts: 1,
  };
  logs = new CloudWatchLogsClient(opts);
  cw = new CloudWatchClient(opts);
});

afterAll(async () => {
  logs?.destroy();
  cw?.destroy();
  await monitor?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const filter = (group: string, name: string, metricName: string) =>
  logs.send(
    new PutMetricFilterCommand({
      logGroupName: group,
      filterName: name,
      filterPattern: REJECTS,
      metricTransformations: [{ metricNamespace: 'FlowLogs', metricName, metricValue: '1' }],
    }),
  );

const putEvents = (group: string, lines: string[]) =>
  logs.send(
    new PutLogEventsCommand({
      logGroupName: group,
      logStreamName: 's',
      logEvents: lines.map((message, i) => ({ timestamp: (T + 10 + i) * 1000, message })),
    }),
  );

/** The metric's Sum over the minute 10:00 (undefined: no datapoint). */
async function sum(metricName: string): Promise<number | undefined> {
  for (let i = 0; i < 50; i++) {
    const r = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'FlowLogs',
        MetricName: metricName,
        StartTime: new Date(T * 1000),
        EndTime: new Date((T + 60) * 1000),
        Period: 60,
        Statistics: ['Sum'],
      }),
    );
    if (r.Datapoints?.[0] !== undefined || i === 49) return r.Datapoints?.[0]?.Sum;
    await new Promise((res) => setTimeout(res, 50));
  }
  return undefined;
}

async function query(scope: Partial<StartQueryCommandInput>): Promise<string[]> {
  const { queryId } = await logs.send(
    new StartQueryCommand({
      ...scope,
      startTime: T,
      endTime: T + 3600,
      queryString: 'stats count(*) as n by action | sort action asc',
    }),
  );
  for (let i = 0; i < 100; i++) {
    const r = await logs.send(new GetQueryResultsCommand({ queryId }));
    if (r.status === 'Complete')
      return (r.results ?? []).map((row) => row.map((c) => `${c.field}=${c.value}`).join(' '));
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('the query did not complete');
}

describe('metric filters and Insights per log group', { timeout: 60_000 }, () => {
  it('counts an event only in its own group: A does not move B, the group-less filter counts every record', async () => {
    for (const g of ['/vpc/a', '/vpc/b']) {
      await logs.send(new CreateLogGroupCommand({ logGroupName: g }));
      await logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 's' }));
    }
    await filter('/vpc/a', 'deny-a', 'RejectedA');
    await filter('/vpc/b', 'deny-b', 'RejectedB');
    // Group A: 2 rejects and 1 accept; group B: 1 reject; a source of no group: 4 rejects.
    await putEvents('/vpc/a', [
      line('203.0.113.1', 'REJECT', 0),
      line('203.0.113.2', 'REJECT', 1),
      line('203.0.113.3', 'ACCEPT', 2),
    ]);
    await putEvents('/vpc/b', [line('198.51.100.1', 'REJECT', 5)]);
    await monitor.sink.write({
      kind: 'lines',
      source: 'folder',
      key: 'k1',
      origin: 'test://folder',
      lines: [1, 2, 3, 4].map((i) => line(`192.0.2.${i}`, 'REJECT', 20 + i)),
    });
    await monitor.sink.flush();
    expect(await sum('RejectedA')).toBe(2);
    expect(await sum('RejectedB')).toBe(1);
    expect(await sum('RejectedAll')).toBe(2 + 1 + 4);
  });

  it('back-fills a filter put later over its own group only', async () => {
    await filter('/vpc/b', 'late-b', 'LateB');
    await filter('/vpc/a', 'late-a', 'LateA');
    expect(await sum('LateB')).toBe(1);
    expect(await sum('LateA')).toBe(2);
  });

  it('describes, counts and deletes filters per group; a name taken by another group is refused', async () => {
    const a = await logs.send(new DescribeMetricFiltersCommand({ logGroupName: '/vpc/a' }));
    expect(a.metricFilters?.map((f) => [f.filterName, f.logGroupName])).toEqual([
      ['deny-a', '/vpc/a'],
      ['late-a', '/vpc/a'],
    ]);
    const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/vpc/' }));
    expect(groups.logGroups?.map((g) => [g.logGroupName, g.metricFilterCount])).toEqual([
      ['/vpc/a', 2],
      ['/vpc/b', 2],
    ]);
    const taken = await filter('/vpc/b', 'deny-a', 'X').catch((e: Error) => e);
    expect(taken).toBeInstanceOf(InvalidParameterException);
    expect((taken as Error).message).toContain('the log group /vpc/a');
    await expect(
      logs.send(new DeleteMetricFilterCommand({ logGroupName: '/vpc/b', filterName: 'deny-a' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await logs.send(new DeleteMetricFilterCommand({ logGroupName: '/vpc/b', filterName: 'late-b' }));
    const b = await logs.send(new DescribeMetricFiltersCommand({ logGroupName: '/vpc/b' }));
    expect(b.metricFilters?.map((f) => f.filterName)).toEqual(['deny-b']);
  });

  it('StartQuery reads only the named groups', async () => {
    expect(await query({ logGroupName: '/vpc/a' })).toEqual(['action=ACCEPT n=1', 'action=REJECT n=2']);
    expect(await query({ logGroupNames: ['/vpc/a', '/vpc/b'] })).toEqual([
      'action=ACCEPT n=1',
      'action=REJECT n=3',
    ]);
    expect(
      await query({ logGroupIdentifiers: ['arn:aws:logs:eu-west-1:123456789012:log-group:/vpc/b:*'] }),
    ).toEqual(['action=REJECT n=1']);
  });
});

describe('which group a source belongs to', () => {
  const sources = [
    { name: 'cwl', type: 'cloudwatch-logs', logGroupName: '/vpc/a' },
    { name: 'folder', type: 'directory' },
  ];
  it('API events belong to their group, a cloudwatch-logs source to the group it polls, others to none', () => {
    expect(logGroupOf('cloudwatch-api:/vpc/b', sources)).toBe('/vpc/b');
    expect(logGroupOf('cwl', sources)).toBe('/vpc/a');
    expect(logGroupOf('folder', sources)).toBeUndefined();
    expect(sourcesOfGroup('/vpc/a', sources)).toEqual(['cloudwatch-api:/vpc/a', 'cwl']);
    expect(sourcesOfGroup('/vpc/b', sources)).toEqual(['cloudwatch-api:/vpc/b']);
  });
});

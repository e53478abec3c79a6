// Logs Insights query definitions survive a monitor restart: PutQueryDefinition (create and update),
// DescribeQueryDefinitions and DeleteQueryDefinition over the SDK, across two monitors on one state folder.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DeleteQueryDefinitionCommand,
  DescribeQueryDefinitionsCommand,
  PutQueryDefinitionCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/core/logger.js';
import { type Monitor, startMonitor } from '../../src/monitor/monitor.js';

let dir: string;
let file: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-cwapi-qdef-'));
  file = join(dir, 'flowwatch.yaml');
  writeFileSync(
    file,
    `monitor: { listen: "127.0.0.1:0", stateDir: "${join(dir, 'state')}", flushMillis: 20, account: "123456789012", region: eu-west-1 }
api:
  credentials: [{ accessKeyId: AKIAFLOWWATCHTEST, secretAccessKey: test-secret }]
`,
  );
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `fn` against a freshly started monitor on the same store and state folder, then stops it. */
async function withMonitor<T>(fn: (client: CloudWatchLogsClient) => Promise<T>): Promise<T> {
  const monitor: Monitor = await startMonitor({
    config: loadConfig(file, true),
    configPath: file,
    db: join(dir, 'm.duckdb'),
    log: createLogger(() => undefined),
    env: {},
  });
  const client = new CloudWatchLogsClient({
    endpoint: monitor.url,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIAFLOWWATCHTEST', secretAccessKey: 'test-secret' },
    maxAttempts: 1,
  });
  try {
    return await fn(client);
  } finally {
    client.destroy();
    await monitor.stop();
  }
}

const names = async (c: CloudWatchLogsClient) =>
  ((await c.send(new DescribeQueryDefinitionsCommand({}))).queryDefinitions ?? []).map((d) => [
    d.name,
    d.queryString,
    d.logGroupNames,
  ]);

describe('query definitions', () => {
  it('survive a restart; updates and deletes are kept too', { timeout: 120_000 }, async () => {
    const ids = await withMonitor(async (c) => {
      await c.send(new CreateLogGroupCommand({ logGroupName: '/vpc/lab' }));
      const top = await c.send(
        new PutQueryDefinitionCommand({
          name: 'top-rejected',
          queryString: 'filter action = "REJECT" | stats count(*) as n by srcAddr | sort n desc | limit 20',
          logGroupNames: ['/vpc/lab'],
        }),
      );
      const bytes = await c.send(
        new PutQueryDefinitionCommand({ name: 'bytes', queryString: 'stats sum(bytes)' }),
      );
      return { top: top.queryDefinitionId!, bytes: bytes.queryDefinitionId! };
    });
    await withMonitor(async (c) => {
      expect(await names(c)).toEqual([
        ['bytes', 'stats sum(bytes)', []],
        [
          'top-rejected',
          'filter action = "REJECT" | stats count(*) as n by srcAddr | sort n desc | limit 20',
          ['/vpc/lab'],
        ],
      ]);
      // An update without logGroupNames clears them (the API's rule); then a delete.
      await c.send(
        new PutQueryDefinitionCommand({
          queryDefinitionId: ids.top,
          name: 'top-rejected',
          queryString: 'stats count(*) by srcAddr',
        }),
      );
      expect((await c.send(new DeleteQueryDefinitionCommand({ queryDefinitionId: ids.bytes }))).success).toBe(
        true,
      );
      await expect(
        c.send(new DeleteQueryDefinitionCommand({ queryDefinitionId: ids.bytes })),
      ).rejects.toBeInstanceOf(ResourceNotFoundException);
    });
    await withMonitor(async (c) => {
      expect(await names(c)).toEqual([['top-rejected', 'stats count(*) by srcAddr', []]]);
    });
  });
});

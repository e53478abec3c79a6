// SNS over the AWS SDK v3 client (AWS Query) against a running monitor: topics and subscriptions are flowwatch.yaml's,
// errors are the SDK's own exception classes.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTopicCommand,
  InvalidParameterException,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  NotFoundException,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/core/logger.js';
import { type Monitor, startMonitor } from '../../src/monitor/monitor.js';
import { type Receiver, startReceiver } from '../notify/helpers.js';

let dir: string;
let file: string;
let monitor: Monitor;
let sns: SNSClient;
let hook: Receiver;

beforeAll(async () => {
  hook = await startReceiver();
  dir = mkdtempSync(join(tmpdir(), 'fw-cwapi-sns-'));
  file = join(dir, 'flowwatch.yaml');
  writeFileSync(
    file,
    `monitor: { listen: "127.0.0.1:0", stateDir: "${join(dir, 'state')}", account: "123456789012", region: eu-west-1 }
api: { credentials: [{ accessKeyId: AKIAFLOWWATCHTEST, secretAccessKey: s3cret }] }
`,
  );
  monitor = await startMonitor({
    config: loadConfig(file, true),
    configPath: file,
    db: join(dir, 'm.duckdb'),
    log: createLogger(() => undefined),
    env: {},
  });
  sns = new SNSClient({
    endpoint: monitor.url,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIAFLOWWATCHTEST', secretAccessKey: 's3cret' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  sns?.destroy();
  await monitor?.stop();
  await hook?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SNS', () => {
  it('creates topics (idempotently), subscribes http endpoints, lists and unsubscribes', async () => {
    const t = await sns.send(new CreateTopicCommand({ Name: 'netops' }));
    expect(t.TopicArn).toBe('arn:aws:sns:eu-west-1:123456789012:netops');
    expect((await sns.send(new CreateTopicCommand({ Name: 'netops' }))).TopicArn).toBe(t.TopicArn);
    expect(loadConfig(file).topics.map((x) => x.name)).toEqual(['netops']);
    await expect(sns.send(new CreateTopicCommand({ Name: 'bad name' }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
    const l = await sns.send(new ListTopicsCommand({}));
    expect(l.Topics).toEqual([{ TopicArn: t.TopicArn }]);

    const s = await sns.send(
      new SubscribeCommand({
        TopicArn: t.TopicArn,
        Protocol: 'https',
        Endpoint: 'https://hooks.example.com/x',
      }),
    );
    expect(s.SubscriptionArn?.startsWith(`${t.TopicArn}:webhook-`)).toBe(true);
    expect(loadConfig(file).topics[0]?.subscriptions.map((x) => x.type)).toEqual(['webhook']);
    const subs = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: t.TopicArn }));
    expect(subs.Subscriptions?.map((x) => [x.Protocol, x.Endpoint, x.SubscriptionArn])).toEqual([
      ['https', 'https://hooks.example.com/x', s.SubscriptionArn],
    ]);
    // An email subscription needs an smtp: section: the file's own check, as the SDK's exception.
    const e = await sns
      .send(new SubscribeCommand({ TopicArn: t.TopicArn, Protocol: 'email', Endpoint: 'ops@example.com' }))
      .catch((x: Error) => x);
    expect(e).toBeInstanceOf(InvalidParameterException);
    expect((e as Error).message).toContain('smtp');
    await expect(
      sns.send(
        new SubscribeCommand({
          TopicArn: `${t.TopicArn}x`,
          Protocol: 'https',
          Endpoint: 'https://a.example',
        }),
      ),
    ).rejects.toBeInstanceOf(NotFoundException);

    await sns.send(new UnsubscribeCommand({ SubscriptionArn: s.SubscriptionArn }));
    expect(loadConfig(file).topics[0]?.subscriptions).toEqual([]);
    await expect(
      sns.send(new UnsubscribeCommand({ SubscriptionArn: s.SubscriptionArn })),
    ).rejects.toBeInstanceOf(NotFoundException);
  });

  it('publishes a message to every subscription of a topic, as the SNS envelope SNS would POST', async () => {
    const t = await sns.send(new CreateTopicCommand({ Name: 'changes' }));
    await sns.send(new SubscribeCommand({ TopicArn: t.TopicArn, Protocol: 'http', Endpoint: hook.url }));
    const r = await sns.send(
      new PublishCommand({ TopicArn: t.TopicArn, Subject: 'Deploy done', Message: 'web tier v42 is live' }),
    );
    expect(r.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    await hook.waitFor(1);
    const env = JSON.parse(hook.requests[0]!.body) as Record<string, string>;
    expect(env).toMatchObject({
      Type: 'Notification',
      MessageId: r.MessageId,
      TopicArn: 'arn:aws:sns:eu-west-1:123456789012:changes',
      Subject: 'Deploy done',
      Message: 'web tier v42 is live',
    });
    // MessageStructure json: the `default` body goes to channels without a body of their own; no subject given,
    // so the envelope has none (SNS leaves the key out).
    const j = await sns.send(
      new PublishCommand({
        TopicArn: t.TopicArn,
        MessageStructure: 'json',
        Message: JSON.stringify({ default: 'plain body', email: 'mail body' }),
      }),
    );
    await hook.waitFor(2);
    const env2 = JSON.parse(hook.requests[1]!.body) as Record<string, string>;
    expect(env2['MessageId']).toBe(j.MessageId);
    expect(env2['Message']).toBe('plain body');
    expect('Subject' in env2).toBe(false);
    // Mistakes come back as the SDK's exceptions.
    const bad = [
      { TopicArn: t.TopicArn, Message: '' },
      { TopicArn: t.TopicArn, Message: 'x', Subject: 'a\nb' },
      { TopicArn: t.TopicArn, Message: 'x', Subject: 's'.repeat(100) },
      { TopicArn: t.TopicArn, Message: '{"email":"no default"}', MessageStructure: 'json' },
      { TopicArn: t.TopicArn, Message: 'x'.repeat(262_145) },
    ];
    for (const input of bad)
      await expect(sns.send(new PublishCommand(input))).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(
      sns.send(new PublishCommand({ TopicArn: `${t.TopicArn}-gone`, Message: 'x' })),
    ).rejects.toBeInstanceOf(NotFoundException);
    expect(hook.requests).toHaveLength(2);
  });
});

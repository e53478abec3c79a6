// The durable outbox and the dispatcher: backoff, dead letters, retry of a dead letter, restart and kill -9 recovery.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  checkTopic,
  type DispatchEvent,
  Dispatcher,
  Outbox,
  type Topic,
} from '../../src/notify/index.js';
import { CRASH_RETRY, crashTopic } from './crash-setup.js';
import { ManualClock, notification, type Receiver, SIGNER, startReceiver, stateDir } from './helpers.js';

const T0 = Date.UTC(2024, 4, 20, 10, 31, 3);
const RETRY = { baseDelaySeconds: 1, maxDelaySeconds: 8, maxAttempts: 4 };

function webhookTopic(url: string): Topic {
  const r = checkTopic({ name: 'netmon-alerts', subscriptions: [{ type: 'webhook', url, secret: 'k' }] });
  if (!r.ok) throw new Error('bad topic');
  return r.value;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function receiver(plan: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
  const r = await startReceiver(plan);
  cleanups.push(() => r.close());
  return r;
}

async function open(dir: string, hook: Receiver, clock: ManualClock, events: DispatchEvent[] = []) {
  const d = await Dispatcher.open({
    stateDir: dir,
    topics: [webhookTopic(hook.url)],
    signer: SIGNER,
    clock,
    random: () => 0.5,
    retry: RETRY,
    rescanSeconds: 0,
    onEvent: (e) => events.push(e),
  });
  cleanups.push(() => d.stop());
  return d;
}

describe('backoff', () => {
  it('doubles from the base up to the maximum, with jitter in [d/2, d)', () => {
    const p = { baseDelaySeconds: 10, maxDelaySeconds: 60, maxAttempts: 9 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(n, p, () => 0))).toEqual([
      5000, 10000, 20000, 30000, 30000,
    ]);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(n, p, () => 0.999999))).toEqual([
      10000, 20000, 40000, 60000, 60000,
    ]);
  });
});

describe('dispatcher', () => {
  it('retries a 500 and a connection reset with backoff, then delivers with the same message id', async () => {
    const hook = await receiver((i) => (i === 0 ? 500 : i === 1 ? 'reset' : 200));
    const clock = new ManualClock(T0);
    const events: DispatchEvent[] = [];
    const d = await open(stateDir(), hook, clock, events);
    d.start();
    const { messageId } = await d.publish('netmon-alerts', notification());
    await d.idle();
    expect(hook.requests).toHaveLength(1);
    // After attempt 1: d = 1 s, jitter 0.5 → 750 ms.
    expect(clock.nextIn()).toBe(750);
    clock.advance(749);
    await d.idle();
    expect(hook.requests).toHaveLength(1);
    clock.advance(1);
    await d.idle();
    expect(hook.requests).toHaveLength(2);
    // After attempt 2: d = 2 s → 1500 ms.
    expect(clock.nextIn()).toBe(1500);
    clock.advance(1500);
    await d.idle();
    expect(hook.requests).toHaveLength(3);
    expect(hook.requests.map((r) => r.headers['x-amz-sns-message-id'])).toEqual([
      messageId,
      messageId,
      messageId,
    ]);
    expect(hook.requests.map((r) => r.headers['x-flowwatch-attempt'])).toEqual(['1', '2', '3']);
    expect(new Set(hook.requests.map((r) => r.body)).size).toBe(1);
    expect(events.filter((e) => e.type !== 'attempt')).toEqual([
      {
        type: 'retry',
        id: expect.any(String),
        attempts: 1,
        delayMs: 750,
        error: expect.stringMatching(/^HTTP 500/),
      },
      {
        type: 'retry',
        id: expect.any(String),
        attempts: 2,
        delayMs: 1500,
        error: expect.stringMatching(/ECONNRESET|socket hang up/),
      },
      { type: 'delivered', id: expect.any(String), attempts: 3 },
    ]);
    expect(await d.listPending()).toEqual([]);
    const [delivered] = await d.outbox.list('delivered');
    expect(delivered).toMatchObject({
      state: 'delivered',
      attempts: 3,
      lastError: null,
      finishedAt: T0 + 2250,
    });
    expect(clock.nextIn()).toBeUndefined();
  });

  it('dead-letters after maxAttempts failures; a retried dead letter is delivered with its message id', async () => {
    const hook = await receiver(() => 503);
    const clock = new ManualClock(T0);
    const d = await open(stateDir(), hook, clock);
    d.start();
    const { messageId, deliveries } = await d.publish('netmon-alerts', notification());
    await d.idle();
    for (let i = 0; i < 3; i++) {
      clock.advance(clock.nextIn()!);
      await d.idle();
    }
    expect(hook.requests).toHaveLength(4);
    expect(clock.nextIn()).toBeUndefined();
    expect(await d.listPending()).toEqual([]);
    const dead = await d.listDeadLetters();
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({
      id: deliveries[0]!.id,
      state: 'dead',
      attempts: 4,
      messageId,
      subscriptionType: 'webhook',
      endpoint: 'http://127.0.0.1:' + new URL(hook.url).port + '/…',
      lastError: expect.stringMatching(/^HTTP 503 Service Unavailable: receiver failure$/),
    });

    hook.plan = () => 200;
    const again = await d.retryDeadLetter(deliveries[0]!.id.slice(0, 8));
    expect(again).toMatchObject({ state: 'pending', attempts: 0 });
    await d.idle();
    expect(hook.requests).toHaveLength(5);
    expect(hook.requests[4]!.headers['x-amz-sns-message-id']).toBe(messageId);
    expect(await d.listDeadLetters()).toEqual([]);
    expect(await d.outbox.list('delivered')).toHaveLength(1);
    await expect(d.retryDeadLetter(deliveries[0]!.id)).rejects.toMatchObject({ code: 'OUTBOX_NOT_FOUND' });
  });

  it('persists before the first attempt; publishing the same transition again adds nothing', async () => {
    const hook = await receiver(() => 200);
    const dir = stateDir();
    const clock = new ManualClock(T0);
    const d = await open(dir, hook, clock);
    const first = await d.publish('netmon-alerts', notification());
    expect(first.deliveries[0]!.duplicate).toBe(false);
    // Not started: nothing sent, but the delivery is on disk.
    expect(readdirSync(join(dir, 'pending'))).toEqual([`${first.deliveries[0]!.id}.json`]);
    const again = await d.publish('netmon-alerts', notification());
    expect(again.messageId).toBe(first.messageId);
    expect(again.deliveries[0]!.duplicate).toBe(true);
    d.start();
    await d.idle();
    expect(hook.requests).toHaveLength(1);
    const third = await d.publish('netmon-alerts', notification());
    expect(third.deliveries[0]!.duplicate).toBe(true);
    await d.idle();
    expect(hook.requests).toHaveLength(1);
    await expect(d.publish('nope', notification())).rejects.toMatchObject({ code: 'NOTIFY_UNKNOWN_TOPIC' });
    const byAlarm = await d.publishAlarm(
      notification({
        StateChangeTime: '2024-05-20T11:00:00.000+0000',
        AlarmActions: [
          'arn:aws:sns:eu-west-1:1:netmon-alerts',
          'arn:aws:sns:eu-west-1:1:gone',
          'arn:aws:automate:eu-west-1:ec2:stop',
        ],
      }),
    );
    expect(byAlarm.published.map((p) => p.topicArn)).toEqual(['arn:aws:sns:eu-west-1:1:netmon-alerts']);
    expect(byAlarm.unknown).toEqual(['arn:aws:sns:eu-west-1:1:gone']);
    await d.idle();
    expect(hook.requests).toHaveLength(2);
  });

  it('a new dispatcher over the same state directory resumes the schedule; delivered exactly once', async () => {
    const hook = await receiver((i) => (i === 0 ? 500 : 200));
    const dir = stateDir();
    const clock = new ManualClock(T0);
    const a = await open(dir, hook, clock);
    a.start();
    const { messageId } = await a.publish('netmon-alerts', notification());
    await a.idle();
    expect(hook.requests).toHaveLength(1);
    await expect(open(dir, hook, clock)).rejects.toMatchObject({ code: 'OUTBOX_LOCKED' });
    await a.stop();
    expect(clock.nextIn()).toBeUndefined(); // the stopped dispatcher left no timer behind

    const b = await open(dir, hook, clock);
    expect(await b.listPending()).toMatchObject([
      { attempts: 1, nextAttemptAt: T0 + 750, lastError: expect.stringMatching(/^HTTP 500/) },
    ]);
    b.start();
    await b.idle();
    expect(hook.requests).toHaveLength(1); // not due yet: the persisted schedule is kept
    clock.advance(750);
    await b.idle();
    expect(hook.requests).toHaveLength(2);
    expect(hook.requests.filter((r) => r.answer === 200)).toHaveLength(1);
    expect(hook.requests[1]!.headers['x-amz-sns-message-id']).toBe(messageId);
    expect(hook.requests[1]!.headers['x-flowwatch-attempt']).toBe('2');
    await b.stop();

    const c = await open(dir, hook, clock);
    c.start();
    clock.advance(60_000);
    await c.idle();
    expect(hook.requests).toHaveLength(2);
  });

  it('stop() aborts an attempt in flight at once; the next dispatcher retries it on schedule', async () => {
    const hook = await receiver((i) => (i === 0 ? 'hang' : 200));
    const dir = stateDir();
    const clock = new ManualClock(T0);
    const a = await open(dir, hook, clock);
    a.start();
    const { messageId } = await a.publish('netmon-alerts', notification());
    await hook.waitFor(1);
    const before = Date.now();
    await a.stop();
    expect(Date.now() - before).toBeLessThan(1000); // not the 15 s timeout
    const b = await open(dir, hook, clock);
    expect(await b.listPending()).toMatchObject([
      {
        attempts: 1,
        nextAttemptAt: T0 + 750,
        lastError: 'attempt 1 was interrupted (the process stopped during it)',
      },
    ]);
    b.start();
    clock.advance(750);
    await b.idle();
    expect(hook.requests).toHaveLength(2);
    expect(hook.requests[1]!.headers['x-amz-sns-message-id']).toBe(messageId);
    expect(await b.outbox.list('delivered')).toHaveLength(1);
  });

  it('repairs a state directory after a crash: temp files, a record in two states, a corrupt record', async () => {
    const hook = await receiver(() => 200);
    const dir = stateDir();
    const clock = new ManualClock(T0);
    const a = await open(dir, hook, clock);
    a.start();
    const { deliveries } = await a.publish('netmon-alerts', notification());
    await a.idle();
    await a.stop();
    const id = deliveries[0]!.id;
    // As if killed between writing delivered/ and removing pending/: the delivered record wins.
    const delivered = readFileSync(join(dir, 'delivered', `${id}.json`), 'utf8');
    writeFileSync(join(dir, 'pending', `${id}.json`), delivered.replace('"delivered"', '"pending"'));
    writeFileSync(join(dir, 'pending', `.x.json.123.abcd.tmp`), '{"half');
    writeFileSync(join(dir, 'pending', `${'f'.repeat(32)}.json`), '{"not json');
    const events: DispatchEvent[] = [];
    const b = await open(dir, hook, clock, events);
    b.start();
    await b.idle();
    expect(hook.requests).toHaveLength(1);
    expect(readdirSync(join(dir, 'pending'))).toEqual([]);
    expect(readdirSync(join(dir, 'corrupt'))).toEqual([`${'f'.repeat(32)}.pending.json`]);
    expect(events).toEqual([
      { type: 'corrupt', file: join(dir, 'pending', `${'f'.repeat(32)}.json`), error: expect.any(String) },
    ]);
  });

  it('dead-letters a delivery whose subscription was removed from the configuration', async () => {
    const hook = await receiver(() => 500);
    const dir = stateDir();
    const clock = new ManualClock(T0);
    const a = await open(dir, hook, clock);
    a.start();
    await a.publish('netmon-alerts', notification());
    await a.idle();
    await a.stop();
    const other = await receiver(() => 200);
    const b = await open(dir, other, clock);
    b.start();
    clock.advance(750);
    await b.idle();
    expect(other.requests).toHaveLength(0);
    expect((await b.listDeadLetters())[0]!.lastError).toMatch(/no longer configured/);
  });

  it('a CLI-style requeue from a second, non-exclusive outbox is picked up by the rescan', async () => {
    const hook = await receiver((i) => (i === 0 ? 500 : 200));
    const dir = stateDir();
    const clock = new ManualClock(T0);
    const d = await Dispatcher.open({
      stateDir: dir,
      topics: [webhookTopic(hook.url)],
      signer: SIGNER,
      clock,
      retry: { ...RETRY, maxAttempts: 1 },
      rescanSeconds: 5,
    });
    cleanups.push(() => d.stop());
    d.start();
    const { deliveries } = await d.publish('netmon-alerts', notification());
    await d.idle();
    expect(await d.listDeadLetters()).toHaveLength(1);
    const cli = await Outbox.open(dir);
    await cli.requeue(deliveries[0]!.id, clock.now());
    clock.advance(5000); // the rescan reads the directory and finds the requeued delivery
    await hook.waitFor(2);
    await d.idle();
    expect(hook.requests).toHaveLength(2);
    expect(await cli.list('delivered')).toHaveLength(1);
  });
});

describe('kill -9', () => {
  it('a dispatcher killed mid-attempt loses nothing: the next one delivers the same message once', async () => {
    const hook = await receiver((i) => (i === 0 ? 'hang' : 200));
    const dir = stateDir();
    mkdirSync(dir, { recursive: true });
    const child = spawn(
      process.execPath,
      [
        join('node_modules', 'vite-node', 'vite-node.mjs'),
        join('test', 'notify', 'child-dispatcher.ts'),
        dir,
        hook.url,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const exited = once(child, 'exit');
    await Promise.race([
      hook.waitFor(1),
      exited.then(() => Promise.reject(new Error(`child exited: ${stderr}`))),
    ]);
    await expect(Outbox.open(dir, { exclusive: true })).rejects.toMatchObject({ code: 'OUTBOX_LOCKED' });
    child.kill('SIGKILL');
    await exited;

    const [pending] = await (await Outbox.open(dir)).list('pending');
    expect(pending).toMatchObject({
      attempts: 1,
      lastError: 'attempt 1 was interrupted (the process stopped during it)',
    });

    const events: DispatchEvent[] = [];
    const delivered = new Promise<void>((resolve) => {
      const d = Dispatcher.open({
        stateDir: dir,
        topics: [crashTopic(hook.url)],
        retry: CRASH_RETRY,
        rescanSeconds: 0,
        onEvent: (e) => {
          events.push(e);
          if (e.type === 'delivered') resolve();
        },
      });
      void d.then((x) => {
        cleanups.push(() => x.stop());
        x.start();
      });
    });
    await delivered;
    expect(hook.requests).toHaveLength(2);
    const [first, second] = hook.requests;
    expect(second!.headers['x-amz-sns-message-id']).toBe(first!.headers['x-amz-sns-message-id']);
    expect(second!.headers['x-flowwatch-attempt']).toBe('2');
    expect(second!.body).toBe(first!.body); // same signing key (state directory), same bytes
    expect(events.map((e) => e.type)).toEqual(['attempt', 'delivered']);
  });
});

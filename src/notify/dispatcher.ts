// The notification dispatcher: publishes alarm notifications to topics through the durable outbox and delivers them with retries.

import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { UserError } from '../core/errors.js';
import { type Clock, MAX_TIMER_MS, systemClock } from './clock.js';
import { createEmailTransport, type EmailTransport, sendAlarmEmail } from './email.js';
import {
  alarmMessageId,
  type EnvelopeSigner,
  hashUuid,
  type SnsEnvelope,
  snsEnvelope,
  topicArnFor,
} from './envelope.js';
import { DEFAULT_EPISODES, type EpisodeSettings } from './episodes.js';
import { DeliveryError } from './http-post.js';
import { type AlarmNotification, isPlainMessage, type Notification } from './message.js';
import { type DeliveryRecord, OUTBOX_VERSION, Outbox } from './outbox.js';
import { keySigner, loadOrCreateSigningKey } from './signing.js';
import { messageSlackPayload, postSlack, slackPayload } from './slack.js';
import { writeLine } from './stdout.js';
import {
  DEFAULT_RETRY,
  endpointOf,
  NotifyConfigError,
  type RetryPolicy,
  type SmtpSettings,
  type Subscription,
  type SubscriptionType,
  type Topic,
} from './topic.js';
import { postWebhook } from './webhook.js';

/** A publish that cannot be made: unknown topic, a notification that is not JSON, a stopped dispatcher. */
export class NotifyError extends UserError {}

/** What the dispatcher reports as it works (for the logger, the CLI and tests). */
export type DispatchEvent =
  | { readonly type: 'attempt'; readonly id: string; readonly attempt: number }
  | { readonly type: 'delivered'; readonly id: string; readonly attempts: number }
  | {
      readonly type: 'retry';
      readonly id: string;
      readonly attempts: number;
      readonly delayMs: number;
      readonly error: string;
    }
  | { readonly type: 'dead'; readonly id: string; readonly attempts: number; readonly error: string }
  | { readonly type: 'corrupt'; readonly file: string; readonly error: string }
  | { readonly type: 'error'; readonly id: string; readonly error: string };

/**
 * How loud an event is in the monitor's log. A failed attempt or a dead letter is the receiver's failure (an
 * SMTP server refusing or unreachable, a webhook down) and a warning, with its reason; only flowwatch's own
 * failure (the outbox cannot be written) is an error.
 */
export function dispatchEventLevel(e: DispatchEvent): 'info' | 'warn' | 'error' {
  switch (e.type) {
    case 'attempt':
    case 'delivered':
      return 'info';
    case 'retry':
    case 'dead':
    case 'corrupt':
      return 'warn';
    case 'error':
      return 'error';
    default: {
      const never: never = e;
      throw new Error(`unhandled dispatch event ${String(never)}`);
    }
  }
}

/** Options of {@link Dispatcher.open}. */
export interface DispatcherOptions {
  /** The state directory (the outbox, the lock and the signing key). */
  readonly stateDir: string;
  readonly topics: readonly Topic[];
  /** Required when a topic has an email subscription. */
  readonly smtp?: SmtpSettings | undefined;
  readonly retry?: RetryPolicy | undefined;
  readonly clock?: Clock | undefined;
  /** Uniform in [0, 1), for the jitter (default Math.random). */
  readonly random?: (() => number) | undefined;
  /** The stream of `stdout` subscriptions (default process.stdout). */
  readonly stdout?: Writable | undefined;
  /** Where `secretEnv`, `userEnv` and `passEnv` are looked up (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Signs SNS envelopes (default: the state directory's RSA key, see `loadOrCreateSigningKey`). */
  readonly signer?: EnvelopeSigner | undefined;
  /** Attempts in flight at once (default 4). */
  readonly concurrency?: number | undefined;
  /** How often the pending directory is re-read for deliveries put there by another process, e.g. `notifications retry` (default 10 s; 0 = never). */
  readonly rescanSeconds?: number | undefined;
  /** A link to the alarm for mails (e.g. the flowwatch dashboard). */
  readonly alarmUrl?: ((n: AlarmNotification) => string | undefined) | undefined;
  readonly onEvent?: ((e: DispatchEvent) => void) | undefined;
}

/** One delivery created (or found already present) by a publish. */
export interface PublishedDelivery {
  readonly id: string;
  readonly subscriptionId: string;
  readonly subscriptionType: SubscriptionType;
  /** True when this delivery existed already (the same notification was published before). */
  readonly duplicate: boolean;
}

/** The outcome of publishing one notification to one topic. */
export interface PublishResult {
  readonly topic: string;
  readonly topicArn: string;
  readonly messageId: string;
  readonly deliveries: readonly PublishedDelivery[];
}

/**
 * The delivery id of a message for a topic's subscription: 32 hex digits of SHA-256 over the three.
 *
 * @example deliveryId('5b0c2d3e-0000-4000-8000-00000000a1b2', 'netmon-alerts', 'stdout').length // 32
 */
export function deliveryId(messageId: string, topic: string, subscriptionId: string): string {
  return createHash('sha256').update(`${messageId}\n${topic}\n${subscriptionId}`).digest('hex').slice(0, 32);
}

/**
 * The wait after the `attempts`-th failed attempt: exponential backoff with "equal jitter", i.e. with
 * d = min(max, base × 2^(attempts−1)), a delay uniform in [d/2, d).
 *
 * @example backoffDelayMs(3, { baseDelaySeconds: 10, maxDelaySeconds: 600, maxAttempts: 8 }, () => 0) // 20000
 */
export function backoffDelayMs(attempts: number, policy: RetryPolicy, random: () => number): number {
  const d = Math.min(
    policy.maxDelaySeconds * 1000,
    policy.baseDelaySeconds * 1000 * 2 ** Math.max(0, attempts - 1),
  );
  return Math.round(d / 2 + random() * (d / 2));
}

/** The subscription ARN SNS would give a subscription: the topic ARN and a UUID (stable per topic + id). */
export function subscriptionArn(topicArn: string, topic: string, subscriptionId: string): string {
  return `${topicArn}:${hashUuid(`${topic}\n${subscriptionId}`)}`;
}

/**
 * Delivers alarm notifications to the subscriptions of topics, at least once, surviving restarts and crashes.
 *
 * - `publish` writes one record per subscription to the outbox (durably) before any attempt is made.
 * - Attempts run when due (at most `concurrency` at once); before each, the record is rewritten with the attempt
 *   counted, so a crash mid-attempt counts it too. A failure schedules the next attempt by
 *   {@link backoffDelayMs}; after `maxAttempts` failures the record moves to the dead-letter list.
 * - A new dispatcher over the same state directory resumes every pending delivery on its persisted schedule.
 * - Every attempt of a delivery sends the same MessageId (and the same body), so receivers can deduplicate.
 *
 * @example
 * const d = await Dispatcher.open({ stateDir: '.flowwatch/notify', topics, smtp });
 * d.start();
 * await d.publishAlarm(notification);
 * // ... later
 * await d.stop();
 */
export class Dispatcher {
  /** The outbox, for listings. */
  readonly outbox: Outbox;
  private readonly options: DispatcherOptions;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly retry: RetryPolicy;
  private readonly signer: EnvelopeSigner;
  private topics: ReadonlyMap<string, Topic>;
  private readonly queue = new Map<string, DeliveryRecord>();
  private readonly inflight = new Map<string, Promise<void>>();
  private timer: unknown;
  private rescanTimer: unknown;
  private running = false;
  private closed = false;
  private transport: EmailTransport | undefined;
  /** Aborted by stop(): HTTP attempts in flight end at once instead of at their timeout. */
  private readonly stopping = new AbortController();

  private constructor(options: DispatcherOptions, outbox: Outbox, signer: EnvelopeSigner) {
    this.options = options;
    this.outbox = outbox;
    this.signer = signer;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.topics = new Map(options.topics.map((t) => [t.name, t]));
  }

  /**
   * Opens the state directory (taking its lock: one dispatcher per directory) and loads the pending deliveries.
   * Throws NotifyConfigError for duplicate topic names or email subscriptions without SMTP settings,
   * OutboxError `OUTBOX_LOCKED` when another dispatcher holds the directory.
   */
  static async open(options: DispatcherOptions): Promise<Dispatcher> {
    const seen = new Set<string>();
    options.topics.forEach((t, i) => {
      if (seen.has(t.name)) {
        throw new NotifyConfigError(
          'NOTIFY_DUPLICATE_TOPIC',
          [i, 'name'],
          `topic "${t.name}" is defined twice`,
          'unique topic names',
        );
      }
      seen.add(t.name);
      if (!options.smtp && t.subscriptions.some((s) => s.type === 'email')) {
        throw new NotifyConfigError(
          'NOTIFY_SMTP_MISSING',
          [i, 'subscriptions'],
          `topic "${t.name}" has an email subscription but no SMTP server is configured`,
          'smtp settings (host, port, from)',
        );
      }
    });
    const clock = options.clock ?? systemClock;
    const outbox = await Outbox.open(options.stateDir, {
      exclusive: true,
      now: clock.now(),
      onCorrupt: (file, err) => options.onEvent?.({ type: 'corrupt', file, error: err.message }),
    });
    try {
      const signer = options.signer ?? keySigner(await loadOrCreateSigningKey(options.stateDir));
      const dispatcher = new Dispatcher(options, outbox, signer);
      for (const r of await outbox.list('pending')) dispatcher.queue.set(r.id, r);
      return dispatcher;
    } catch (err) {
      await outbox.close();
      throw err;
    }
  }

  /**
   * Replaces the topics (a reloaded configuration): new publishes use them; pending deliveries of a removed
   * subscription are dead-lettered when due, as before. Email subscriptions need the SMTP settings the
   * dispatcher was opened with.
   */
  setTopics(topics: readonly Topic[]): void {
    this.topics = new Map(topics.map((t) => [t.name, t]));
  }

  private emit(e: DispatchEvent): void {
    this.options.onEvent?.(e);
  }

  /** Starts attempting deliveries: due ones at once, the others when their time comes. */
  start(): void {
    if (this.closed) throw new NotifyError('NOTIFY_STOPPED', 'the dispatcher has been stopped');
    if (this.running) return;
    this.running = true;
    this.schedule();
    this.armRescan();
  }

  /**
   * Stops: no new attempts; HTTP attempts in flight are aborted (they stay counted, as after a crash, and are
   * retried on their schedule by the next dispatcher); mail and stdout attempts in flight are awaited. Then the
   * state directory is released. Pending deliveries stay in the outbox for the next dispatcher.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    if (this.rescanTimer !== undefined) this.clock.clearTimeout(this.rescanTimer);
    this.timer = this.rescanTimer = undefined;
    this.stopping.abort();
    await this.idle();
    this.transport?.close();
    this.transport = undefined;
    await this.outbox.close();
  }

  /** Resolves when no attempt is in flight (attempts that are merely scheduled do not count). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight.values()]);
  }

  /**
   * Publishes a notification to a topic: one durable pending delivery per subscription, then (if started) the
   * first attempts. The MessageId defaults to {@link alarmMessageId}, so publishing the same transition twice
   * adds nothing. Throws NotifyError `NOTIFY_UNKNOWN_TOPIC` or `NOTIFY_NOT_JSON`.
   *
   * @example const r = await d.publish('netmon-alerts', n); r.deliveries.length // one per subscription
   */
  async publish(
    topicName: string,
    n: Notification,
    options: { readonly messageId?: string } = {},
  ): Promise<PublishResult> {
    if (this.closed) throw new NotifyError('NOTIFY_STOPPED', 'the dispatcher has been stopped');
    const topic = this.topics.get(topicName);
    if (!topic) {
      throw new NotifyError(
        'NOTIFY_UNKNOWN_TOPIC',
        `no topic is named "${topicName}"`,
        this.topics.size > 0
          ? `the topics are ${[...this.topics.keys()].join(', ')}`
          : 'no topic is configured',
      );
    }
    let notification: Notification;
    try {
      notification = JSON.parse(JSON.stringify(n)) as Notification;
    } catch (err) {
      throw new NotifyError(
        'NOTIFY_NOT_JSON',
        `the notification cannot be written as JSON: ${(err as Error).message}`,
      );
    }
    const topicArn = topicArnFor(notification, topic.name);
    // A plain message (SNS Publish) gets a new id each time unless the publisher gives one (a finding does, so a
    // re-run of the same finding adds nothing); an alarm transition's id is derived from the transition.
    const messageId =
      options.messageId ??
      (isPlainMessage(notification) ? randomUUID() : alarmMessageId(topicArn, notification));
    const now = this.clock.now();
    const deliveries: PublishedDelivery[] = [];
    for (const sub of topic.subscriptions) {
      const record: DeliveryRecord = {
        version: OUTBOX_VERSION,
        id: deliveryId(messageId, topic.name, sub.id),
        state: 'pending',
        topic: topic.name,
        topicArn,
        subscriptionId: sub.id,
        subscriptionType: sub.type,
        endpoint: endpointOf(sub),
        messageId,
        timestamp: new Date(now).toISOString(),
        notification,
        createdAt: now,
        attempts: 0,
        nextAttemptAt: now,
        lastAttemptAt: null,
        lastError: null,
        finishedAt: null,
        revision: 0,
      };
      const added = await this.outbox.add(record);
      if (added) this.queue.set(record.id, record);
      deliveries.push({
        id: record.id,
        subscriptionId: sub.id,
        subscriptionType: sub.type,
        duplicate: !added,
      });
    }
    this.schedule();
    return { topic: topic.name, topicArn, messageId, deliveries };
  }

  /**
   * Publishes a notification to the topics among the actions of its new state (`AlarmActions` for ALARM,
   * `OKActions` for OK, `InsufficientDataActions` for INSUFFICIENT_DATA): an SNS ARN names a topic by its last
   * field. SNS ARNs naming no configured topic are returned in `unknown`; other actions (Lambda, EC2) are ignored.
   *
   * @example const { published, unknown } = await d.publishAlarm(n);
   */
  async publishAlarm(n: AlarmNotification): Promise<{ published: PublishResult[]; unknown: string[] }> {
    const { topics, unknown } = this.topicsFor(n);
    const published: PublishResult[] = [];
    for (const name of topics) published.push(await this.publish(name, n));
    return { published, unknown };
  }

  /**
   * The configured topics among the actions of a notification's new state (`AlarmActions` for ALARM, `OKActions`
   * for OK, `InsufficientDataActions` for INSUFFICIENT_DATA; an SNS ARN names a topic by its last field), and the
   * SNS ARNs naming no configured topic. Other actions (Lambda, EC2) are ignored.
   */
  topicsFor(n: AlarmNotification): { topics: string[]; unknown: string[] } {
    const actions =
      n.NewStateValue === 'ALARM'
        ? n.AlarmActions
        : n.NewStateValue === 'OK'
          ? n.OKActions
          : n.InsufficientDataActions;
    const topics: string[] = [];
    const unknown: string[] = [];
    for (const arn of new Set(actions)) {
      const parts = arn.split(':');
      if (parts[0] !== 'arn' || parts[2] !== 'sns') continue;
      const name = parts.at(-1) ?? '';
      if (this.topics.has(name)) topics.push(name);
      else unknown.push(arn);
    }
    return { topics, unknown };
  }

  /** A configured topic's episode grouping (the default when it sets none); undefined for an unknown topic. */
  episodeSettings(topic: string): EpisodeSettings | undefined {
    const t = this.topics.get(topic);
    return t === undefined ? undefined : (t.episodes ?? DEFAULT_EPISODES);
  }

  /** Pending deliveries, oldest first. */
  async listPending(): Promise<DeliveryRecord[]> {
    return await this.outbox.list('pending');
  }

  /** Dead-lettered deliveries, oldest first, each with its last error. */
  async listDeadLetters(): Promise<DeliveryRecord[]> {
    return await this.outbox.list('dead');
  }

  /**
   * Moves a dead-lettered delivery (full id or unique prefix) back to pending with a fresh attempt budget,
   * due now. Throws OutboxError `OUTBOX_NOT_FOUND` / `OUTBOX_AMBIGUOUS`.
   */
  async retryDeadLetter(idOrPrefix: string): Promise<DeliveryRecord> {
    const record = await this.outbox.requeue(idOrPrefix, this.clock.now());
    if (!this.inflight.has(record.id)) this.queue.set(record.id, record);
    this.schedule();
    return record;
  }

  /** Launches due attempts and arms the timer for the next one. */
  private schedule(): void {
    if (!this.running) return;
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    const now = this.clock.now();
    const limit = Math.max(1, this.options.concurrency ?? 4);
    const waiting = [...this.queue.values()].sort(
      (a, b) => a.nextAttemptAt - b.nextAttemptAt || a.createdAt - b.createdAt,
    );
    for (const r of waiting) {
      if (r.nextAttemptAt > now || this.inflight.size >= limit) break;
      this.launch(r);
    }
    const next = [...this.queue.values()].reduce(
      (m, r) => Math.min(m, r.nextAttemptAt),
      Number.POSITIVE_INFINITY,
    );
    if (next === Number.POSITIVE_INFINITY || next <= now) return; // nothing waiting, or due ones wait for a free slot
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = undefined;
        this.schedule();
      },
      Math.min(next - now, MAX_TIMER_MS),
    );
  }

  private launch(r: DeliveryRecord): void {
    this.queue.delete(r.id);
    const p = this.attempt(r)
      .catch((err: unknown) => {
        // The outbox could not be written (disk full?): keep the delivery in memory and try again later.
        const error = err instanceof Error ? err.message : String(err);
        this.emit({ type: 'error', id: r.id, error });
        this.queue.set(r.id, { ...r, nextAttemptAt: this.clock.now() + this.retry.baseDelaySeconds * 1000 });
      })
      .finally(() => {
        this.inflight.delete(r.id);
        this.schedule();
      });
    this.inflight.set(r.id, p);
  }

  private subscription(r: DeliveryRecord): Subscription | undefined {
    return this.topics.get(r.topic)?.subscriptions.find((s) => s.id === r.subscriptionId);
  }

  private async attempt(r: DeliveryRecord): Promise<void> {
    const sub = this.subscription(r);
    if (!sub) {
      return await this.deadLetter(
        r,
        `subscription ${r.subscriptionId} of topic "${r.topic}" is no longer configured`,
      );
    }
    if (r.attempts >= this.retry.maxAttempts) {
      return await this.deadLetter(r, r.lastError ?? 'attempt interrupted');
    }
    const attempt = r.attempts + 1;
    const startedAt = this.clock.now();
    let record: DeliveryRecord = {
      ...r,
      attempts: attempt,
      lastAttemptAt: startedAt,
      nextAttemptAt: startedAt + backoffDelayMs(attempt, this.retry, this.random),
      lastError: `attempt ${attempt} was interrupted (the process stopped during it)`,
      revision: r.revision + 1,
    };
    await this.outbox.savePending(record);
    this.emit({ type: 'attempt', id: r.id, attempt });
    try {
      await this.deliver(record, sub);
    } catch (err) {
      // Cut short by stop(): the record already counts the attempt as interrupted and says when to try again.
      if (this.stopping.signal.aborted) return;
      const error = err instanceof Error ? err.message : String(err);
      if (attempt >= this.retry.maxAttempts) {
        return await this.deadLetter({ ...record, lastError: error }, error);
      }
      const delayMs = backoffDelayMs(attempt, this.retry, this.random);
      record = {
        ...record,
        lastError: error,
        nextAttemptAt: this.clock.now() + delayMs,
        revision: record.revision + 1,
      };
      await this.outbox.savePending(record);
      if (this.closed) return;
      this.queue.set(record.id, record);
      this.emit({ type: 'retry', id: r.id, attempts: attempt, delayMs, error });
      return;
    }
    await this.outbox.finish({
      ...record,
      state: 'delivered',
      lastError: null,
      finishedAt: this.clock.now(),
      revision: record.revision + 1,
    });
    this.emit({ type: 'delivered', id: r.id, attempts: attempt });
  }

  private async deadLetter(r: DeliveryRecord, error: string): Promise<void> {
    await this.outbox.finish({
      ...r,
      state: 'dead',
      lastError: error,
      finishedAt: this.clock.now(),
      revision: r.revision + 1,
    });
    this.emit({ type: 'dead', id: r.id, attempts: r.attempts, error });
  }

  private envelope(r: DeliveryRecord): SnsEnvelope {
    return snsEnvelope(r.notification, {
      topicArn: r.topicArn,
      messageId: r.messageId,
      timestamp: r.timestamp,
      signer: this.signer,
    });
  }

  private async deliver(r: DeliveryRecord, sub: Subscription): Promise<void> {
    const env = this.options.env ?? process.env;
    switch (sub.type) {
      case 'email': {
        const smtp = this.options.smtp;
        if (!smtp) throw new DeliveryError('no SMTP server is configured');
        if (!this.transport) {
          try {
            this.transport = createEmailTransport(smtp, env);
          } catch (err) {
            throw new DeliveryError((err as Error).message, { cause: err });
          }
        }
        await sendAlarmEmail(this.transport, smtp.from, sub, r.notification, {
          messageId: r.messageId,
          deliveryId: r.id,
          topic: r.topic,
          alarmUrl: isPlainMessage(r.notification) ? undefined : this.options.alarmUrl?.(r.notification),
        });
        return;
      }
      case 'webhook': {
        const secret = sub.secret ?? (sub.secretEnv !== undefined ? env[sub.secretEnv] : undefined);
        if (sub.secretEnv !== undefined && secret === undefined) {
          throw new DeliveryError(`environment variable ${sub.secretEnv} (the webhook secret) is not set`);
        }
        await postWebhook(
          sub,
          {
            body: JSON.stringify(this.envelope(r)),
            messageId: r.messageId,
            topicArn: r.topicArn,
            subscriptionArn: subscriptionArn(r.topicArn, r.topic, sub.id),
            deliveryId: r.id,
            attempt: r.attempts,
          },
          { secret, nowSeconds: Math.floor(this.clock.now() / 1000), signal: this.stopping.signal },
        );
        return;
      }
      case 'slack':
        await postSlack(
          sub,
          isPlainMessage(r.notification)
            ? messageSlackPayload(r.notification, { topic: r.topic })
            : slackPayload(r.notification, { topic: r.topic }),
          this.stopping.signal,
        );
        return;
      case 'stdout':
        await writeLine(this.options.stdout ?? process.stdout, JSON.stringify(this.envelope(r)));
        return;
      default: {
        const never: never = sub;
        throw new Error(`unhandled subscription ${String(never)}`);
      }
    }
  }

  /** Re-reads pending/ for deliveries another process put there (a `retry` from the CLI). */
  private armRescan(): void {
    const seconds = this.options.rescanSeconds ?? 10;
    if (!this.running || seconds <= 0) return;
    this.rescanTimer = this.clock.setTimeout(() => {
      this.rescanTimer = undefined;
      void this.rescan()
        .catch((err: unknown) => this.emit({ type: 'error', id: '', error: (err as Error).message }))
        .finally(() => this.armRescan());
    }, seconds * 1000);
  }

  private async rescan(): Promise<void> {
    for (const id of await this.outbox.ids('pending')) {
      if (this.queue.has(id) || this.inflight.has(id)) continue;
      const r = await this.outbox.get(id);
      // Checked again synchronously: an attempt may have finished (and removed the file) while we read.
      if (r?.state !== 'pending' || this.queue.has(id) || this.inflight.has(id)) continue;
      if (!existsSync(join(this.outbox.dir, 'pending', `${id}.json`))) continue;
      this.queue.set(id, r);
    }
    this.schedule();
  }
}

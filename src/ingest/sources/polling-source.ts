// What the sources that poll a service (S3, CloudWatch Logs) share: one poll at a time, a loop with backoff
// after errors, stop() that aborts the poll in flight, counters for status() and events for the logger.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Batch, Sink, Source, SourceStatus } from './source.js';

/** What a polling source reports as it works (for the logger, the dashboard and tests). */
export type SourceEvent =
  | {
      readonly type: 'batch';
      readonly source: string;
      readonly key: string;
      readonly outcome: 'stored' | 'duplicate';
      /** Lines in a `lines` batch; 0 for a `file` batch (the sink counts its records). */
      readonly records: number;
    }
  | {
      readonly type: 'poll';
      readonly source: string;
      /** Batches handed to the sink by this poll. */
      readonly batches: number;
      /** Source-specific counts of the poll (e.g. `skipped` keys, `pruned` directories). */
      readonly counts: Readonly<Record<string, number>>;
    }
  | {
      readonly type: 'error';
      readonly source: string;
      readonly error: string;
      /** Seconds until the next poll. */
      readonly retryInSeconds: number;
    }
  | {
      readonly type: 'throttled';
      readonly source: string;
      readonly attempt: number;
      readonly delayMs: number;
    }
  /** The stored checkpoint was unreadable or belonged to another configuration, so the source starts afresh. */
  | { readonly type: 'reset'; readonly source: string; readonly reason: string };

/** Options every polling source takes. */
export interface PollingOptions {
  /** The configured source name: the sink's checkpoint key and the `source` of every batch. */
  readonly name: string;
  /** Seconds between polls (fractions allowed). */
  readonly pollSeconds: number;
  /** Longest wait between polls after consecutive errors (default: the larger of pollSeconds and 300). */
  readonly maxBackoffSeconds?: number | undefined;
  /** Called for every batch, poll, error, throttle and reset; must not throw. */
  readonly onEvent?: ((e: SourceEvent) => void) | undefined;
}

/** What one poll did; `error` is set when it ended early (it never throws). */
export interface PollResult {
  readonly batches: number;
  readonly duplicates: number;
  readonly records: number;
  readonly error?: string | undefined;
}

/** Counters of a polling source: the {@link SourceStatus} fields plus duplicates and polls. */
export interface PollingStatus extends SourceStatus {
  /** Batches the sink already had (acknowledged as 'duplicate'); not counted in `batches`. */
  readonly duplicates: number;
  /** Polls finished, with or without error. */
  readonly polls: number;
  /** Errors since the last successful poll (drives the backoff). */
  readonly consecutiveErrors: number;
}

/**
 * The loop and bookkeeping of a polling source; a subclass implements {@link PollingSource.poll}, which
 * throws on any error (the poll is then counted as failed and retried after a backoff).
 *
 * @example
 * class Demo extends PollingSource {
 *   protected readonly kind = 'demo';
 *   protected async poll(): Promise<void> {}
 * }
 */
export abstract class PollingSource implements Source {
  readonly name: string;
  /** `SourceStatus.kind`, e.g. 's3'. */
  protected abstract readonly kind: string;
  protected readonly sink: Sink;
  private readonly pollMs: number;
  private readonly maxBackoffMs: number;
  private readonly onEvent: ((e: SourceEvent) => void) | undefined;
  private batches = 0;
  private records = 0;
  private duplicates = 0;
  private errors = 0;
  private polls = 0;
  private failures = 0;
  private lastError: string | undefined;
  private lastErrorAt: number | undefined;
  private lastBatchAt: number | undefined;
  private loop: Promise<void> | undefined;
  private life: AbortController | undefined;
  private inflight: AbortController | undefined;
  /** Polls run one after another: the loop's and those asked for through pollOnce(). */
  private tail: Promise<unknown> = Promise.resolve();
  /** What the poll in flight handed over. */
  private thisPoll = { batches: 0, duplicates: 0, records: 0 };
  /** Counts a subclass reports in the `poll` event of the poll in flight (reset before each poll). */
  protected pollCounts: Record<string, number> = {};

  constructor(options: PollingOptions, sink: Sink) {
    if (!(options.pollSeconds > 0)) throw new RangeError(`${options.name}: pollSeconds must be above 0`);
    this.name = options.name;
    this.sink = sink;
    this.pollMs = options.pollSeconds * 1000;
    this.maxBackoffMs = (options.maxBackoffSeconds ?? Math.max(options.pollSeconds, 300)) * 1000;
    this.onEvent = options.onEvent;
  }

  /** Starts polling in the background (the first poll at once) and resolves; a second call does nothing. */
  start(): Promise<void> {
    if (this.loop === undefined) {
      const life = new AbortController();
      this.life = life;
      this.loop = this.run(life.signal);
    }
    return Promise.resolve();
  }

  /** Aborts the poll in flight (a sink write already handed over is awaited) and resolves once it ended. */
  async stop(): Promise<void> {
    this.life?.abort();
    this.inflight?.abort();
    await this.loop;
    await this.tail;
    this.loop = undefined;
    this.life = undefined;
  }

  /** One poll now, after any poll in flight; resolves with what it did, never rejects. */
  pollOnce(): Promise<PollResult> {
    const run = this.tail.then(() => this.guardedPoll());
    this.tail = run.catch(() => undefined);
    return run;
  }

  status(): PollingStatus {
    return {
      name: this.name,
      kind: this.kind,
      batches: this.batches,
      records: this.records,
      errors: this.errors,
      lastError: this.lastError,
      lastErrorAt: this.lastErrorAt,
      lastBatchAt: this.lastBatchAt,
      duplicates: this.duplicates,
      polls: this.polls,
      consecutiveErrors: this.failures,
    };
  }

  /** One poll; throws when it cannot finish. `signal` is aborted by stop(). */
  protected abstract poll(signal: AbortSignal): Promise<void>;

  /**
   * Hands a batch to the sink and counts it. Rejects (the caller must not advance its cursor) when the sink
   * rejects; the error names the sink.
   */
  protected async deliver(batch: Batch, records: number): Promise<'stored' | 'duplicate'> {
    let outcome: 'stored' | 'duplicate';
    try {
      outcome = await this.sink.write(batch);
    } catch (err) {
      throw new Error(`the sink refused batch ${batch.key}: ${describeError(err)}`, { cause: err });
    }
    if (outcome === 'duplicate') this.duplicates++;
    else {
      this.batches++;
      this.records += records;
      this.lastBatchAt = Date.now();
    }
    this.thisPoll.batches++;
    if (outcome === 'duplicate') this.thisPoll.duplicates++;
    else this.thisPoll.records += records;
    this.emit({ type: 'batch', source: this.name, key: batch.key, outcome, records });
    return outcome;
  }

  /** Reports an event (exceptions of the callback are ignored: logging must not stop a source). */
  protected emit(e: SourceEvent): void {
    try {
      this.onEvent?.(e);
    } catch {
      // A logger that fails is not the source's problem.
    }
  }

  private async guardedPoll(): Promise<PollResult> {
    const ctl = new AbortController();
    this.inflight = ctl;
    if (this.life?.signal.aborted) ctl.abort();
    this.thisPoll = { batches: 0, duplicates: 0, records: 0 };
    this.pollCounts = {};
    let error: string | undefined;
    try {
      if (ctl.signal.aborted) throw new Error('stopped');
      await this.poll(ctl.signal);
      this.failures = 0;
      this.emit({ type: 'poll', source: this.name, batches: this.thisPoll.batches, counts: this.pollCounts });
    } catch (err) {
      if (ctl.signal.aborted) error = 'stopped';
      else {
        error = describeError(err);
        this.failures++;
        this.errors++;
        this.lastError = error;
        this.lastErrorAt = Date.now();
        this.emit({ type: 'error', source: this.name, error, retryInSeconds: this.nextDelayMs() / 1000 });
      }
    } finally {
      this.inflight = undefined;
      this.polls++;
    }
    return { ...this.thisPoll, error };
  }

  /** The wait before the next poll: pollSeconds, doubled for every consecutive failure, capped. */
  private nextDelayMs(): number {
    if (this.failures === 0) return this.pollMs;
    return Math.min(this.pollMs * 2 ** this.failures, Math.max(this.maxBackoffMs, this.pollMs));
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.pollOnce();
      try {
        await sleep(this.nextDelayMs(), undefined, { signal });
      } catch {
        return;
      }
    }
  }
}

/**
 * A one-line description of an error: the AWS error name (e.g. `NoSuchBucket`) and its message.
 *
 * @example describeError(Object.assign(new Error('The specified bucket does not exist'), { name: 'NoSuchBucket' }))
 * // 'NoSuchBucket: The specified bucket does not exist'
 */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const msg = err.message || '(no message)';
    return err.name && err.name !== 'Error' ? `${err.name}: ${msg}` : msg;
  }
  return String(err);
}

/**
 * The `Date` header of a raw SDK HTTP response, in ms since the epoch (the service's clock), or undefined.
 *
 * @example responseDate({ headers: { date: 'Mon, 20 May 2024 10:00:00 GMT' } }) // 1716199200000
 */
export function responseDate(response: unknown): number | undefined {
  if (typeof response !== 'object' || response === null) return undefined;
  const headers = (response as { headers?: unknown }).headers;
  if (typeof headers !== 'object' || headers === null) return undefined;
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === 'date' && typeof v === 'string') {
      const ms = Date.parse(v);
      return Number.isNaN(ms) ? undefined : ms;
    }
  }
  return undefined;
}

/**
 * Waits `ms` or until `signal` aborts (then rejects with the abort reason).
 *
 * @example await pause(100, controller.signal);
 */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return sleep(ms, undefined, { signal });
}

// The monitor's Sink: batches from every source are committed to the store in groups (one transaction per
// group and format), each with its metric datapoints, idempotency keys and source checkpoints, so that a
// batch is acknowledged only once it is durable and a restart neither loses nor repeats one.

import { createHash } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { fileKind, sha256File } from '../ingest/file-probe.js';
import { loadBytes, loadFile } from '../ingest/ingest.js';
import type { LineTimesAt } from '../ingest/normalize.js';
import type { Batch, LineTime, Sink } from '../ingest/sources/source.js';
import type { TimeSource } from '../records/event-time.js';
import { DEFAULT, parseFormat } from '../records/format.js';
import { sourceCheckpointSql, sourceKeySql } from '../storage/schema.js';
import type { BoundSql, DeriveSql, Loader, Store } from '../storage/store.js';

type LinesBatch = Extract<Batch, { kind: 'lines' }>;
type FileBatch = Extract<Batch, { kind: 'file' }>;

interface Waiting<B> {
  readonly batch: B;
  resolve(v: 'stored' | 'duplicate'): void;
  reject(e: unknown): void;
}

export interface SinkOptions {
  /** Metric-filter datapoints, computed in each load transaction (`source`: the source whose batches it commits). */
  readonly derive?:
    | ((...args: [...Parameters<DeriveSql>, source: string]) => ReturnType<DeriveSql>)
    | undefined;
  /** Scratch folder (owned by the caller). */
  readonly scratch: string;
  /** Commit waiting line batches at least this often. */
  readonly flushMillis: number;
  /** ... or as soon as this many records wait. */
  readonly flushRecords: number;
  /**
   * Group commit: a batch arriving while no commit runs is committed at once (no flushMillis wait), and the batches
   * that arrived during a commit are committed as soon as it ends; flushMillis and flushRecords then only decide
   * when a second writer starts beside a running commit. Default false (commits wait for flushMillis or
   * flushRecords).
   */
  readonly eager?: boolean | undefined;
  /** Commits that may run at once, each on its own DuckDB connection (default 2). */
  readonly writers?: number | undefined;
  /** Called after each commit with the number of records stored. */
  readonly onCommit?: ((info: CommitInfo) => void) | undefined;
  /**
   * Deferred rollups: batches are committed without the per-file rollups (the reject, view and Overview rollups,
   * marked pending in the batch's own transaction), and one catch-up transaction writes them for every pending
   * file once this many records are pending, `rollupMillis` after a commit left some pending, on flush and on
   * close. The readers count a file without its rollup from its records, so they miss nothing meanwhile; marks
   * left by a crash are rolled up when the sink opens. Default: off (each commit writes its rollups).
   */
  readonly rollupRecords?: number | undefined;
  /** Deferred rollups: the longest a committed file waits for its rollups (ms; default 2,000). */
  readonly rollupMillis?: number | undefined;
  /** Called when a deferred rollup fails (its files stay pending and the next catch-up tries again). */
  readonly onRollupError?: ((err: unknown) => void) | undefined;
}

export interface CommitInfo {
  readonly batches: number;
  readonly records: number;
  readonly rejected: number;
  readonly seconds: number;
  /** Records whose event time is the ingest time (no time of their own, none from their event). */
  readonly ingestTimed: number;
}

/** Counters for /metrics. */
export interface SinkStats {
  batchesStored: number;
  batchesDuplicate: number;
  recordsStored: number;
  recordsRejected: number;
  commits: number;
  commitErrors: number;
  pendingRecords: number;
  /** Records stored with the ingest time as their event time (no time of their own, none from their event). */
  recordsIngestTimed: number;
  /** Deferred rollups: catch-up transactions committed, and failed (their files stay pending). */
  rollups: number;
  rollupErrors: number;
}

/** What the sink committed for one source (for /healthz). */
export interface SourceCounters {
  batches: number;
  records: number;
  rejected: number;
  /** Unix ms of the last commit holding one of its batches. */
  lastBatchAt?: number | undefined;
  /** The last commit error of one of its batches, and when (unix ms). */
  lastError?: string | undefined;
  lastErrorAt?: number | undefined;
}

/**
 * A Sink over a writable store. One writer: every commit goes through one queue and one loader.
 *
 * @example const sink = await StoreSink.open(store, { scratch, flushMillis: 500, flushRecords: 200_000 });
 */
interface Slot {
  readonly loader: Loader;
  readonly id: number;
  /** This commit's key and checkpoint statements, added by the loader's derive hook. */
  extras: (fileId: number) => (string | BoundSql)[];
  /** The source whose batches this commit stores (one source per commit). */
  source: string;
}

export class StoreSink implements Sink {
  readonly stats: SinkStats = {
    batchesStored: 0,
    batchesDuplicate: 0,
    recordsStored: 0,
    recordsRejected: 0,
    commits: 0,
    commitErrors: 0,
    rollups: 0,
    rollupErrors: 0,
    pendingRecords: 0,
    recordsIngestTimed: 0,
  };
  private pending: Waiting<LinesBatch>[] = [];
  /** Per source name: what is stored from it (started from the store at open, then counted at each commit). */
  readonly bySource = new Map<string, SourceCounters>();
  /** Keys being stored (source NUL key) → the first write's outcome; retries wait for it. */
  private readonly inflight = new Map<string, Promise<'stored' | 'duplicate'>>();
  private files: Waiting<FileBatch>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly free: Slot[];
  private readonly waitingForSlot: ((s: Slot) => void)[] = [];
  private readonly running = new Set<Promise<void>>();
  private closed = false;
  /** Deferred rollups: records committed since the last catch-up began, a catch-up running, its timer. */
  private rollupRecords = 0;
  /** Deferred rollups: the records of the catch-up running (counted as pending until it commits). */
  private rollingRecords = 0;
  private rollupDue = false;
  private rollingUp: Promise<void> | undefined;
  private rollupTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly store: Store,
    private readonly slots: Slot[],
    private readonly opts: SinkOptions,
  ) {
    this.free = [...slots];
  }

  static async open(store: Store, opts: SinkOptions): Promise<StoreSink> {
    await mkdir(opts.scratch, { recursive: true });
    const slots: Slot[] = [];
    for (let id = 0; id < Math.max(1, opts.writers ?? 2); id++) {
      const slot: {
        loader?: Loader;
        id: number;
        extras: (fileId: number) => (string | BoundSql)[];
        source: string;
      } = {
        id,
        extras: () => [],
        source: '',
      };
      // The derive hook adds the commit's keys and checkpoints to the metric datapoint statements.
      const derive: DeriveSql = (format, rows, fileId) => [
        ...(opts.derive?.(format, rows, fileId, slot.source) ?? []),
        ...slot.extras(fileId),
      ];
      slot.loader = await store.loader(derive);
      slot.loader.deferRollups = (opts.rollupRecords ?? 0) > 0;
      slots.push(slot as Slot);
    }
    // Files a crash left without their rollups (committed, catch-up not): rolled up before anything else (a
    // no-op when none is pending).
    await slots[0]!.loader!.rollUpPending();
    const sink = new StoreSink(store, slots, opts);
    for (const t of await store.sourceTotals()) {
      sink.bySource.set(t.source, {
        batches: t.batches,
        records: t.records,
        rejected: t.rejected,
        ...(t.lastBatchAt !== undefined ? { lastBatchAt: t.lastBatchAt } : {}),
      });
    }
    return sink;
  }

  async checkpoint(source: string): Promise<string | undefined> {
    return this.store.sourceCheckpoint(source);
  }

  /**
   * Stores a batch once per key. "Seen or in flight" is decided in one synchronous step: the first write of a key
   * registers its promise before anything is awaited, and every later write of that key while it is in flight
   * waits for that promise, so a retry is acknowledged only once the first copy is committed. When the first
   * copy fails, each waiting retry tries again on its own (and fails or stores accordingly). The store's primary
   * key on (source, key) backs this up: a key inserted twice makes its commit fail instead of storing twice.
   */
  write(batch: Batch): Promise<'stored' | 'duplicate'> {
    if (this.closed) return Promise.reject(new UserError('SINK_CLOSED', 'the monitor is shutting down'));
    const id = `${batch.source}\u0000${batch.key}`;
    const first = this.inflight.get(id);
    if (first !== undefined) {
      return first.then(
        () => this.duplicate(batch),
        () => this.write(batch),
      );
    }
    const attempt = this.admit(batch);
    this.inflight.set(id, attempt);
    // Registered before any retry's handlers, so a retry that runs after a failure finds the key free.
    attempt.then(
      () => this.inflight.delete(id),
      () => this.inflight.delete(id),
    );
    return attempt;
  }

  private async duplicate(batch: Batch): Promise<'duplicate'> {
    this.stats.batchesDuplicate++;
    // The source may have moved on: keep its checkpoint.
    if (batch.checkpoint !== undefined) {
      await this.store.recordSourceKey(batch.source, batch.key, batch.checkpoint);
    }
    return 'duplicate';
  }

  /** The first write of a key in flight: a duplicate of a stored batch, or queued for the next commit. */
  private async admit(batch: Batch): Promise<'stored' | 'duplicate'> {
    if (
      !(batch.kind === 'lines' && batch.fresh === true) &&
      (await this.store.hasSourceKey(batch.source, batch.key))
    )
      return this.duplicate(batch);
    if (this.closed) throw new UserError('SINK_CLOSED', 'the monitor is shutting down');
    return new Promise<'stored' | 'duplicate'>((resolve, reject) => {
      if (batch.kind === 'file') {
        this.files.push({ batch, resolve, reject });
        this.schedule(0);
      } else {
        this.pending.push({ batch, resolve, reject });
        this.stats.pendingRecords += batch.lines.length;
        const now =
          this.stats.pendingRecords >= this.opts.flushRecords ||
          (this.opts.eager === true && this.running.size === 0);
        this.schedule(now ? 0 : this.opts.flushMillis);
      }
    });
  }

  /** Commits everything waiting now; resolves when it is durable. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.pending.length > 0 || this.files.length > 0) await this.commit();
    await Promise.all(this.running);
    if (this.rollupDue) await this.rollUpOnFreeSlot();
    await this.rollingUp;
  }

  /**
   * Deferred rollups: records committed whose rollups are not written yet (those of a running catch-up included
   * until it commits). Readers count them from the records meanwhile; /metrics shows it.
   */
  get rollupPendingRecords(): number {
    return this.rollupRecords + this.rollingRecords;
  }

  /** Deferred rollups: runs a catch-up on a free writer (or joins the one running). */
  private async rollUpOnFreeSlot(): Promise<void> {
    if (this.rollingUp) return this.rollingUp;
    const slot = await this.acquire();
    try {
      await this.rollUp(slot);
    } finally {
      this.release(slot);
    }
  }

  /**
   * Deferred rollups: one transaction writing the rollups of every pending file (Loader.rollUpPending), on this
   * writer. One at a time; a failure leaves the files pending for the next one.
   */
  private async rollUp(slot: Slot): Promise<void> {
    if (this.rollingUp) return this.rollingUp;
    if (this.rollupTimer) clearTimeout(this.rollupTimer);
    this.rollupTimer = undefined;
    const counted = this.rollupRecords;
    this.rollupRecords = 0;
    this.rollingRecords = counted;
    this.rollupDue = false;
    this.rollingUp = (async () => {
      try {
        await slot.loader.rollUpPending();
        this.stats.rollups++;
      } catch (err) {
        this.stats.rollupErrors++;
        this.rollupRecords += counted;
        this.rollupDue = true;
        this.opts.onRollupError?.(err);
        this.armRollup();
      } finally {
        this.rollingRecords = 0;
        this.rollingUp = undefined;
      }
    })();
    return this.rollingUp;
  }

  /** Deferred rollups: a catch-up within rollupMillis of now, unless one is due sooner. */
  private armRollup(): void {
    if (this.rollupTimer || this.closed || !this.rollupDue) return;
    this.rollupTimer = setTimeout(() => {
      this.rollupTimer = undefined;
      if (this.rollupDue && !this.closed) void this.rollUpOnFreeSlot();
    }, this.opts.rollupMillis ?? 2000);
    this.rollupTimer.unref?.();
  }

  /** Commits what waits, then refuses new batches. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.rollupTimer) clearTimeout(this.rollupTimer);
    this.rollupTimer = undefined;
    for (const s of this.slots) s.loader.close();
  }

  private schedule(ms: number): void {
    if (this.timer && ms > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.commit();
    }, ms);
  }

  private acquire(): Promise<Slot> {
    const s = this.free.pop();
    return s ? Promise.resolve(s) : new Promise((resolve) => this.waitingForSlot.push(resolve));
  }

  private release(slot: Slot): void {
    const next = this.waitingForSlot.shift();
    if (next) next(slot);
    else this.free.push(slot);
  }

  /** Takes what waits when a writer is free and commits it on that writer; several commits may run at once. */
  private async commit(): Promise<void> {
    const slot = await this.acquire();
    const files = this.files;
    this.files = [];
    const lines = this.pending;
    this.pending = [];
    this.stats.pendingRecords = 0;
    const job = (async () => {
      try {
        for (const w of files) await this.commitFile(slot, w);
        // One transaction per source and format, so records and rejects are counted per source.
        const groups = new Map<string, Waiting<LinesBatch>[]>();
        for (const w of lines) {
          const g = `${w.batch.source}\u0000${w.batch.format ?? DEFAULT.text}`;
          groups.set(g, [...(groups.get(g) ?? []), w]);
        }
        for (const group of groups.values()) {
          await this.commitLines(slot, group[0]!.batch.format ?? DEFAULT.text, group);
        }
        // Deferred rollups: enough records pending, so this writer rolls them up before taking more.
        if (this.rollupDue && this.rollupRecords >= (this.opts.rollupRecords ?? 0)) await this.rollUp(slot);
        else this.armRollup();
      } finally {
        this.release(slot);
      }
    })();
    this.running.add(job);
    try {
      await job;
    } finally {
      this.running.delete(job);
      // Group commit: what arrived during this commit has waited a commit's time already.
      if (this.opts.eager === true && !this.closed && (this.pending.length > 0 || this.files.length > 0)) {
        this.schedule(0);
      }
    }
  }

  private done(ws: readonly Waiting<Batch>[], err: unknown): void {
    for (const w of ws) {
      if (err === undefined) w.resolve('stored');
      else w.reject(err);
    }
  }

  private keysSql(ws: readonly Waiting<Batch>[], fileId: number, storedAt: number): string[] {
    const out: string[] = [];
    const checkpoints = new Map<string, string>();
    for (const w of ws) {
      out.push(sourceKeySql(w.batch.source, w.batch.key, fileId, storedAt));
      if (w.batch.checkpoint !== undefined) checkpoints.set(w.batch.source, w.batch.checkpoint);
    }
    for (const [source, value] of checkpoints) out.push(sourceCheckpointSql(source, value));
    return out;
  }

  private scratch(slot: Slot) {
    return {
      normal: join(this.opts.scratch, `normal-${slot.id}.txt`),
      odd: join(this.opts.scratch, `odd-${slot.id}.txt`),
      times: join(this.opts.scratch, `times-${slot.id}.txt`),
    };
  }

  private async commitLines(slot: Slot, format: string, group: Waiting<LinesBatch>[]): Promise<void> {
    const t0 = performance.now();
    try {
      const parsed = parseFormat(format);
      // A record's own start beats a delivery time (src/records/event-time.ts): with start in the format, only
      // CloudWatch Logs event times can matter, and lines without one need no time column.
      const wanted: readonly LineTime['source'][] = parsed.fields.some((f) => f.def?.aws === 'start')
        ? ['cwl-event']
        : ['cwl-event', 'firehose'];
      const { bytes, times } = batchBytes(
        group.map((w) => w.batch),
        wanted,
      );
      // The identity covers the keys too: two batches with equal lines are still two batches.
      const hash = createHash('sha256').update(bytes);
      for (const w of group) hash.update(`\u0000${w.batch.source}\u0000${w.batch.key}`);
      const first = group[0]!.batch;
      const label = group.length === 1 ? first.origin : `${first.origin} (+${group.length - 1} batches)`;
      // The batch's time, stored with its keys inside the transaction and shown as the source's lastBatchAt:
      // the same value before and after a restart (sourceTotals reads it back).
      let storedAt = 0;
      slot.extras = (fileId) => {
        storedAt = Date.now();
        return [...this.keysSql(group, fileId, storedAt), ...group.flatMap((w) => w.batch.also ?? [])];
      };
      slot.source = first.source;
      const r = await loadBytes(
        slot.loader,
        label,
        bytes,
        hash.digest('hex'),
        parsed,
        this.scratch(slot),
        times,
        group.every((w) => w.batch.fresh === true),
      );
      this.count(
        group[0]!.batch.source,
        group.length,
        r.result.records,
        r.result.rejected,
        t0,
        r.result.timeSources,
        storedAt,
      );
      this.done(group, undefined);
    } catch (err) {
      this.failed(group[0]!.batch.source, err);
      this.done(group, err);
    } finally {
      slot.extras = () => [];
    }
  }

  private counters(source: string): SourceCounters {
    let c = this.bySource.get(source);
    if (c === undefined) {
      c = { batches: 0, records: 0, rejected: 0 };
      this.bySource.set(source, c);
    }
    return c;
  }

  private failed(source: string, err: unknown): void {
    this.stats.commitErrors++;
    const c = this.counters(source);
    c.lastError = `commit failed: ${(err as Error)?.message ?? String(err)}`;
    c.lastErrorAt = Date.now();
  }

  private count(
    source: string,
    batches: number,
    records: number,
    rejected: number,
    t0: number,
    sources: Partial<Record<TimeSource, number>>,
    storedAt: number,
  ): void {
    this.stats.recordsIngestTimed += sources.ingest ?? 0;
    const c = this.counters(source);
    c.batches += batches;
    c.records += records;
    c.rejected += rejected;
    c.lastBatchAt = storedAt > 0 ? storedAt : Date.now();
    this.stats.commits++;
    if (this.slots[0]?.loader.deferRollups === true) {
      this.rollupRecords += records;
      this.rollupDue = true;
    }
    this.stats.batchesStored += batches;
    this.stats.recordsStored += records;
    this.stats.recordsRejected += rejected;
    this.opts.onCommit?.({
      batches,
      records,
      rejected,
      seconds: (performance.now() - t0) / 1000,
      ingestTimed: sources.ingest ?? 0,
    });
  }

  private async commitFile(slot: Slot, w: Waiting<FileBatch>): Promise<void> {
    const t0 = performance.now();
    const b = w.batch;
    try {
      const kind = await fileKind(b.path);
      if (kind === 'binary') {
        throw new UserError(
          'BINARY',
          `${b.origin ?? b.path}: is neither a flow log text file, gzip nor Parquet`,
        );
      }
      const sha = await sha256File(b.path);
      const twin = await slot.loader.storedTwin(sha);
      if (twin !== undefined) {
        // Already stored (by `flowwatch ingest`, or under another name): credited to this source, whose
        // file it is, without storing it twice.
        const at = Date.now();
        await this.store.recordSourceKey(b.source, b.key, b.checkpoint, twin.id, at);
        const c = this.counters(b.source);
        c.batches++;
        c.records += twin.records;
        c.rejected += twin.rejected;
        c.lastBatchAt = at;
        this.stats.batchesDuplicate++;
        w.resolve('duplicate');
        return;
      }
      let storedAt = 0;
      slot.extras = (fileId) => {
        storedAt = Date.now();
        return this.keysSql([w], fileId, storedAt);
      };
      slot.source = b.source;
      const r = await loadFile(
        slot.loader,
        { label: b.origin ?? b.path, path: b.path, kind, sha256: sha },
        (await stat(b.path)).size,
        b.format === undefined ? undefined : parseFormat(b.format),
        this.scratch(slot),
      );
      this.count(b.source, 1, r.result.records, r.result.rejected, t0, r.result.timeSources, storedAt);
      this.done([w], undefined);
    } catch (err) {
      this.failed(b.source, err);
      this.done([w], err);
    } finally {
      slot.extras = () => [];
    }
  }
}

/** Latest time a line may carry (9999-12-31T23:59:59Z, in ms); beyond it, or at or before 0, it is ignored. */
const MAX_MS = 253_402_300_799_999;

/**
 * The bytes of a group of line batches as the loader reads them (each batch's lines joined by LF, batches joined
 * by LF, a final LF; a batch with no text adds nothing) and, when some line carries one of the `wanted` times,
 * the time of each line by its byte offset: `<unix seconds> <source>` of the event it came from. A line holding
 * line breaks is several lines to the loader, all with that event's time.
 */
export function batchBytes(
  batches: readonly LinesBatch[],
  wanted: readonly LineTime['source'][],
): { bytes: Buffer; times: LineTimesAt | undefined } {
  const kept = batches.filter((b) => b.lines.length > 1 || (b.lines.length === 1 && b.lines[0] !== ''));
  const text = `${kept.map((b) => b.lines.join('\n')).join('\n')}\n`;
  const bytes = Buffer.from(text);
  const timed = kept.some((b) =>
    b.times?.some((t) => t !== undefined && wanted.includes(t.source) && validMs(t.ms)),
  );
  if (!timed) return { bytes, times: undefined };
  // Per event: the offset just past its LF, and its time (one string per distinct second and source).
  const ascii = bytes.length === text.length;
  const ends: number[] = [];
  const stamps: (string | undefined)[] = [];
  let at = 0;
  let lastKey = -1;
  let lastSrc = '';
  let last = '';
  for (const b of kept) {
    const ts = b.times;
    for (let i = 0; i < b.lines.length; i++) {
      const line = b.lines[i]!;
      at += (ascii ? line.length : Buffer.byteLength(line)) + 1;
      ends.push(at);
      const t = ts?.[i];
      if (t === undefined || !wanted.includes(t.source) || !validMs(t.ms)) {
        stamps.push(undefined);
        continue;
      }
      const sec = Math.floor(t.ms / 1000);
      if (sec !== lastKey || t.source !== lastSrc) {
        lastKey = sec;
        lastSrc = t.source;
        last = `${sec} ${t.source}`;
      }
      stamps.push(last);
    }
  }
  let k = 0;
  return {
    bytes,
    times: {
      at(offset: number): string | undefined {
        while (k < ends.length - 1 && ends[k]! <= offset) k++;
        return stamps[k];
      },
    },
  };
}

function validMs(ms: number): boolean {
  return Number.isFinite(ms) && ms > 0 && ms <= MAX_MS;
}

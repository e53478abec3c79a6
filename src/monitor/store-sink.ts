// The monitor's Sink: batches from every source are committed to the store in groups (one transaction per
// group and format), each with its metric datapoints, idempotency keys and source checkpoints, so that a
// batch is acknowledged only once it is durable and a restart neither loses nor repeats one.

import { createHash } from 'node:crypto';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { fileKind, sha256File } from '../ingest/file-probe.js';
import { loadFile } from '../ingest/ingest.js';
import type { Batch, Sink } from '../ingest/sources/source.js';
import { DEFAULT, parseFormat } from '../records/format.js';
import { sourceCheckpointSql, sourceKeySql } from '../storage/schema.js';
import type { DeriveSql, Loader, Store } from '../storage/store.js';

type LinesBatch = Extract<Batch, { kind: 'lines' }>;
type FileBatch = Extract<Batch, { kind: 'file' }>;

interface Waiting<B> {
  readonly batch: B;
  resolve(v: 'stored' | 'duplicate'): void;
  reject(e: unknown): void;
}

export interface SinkOptions {
  /** Metric-filter datapoints, computed in each load transaction. */
  readonly derive?: DeriveSql | undefined;
  /** Scratch folder (owned by the caller). */
  readonly scratch: string;
  /** Commit waiting line batches at least this often. */
  readonly flushMillis: number;
  /** ... or as soon as this many records wait. */
  readonly flushRecords: number;
  /** Called after each commit with the number of records stored and the newest record start seen. */
  readonly onCommit?: ((info: CommitInfo) => void) | undefined;
}

export interface CommitInfo {
  readonly batches: number;
  readonly records: number;
  readonly rejected: number;
  readonly seconds: number;
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
}

/**
 * A Sink over a writable store. One writer: every commit goes through one queue and one loader.
 *
 * @example const sink = await StoreSink.open(store, { scratch, flushMillis: 500, flushRecords: 200_000 });
 */
export class StoreSink implements Sink {
  readonly stats: SinkStats = {
    batchesStored: 0,
    batchesDuplicate: 0,
    recordsStored: 0,
    recordsRejected: 0,
    commits: 0,
    commitErrors: 0,
    pendingRecords: 0,
  };
  private pending: Waiting<LinesBatch>[] = [];
  private pendingKeys = new Set<string>();
  private files: Waiting<FileBatch>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<void> = Promise.resolve();
  private extras: string[] = [];
  private closed = false;
  private seq = 0;

  private constructor(
    private readonly store: Store,
    private readonly loader: Loader,
    private readonly opts: SinkOptions,
  ) {}

  static async open(store: Store, opts: SinkOptions): Promise<StoreSink> {
    await mkdir(opts.scratch, { recursive: true });
    let sink: StoreSink | undefined;
    // The derive hook adds this commit's keys and checkpoints to the metric datapoint statements.
    const derive: DeriveSql = (format, rows) => [
      ...(opts.derive?.(format, rows) ?? []),
      ...(sink?.extras ?? []),
    ];
    const loader = await store.loader(derive);
    sink = new StoreSink(store, loader, opts);
    return sink;
  }

  async checkpoint(source: string): Promise<string | undefined> {
    return this.store.sourceCheckpoint(source);
  }

  write(batch: Batch): Promise<'stored' | 'duplicate'> {
    if (this.closed) return Promise.reject(new UserError('SINK_CLOSED', 'the monitor is shutting down'));
    const id = `${batch.source}\u0000${batch.key}`;
    return (async () => {
      if (this.pendingKeys.has(id) || (await this.store.hasSourceKey(batch.source, batch.key))) {
        this.stats.batchesDuplicate++;
        // The source may have moved on: keep its checkpoint.
        if (batch.checkpoint !== undefined && !this.pendingKeys.has(id)) {
          await this.enqueue(() => this.store.recordSourceKey(batch.source, batch.key, batch.checkpoint));
        }
        return 'duplicate';
      }
      return new Promise<'stored' | 'duplicate'>((resolve, reject) => {
        this.pendingKeys.add(id);
        if (batch.kind === 'file') {
          this.files.push({ batch, resolve, reject });
          this.schedule(0);
        } else {
          this.pending.push({ batch, resolve, reject });
          this.stats.pendingRecords += batch.lines.length;
          this.schedule(this.stats.pendingRecords >= this.opts.flushRecords ? 0 : this.opts.flushMillis);
        }
      });
    })();
  }

  /** Commits everything waiting now; resolves when it is durable. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.enqueue(() => this.commit());
  }

  /** Commits what waits, then refuses new batches. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    this.loader.close();
  }

  private schedule(ms: number): void {
    if (this.timer && ms > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.enqueue(() => this.commit());
    }, ms);
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    const run = this.queue.then(job);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async commit(): Promise<void> {
    const files = this.files;
    this.files = [];
    for (const w of files) await this.commitFile(w);
    const lines = this.pending;
    this.pending = [];
    this.stats.pendingRecords = 0;
    const byFormat = new Map<string, Waiting<LinesBatch>[]>();
    for (const w of lines) {
      const f = w.batch.format ?? DEFAULT.text;
      byFormat.set(f, [...(byFormat.get(f) ?? []), w]);
    }
    for (const [format, group] of byFormat) await this.commitLines(format, group);
  }

  private done(ws: readonly Waiting<Batch>[], err: unknown): void {
    for (const w of ws) {
      this.pendingKeys.delete(`${w.batch.source}\u0000${w.batch.key}`);
      if (err === undefined) w.resolve('stored');
      else w.reject(err);
    }
  }

  private keysSql(ws: readonly Waiting<Batch>[]): string[] {
    const out: string[] = [];
    const checkpoints = new Map<string, string>();
    for (const w of ws) {
      out.push(sourceKeySql(w.batch.source, w.batch.key));
      if (w.batch.checkpoint !== undefined) checkpoints.set(w.batch.source, w.batch.checkpoint);
    }
    for (const [source, value] of checkpoints) out.push(sourceCheckpointSql(source, value));
    return out;
  }

  private async commitLines(format: string, group: Waiting<LinesBatch>[]): Promise<void> {
    const t0 = performance.now();
    const path = join(this.opts.scratch, `batch-${this.seq++}.log`);
    const records = group.reduce((n, w) => n + w.batch.lines.length, 0);
    try {
      const text = `${group
        .map((w) => w.batch.lines.join('\n'))
        .filter((t) => t !== '')
        .join('\n')}\n`;
      await writeFile(path, text);
      // The identity covers the keys too: two batches with equal lines are still two batches.
      const hash = createHash('sha256').update(text);
      for (const w of group) hash.update(`\u0000${w.batch.source}\u0000${w.batch.key}`);
      const first = group[0]!.batch;
      const label = group.length === 1 ? first.origin : `${first.origin} (+${group.length - 1} batches)`;
      this.extras = this.keysSql(group);
      const r = await loadFile(
        this.loader,
        { label, path, kind: 'text', sha256: hash.digest('hex') },
        Buffer.byteLength(text),
        parseFormat(format),
        { normal: join(this.opts.scratch, 'normal.txt'), odd: join(this.opts.scratch, 'odd.txt') },
      );
      this.stats.commits++;
      this.stats.batchesStored += group.length;
      this.stats.recordsStored += r.result.records;
      this.stats.recordsRejected += r.result.rejected;
      this.opts.onCommit?.({
        batches: group.length,
        records: r.result.records,
        rejected: r.result.rejected,
        seconds: (performance.now() - t0) / 1000,
      });
      this.done(group, undefined);
    } catch (err) {
      this.stats.commitErrors++;
      this.done(group, err);
    } finally {
      this.extras = [];
      await rm(path, { force: true });
    }
    void records;
  }

  private async commitFile(w: Waiting<FileBatch>): Promise<void> {
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
      const twin = await this.loader.ingestedAs(sha);
      if (twin !== undefined) {
        await this.store.recordSourceKey(b.source, b.key, b.checkpoint);
        this.stats.batchesDuplicate++;
        this.pendingKeys.delete(`${b.source}\u0000${b.key}`);
        w.resolve('duplicate');
        return;
      }
      this.extras = this.keysSql([w]);
      const r = await loadFile(
        this.loader,
        { label: b.origin ?? b.path, path: b.path, kind, sha256: sha },
        (await stat(b.path)).size,
        b.format === undefined ? undefined : parseFormat(b.format),
        { normal: join(this.opts.scratch, 'normal.txt'), odd: join(this.opts.scratch, 'odd.txt') },
      );
      this.stats.commits++;
      this.stats.batchesStored++;
      this.stats.recordsStored += r.result.records;
      this.stats.recordsRejected += r.result.rejected;
      this.opts.onCommit?.({
        batches: 1,
        records: r.result.records,
        rejected: r.result.rejected,
        seconds: (performance.now() - t0) / 1000,
      });
      this.done([w], undefined);
    } catch (err) {
      this.stats.commitErrors++;
      this.done([w], err);
    } finally {
      this.extras = [];
    }
  }
}

// A Sink for source tests: keeps batches, keys and checkpoints in memory, copies file batches before the
// source deletes them, answers 'duplicate' for a key seen before, and fails on demand.

import { readFile } from 'node:fs/promises';
import type { Batch, Sink } from '../../src/ingest/sources/source.js';

/** A batch the sink stored, with a copy of the file's bytes for `file` batches. */
export interface StoredBatch {
  readonly batch: Batch;
  readonly content?: Buffer | undefined;
}

/**
 * An in-memory sink: a key is stored once, and a batch's checkpoint is committed with it (not for duplicates).
 *
 * @example const sink = new MemorySink(); sink.failNext(1); // the next write rejects
 */
export class MemorySink implements Sink {
  /** Batches stored, in order. */
  readonly stored: StoredBatch[] = [];
  /** Every write call, stored, duplicate or failed. */
  readonly writes: Batch[] = [];
  readonly checkpoints = new Map<string, string>();
  /** Called at the start of every write (e.g. to change the bucket while the source works). */
  onWrite: ((batch: Batch) => Promise<void> | void) | undefined;
  private readonly keys = new Set<string>();
  private failures = 0;
  private failWhen: ((batch: Batch) => boolean) | undefined;

  /** The next `n` writes reject. */
  failNext(n: number): void {
    this.failures = n;
  }

  /** Writes of batches that `predicate` picks reject (until cleared with undefined). */
  failOn(predicate: ((batch: Batch) => boolean) | undefined): void {
    this.failWhen = predicate;
  }

  async write(batch: Batch): Promise<'stored' | 'duplicate'> {
    this.writes.push(batch);
    await this.onWrite?.(batch);
    if (this.failures > 0 || this.failWhen?.(batch)) {
      if (this.failures > 0) this.failures--;
      throw new Error('the store is unavailable');
    }
    if (this.keys.has(batch.key)) return 'duplicate';
    const content = batch.kind === 'file' ? await readFile(batch.path) : undefined;
    this.keys.add(batch.key);
    this.stored.push({ batch, content });
    if (batch.checkpoint !== undefined) this.checkpoints.set(batch.source, batch.checkpoint);
    return 'stored';
  }

  async checkpoint(source: string): Promise<string | undefined> {
    return this.checkpoints.get(source);
  }

  /** The keys stored, in order. */
  storedKeys(): string[] {
    return this.stored.map((s) => s.batch.key);
  }

  /** Every line of the `lines` batches stored, in order. */
  lines(): string[] {
    return this.stored.flatMap((s) => (s.batch.kind === 'lines' ? [...s.batch.lines] : []));
  }
}

// The line user queries wait in: at most `concurrency` run at once (each holds one of Node's libuv threads
// while DuckDB works, and ingestion needs the others), at most `queue` more wait, each only until its deadline.

import { BusyError, QueryTimeoutError } from '../core/errors.js';

/** Node's libuv thread pool size (UV_THREADPOOL_SIZE, read when the pool starts; default 4). */
export function threadPoolSize(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const n = Number(env['UV_THREADPOOL_SIZE']);
  return Number.isInteger(n) && n > 0 ? Math.min(n, 1024) : 4;
}

/**
 * The default number of user queries running at once: half the thread pool, so that however many queries run,
 * ingestion (store writes, file reads, gzip) keeps the other half. With `flowwatch`'s pool of 16: 8.
 */
export function defaultQueryConcurrency(): number {
  return Math.max(1, Math.floor(threadPoolSize() / 2));
}

/** The default number of user queries waiting for a slot before new ones are refused (503). */
export const DEFAULT_QUERY_QUEUE = 64;

interface Waiter {
  readonly admit: () => void;
  readonly timer: NodeJS.Timeout | undefined;
}

/**
 * Admits user queries: `enter` resolves with the function that leaves (call it exactly once) when a slot is
 * free, rejects with BusyError when `queue` queries already wait, and with QueryTimeoutError when the deadline
 * passes while waiting (the wait counts toward the query's time limit).
 *
 * @example const leave = await gate.enter(Date.now() + 30_000, 30_000); try { ... } finally { leave(); }
 */
export class QueryGate {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    readonly concurrency: number = defaultQueryConcurrency(),
    readonly queue: number = DEFAULT_QUERY_QUEUE,
  ) {}

  /** Queries running and waiting now. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  enter(deadlineAt: number, timeoutMs: number): Promise<() => void> {
    if (this.running < this.concurrency) {
      this.running++;
      return Promise.resolve(this.leaver());
    }
    if (this.waiting.length >= this.queue) {
      return Promise.reject(
        new BusyError(
          `the server is busy: ${this.running} queries run and ${this.waiting.length} wait`,
          Math.max(1, Math.min(30, Math.ceil(timeoutMs / 1000 / 4))),
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        admit: () => {
          if (w.timer) clearTimeout(w.timer);
          resolve(this.leaver());
        },
        // No deadline (Infinity): wait for a slot however long it takes.
        timer: Number.isFinite(deadlineAt)
          ? setTimeout(
              () => {
                const i = this.waiting.indexOf(w);
                if (i >= 0) this.waiting.splice(i, 1);
                reject(new QueryTimeoutError(timeoutMs));
              },
              Math.max(0, deadlineAt - Date.now()),
            )
          : undefined,
      };
      this.waiting.push(w);
    });
  }

  private leaver(): () => void {
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const next = this.waiting.shift();
      if (next)
        next.admit(); // the slot passes on: `running` stays
      else this.running--;
    };
  }
}

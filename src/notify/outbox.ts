// The durable outbox: one JSON file per (notification × subscription) delivery, moved between pending/, dead/ and delivered/.

import { mkdir, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { DirLockBusy, lockDirectory } from './dir-lock.js';
import { removeDurable, syncDir, TEMP_SUFFIX, writeFileDurable } from './durable-file.js';
import type { Notification } from './message.js';
import type { SubscriptionType } from './topic.js';

/** Version of the record files; a newer flowwatch reads older versions. */
export const OUTBOX_VERSION = 1;

/** Where a delivery stands. */
export type DeliveryState = 'pending' | 'dead' | 'delivered';

/**
 * One delivery of one notification to one subscription, as stored in `{state}/{id}.json`. Everything an
 * attempt needs is here except the subscription's settings, which are looked up by `subscriptionId` in the
 * current configuration (so a fixed URL or a rotated secret applies to pending deliveries).
 */
export interface DeliveryRecord {
  readonly version: number;
  /** 32 hex digits: SHA-256 of the message id and the subscription id (see `deliveryId`). */
  readonly id: string;
  readonly state: DeliveryState;
  readonly topic: string;
  readonly topicArn: string;
  readonly subscriptionId: string;
  readonly subscriptionType: SubscriptionType;
  /** Where it goes, without secrets (for listings). */
  readonly endpoint: string;
  /** The SNS MessageId: the same for every subscription and every attempt. */
  readonly messageId: string;
  /** The SNS Timestamp, fixed at publish (ISO 8601 UTC). */
  readonly timestamp: string;
  readonly notification: Notification;
  /** Milliseconds since the epoch, all of them. */
  readonly createdAt: number;
  /** Attempts started so far (an attempt cut short by a crash counts). */
  readonly attempts: number;
  /** When the next attempt is due. */
  readonly nextAttemptAt: number;
  readonly lastAttemptAt: number | null;
  readonly lastError: string | null;
  /** When it was delivered or dead-lettered. */
  readonly finishedAt: number | null;
  /** Incremented by every write; settles a record found in two states after a crash (the higher one wins). */
  readonly revision: number;
}

/** A delivery id or prefix that matches nothing, or more than one delivery; or an outbox in use. */
export class OutboxError extends UserError {}

const STATES: readonly DeliveryState[] = ['pending', 'dead', 'delivered'];
const ID = /^[0-9a-f]{32}$/;

/** Options of {@link Outbox.open}. */
export interface OutboxOptions {
  /** Delivered records older than this are removed at open (default 14 days, as CloudWatch keeps history). */
  readonly retentionMs?: number | undefined;
  /** Now, in milliseconds (default `Date.now()`). */
  readonly now?: number | undefined;
  /** Told about a record file that cannot be read; the file is moved to `corrupt/`. */
  readonly onCorrupt?: ((file: string, error: Error) => void) | undefined;
  /** Take the dispatcher lock and repair after a crash (see {@link Outbox.open}). */
  readonly exclusive?: boolean | undefined;
}

/**
 * The state directory of the notification dispatcher. Writes are durable before they return (temp file +
 * fsync + rename + directory fsync), so after a crash at any point each delivery is in exactly one state (a
 * record found in two states at open is settled in favour of the later one). Several readers (e.g. `flowwatch
 * notifications list`) may open it while a dispatcher runs; only one process may dispatch (`exclusive`).
 *
 * @example
 * const box = await Outbox.open('/var/lib/flowwatch/notify');
 * for (const d of await box.list('dead')) console.log(d.id, d.lastError);
 */
export class Outbox {
  private readonly onCorrupt: OutboxOptions['onCorrupt'];
  private readonly busy = new Map<string, Promise<unknown>>();
  private release: (() => Promise<void>) | undefined;

  private constructor(
    readonly dir: string,
    onCorrupt: OutboxOptions['onCorrupt'],
  ) {
    this.onCorrupt = onCorrupt;
  }

  /**
   * Opens (creating if needed) an outbox. With `exclusive` (the dispatcher) it takes the lock file, then clears
   * temp files a crash left, settles records found in two states and prunes old delivered records; without it
   * (listings, `retry` from the CLI) it only reads and makes atomic moves, which is safe beside a dispatcher.
   */
  static async open(dir: string, options: OutboxOptions = {}): Promise<Outbox> {
    const box = new Outbox(dir, options.onCorrupt);
    for (const s of [...STATES, 'corrupt']) await mkdir(join(dir, s), { recursive: true });
    if (options.exclusive) {
      box.release = await lock(dir);
      try {
        await box.repair(options.now ?? Date.now(), options.retentionMs ?? 14 * 86_400_000);
      } catch (err) {
        await box.close();
        throw err;
      }
    }
    return box;
  }

  /** Releases the lock of an exclusive outbox (a no-op otherwise). */
  async close(): Promise<void> {
    const release = this.release;
    this.release = undefined;
    await release?.();
  }

  private async repair(now: number, retention: number): Promise<void> {
    const ids: Record<DeliveryState, Set<string>> = {
      pending: new Set(),
      dead: new Set(),
      delivered: new Set(),
    };
    for (const s of STATES) {
      for (const name of await readdir(join(this.dir, s))) {
        if (name.endsWith(TEMP_SUFFIX)) await unlink(join(this.dir, s, name)).catch(() => undefined);
        else if (name.endsWith('.json')) ids[s].add(name.slice(0, -5));
      }
    }
    // A crash between writing a record's new state and removing its old file leaves it in two states.
    for (const id of ids.delivered) {
      if (ids.pending.has(id)) await removeDurable(this.file('pending', id));
      if (ids.dead.has(id)) await removeDurable(this.file('dead', id));
    }
    for (const id of ids.pending) {
      if (!ids.dead.has(id) || ids.delivered.has(id)) continue;
      const [p, d] = [await this.read('pending', id), await this.read('dead', id)];
      if (p && d) await removeDurable(this.file(p.revision > d.revision ? 'dead' : 'pending', id));
    }
    for (const id of ids.delivered) {
      const file = this.file('delivered', id);
      const st = await stat(file).catch(() => undefined);
      if (st && now - st.mtimeMs > retention) await unlink(file).catch(() => undefined);
    }
    await syncDir(join(this.dir, 'delivered'));
  }

  private file(state: DeliveryState, id: string): string {
    return join(this.dir, state, `${id}.json`);
  }

  /** Runs `fn` after any earlier operation on the same id has finished (one writer per record in this process). */
  private async serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const before = this.busy.get(id) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.busy.set(id, tail);
    try {
      return await run;
    } finally {
      if (this.busy.get(id) === tail) this.busy.delete(id);
    }
  }

  private async read(state: DeliveryState, id: string): Promise<DeliveryRecord | undefined> {
    const file = this.file(state, id);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      const r = JSON.parse(text) as DeliveryRecord;
      if (r.id !== id || typeof r.messageId !== 'string' || typeof r.attempts !== 'number') {
        throw new Error('not a delivery record');
      }
      return { ...r, state };
    } catch (err) {
      await rename(file, join(this.dir, 'corrupt', `${id}.${state}.json`)).catch(() => undefined);
      this.onCorrupt?.(file, err as Error);
      return undefined;
    }
  }

  /** The delivery with this id in any state. */
  async get(id: string): Promise<DeliveryRecord | undefined> {
    if (!ID.test(id)) return undefined;
    for (const s of STATES) {
      const r = await this.read(s, id);
      if (r) return r;
    }
    return undefined;
  }

  /**
   * Stores a new pending delivery durably. Returns false, storing nothing, when a delivery with its id exists
   * in any state (the same notification published again: deliveries are idempotent by id).
   */
  async add(record: DeliveryRecord): Promise<boolean> {
    return await this.serial(record.id, async () => {
      for (const s of STATES) {
        if (await stat(this.file(s, record.id)).catch(() => undefined)) return false;
      }
      await writeFileDurable(this.file('pending', record.id), json({ ...record, state: 'pending' }));
      return true;
    });
  }

  /** Rewrites a pending delivery (attempt counters, next attempt, last error); the caller bumps `revision`. */
  async savePending(record: DeliveryRecord): Promise<void> {
    await this.serial(record.id, () =>
      writeFileDurable(this.file('pending', record.id), json({ ...record, state: 'pending' })),
    );
  }

  /**
   * Moves a pending delivery to `delivered/` or `dead/` (the caller bumps `revision`): the new file is durable
   * before the pending one goes.
   */
  async finish(record: DeliveryRecord & { readonly state: 'delivered' | 'dead' }): Promise<void> {
    await this.serial(record.id, async () => {
      await writeFileDurable(this.file(record.state, record.id), json(record));
      await removeDurable(this.file('pending', record.id));
    });
  }

  /** The ids stored in a state, sorted. */
  async ids(state: DeliveryState): Promise<string[]> {
    const names = await readdir(join(this.dir, state)).catch(() => [] as string[]);
    return names
      .filter((n) => n.endsWith('.json') && ID.test(n.slice(0, -5)))
      .map((n) => n.slice(0, -5))
      .sort();
  }

  /**
   * The deliveries in a state, oldest first (by creation, then id).
   *
   * @example (await box.list('pending')).map((d) => [d.id, d.attempts, new Date(d.nextAttemptAt)])
   */
  async list(state: DeliveryState): Promise<DeliveryRecord[]> {
    const out: DeliveryRecord[] = [];
    for (const id of await this.ids(state)) {
      const r = await this.read(state, id);
      if (r) out.push(r);
    }
    return out.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /**
   * The id of the delivery in `state` named by a full id or a unique prefix of at least 6 hex digits (as the
   * CLI accepts). Throws OutboxError `OUTBOX_NOT_FOUND` or `OUTBOX_AMBIGUOUS`.
   */
  async resolve(idOrPrefix: string, state: DeliveryState): Promise<string> {
    const p = idOrPrefix.trim().toLowerCase();
    const matches = /^[0-9a-f]{6,32}$/.test(p)
      ? (await this.ids(state)).filter((id) => id.startsWith(p))
      : [];
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) {
      throw new OutboxError(
        'OUTBOX_AMBIGUOUS',
        `"${idOrPrefix}" matches ${matches.length} ${state} deliveries`,
        'give more digits of the id',
      );
    }
    throw new OutboxError(
      'OUTBOX_NOT_FOUND',
      `no ${state} delivery has the id "${idOrPrefix}"`,
      `list them with flowwatch notifications list`,
    );
  }

  /**
   * Moves a dead-lettered delivery back to pending with its attempt count reset, due at `now`; the
   * MessageId is kept, so a receiver that got it before recognises it. Returns the pending record.
   *
   * @example await box.requeue('3f2a9c', Date.now());
   */
  async requeue(idOrPrefix: string, now: number): Promise<DeliveryRecord> {
    const id = await this.resolve(idOrPrefix, 'dead');
    return await this.serial(id, async () => {
      const dead = await this.read('dead', id);
      if (!dead) throw new OutboxError('OUTBOX_NOT_FOUND', `no dead delivery has the id "${idOrPrefix}"`);
      const pending: DeliveryRecord = {
        ...dead,
        state: 'pending',
        attempts: 0,
        nextAttemptAt: now,
        finishedAt: null,
        revision: dead.revision + 1,
      };
      await writeFileDurable(this.file('pending', id), json(pending));
      await removeDurable(this.file('dead', id));
      return pending;
    });
  }
}

function json(r: DeliveryRecord): string {
  return `${JSON.stringify({ ...r, version: OUTBOX_VERSION })}\n`;
}

/**
 * Takes the dispatcher lock of a state directory (see dir-lock.ts: released by the kernel when the holder dies,
 * so a restart right after kill -9 always gets it). Returns the function that releases it.
 */
async function lock(dir: string): Promise<() => Promise<void>> {
  try {
    return await lockDirectory(dir, 'outbox');
  } catch (err) {
    if (!(err instanceof DirLockBusy)) throw err;
    throw new OutboxError(
      'OUTBOX_LOCKED',
      `${dir} is in use by another notification dispatcher${err.holder === undefined ? '' : ` (process ${err.holder})`}`,
      'stop that flowwatch first (one monitor per state folder), or give this one its own --state-dir',
    );
  }
}

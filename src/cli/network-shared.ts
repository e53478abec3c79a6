// Shared by the network commands (explain, what-if, least-privilege): the store's snapshots with their models,
// a stored row as a flow record, the period options and time formatting.

import { UsageError } from '../core/errors.js';
import { isoUtc, parseTime } from '../core/time.js';
import type { NetworkModel } from '../network/model.js';
import { modelOfBody } from '../network/snapshot.js';
import { listSnapshots, type SnapshotInfo, snapshotBody } from '../storage/network-snapshots.js';
import type { Store } from '../storage/store.js';

/** Unix seconds as ISO 8601 without milliseconds. */
export const iso = isoUtc;

/** --last / --since / --until as a half-open period (undefined ends are open). */
export function periodOf(flags: {
  last?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
}): {
  since: number | undefined;
  until: number | undefined;
} {
  if (flags.last !== undefined && flags.since !== undefined)
    throw new UsageError('BAD_RANGE', 'give --last or --since, not both');
  const now = Date.now() / 1000;
  const since = flags.last
    ? parseTime(flags.last, '--last', now)
    : flags.since
      ? parseTime(flags.since, '--since', now)
      : undefined;
  const until = flags.until ? parseTime(flags.until, '--until', now) : undefined;
  return { since, until };
}

/** The snapshots of a store with their models, built on first use. */
export class Snapshots {
  private readonly models = new Map<number, NetworkModel>();
  private constructor(
    private readonly store: Store,
    readonly list: readonly SnapshotInfo[],
  ) {}
  static async of(store: Store): Promise<Snapshots> {
    const list = await listSnapshots(store);
    if (list.length === 0)
      throw new UsageError(
        'NETWORK_NO_SNAPSHOT',
        'the store has no network snapshot to judge flows against',
        'load one: flowwatch network load <describe-*.json files or folder> (see README "Explaining rejects")',
      );
    return new Snapshots(store, list);
  }
  async model(id: number): Promise<NetworkModel> {
    let m = this.models.get(id);
    if (!m) {
      m = modelOfBody(await snapshotBody(this.store, id));
      this.models.set(id, m);
    }
    return m;
  }

  /** The snapshot of --snapshot ID, or the newest. */
  pick(id: string | undefined): SnapshotInfo {
    if (id === undefined) return this.list[this.list.length - 1]!;
    const s = this.list.find((x) => String(x.id) === id);
    if (s === undefined)
      throw new UsageError(
        'NETWORK_NO_SUCH_SNAPSHOT',
        `no snapshot ${id} in the store (it has ${this.list.map((x) => x.id).join(', ')})`,
        'see them: flowwatch network list',
      );
    return s;
  }
}

export { recordOf } from '../network/explanation-json.js';

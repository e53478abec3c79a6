// Network configuration snapshots (describe-* JSON with the time it was in force) and the stored flow records
// `flowwatch explain` judges against them: one record, or every REJECT of a period grouped with its snapshot.

import type { QueryResult, Store } from './store.js';

/** A stored snapshot without its body. */
export interface SnapshotInfo {
  readonly id: number;
  /** Unix seconds from which the configuration was in force. */
  readonly takenAt: number;
  readonly loadedAt: string;
  readonly sources: readonly string[];
}

/** Stores a snapshot (body: the describe-* documents as JSON); returns its id. */
export async function saveSnapshot(
  store: Store,
  takenAt: number,
  sources: readonly string[],
  body: string,
): Promise<number> {
  const r = await store.query(
    `INSERT INTO network_snapshots
     SELECT coalesce(max(id), 0) + 1, $1, now(), $2, $3 FROM network_snapshots RETURNING id`,
    [takenAt, JSON.stringify(sources), body],
  );
  return Number(r.rows[0]!['id']);
}

function info(row: Record<string, unknown>): SnapshotInfo {
  return {
    id: Number(row['id']),
    takenAt: Number(row['taken_at']),
    loadedAt: String(row['loaded_at']),
    sources: JSON.parse(String(row['sources'])) as string[],
  };
}

/** Every snapshot, oldest first. */
export async function listSnapshots(store: Store): Promise<SnapshotInfo[]> {
  const r = await store.query(
    `SELECT id, taken_at, CAST(loaded_at AS VARCHAR) AS loaded_at, sources FROM network_snapshots ORDER BY taken_at, id`,
  );
  return r.rows.map(info);
}

/** One snapshot's body. */
export async function snapshotBody(store: Store, id: number): Promise<string> {
  const r = await store.query('SELECT body FROM network_snapshots WHERE id = $1', [id]);
  return String(r.rows[0]?.['body'] ?? '');
}

/** The flow-log columns explain reads. */
const RECORD_COLUMNS = `f.interface_id, f.srcaddr, f.dstaddr, f.pkt_srcaddr, f.pkt_dstaddr, f.srcport, f.dstport,
  f.protocol, f.action, f.flow_direction, f.tcp_flags, f.reject_reason`;

/**
 * The stored records of a file (its full path, a path suffix, or its file id) at a line; several when the
 * suffix names more than one file.
 */
export async function recordAt(store: Store, file: string, line: number): Promise<QueryResult> {
  return store.query(
    `SELECT p.path AS file, f.line, f.event_time, ${RECORD_COLUMNS}
     FROM flows f JOIN files p ON p.id = f.file_id
     WHERE f.line = $2 AND (p.path = $1 OR p.path LIKE '%/' || $1 OR CAST(p.id AS VARCHAR) = $1)
     ORDER BY p.id`,
    [file, line],
  );
}

/**
 * The REJECT records of [since, until) grouped by everything a verdict depends on, each with the snapshot in
 * force at the record's event time (the latest taken at or before it; NULL when the record predates all).
 */
export async function* rejectGroups(
  store: Store,
  since: number | undefined,
  until: number | undefined,
): AsyncGenerator<Record<string, unknown>[]> {
  yield* store.streamRows(
    `SELECT s.id AS snapshot, ${RECORD_COLUMNS}, count(*) AS records,
       min(f.event_time) AS first_seen, max(f.event_time) AS last_seen
     FROM flows f ASOF LEFT JOIN network_snapshots s ON f.event_time >= s.taken_at
     WHERE f.action = 'REJECT' AND (f.event_time >= $1 OR $1 IS NULL) AND (f.event_time < $2 OR $2 IS NULL)
     GROUP BY ALL`,
    [since ?? null, until ?? null],
  );
}

/**
 * The ACCEPT and REJECT records of [since, until) grouped by everything a verdict depends on (with their count and
 * first/last event time), for what-if and least privilege. `action` limits them to one action.
 */
export async function* flowGroups(
  store: Store,
  since: number | undefined,
  until: number | undefined,
  action?: 'ACCEPT' | 'REJECT',
): AsyncGenerator<Record<string, unknown>[]> {
  yield* store.streamRows(
    `SELECT ${RECORD_COLUMNS}, count(*) AS records, min(f.event_time) AS first_seen, max(f.event_time) AS last_seen
     FROM flows f
     WHERE f.action IN ('ACCEPT', 'REJECT') AND (f.action = $3 OR $3 IS NULL)
       AND (f.event_time >= $1 OR $1 IS NULL) AND (f.event_time < $2 OR $2 IS NULL)
     GROUP BY ALL`,
    [since ?? null, until ?? null, action ?? null],
  );
}

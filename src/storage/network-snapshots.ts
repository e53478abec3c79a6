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
 * The `limit` largest groups of rejectGroups (most records first, then the earliest), as one query: the
 * dashboard's list of top rejected flows, without streaming every distinct flow.
 */
export async function topRejectGroups(
  store: Store,
  since: number | undefined,
  until: number | undefined,
  limit: number,
): Promise<QueryResult> {
  return store.query(
    `SELECT s.id AS snapshot, ${RECORD_COLUMNS}, count(*) AS records,
       min(f.event_time) AS first_seen, max(f.event_time) AS last_seen
     FROM flows f ASOF LEFT JOIN network_snapshots s ON f.event_time >= s.taken_at
     WHERE f.action = 'REJECT' AND (f.event_time >= $1 OR $1 IS NULL) AND (f.event_time < $2 OR $2 IS NULL)
     GROUP BY ALL
     ORDER BY records DESC, first_seen, f.interface_id, f.srcaddr, f.dstaddr, f.srcport, f.dstport
     LIMIT $3`,
    [since ?? null, until ?? null, Math.trunc(limit)],
  );
}

/** The number of REJECT records of [since, until). */
export async function countRejects(
  store: Store,
  since: number | undefined,
  until: number | undefined,
): Promise<number> {
  const r = await store.query(
    `SELECT count(*) AS n FROM flows f
     WHERE f.action = 'REJECT' AND (f.event_time >= $1 OR $1 IS NULL) AND (f.event_time < $2 OR $2 IS NULL)`,
    [since ?? null, until ?? null],
  );
  return Number(r.rows[0]?.['n'] ?? 0);
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

/** The effective address of a side (pkt-srcaddr/pkt-dstaddr when present, as explain reads it). */
const effective = (pkt: string, plain: string) =>
  `CASE WHEN ${pkt} IS NOT NULL AND ${pkt} NOT IN ('-', '') THEN ${pkt} ELSE coalesce(${plain}, '-') END`;

/** The record's role as explain's roleOf decides it (tcp-flags first, then the ports). */
const ROLE_SQL = `CASE
  WHEN protocol = 6 AND tcp_flags IS NOT NULL AND (tcp_flags & 18) = 18 THEN 'reply'
  WHEN protocol = 6 AND tcp_flags IS NOT NULL AND (tcp_flags & 2) = 2 THEN 'request'
  WHEN protocol IN (6, 17, 132) THEN CASE
    WHEN sp < 1024 AND dp >= 1024 THEN 'reply'
    WHEN dp < 1024 OR dp <= sp THEN 'request'
    ELSE 'reply' END
  ELSE 'request' END`;

/** A record's place in the store as one number (file id and line), to fetch it back. */
const ROW_ID = '((f.file_id::BIGINT << 32) + f.line)';

const REJECTS_OF = `FROM flows f
  WHERE f.action = 'REJECT' AND (f.event_time >= $1 OR $1 IS NULL) AND (f.event_time < $2 OR $2 IS NULL)`;

/** The distinct source and destination addresses (pkt-srcaddr/pkt-dstaddr when present) of the REJECTs of a period. */
export async function rejectAddresses(
  store: Store,
  since: number | undefined,
  until: number | undefined,
): Promise<string[]> {
  const r = await store.query(
    `SELECT DISTINCT ${effective('f.pkt_srcaddr', 'f.srcaddr')} AS a ${REJECTS_OF}
     UNION SELECT DISTINCT ${effective('f.pkt_dstaddr', 'f.dstaddr')} ${REJECTS_OF}`,
    [since ?? null, until ?? null],
  );
  return r.rows.map((x) => String(x['a']));
}

/**
 * The REJECT records of [since, until) grouped by verdict cell: snapshot in force, interface, protocol, action,
 * direction, reject-reason, role, tcp-flags class (18 SYN-ACK, 2 SYN, else 0), the server's port exactly, the
 * client's port cell and both addresses' cells (`addressCells`: every address rejectAddresses gave, with its cell).
 * Each row has its count, first/last event time, its number of distinct flows (distinct record tuples, counted by
 * a 64-bit hash; estimated by HyperLogLog unless `exactFlows`, which costs a hash set of every flow), the smallest client port, source and destination address of the cell, and `row_id`: where its
 * first stored record is (see rejectRecords). `snapshots` must be every stored snapshot; a record older than all
 * has snapshot NULL.
 */
export async function* rejectCells(
  store: Store,
  snapshots: readonly SnapshotInfo[],
  addressCells: ReadonlyMap<string, number>,
  portStarts: readonly number[],
  since: number | undefined,
  until: number | undefined,
  exactFlows = false,
): AsyncGenerator<Record<string, unknown>[]> {
  const ordered = [...snapshots].sort((a, b) => b.takenAt - a.takenAt || b.id - a.id);
  const snap =
    ordered.length === 0
      ? 'NULL::BIGINT'
      : `CASE ${ordered.map((s) => `WHEN f.event_time >= ${Math.trunc(s.takenAt)} THEN ${Math.trunc(s.id)}`).join(' ')} ELSE NULL END`;
  const starts = [...portStarts].map((p) => Math.trunc(p)).sort((a, b) => b - a);
  const portCell = `CASE ${starts.map((p) => `WHEN cp >= ${p} THEN ${p}`).join(' ')} ELSE -1 END`;
  await store.tempTable(
    'fw_address_cells',
    [
      { name: 'addr', type: 'VARCHAR' },
      { name: 'cell', type: 'BIGINT' },
    ],
    [...addressCells.entries()],
  );
  try {
    // Two stages: the records grouped with their exact addresses (few groups: interfaces talk to few cells of
    // ports), then those groups joined to the address cells and grouped again. Distinct flows add up across the
    // first groups: a flow's columns decide its group.
    yield* store.streamRows(
      `WITH r AS (
         SELECT ${snap} AS snapshot, f.event_time, f.interface_id, f.protocol, f.action, f.flow_direction,
           f.reject_reason, f.tcp_flags, ${ROW_ID} AS row_id,
           ${effective('f.pkt_srcaddr', 'f.srcaddr')} AS src, ${effective('f.pkt_dstaddr', 'f.dstaddr')} AS dst,
           coalesce(f.srcport, 0) AS sp, coalesce(f.dstport, 0) AS dp,
           hash(f.srcaddr, f.dstaddr, f.pkt_srcaddr, f.pkt_dstaddr, f.srcport, f.dstport, f.tcp_flags) AS flow
         ${REJECTS_OF}
       ), rr AS (
         SELECT *, CASE WHEN role = 'request' THEN dp ELSE sp END AS server_port,
           CASE WHEN role = 'request' THEN sp ELSE dp END AS cp
         FROM (SELECT *, ${ROLE_SQL} AS role FROM r)
       ), g AS (
         SELECT snapshot, interface_id, protocol, action, flow_direction, reject_reason, role,
           CASE WHEN protocol = 6 AND (tcp_flags & 18) = 18 THEN 18
                WHEN protocol = 6 AND (tcp_flags & 2) = 2 THEN 2 ELSE 0 END AS flags,
           server_port, ${portCell} AS client_cell, src, dst,
           count(*) AS records, min(event_time) AS first_seen, max(event_time) AS last_seen,
           ${exactFlows ? 'count(DISTINCT flow)' : 'approx_count_distinct(flow)'} AS flows, min(cp) AS client_port, min(row_id) AS row_id
         FROM rr GROUP BY ALL
       )
       SELECT g.snapshot, g.interface_id, g.protocol, g.action, g.flow_direction, g.reject_reason, g.role, g.flags,
         g.server_port, g.client_cell, s.cell AS src_cell, d.cell AS dst_cell,
         sum(g.records)::BIGINT AS records, min(g.first_seen) AS first_seen, max(g.last_seen) AS last_seen,
         sum(g.flows)::BIGINT AS flows, min(g.client_port) AS client_port, min(g.src) AS src, min(g.dst) AS dst,
         min(g.row_id) AS row_id
       FROM g JOIN temp.main.fw_address_cells s ON s.addr = g.src JOIN temp.main.fw_address_cells d ON d.addr = g.dst
       GROUP BY ALL`,
      [since ?? null, until ?? null],
    );
  } finally {
    await store.dropTempTable('fw_address_cells');
  }
}

/** The stored records at these row ids (rejectCells' `row_id`), with the flows columns explain reads. */
export async function rejectRecords(store: Store, rowIds: readonly number[]): Promise<QueryResult> {
  await store.tempTable(
    'fw_row_ids',
    [{ name: 'id', type: 'BIGINT' }],
    rowIds.map((x) => [x]),
  );
  try {
    return await store.query(
      `SELECT ${ROW_ID} AS row_id, ${RECORD_COLUMNS} FROM flows f
       WHERE ${ROW_ID} IN (SELECT id FROM temp.main.fw_row_ids)`,
    );
  } finally {
    await store.dropTempTable('fw_row_ids');
  }
}

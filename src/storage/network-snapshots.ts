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

/** The cell boundaries rejectCells groups by (see src/network/cells.ts). */
export interface CellBounds {
  /** Sorted IPv4 cell starts (numbers), the first 0. */
  readonly v4Starts: readonly number[];
  /** Sorted client-port cell starts, the first 0. */
  readonly portStarts: readonly number[];
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

/** An IPv4 dotted quad as a number (as parseAddress reads it), else NULL. */
const V4_SQL = `CASE WHEN regexp_full_match(addr, '\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}')
  AND greatest(split_part(addr, '.', 1)::INTEGER, split_part(addr, '.', 2)::INTEGER,
               split_part(addr, '.', 3)::INTEGER, split_part(addr, '.', 4)::INTEGER) <= 255
  THEN split_part(addr, '.', 1)::BIGINT * 16777216 + split_part(addr, '.', 2)::BIGINT * 65536
     + split_part(addr, '.', 3)::BIGINT * 256 + split_part(addr, '.', 4)::BIGINT END`;

/**
 * The REJECT records of [since, until) grouped by verdict cell: snapshot in force, interface, protocol, action,
 * direction, reject-reason, role, the server's port exactly, the client's port cell and both addresses' cells
 * (IPv4 cells from `bounds`; other addresses exactly). Each row has its count, first/last event time, its number
 * of distinct flows (distinct record tuples, counted by a 64-bit hash) and `example`: its earliest record.
 * `snapshots` must be every stored snapshot; a record older than all has snapshot NULL.
 */
export async function* rejectCells(
  store: Store,
  snapshots: readonly SnapshotInfo[],
  bounds: CellBounds,
  since: number | undefined,
  until: number | undefined,
): AsyncGenerator<Record<string, unknown>[]> {
  const ordered = [...snapshots].sort((a, b) => b.takenAt - a.takenAt || b.id - a.id);
  const snap =
    ordered.length === 0
      ? 'NULL::BIGINT'
      : `CASE ${ordered.map((s) => `WHEN f.event_time >= ${Math.trunc(s.takenAt)} THEN ${Math.trunc(s.id)}`).join(' ')} ELSE NULL END`;
  await store.tempTable(
    'fw_cells_v4',
    [{ name: 'lo', type: 'BIGINT' }],
    bounds.v4Starts.map((n) => [n]),
  );
  const ports: number[][] = [];
  let cell = 0;
  for (let p = 0; p <= 65535; p++) {
    while (cell + 1 < bounds.portStarts.length && bounds.portStarts[cell + 1]! <= p) cell++;
    ports.push([p, bounds.portStarts[cell]!]);
  }
  await store.tempTable(
    'fw_cells_port',
    [
      { name: 'port', type: 'BIGINT' },
      { name: 'cell', type: 'BIGINT' },
    ],
    ports,
  );
  try {
    yield* store.streamRows(
      `WITH r AS (
         SELECT ${snap} AS snapshot, f.event_time, f.interface_id, f.srcaddr, f.dstaddr, f.pkt_srcaddr, f.pkt_dstaddr,
           f.srcport, f.dstport, f.protocol, f.action, f.flow_direction, f.tcp_flags, f.reject_reason,
           ${effective('f.pkt_srcaddr', 'f.srcaddr')} AS src, ${effective('f.pkt_dstaddr', 'f.dstaddr')} AS dst,
           coalesce(f.srcport, 0) AS sp, coalesce(f.dstport, 0) AS dp
         FROM flows f
         WHERE f.action = 'REJECT' AND (f.event_time >= $1 OR $1 IS NULL) AND (f.event_time < $2 OR $2 IS NULL)
       ), rr AS (SELECT *, ${ROLE_SQL} AS role FROM r),
       a AS (SELECT src AS addr FROM rr UNION SELECT dst FROM rr),
       ac AS (
         SELECT a.addr, coalesce('c' || b.lo, 'x' || a.addr) AS cell
         FROM (SELECT addr, ${V4_SQL} AS ip FROM a) a ASOF LEFT JOIN temp.main.fw_cells_v4 b ON a.ip >= b.lo
       )
       SELECT rr.snapshot, rr.interface_id, rr.protocol, rr.action, rr.flow_direction, rr.reject_reason, rr.role,
         CASE WHEN rr.role = 'request' THEN rr.dp ELSE rr.sp END AS server_port, pc.cell AS client_cell,
         s.cell AS src_cell, d.cell AS dst_cell,
         count(*) AS records, min(rr.event_time) AS first_seen, max(rr.event_time) AS last_seen,
         count(DISTINCT hash(rr.interface_id, rr.srcaddr, rr.dstaddr, rr.pkt_srcaddr, rr.pkt_dstaddr, rr.srcport,
           rr.dstport, rr.protocol, rr.action, rr.flow_direction, rr.tcp_flags, rr.reject_reason)) AS flows,
         arg_min(struct_pack(interface_id := rr.interface_id, srcaddr := rr.srcaddr, dstaddr := rr.dstaddr,
           pkt_srcaddr := rr.pkt_srcaddr, pkt_dstaddr := rr.pkt_dstaddr, srcport := rr.srcport, dstport := rr.dstport,
           protocol := rr.protocol, action := rr.action, flow_direction := rr.flow_direction,
           tcp_flags := rr.tcp_flags, reject_reason := rr.reject_reason), rr.event_time) AS example
       FROM rr JOIN ac s ON s.addr = rr.src JOIN ac d ON d.addr = rr.dst
         LEFT JOIN temp.main.fw_cells_port pc ON pc.port = CASE WHEN rr.role = 'request' THEN rr.sp ELSE rr.dp END
       GROUP BY rr.snapshot, rr.interface_id, rr.protocol, rr.action, rr.flow_direction, rr.reject_reason, rr.role,
         server_port, client_cell, src_cell, dst_cell`,
      [since ?? null, until ?? null],
    );
  } finally {
    await store.dropTempTable('fw_cells_v4');
    await store.dropTempTable('fw_cells_port');
  }
}

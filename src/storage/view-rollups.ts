// The per-hour rollups behind the views over the newest fields (encryption, traffic kinds, paths and cost,
// compliance): per stored file and UTC hour, the records grouped by each view's few keys with their count and
// byte sum. Written in each file's (or live batch's) load transaction beside the rejected-traffic rollup and
// deleted with the file, so they always equal the records. A view reads the whole hours of its range from them,
// the partial hours at its edges (and any file without its rollup) from the records, through one SQL text per
// rollup (`*Rows`), so both paths group exactly alike. Decision record 44-view-rollups.

import type { Format } from '../records/format.js';
import { rollupFilesSql, splitHours } from './reject-rollup.js';
import type { Store } from './store.js';

const TRAFFIC = `(log_status IS NULL OR log_status = 'OK')`;

/** The rollup tables (created without a schema version bump) and the marker of the files that have them. */
export const VIEW_ROLLUP_DDL: readonly string[] = [
  // Encryption: every traffic record once per dimension (vpc, subnet, interface, port), by status.
  `CREATE TABLE IF NOT EXISTS enc_rollup (file_id INTEGER NOT NULL, hour BIGINT NOT NULL, dim VARCHAR NOT NULL,
  key VARCHAR, status INTEGER, flows BIGINT NOT NULL, bytes HUGEINT)`,
  // Encryption: unencrypted (status 0) traffic records by source (side 'src') and destination ('dst') address.
  `CREATE TABLE IF NOT EXISTS enc_talker_rollup (file_id INTEGER NOT NULL, hour BIGINT NOT NULL,
  side VARCHAR NOT NULL, key VARCHAR, flows BIGINT NOT NULL, bytes HUGEINT)`,
  `CREATE TABLE IF NOT EXISTS kinds_rollup (file_id INTEGER NOT NULL, hour BIGINT NOT NULL, type VARCHAR,
  ipform VARCHAR, rejected BOOLEAN, reject_reason VARCHAR, interface_type VARCHAR, efa_interface VARCHAR,
  flows BIGINT NOT NULL, bytes HUGEINT)`,
  `CREATE TABLE IF NOT EXISTS paths_rollup (file_id INTEGER NOT NULL, hour BIGINT NOT NULL, path VARCHAR,
  nat BOOLEAN NOT NULL, svc VARCHAR, xaz BOOLEAN NOT NULL, flows BIGINT NOT NULL, bytes HUGEINT,
  first_time BIGINT, last_time BIGINT)`,
  // Compliance: every record (traffic, NODATA, SKIPDATA) per interface and hour.
  `CREATE TABLE IF NOT EXISTS coverage_rollup (file_id INTEGER NOT NULL, hour BIGINT NOT NULL,
  interface_id VARCHAR, vpc_id VARCHAR, subnet_id VARCHAR, account_id VARCHAR, records BIGINT NOT NULL,
  traffic BIGINT NOT NULL, nodata BIGINT NOT NULL, skipdata BIGINT NOT NULL, rejected BIGINT NOT NULL,
  rejected_bytes HUGEINT, first_time BIGINT, last_time BIGINT, last_end BIGINT)`,
  // Compliance: rejected records by source ('src'), port/protocol ('port') and reject-reason ('reason').
  `CREATE TABLE IF NOT EXISTS reject_key_rollup (file_id INTEGER NOT NULL, hour BIGINT NOT NULL,
  kind VARCHAR NOT NULL, key VARCHAR NOT NULL, records BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS view_rollup_files (file_id INTEGER PRIMARY KEY)`,
];

const DATA_TABLES = [
  'enc_rollup',
  'enc_talker_rollup',
  'kinds_rollup',
  'paths_rollup',
  'coverage_rollup',
  'reject_key_rollup',
] as const;

/** Statements removing a file's view rollups (with the file); $1 is its id. */
export const DELETE_VIEW_ROLLUPS: readonly string[] = [...DATA_TABLES, 'view_rollup_files'].map(
  (t) => `DELETE FROM ${t} WHERE file_id = $1`,
);

/** A column of the source relation, or a typed NULL where its format lacks it (all present in `flows`). */
export type Col = (name: string) => string;
const TYPES: Readonly<Record<string, string>> = {
  encryption_status: 'INTEGER',
  srcport: 'INTEGER',
  dstport: 'INTEGER',
  protocol: 'INTEGER',
  traffic_path: 'INTEGER',
  bytes: 'BIGINT',
  packets: 'BIGINT',
  end: 'BIGINT',
};
const ALL: Col = (name) => `"${name}"`;
export function columnsOf(format: Format): Col {
  const cols = new Set(format.fields.flatMap((f) => (f.def ? [f.def.column] : [])));
  return (name) => (cols.has(name) ? `"${name}"` : `CAST(NULL AS ${TYPES[name] ?? 'VARCHAR'})`);
}

/** The four encryption dimensions and the key each groups by. */
export const ENC_DIMS = ['vpc', 'subnet', 'interface', 'port'] as const;
export type EncDim = (typeof ENC_DIMS)[number];
const encKey = (c: Col, dim: EncDim): string =>
  dim === 'port'
    ? `CAST(least(${c('srcport')}, ${c('dstport')}) AS VARCHAR)`
    : c(dim === 'vpc' ? 'vpc_id' : dim === 'subnet' ? 'subnet_id' : 'interface_id');

const HOUR_OF = 'event_time // 3600';
// HUGEINT, not BIGINT: a file's byte sum can pass 2^63 (bytes is a 64-bit counter), which must not fail its load.
const sumBytes = (c: Col) => `sum(${c('bytes')})`;

/** enc_rollup's rows of `from` (records matching `where`) for one dimension. */
export function encRows(from: string, where: string, dim: EncDim, c: Col = ALL): string {
  return `SELECT file_id, ${HOUR_OF} AS hour, '${dim}' AS dim, ${encKey(c, dim)} AS key,
    ${c('encryption_status')} AS status, count(*)::BIGINT AS flows, ${sumBytes(c)} AS bytes
  FROM ${from} WHERE ${TRAFFIC.replaceAll('log_status', c('log_status'))} AND ${where} GROUP BY ALL`;
}

/** enc_talker_rollup's rows: unencrypted records by packet source / destination address. */
export function encTalkerRows(from: string, where: string, side: 'src' | 'dst', c: Col = ALL): string {
  const key =
    side === 'src'
      ? `coalesce(${c('pkt_srcaddr')}, ${c('srcaddr')})`
      : `coalesce(${c('pkt_dstaddr')}, ${c('dstaddr')})`;
  return `SELECT file_id, ${HOUR_OF} AS hour, '${side}' AS side, ${key} AS key, count(*)::BIGINT AS flows,
    ${sumBytes(c)} AS bytes
  FROM ${from} WHERE ${TRAFFIC.replaceAll('log_status', c('log_status'))} AND ${c('encryption_status')} = 0
    AND ${where} GROUP BY ALL`;
}

/** kinds_rollup's rows: type, the address's form, rejected with its reason, interface type, EFA interface. */
export function kindsRows(from: string, where: string, c: Col = ALL): string {
  return `SELECT file_id, ${HOUR_OF} AS hour, ${c('type')} AS type,
    CASE WHEN ${c('srcaddr')} IS NULL THEN 'unknown' WHEN contains(${c('srcaddr')}, ':') THEN 'IPv6' ELSE 'IPv4' END AS ipform,
    ${c('action')} = 'REJECT' AS rejected,
    CASE WHEN ${c('action')} = 'REJECT' THEN ${c('reject_reason')} END AS reject_reason,
    ${c('interface_type')} AS interface_type,
    CASE WHEN ${c('type')} = 'EFA' THEN ${c('interface_id')} END AS efa_interface,
    count(*)::BIGINT AS flows, ${sumBytes(c)} AS bytes
  FROM ${from} WHERE ${TRAFFIC.replaceAll('log_status', c('log_status'))} AND ${where} GROUP BY ALL`;
}

/** Path label of an egress record (spec §4.3 for traffic-path codes; §10.2 for next-hop interface types). */
const pathLabel = (c: Col) => `CASE
  WHEN ${c('next_hop_interface_type')} IN ('nat_gateway', 'regional_nat_gateway') THEN 'NAT gateway'
  WHEN ${c('next_hop_interface_type')} = 'transit_gateway' THEN 'transit gateway'
  WHEN ${c('next_hop_interface_type')} = 'vpc_endpoint' THEN 'interface VPC endpoint'
  WHEN ${c('next_hop_interface_type')} = 'network_load_balancer' THEN 'network load balancer'
  WHEN ${c('traffic_path')} = 1 THEN 'within the VPC'
  WHEN ${c('traffic_path')} = 2 THEN 'internet gateway or gateway VPC endpoint'
  WHEN ${c('traffic_path')} = 3 THEN 'virtual private gateway'
  WHEN ${c('traffic_path')} = 4 THEN 'VPC peering (same region)'
  WHEN ${c('traffic_path')} = 5 THEN 'VPC peering (inter-region)'
  WHEN ${c('traffic_path')} = 6 THEN 'local gateway'
  WHEN ${c('traffic_path')} = 7 THEN 'gateway VPC endpoint'
  WHEN ${c('traffic_path')} = 8 THEN 'internet gateway'
  ELSE 'unknown' END`;

/**
 * paths_rollup's rows: the path label of egress records, whether a NAT gateway processed the record (ingress on a
 * NAT gateway interface) and its AWS service, and whether it crossed availability zones.
 */
export function pathsRows(from: string, where: string, c: Col = ALL): string {
  const isNat = `coalesce(${c('flow_direction')} = 'ingress'
    AND (${c('interface_type')} IN ('nat_gateway', 'regional_nat_gateway') OR starts_with(${c('resource_id')}, 'nat-')), false)`;
  return `SELECT file_id, ${HOUR_OF} AS hour,
    CASE WHEN ${c('flow_direction')} = 'egress' THEN ${pathLabel(c)} END AS path, ${isNat} AS nat,
    CASE WHEN ${isNat} THEN coalesce(${c('pkt_dst_aws_service')}, ${c('pkt_src_aws_service')}) END AS svc,
    coalesce(${c('flow_direction')} = 'egress' AND ${c('az_id')} <> ${c('next_hop_az_id')}, false) AS xaz,
    count(*)::BIGINT AS flows, ${sumBytes(c)} AS bytes, min(event_time) AS first_time, max(event_time) AS last_time
  FROM ${from} WHERE ${TRAFFIC.replaceAll('log_status', c('log_status'))} AND ${where} GROUP BY ALL`;
}

/**
 * coverage_rollup's rows: every record per interface (with its VPC, subnet, account) and hour. Conditional counts
 * as CASE arguments rather than FILTER clauses (same values, one pass: see overviewRows).
 */
export function coverageRows(from: string, where: string, c: Col = ALL): string {
  const reject = `${c('action')} = 'REJECT'`;
  return `SELECT file_id, ${HOUR_OF} AS hour, ${c('interface_id')} AS interface_id, ${c('vpc_id')} AS vpc_id,
    ${c('subnet_id')} AS subnet_id, ${c('account_id')} AS account_id, count(*)::BIGINT AS records,
    count(CASE WHEN ${TRAFFIC.replaceAll('log_status', c('log_status'))} THEN 1 END)::BIGINT AS traffic,
    count(CASE WHEN ${c('log_status')} = 'NODATA' THEN 1 END)::BIGINT AS nodata,
    count(CASE WHEN ${c('log_status')} = 'SKIPDATA' THEN 1 END)::BIGINT AS skipdata,
    count(CASE WHEN ${reject} THEN 1 END)::BIGINT AS rejected,
    sum(CASE WHEN ${reject} THEN ${c('bytes')} END) AS rejected_bytes,
    min(event_time) AS first_time, max(event_time) AS last_time, max(${c('end')}) AS last_end
  FROM ${from} WHERE ${where} GROUP BY ALL`;
}

/** The keys of reject_key_rollup. */
export type RejectKey = 'src' | 'port' | 'reason';
export const REJECT_KEYS: readonly RejectKey[] = ['src', 'port', 'reason'];
const rejectKey = (c: Col, kind: RejectKey): string =>
  kind === 'src'
    ? c('srcaddr')
    : kind === 'port'
      ? `CAST(${c('dstport')} AS VARCHAR) || '/' || CAST(${c('protocol')} AS VARCHAR)`
      : c('reject_reason');

/** reject_key_rollup's rows: rejected records by source, port/protocol or reason (non-null keys only). */
export function rejectKeyRows(from: string, where: string, kind: RejectKey, c: Col = ALL): string {
  const key = rejectKey(c, kind);
  return `SELECT file_id, ${HOUR_OF} AS hour, '${kind}' AS kind, ${key} AS key, count(*)::BIGINT AS records
  FROM ${from} WHERE ${c('action')} = 'REJECT' AND ${key} IS NOT NULL AND ${where} GROUP BY ALL`;
}

/**
 * The statements that add one loaded file's view rollups, given its format and record table (beside
 * `rejectRollupSql`). A format without a view's fields gives rows whose keys are NULL, exactly what the
 * records read through `flows` give; the view decides coverage per file at read time.
 */
export function viewRollupSql(format: Format, table: string, fileId: number | readonly number[]): string[] {
  // One file, or a batch of files of this format loaded in one transaction (one scan each, grouped by file_id).
  const ids = (typeof fileId === 'number' ? [fileId] : fileId).map((x) => Math.trunc(x));
  if (ids.length === 0) return [];
  const c = columnsOf(format);
  const from = `"${table.replaceAll('"', '""')}"`;
  const where = `${ids.length === 1 ? `file_id = ${ids[0]}` : `file_id IN (${ids.join(', ')})`} AND event_time IS NOT NULL`;
  const union = (parts: string[]) => parts.map((p) => `(${p})`).join(' UNION ALL ');
  return [
    // The four dimensions from one grouping of the file's records by all their keys (one pass, not four).
    `INSERT INTO enc_rollup WITH b AS MATERIALIZED (
       SELECT file_id, ${HOUR_OF} AS hour, ${c('vpc_id')} AS vpc, ${c('subnet_id')} AS subnet,
         ${c('interface_id')} AS interface, ${encKey(c, 'port')} AS port, ${c('encryption_status')} AS status,
         count(*)::BIGINT AS flows, ${sumBytes(c)} AS bytes
       FROM ${from} WHERE ${TRAFFIC.replaceAll('log_status', c('log_status'))} AND ${where} GROUP BY ALL)
     ${union(ENC_DIMS.map((d) => `SELECT file_id, hour, '${d}', ${d}, status, sum(flows)::BIGINT, sum(bytes) FROM b GROUP BY ALL`))}`,
    `INSERT INTO enc_talker_rollup ${union([encTalkerRows(from, where, 'src', c), encTalkerRows(from, where, 'dst', c)])}`,
    `INSERT INTO kinds_rollup ${kindsRows(from, where, c)}`,
    `INSERT INTO paths_rollup ${pathsRows(from, where, c)}`,
    `INSERT INTO coverage_rollup ${coverageRows(from, where, c)}`,
    `INSERT INTO reject_key_rollup ${union(REJECT_KEYS.map((k) => rejectKeyRows(from, where, k, c)))}`,
    rollupFilesSql('view_rollup_files', ids),
  ];
}

/** Unix seconds; records whose event time lies in [since, until). */
export interface RollupRange {
  readonly since?: number | undefined;
  readonly until?: number | undefined;
}

/** More files without their rollup than this and the records answer alone (the id list would be long). */
const MAX_UNCOVERED = 1000;

/**
 * The rows of one rollup over a range: whole hours from the rollup table, the partial hours at the edges and the
 * whole hours of any file without its rollup from the records (`rows(from, where)` over `flows`). Without the
 * rollup tables (a read-only store older than them), with too many uncovered files, with a range inside one hour,
 * or with `rollup: false`, the records answer it all, through the same `rows` text.
 */
export async function rolledRows(
  store: Store,
  table: (typeof DATA_TABLES)[number],
  filter: string,
  rows: (from: string, where: string) => string,
  range: RollupRange & { readonly rollup?: boolean | undefined },
): Promise<string> {
  const since = range.since === undefined ? null : Math.floor(range.since);
  const until = range.until === undefined ? null : Math.ceil(range.until);
  const between = (from: number | null, to: number | null) =>
    [from == null ? null : `event_time >= ${from}`, to == null ? null : `event_time < ${to}`]
      .filter((x) => x !== null)
      .join(' AND ') || 'event_time IS NOT NULL';
  const records = () => rows('flows', `(${between(since, until)})`);
  const split = splitHours(since, until);
  if (range.rollup === false || !split || !(await store.hasTable('view_rollup_files'))) return records();
  const uncovered = (
    await store.query(
      `SELECT f.id FROM files f WHERE NOT EXISTS (SELECT 1 FROM view_rollup_files r WHERE r.file_id = f.id)
       ORDER BY 1 LIMIT ${MAX_UNCOVERED + 1}`,
    )
  ).rows.map((r) => Math.trunc(Number(r['id'])));
  if (uncovered.length > MAX_UNCOVERED) return records();
  const whole = [
    split.fullFrom == null ? null : `hour >= ${split.fullFrom / 3600}`,
    split.fullTo == null ? null : `hour < ${split.fullTo / 3600}`,
  ].filter((x) => x !== null);
  const fromRecords: string[] = [];
  if (since != null && split.fullFrom != null && since < split.fullFrom)
    fromRecords.push(`(${between(since, split.fullFrom)})`);
  if (until != null && split.fullTo != null && until > split.fullTo)
    fromRecords.push(`(${between(split.fullTo, until)})`);
  if (uncovered.length > 0)
    fromRecords.push(`(file_id IN (${uncovered.join(', ')}) AND ${between(split.fullFrom, split.fullTo)})`);
  // One records part per piece: a plain range on event_time is pushed into the scan (row groups skipped by their
  // min/max), an OR of ranges is not.
  const parts = [
    `SELECT * FROM ${table} WHERE ${[...whole, filter].join(' AND ')}`,
    ...fromRecords.map((w) => rows('flows', w)),
  ];
  return parts.map((p) => `(${p})`).join(' UNION ALL ');
}

let temps = 0;

/**
 * Runs `fn` over the rows of `sql` kept once in a temporary table (its connection's own, dropped after), for a
 * view that reads the same rolled-up rows in several queries: the records at the range's edges are grouped once.
 */
export async function withRows<T>(store: Store, sql: string, fn: (table: string) => Promise<T>): Promise<T> {
  const name = `fw_view_rows_${process.pid}_${++temps}`;
  await store.query(`CREATE TEMP TABLE ${name} AS ${sql}`);
  try {
    return await fn(name);
  } finally {
    await store.query(`DROP TABLE IF EXISTS temp.${name}`).catch(() => undefined);
  }
}

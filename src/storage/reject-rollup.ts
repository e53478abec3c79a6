// The rejected-traffic rollup: per stored file, UTC hour, source, target and port, the rejected records' count,
// packets, bytes and first/last time. It is written inside each file's (or live batch's) load transaction and
// deleted with the file, so it always equals the records. `top rejected` reads whole hours from it and only the
// partial hours at the edges of a range from the records; it falls back to the records when any stored file
// lacks a rollup (a store written before it existed). Decision record 34.

import type { Format } from '../records/format.js';

export const REJECT_ROLLUP_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS reject_rollup (
  file_id INTEGER NOT NULL,
  hour BIGINT NOT NULL,
  srcaddr VARCHAR NOT NULL,
  dstaddr VARCHAR,
  dstport INTEGER,
  flows BIGINT NOT NULL,
  packets HUGEINT,
  bytes HUGEINT,
  first_seen BIGINT NOT NULL,
  last_seen BIGINT NOT NULL
)`,
  // Which files have their rollup (a file with no rejected record has no rows, but is still covered).
  `CREATE TABLE IF NOT EXISTS reject_rollup_files (file_id INTEGER PRIMARY KEY)`,
  // Live files committed without their rollups (the sink's deferred rollups, decision record "PutLogEvents speed
  // 2"): written in the file's own load transaction, removed in the transaction that writes its rollups.
  `CREATE TABLE IF NOT EXISTS rollup_pending (file_id INTEGER PRIMARY KEY)`,
];

const HOUR = 3600;

/**
 * Marks the files of a load as having a rollup (`reject_rollup_files`, `view_rollup_files`,
 * `overview_rollup_files`). A plain insert: the ids were just taken from the `file_ids` sequence in this very
 * transaction, so no marker of them can exist (a repeat would fail the commit, loudly). `INSERT … SELECT
 * unnest([…]) ON CONFLICT DO NOTHING` cost 4× the CPU (about 2 ms a statement, three per commit).
 */
export function rollupFilesSql(table: string, ids: readonly number[]): string {
  return `INSERT INTO ${table} VALUES ${ids.map((id) => `(${Math.trunc(id)})`).join(', ')}`;
}

/**
 * Marks files as committed without their rollups (`rollup_pending`), in their load transaction: a later
 * `Loader.rollUpPending` writes the rollups of every pending file in one transaction and removes the marks there.
 * Until then the readers count those files from their records (each reader reads any file without its rollup
 * marker from the records), so nothing is missed; a crash in between leaves the marks for the next catch-up.
 */
export function pendingRollupSql(ids: readonly number[]): string {
  return rollupFilesSql('rollup_pending', ids);
}

/**
 * The statements that add the rollup of one loaded file (or of a batch of files of this format, loaded in one
 * transaction: one scan instead of one per file), given its format and record table. A format without `action`
 * or `srcaddr` has no rejected sources to count: the file is marked covered with no rows.
 */
export function rejectRollupSql(format: Format, table: string, fileId: number | readonly number[]): string[] {
  const ids = (typeof fileId === 'number' ? [fileId] : fileId).map((x) => Math.trunc(x));
  if (ids.length === 0) return [];
  const one = ids.length === 1;
  const id = one ? String(ids[0]) : 'file_id';
  const where = one ? `file_id = ${ids[0]}` : `file_id IN (${ids.join(', ')})`;
  const cols = new Set(format.fields.flatMap((f) => (f.def ? [f.def.column] : [])));
  const out: string[] = [];
  if (cols.has('action') && cols.has('srcaddr')) {
    const col = (name: string, type: string) => (cols.has(name) ? `"${name}"` : `CAST(NULL AS ${type})`);
    const end = cols.has('end') ? `coalesce("end", event_time)` : 'event_time';
    out.push(
      `INSERT INTO reject_rollup
       SELECT ${id}, floor(event_time / ${HOUR})::BIGINT AS hour, srcaddr, ${col('dstaddr', 'VARCHAR')} AS dstaddr,
         ${col('dstport', 'INTEGER')} AS dstport, count(*), sum(${col('packets', 'BIGINT')}),
         sum(${col('bytes', 'BIGINT')}), min(event_time), max(${end})
       FROM "${table.replaceAll('"', '""')}"
       WHERE ${where} AND action = 'REJECT' AND srcaddr IS NOT NULL AND event_time IS NOT NULL
       GROUP BY ${one ? '' : '1, '}2, 3, 4, 5`,
    );
  }
  out.push(rollupFilesSql('reject_rollup_files', ids));
  return out;
}

/**
 * Stores written before the sums were HUGEINT hold them as BIGINT: two records of 2^62 bytes of one source, port
 * and hour overflowed it and failed the whole file's load. Run on every writable open; a no-op once widened.
 * `pragma_table_info` of the one table: `duckdb_columns()` lists every column of the catalog, and as the first
 * catalog read of a fresh process it cost 25–45 ms of CPU, about half of every writable open.
 */
export const WIDEN_REJECT_ROLLUP = `SELECT name AS column_name FROM pragma_table_info('reject_rollup')
  WHERE name IN ('packets', 'bytes') AND type = 'BIGINT'`;

/** Statements removing a file's rollup (with the file). */
export const DELETE_REJECT_ROLLUP: readonly string[] = [
  'DELETE FROM reject_rollup WHERE file_id = $1',
  'DELETE FROM reject_rollup_files WHERE file_id = $1',
  'DELETE FROM rollup_pending WHERE file_id = $1',
];

/** More stored files without the rollup than this and the records answer alone (the id list would be long). */
export const MAX_UNCOVERED = 1000;

/**
 * The ids of the stored files without their rollup (a store written before it; live files whose rollups the
 * monitor's sink has not written yet), at most MAX_UNCOVERED + 1 of them.
 */
export const UNCOVERED_FILES_SQL = `SELECT f.id FROM files f
  WHERE NOT EXISTS (SELECT 1 FROM reject_rollup_files r WHERE r.file_id = f.id) ORDER BY 1 LIMIT ${MAX_UNCOVERED + 1}`;

/** The whole hours of [since, until) (unix seconds; either may be open) and the partial edges around them. */
export interface HourSplit {
  /** First second of the first whole hour, or null for "from the beginning". */
  readonly fullFrom: number | null;
  /** First second after the last whole hour, or null for "to the end". */
  readonly fullTo: number | null;
}

/**
 * Splits a range into whole hours (read from the rollup) and edges (read from the records); undefined when the
 * range holds no whole hour, so the records answer it all.
 *
 * @example splitHours(5400, 14400) // { fullFrom: 7200, fullTo: 14400 }: 1:30–2:00 from records, 2:00–4:00 rolled up
 */
export function splitHours(since: number | null, until: number | null): HourSplit | undefined {
  const fullFrom = since == null ? null : Math.ceil(since / HOUR) * HOUR;
  const fullTo = until == null ? null : Math.floor(until / HOUR) * HOUR;
  if (fullFrom != null && fullTo != null && fullFrom >= fullTo) return undefined;
  return { fullFrom, fullTo };
}

/**
 * The rejected sources query over the rollup (whole hours) and the records (the edges), as exact as the records
 * alone: counts and sums add up, distinct targets and ports are counted over the rolled-up (source, target,
 * port) rows, and first/last seen are the minimum and maximum of the parts.
 */
export function rejectedSourcesSql(
  split: HourSplit,
  since: number | null,
  until: number | null,
  order: string,
  limit: number,
  /** Files without the rollup: their whole hours are read from their records too. */
  uncovered: readonly number[] = [],
): string {
  const n = (x: number | null) => (x == null ? 'NULL' : String(Math.ceil(x)));
  const whole = [
    split.fullFrom == null ? null : `hour * ${HOUR} >= ${n(split.fullFrom)}`,
    split.fullTo == null ? null : `(hour + 1) * ${HOUR} <= ${n(split.fullTo)}`,
  ].filter((x) => x !== null);
  const edges: string[] = [];
  if (since != null && split.fullFrom != null && since < split.fullFrom)
    edges.push(`(event_time >= ${n(since)} AND event_time < ${n(split.fullFrom)})`);
  if (until != null && split.fullTo != null && until > split.fullTo)
    edges.push(`(event_time >= ${n(split.fullTo)} AND event_time < ${n(until)})`);
  if (uncovered.length > 0) {
    const inWhole = [
      split.fullFrom == null ? null : `event_time >= ${n(split.fullFrom)}`,
      split.fullTo == null ? null : `event_time < ${n(split.fullTo)}`,
    ].filter((x) => x !== null);
    edges.push(
      `(file_id IN (${uncovered.map((id) => Math.trunc(id)).join(', ')})${inWhole.map((w) => ` AND ${w}`).join('')})`,
    );
  }
  const parts = [
    `SELECT srcaddr, dstaddr, dstport, flows, packets, bytes, first_seen, last_seen FROM reject_rollup${whole.length > 0 ? ` WHERE ${whole.join(' AND ')}` : ''}`,
  ];
  if (edges.length > 0) {
    parts.push(`SELECT srcaddr, dstaddr, dstport, count(*), sum(packets), sum(bytes), min(event_time),
        max(coalesce("end", event_time))
      FROM flows WHERE action = 'REJECT' AND srcaddr IS NOT NULL AND (${edges.join(' OR ')})
      GROUP BY 1, 2, 3`);
  }
  return `SELECT srcaddr AS source, sum(flows)::BIGINT AS flows, sum(packets) AS packets, sum(bytes) AS bytes,
      count(DISTINCT dstaddr) AS targets, count(DISTINCT dstport) AS ports,
      to_timestamp(min(first_seen)) AS first_seen, to_timestamp(max(last_seen)) AS last_seen
    FROM (${parts.join('\n    UNION ALL\n    ')}) AS parts
    GROUP BY 1
    ORDER BY ${order}, 1
    LIMIT ${Math.trunc(limit)}`;
}

// The Overview's rollups: per stored file and UTC hour, the records grouped by the Overview's keys (minute bins,
// source address, destination port and protocol, flow direction, interface) with their counts and sums, written in
// the file's load transaction and deleted with it (per ENI, exact); and a cache of the same groups per hour of the
// deduplicated view, computed when first read and valid while the files with records within an hour of it are the
// same (a fingerprint: the sorted list of their ids). The Overview reads whole hours from them and the partial
// hours at its edges from the records, through one SQL text (`overviewRows`) for both. Decision record
// 61-overview-rollup.

import type { Format } from '../records/format.js';
import { flowsRelation } from './flow-views.js';
import { rollupFilesSql, splitHours } from './reject-rollup.js';
import type { Store } from './store.js';
import { type Col, columnsOf } from './view-rollups.js';

const HOUR = 3600;
/** The rollups' series granularity: any bin that is a multiple of it is summed from them. */
export const ROLLUP_BIN = 60;

/** The groups' value columns (same in both tables and in the rows read from records). */
const VALUES = `flows BIGINT NOT NULL, bytes HUGEINT, packets HUGEINT, af BIGINT NOT NULL, rf BIGINT NOT NULL,
  ab HUGEINT, rb HUGEINT, ap HUGEINT, rp HUGEINT, ud BIGINT NOT NULL`;
const KEYS = `kind VARCHAR NOT NULL, t BIGINT, srcaddr VARCHAR, dstport INTEGER, protocol INTEGER,
  flow_direction VARCHAR, interface_id VARCHAR`;

export const OVERVIEW_ROLLUP_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS overview_rollup (file_id INTEGER NOT NULL, hour BIGINT NOT NULL, ${KEYS}, ${VALUES})`,
  `CREATE TABLE IF NOT EXISTS overview_rollup_files (file_id INTEGER PRIMARY KEY)`,
  // The deduplicated view's groups per hour (kinds series, src, port), and the files they were computed from.
  `CREATE TABLE IF NOT EXISTS overview_dedup (hour BIGINT NOT NULL, ${KEYS}, ${VALUES})`,
  `CREATE TABLE IF NOT EXISTS overview_dedup_hours (hour BIGINT PRIMARY KEY, file_ids INTEGER[] NOT NULL)`,
];

/** Statements removing a file's Overview rollup (with the file); $1 is its id. The dedup cache needs nothing. */
export const DELETE_OVERVIEW_ROLLUP: readonly string[] = [
  'DELETE FROM overview_rollup WHERE file_id = $1',
  'DELETE FROM overview_rollup_files WHERE file_id = $1',
];

/** The Overview's groups: counted traffic (series, sources, ports) and, always per ENI, directions, interfaces. */
export type OverviewKind = 'series' | 'src' | 'port' | 'dir' | 'if';
const SETS: Record<OverviewKind, string> = {
  series: 't',
  src: 'srcaddr',
  port: 'dstport, protocol',
  dir: 'flow_direction',
  if: 'interface_id',
};
const KEY_COLS = ['t', 'srcaddr', 'dstport', 'protocol', 'flow_direction', 'interface_id'] as const;
const KEY_TYPES: Record<(typeof KEY_COLS)[number], string> = {
  t: 'BIGINT',
  srcaddr: 'VARCHAR',
  dstport: 'INTEGER',
  protocol: 'INTEGER',
  flow_direction: 'VARCHAR',
  interface_id: 'VARCHAR',
};
export const COUNTED_KINDS: readonly OverviewKind[] = ['series', 'src', 'port'];
export const ENI_KINDS: readonly OverviewKind[] = ['dir', 'if'];

/**
 * The Overview's groups of the records of `from` matching `where`: per `by` (e.g. `file_id, hour`, or nothing) and
 * per kind, series bins of `bin` seconds. The one text behind the rollup at ingest and the records at read.
 */
export function overviewRows(
  from: string,
  where: string,
  kinds: readonly OverviewKind[],
  o: { bin: number; by: readonly ('file_id' | 'hour')[]; c?: Col },
): string {
  const c = o.c ?? ((name: string) => `"${name}"`);
  const bin = Math.trunc(o.bin);
  const by = o.by.map((k) => (k === 'hour' ? `event_time // ${HOUR}` : k));
  const head = o.by.map((k) => (k === 'hour' ? `event_time // ${HOUR} AS hour` : k));
  // GROUPING() over the key columns the sets use: bit 0 is the last; a set's grouping has 0 for its own keys.
  const keyCols = KEY_COLS.filter((k) => kinds.some((kind) => SETS[kind].split(', ').includes(k)));
  const gid = (kind: OverviewKind) =>
    keyCols.reduce(
      (acc, k, i) => acc + (SETS[kind].split(', ').includes(k) ? 0 : 2 ** (keyCols.length - 1 - i)),
      0,
    );
  const kind = `CASE GROUPING(${keyCols.join(', ')}) ${kinds.map((k) => `WHEN ${gid(k)} THEN '${k}'`).join(' ')} END`;
  const keys = KEY_COLS.map((k) => (keyCols.includes(k) ? k : `CAST(NULL AS ${KEY_TYPES[k]}) AS ${k}`)).join(
    ', ',
  );
  // Conditional counts and sums as CASE arguments, not FILTER clauses: the same values (a count of the rows where
  // the condition is true; a sum that is NULL when none is), computed once below the grouping sets instead of a
  // filtered pass per aggregate and set (bench:monitor's per-commit rollup CPU: decision record "live sink speed").
  const accept = `action = 'ACCEPT'`;
  const reject = `action = 'REJECT'`;
  return `SELECT ${[...head, `${kind} AS kind`].join(', ')}, ${keys},
    count(*)::BIGINT AS flows, sum(bytes)::HUGEINT AS bytes, sum(packets)::HUGEINT AS packets,
    count(CASE WHEN ${accept} THEN 1 END)::BIGINT AS af, count(CASE WHEN ${reject} THEN 1 END)::BIGINT AS rf,
    sum(CASE WHEN ${accept} THEN bytes END)::HUGEINT AS ab, sum(CASE WHEN ${reject} THEN bytes END)::HUGEINT AS rb,
    sum(CASE WHEN ${accept} THEN packets END)::HUGEINT AS ap, sum(CASE WHEN ${reject} THEN packets END)::HUGEINT AS rp,
    count(CASE WHEN flow_direction IS NULL AND srcaddr IS NOT NULL THEN 1 END)::BIGINT AS ud
  FROM (SELECT ${o.by.includes('file_id') ? 'file_id, ' : ''}event_time, (event_time // ${bin}) * ${bin} AS t,
      ${c('srcaddr')} AS srcaddr, ${c('dstport')} AS dstport, ${c('protocol')} AS protocol,
      ${c('flow_direction')} AS flow_direction, ${c('interface_id')} AS interface_id, ${c('bytes')} AS bytes,
      ${c('packets')} AS packets, ${c('action')} AS action
    FROM ${from} WHERE event_time IS NOT NULL AND (${where}))
  GROUP BY GROUPING SETS (${kinds.map((k) => `(${[...by, SETS[k]].join(', ')})`).join(', ')})`;
}

/** The statements that add the Overview rollup of one loaded file or batch (beside `viewRollupSql`). */
export function overviewRollupSql(
  format: Format,
  table: string,
  fileId: number | readonly number[],
): string[] {
  const ids = (typeof fileId === 'number' ? [fileId] : fileId).map((x) => Math.trunc(x));
  if (ids.length === 0) return [];
  const from = `"${table.replaceAll('"', '""')}"`;
  const where = ids.length === 1 ? `file_id = ${ids[0]}` : `file_id IN (${ids.join(', ')})`;
  const kinds = [...COUNTED_KINDS, ...ENI_KINDS];
  return [
    `INSERT INTO overview_rollup ${overviewRows(from, where, kinds, { bin: ROLLUP_BIN, by: ['file_id', 'hour'], c: columnsOf(format) })}`,
    rollupFilesSql('overview_rollup_files', ids),
  ];
}

const COLS = `kind, t, srcaddr, dstport, protocol, flow_direction, interface_id, flows, bytes, packets, af, rf, ab, rb, ap, rp, ud`;
/** More files without their rollup than this and the records answer alone (the id list would be long). */
const MAX_UNCOVERED = 1000;

/** How the Overview's rows of a range were found, for tests and the benchmark. */
export interface OverviewSource {
  /** 'records': the whole range from the records; 'rollup': whole hours from the rollups. */
  readonly path: 'records' | 'rollup';
  /** Deduplicated view: whole hours computed from the records now (and cached when the store could be written). */
  readonly computedHours: number;
  /** Deduplicated view: whole hours read from the cache. */
  readonly cachedHours: number;
}

let temps = 0;
const tempName = () => `fw_overview_rows_${process.pid}_${++temps}`;

/**
 * The Overview's groups over [since, until) for `view`, as one SQL relation (`kind` and keys, with series bins of
 * at most `bin` seconds to be summed into `bin`), and how it was found. Whole hours come from the rollups when
 * every part allows (a bin that is a multiple of a minute, the tables present, at most MAX_UNCOVERED files
 * without their rollup, for the deduplicated view none); the edges and anything else from the records.
 * `run` receives the relation while any temporary table it names still exists.
 */
export async function withOverviewRows<T>(
  store: Store,
  o: {
    since: number;
    until: number;
    bin: number;
    view: 'deduplicated' | 'per-eni';
    rollup?: boolean | undefined;
  },
  run: (rows: string, source: OverviewSource) => Promise<T>,
): Promise<T> {
  const since = Math.floor(o.since);
  const until = Math.ceil(o.until);
  const between = (a: number, b: number) => `event_time >= ${a} AND event_time < ${b}`;
  const dedupFrom = (a: number, b: number) =>
    `${flowsRelation('deduplicated', { since: String(a), until: String(b) })} AS flows`;
  const countedFrom = (a: number, b: number) => (o.view === 'deduplicated' ? dedupFrom(a, b) : 'flows');
  const records = (bin: number, a: number, b: number) =>
    o.view === 'per-eni'
      ? [overviewRows('flows', between(a, b), [...COUNTED_KINDS, ...ENI_KINDS], { bin, by: [] })]
      : [
          overviewRows(countedFrom(a, b), between(a, b), COUNTED_KINDS, { bin, by: [] }),
          overviewRows('flows', between(a, b), ENI_KINDS, { bin, by: [] }),
        ];
  const union = (parts: readonly string[]) =>
    parts.map((p) => `(SELECT ${COLS} FROM (${p}))`).join(' UNION ALL ');
  const split = splitHours(since, until);
  const usable =
    o.rollup !== false &&
    split?.fullFrom != null &&
    split.fullTo != null &&
    o.bin % ROLLUP_BIN === 0 &&
    (await store.hasTable('overview_rollup_files'));
  if (!usable || !split || split.fullFrom == null || split.fullTo == null)
    return run(union(records(o.bin, since, until)), { path: 'records', computedHours: 0, cachedHours: 0 });
  const uncovered = (
    await store.query(
      `SELECT f.id FROM files f WHERE NOT EXISTS (SELECT 1 FROM overview_rollup_files r WHERE r.file_id = f.id)
       ORDER BY 1 LIMIT ${MAX_UNCOVERED + 1}`,
    )
  ).rows.map((r) => Math.trunc(Number(r['id'])));
  if (uncovered.length > MAX_UNCOVERED)
    return run(union(records(o.bin, since, until)), { path: 'records', computedHours: 0, cachedHours: 0 });
  const { fullFrom, fullTo } = split;
  const h0 = fullFrom / HOUR;
  const h1 = fullTo / HOUR;
  // The records' parts (edges, files without the rollup) are grouped once into temporary tables, so that the
  // sums can read every part once per kind without scanning records again.
  const fromRecords: string[] = [];
  if (since < fullFrom) fromRecords.push(...records(ROLLUP_BIN, since, fullFrom));
  if (until > fullTo) fromRecords.push(...records(ROLLUP_BIN, fullTo, until));
  if (uncovered.length > 0) {
    // Files without the rollup (an older store's; live files whose rollups the sink has not written yet): their
    // whole hours from their records. The deduplicated view's counted kinds take them through the hours' cache,
    // whose fingerprints include them (dedupHours), so here only the per-ENI kinds.
    const w = `file_id IN (${uncovered.join(', ')}) AND ${between(fullFrom, fullTo)}`;
    const kinds = o.view === 'per-eni' ? [...COUNTED_KINDS, ...ENI_KINDS] : ENI_KINDS;
    fromRecords.push(overviewRows('flows', w, kinds, { bin: ROLLUP_BIN, by: [] }));
  }
  const temps: string[] = [];
  try {
    for (const part of fromRecords) {
      const name = tempName();
      await store.query(`CREATE TEMP TABLE ${name} AS SELECT ${COLS} FROM (${part})`);
      temps.push(name);
    }
    const parts = temps.map((t) => `SELECT * FROM ${t}`);
    const rolled = (kinds: readonly OverviewKind[]) =>
      `SELECT * FROM overview_rollup WHERE hour >= ${h0} AND hour < ${h1} AND kind IN (${kinds.map((k) => `'${k}'`).join(', ')})`;
    if (o.view === 'per-eni') {
      parts.push(rolled([...COUNTED_KINDS, ...ENI_KINDS]));
      return await run(union(parts), { path: 'rollup', computedHours: 0, cachedHours: 0 });
    }
    parts.push(rolled(ENI_KINDS));
    const { cached, computed, temp } = await dedupHours(store, h0, h1, dedupFrom, uncovered);
    if (temp) temps.push(temp);
    parts.push(
      `SELECT * FROM overview_dedup WHERE hour IN (SELECT unnest([${cached.join(', ')}]::BIGINT[]))`,
    );
    if (temp) parts.push(`SELECT * FROM ${temp}`);
    return await run(union(parts), { path: 'rollup', computedHours: computed, cachedHours: cached.length });
  } finally {
    for (const t of temps) await store.query(`DROP TABLE IF EXISTS temp.${t}`).catch(() => undefined);
  }
}

/** Each hour's fingerprint: the sorted ids of the files with records within an hour of it (its sets' reach). */
const fingerprintsSql = (
  h0: number,
  h1: number,
  uncovered: readonly number[],
) => `SELECT h.hour, list(DISTINCT r.file_id ORDER BY r.file_id) AS file_ids
  FROM (SELECT DISTINCT file_id, hour FROM overview_rollup WHERE kind = 'series' AND hour >= ${h0 - 1} AND hour < ${h1 + 1}${
    uncovered.length === 0
      ? ''
      : `
    UNION SELECT DISTINCT file_id, event_time // ${HOUR} AS hour FROM flows
      WHERE file_id IN (${uncovered.join(', ')}) AND event_time >= ${(h0 - 1) * HOUR} AND event_time < ${(h1 + 1) * HOUR}`
  }) r,
    (SELECT unnest(range(${h0}, ${h1})) AS hour) h
  WHERE r.hour BETWEEN h.hour - 1 AND h.hour + 1
  GROUP BY h.hour`;

/**
 * The deduplicated groups of the whole hours [h0, h1): hours whose cached fingerprint is current are read from
 * `overview_dedup`; the others are computed from the records into a temporary table (fingerprints first, then
 * rows: a file added or removed meanwhile makes the stored fingerprint stale, never the rows) and written to the
 * cache when the store can be written.
 */
async function dedupHours(
  store: Store,
  h0: number,
  h1: number,
  dedupFrom: (a: number, b: number) => string,
  /** Files without the rollup: their hours (from their records) are part of the fingerprints too. */
  uncovered: readonly number[] = [],
): Promise<{ cached: number[]; computed: number; temp: string | undefined }> {
  // Each hour's current fingerprint beside the stored one, in one query.
  const fps = (
    await store.query(
      `SELECT f.hour, f.file_ids::VARCHAR AS ids, s.file_ids::VARCHAR AS stored
       FROM (${fingerprintsSql(h0, h1, uncovered)}) f LEFT JOIN overview_dedup_hours s ON s.hour = f.hour`,
    )
  ).rows.map((r) => ({ hour: Number(r['hour']), ids: String(r['ids']), stored: r['stored'] }));
  const stored = new Map(fps.map((f) => [f.hour, f.stored == null ? undefined : String(f.stored)]));
  const cached = fps.filter((f) => stored.get(f.hour) === f.ids).map((f) => f.hour);
  const missing = fps.filter((f) => stored.get(f.hour) !== f.ids);
  if (missing.length === 0) return { cached, computed: 0, temp: undefined };
  // Runs of consecutive missing hours, one scan each.
  const runs: [number, number][] = [];
  for (const { hour } of missing.sort((a, b) => a.hour - b.hour)) {
    const last = runs.at(-1);
    if (last && last[1] === hour) last[1] = hour + 1;
    else runs.push([hour, hour + 1]);
  }
  const temp = tempName();
  const select = runs
    .map(([a, b]) => {
      const [lo, hi] = [a * HOUR, b * HOUR];
      return `(SELECT hour, ${COLS} FROM (${overviewRows(dedupFrom(lo, hi), `event_time >= ${lo} AND event_time < ${hi}`, COUNTED_KINDS, { bin: ROLLUP_BIN, by: ['hour'] })}))`;
    })
    .join(' UNION ALL ');
  await store.query(`CREATE TEMP TABLE ${temp} AS ${select}`);
  const hours = missing.map((m) => m.hour);
  const list = `[${hours.join(', ')}]::BIGINT[]`;
  try {
    await store.query('BEGIN TRANSACTION');
    await store.query(`DELETE FROM overview_dedup WHERE list_contains(${list}, hour)`);
    await store.query(`INSERT INTO overview_dedup SELECT * FROM ${temp}`);
    await store.query(
      `INSERT OR REPLACE INTO overview_dedup_hours SELECT * FROM (VALUES ${missing.map((m) => `(${m.hour}, '${m.ids}'::INTEGER[])`).join(', ')})`,
    );
    await store.query('COMMIT');
  } catch {
    // A read-only store, or another reader caching the same hours at once: answer from the temporary table.
    await store.query('ROLLBACK').catch(() => undefined);
  }
  return { cached, computed: hours.length, temp };
}

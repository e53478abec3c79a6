// Baseline rollups: the bins of each enabled baseline detection whose metric adds up (a sum or a count), kept
// per file as data arrives — inside the file's (or live batch's) load transaction through the loader's derive
// hook, so a file skipped as already ingested, or a live batch acknowledged as a duplicate, is never counted
// twice. `detect` reads bins from them (summing a bin's rows over files) when every stored file has them, and
// from the records otherwise. Distinct counts (flood fan-in) do not add up across files: those detections
// always read the records.

import { createHash } from 'node:crypto';
import type { Format } from '../records/format.js';
import type { DeriveSql } from '../storage/store.js';
import { binsDetection, binsRange } from './baseline.js';
import { type BaselineDetection, type Detection, fieldsUsed } from './definition.js';
import type { Hit } from './evaluate.js';
import type { RunSql } from './run.js';
import { hitsSql, type TimeRange } from './to-sql.js';

/** DDL of the rollup tables (run once before loading; CREATE IF NOT EXISTS, no schema version bump). */
export const ROLLUP_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS baseline_bins (
  def VARCHAR NOT NULL,
  file_id BIGINT NOT NULL,
  k VARCHAR NOT NULL,
  w BIGINT NOT NULL,
  value DOUBLE NOT NULL,
  records BIGINT NOT NULL,
  first_seen BIGINT NOT NULL,
  last_seen BIGINT NOT NULL
)`,
  `CREATE TABLE IF NOT EXISTS baseline_rollup_files (def VARCHAR NOT NULL, file_id BIGINT NOT NULL, PRIMARY KEY (def, file_id))`,
];

const sep = 'chr(1)';
const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** True when a detection's bins can be kept as rollups (its metric adds up across files). */
export function rollable(d: Detection): d is BaselineDetection {
  return d.kind === 'baseline' && d.metric.kind !== 'distinct';
}

/** The rollup identity of a definition: a hash of its bins query (a changed definition starts afresh). */
export function rollupDef(d: BaselineDetection): string {
  const sql = hitsSql({ engine: 'duckdb', relation: 'r' }, binsDetection(d), {});
  return `${d.id}:${createHash('sha256').update(sql).digest('hex').slice(0, 16)}`;
}

/**
 * The derive hook keeping the rollups of `detections` (the rollable, enabled ones). A file whose format lacks
 * a field a detection reads contributes no bins to it (as its records are out of that detection's scope).
 *
 * @example await ingest(store, paths, { derive: deriveRollups(config.detections) })
 */
export function deriveRollups(detections: readonly Detection[]): DeriveSql | undefined {
  const ds = detections.filter((d) => d.enabled).filter(rollable);
  if (ds.length === 0) return undefined;
  const defs = ds.map((d) => ({ d, def: rollupDef(d), used: fieldsUsed(d).filter((f) => f !== 'start') }));
  return (format: Format, rows: string, fileId: number) => {
    const cols = new Set(format.fields.flatMap((f) => (f.def ? [f.def.column] : [])));
    // The hits query reads `start` (every definition does); a format without it (the CDK example's) has only the
    // event time: give the relation a NULL start so the query binds (bins are by event time anyway).
    const relation = cols.has('start') ? rows : `(SELECT *, CAST(NULL AS BIGINT) AS "start" FROM ${rows})`;
    const out: string[] = [];
    for (const { d, def, used } of defs) {
      if (used.every((f) => cols.has(f))) {
        const key = d.groupBy.map((_, i) => `k${i}`).join(` || ${sep} || `);
        out.push(
          `INSERT INTO baseline_bins SELECT ${quote(def)}, ${Math.trunc(fileId)}, ${key}, w, value, records, first_seen, last_seen FROM (${hitsSql({ engine: 'duckdb', relation }, binsDetection(d), {})})`,
        );
      }
      out.push(
        `INSERT INTO baseline_rollup_files VALUES (${quote(def)}, ${Math.trunc(fileId)}) ON CONFLICT DO NOTHING`,
      );
    }
    return out;
  };
}

/** Runs each derive hook's statements in turn. */
export function combineDerive(...hooks: (DeriveSql | undefined)[]): DeriveSql | undefined {
  const hs = hooks.filter((h): h is DeriveSql => h !== undefined);
  if (hs.length === 0) return undefined;
  return (format, rows, fileId) => hs.flatMap((h) => h(format, rows, fileId));
}

/**
 * The bins of a detection from the rollups, or the number of stored files without them (then the caller reads
 * the records). Bins are whole: a range edge inside a bin counts the whole bin.
 */
export async function rollupBins(
  d: BaselineDetection,
  range: TimeRange,
  run: RunSql,
): Promise<{ bins: Hit[] } | { missing: number; total: number }> {
  const def = quote(rollupDef(d));
  let missing: number;
  const total = Number((await run('SELECT count(*) AS n FROM files'))[0]?.['n'] ?? 0);
  try {
    const r = await run(
      `SELECT count(*) AS n FROM files f WHERE NOT EXISTS (SELECT 1 FROM baseline_rollup_files x WHERE x.def = ${def} AND x.file_id = f.id)`,
    );
    missing = Number(r[0]?.['n'] ?? 0);
  } catch {
    // no rollup table yet: every file lacks them
    missing = total;
  }
  if (missing > 0) return { missing, total };
  const b = binsRange(range);
  const w: string[] = [`b.def = ${def}`];
  if (b.since !== undefined) w.push(`b.w >= ${Math.floor(b.since) - (Math.floor(b.since) % d.window)}`);
  if (b.until !== undefined) w.push(`b.w < ${Math.floor(b.until)}`);
  const rows = await run(
    `SELECT b.k, b.w, sum(b.value) AS value, sum(b.records) AS records, min(b.first_seen) AS first_seen, max(b.last_seen) AS last_seen
     FROM baseline_bins b JOIN files f ON f.id = b.file_id WHERE ${w.join(' AND ')} GROUP BY b.k, b.w ORDER BY b.k, b.w`,
  );
  return {
    bins: rows.map((r) => ({
      key: String(r['k']).split('\u0001'),
      w: Number(r['w']),
      value: Number(r['value']),
      records: Number(r['records']),
      firstSeen: Number(r['first_seen']),
      lastSeen: Number(r['last_seen']),
      peers: [],
      peerCount: 0,
    })),
  };
}

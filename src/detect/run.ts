// Running detections through a SQL backend: the hits query's rows (one per hit window and peer) read back as
// hits, then merged into episodes. The caller supplies how to run SQL (a store reader, the local Athena).

import type { Detection } from './definition.js';
import { type DetectedFinding, episodes } from './episodes.js';
import type { Hit } from './evaluate.js';
import { hitsSql, type SqlSource, type TimeRange } from './to-sql.js';

/** Runs one SELECT and returns its rows. */
export type RunSql = (sql: string) => Promise<readonly Record<string, unknown>[]>;

/** The hits of the hits query's rows (see hitsSql), in its order. */
export function hitsFromRows(d: Detection, rows: readonly Record<string, unknown>[]): Hit[] {
  const out: Hit[] = [];
  let last: { id: string; hit: Hit & { peers: string[] } } | undefined;
  for (const r of rows) {
    const key = d.groupBy.map((_, i) => String(r[`k${i}`]));
    const w = Number(r['w']);
    const id = `${key.join('\u0001')}\u0002${w}`;
    if (last === undefined || last.id !== id) {
      last = {
        id,
        hit: {
          key,
          w,
          value: Number(r['value']),
          records: Number(r['records']),
          firstSeen: Number(r['first_seen']),
          lastSeen: Number(r['last_seen']),
          peerCount: Number(r['peer_count']),
          peers: [],
        },
      };
      out.push(last.hit);
    }
    if (r['peer'] !== null && r['peer'] !== undefined) last.hit.peers.push(String(r['peer']));
  }
  return out;
}

/** Progress of a run: called before each detection. */
export type DetectProgress = (done: number, total: number, id: string) => void;

/**
 * Runs the enabled detections over a range and returns their findings (episodes within the range).
 *
 * @example await detectWithSql(catalog, { engine: 'duckdb' }, { since }, (sql) => reader.query(sql).then((r) => r.rows))
 */
export async function detectWithSql(
  detections: readonly Detection[],
  src: SqlSource,
  range: TimeRange,
  run: RunSql,
  progress?: DetectProgress,
): Promise<DetectedFinding[]> {
  const out: DetectedFinding[] = [];
  const enabled = detections.filter((d) => d.enabled);
  for (const [i, d] of enabled.entries()) {
    progress?.(i, enabled.length, d.id);
    const rows = await run(hitsSql(src, d, range));
    out.push(...episodes(d, hitsFromRows(d, rows)));
  }
  progress?.(enabled.length, enabled.length, '');
  return superseded(enabled, out);
}

/**
 * Drops the findings of a detection with `supersededBy` when the named detection has a finding on the same
 * entity overlapping in time (a fast scan is not reported again by the hour-long variant).
 *
 * @example superseded(catalog, findings).length <= findings.length // true
 */
export function superseded(
  detections: readonly Detection[],
  findings: readonly DetectedFinding[],
): DetectedFinding[] {
  const by = new Map(detections.flatMap((d) => (d.supersededBy ? [[d.id, d.supersededBy] as const] : [])));
  return findings.filter((f) => {
    const other = by.get(f.detection);
    if (other === undefined) return true;
    return !findings.some(
      (g) => g.detection === other && g.entity === f.entity && g.start <= f.end && f.start <= g.end,
    );
  });
}

// Running detections through a SQL backend: the hits query's rows (one per hit window and peer) read back as
// hits, then merged into episodes. The caller supplies how to run SQL (a store reader, the local Athena).

import { beaconHit } from './beacon.js';
import type { BeaconDetection, Detection } from './definition.js';
import { type DetectedFinding, episodes } from './episodes.js';
import type { Hit } from './evaluate.js';
import { beaconSql, hitsSql, type SqlSource, type TimeRange } from './to-sql.js';

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

const nums = (v: unknown): number[] => (Array.isArray(v) ? v.map(Number) : []);

/** The hits of the beacon query's rows (see beaconSql): each pair scored by beacon.ts, as in memory. */
export function beaconHitsFromRows(d: BeaconDetection, rows: readonly Record<string, unknown>[]): Hit[] {
  return rows.flatMap(
    (r) =>
      beaconHit(d, {
        key: d.groupBy.map((_, i) => String(r[`k${i}`])),
        w: Number(r['w']),
        ts: nums(r['ts']),
        sizes: nums(r['sizes']),
        records: Number(r['records']),
        firstSeen: Number(r['first_seen']),
        lastSeen: Number(r['last_seen']),
        lo: Number(r['lo']),
        hi: Number(r['hi']),
        sources: Number(r['sources']),
        allSources: Number(r['all_sources']),
      }) ?? [],
  );
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
    if (d.kind === 'beacon') {
      out.push(...episodes(d, beaconHitsFromRows(d, await run(beaconSql(src, d, range)))));
      continue;
    }
    const rows = await run(hitsSql(src, d, range));
    out.push(...episodes(d, hitsFromRows(d, rows)));
  }
  progress?.(enabled.length, enabled.length, '');
  return out;
}

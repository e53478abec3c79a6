// The evidence samples a run's hits queries picked (hitsSql's `samples`): per detection, group and hit window, the
// first records of the window by event time, then file and line. A finding's sample is the first of its windows'
// picks in window order (windows are disjoint and follow each other in time, so these are the first records its
// evidence query returns); storeFindings then reads them whole, and runs the sample query only for findings whose
// windows were not all picked here (merged with stored windows, or cut by the run's range).
// docs/decisions/71-detect-samples-in-hits.md.

import type { Detection } from './definition.js';
import type { TimeRange } from './to-sql.js';
import { matchedExtras } from './to-sql.js';

/** One picked record: where it lies in `flows` and the columns `matched` adds (matchedExtras). */
export interface PickedRecord {
  readonly fileId: number;
  readonly line: number;
  readonly extras: Readonly<Record<string, unknown>>;
}

const windowKey = (detection: string, key: readonly string[], w: number) =>
  JSON.stringify([detection, key, w]);

/** A run's picked samples (hitsSql's `fw_sample` column), kept for storeFindings. */
export class SamplePicks {
  private readonly byWindow = new Map<string, readonly PickedRecord[]>();

  /** @param size records kept per finding (SAMPLE_SIZE) */
  constructor(readonly size: number) {}

  /**
   * Keeps the picks of a hits query's rows (one row per hit window and peer; `fw_sample` repeats per peer). Only
   * windows wholly inside `range` are kept: the hits query saw only the range's records, the evidence query sees
   * the whole window.
   */
  add(d: Detection, range: TimeRange, rows: readonly Record<string, unknown>[]): void {
    const extras = matchedExtras(d);
    for (const r of rows) {
      const list = r['fw_sample'];
      if (!Array.isArray(list)) continue;
      const w = Number(r['w']);
      if (range.since !== undefined && w < range.since) continue;
      if (range.until !== undefined && w + d.window > range.until) continue;
      const k = windowKey(
        d.id,
        d.groupBy.map((_, i) => String(r[`k${i}`])),
        w,
      );
      if (this.byWindow.has(k)) continue;
      this.byWindow.set(
        k,
        list.map((x: Record<string, unknown>) => ({
          fileId: Number(x['file_id']),
          line: Number(x['line']),
          extras: Object.fromEntries(extras.map((c) => [c, x[c]])),
        })),
      );
    }
  }

  /**
   * The first `size` picked records of a finding's windows (window order), or undefined when some window was not
   * picked (the finding's sample must then come from its evidence).
   */
  of(detection: string, key: readonly string[], windows: readonly number[]): PickedRecord[] | undefined {
    const out: PickedRecord[] = [];
    for (const w of [...windows].sort((a, b) => a - b)) {
      const p = this.byWindow.get(windowKey(detection, key, w));
      if (p === undefined) return undefined;
      if (out.length < this.size) out.push(...p.slice(0, this.size - out.length));
    }
    return out;
  }
}

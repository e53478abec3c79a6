// Every stored REJECT of a period explained and grouped by the responsible rule: by verdict cell (each cell of
// records judged once; the default) or record by record (each distinct flow judged; the reference the cells are
// tested against).

import { verdictCells } from '../network/cells.js';
import { explainRecord } from '../network/explain.js';
import { recordOf } from '../network/explanation-json.js';
import type { NetworkModel } from '../network/model.js';
import { rejectCells, rejectGroups } from '../storage/network-snapshots.js';
import type { Store } from '../storage/store.js';
import type { Snapshots } from './network-shared.js';

/** One group of rejects: the records one rule (or cause) is responsible for. */
export interface RejectGroup {
  conclusion: string;
  records: number;
  /** Distinct flows (distinct record tuples) among the records. */
  flows: number;
  /** The example's record (flows columns). */
  example: Record<string, unknown>;
  fix: string | undefined;
  fixCdk: string | undefined;
  first: number;
  last: number;
}

export interface RejectGroups {
  readonly total: number;
  /** Records older than every snapshot (judged against the earliest). */
  readonly predating: number;
  readonly groups: Map<string, RejectGroup>;
  /** Rows judged: cells, or distinct flows. */
  readonly judged: number;
}

/**
 * Explains the REJECT records of [since, until) grouped by the responsible rule.
 *
 * @example const { groups } = await explainRejects(store, snaps, undefined, undefined)
 */
export async function explainRejects(
  store: Store,
  snaps: Snapshots,
  since: number | undefined,
  until: number | undefined,
  how: 'cells' | 'records' = 'cells',
): Promise<RejectGroups> {
  const groups = new Map<string, RejectGroup>();
  let predating = 0;
  let total = 0;
  let judged = 0;
  // Build every model first: a query on the connection while its stream is open would cut the stream short.
  const models = new Map<number, NetworkModel>();
  for (const sn of snaps.list) models.set(sn.id, await snaps.model(sn.id));
  const rows =
    how === 'cells'
      ? rejectCells(store, snaps.list, verdictCells(models.values()), since, until)
      : rejectGroups(store, since, until);
  for await (const chunk of rows) {
    for (const row of chunk) {
      judged++;
      const snapId = row['snapshot'] === null ? undefined : Number(row['snapshot']);
      const snap = snapId ?? snaps.list[0]!.id;
      const records = Number(row['records']);
      if (snapId === undefined) predating += records;
      total += records;
      const example = how === 'cells' ? (row['example'] as Record<string, unknown>) : row;
      const e = explainRecord(models.get(snap)!, recordOf(example));
      const flows = how === 'cells' ? Number(row['flows']) : 1;
      const g = groups.get(e.groupKey);
      const first = Number(row['first_seen']);
      const last = Number(row['last_seen']);
      if (g) {
        g.records += records;
        g.flows += flows;
        g.first = Math.min(g.first, first);
        g.last = Math.max(g.last, last);
      } else
        groups.set(e.groupKey, {
          conclusion: e.conclusion,
          records,
          flows,
          fix: e.fix,
          fixCdk: e.fixCdk,
          example,
          first,
          last,
        });
    }
  }
  return { total, predating, groups, judged };
}

/** The example of a group in words. */
export function exampleText(r: Record<string, unknown>): string {
  return `${r['srcaddr']}:${r['srcport']} → ${r['dstaddr']}:${r['dstport']} (${r['protocol']}) at ${r['interface_id'] ?? '?'}`;
}

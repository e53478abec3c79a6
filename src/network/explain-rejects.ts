// Every stored REJECT of a period explained and grouped by the responsible rule: by verdict cell (each cell of
// records judged once; the default) or record by record (each distinct flow judged; the reference the cells are
// tested against).

import {
  rejectAddresses,
  rejectCells,
  rejectGroups,
  rejectRecords,
  type SnapshotInfo,
} from '../storage/network-snapshots.js';
import type { Store } from '../storage/store.js';
import { parseAddress } from './address.js';
import { cellStart, verdictCells } from './cells.js';
import { explainRecord } from './explain.js';
import { recordOf } from './explanation-json.js';
import type { NetworkModel } from './model.js';

/** The stored snapshots (oldest first, at least one) and their models (the CLI's Snapshots is one). */
export interface Snapshots {
  readonly list: readonly SnapshotInfo[];
  model(id: number): Promise<NetworkModel>;
}

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
  /** True when the distinct-flow counts are HyperLogLog estimates (cells without exactFlows). */
  readonly flowsEstimated: boolean;
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
  exactFlows = false,
): Promise<RejectGroups> {
  // Build every model first: a query on the connection while its stream is open would cut the stream short.
  const models = new Map<number, NetworkModel>();
  for (const sn of snaps.list) models.set(sn.id, await snaps.model(sn.id));
  return how === 'cells'
    ? byCell(store, snaps, models, since, until, exactFlows)
    : byRecord(store, snaps, models, since, until);
}

function add(
  groups: Map<string, RejectGroup>,
  key: string,
  g: Omit<RejectGroup, 'example'> & { example: Record<string, unknown> },
): void {
  const had = groups.get(key);
  if (had) {
    had.records += g.records;
    had.flows += g.flows;
    had.first = Math.min(had.first, g.first);
    had.last = Math.max(had.last, g.last);
  } else groups.set(key, { ...g });
}

async function byRecord(
  store: Store,
  snaps: Snapshots,
  models: ReadonlyMap<number, NetworkModel>,
  since: number | undefined,
  until: number | undefined,
): Promise<RejectGroups> {
  const groups = new Map<string, RejectGroup>();
  let predating = 0;
  let total = 0;
  let judged = 0;
  for await (const chunk of rejectGroups(store, since, until)) {
    for (const row of chunk) {
      judged++;
      const snapId = row['snapshot'] === null ? undefined : Number(row['snapshot']);
      const records = Number(row['records']);
      if (snapId === undefined) predating += records;
      total += records;
      const e = explainRecord(models.get(snapId ?? snaps.list[0]!.id)!, recordOf(row));
      add(groups, e.groupKey, {
        conclusion: e.conclusion,
        records,
        flows: 1,
        fix: e.fix,
        fixCdk: e.fixCdk,
        example: row,
        first: Number(row['first_seen']),
        last: Number(row['last_seen']),
      });
    }
  }
  return { total, predating, groups, judged, flowsEstimated: false };
}

/**
 * Each cell judged once on a record made of its key (the cell's smallest addresses and client port: every record
 * of the cell gets the same verdict); then each group's example is fetched back from the store (the first stored
 * record of its largest cell) and explained for the conclusion and fix shown.
 */
async function byCell(
  store: Store,
  snaps: Snapshots,
  models: ReadonlyMap<number, NetworkModel>,
  since: number | undefined,
  until: number | undefined,
  exactFlows: boolean,
): Promise<RejectGroups> {
  const bounds = verdictCells(models.values());
  const cells = new Map<string, number>();
  let other = 2 ** 33; // cells of IPv6 and unparsable addresses: one per text, above every IPv4 cell start
  for (const a of await rejectAddresses(store, since, until)) {
    const p = parseAddress(a);
    cells.set(a, p !== undefined && !p.v6 ? cellStart(bounds.v4Starts, p.n) : other++);
  }
  const groups = new Map<string, RejectGroup & { cellRecords: number; rowId: number | null }>();
  let predating = 0;
  let total = 0;
  let judged = 0;
  for await (const chunk of rejectCells(
    store,
    snaps.list,
    cells,
    bounds.portStarts,
    since,
    until,
    exactFlows,
  )) {
    for (const row of chunk) {
      judged++;
      const snapId = row['snapshot'] === null ? undefined : Number(row['snapshot']);
      const model = models.get(snapId ?? snaps.list[0]!.id)!;
      const records = Number(row['records']);
      if (snapId === undefined) predating += records;
      total += records;
      const request = row['role'] === 'request';
      const serverPort = Number(row['server_port']);
      const clientPort = Number(row['client_port']);
      const flags = Number(row['flags']);
      const key = {
        interface_id: row['interface_id'],
        srcaddr: row['src'],
        dstaddr: row['dst'],
        srcport: request ? clientPort : serverPort,
        dstport: request ? serverPort : clientPort,
        protocol: row['protocol'],
        action: row['action'],
        flow_direction: row['flow_direction'],
        tcp_flags: flags === 0 ? null : flags,
        reject_reason: row['reject_reason'],
      };
      const e = explainRecord(model, recordOf(key));
      const first = Number(row['first_seen']);
      const last = Number(row['last_seen']);
      const flows = Number(row['flows']);
      const rowId = row['row_id'] === null ? null : Number(row['row_id']);
      const had = groups.get(e.groupKey);
      if (had) {
        had.records += records;
        had.flows += flows;
        had.first = Math.min(had.first, first);
        had.last = Math.max(had.last, last);
        if (records > had.cellRecords)
          Object.assign(had, { cellRecords: records, rowId, example: { ...key, snapshot: snapId ?? null } });
      } else
        groups.set(e.groupKey, {
          conclusion: e.conclusion,
          records,
          flows,
          fix: e.fix,
          fixCdk: e.fixCdk,
          example: { ...key, snapshot: snapId ?? null },
          first,
          last,
          cellRecords: records,
          rowId,
        });
    }
  }
  // The examples: real stored records, explained for the words shown (the same group by construction).
  const ids = [...groups.values()].flatMap((g) => (g.rowId === null ? [] : [g.rowId]));
  const real = new Map<number, Record<string, unknown>>();
  if (ids.length > 0)
    for (const r of (await rejectRecords(store, ids)).rows) real.set(Number(r['row_id']), r);
  const out = new Map<string, RejectGroup>();
  for (const [k, g] of groups) {
    const example = g.rowId === null ? undefined : real.get(g.rowId);
    const { cellRecords: _c, rowId: _r, ...rest } = g;
    if (example !== undefined) {
      const snapId = g.example['snapshot'];
      const e = explainRecord(
        models.get(snapId === null || snapId === undefined ? snaps.list[0]!.id : Number(snapId))!,
        recordOf(example),
      );
      if (e.groupKey === k)
        Object.assign(rest, { example, conclusion: e.conclusion, fix: e.fix, fixCdk: e.fixCdk });
    }
    out.set(k, rest);
  }
  return { total, predating, groups: out, judged, flowsEstimated: !exactFlows };
}

/** The example of a group in words. */
export function exampleText(r: Record<string, unknown>): string {
  return `${r['srcaddr']}:${r['srcport']} → ${r['dstaddr']}:${r['dstport']} (${r['protocol']}) at ${r['interface_id'] ?? '?'}`;
}

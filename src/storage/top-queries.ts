// The everyday questions as fixed SQL with bound parameters: top talkers, rejected sources, ports, protocols, interfaces.

import { type FlowView, flowsRelation, UNDIRECTED_SQL } from './flow-views.js';
import { MAX_UNCOVERED, rejectedSourcesSql, splitHours, UNCOVERED_FILES_SQL } from './reject-rollup.js';
import type { QueryResult, Store } from './store.js';
import { coveredPredicate } from './traffic-reports.js';

export type TopKind = 'talkers' | 'rejected' | 'ports' | 'protocols' | 'interfaces';
export type TopMeasure = 'bytes' | 'packets' | 'flows';

export interface TopOptions {
  readonly by?: TopMeasure | undefined;
  readonly limit?: number | undefined;
  /** Unix seconds; records whose event time lies in [since, until). */
  readonly since?: number | undefined;
  readonly until?: number | undefined;
  /** Deduplicated (default: each flow once) or per ENI (every record); `interfaces` is always per ENI. */
  readonly view?: FlowView | undefined;
  /** `rejected` reads whole hours from the rejected-traffic rollup when every file has one (default); false: the records only. */
  readonly rollup?: boolean | undefined;
}

/** A top list and the view its numbers come from. */
export interface TopResult extends QueryResult {
  readonly view: FlowView;
  /** Records in range without flow-direction, counted as recorded because no side can be chosen for them. */
  readonly undirected: number;
  /**
   * `rejected` only: records in range whose format has no `action` field, so whether they were rejected is
   * unknown (an empty list over them is not "nothing was rejected").
   */
  readonly withoutAction: number;
}

export const TOP_KINDS: readonly TopKind[] = ['talkers', 'rejected', 'ports', 'protocols', 'interfaces'];

/** What each question groups by, and its default measure. */
const SHAPES: Record<TopKind, { keys: string[]; where: string; by: TopMeasure; extra: string }> = {
  talkers: { keys: ['srcaddr AS source'], where: 'srcaddr IS NOT NULL', by: 'bytes', extra: '' },
  rejected: {
    keys: ['srcaddr AS source'],
    where: "action = 'REJECT' AND srcaddr IS NOT NULL",
    by: 'flows',
    extra: `, count(DISTINCT dstaddr) AS targets, count(DISTINCT dstport) AS ports,
      to_timestamp(min(event_time)) AS first_seen, to_timestamp(max(coalesce("end", event_time))) AS last_seen`,
  },
  ports: {
    keys: ['dstport AS port', 'protocol'],
    where: 'dstport IS NOT NULL',
    by: 'flows',
    extra: `, count(*) FILTER (WHERE action = 'REJECT') AS rejected_flows, count(DISTINCT srcaddr) AS sources`,
  },
  protocols: {
    keys: ['protocol'],
    where: 'protocol IS NOT NULL',
    by: 'bytes',
    extra: `, count(*) FILTER (WHERE action = 'REJECT') AS rejected_flows`,
  },
  interfaces: {
    keys: ['interface_id AS interface'],
    where: 'interface_id IS NOT NULL',
    by: 'bytes',
    extra: `, count(*) FILTER (WHERE action = 'REJECT') AS rejected_flows`,
  },
};

const MEASURE_SQL: Record<TopMeasure, string> = {
  bytes: 'bytes DESC NULLS LAST',
  packets: 'packets DESC NULLS LAST',
  flows: 'flows DESC',
};

/**
 * Runs one of the everyday questions over the store.
 *
 * @example await top(store, 'rejected', { limit: 10 }) // sources of rejected traffic by flow count
 */
export async function top(store: Store, kind: TopKind, opts: TopOptions = {}): Promise<TopResult> {
  const shape = SHAPES[kind];
  const by = opts.by ?? shape.by;
  const limit = Math.max(1, Math.min(opts.limit ?? 10, 10_000));
  const where = [`(${shape.where})`, `(event_time >= $1 OR $1 IS NULL)`, `(event_time < $2 OR $2 IS NULL)`];
  const groupCount = shape.keys.length;
  // An interface's bytes are what its own flow log recorded: the per-ENI view is the only meaningful one.
  const view: FlowView = kind === 'interfaces' ? 'per-eni' : (opts.view ?? 'deduplicated');
  // The deduplicated view keeps every REJECT record (flow-views.ts: a rejection is seen only on the side that
  // rejected it), so over rejected traffic it is the per-ENI relation: skip the work of choosing sides.
  const relation = kind === 'rejected' ? 'per-eni' : view;
  const sql = `SELECT ${shape.keys.join(', ')},
      count(*) AS flows, sum(packets) AS packets, sum(bytes) AS bytes${shape.extra}
    FROM ${flowsRelation(relation, { since: '$1', until: '$2' })} AS flows
    WHERE ${where.join(' AND ')}
    GROUP BY ${Array.from({ length: groupCount }, (_, i) => i + 1).join(', ')}
    ORDER BY ${MEASURE_SQL[by]}, 1
    LIMIT ${limit}`;
  const params = [opts.since ?? null, opts.until ?? null];
  const rolled =
    kind === 'rejected' && opts.rollup !== false ? await rollupSql(store, opts, by, limit) : undefined;
  const result = rolled ? await store.query(rolled) : await store.query(sql, params);
  // Records without flow-direction are counted as recorded; only worth a note where that can double-count, which
  // rejected traffic never does (its relation is per ENI whatever the view): no second scan for it.
  const undirected =
    view === 'deduplicated' && relation !== 'per-eni'
      ? Number((await store.query(UNDIRECTED_SQL, params)).rows[0]?.['n'] ?? 0)
      : 0;
  const withoutAction = kind === 'rejected' ? await countWithout(store, 'action', params) : 0;
  return { ...result, view, undirected, withoutAction };
}

/**
 * The rejected sources query through the rollup, or undefined when the records must answer (a store or file
 * without the rollup, or a range shorter than a whole hour).
 */
async function rollupSql(
  store: Store,
  opts: TopOptions,
  by: TopMeasure,
  limit: number,
): Promise<string | undefined> {
  const since = opts.since ?? null;
  const until = opts.until ?? null;
  const split = splitHours(since, until);
  if (!split || !(await store.hasTable('reject_rollup_files'))) return undefined;
  // Files without the rollup (an older store's; live files whose rollups the sink has not written yet) are read
  // from their records, unless there are too many to list.
  const uncovered = (await store.query(UNCOVERED_FILES_SQL)).rows.map((r) => Math.trunc(Number(r['id'])));
  if (uncovered.length > MAX_UNCOVERED) return undefined;
  return rejectedSourcesSql(split, since, until, MEASURE_SQL[by], limit, uncovered);
}

/** Records in [since, until) whose format lacks `column` (0 at once, with no scan, when every format has it). */
export async function countWithout(store: Store, column: string, params: (number | null)[]): Promise<number> {
  const covered = await coveredPredicate(store, column);
  if (covered === 'true') return 0;
  const r = await store.query(
    `SELECT count(*) AS n FROM flows WHERE NOT (${covered}) AND (event_time >= $1 OR $1 IS NULL) AND (event_time < $2 OR $2 IS NULL)`,
    params,
  );
  return Number(r.rows[0]?.['n'] ?? 0);
}

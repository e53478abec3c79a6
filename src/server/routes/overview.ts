// GET /api/overview: everything the Overview page shows, each part one aggregate query in DuckDB over the
// records whose event time lies in [since, until).

import type { FastifyInstance } from 'fastify';
import { protocolName } from '../../core/protocols.js';
import { FLOW_VIEWS, type FlowView, flowsRelation, UNDIRECTED_SQL } from '../../storage/flow-views.js';
import type { Store } from '../../storage/store.js';
import { countWithout } from '../../storage/top-queries.js';
import type { OverviewResponse } from '../api-contract.js';
import { InvalidInputError } from '../errors.js';
import type { RouteContext } from '../route-context.js';
import { responses, timeRangeProperties } from '../schemas.js';

/** Most points in a series; the default bin grows to stay under it, a given bin must. */
export const MAX_POINTS = 1440;
/** Bins the default picks from (seconds). */
const NICE_BINS = [60, 300, 900, 1800, 3600, 10_800, 21_600, 43_200, 86_400, 604_800];

interface OverviewQuery {
  since?: number;
  until?: number;
  bin?: number;
  top?: number;
  view?: FlowView;
}

/** The records counted: `flows` itself (per ENI) or each flow once; $1 since, $2 until. */
const FROM: Record<FlowView, string> = {
  deduplicated: `${flowsRelation('deduplicated', { since: '$1', until: '$2' })} AS flows`,
  'per-eni': 'flows',
};

/** $1 since, $2 until (unix seconds). */
const IN_RANGE = `event_time >= $1::BIGINT AND event_time < $2::BIGINT`;

/**
 * Series, totals, top talkers, top rejected sources, top destination ports and protocols in one scan of the
 * counted records: GROUPING SETS over the range, each set ranked and cut to the top $4 in SQL. The deduplicated
 * relation (flow-views.ts) is costly to build (its receiver and NAT sets, the per-record rule): six queries built
 * it six times (18 CPU-s of 21 over 10M records); one scan builds it once. $1 since, $2 until, $3 bin, $4 top.
 * GROUPING(t, srcaddr, dstport, protocol) numbers the sets: (t) 7, (srcaddr) 11, (dstport, protocol) 12,
 * (protocol) 14, () 15. Rows come out by part, then in each list's order (`rank`).
 */
const ONE_SCAN_SQL = (from: string) => `WITH g AS MATERIALIZED (
  SELECT GROUPING(t, srcaddr, dstport, protocol) AS gid, t, srcaddr, dstport, protocol,
    count(*) AS flows, coalesce(sum(bytes), 0) AS bytes, coalesce(sum(packets), 0) AS packets,
    count(*) FILTER (WHERE action = 'ACCEPT') AS af, count(*) FILTER (WHERE action = 'REJECT') AS rf,
    coalesce(sum(bytes) FILTER (WHERE action = 'ACCEPT'), 0) AS ab,
    coalesce(sum(bytes) FILTER (WHERE action = 'REJECT'), 0) AS rb,
    coalesce(sum(packets) FILTER (WHERE action = 'ACCEPT'), 0) AS ap,
    coalesce(sum(packets) FILTER (WHERE action = 'REJECT'), 0) AS rp
  FROM (SELECT (event_time // $3::BIGINT) * $3::BIGINT AS t, srcaddr, dstport, protocol, bytes, packets, action
        FROM ${from} WHERE ${IN_RANGE})
  GROUP BY GROUPING SETS ((t), (srcaddr), (dstport, protocol), (protocol), ())
)
SELECT * FROM (
  SELECT 'series' AS part, 0 AS rank, * FROM g WHERE gid = 7 AND t IS NOT NULL
  UNION ALL
  SELECT 'totals', 0, * FROM g WHERE gid = 15
  UNION ALL
  SELECT 'talker', row_number() OVER (ORDER BY bytes DESC, flows DESC, srcaddr), * FROM g
  WHERE gid = 11 AND srcaddr IS NOT NULL
  UNION ALL
  SELECT 'rejected', row_number() OVER (ORDER BY rf DESC, srcaddr), * FROM g
  WHERE gid = 11 AND srcaddr IS NOT NULL AND rf > 0
  UNION ALL
  SELECT 'port', row_number() OVER (ORDER BY flows DESC, bytes DESC, dstport, protocol), * FROM g
  WHERE gid = 12 AND dstport IS NOT NULL
  UNION ALL
  SELECT 'protocol', row_number() OVER (ORDER BY flows DESC, protocol), * FROM g WHERE gid = 14 AND protocol IS NOT NULL
)
WHERE rank <= $4 OR part IN ('series', 'totals', 'protocol')
ORDER BY part, rank`;

const DIRECTIONS_SQL = `SELECT flow_direction AS direction, count(*) AS flows, coalesce(sum(bytes), 0) AS bytes
FROM flows WHERE ${IN_RANGE} AND flow_direction IS NOT NULL
GROUP BY 1 ORDER BY flows DESC, direction`;

const INTERFACES_SQL = `SELECT interface_id AS "interfaceId", count(*) AS flows, coalesce(sum(bytes), 0) AS bytes,
  count(*) FILTER (WHERE action = 'REJECT') AS "rejectedFlows"
FROM flows WHERE ${IN_RANGE} AND interface_id IS NOT NULL
GROUP BY 1 ORDER BY bytes DESC, flows DESC, 1 LIMIT $3`;

/** The bin of a range: the given one, or the smallest nice bin giving at most MAX_POINTS points. */
export function chooseBin(since: number, until: number, bin?: number): number {
  if (bin !== undefined) return bin;
  const span = until - since;
  return NICE_BINS.find((b) => span / b <= MAX_POINTS) ?? Math.ceil(span / MAX_POINTS / 86_400) * 86_400;
}

/** The Overview page's data (what /api/overview answers), in-process; bench:scale times it. */
export async function overview(
  r: Store,
  since: number,
  until: number,
  bin: number,
  top: number,
  view: FlowView,
) {
  const range = [since, until];
  const from = FROM[view];
  const rows = async (sql: string, params: number[]) => (await r.query(sql, params)).rows;
  const n = (v: unknown) => Number(v ?? 0);
  const parts = await rows(ONE_SCAN_SQL(from), [...range, bin, top]);
  const part = (name: string) => parts.filter((x) => x['part'] === name);
  // Every bin of the range, empty ones as zeros (a gap drawn as zero traffic, not skipped).
  const byT = new Map(part('series').map((x) => [n(x['t']), x]));
  const series = [];
  for (let t = Math.floor(since / bin) * bin; t < until; t += bin) {
    const x = byT.get(t);
    series.push({
      t,
      acceptedBytes: n(x?.['ab']),
      rejectedBytes: n(x?.['rb']),
      acceptedPackets: n(x?.['ap']),
      rejectedPackets: n(x?.['rp']),
      acceptedFlows: n(x?.['af']),
      rejectedFlows: n(x?.['rf']),
    });
  }
  const totals = part('totals')[0] ?? {};
  const undirected = view === 'deduplicated' ? n((await rows(UNDIRECTED_SQL, range))[0]?.['n']) : 0;
  const topRejected = part('rejected');
  // Records whose format has no action field can't count as rejected: an empty list over them is a silent zero.
  const withoutAction = await countWithout(r, 'action', range);
  const response: OverviewResponse = {
    since,
    until,
    bin,
    view,
    undirectedFlows: undirected,
    series,
    totals: {
      flows: n(totals['flows']),
      bytes: n(totals['bytes']),
      packets: n(totals['packets']),
      rejectedFlows: n(totals['rf']),
    },
    topTalkers: part('talker').map((x) => ({
      addr: String(x['srcaddr']),
      bytes: n(x['bytes']),
      flows: n(x['flows']),
    })),
    topRejectedSources: topRejected.map((x) => ({
      addr: String(x['srcaddr']),
      flows: n(x['rf']),
    })),
    recordsWithoutAction: withoutAction,
    topRejectedWarning:
      withoutAction === 0
        ? null
        : `${withoutAction} records in range come from flow logs whose format has no action field, so their rejected traffic cannot be counted${topRejected.length === 0 ? ' (the empty list does not mean nothing was rejected)' : ''}; add \${action} to the flow log format (a new flow log: a format cannot be changed)`,
    topDestinationPorts: part('port').map((x) => ({
      port: n(x['dstport']),
      protocol: n(x['protocol']),
      flows: n(x['flows']),
      bytes: n(x['bytes']),
    })),
    protocols: part('protocol').map((x) => ({
      protocol: n(x['protocol']),
      name: protocolName(n(x['protocol'])),
      flows: n(x['flows']),
      bytes: n(x['bytes']),
    })),
    directions: (await rows(DIRECTIONS_SQL, range)).map((x) => ({
      direction: String(x['direction']),
      flows: n(x['flows']),
      bytes: n(x['bytes']),
    })),
    interfaces: (await rows(INTERFACES_SQL, [...range, top])).map((x) => ({
      interfaceId: String(x['interfaceId']),
      flows: n(x['flows']),
      bytes: n(x['bytes']),
      rejectedFlows: n(x['rejectedFlows']),
    })),
  };
  return response;
}

const count = { type: 'integer' } as const;
const num = { type: 'number' } as const;
const obj = (props: Record<string, unknown>) => ({
  type: 'object',
  required: Object.keys(props),
  properties: props,
});

const overviewSchema = obj({
  since: count,
  until: count,
  view: { type: 'string', enum: [...FLOW_VIEWS], description: 'the records counted' },
  undirectedFlows: {
    type: 'integer',
    description: 'deduplicated view: records in range without flow-direction, counted as recorded',
  },
  bin: { type: 'integer', description: 'seconds per point of series' },
  series: {
    type: 'array',
    items: obj({
      t: count,
      acceptedBytes: num,
      rejectedBytes: num,
      acceptedPackets: num,
      rejectedPackets: num,
      acceptedFlows: count,
      rejectedFlows: count,
    }),
  },
  totals: obj({ flows: count, bytes: num, packets: num, rejectedFlows: count }),
  topTalkers: { type: 'array', items: obj({ addr: { type: 'string' }, bytes: num, flows: count }) },
  topRejectedSources: { type: 'array', items: obj({ addr: { type: 'string' }, flows: count }) },
  recordsWithoutAction: {
    type: 'integer',
    description: 'records in range whose format has no action field: their rejections cannot be counted',
  },
  topRejectedWarning: {
    type: 'string',
    nullable: true,
    description:
      'set when recordsWithoutAction > 0: the top rejected sources leave those records out (an empty list is not "nothing rejected")',
  },
  topDestinationPorts: {
    type: 'array',
    items: obj({ port: count, protocol: count, flows: count, bytes: num }),
  },
  protocols: {
    type: 'array',
    items: obj({ protocol: count, name: { type: 'string' }, flows: count, bytes: num }),
  },
  directions: { type: 'array', items: obj({ direction: { type: 'string' }, flows: count, bytes: num }) },
  interfaces: {
    type: 'array',
    items: obj({ interfaceId: { type: 'string' }, flows: count, bytes: num, rejectedFlows: count }),
  },
});

export function overviewRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get<{ Querystring: OverviewQuery }>(
    '/overview',
    {
      schema: {
        summary: 'Traffic over time and the top lists of the Overview page',
        description:
          'Records whose event time lies in [since, until). `flows` counts records; accepted/rejected split by action. ' +
          `Without \`bin\`, the smallest of 1 min, 5 min, 15 min, ... giving at most ${MAX_POINTS} points.`,
        tags: ['overview'],
        querystring: {
          type: 'object',
          properties: {
            ...timeRangeProperties,
            bin: { type: 'integer', minimum: 1, maximum: 31_536_000, description: 'seconds per point' },
            top: {
              type: 'integer',
              minimum: 1,
              maximum: 100,
              default: 10,
              description: 'length of the top lists',
            },
            view: {
              type: 'string',
              enum: [...FLOW_VIEWS],
              default: 'deduplicated',
              description:
                'deduplicated: each flow once, on the receiving ENI (NAT gateway outer legs dropped); per-eni: every ' +
                'record. Directions and interfaces are always per ENI.',
            },
          },
        },
        response: responses(overviewSchema),
      },
    },
    async (req) => {
      const { since, until } = ctx.range(req.query);
      const bin = chooseBin(since, until, req.query.bin);
      if ((until - since) / bin > MAX_POINTS) {
        throw new InvalidInputError(
          'bin',
          `query parameter bin ${bin} gives more than ${MAX_POINTS} points from ${since} to ${until}`,
          `use a bin of at least ${Math.ceil((until - since) / MAX_POINTS)} seconds, or leave it out`,
        );
      }
      return ctx.read((r) =>
        overview(r, since, until, bin, req.query.top ?? 10, req.query.view ?? 'deduplicated'),
      );
    },
  );
}

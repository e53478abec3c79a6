// GET /api/overview: everything the Overview page shows over the records whose event time lies in [since, until),
// summed from the Overview's groups: whole hours from the rollups, the edges from the records (overview-rollup.ts).

import type { FastifyInstance } from 'fastify';
import { protocolName } from '../../core/protocols.js';
import { FLOW_VIEWS, type FlowView } from '../../storage/flow-views.js';
import { type OverviewSource, withOverviewRows } from '../../storage/overview-rollup.js';
import { storedSpan } from '../../storage/range-note.js';
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

/**
 * Series, totals, top talkers, top rejected sources, top destination ports, protocols, directions and interfaces
 * from the Overview's groups (overview-rollup.ts: whole hours from the rollups, edges from the records, or all
 * from the records), summed per key (each kind only the sums it shows: HUGEINT sums are what cost) and each list ranked and cut to the top `top` in SQL. Protocols are summed
 * from the (port, protocol) groups; totals from the series. Rows come out by part, then in each list's order.
 */
const SUMMED_SQL = (
  rows: string,
  bin: number,
  top: number,
  once: boolean,
) => `WITH p AS ${once ? '' : 'NOT '}MATERIALIZED (${rows}),
g AS MATERIALIZED (
  SELECT 'series' AS kind, (t // ${bin}) * ${bin} AS t, NULL::VARCHAR AS srcaddr, NULL::INTEGER AS dstport,
    NULL::INTEGER AS protocol, NULL::VARCHAR AS flow_direction, NULL::VARCHAR AS interface_id, sum(flows) AS flows,
    coalesce(sum(bytes), 0) AS bytes, coalesce(sum(packets), 0) AS packets, sum(af) AS af, sum(rf) AS rf,
    coalesce(sum(ab), 0) AS ab, coalesce(sum(rb), 0) AS rb, coalesce(sum(ap), 0) AS ap, coalesce(sum(rp), 0) AS rp,
    sum(ud) AS ud
  FROM p WHERE kind = 'series' AND t IS NOT NULL GROUP BY 2
  UNION ALL
  SELECT 'src', NULL, srcaddr, NULL, NULL, NULL, NULL, sum(flows), coalesce(sum(bytes), 0), 0, 0, sum(rf), 0, 0, 0,
    0, 0
  FROM p WHERE kind = 'src' GROUP BY srcaddr
  UNION ALL
  SELECT 'port', NULL, NULL, dstport, protocol, NULL, NULL, sum(flows), coalesce(sum(bytes), 0), 0, 0, 0, 0, 0, 0,
    0, 0
  FROM p WHERE kind = 'port' GROUP BY dstport, protocol
  UNION ALL
  SELECT 'dir', NULL, NULL, NULL, NULL, flow_direction, NULL, sum(flows), coalesce(sum(bytes), 0), 0, 0, 0, 0, 0, 0,
    0, sum(ud)
  FROM p WHERE kind = 'dir' GROUP BY flow_direction
  UNION ALL
  SELECT 'if', NULL, NULL, NULL, NULL, NULL, interface_id, sum(flows), coalesce(sum(bytes), 0), 0, 0, sum(rf), 0, 0,
    0, 0, 0
  FROM p WHERE kind = 'if' GROUP BY interface_id
)
SELECT * FROM (
  SELECT 'series' AS part, 0 AS rank, * FROM g WHERE kind = 'series' AND t IS NOT NULL
  UNION ALL
  SELECT 'totals', 0, 'totals', NULL, NULL, NULL, NULL, NULL, NULL, sum(flows), sum(bytes), sum(packets), sum(af),
    sum(rf), sum(ab), sum(rb), sum(ap), sum(rp), sum(ud) FROM g WHERE kind = 'series'
  UNION ALL
  SELECT 'undirected', 0, 'undirected', NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, sum(ud)
  FROM g WHERE kind = 'dir'
  UNION ALL
  SELECT 'talker', row_number() OVER (ORDER BY bytes DESC, flows DESC, srcaddr), * FROM g
  WHERE kind = 'src' AND srcaddr IS NOT NULL
  UNION ALL
  SELECT 'rejected', row_number() OVER (ORDER BY rf DESC, srcaddr), * FROM g
  WHERE kind = 'src' AND srcaddr IS NOT NULL AND rf > 0
  UNION ALL
  SELECT 'port', row_number() OVER (ORDER BY flows DESC, bytes DESC, dstport, protocol), * FROM g
  WHERE kind = 'port' AND dstport IS NOT NULL
  UNION ALL
  SELECT 'protocol', row_number() OVER (ORDER BY flows DESC, protocol), 'protocol', NULL, NULL, NULL, protocol,
    NULL, NULL, flows, bytes, 0, 0, 0, 0, 0, 0, 0, 0
  FROM (SELECT protocol, sum(flows) AS flows, sum(bytes) AS bytes FROM g WHERE kind = 'port' AND protocol IS NOT NULL
        GROUP BY protocol)
  UNION ALL
  SELECT 'direction', row_number() OVER (ORDER BY flows DESC, flow_direction), * FROM g
  WHERE kind = 'dir' AND flow_direction IS NOT NULL
  UNION ALL
  SELECT 'interface', row_number() OVER (ORDER BY bytes DESC, flows DESC, interface_id), * FROM g
  WHERE kind = 'if' AND interface_id IS NOT NULL
)
WHERE rank <= ${top} OR part IN ('series', 'totals', 'undirected', 'protocol', 'direction')
ORDER BY part, rank`;

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
  opts: { rollup?: boolean; source?: (s: OverviewSource) => void } = {},
) {
  const range = [since, until];
  const n = (v: unknown) => Number(v ?? 0);
  const parts = await withOverviewRows(
    r,
    { since, until, bin, view, rollup: opts.rollup },
    async (rows, source) => {
      opts.source?.(source);
      // Records are grouped once (materialized); rollup parts are read per kind, each scan filtered by kind.
      return (await r.query(SUMMED_SQL(rows, Math.trunc(bin), Math.trunc(top), source.path === 'records')))
        .rows;
    },
  );
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
  const undirected = view === 'deduplicated' ? n(part('undirected')[0]?.['ud']) : 0;
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
    directions: part('direction').map((x) => ({
      direction: String(x['flow_direction']),
      flows: n(x['flows']),
      bytes: n(x['bytes']),
    })),
    interfaces: part('interface').map((x) => ({
      interfaceId: String(x['interface_id']),
      flows: n(x['flows']),
      bytes: n(x['bytes']),
      rejectedFlows: n(x['rf']),
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

/** The response with the optional `stored` (not in `required`). */
const overviewResponseSchema = {
  ...overviewSchema,
  properties: {
    ...overviewSchema.properties,
    stored: {
      ...obj({ records: count, from: count, to: count }),
      description:
        'only when the range holds no record: how many records the store holds and their first and last event ' +
        'time (unix seconds), so that an empty page can say where the data is (records: 0 when nothing is stored)',
    },
  },
};

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
        response: responses(overviewResponseSchema),
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
      return ctx.read(async (r) => {
        const o = await overview(r, since, until, bin, req.query.top ?? 10, req.query.view ?? 'deduplicated');
        // An empty range is not "no traffic" when the records are elsewhere in time: say where they are.
        return o.totals.flows === 0 && o.recordsWithoutAction === 0
          ? { ...o, stored: await storedSpan(r) }
          : o;
      });
    },
  );
}

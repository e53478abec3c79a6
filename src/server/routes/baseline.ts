// GET /api/baseline: the baseline band (expected range) of the Overview's or a host's accepted traffic per bin, from
// the store's own history (metrics/traffic-baseline.ts). GET /api/host: a host's traffic per bin, top peers and ports.

import type { FastifyInstance } from 'fastify';
import { protocolName } from '../../core/protocols.js';
import {
  BASELINE_K,
  BASELINE_MIN_DAYS,
  BASELINE_WEEK_DAYS,
  BASELINE_WINDOW_DAYS,
  baselineBand,
} from '../../metrics/traffic-baseline.js';
import { FLOW_VIEWS, type FlowView } from '../../storage/flow-views.js';
import { fillBins, type Host, hostTops, parseHost, trafficBins } from '../../storage/host-traffic.js';
import type { BaselineResponse, HostResponse } from '../api-contract.js';
import { InvalidInputError } from '../errors.js';
import type { RouteContext } from '../route-context.js';
import { responses, timeRangeProperties } from '../schemas.js';
import { chooseBin, MAX_POINTS } from './overview.js';

const DAY = 86_400;

interface Query {
  since?: number;
  until?: number;
  bin?: number;
  view?: FlowView;
  host?: string;
  top?: number;
}

const count = { type: 'integer' } as const;
const num = { type: 'number' } as const;
const obj = (props: Record<string, unknown>, optional: Record<string, unknown> = {}) => ({
  type: 'object',
  required: Object.keys(props),
  properties: { ...props, ...optional },
});
const bandPoints = { type: 'array', items: obj({ t: count, expected: num, lower: num, upper: num }) };

const querystring = {
  type: 'object',
  properties: {
    ...timeRangeProperties,
    bin: { type: 'integer', minimum: 1, maximum: 31_536_000, description: 'seconds per point' },
    view: {
      type: 'string',
      enum: [...FLOW_VIEWS],
      default: 'deduplicated',
      description: 'the records counted',
    },
    host: {
      type: 'string',
      minLength: 1,
      maxLength: 64,
      description: 'an IPv4/IPv6 address or an interface id (eni-…); absent: all traffic',
    },
  },
} as const;

function binOf(since: number, until: number, bin: number | undefined): number {
  const b = chooseBin(since, until, bin);
  if ((until - since) / b > MAX_POINTS) {
    throw new InvalidInputError(
      'bin',
      `query parameter bin ${b} gives more than ${MAX_POINTS} points from ${since} to ${until}`,
      `use a bin of at least ${Math.ceil((until - since) / MAX_POINTS)} seconds, or leave it out`,
    );
  }
  return b;
}

function hostOf(text: string | undefined): Host | undefined {
  if (text === undefined) return undefined;
  const host = parseHost(text);
  if (host === undefined) {
    throw new InvalidInputError(
      'host',
      `query parameter host "${text}" is neither an IP address nor an interface id`,
      'give an address such as 10.0.1.5 or an interface id such as eni-0abc123',
    );
  }
  return host;
}

export function baselineRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get<{ Querystring: Query }>(
    '/baseline',
    {
      schema: {
        summary:
          'The baseline band (expected range) of accepted traffic per bin, from the store’s own history',
        description:
          `Median/MAD seasonal model of the anomaly-band alarms: hour of day from ${BASELINE_MIN_DAYS} days of history, ` +
          `hour of week from ${BASELINE_WEEK_DAYS}; each bin's band comes from the model trained at its day's start (UTC) on the ` +
          `${BASELINE_WINDOW_DAYS} days before (no look-ahead); expected ± ${BASELINE_K}σ. Too little history: no ` +
          'points and `note` says how much there is.',
        tags: ['overview'],
        querystring,
        response: responses(
          obj(
            {
              since: count,
              until: count,
              bin: count,
              view: { type: 'string' },
              k: num,
              daysAvailable: num,
              seasonality: { type: 'string', enum: ['hour-of-week', 'hour-of-day', 'none'] },
              bytes: bandPoints,
              packets: bandPoints,
              flows: bandPoints,
            },
            {
              host: { type: 'string' },
              note: { type: 'string', description: 'why some or all bins have no band, and what to do' },
            },
          ),
        ),
      },
    },
    async (req) => {
      const { since, until } = ctx.range(req.query);
      const bin = binOf(since, until, req.query.bin);
      const host = hostOf(req.query.host);
      const view = req.query.view ?? 'deduplicated';
      const from = Math.floor((since - BASELINE_WINDOW_DAYS * DAY) / bin) * bin;
      const bins = await ctx.read((r) => trafficBins(r, { since: from, until, bin, view, host }));
      const filled = fillBins(bins, until, until, bin);
      const band = (pick: (b: (typeof filled)[number]) => number) =>
        baselineBand(
          filled.map((b) => ({ start: b.t, value: pick(b) })),
          { since, until, bin },
        );
      const bytes = band((b) => b.acceptedBytes);
      const response: BaselineResponse = {
        since,
        until,
        bin,
        view,
        ...(host ? { host: host.id } : {}),
        k: BASELINE_K,
        daysAvailable: Number(bytes.daysAvailable.toFixed(3)),
        seasonality: bytes.seasonality,
        ...(bytes.note !== undefined ? { note: bytes.note } : {}),
        bytes: bytes.points,
        packets: band((b) => b.acceptedPackets).points,
        flows: band((b) => b.acceptedFlows).points,
      };
      return response;
    },
  );

  app.get<{ Querystring: Query }>(
    '/host',
    {
      schema: {
        summary: 'One host’s traffic per bin, top peers and destination ports',
        description:
          'A host is an address (its flows as source or destination, each flow once) or an interface id (its own ' +
          'records). Peers are the other end of its flows (an interface’s: the source of ingress, else the destination).',
        tags: ['overview'],
        querystring: {
          ...querystring,
          required: ['host'],
          properties: {
            ...querystring.properties,
            top: {
              type: 'integer',
              minimum: 1,
              maximum: 100,
              default: 10,
              description: 'length of the top lists',
            },
          },
        },
        response: responses(
          obj({
            host: { type: 'string' },
            kind: { type: 'string', enum: ['address', 'interface'] },
            since: count,
            until: count,
            bin: count,
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
            peers: { type: 'array', items: obj({ addr: { type: 'string' }, bytes: num, flows: count }) },
            ports: {
              type: 'array',
              items: obj({
                port: count,
                protocol: count,
                name: { type: 'string' },
                flows: count,
                bytes: num,
              }),
            },
          }),
        ),
      },
    },
    async (req) => {
      const { since, until } = ctx.range(req.query);
      const bin = binOf(since, until, req.query.bin);
      const host = hostOf(req.query.host)!;
      const view = req.query.view ?? 'deduplicated';
      const top = req.query.top ?? 10;
      return ctx.read(async (r) => {
        const bins = await trafficBins(r, { since, until, bin, view, host });
        const series = fillBins(bins, Math.floor(since / bin) * bin, until, bin).filter(
          (b) => b.t >= Math.floor(since / bin) * bin,
        );
        const tops = await hostTops(r, { since, until, host, top, view });
        const sum = (f: (b: (typeof bins)[number]) => number) => bins.reduce((a, b) => a + f(b), 0);
        const response: HostResponse = {
          host: host.id,
          kind: host.kind,
          since,
          until,
          bin,
          series,
          totals: {
            flows: sum((b) => b.acceptedFlows + b.rejectedFlows),
            bytes: sum((b) => b.acceptedBytes + b.rejectedBytes),
            packets: sum((b) => b.acceptedPackets + b.rejectedPackets),
            rejectedFlows: sum((b) => b.rejectedFlows),
          },
          peers: tops.peers,
          ports: tops.ports.map((p) => ({ ...p, name: protocolName(p.protocol) })),
        };
        return response;
      });
    },
  );
}

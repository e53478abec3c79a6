// GET /api/reports/encryption and /api/reports/traffic-kinds: the views over the newest fields, with their coverage and warnings.

import type { FastifyInstance } from 'fastify';
import { pricesFile } from '../../config/config.js';
import { estimateCosts } from '../../cost/estimate.js';
import { DEFAULT_PRICES, loadPrices, regionPrices } from '../../cost/prices.js';
import { complianceHtml } from '../../report/compliance-html.js';
import { complianceData } from '../../storage/compliance.js';
import { pathsReport } from '../../storage/path-costs.js';
import {
  ENCRYPTION_GROUPS,
  type EncryptionGroup,
  encryptionReport,
  trafficKinds,
} from '../../storage/traffic-reports.js';
import type { EncryptionReportResponse, PathsReportResponse, TrafficKindsResponse } from '../api-contract.js';
import type { RouteContext } from '../route-context.js';
import { responses, timeRangeProperties } from '../schemas.js';

interface ReportQuery {
  region?: string;
  by?: EncryptionGroup;
  since?: number;
  until?: number;
  limit?: number;
}

/** An answer object whose members are all kept (nested rows and coverage objects). */
const openObject = (required: readonly string[]) => ({
  type: 'object',
  required,
  additionalProperties: true,
  properties: {
    warnings: {
      type: 'array',
      items: { type: 'string' },
      description:
        'Loud notes: no stored record (or only some) has the field a view needs, and what to add to the format',
    },
  },
});

export function reportsRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get<{ Querystring: ReportQuery }>(
    '/reports/encryption',
    {
      schema: {
        summary: 'Encryption in transit (encryption-status, version 10)',
        description:
          'Share of flows and bytes by encryption status (0 not encrypted, 1 Nitro, 2 application layer, 3 both, ' +
          'unknown = "-"), per vpc, subnet, interface or service port (the lower port), the top sources, ' +
          'destinations and ports of unencrypted traffic, and flows/bytes per hour, over records whose event time ' +
          'lies in [since, until) (default: the last hour). Only records whose format has encryption-status count: ' +
          '`coverage` says how many, and `warnings` says so when it is not all of them.',
        tags: ['reports'],
        querystring: {
          type: 'object',
          properties: {
            by: { type: 'string', enum: [...ENCRYPTION_GROUPS], default: 'vpc' },
            ...timeRangeProperties,
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 10 },
          },
        },
        response: responses(
          openObject(['coverage', 'warnings', 'statuses', 'by', 'groups', 'unencrypted', 'trend']),
        ),
      },
    },
    async (req): Promise<EncryptionReportResponse> => {
      const { since, until } = ctx.range(req.query);
      return ctx.read((reader) =>
        encryptionReport(reader, { since, until, by: req.query.by, limit: req.query.limit }),
      );
    },
  );

  app.get<{ Querystring: ReportQuery }>(
    '/reports/traffic-kinds',
    {
      schema: {
        summary: 'IP version, EFA, reject reasons and interface types',
        description:
          'IPv4/IPv6/EFA share of flows and bytes (from `type`, else the address form), EFA traffic by interface, ' +
          'rejected records by reject-reason (BPA, EC, "-") and records by interface-type, each with the coverage ' +
          'of the field it needs, over [since, until) (default: the last hour).',
        tags: ['reports'],
        querystring: {
          type: 'object',
          properties: {
            ...timeRangeProperties,
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 10 },
          },
        },
        response: responses(openObject(['ipVersion', 'efa', 'rejectReasons', 'interfaceTypes', 'warnings'])),
      },
    },
    async (req): Promise<TrafficKindsResponse> => {
      const { since, until } = ctx.range(req.query);
      return ctx.read((reader) => trafficKinds(reader, { since, until, limit: req.query.limit }));
    },
  );

  app.get<{ Querystring: ReportQuery }>(
    '/reports/paths',
    {
      schema: {
        summary: 'Traffic paths, NAT-processed and cross-AZ bytes, with estimated costs',
        description:
          'Egress bytes by path (next-hop-interface-type, else traffic-path), bytes the NAT gateways processed (with ' +
          'the share to or from AWS services), cross-AZ bytes (az-id ≠ next-hop-az-id), and their cost from the ' +
          'dated per-GB prices of `region` (default: costs.region of flowwatch.yaml, else us-east-1) in the price ' +
          'table of costs.prices (else the built-in one; the file is read on every request, so edits apply at once), ' +
          'extrapolated to 30 days, over [since, until) (default: the last hour). `regions` lists the regions the ' +
          'table prices, `pricesFile` its file (null: built in). `warnings` says when the stored formats lack the fields.',
        tags: ['reports'],
        querystring: {
          type: 'object',
          properties: {
            region: { type: 'string', maxLength: 32 },
            ...timeRangeProperties,
          },
        },
        response: responses(
          openObject(['paths', 'nat', 'crossAz', 'spanSeconds', 'warnings', 'cost', 'regions', 'pricesFile']),
        ),
      },
    },
    async (req): Promise<PathsReportResponse> => {
      const { since, until } = ctx.range(req.query);
      const file = pricesFile(ctx.config);
      const table = file === undefined ? DEFAULT_PRICES : loadPrices(file);
      const region = req.query.region ?? ctx.config.costs?.region ?? 'us-east-1';
      const prices = regionPrices(table, region);
      const r = await ctx.read((reader) => pathsReport(reader, { since, until }));
      return {
        ...r,
        cost: estimateCosts(r, table, region, prices),
        regions: Object.keys(table.regions),
        pricesFile: file ?? null,
      };
    },
  );
  const complianceQuery = {
    type: 'object',
    properties: {
      ...timeRangeProperties,
      limit: { type: 'integer', minimum: 1, maximum: 1000, default: 10 },
    },
  } as const;
  /** The compliance period: [since, until), 30 days back from until by default. */
  const complianceRange = (q: ReportQuery) => {
    const until = q.until ?? Math.ceil(ctx.now());
    return ctx.range({ since: q.since ?? until - 30 * 86_400, until });
  };
  app.get<{ Querystring: ReportQuery }>(
    '/reports/compliance',
    {
      schema: {
        summary: 'Compliance evidence: coverage, delivery delay, retention, rejected traffic',
        description:
          'Per interface, VPC and UTC hour of [since, until) (default: the 30 days before until): hours without ' +
          'records or with SKIPDATA, interfaces that stopped logging, the delivery delay of S3 files (key time minus ' +
          'the newest record end), the records kept, and rejected traffic per day with its top sources, ports and ' +
          'reasons. `warnings` says when the period holds no record or the formats lack a field.',
        tags: ['reports'],
        querystring: complianceQuery,
        response: responses(
          openObject([
            'since',
            'until',
            'hours',
            'interfaces',
            'vpcs',
            'delay',
            'retention',
            'rejects',
            'warnings',
          ]),
        ),
      },
    },
    async (req) => {
      const { since, until } = complianceRange(req.query);
      return ctx.read((reader) => complianceData(reader, { since, until, limit: req.query.limit }));
    },
  );
  app.get<{ Querystring: ReportQuery }>(
    '/reports/compliance.html',
    {
      schema: {
        summary: 'The compliance report as a printable HTML page',
        description:
          'The same evidence as /reports/compliance, as the self-contained page `flowwatch report compliance --out` writes.',
        tags: ['reports'],
        querystring: complianceQuery,
      },
    },
    async (req, reply) => {
      const { since, until } = complianceRange(req.query);
      const data = await ctx.read((reader) =>
        complianceData(reader, { since, until, limit: req.query.limit }),
      );
      return reply.type('text/html; charset=utf-8').send(complianceHtml(data, { generatedAt: ctx.now() }));
    },
  );
}

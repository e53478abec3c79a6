// GET /api/reports/encryption and /api/reports/traffic-kinds: the views over the newest fields, with their coverage and warnings.

import type { FastifyInstance } from 'fastify';
import {
  ENCRYPTION_GROUPS,
  type EncryptionGroup,
  encryptionReport,
  trafficKinds,
} from '../../storage/traffic-reports.js';
import type { EncryptionReportResponse, TrafficKindsResponse } from '../api-contract.js';
import type { RouteContext } from '../route-context.js';
import { responses, timeRangeProperties } from '../schemas.js';

interface ReportQuery {
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
}

// POST /api/query: a Logs Insights query over [since, until), run in DuckDB on a reader with the query timeout;
// query errors come back with their span for the editor to underline.

import type { FastifyInstance } from 'fastify';
import { runQuery } from '../../insights/index.js';
import type { QueryRequest, QueryResponse } from '../api-contract.js';
import type { RouteContext } from '../route-context.js';
import { responses, rowsSchema, timeRangeProperties } from '../schemas.js';

/** The answer of /api/query and /api/sql. */
export const queryResponseSchema = {
  type: 'object',
  required: ['columns', 'rows', 'truncated', 'elapsedMs'],
  properties: {
    columns: { type: 'array', items: { type: 'string' } },
    rows: rowsSchema,
    truncated: { type: 'boolean', description: 'true when the row cap cut the result' },
    elapsedMs: { type: 'number' },
    timeSeries: { type: 'string', description: 'for stats ... by bin(): the column holding the time bucket' },
    aggregated: { type: 'boolean', description: 'true for stats results, false for event rows' },
    warnings: {
      type: 'array',
      items: { type: 'string' },
      description:
        'Flow log fields the query (Logs Insights or SQL) reads that no stored record has (read as null): ' +
        'an empty or zero answer about them is the format, not the traffic',
    },
    statistics: {
      type: 'object',
      description:
        'Logs Insights with `stats: true`: records in the range (scanned) and those the query matched',
      required: ['recordsScanned', 'recordsMatched'],
      properties: { recordsScanned: { type: 'number' }, recordsMatched: { type: 'number' } },
    },
  },
} as const;

export function queryRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.post<{ Body: QueryRequest }>(
    '/query',
    {
      schema: {
        summary: 'Run a Logs Insights query',
        description:
          'Runs a CloudWatch Logs Insights query over the records of [since, until) (default: the last hour). ' +
          'Query errors answer 400 with the code and the span (start, end) of the fault.',
        tags: ['query'],
        body: {
          type: 'object',
          required: ['query'],
          properties: {
            query: {
              type: 'string',
              minLength: 1,
              maxLength: 10_000,
              description: 'Logs Insights query text',
            },
            stats: {
              type: 'boolean',
              description: 'also count the records scanned and matched (one more pass over the data)',
            },
            ...timeRangeProperties,
          },
        },
        response: responses(queryResponseSchema),
      },
    },
    async (req): Promise<QueryResponse> => {
      const { since, until } = ctx.range(req.body);
      const started = performance.now();
      const r = await ctx.read((reader) =>
        runQuery(reader, req.body.query, {
          since,
          until,
          now: Math.floor(ctx.now()),
          statistics: req.body.stats === true,
        }),
      );
      const truncated = r.rows.length > ctx.maxRows;
      return {
        columns: r.columns,
        rows: truncated ? r.rows.slice(0, ctx.maxRows) : r.rows,
        truncated,
        elapsedMs: Math.round(performance.now() - started),
        aggregated: r.plan.aggregated,
        ...(r.warnings.length > 0 ? { warnings: r.warnings } : {}),
        ...(r.plan.timeSeries !== undefined ? { timeSeries: r.plan.timeSeries } : {}),
        ...(r.statistics
          ? {
              statistics: {
                recordsScanned: r.statistics.recordsScanned,
                recordsMatched: r.statistics.recordsMatched,
              },
            }
          : {}),
      };
    },
  );
}

// POST /api/sql: read-only SQL in the store's sandbox (one SELECT, no files, settings or extensions; timeout
// and row cap). See src/storage/sandbox.ts for the rules.

import type { FastifyInstance } from 'fastify';
import { sqlMissingFieldWarnings } from '../../storage/missing-fields.js';
import type { QueryResponse, SqlRequest } from '../api-contract.js';
import type { RouteContext } from '../route-context.js';
import { responses } from '../schemas.js';
import { queryResponseSchema } from './query.js';

export function sqlRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.post<{ Body: SqlRequest }>(
    '/sql',
    {
      schema: {
        summary: 'Run read-only SQL',
        description:
          'Runs one SELECT (or WITH ... SELECT) over the store (flows, files, rejects, metric_datapoints, ...). ' +
          'Refused with 400: other statements (COPY, ATTACH, PRAGMA, SET, INSTALL, LOAD, CREATE, INSERT, ...), ' +
          'file readers and other table functions outside a short list, functions touching settings, files or ' +
          'sequences. Interrupted after the query timeout (408); at most the row cap is returned.',
        tags: ['query'],
        body: {
          type: 'object',
          required: ['sql'],
          properties: { sql: { type: 'string', minLength: 1, maxLength: 100_000 } },
        },
        response: responses(queryResponseSchema),
      },
    },
    async (req): Promise<QueryResponse> => {
      const started = performance.now();
      const r = await ctx.store.sandboxQuery(req.body.sql, {
        timeoutMs: ctx.timeoutMs,
        maxRows: ctx.maxRows,
      });
      const warnings = await sqlMissingFieldWarnings(ctx.store, req.body.sql);
      return {
        columns: r.columns.map((c) => c.name),
        rows: r.rows,
        truncated: r.truncated,
        ...(warnings.length > 0 ? { warnings } : {}),
        elapsedMs: Math.round(performance.now() - started),
      };
    },
  );
}

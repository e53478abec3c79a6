// The dashboard's JSON HTTP API under /api (shapes in api-contract.ts): the routes of src/server/routes, one error
// mapper (errors.ts), Fastify JSON schemas for every request and answer, and the OpenAPI document built from them.

import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { httpError } from './errors.js';
import { type ApiContext, routeContext } from './route-context.js';
import { alarmsRoutes } from './routes/alarms.js';
import { anomaliesRoutes } from './routes/anomalies.js';
import { baselineRoutes } from './routes/baseline.js';
import { catalogRoutes } from './routes/catalog.js';
import { findingsRoutes } from './routes/findings.js';
import { flowsRoutes } from './routes/flows.js';
import { metricFilterRoutes } from './routes/metric-filters.js';
import { networkRoutes } from './routes/network.js';
import { overviewRoutes } from './routes/overview.js';
import { queryRoutes } from './routes/query.js';
import { reportsRoutes } from './routes/reports.js';
import { sourcesRoutes } from './routes/sources.js';
import { sqlRoutes } from './routes/sql.js';

export type { ApiContext } from './route-context.js';

/** The version of the API document (not of flowwatch). */
export const API_VERSION = '1.0.0';

/**
 * Registers the API on `app`, which must already require the bearer token on every route (the monitor's
 * authenticated scope: `startMonitor({ register: (app, parts) => registerApi(app, { ...parts }) })`). The
 * OpenAPI document at `GET /api/openapi.json` is behind the token too, like every route under /api.
 *
 * @example await registerApi(app, { store, config, monitor: parts, queryTimeoutMs: 30_000, maxRows: 10_000 })
 */
export async function registerApi(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const rc = routeContext(ctx);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'flowwatch API',
        version: API_VERSION,
        description:
          'The JSON API of the flowwatch dashboard: traffic overview, Logs Insights and SQL queries, the flow ' +
          'explorer, alarms, metric filters, sources and the field catalog. Every route needs ' +
          '`Authorization: Bearer <token>` (the token in the state folder, shown when the monitor first started). ' +
          'Times are unix seconds; `since`/`until` default to the last hour. Errors answer ' +
          '`{ error, message, hint?, start?, end?, field? }`.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearerAuth: [] }],
    },
  });
  await app.register(
    async (api) => {
      api.setErrorHandler((err, req, reply) => {
        const { status, body, headers } = httpError(err);
        if (status >= 500) {
          ctx.log?.(
            'api_error',
            {
              method: req.method,
              url: req.url.split('?')[0],
              error: err instanceof Error ? err.message : String(err),
            },
            'error',
          );
        }
        if (headers) void reply.headers(headers);
        void reply.code(status).send(body);
      });
      api.setNotFoundHandler((req, reply) => {
        void reply
          .code(404)
          .send({ error: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` });
      });
      overviewRoutes(api, rc);
      queryRoutes(api, rc);
      sqlRoutes(api, rc);
      flowsRoutes(api, rc);
      alarmsRoutes(api, rc);
      metricFilterRoutes(api, rc);
      sourcesRoutes(api, rc);
      catalogRoutes(api);
      reportsRoutes(api, rc);
      findingsRoutes(api, rc);
      networkRoutes(api, rc);
      anomaliesRoutes(api, rc);
      baselineRoutes(api, rc);
      api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    },
    { prefix: '/api' },
  );
}

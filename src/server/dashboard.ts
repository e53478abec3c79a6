// Serves the dashboard: the API routes under the token, the built front end (dist/web) as public files.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { MonitorOptions, MonitorParts } from '../monitor/monitor.js';
import { registerApi } from './api.js';

/** The built front end, next to the compiled server code (dist/web). */
export const WEB_ROOT = fileURLToPath(new URL('../web', import.meta.url));

/** The `register`/`registerPublic` options that turn a monitor into `flowwatch serve`. */
export function dashboardRoutes(
  opts: { queryTimeoutMs?: number; maxRows?: number; webRoot?: string } = {},
): Pick<MonitorOptions, 'register' | 'registerPublic'> {
  const root = opts.webRoot ?? WEB_ROOT;
  return {
    register: (app: FastifyInstance, parts: MonitorParts) =>
      registerApi(app, {
        store: parts.store,
        config: parts.config,
        monitor: parts,
        ...(opts.queryTimeoutMs !== undefined ? { queryTimeoutMs: opts.queryTimeoutMs } : {}),
        ...(opts.maxRows !== undefined ? { maxRows: opts.maxRows } : {}),
      }),
    registerPublic: async (app: FastifyInstance) => {
      if (existsSync(root)) {
        await app.register(fastifyStatic, { root, prefix: '/', index: 'index.html', maxAge: 0 });
      } else {
        app.get('/', async (_req, reply) =>
          reply
            .type('text/plain')
            .send('The dashboard is not built: run "npm run build" (the API under /api works).\n'),
        );
      }
    },
  };
}

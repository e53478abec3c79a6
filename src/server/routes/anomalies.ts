// GET /api/anomalies?interface=: one interface's Random Cut Forest score per period (the chart of its
// anomalies), with the threshold in force and the explanation of each period; too little history is said.

import type { FastifyInstance } from 'fastify';
import { DEFAULT_THRESHOLD, scoreInterface } from '../../detect/rcf/anomalies.js';
import { interfaceFeatures } from '../../storage/interface-features.js';
import type { RouteContext } from '../route-context.js';
import { responses, unixSeconds } from '../schemas.js';

/** Days before `since` the forest learns from. */
const HISTORY_SECONDS = 7 * 86_400;
const DAY = 86_400;

export function anomaliesRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get<{ Querystring: { interface: string; since?: number; until?: number; period?: number } }>(
    '/anomalies',
    {
      schema: {
        summary: "An interface's anomaly score per period (Random Cut Forest over its own history)",
        tags: ['findings'],
        querystring: {
          type: 'object',
          required: ['interface'],
          properties: {
            interface: { type: 'string', minLength: 1, maxLength: 64, description: 'interface id (eni-…)' },
            since: { ...unixSeconds, description: 'first period shown (default: until − 24 h)' },
            until: { ...unixSeconds, description: 'end of the last period shown (default: now)' },
            period: { type: 'integer', minimum: 300, maximum: 86_400, default: 600, description: 'seconds' },
          },
        },
        response: responses(
          {
            type: 'object',
            required: ['interface', 'period', 'needs', 'available', 'threshold', 'points'],
            properties: {
              interface: { type: 'string' },
              period: { type: 'integer' },
              needs: { type: 'integer', description: 'periods needed before the first score' },
              available: { type: 'integer', description: 'periods read (the range and 7 days before it)' },
              threshold: { type: 'number', description: 'the floor; a period also needs mean + 3σ' },
              note: { type: 'string', description: 'why there are no points, when there are none' },
              points: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['t', 'score', 'threshold', 'anomalous', 'explanation'],
                  properties: {
                    t: { type: 'integer', description: 'period start, unix seconds' },
                    score: { type: 'number' },
                    threshold: { type: 'number' },
                    anomalous: { type: 'boolean' },
                    explanation: { type: 'string' },
                  },
                },
              },
            },
          },
          [400, 401, 408, 500],
        ),
      },
    },
    async (req) => {
      const q = req.query;
      const period = q.period ?? 600;
      const until = q.until ?? Math.floor(ctx.now());
      const since = q.since ?? until - DAY;
      ctx.range({ since, until });
      const from = Math.floor(since / period) * period;
      const features = await ctx.read((r) =>
        interfaceFeatures(r, { period, since: from - HISTORY_SECONDS, until, interfaceId: q.interface }),
      );
      const series = features.get(q.interface) ?? [];
      const s = scoreInterface(series, {}, DEFAULT_THRESHOLD, from);
      const points = s.scored.map((p) => ({
        t: p.period,
        score: Number(p.score.toFixed(4)),
        threshold: Number(p.threshold.toFixed(4)),
        anomalous: p.anomalous,
        explanation: p.explanation,
      }));
      const note =
        series.length === 0
          ? `interface ${q.interface} has no records with addresses in this range or the 7 days before it`
          : points.length === 0
            ? `needs ${s.needs} periods of ${period} s before its first score; ${series.length} available`
            : undefined;
      return {
        interface: q.interface,
        period,
        needs: s.needs,
        available: series.length,
        threshold: DEFAULT_THRESHOLD.floor,
        ...(note === undefined ? {} : { note }),
        points,
      };
    },
  );
}

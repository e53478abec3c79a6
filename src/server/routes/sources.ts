// GET /api/sources: ingestion status: every configured source with what the running monitor committed for it
// (the numbers /healthz and /metrics give), what the store holds and took in over the last minute, and the
// newest rejected lines with their reasons (from DuckDB).

import type { FastifyInstance } from 'fastify';
import type { SourcesResponse } from '../api-contract.js';
import type { RouteContext } from '../route-context.js';
import { responses } from '../schemas.js';

const COUNTS_SQL = `SELECT coalesce(sum(records), 0) AS stored, coalesce(sum(rejected), 0) AS rejected,
  coalesce(sum(records) FILTER (WHERE ingested_at >= now() - INTERVAL 60 SECOND), 0) AS "lastMinute"
FROM files`;

/** $1: how many. Newest file first, its lines in order. */
const REJECTS_SQL = `SELECT f.path AS file, r.line, r.code, r.field, r.reason, r.text
FROM rejects r JOIN files f ON f.id = r.file_id
ORDER BY r.file_id DESC, r.line LIMIT $1`;

const unixSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

const str = { type: 'string' } as const;
const nullableStr = { type: 'string', nullable: true } as const;
const int = { type: 'integer' } as const;

export function sourcesRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get<{ Querystring: { rejects?: number } }>(
    '/sources',
    {
      schema: {
        summary: 'Ingestion status per source, records per second and rejected lines',
        tags: ['sources'],
        querystring: {
          type: 'object',
          properties: {
            rejects: {
              type: 'integer',
              minimum: 0,
              maximum: 1000,
              default: 50,
              description: 'how many rejected lines',
            },
          },
        },
        response: responses(
          {
            type: 'object',
            required: ['sources', 'recordsPerSecond', 'recordsStored', 'recordsRejected', 'rejects'],
            properties: {
              sources: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['name', 'kind', 'batches', 'records', 'rejects', 'errors'],
                  properties: {
                    name: str,
                    kind: { ...str, description: 'directory, s3, cloudwatch-logs, firehose or subscription' },
                    batches: { ...int, description: 'stored from this source' },
                    records: { ...int, description: 'stored from this source' },
                    rejects: { ...int, description: 'lines rejected from this source' },
                    errors: {
                      ...int,
                      description: 'failed polls or refused requests since the monitor started',
                    },
                    lastError: str,
                    lastErrorAt: { type: 'integer', description: 'unix seconds' },
                    lastBatchAt: { type: 'integer', description: 'unix seconds of the last commit' },
                    lagSeconds: { type: 'integer', description: 'seconds since the last commit' },
                  },
                },
              },
              recordsPerSecond: {
                type: 'number',
                description: 'records stored per second over the last minute',
              },
              recordsStored: int,
              recordsRejected: int,
              rejects: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['file', 'line', 'code', 'field', 'reason', 'text'],
                  properties: {
                    file: str,
                    line: int,
                    code: str,
                    field: nullableStr,
                    reason: str,
                    text: nullableStr,
                  },
                },
              },
            },
          },
          [400, 401, 408, 500],
        ),
      },
    },
    async (req): Promise<SourcesResponse> => {
      const { counts, rejects } = await ctx.read(async (r) => ({
        counts: (await r.query(COUNTS_SQL)).rows[0] ?? {},
        rejects: (await r.query(REJECTS_SQL, [req.query.rejects ?? 50])).rows,
      }));
      return {
        sources: (ctx.monitor?.sourcesHealth() ?? []).map((s) => ({
          name: s.name,
          kind: s.kind,
          batches: s.batches,
          records: s.records,
          rejects: s.rejects,
          errors: s.errors,
          ...(s.lastError !== null ? { lastError: s.lastError } : {}),
          ...(s.lastErrorAt !== null ? { lastErrorAt: unixSeconds(s.lastErrorAt) } : {}),
          ...(s.lastBatchAt !== null ? { lastBatchAt: unixSeconds(s.lastBatchAt) } : {}),
          ...(s.lagSeconds !== null ? { lagSeconds: s.lagSeconds } : {}),
        })),
        recordsPerSecond: Number(counts['lastMinute'] ?? 0) / 60,
        recordsStored: Number(counts['stored'] ?? 0),
        recordsRejected: Number(counts['rejected'] ?? 0),
        rejects: rejects.map((x) => ({
          file: String(x['file']),
          line: Number(x['line']),
          code: String(x['code']),
          field: x['field'] == null ? null : String(x['field']),
          reason: String(x['reason']),
          text: x['text'] == null ? null : String(x['text']),
        })),
      };
    },
  );
}

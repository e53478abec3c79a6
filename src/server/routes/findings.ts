// GET /api/findings, GET /api/findings/:id, POST /api/findings/:id/ack and /suppress: the stored findings of
// the detections (src/detect/findings.ts gives their JSON) and their states.

import type { FastifyInstance } from 'fastify';
import { SEVERITIES } from '../../detect/definition.js';
import { findingDetailJson, findingJson, unknownDetectionWarning } from '../../detect/findings.js';
import { RCF_DETECTION_ID } from '../../detect/rcf/anomalies.js';
import { entityLabel, type ResourceNames, resourceNames } from '../../network/resource-names.js';
import {
  type FindingState,
  findingStateHistory,
  getFinding,
  listFindings,
  setFindingState,
  storedDetectionIds,
} from '../../storage/findings.js';
import type { Store } from '../../storage/store.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import type { RouteContext } from '../route-context.js';
import { responses, unixSeconds } from '../schemas.js';

const findingSchema = {
  type: 'object',
  required: ['id', 'detection', 'title', 'severity', 'state', 'entity', 'start', 'end', 'evidence_count'],
  properties: {
    id: { type: 'string' },
    detection: { type: 'string' },
    title: { type: 'string' },
    severity: { type: 'string', enum: [...SEVERITIES] },
    state: { type: 'string', enum: ['open', 'acknowledged', 'suppressed'] },
    stateReason: { type: 'string' },
    stateUntil: { type: 'integer' },
    entity: { type: 'string' },
    peers: { type: 'array', items: { type: 'string' } },
    morePeers: { type: 'boolean' },
    start: { type: 'integer', description: 'unix seconds of the first evidence record' },
    end: { type: 'integer', description: 'unix seconds of the last evidence record' },
    closed: { type: 'boolean', description: 'the quiet period has passed since the last hit window' },
    evidence_count: { type: 'integer' },
    peak: { type: 'number' },
    windows: { type: 'integer' },
    entity_name: {
      type: 'string',
      description:
        "the entity's instance Name tag, subnet and security groups, from the newest network snapshot",
    },
    summary: {
      type: 'string',
      description: 'what was seen, in one line (beacons: interval, jitter, size, duration)',
    },
  },
} as const;

const detailSchema = {
  type: 'object',
  required: [...findingSchema.required, 'windows', 'evidence'],
  properties: {
    ...findingSchema.properties,
    windows: { type: 'array', items: { type: 'object', additionalProperties: true } },
    description: { type: 'string', description: "the detection's description (when it is in the catalog)" },
    attack: {
      type: 'object',
      description: "the detection's MITRE ATT&CK tactic and technique",
      properties: {
        tactic: { type: 'string' },
        tacticName: { type: 'string' },
        technique: { type: 'string' },
        techniqueName: { type: 'string' },
      },
    },
    history: {
      type: 'array',
      description: 'state changes, oldest first (ack, suppress, reopen from the API or the CLI)',
      items: {
        type: 'object',
        required: ['at', 'from', 'state'],
        properties: {
          at: { type: 'integer' },
          from: { type: 'string' },
          state: { type: 'string' },
          reason: { type: 'string' },
          until: { type: 'integer' },
        },
      },
    },
    evidence: {
      type: 'object',
      required: ['engine', 'query', 'count', 'sample'],
      properties: {
        engine: { type: 'string' },
        query: { type: 'string' },
        count: { type: 'integer' },
        sample: { type: 'array', items: { type: 'object', additionalProperties: true } },
      },
    },
  },
} as const;

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

/** Adds `entity_name` when the newest network snapshot names the entity. */
function withName<T extends object>(j: T, names: ResourceNames | undefined, entity: string): T {
  const name = entityLabel(names, entity);
  return name === undefined ? j : { ...j, entity_name: name };
}

async function hasFindings(store: Store): Promise<boolean> {
  return store.hasTable('findings');
}

function notFound(id: string): NotFoundError {
  return new NotFoundError(
    'FINDING_NOT_FOUND',
    `there is no finding "${id}"`,
    'GET /api/findings lists them',
  );
}

export function findingsRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get<{
    Querystring: {
      detection?: string;
      severity?: string;
      state?: string;
      since?: number;
      until?: number;
      limit?: number;
    };
  }>(
    '/findings',
    {
      schema: {
        summary: 'Findings of the detections, most recent activity first',
        tags: ['findings'],
        querystring: {
          type: 'object',
          properties: {
            detection: { type: 'string', maxLength: 64 },
            severity: { type: 'string', maxLength: 64, description: 'comma-separated severities' },
            state: { type: 'string', maxLength: 64, description: 'comma-separated states' },
            since: { ...unixSeconds, description: 'findings active at or after this time' },
            until: { ...unixSeconds, description: 'findings that started before this time' },
            limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 1000 },
          },
        },
        response: responses(
          {
            type: 'object',
            required: ['findings'],
            properties: {
              findings: { type: 'array', items: findingSchema },
              warnings: {
                type: 'array',
                items: { type: 'string' },
                description:
                  'why the list is empty when the filter cannot match (a detection id no catalog or finding has)',
              },
            },
          },
          [400, 401, 408, 500],
        ),
      },
    },
    async (req) => {
      const q = req.query;
      const severities = q.severity?.split(',').map((s) => s.trim());
      for (const s of severities ?? []) {
        if (!(SEVERITIES as readonly string[]).includes(s))
          throw new InvalidInputError('severity', `"${s}" is not a severity`, `use ${SEVERITIES.join(', ')}`);
      }
      const states = q.state?.split(',').map((s) => s.trim());
      for (const s of states ?? []) {
        if (!['open', 'acknowledged', 'suppressed'].includes(s))
          throw new InvalidInputError('state', `"${s}" is not a state`, 'use open, acknowledged, suppressed');
      }
      const now = ctx.now();
      const { list, names, warning } = await ctx.store.withReader(
        async (r) => {
          const stored = await hasFindings(r);
          const list = stored
            ? await listFindings(r, {
                ...(q.detection === undefined ? {} : { detection: q.detection }),
                ...(severities === undefined ? {} : { severities }),
                ...(q.since === undefined ? {} : { since: q.since }),
                ...(q.until === undefined ? {} : { until: q.until }),
                limit: q.limit ?? 1000,
              })
            : [];
          // An empty list for a misspelt detection id says so (as the CLI's findings list --detection).
          const warning =
            list.length === 0 && q.detection !== undefined
              ? unknownDetectionWarning(q.detection, stored ? await storedDetectionIds(r) : [], [
                  ...ctx.config.detections.map((d) => d.id),
                  RCF_DETECTION_ID,
                ])
              : undefined;
          return { list, names: await resourceNames(r), warning };
        },
        { timeoutMs: ctx.timeoutMs },
      );
      return {
        findings: list
          .map((f) => withName(findingJson(f, now), names, f.entity))
          .filter((f) => states === undefined || states.includes(f.state)),
        ...(warning !== undefined ? { warnings: [warning] } : {}),
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/findings/:id',
    {
      schema: {
        summary: 'One finding with its windows, evidence query and sample',
        tags: ['findings'],
        params: idParams,
        response: responses(detailSchema, [400, 401, 404, 408, 500]),
      },
    },
    async (req) => {
      const found = await ctx.store.withReader(
        async (r) => {
          if (!(await hasFindings(r))) return undefined;
          const f = await getFinding(r, req.params.id);
          return f === undefined
            ? undefined
            : { f, history: await findingStateHistory(r, f.id), names: await resourceNames(r) };
        },
        { timeoutMs: ctx.timeoutMs },
      );
      if (found === undefined) throw notFound(req.params.id);
      const d = ctx.config.detections.find((x) => x.id === found.f.detection);
      return withName(
        {
          ...findingDetailJson(found.f, ctx.now()),
          ...(d === undefined ? {} : { description: d.description }),
          ...(d?.attack === undefined ? {} : { attack: d.attack }),
          history: found.history,
        },
        found.names,
        found.f.entity,
      );
    },
  );

  const change = (path: string, state: FindingState, summary: string) =>
    app.post<{ Params: { id: string }; Body: { reason?: string; until?: number } | undefined }>(
      `/findings/:id/${path}`,
      {
        schema: {
          summary,
          tags: ['findings'],
          params: idParams,
          body: {
            type: 'object',
            additionalProperties: false,
            properties: {
              reason: { type: 'string', maxLength: 1000 },
              until: { ...unixSeconds, description: 'suppress: when the suppression expires (unix seconds)' },
            },
            ...(state === 'suppressed' ? { required: ['reason', 'until'] } : {}),
          },
          response: responses(findingSchema, [400, 401, 404, 500]),
        },
      },
      async (req) => {
        const now = ctx.now();
        const until = req.body?.until;
        if (state === 'suppressed' && until !== undefined && until <= now)
          throw new InvalidInputError('until', 'until is in the past', 'give a future time in unix seconds');
        if (ctx.store.readOnly)
          throw new InvalidInputError(
            'id',
            'this server opened the store read-only',
            'change states with the CLI: flowwatch findings ack|suppress',
            'READ_ONLY',
          );
        if (!(await hasFindings(ctx.store)) || (await getFinding(ctx.store, req.params.id)) === undefined)
          throw notFound(req.params.id);
        await setFindingState(
          ctx.store,
          req.params.id,
          state,
          req.body?.reason,
          state === 'suppressed' ? until : undefined,
          now,
        );
        return findingJson((await getFinding(ctx.store, req.params.id))!, now);
      },
    );
  change('ack', 'acknowledged', 'Acknowledge a finding');
  change('suppress', 'suppressed', 'Suppress a finding with a reason until a time');
  change('reopen', 'open', 'Set a finding back to open');
}

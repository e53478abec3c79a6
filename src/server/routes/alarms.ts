// GET /api/alarms, /api/alarms/:name/history and /api/alarms/:name/metric: the alarms' states (from the running
// monitor's state machine), their state-change history, and each metric alarm's statistic per period from the
// stored datapoints, with its threshold.

import type { FastifyInstance } from 'fastify';
import type { CompositeAlarm, MetricAlarm } from '../../metrics/alarms/index.js';
import { statistics } from '../../metrics/datapoints.js';
import type { AlarmHistoryResponse, AlarmMetricResponse, AlarmsResponse } from '../api-contract.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import type { RouteContext } from '../route-context.js';
import { pointsSchema, responses, timeRangeProperties } from '../schemas.js';

type Definition = { kind: 'metric'; alarm: MetricAlarm } | { kind: 'composite'; alarm: CompositeAlarm };
type AlarmItem = AlarmsResponse['alarms'][number];

const NOT_RUNNING = 'the monitor is not running: no state is known';

/** Every alarm: the monitor's, or the configuration's without state. */
function alarms(ctx: RouteContext): AlarmItem[] {
  const item = (d: Definition, state: AlarmItem['state'], since: number, reason: string): AlarmItem => {
    const base = {
      name: d.alarm.name,
      kind: d.kind,
      state,
      since,
      reason,
      ...(d.alarm.description !== undefined ? { description: d.alarm.description } : {}),
    };
    if (d.kind === 'composite') return { ...base, rule: d.alarm.alarmRule };
    const a = d.alarm;
    return {
      ...base,
      metric: {
        namespace: a.metric.namespace,
        metricName: a.metric.metricName,
        statistic: a.statistic ?? a.extendedStatistic ?? '',
        period: a.period,
      },
      threshold: a.threshold,
      comparisonOperator: a.comparisonOperator,
    };
  };
  const machine = ctx.monitor?.alarms.machine;
  if (machine) {
    return machine.names().flatMap((name) => {
      const r = machine.get(name);
      return r ? [item(r.definition, r.state.value, r.state.timestamp, r.state.reason)] : [];
    });
  }
  const defs: Definition[] = [
    ...ctx.config.alarms.map((alarm) => ({ kind: 'metric' as const, alarm })),
    ...ctx.config.compositeAlarms.map((alarm) => ({ kind: 'composite' as const, alarm })),
  ];
  return defs
    .map((d) => item(d, 'INSUFFICIENT_DATA', 0, NOT_RUNNING))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function definition(ctx: RouteContext, name: string): Definition | undefined {
  const machine = ctx.monitor?.alarms.machine;
  if (machine) return machine.get(name)?.definition;
  const m = ctx.config.alarms.find((a) => a.name === name);
  if (m) return { kind: 'metric', alarm: m };
  const c = ctx.config.compositeAlarms.find((a) => a.name === name);
  return c ? { kind: 'composite', alarm: c } : undefined;
}

function notFound(name: string): NotFoundError {
  return new NotFoundError(
    'ALARM_NOT_FOUND',
    `no alarm is named "${name}"`,
    'GET /api/alarms lists the alarms',
  );
}

const nameParams = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 255 } },
} as const;

const alarmSchema = {
  type: 'object',
  required: ['name', 'kind', 'state', 'since', 'reason'],
  properties: {
    name: { type: 'string' },
    kind: { type: 'string', enum: ['metric', 'composite'] },
    state: { type: 'string', enum: ['OK', 'ALARM', 'INSUFFICIENT_DATA'] },
    since: { type: 'integer', description: 'unix seconds of the last state change' },
    reason: { type: 'string' },
    description: { type: 'string' },
    metric: {
      type: 'object',
      required: ['namespace', 'metricName', 'statistic', 'period'],
      properties: {
        namespace: { type: 'string' },
        metricName: { type: 'string' },
        statistic: { type: 'string' },
        period: { type: 'integer' },
      },
    },
    threshold: { type: 'number' },
    comparisonOperator: { type: 'string' },
    rule: { type: 'string', description: 'composite alarms: the alarm rule' },
  },
} as const;

export function alarmsRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get(
    '/alarms',
    {
      schema: {
        summary: 'Every alarm with its state',
        tags: ['alarms'],
        response: responses(
          {
            type: 'object',
            required: ['alarms'],
            properties: { alarms: { type: 'array', items: alarmSchema } },
          },
          [401, 500],
        ),
      },
    },
    async (): Promise<AlarmsResponse> => ({ alarms: alarms(ctx) }),
  );

  app.get<{ Params: { name: string }; Querystring: { limit?: number } }>(
    '/alarms/:name/history',
    {
      schema: {
        summary: "An alarm's history, newest first",
        description: 'State changes, configuration updates and actions (kept two weeks).',
        tags: ['alarms'],
        params: nameParams,
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 100 } },
        },
        response: responses(
          {
            type: 'object',
            required: ['items'],
            properties: {
              items: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['time', 'type', 'summary'],
                  properties: {
                    time: { type: 'integer' },
                    type: { type: 'string', enum: ['StateUpdate', 'ConfigurationUpdate', 'Action'] },
                    summary: { type: 'string' },
                    from: { type: 'string' },
                    to: { type: 'string' },
                    reason: { type: 'string' },
                  },
                },
              },
            },
          },
          [400, 401, 404, 500],
        ),
      },
    },
    async (req): Promise<AlarmHistoryResponse> => {
      const name = req.params.name;
      const machine = ctx.monitor?.alarms.machine;
      const history = machine?.history(name) ?? [];
      if (definition(ctx, name) === undefined && history.length === 0) throw notFound(name);
      const limit = req.query.limit ?? 100;
      return {
        items: history
          .slice(-limit)
          .reverse()
          .map((h) => ({
            time: h.timestamp,
            type: h.type,
            summary: h.summary,
            ...(h.oldState ? { from: h.oldState.value } : {}),
            ...(h.newState ? { to: h.newState.value, reason: h.newState.reason } : {}),
          })),
      };
    },
  );

  app.get<{ Params: { name: string }; Querystring: { since?: number; until?: number } }>(
    '/alarms/:name/metric',
    {
      schema: {
        summary: "A metric alarm's statistic per period, with its threshold",
        description:
          'From the stored metric-filter datapoints (per minute): periods under a minute are shown per minute.',
        tags: ['alarms'],
        params: nameParams,
        querystring: { type: 'object', properties: timeRangeProperties },
        response: responses(
          {
            type: 'object',
            required: ['period', 'threshold', 'points'],
            properties: { period: { type: 'integer' }, threshold: { type: 'number' }, points: pointsSchema },
          },
          [400, 401, 404, 408, 500],
        ),
      },
    },
    async (req): Promise<AlarmMetricResponse> => {
      const d = definition(ctx, req.params.name);
      if (!d) throw notFound(req.params.name);
      if (d.kind !== 'metric') {
        throw new InvalidInputError(
          'name',
          `"${d.alarm.name}" is a composite alarm: it has no metric`,
          undefined,
          'ALARM_NOT_METRIC',
        );
      }
      const a = d.alarm;
      if (a.statistic === undefined) {
        throw new InvalidInputError(
          'name',
          `"${a.name}" uses the percentile ${a.extendedStatistic ?? ''}, which stored datapoints cannot give`,
          'datapoints keep per-minute sums, counts, minimum and maximum',
          'ALARM_PERCENTILE',
        );
      }
      const stat = a.statistic;
      const { since, until } = ctx.range(req.query);
      const period = Math.max(60, Math.ceil(a.period / 60) * 60);
      const values = await ctx.read((r) =>
        statistics(r, {
          namespace: a.metric.namespace,
          metric: a.metric.metricName,
          stat,
          period,
          dimensions: a.metric.dimensions,
          since,
          until,
        }),
      );
      return {
        period,
        threshold: a.threshold,
        points: values.map((v) => ({ t: Math.floor(Date.parse(v.timestamp) / 1000), value: v.value })),
      };
    },
  );
}

// GET /api/alarms, /api/alarms/:name/history and /api/alarms/:name/metric: the alarms' states (from the running
// monitor's state machine), their state-change history, and each metric alarm's statistic per period from the
// stored datapoints, with its threshold.

import type { FastifyInstance } from 'fastify';
import {
  alarmLookback,
  anomalyBandSource,
  type CompositeAlarm,
  type MetricAlarm,
} from '../../metrics/alarms/index.js';
import { minuteSets, statistics } from '../../metrics/datapoints.js';
import { matchedRecords } from '../../metrics/evidence.js';
import { FIELDS } from '../../records/catalog.js';
import type {
  AlarmFlowsResponse,
  AlarmHistoryResponse,
  AlarmMetricResponse,
  AlarmsResponse,
} from '../api-contract.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import type { RouteContext } from '../route-context.js';
import { pointsSchema, responses, rowsSchema, timeRangeProperties, unixSeconds } from '../schemas.js';

/** The catalog's columns, then each record's event time. */
const FLOW_COLUMNS = [...FIELDS.map((f) => f.column), 'event_time'];

type Definition = { kind: 'metric'; alarm: MetricAlarm } | { kind: 'composite'; alarm: CompositeAlarm };
type AlarmItem = AlarmsResponse['alarms'][number];

const NOT_RUNNING = 'the monitor is not running: no state is known';

/** Every alarm: the monitor's, or the configuration's without state. */
function alarms(ctx: RouteContext): AlarmItem[] {
  const machine = ctx.monitor?.alarms.machine;
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
      ...(a.threshold !== undefined ? { threshold: a.threshold } : {}),
      ...(a.anomalyBand !== undefined ? { anomalyBand: { k: a.anomalyBand.k } } : {}),
      comparisonOperator: a.comparisonOperator,
      evaluationPeriods: a.evaluationPeriods,
      datapointsToAlarm: a.datapointsToAlarm ?? a.evaluationPeriods,
      ...(a.treatMissingData !== undefined ? { treatMissingData: a.treatMissingData } : {}),
    };
  };
  const withActions = (d: Definition, x: AlarmItem): AlarmItem => {
    const until = machine?.mutedUntil(d.alarm.name, Math.floor(ctx.now()));
    return {
      ...x,
      actionsEnabled: d.alarm.actionsEnabled !== false,
      alarmActions: d.alarm.alarmActions ?? [],
      okActions: d.alarm.okActions ?? [],
      insufficientDataActions: d.alarm.insufficientDataActions ?? [],
      ...(until !== undefined ? { mutedUntil: until } : {}),
    };
  };
  if (machine) {
    return machine.names().flatMap((name) => {
      const r = machine.get(name);
      return r
        ? [withActions(r.definition, item(r.definition, r.state.value, r.state.timestamp, r.state.reason))]
        : [];
    });
  }
  const defs: Definition[] = [
    ...ctx.config.alarms.map((alarm) => ({ kind: 'metric' as const, alarm })),
    ...ctx.config.compositeAlarms.map((alarm) => ({ kind: 'composite' as const, alarm })),
  ];
  return defs
    .map((d) => withActions(d, item(d, 'INSUFFICIENT_DATA', 0, NOT_RUNNING)))
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
    anomalyBand: {
      type: 'object',
      description: 'anomaly-band alarms: ANOMALY_DETECTION_BAND(m1, k) takes the place of a threshold',
      required: ['k'],
      properties: { k: { type: 'number' } },
    },
    comparisonOperator: { type: 'string' },
    rule: { type: 'string', description: 'composite alarms: the alarm rule' },
    evaluationPeriods: { type: 'integer', description: 'N of "M of N": the periods looked at' },
    datapointsToAlarm: { type: 'integer', description: 'M of "M of N": breaching periods that alarm' },
    treatMissingData: { type: 'string' },
    actionsEnabled: { type: 'boolean' },
    alarmActions: { type: 'array', items: { type: 'string' } },
    okActions: { type: 'array', items: { type: 'string' } },
    insufficientDataActions: { type: 'array', items: { type: 'string' } },
    mutedUntil: {
      type: 'integer',
      description: 'unix seconds: the alarm is muted (changes are recorded, no action runs) until then',
    },
  },
} as const;

/** The longest mute: 30 days. */
export const MAX_MUTE_SECONDS = 30 * 86_400;

/** The running monitor's alarm runner, or a 409-style refusal naming what to do. */
function runner(ctx: RouteContext) {
  const r = ctx.monitor?.alarms;
  if (!r) {
    throw new InvalidInputError(
      'name',
      'alarms can only be muted on a running monitor (flowwatch serve or flowwatch monitor)',
      'start the monitor, then mute the alarm',
      'NO_MONITOR',
    );
  }
  return r;
}

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
            required: ['period', 'points'],
            properties: {
              period: { type: 'integer' },
              threshold: { type: 'number' },
              points: pointsSchema,
              band: {
                type: 'object',
                required: ['k', 'state', 'message', 'points'],
                properties: {
                  k: { type: 'number' },
                  state: { type: 'string' },
                  message: { type: 'string' },
                  points: {
                    type: 'array',
                    items: {
                      type: 'object',
                      required: ['t', 'lower', 'upper'],
                      properties: {
                        t: { type: 'integer' },
                        lower: { type: 'number' },
                        upper: { type: 'number' },
                      },
                    },
                  },
                },
              },
            },
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
      const points = values.map((v) => ({ t: Math.floor(Date.parse(v.timestamp) / 1000), value: v.value }));
      let band: AlarmMetricResponse['band'];
      if (a.anomalyBand !== undefined) {
        // The band of each shown period, from models trained on the history before it (the same as evaluation).
        const history = await ctx.read((r) =>
          minuteSets(
            r,
            a.metric.namespace,
            a.metric.metricName,
            a.metric.dimensions,
            since - alarmLookback(a),
            until,
          ),
        );
        const source = anomalyBandSource({ ...a, period }, history)!;
        const bandPoints: { t: number; lower: number; upper: number }[] = [];
        for (let t = Math.floor(since / period) * period; t < until; t += period) {
          const b = source.at(t);
          if (b.band !== undefined) bandPoints.push({ t, lower: b.band.lower, upper: b.band.upper });
        }
        const newest = source.model(Math.max(since, until - period));
        band = { k: a.anomalyBand.k, state: newest.state, message: newest.message, points: bandPoints };
      }
      return {
        period,
        ...(a.threshold !== undefined ? { threshold: a.threshold } : {}),
        points,
        ...(band !== undefined ? { band } : {}),
      };
    },
  );

  app.post<{ Params: { name: string }; Body: { minutes?: number; until?: number } }>(
    '/alarms/:name/mute',
    {
      schema: {
        summary: "Mute an alarm's actions for a while",
        description:
          'The alarm keeps being evaluated and its changes recorded, but no notification is sent until the mute ' +
          'ends (saved with the alarm states: a restart keeps it). Give `minutes` (from now) or `until` (unix ' +
          'seconds); at most 30 days. Needs a running monitor.',
        tags: ['alarms'],
        params: nameParams,
        body: {
          type: 'object',
          properties: {
            minutes: { type: 'integer', minimum: 1, maximum: MAX_MUTE_SECONDS / 60 },
            until: unixSeconds,
          },
        },
        response: responses(
          {
            type: 'object',
            required: ['name', 'mutedUntil'],
            properties: { name: { type: 'string' }, mutedUntil: { type: 'integer' } },
          },
          [400, 401, 404, 500],
        ),
      },
    },
    async (req): Promise<{ name: string; mutedUntil: number }> => {
      const r = runner(ctx);
      if (!definition(ctx, req.params.name)) throw notFound(req.params.name);
      const now = Math.floor(ctx.now());
      const { minutes, until } = req.body ?? {};
      if ((minutes === undefined) === (until === undefined)) {
        throw new InvalidInputError('minutes', 'give either minutes or until', 'e.g. { "minutes": 120 }');
      }
      if (minutes !== undefined) {
        // From the monitor's own clock, which also decides when a change happens.
        return { name: req.params.name, mutedUntil: await r.muteFor(req.params.name, minutes * 60) };
      }
      const end = until ?? now;
      if (end <= now || end - now > MAX_MUTE_SECONDS) {
        throw new InvalidInputError(
          'until',
          `until (${end}) must be in the future and at most 30 days away`,
          'give unix seconds after now',
        );
      }
      await r.mute(req.params.name, end);
      return { name: req.params.name, mutedUntil: end };
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/alarms/:name/mute',
    {
      schema: {
        summary: 'End a mute',
        tags: ['alarms'],
        params: nameParams,
        response: responses(
          {
            type: 'object',
            required: ['name', 'wasMuted'],
            properties: { name: { type: 'string' }, wasMuted: { type: 'boolean' } },
          },
          [400, 401, 404, 500],
        ),
      },
    },
    async (req): Promise<{ name: string; wasMuted: boolean }> => {
      const r = runner(ctx);
      if (!definition(ctx, req.params.name)) throw notFound(req.params.name);
      return { name: req.params.name, wasMuted: await r.unmute(req.params.name) };
    },
  );

  app.get<{ Params: { name: string }; Querystring: { since?: number; until?: number; limit?: number } }>(
    '/alarms/:name/flows',
    {
      schema: {
        summary: "The flow records behind a metric alarm's metric",
        description:
          "Records of [since, until) that the alarm's metric filter matched (those the metric counted), oldest " +
          'first, with how many matched in all. For a breach, ask for its span: the dashboard asks from the ' +
          'evaluation periods before the alarm fired to when it ended.',
        tags: ['alarms'],
        params: nameParams,
        querystring: {
          type: 'object',
          properties: {
            ...timeRangeProperties,
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
        response: responses(
          {
            type: 'object',
            required: ['records', 'columns', 'rows', 'truncated'],
            properties: {
              filter: { type: 'string', description: 'the metric filter whose matches these are' },
              records: { type: 'integer', description: 'records matched in the range' },
              columns: { type: 'array', items: { type: 'string' } },
              rows: rowsSchema,
              truncated: { type: 'boolean' },
            },
          },
          [400, 401, 404, 408, 500],
        ),
      },
    },
    async (req): Promise<AlarmFlowsResponse> => {
      const d = definition(ctx, req.params.name);
      if (!d) throw notFound(req.params.name);
      if (d.kind !== 'metric') {
        throw new InvalidInputError(
          'name',
          `"${d.alarm.name}" is a composite alarm: its flows are those of its children`,
          undefined,
          'ALARM_NOT_METRIC',
        );
      }
      const a = d.alarm;
      const filters = ctx.monitor?.filters?.() ?? ctx.config.filters;
      const filter = filters.find(
        (f) => f.filter.metricNamespace === a.metric.namespace && f.filter.metricName === a.metric.metricName,
      );
      if (!filter) {
        throw new InvalidInputError(
          'name',
          `no metric filter produces ${a.metric.namespace}/${a.metric.metricName}, so no flow records lie behind "${a.name}"`,
          'define a metric filter for that metric (Metric filters page)',
          'ALARM_NO_FILTER',
        );
      }
      const { since, until } = ctx.range(req.query);
      const limit = req.query.limit ?? 100;
      const r = await ctx.read((reader) => matchedRecords(reader, filter, since, until, limit + 1));
      const truncated = r.rows.length > limit;
      const rows = truncated ? r.rows.slice(0, limit) : r.rows;
      const columns = FLOW_COLUMNS.filter((c) => rows.some((row) => row[c] !== null && row[c] !== undefined));
      return {
        filter: filter.filter.name,
        records: r.records,
        columns,
        rows: rows.map((row) => Object.fromEntries(columns.map((c) => [c, row[c] ?? null]))),
        truncated,
      };
    },
  );
}

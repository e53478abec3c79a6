// GET /api/metric-filters, POST /api/metric-filters/test (CloudWatch's TestMetricFilter: which sample lines a
// pattern matches, as `flowwatch test-pattern` does) and GET /api/metrics (a metric's statistic per period from
// the stored datapoints).

import type { FastifyInstance } from 'fastify';
import { compileMatcher, MAX_PATTERN_LENGTH, parsePattern } from '../../filter/index.js';
import { STATISTICS, type Statistic } from '../../metrics/datapoint-sql.js';
import { knownFormats, statistics, storedFormats } from '../../metrics/datapoints.js';
import type { MetricFilter } from '../../metrics/metric-filter.js';
import { countLine, lineShapes, patternFitProblems } from '../../metrics/pattern-fit.js';
import { fitRows } from '../../metrics/pattern-rewrite.js';
import type {
  MetricFiltersResponse,
  MetricResponse,
  PutMetricFilterRequest,
  TestPatternRequest,
  TestPatternResponse,
} from '../api-contract.js';
import { InvalidInputError } from '../errors.js';
import type { RouteContext } from '../route-context.js';
import { pointsSchema, responses, timeRangeProperties } from '../schemas.js';

/** TestMetricFilter takes at most this many lines. */
export const MAX_TEST_LINES = 1000;

interface MetricQuery {
  namespace: string;
  metric: string;
  stat?: Statistic;
  period?: number;
  dimensions?: string;
  since?: number;
  until?: number;
}

/** The `dimensions` parameter: a JSON object of strings. */
function parseDimensions(text: string | undefined): Record<string, string> {
  if (text === undefined || text === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = undefined;
  }
  if (
    typeof v !== 'object' ||
    v === null ||
    Array.isArray(v) ||
    !Object.values(v).every((x) => typeof x === 'string')
  ) {
    throw new InvalidInputError(
      'dimensions',
      'query parameter dimensions must be a JSON object of strings',
      'e.g. dimensions={"Action":"REJECT"}',
    );
  }
  return v as Record<string, string>;
}

/** A metric filter as the API shows it. */
const FILTER_SCHEMA = {
  type: 'object',
  required: ['name', 'pattern', 'metricNamespace', 'metricName', 'metricValue'],
  properties: {
    name: { type: 'string' },
    pattern: { type: 'string' },
    metricNamespace: { type: 'string' },
    metricName: { type: 'string' },
    metricValue: { type: 'string' },
    defaultValue: { type: 'number' },
    formats: {
      type: 'array',
      items: {
        type: 'object',
        required: ['format', 'origin', 'status'],
        properties: {
          format: { type: 'string' },
          origin: { type: 'string' },
          status: { type: 'string', enum: ['fits', 'rewritten', 'cannot'] },
          pattern: { type: 'string' },
          reason: { type: 'string' },
        },
      },
    },
  },
};

function filterJson(f: MetricFilter): MetricFiltersResponse['filters'][number] {
  return {
    name: f.name,
    pattern: f.pattern,
    metricNamespace: f.metricNamespace,
    metricName: f.metricName,
    metricValue: f.metricValue,
    ...(f.defaultValue !== undefined ? { defaultValue: f.defaultValue } : {}),
  };
}

export function metricFilterRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.post<{ Body: PutMetricFilterRequest }>(
    '/metric-filters',
    {
      schema: {
        summary:
          'Define or replace a metric filter: applied from now on, its datapoints computed over the stored records',
        tags: ['metric filters'],
        body: {
          type: 'object',
          required: ['name', 'pattern', 'metricNamespace', 'metricName', 'metricValue'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 512 },
            pattern: { type: 'string', maxLength: MAX_PATTERN_LENGTH },
            metricNamespace: { type: 'string', minLength: 1, maxLength: 255 },
            metricName: { type: 'string', minLength: 1, maxLength: 255 },
            metricValue: { type: 'string', minLength: 1, maxLength: 100 },
            defaultValue: { type: 'number' },
          },
        },
        response: responses(FILTER_SCHEMA, [400, 401, 413, 500], 201),
      },
    },
    async (req, reply) => {
      const put = ctx.monitor?.putMetricFilter;
      if (!put) {
        throw new InvalidInputError(
          'name',
          'metric filters can only be defined on a running monitor (flowwatch serve)',
        );
      }
      // The body schema admits exactly a filter's keys.
      const checked = await put(req.body);
      await reply.code(201).send(filterJson(checked.filter));
    },
  );
  app.get(
    '/metric-filters',
    {
      schema: {
        summary: 'The configured metric filters',
        tags: ['metric filters'],
        response: responses(
          {
            type: 'object',
            required: ['filters'],
            properties: {
              filters: {
                type: 'array',
                items: FILTER_SCHEMA,
              },
            },
          },
          [401, 500],
        ),
      },
    },
    async (): Promise<MetricFiltersResponse> => {
      const formats = knownFormats(ctx.config.sources, await ctx.read((r) => storedFormats(r)));
      return {
        filters: (ctx.monitor?.filters?.() ?? ctx.config.filters).map((checked) => ({
          ...filterJson(checked.filter),
          formats: fitRows(checked, formats),
        })),
      };
    },
  );

  app.post<{ Body: TestPatternRequest }>(
    '/metric-filters/test',
    {
      schema: {
        summary: 'Test a filter pattern against sample lines (TestMetricFilter)',
        description:
          'Lists the lines the pattern matches, numbered from 1 in the order given, with the values it extracts ' +
          `($name for named fields, $1, $2, ... for unnamed ones). At most ${MAX_TEST_LINES} lines. A bad pattern ` +
          'answers 400 with its code and span.',
        tags: ['metric filters'],
        body: {
          type: 'object',
          required: ['pattern', 'lines'],
          properties: {
            pattern: { type: 'string', maxLength: MAX_PATTERN_LENGTH },
            lines: {
              type: 'array',
              maxItems: MAX_TEST_LINES,
              items: { type: 'string', maxLength: 262_144 },
            },
          },
        },
        response: responses(
          {
            type: 'object',
            required: ['matches'],
            properties: {
              matches: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['eventNumber', 'line', 'values'],
                  properties: {
                    eventNumber: { type: 'integer' },
                    line: { type: 'string' },
                    values: { type: 'object', additionalProperties: { type: 'string' } },
                  },
                },
              },
              warnings: { type: 'array', items: { type: 'string' } },
            },
          },
          [400, 401, 413, 500],
        ),
      },
    },
    async (req): Promise<TestPatternResponse> => {
      const pattern = parsePattern(req.body.pattern);
      const matcher = compileMatcher(pattern);
      const matches = req.body.lines.flatMap((line, i) => {
        const m = matcher(line);
        return m ? [{ eventNumber: i + 1, line, values: { ...m.extractedValues } }] : [];
      });
      if (matches.length > 0 || req.body.lines.length === 0) return { matches };
      // Nothing matched: say so when the lines' shape is why (a pattern for another format, JSON, a header line).
      const shapes = lineShapes();
      for (const line of req.body.lines) countLine(shapes, line);
      const warnings = patternFitProblems(pattern, shapes);
      return warnings.length > 0 ? { matches, warnings } : { matches };
    },
  );

  app.get<{ Querystring: MetricQuery }>(
    '/metrics',
    {
      schema: {
        summary: "A metric's statistic per period",
        description:
          'From the stored metric-filter datapoints, for exactly the given dimension set (none by default), as ' +
          "CloudWatch's GetMetricStatistics. Only periods with datapoints are listed.",
        tags: ['metric filters'],
        querystring: {
          type: 'object',
          required: ['namespace', 'metric'],
          properties: {
            namespace: { type: 'string', minLength: 1, maxLength: 255 },
            metric: { type: 'string', minLength: 1, maxLength: 255 },
            stat: { type: 'string', enum: [...STATISTICS], default: 'Sum' },
            period: { type: 'integer', minimum: 60, maximum: 86_400 * 7, multipleOf: 60, default: 60 },
            dimensions: {
              type: 'string',
              maxLength: 4096,
              description: 'JSON object, e.g. {"Action":"REJECT"}',
            },
            ...timeRangeProperties,
          },
        },
        response: responses({ type: 'object', required: ['points'], properties: { points: pointsSchema } }),
      },
    },
    async (req): Promise<MetricResponse> => {
      const q = req.query;
      const dimensions = parseDimensions(q.dimensions);
      const { since, until } = ctx.range(q);
      const values = await ctx.read((r) =>
        statistics(r, {
          namespace: q.namespace,
          metric: q.metric,
          stat: q.stat ?? 'Sum',
          period: q.period ?? 60,
          dimensions,
          since,
          until,
        }),
      );
      return {
        points: values.map((v) => ({ t: Math.floor(Date.parse(v.timestamp) / 1000), value: v.value })),
      };
    },
  );
}

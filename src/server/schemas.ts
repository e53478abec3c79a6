// JSON Schema pieces shared by the API routes: time ranges, result rows and the error answers. Fastify validates
// requests and serializes answers with them; @fastify/swagger turns them into the OpenAPI document.

/** Unix seconds. */
export const unixSeconds = { type: 'integer', minimum: 0, maximum: 253402300799 } as const;

/** `since`/`until` query parameters. */
export const timeRangeProperties = {
  since: { ...unixSeconds, description: 'Unix seconds, included (default: until - 1 hour)' },
  until: { ...unixSeconds, description: 'Unix seconds, excluded (default: now)' },
} as const;

/** The body of every error answer. */
export const errorSchema = {
  type: 'object',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string', description: 'A stable code, e.g. PARSE_ERROR, INVALID_INPUT, QUERY_TIMEOUT' },
    message: { type: 'string' },
    hint: { type: 'string' },
    start: { type: 'integer', description: '0-based offset of the offending text in the query/pattern/SQL' },
    end: { type: 'integer', description: 'offset just after it' },
    field: { type: 'string', description: 'the offending request field (invalid input)' },
  },
} as const;

const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'Bad input, or a query/pattern/SQL error with its span',
  401: 'Missing or wrong bearer token',
  404: 'No such thing',
  408: 'The query ran longer than the time limit',
  413: 'The request body is larger than 1 MiB',
  500: 'Internal error',
};

/** The `response` schema of a route: its success answer plus the error answers it can give. */
export function responses(
  ok: Record<string, unknown>,
  errors: readonly number[] = [400, 401, 408, 500],
  status = 200,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    [status]: { description: status === 201 ? 'Created' : 'OK', ...ok },
  };
  for (const code of errors) out[code] = { ...errorSchema, description: ERROR_DESCRIPTIONS[code] };
  return out;
}

/** Result rows: objects keyed by column name, any JSON values. */
export const rowsSchema = {
  type: 'array',
  items: { type: 'object', additionalProperties: true },
} as const;

/** `{ t, value }` points of a metric. */
export const pointsSchema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['t', 'value'],
    properties: {
      t: { type: 'integer', description: 'unix seconds of the period start' },
      value: { type: 'number' },
    },
  },
} as const;

// The API's one error → HTTP status mapper: user mistakes 400 (with their code, hint and span), unknown things
// 404, query timeouts 408, Fastify's own refusals (validation 400, body too large 413, ...) as they are, and
// anything else 500 without internals.

import { BusyError, QueryTimeoutError, UserError } from '../core/errors.js';

/** Something the request names does not exist (an alarm, a route). */
export class NotFoundError extends UserError {}

/** A request field with a value the schema could not rule out (a range, a CIDR block). */
export class InvalidInputError extends UserError {
  /** The request field, e.g. `bin`. */
  readonly field: string;
  constructor(field: string, message: string, hint?: string, code = 'INVALID_INPUT') {
    super(code, message, hint);
    this.field = field;
  }
}

/** The JSON body of every error answer (see api-contract.ts). */
export interface ErrorBody {
  readonly error: string;
  readonly message: string;
  readonly hint?: string;
  /** 0-based span in the query, pattern or SQL text the request sent (end excluded). */
  readonly start?: number;
  readonly end?: number;
  /** For invalid input: the offending request field, e.g. `since` or `lines`. */
  readonly field?: string;
}

export interface HttpError {
  readonly status: number;
  readonly body: ErrorBody;
  /** Extra response headers (Retry-After of a 503). */
  readonly headers?: Readonly<Record<string, string>>;
}

interface ValidationItem {
  readonly keyword?: string;
  readonly instancePath?: string;
  readonly message?: string;
  readonly params?: Record<string, unknown>;
}

interface FrameworkError {
  readonly statusCode?: number;
  readonly code?: string;
  readonly message?: string;
  readonly validation?: readonly ValidationItem[];
  readonly validationContext?: string;
}

const STATUS_CODES: Readonly<Record<number, string>> = {
  400: 'BAD_REQUEST',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

const PLACES: Readonly<Record<string, string>> = {
  querystring: 'query parameter',
  body: 'body field',
  params: 'path parameter',
  headers: 'header',
};

function userBody(err: UserError): ErrorBody {
  const span = err as unknown as { start?: unknown; end?: unknown };
  return {
    error: err.code,
    message: err.message,
    ...(err.hint !== undefined ? { hint: err.hint } : {}),
    ...(typeof span.start === 'number' && typeof span.end === 'number'
      ? { start: span.start, end: span.end }
      : {}),
    ...(err instanceof InvalidInputError ? { field: err.field } : {}),
  };
}

/** A schema validation failure as a message naming the field: `query parameter since must be integer`. */
function validationBody(e: FrameworkError): ErrorBody {
  const v = e.validation?.[0] ?? {};
  const place = e.validationContext ?? 'request';
  const path = (v.instancePath ?? '').split('/').filter((p) => p !== '');
  if (v.keyword === 'required' && typeof v.params?.['missingProperty'] === 'string') {
    path.push(v.params['missingProperty']);
  }
  const field = path.join('.');
  const where = PLACES[place] ?? place;
  const message =
    field === ''
      ? `${where === 'body field' ? 'body' : where} ${v.message ?? 'is invalid'}`
      : v.keyword === 'required'
        ? `${where} ${field} is required`
        : `${where} ${field} ${v.message ?? 'is invalid'}`;
  return { error: 'INVALID_INPUT', message, ...(field !== '' ? { field } : {}) };
}

/**
 * The status and body answering an error.
 *
 * @example httpError(new InsightsError('PARSE_ERROR', 'expected a command', { start: 0, end: 3 })) // { status: 400, body: { error: 'PARSE_ERROR', ..., start: 0, end: 3 } }
 */
export function httpError(err: unknown): HttpError {
  if (err instanceof QueryTimeoutError) return { status: 408, body: userBody(err) };
  if (err instanceof BusyError) {
    return { status: 503, body: userBody(err), headers: { 'retry-after': String(err.retryAfterSeconds) } };
  }
  if (err instanceof NotFoundError) return { status: 404, body: userBody(err) };
  if (err instanceof UserError) return { status: 400, body: userBody(err) };
  const e = (typeof err === 'object' && err !== null ? err : {}) as FrameworkError;
  if (Array.isArray(e.validation)) return { status: 400, body: validationBody(e) };
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const message =
      e.statusCode === 413
        ? 'the request body is too large (the limit is 1 MiB)'
        : (e.message ?? 'bad request');
    return {
      status: e.statusCode,
      body: { error: STATUS_CODES[e.statusCode] ?? `HTTP_${e.statusCode}`, message },
    };
  }
  return { status: 500, body: { error: 'INTERNAL', message: 'internal error' } };
}

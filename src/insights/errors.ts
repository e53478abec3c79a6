// InsightsError: a Logs Insights query that cannot run, with a stable code, a 0-based span and a hint.

import { UserError } from '../core/errors.js';

/** A half-open range of UTF-16 offsets in the query text: `start` included, `end` excluded. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/**
 * A query CloudWatch Logs Insights would refuse, or one flowwatch cannot run offline.
 *
 * @example
 * try { parseQuery('stats count(*) by') } catch (e) { if (e instanceof InsightsError) e.code } // 'PARSE_ERROR'
 */
export class InsightsError extends UserError {
  /** 0-based offset of the first offending character. */
  readonly start: number;
  /** 0-based offset just after the offending text. */
  readonly end: number;
  constructor(code: string, message: string, span: Span, hint?: string) {
    super(code, message, hint);
    this.start = span.start;
    this.end = span.end;
  }
}

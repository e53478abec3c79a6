// FilterPatternError: an invalid filter pattern, with a stable code, a 0-based span and a hint.

import { UserError } from '../core/errors.js';

/** A half-open range of UTF-16 offsets in the pattern text: `start` included, `end` excluded. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/**
 * A filter pattern that CloudWatch Logs would refuse (or that a backend cannot run).
 *
 * @example
 * try { parsePattern('[a, b') } catch (e) { if (e instanceof FilterPatternError) e.code } // 'EXPECTED_COMMA_OR_BRACKET'
 */
export class FilterPatternError extends UserError {
  /** 0-based offset of the first offending character. */
  readonly start: number;
  /** 0-based offset just after the offending text (equal to `start` for "expected X here"). */
  readonly end: number;
  constructor(code: string, message: string, span: Span, hint?: string) {
    super(code, message, hint);
    this.start = span.start;
    this.end = span.end;
  }
}

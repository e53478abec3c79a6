// Typed errors: user mistakes carry a message that names the place and says what to do; the CLI maps them to exit codes.

/** Base class of every error caused by the user's input rather than by a flowwatch bug. */
export class UserError extends Error {
  /** A stable, machine-readable code, e.g. `FORMAT_UNCLOSED`. */
  readonly code: string;
  /** Optional advice printed under the message. */
  readonly hint: string | undefined;
  /** Optional lines printed between the message and the hint (e.g. the input with a caret under the fault). */
  detail: string | undefined;
  constructor(code: string, message: string, hint?: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.hint = hint;
  }
}

/** A half-open range of UTF-16 offsets in a text the user wrote: `start` included, `end` excluded. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/**
 * A mistake at a place in a text the user wrote (a filter pattern, a query, an alarm rule): the span lets the
 * CLI print a caret under it and the dashboard underline it.
 */
export class PositionedError extends UserError {
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

/** Bad command-line usage: unknown option value, missing argument. */
export class UsageError extends UserError {}

/** A flow log format string or header that cannot be understood. */
export class FormatError extends UserError {
  /** 0-based character offset in the format text. */
  readonly position: number;
  constructor(code: string, message: string, position: number, hint?: string) {
    super(code, message, hint);
    this.position = position;
  }
}

/** An input file or stream that cannot be read at all (missing, truncated archive, not a flow log). */
export class SourceError extends UserError {
  readonly file: string;
  constructor(code: string, file: string, message: string, hint?: string) {
    super(code, `${file}: ${message}`, hint);
    this.file = file;
  }
}

/** The store cannot be opened or a query against it failed because of the user's SQL. */
export class StoreError extends UserError {}

/** Too many queries run and wait already: try again after `retryAfterSeconds` (HTTP 503 + Retry-After). */
export class BusyError extends UserError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super('BUSY', message, `try again in ${retryAfterSeconds} s`);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A query that ran longer than its time limit and was interrupted. */
export class QueryTimeoutError extends UserError {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(
      'QUERY_TIMEOUT',
      `the query ran longer than ${timeoutMs} ms and was stopped`,
      'narrow the time range, filter earlier, or aggregate with stats/GROUP BY',
    );
    this.timeoutMs = timeoutMs;
  }
}

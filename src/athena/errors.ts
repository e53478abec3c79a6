// AthenaError: a statement the local Athena cannot run, with a stable code and the span it points at.

import { caretLine } from '../core/caret.js';
import { UserError } from '../core/errors.js';

/**
 * An Athena statement refused or failed, carrying the 0-based span (UTF-16 offsets, end excluded) of the
 * offending part in the statement text.
 *
 * @example throw new AthenaError('ATHENA_SYNTAX', 'expected TABLE', { start: 7, end: 12 }, 'e.g. CREATE EXTERNAL TABLE t (...)')
 */
export class AthenaError extends UserError {
  readonly start: number;
  readonly end: number;
  constructor(code: string, message: string, span: { start: number; end: number }, hint?: string) {
    super(code, message, hint);
    this.start = span.start;
    this.end = span.end;
  }
}

/** The statement with a caret line under `start..end` (for the CLI's detail lines). */
export function caretUnder(text: string, start: number, end: number): string {
  return caretLine(text, start, end);
}

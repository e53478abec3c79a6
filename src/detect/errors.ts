// Errors of the detection layer that are not about a position in a file (those are DetectionError, parse.ts).

import { UserError } from '../core/errors.js';

/** A definition a backend cannot compile (e.g. a field the Athena table lacks). */
export class DetectCompileError extends UserError {
  constructor(message: string, hint?: string) {
    super('DETECT_COMPILE', message, hint);
  }
}

/** A finding id that is not in the store, or a state change that is not allowed. */
export class FindingError extends UserError {}

// FilterPatternError: an invalid filter pattern, with a stable code, a 0-based span and a hint.

import { PositionedError } from '../core/errors.js';

export type { Span } from '../core/errors.js';

/**
 * A filter pattern that CloudWatch Logs would refuse (or that a backend cannot run).
 *
 * @example
 * try { parsePattern('[a, b') } catch (e) { if (e instanceof FilterPatternError) e.code } // 'EXPECTED_COMMA_OR_BRACKET'
 */
export class FilterPatternError extends PositionedError {}

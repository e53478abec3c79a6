// InsightsError: a Logs Insights query that cannot run, with a stable code, a 0-based span and a hint.

import { PositionedError } from '../core/errors.js';

export type { Span } from '../core/errors.js';

/**
 * A query CloudWatch Logs Insights would refuse, or one flowwatch cannot run offline.
 *
 * @example
 * try { parseQuery('stats count(*) by') } catch (e) { if (e instanceof InsightsError) e.code } // 'PARSE_ERROR'
 */
export class InsightsError extends PositionedError {}

// Rewrites a metric filter's space-delimited pattern for the flow log's own format at synth time. The rewrite
// itself is flowwatch's (`flowwatch/pattern-rewrite`), the one local ingest and the monitor apply per file
// format; this file only turns its errors into FlowLogMonitoringError.

import type { FieldDef } from 'flowwatch/catalog';
import type { CheckedMetricFilter } from 'flowwatch/metric-filter';
import {
  type BindingMode,
  PatternRewriteError,
  type RewrittenPattern,
  rewritePattern as rewrite,
} from 'flowwatch/pattern-rewrite';
import { FlowLogMonitoringError } from './errors.js';

export type { BindingMode, RewrittenPattern };

/**
 * Rewrites a checked metric filter's pattern for the `target` fields (see flowwatch's `rewritePattern`): a
 * `[...]` pattern is bound by position in `source` (by default the default format) or by its slot names, and
 * written out over the target's fields. Throws FlowLogMonitoringError with the rewrite's code
 * (`PATTERN_FIELD_MISSING`, `PATTERN_POSITION_MISSING`, `PATTERN_UNKNOWN_FIELD`, `PATTERN_JSON`, ...).
 *
 * @example
 * rewritePattern(checkMetricFilter({ name: 'rejected', pattern: '[..., action = REJECT, status]',
 *   metricNamespace: 'FlowLogs', metricName: 'Rejected', metricValue: '1' }), DEFAULT_FIELDS,
 *   [srcaddr, action, logStatus]).pattern // '[srcaddr, action = REJECT, status]'
 */
export function rewritePattern(
  checked: CheckedMetricFilter,
  source: readonly FieldDef[],
  target: readonly FieldDef[],
): RewrittenPattern {
  try {
    return rewrite(checked, source, target);
  } catch (err) {
    if (!(err instanceof PatternRewriteError)) throw err;
    throw new FlowLogMonitoringError(err.code, err.message, err.hint, { cause: err });
  }
}

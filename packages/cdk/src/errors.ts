// FlowLogMonitoringError: a FlowLogMonitoring configuration that cannot be deployed, refused at synth time.

/**
 * A configuration mistake found while the construct is built (that is, at `cdk synth`), with a stable `code`
 * (tests and tools match on it, not on the wording), a message naming the field, pattern or property, and an
 * optional hint saying what would be accepted.
 *
 * @example
 * try {
 *   new FlowLogMonitoring(stack, 'Flows', { target: FlowLogTarget.vpc(vpc), fields: ['srcadr'] });
 * } catch (e) {
 *   if (e instanceof FlowLogMonitoringError) e.code; // 'UNKNOWN_FIELD' (hint: did you mean "srcaddr"?)
 * }
 */
export class FlowLogMonitoringError extends Error {
  /** Stable, machine-readable code, e.g. `UNKNOWN_FIELD`, `PATTERN_FIELD_MISSING`, `CONFIG_UNKNOWN_METRIC`. */
  readonly code: string;
  /** What would be accepted, or a did-you-mean. */
  readonly hint: string | undefined;
  constructor(code: string, message: string, hint?: string, options?: { cause?: unknown }) {
    super(hint ? `${message} (${hint})` : message, options);
    this.name = 'FlowLogMonitoringError';
    this.code = code;
    this.hint = hint;
  }
}

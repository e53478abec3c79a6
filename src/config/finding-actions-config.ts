// `findingActions:` of flowwatch.yaml: which topics the monitor notifies of new findings, by severity (issue 14:
// "the monitor runs the catalog live and sends findings to topics by severity").
//
//   findingActions:
//     - minSeverity: high          # this severity and above (low | medium | high | critical)
//       topics: [security-oncall]
//     - minSeverity: low
//       topics: [security-digest]
//       detections: [vertical-port-scan, horizontal-sweep]   # optional: only these detections

import { SEVERITIES, type Severity } from '../detect/definition.js';
import { MonitorConfigError } from './monitor-config.js';

/** One rule: findings of `minSeverity` or above (of the listed detections, when given) go to `topics`. */
export interface FindingAction {
  readonly minSeverity: Severity;
  readonly topics: readonly string[];
  /** Detection ids; undefined = every detection. */
  readonly detections?: readonly string[] | undefined;
}

const KEYS = ['minSeverity', 'topics', 'detections'];

/**
 * Validates the `findingActions` list (topic and detection names are checked by the caller, who knows them).
 *
 * @example checkFindingActions([{ minSeverity: 'high', topics: ['sec'] }], ['findingActions']).value
 */
export function checkFindingActions(
  raw: unknown,
  path: readonly (string | number)[],
): { value?: FindingAction[]; errors: MonitorConfigError[] } {
  const errors: MonitorConfigError[] = [];
  const fail = (at: readonly (string | number)[], message: string, hint?: string) =>
    errors.push(new MonitorConfigError('CONFIG_FINDING_ACTIONS', [...path, ...at], message, hint));
  if (raw === null || raw === undefined) return { value: [], errors };
  if (!Array.isArray(raw)) {
    fail([], 'expected a list of {minSeverity, topics}', 'e.g. - { minSeverity: high, topics: [security] }');
    return { errors };
  }
  const out: FindingAction[] = [];
  raw.forEach((item, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      fail([i], 'expected a mapping with minSeverity and topics');
      return;
    }
    const m = item as Record<string, unknown>;
    for (const k of Object.keys(m)) {
      if (!KEYS.includes(k)) fail([i, k], `unknown key "${k}"`, `expected one of ${KEYS.join(', ')}`);
    }
    const sev = m['minSeverity'] ?? 'low';
    if (typeof sev !== 'string' || !(SEVERITIES as readonly string[]).includes(sev)) {
      fail([i, 'minSeverity'], `"${String(sev)}" is not a severity`, `use one of ${SEVERITIES.join(', ')}`);
      return;
    }
    const topics = m['topics'];
    if (
      !Array.isArray(topics) ||
      topics.length === 0 ||
      !topics.every((t) => typeof t === 'string' && t !== '')
    ) {
      fail([i, 'topics'], 'expected a non-empty list of topic names');
      return;
    }
    const dets = m['detections'];
    if (dets !== undefined && (!Array.isArray(dets) || !dets.every((d) => typeof d === 'string'))) {
      fail([i, 'detections'], 'expected a list of detection ids');
      return;
    }
    out.push({
      minSeverity: sev as Severity,
      topics: topics as string[],
      ...(dets !== undefined ? { detections: dets as string[] } : {}),
    });
  });
  return errors.length > 0 ? { errors } : { value: out, errors };
}

/**
 * The topics a finding of this detection and severity goes to (each once, in rule order).
 *
 * @example topicsForFinding(actions, 'vertical-port-scan', 'high') // ['security-oncall', 'security-digest']
 */
export function topicsForFinding(
  actions: readonly FindingAction[],
  detection: string,
  severity: Severity,
): string[] {
  const rank = (s: Severity) => SEVERITIES.indexOf(s);
  const out: string[] = [];
  for (const a of actions) {
    if (rank(severity) < rank(a.minSeverity)) continue;
    if (a.detections !== undefined && !a.detections.includes(detection)) continue;
    for (const t of a.topics) if (!out.includes(t)) out.push(t);
  }
  return out;
}

// Alarm states and comparison operators as the dashboard shows them.

import { h } from './dom.js';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

const LABELS: Record<AlarmState, string> = {
  OK: 'OK',
  ALARM: 'ALARM',
  INSUFFICIENT_DATA: 'Insufficient data',
};

/** A coloured badge with the state (`data-state` holds the raw state). */
export function stateBadge(state: string, testid?: string): HTMLElement {
  const known = state in LABELS ? (state as AlarmState) : undefined;
  return h(
    'span',
    { class: `badge state-${state.toLowerCase()}`, 'data-state': state, 'data-testid': testid },
    known ? LABELS[known] : state,
  );
}

const OPERATORS: Record<string, string> = {
  GreaterThanThreshold: '>',
  GreaterThanOrEqualToThreshold: '≥',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '≤',
  LessThanLowerOrGreaterThanUpperThreshold: 'outside',
  LessThanLowerThreshold: '<',
  GreaterThanUpperThreshold: '>',
};

const BAND_OPERATORS: Record<string, string> = {
  LessThanLowerOrGreaterThanUpperThreshold: 'outside the anomaly band',
  LessThanLowerThreshold: 'below the anomaly band',
  GreaterThanUpperThreshold: 'above the anomaly band',
};

/** `above the anomaly band (k = 2)` for an anomaly-band alarm. */
export function bandConditionText(operator: string | undefined, k: number): string {
  return `${BAND_OPERATORS[operator ?? ''] ?? operator ?? ''} (k = ${k})`;
}

/** `≥ 10` for a comparison operator and threshold. */
export function conditionText(operator: string | undefined, threshold: number | undefined): string {
  if (threshold === undefined) return '–';
  return `${operator ? (OPERATORS[operator] ?? operator) : ''} ${threshold}`.trim();
}

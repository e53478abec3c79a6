// Findings as the dashboard shows them: severity and state badges, the Flows link of a finding's entity and
// time, and the empty state that says where findings come from.

import { h } from './dom.js';
import { linkTo } from './router.js';
import { absoluteParams } from './time-range.js';

/** Most severe first (the detections' severities, src/detect/definition.ts). */
export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export const FINDING_STATES = ['open', 'acknowledged', 'suppressed'] as const;

/** Critical first. */
export function severityRank(s: string): number {
  const i = (SEVERITIES as readonly string[]).indexOf(s);
  return i < 0 ? SEVERITIES.length : i;
}

/** A coloured severity badge (`data-severity` holds the raw value). */
export function severityBadge(severity: string, testid?: string): HTMLElement {
  return h(
    'span',
    { class: `badge sev-${severity}`, 'data-severity': severity, 'data-testid': testid },
    severity,
  );
}

/** A badge with a finding's state (`data-state` holds the raw value). */
export function findingStateBadge(state: string, testid?: string): HTMLElement {
  return h('span', { class: `badge fstate-${state}`, 'data-state': state, 'data-testid': testid }, state);
}

/**
 * The Flows explorer filtered to a finding's entity (`10.0.1.10`, `10.0.1.10:22`, `eni-…`) over its time
 * (end included: the explorer's range excludes its end).
 *
 * @example findingFlowsLink('10.0.1.10:22', 100, 200) // '#/flows?since=…&until=…&ip=10.0.1.10&port=22'
 */
export function findingFlowsLink(entity: string, start: number, end: number): string {
  const range = absoluteParams(Math.floor(start / 60) * 60, Math.ceil((end + 1) / 60) * 60);
  if (entity.startsWith('eni-')) return linkTo(['flows'], { ...range, interface: entity });
  // An IPv4 address with a port (`10.0.1.10:22`) or an IPv6 one in brackets (`[2001:db8::1]:22`).
  const withPort = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(entity);
  if (withPort && (entity.startsWith('[') || !withPort[1]!.includes(':')))
    return linkTo(['flows'], { ...range, ip: withPort[1], port: withPort[2] });
  return linkTo(['flows'], { ...range, ip: entity });
}

/**
 * What to do when there are no findings: the monitor runs the detections live as their windows close, and
 * `flowwatch detect` runs them over stored records (history, or records that arrived late).
 */
export function noFindings(filtered: boolean): HTMLElement {
  return h(
    'div',
    { class: 'state state-empty empty-explain', 'data-testid': 'empty' },
    h(
      'p',
      {},
      h(
        'strong',
        {},
        filtered ? 'No finding matches these filters in this time range.' : 'No findings in this time range.',
      ),
    ),
    h(
      'p',
      {},
      'The running monitor runs the enabled detections itself as each window closes, over the records it receives. ',
      'For records loaded with ',
      h('code', {}, 'flowwatch ingest'),
      ' (history) or that arrived more than a window late, run the detections over the stored records: ',
      h('code', {}, 'flowwatch detect --last 24h'),
      '. See the catalog with ',
      h('code', {}, 'flowwatch detections list'),
      '.',
    ),
    filtered ? null : h('p', { class: 'muted' }, 'Widen the time range above if findings are older.'),
  );
}

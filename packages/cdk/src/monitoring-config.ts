// Metric filters, alarms and topics from a flowwatch.yaml and from props, validated together by flowwatch's
// own configuration checker (so a deployment accepts exactly what the local monitor accepts).

import { readFileSync } from 'node:fs';
import { type Config, parseConfig } from 'flowwatch/config';
import type { MetricFilter } from 'flowwatch/metric-filter';
import { FlowLogMonitoringError } from './errors.js';

/**
 * A metric filter as written in flowwatch.yaml (`metricFilters:`).
 *
 * @example
 * const f: MetricFilterSpec = { name: 'rejected', pattern: '[..., action = REJECT, status]',
 *   metricNamespace: 'FlowLogs', metricName: 'Rejected', metricValue: '1', defaultValue: 0 };
 */
export type MetricFilterSpec = MetricFilter;

/**
 * A metric alarm as written in flowwatch.yaml (`alarms:`): CloudWatch's PutMetricAlarm settings; actions name
 * topics.
 *
 * @example
 * const a: AlarmSpec = { name: 'denied-icmp', metric: { namespace: 'FlowLogs', metricName: 'DeniedICMP' },
 *   statistic: 'Sum', period: 60, evaluationPeriods: 1, threshold: 1,
 *   comparisonOperator: 'GreaterThanOrEqualToThreshold', treatMissingData: 'notBreaching', alarmActions: ['netops'] };
 */
export interface AlarmSpec {
  readonly name: string;
  readonly description?: string;
  readonly metric: {
    readonly namespace: string;
    readonly metricName: string;
    readonly dimensions?: Readonly<Record<string, string>>;
  };
  readonly statistic?: 'SampleCount' | 'Sum' | 'Average' | 'Minimum' | 'Maximum';
  /** A percentile such as `p99`, instead of `statistic`. */
  readonly extendedStatistic?: string;
  /** Seconds: 10, 20, 30 or a multiple of 60. */
  readonly period: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm?: number;
  readonly threshold: number;
  readonly comparisonOperator:
    | 'GreaterThanOrEqualToThreshold'
    | 'GreaterThanThreshold'
    | 'LessThanThreshold'
    | 'LessThanOrEqualToThreshold';
  readonly treatMissingData?: 'missing' | 'notBreaching' | 'breaching' | 'ignore';
  readonly evaluateLowSampleCountPercentile?: 'evaluate' | 'ignore';
  readonly actionsEnabled?: boolean;
  /** Topic names (or SNS ARNs ending in a topic name). */
  readonly alarmActions?: readonly string[];
  readonly okActions?: readonly string[];
  readonly insufficientDataActions?: readonly string[];
}

/**
 * A composite alarm as written in flowwatch.yaml (`compositeAlarms:`).
 *
 * @example
 * const c: CompositeAlarmSpec = { name: 'probing', alarmRule: 'ALARM("rejected-ssh") AND ALARM("denied-icmp")' };
 */
export interface CompositeAlarmSpec {
  readonly name: string;
  readonly description?: string;
  readonly alarmRule: string;
  readonly actionsEnabled?: boolean;
  readonly alarmActions?: readonly string[];
  readonly okActions?: readonly string[];
  readonly insufficientDataActions?: readonly string[];
}

/**
 * A subscription of a topic, as written in flowwatch.yaml.
 *
 * @example const s: SubscriptionSpec = { type: 'webhook', url: 'https://hooks.example.com/flowwatch' };
 */
export type SubscriptionSpec =
  | { readonly type: 'email'; readonly id?: string; readonly to: string | readonly string[] }
  | { readonly type: 'webhook'; readonly id?: string; readonly url: string }
  | { readonly type: 'slack'; readonly id?: string; readonly url: string }
  | { readonly type: 'stdout'; readonly id?: string };

/**
 * A notification topic as written in flowwatch.yaml (`topics:`). On AWS it becomes an SNS topic: email
 * subscriptions become SNS email subscriptions, webhooks HTTP(S) subscriptions; slack and stdout are local only.
 *
 * @example const t: TopicSpec = { name: 'netops', subscriptions: [{ type: 'email', to: ['netops@example.com'] }] };
 */
export interface TopicSpec {
  readonly name: string;
  readonly subscriptions: readonly SubscriptionSpec[];
}

/**
 * What the construct deploys from the configuration: flowwatch's validated definitions.
 *
 * @example loadMonitoringConfig('flowwatch.yaml', {}).alarms.map((a) => a.name)
 */
export type MonitoringConfig = Pick<Config, 'filters' | 'alarms' | 'compositeAlarms' | 'topics'>;

/** Inline definitions, merged after those of the file. */
export interface InlineDefinitions {
  readonly metricFilters?: readonly MetricFilterSpec[] | undefined;
  readonly alarms?: readonly AlarmSpec[] | undefined;
  readonly compositeAlarms?: readonly CompositeAlarmSpec[] | undefined;
  readonly topics?: readonly TopicSpec[] | undefined;
}

/**
 * SNS sends the email on AWS, so a configuration that exists only for the deployment needs no SMTP section;
 * flowwatch's checker requires one as soon as a topic has an email subscription, so a placeholder stands in.
 */
const SMTP_PLACEHOLDER = { host: 'smtp.invalid', from: 'flowwatch <flowwatch@smtp.invalid>' };

function validate(file: string, text: string): Config {
  try {
    return parseConfig(file, text);
  } catch (err) {
    const e = err as Error & { code?: string; hint?: string };
    throw new FlowLogMonitoringError(e.code ?? 'CONFIG_INVALID', e.message, e.hint, { cause: err });
  }
}

function hasEmail(topics: unknown): boolean {
  return (
    Array.isArray(topics) &&
    topics.some(
      (t) =>
        typeof t === 'object' &&
        t !== null &&
        Array.isArray((t as { subscriptions?: unknown }).subscriptions) &&
        (t as { subscriptions: { type?: unknown }[] }).subscriptions.some((s) => s?.type === 'email'),
    )
  );
}

/**
 * Loads `file` (a flowwatch.yaml, resolved against the working directory) when given, adds the inline
 * definitions, and validates the whole with flowwatch's checker: metric filters (patterns parsed), alarms
 * (PutMetricAlarm rules, metrics published by a filter), composite alarm rules, topics and the topics actions
 * name. Errors keep flowwatch's codes (`CONFIG_UNKNOWN_METRIC`, `INVALID_OPERATOR`, ...) and name file, line
 * and column; inline definitions are reported against a pretty-printed JSON text named `FlowLogMonitoring props`.
 *
 * @example loadMonitoringConfig('flowwatch.yaml', {}).filters.map(f => f.filter.name)
 */
export function loadMonitoringConfig(file: string | undefined, inline: InlineDefinitions): MonitoringConfig {
  let base: Record<string, unknown> = {};
  let fromFile: Config | undefined;
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new FlowLogMonitoringError(
        'CONFIG_MISSING',
        `configFile: cannot read ${file}: ${(err as Error).message}`,
        'the path is resolved against the working directory of the CDK app',
        { cause: err },
      );
    }
    try {
      fromFile = validate(file, text);
    } catch (err) {
      if ((err as FlowLogMonitoringError).code !== 'CONFIG_NO_SMTP') throw err;
      // Appending a top-level key keeps every line and column of the user's text where it was.
      const smtp = `smtp: { host: ${SMTP_PLACEHOLDER.host}, from: "${SMTP_PLACEHOLDER.from}" }`;
      fromFile = validate(file, `${text.replace(/\n?$/, '\n')}${smtp}\n`);
    }
    base = (fromFile.doc.toJSON() as Record<string, unknown> | null) ?? {};
  }
  const keys = ['metricFilters', 'alarms', 'compositeAlarms', 'topics'] as const;
  const hasInline = keys.some((k) => (inline[k]?.length ?? 0) > 0);
  if (fromFile && !hasInline) return fromFile;
  const merged: Record<string, unknown> = { ...base };
  for (const k of keys) {
    const extra = inline[k] ?? [];
    const before = Array.isArray(base[k]) ? (base[k] as unknown[]) : [];
    if (extra.length > 0 || before.length > 0) merged[k] = [...before, ...extra];
  }
  if (merged['smtp'] === undefined && hasEmail(merged['topics'])) merged['smtp'] = SMTP_PLACEHOLDER;
  return validate('FlowLogMonitoring props', JSON.stringify(merged, null, 2));
}

// EventBridge-style alarm events (spec §6) as plain objects: state changes, and configuration changes on create,
// update and delete. Ids are derived from their content, so replaying the same history gives the same events.

import { createHash } from 'node:crypto';
import type { AlarmState, CompositeAlarm, MetricAlarm } from './definition.js';
import { eventTime, isoTime } from './format.js';

/** Where alarms "live": the account and Region written into ARNs and events. */
export interface AlarmContext {
  readonly account: string;
  readonly region: string;
}

/** flowwatch runs offline: a placeholder account and the Region name `local`. */
export const DEFAULT_CONTEXT: AlarmContext = { account: '000000000000', region: 'local' };

/**
 * An alarm's ARN: `arn:aws:cloudwatch:{region}:{account}:alarm:{name}`.
 *
 * @example alarmArn('vpc-rejects-high', { account: '111122223333', region: 'eu-west-1' })
 * // 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:vpc-rejects-high'
 */
export function alarmArn(name: string, ctx: AlarmContext = DEFAULT_CONTEXT): string {
  return `arn:aws:cloudwatch:${ctx.region}:${ctx.account}:alarm:${name}`;
}

/**
 * A UUID-shaped id derived from its parts (SHA-256), stable across runs.
 *
 * @example stableId('a', '1') === stableId('a', '1') // true
 */
export function stableId(...parts: readonly string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** A state as events carry it. `timestamp` is `2024-05-20T10:31:02.054+0000`. */
export interface EventState {
  readonly value: AlarmState;
  readonly reason: string;
  readonly reasonData?: string;
  readonly timestamp: string;
}

/** `configuration` of a metric alarm's event. */
export interface MetricAlarmConfiguration {
  readonly description?: string;
  readonly metrics: readonly {
    readonly id: string;
    readonly metricStat: {
      readonly metric: {
        readonly dimensions: Readonly<Record<string, string>>;
        readonly name: string;
        readonly namespace: string;
      };
      readonly period: number;
      readonly stat: string;
    };
    readonly returnData: true;
  }[];
}

/** `configuration` of a composite alarm's event. */
export interface CompositeAlarmConfiguration {
  readonly alarmRule: string;
  readonly description?: string;
}

/** The EventBridge event of a state change (`detail-type` "CloudWatch Alarm State Change"). */
export interface AlarmStateChangeEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': 'CloudWatch Alarm State Change';
  readonly source: 'aws.cloudwatch';
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly [string];
  readonly detail: {
    readonly alarmName: string;
    readonly state: EventState;
    readonly previousState: EventState;
    readonly configuration: MetricAlarmConfiguration | CompositeAlarmConfiguration;
  };
}

/** The EventBridge event of a configuration change (`detail-type` "CloudWatch Alarm Configuration Change"). */
export interface AlarmConfigurationChangeEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': 'CloudWatch Alarm Configuration Change';
  readonly source: 'aws.cloudwatch';
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly [string];
  readonly detail: {
    readonly alarmName: string;
    readonly operation: 'create' | 'update' | 'delete';
    readonly state: { readonly value: AlarmState; readonly timestamp: string };
    readonly configuration: MetricAlarmConfiguration | CompositeAlarmConfiguration;
  };
}

/** A stored state: value, reason, reasonData (JSON text) and when it was entered (epoch seconds). */
export interface StateValue {
  readonly value: AlarmState;
  readonly reason: string;
  readonly reasonData?: string | undefined;
  readonly timestamp: number;
}

/**
 * The `configuration` member of an alarm's events.
 *
 * @example alarmConfiguration({ kind: 'composite', alarm: { name: 'c', alarmRule: 'TRUE' } }) // { alarmRule: 'TRUE' }
 */
export function alarmConfiguration(
  def:
    | { readonly kind: 'metric'; readonly alarm: MetricAlarm }
    | { readonly kind: 'composite'; readonly alarm: CompositeAlarm },
): MetricAlarmConfiguration | CompositeAlarmConfiguration {
  if (def.kind === 'composite') {
    const a = def.alarm;
    return { alarmRule: a.alarmRule, ...(a.description !== undefined ? { description: a.description } : {}) };
  }
  const a = def.alarm;
  return {
    ...(a.description !== undefined ? { description: a.description } : {}),
    metrics: [
      {
        id: stableId('metric', a.name),
        metricStat: {
          metric: {
            dimensions: { ...a.metric.dimensions },
            name: a.metric.metricName,
            namespace: a.metric.namespace,
          },
          period: a.period,
          stat: a.statistic ?? a.extendedStatistic ?? '',
        },
        returnData: true,
      },
    ],
  };
}

/**
 * A stored state as an event's state member.
 *
 * @example eventState({ value: 'OK', reason: 'r', timestamp: 0 }).timestamp // '1970-01-01T00:00:00.000+0000'
 */
export function eventState(s: StateValue): EventState {
  return {
    value: s.value,
    reason: s.reason,
    ...(s.reasonData !== undefined ? { reasonData: s.reasonData } : {}),
    timestamp: isoTime(s.timestamp),
  };
}

/**
 * The state-change event of a transition.
 *
 * @example stateChangeEvent('a', config, previous, current, DEFAULT_CONTEXT)['detail-type'] // 'CloudWatch Alarm State Change'
 */
export function stateChangeEvent(
  alarmName: string,
  configuration: MetricAlarmConfiguration | CompositeAlarmConfiguration,
  previous: StateValue,
  current: StateValue,
  ctx: AlarmContext,
): AlarmStateChangeEvent {
  const arn = alarmArn(alarmName, ctx);
  return {
    version: '0',
    id: stableId('state', arn, String(current.timestamp), previous.value, current.value),
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: ctx.account,
    time: eventTime(current.timestamp),
    region: ctx.region,
    resources: [arn],
    detail: { alarmName, state: eventState(current), previousState: eventState(previous), configuration },
  };
}

/**
 * The configuration-change event of a create, update or delete.
 *
 * @example configurationChangeEvent('a', 'create', config, state, DEFAULT_CONTEXT).detail.operation // 'create'
 */
export function configurationChangeEvent(
  alarmName: string,
  operation: 'create' | 'update' | 'delete',
  configuration: MetricAlarmConfiguration | CompositeAlarmConfiguration,
  state: StateValue,
  at: number,
  ctx: AlarmContext,
): AlarmConfigurationChangeEvent {
  const arn = alarmArn(alarmName, ctx);
  return {
    version: '0',
    id: stableId('configuration', arn, operation, String(at)),
    'detail-type': 'CloudWatch Alarm Configuration Change',
    source: 'aws.cloudwatch',
    account: ctx.account,
    time: eventTime(at),
    region: ctx.region,
    resources: [arn],
    detail: {
      alarmName,
      operation,
      state: { value: state.value, timestamp: isoTime(state.timestamp) },
      configuration,
    },
  };
}

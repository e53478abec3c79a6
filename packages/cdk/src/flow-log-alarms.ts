// Metric filters on the flow log group (patterns already rewritten for its format), metric alarms and
// composite alarms, their actions pointing at the SNS topics.

import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { CheckedMetricFilter } from 'flowwatch/metric-filter';
import type { MonitoringConfig } from './monitoring-config.js';
import type { RewrittenPattern } from './pattern-rewrite.js';

/** A metric filter with its pattern for the flow log format. */
export interface DeployedFilter {
  readonly checked: CheckedMetricFilter;
  readonly rewritten: RewrittenPattern;
}

/** Props of {@link FlowLogAlarms}. */
export interface FlowLogAlarmsProps {
  readonly logGroup: logs.ILogGroup;
  readonly filters: readonly DeployedFilter[];
  readonly alarms: MonitoringConfig['alarms'];
  readonly compositeAlarms: MonitoringConfig['compositeAlarms'];
  readonly topics: ReadonlyMap<string, sns.ITopic>;
  /** Prepended to every alarm name (composite rules follow). */
  readonly alarmNamePrefix: string;
}

const STATE_FUNCTION = /\b(ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*(?:"([^"]*)"|([^()\s"]+))\s*\)/g;

/**
 * A composite alarm rule with each alarm name it references prefixed (names it does not know, such as ARNs of
 * other alarms, are left alone).
 *
 * @example prefixRule('ALARM("a") AND NOT OK(b)', 'lab-', new Set(['a', 'b'])) // 'ALARM("lab-a") AND NOT OK("lab-b")'
 */
export function prefixRule(rule: string, prefix: string, known: ReadonlySet<string>): string {
  if (prefix === '') return rule;
  return rule.replace(
    STATE_FUNCTION,
    (m, fn: string, quoted: string | undefined, bare: string | undefined) => {
      const name = quoted ?? bare ?? '';
      return known.has(name) ? `${fn}("${prefix}${name}")` : m;
    },
  );
}

/** A construct ID for a user-given name: IDs may hold any character but `/`. */
function idOf(kind: string, name: string): string {
  return `${kind}-${name.replaceAll('/', '|')}`;
}

/** The names a rule references through ALARM(), OK() and INSUFFICIENT_DATA(). */
function ruleNames(rule: string): Set<string> {
  return new Set([...rule.matchAll(STATE_FUNCTION)].map((m) => m[2] ?? m[3] ?? ''));
}

/**
 * The metric filters, alarms and composite alarms of a flow log group.
 *
 * @example new FlowLogAlarms(this, 'Alarms', { logGroup, filters, alarms, compositeAlarms, topics, alarmNamePrefix: '' });
 */
export class FlowLogAlarms extends Construct {
  readonly metricFilters: ReadonlyMap<string, logs.CfnMetricFilter>;
  /** Metric and composite alarms by flowwatch name. */
  readonly alarms: ReadonlyMap<string, cloudwatch.CfnAlarm | cloudwatch.CfnCompositeAlarm>;

  constructor(scope: Construct, id: string, props: FlowLogAlarmsProps) {
    super(scope, id);
    const filters = new Map<string, logs.CfnMetricFilter>();
    for (const { checked, rewritten } of props.filters) {
      const f = checked.filter;
      const dims = Object.entries(f.dimensions ?? {});
      filters.set(
        f.name,
        new logs.CfnMetricFilter(this, idOf('Filter', f.name), {
          logGroupName: props.logGroup.logGroupName,
          filterName: f.name,
          filterPattern: rewritten.pattern,
          metricTransformations: [
            {
              metricNamespace: f.metricNamespace,
              metricName: f.metricName,
              metricValue: f.metricValue,
              ...(f.defaultValue !== undefined ? { defaultValue: f.defaultValue } : {}),
              ...(f.unit !== undefined ? { unit: f.unit } : {}),
              ...(dims.length > 0 ? { dimensions: dims.map(([key, value]) => ({ key, value })) } : {}),
            },
          ],
        }),
      );
    }
    this.metricFilters = filters;
    const topicArn = (action: string): string => {
      const name = action.split(':').pop() ?? action;
      const topic = props.topics.get(name);
      // flowwatch's checker has already refused actions naming no topic.
      if (!topic) throw new Error(`no topic ${name}`);
      return topic.topicArn;
    };
    const actions = (a: {
      readonly actionsEnabled?: boolean | undefined;
      readonly alarmActions?: readonly string[] | undefined;
      readonly okActions?: readonly string[] | undefined;
      readonly insufficientDataActions?: readonly string[] | undefined;
    }) => ({
      ...(a.actionsEnabled !== undefined ? { actionsEnabled: a.actionsEnabled } : {}),
      ...(a.alarmActions?.length ? { alarmActions: a.alarmActions.map(topicArn) } : {}),
      ...(a.okActions?.length ? { okActions: a.okActions.map(topicArn) } : {}),
      ...(a.insufficientDataActions?.length
        ? { insufficientDataActions: a.insufficientDataActions.map(topicArn) }
        : {}),
    });
    const alarms = new Map<string, cloudwatch.CfnAlarm | cloudwatch.CfnCompositeAlarm>();
    for (const a of props.alarms) {
      const dims = Object.entries(a.metric.dimensions);
      alarms.set(
        a.name,
        new cloudwatch.CfnAlarm(this, idOf('Alarm', a.name), {
          alarmName: `${props.alarmNamePrefix}${a.name}`,
          ...(a.description !== undefined ? { alarmDescription: a.description } : {}),
          namespace: a.metric.namespace,
          metricName: a.metric.metricName,
          ...(dims.length > 0 ? { dimensions: dims.map(([name, value]) => ({ name, value })) } : {}),
          ...(a.statistic !== undefined ? { statistic: a.statistic } : {}),
          ...(a.extendedStatistic !== undefined ? { extendedStatistic: a.extendedStatistic } : {}),
          period: a.period,
          evaluationPeriods: a.evaluationPeriods,
          ...(a.datapointsToAlarm !== undefined ? { datapointsToAlarm: a.datapointsToAlarm } : {}),
          threshold: a.threshold,
          comparisonOperator: a.comparisonOperator,
          ...(a.treatMissingData !== undefined ? { treatMissingData: a.treatMissingData } : {}),
          ...(a.evaluateLowSampleCountPercentile !== undefined
            ? { evaluateLowSampleCountPercentile: a.evaluateLowSampleCountPercentile }
            : {}),
          ...actions(a),
        }),
      );
    }
    const known = new Set([...props.alarms.map((a) => a.name), ...props.compositeAlarms.map((c) => c.name)]);
    const composites: [string, cloudwatch.CfnCompositeAlarm, Set<string>][] = [];
    for (const c of props.compositeAlarms) {
      const alarm = new cloudwatch.CfnCompositeAlarm(this, idOf('Composite', c.name), {
        alarmName: `${props.alarmNamePrefix}${c.name}`,
        alarmRule: prefixRule(c.alarmRule, props.alarmNamePrefix, known),
        ...(c.description !== undefined ? { alarmDescription: c.description } : {}),
        ...actions(c),
      });
      alarms.set(c.name, alarm);
      composites.push([c.name, alarm, ruleNames(c.alarmRule)]);
    }
    // CloudFormation must create the alarms a rule names before the composite alarm.
    for (const [, alarm, refs] of composites) {
      for (const r of refs) {
        const child = alarms.get(r);
        if (child) alarm.node.addDependency(child);
      }
    }
    this.alarms = alarms;
  }
}

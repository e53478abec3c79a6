// The CloudWatch dashboard: accepted and rejected records, the metric filters' metrics, alarm status, and
// Logs Insights top-N tables over the flow log group.

import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { InsightsQuery } from './insights-queries.js';

/** A metric a graph shows. */
export interface DashboardMetric {
  readonly namespace: string;
  readonly metricName: string;
  readonly label: string;
}

/** Props of {@link FlowLogDashboard}. */
export interface FlowLogDashboardProps {
  readonly dashboardName?: string | undefined;
  readonly logGroup: logs.ILogGroup;
  /** The `${...}` format, shown in the header. */
  readonly logFormat: string;
  /** Accepted and rejected record counts (the built-in traffic metric filters), when deployed. */
  readonly traffic: readonly DashboardMetric[];
  /** The other metric filters' metrics (those without dimensions). */
  readonly filterMetrics: readonly DashboardMetric[];
  readonly alarmArns: readonly string[];
  /** Logs Insights queries shown as top-N tables. */
  readonly topN: readonly InsightsQuery[];
}

/** Library queries the dashboard shows as tables, in this order, when the format can answer them. */
export const TOP_N_QUERIES = ['top-talkers', 'top-rejected-sources', 'top-conversations', 'rejected-by-port'];

const sum = (m: DashboardMetric) =>
  new cloudwatch.Metric({
    namespace: m.namespace,
    metricName: m.metricName,
    label: m.label,
    statistic: 'Sum',
    period: Duration.minutes(5),
  });

/**
 * A dashboard over one flow log group.
 *
 * @example new FlowLogDashboard(this, 'Dashboard', { logGroup, logFormat, traffic, filterMetrics: [], alarmArns: [], topN });
 */
export class FlowLogDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: FlowLogDashboardProps) {
    super(scope, id);
    const rows: cloudwatch.IWidget[][] = [
      [
        new cloudwatch.TextWidget({
          markdown: `# VPC flow logs\nLog group \`${props.logGroup.logGroupName}\`, format \`${props.logFormat}\``,
          width: 24,
          height: 2,
        }),
      ],
    ];
    const graphs: cloudwatch.IWidget[] = [];
    if (props.traffic.length > 0) {
      graphs.push(
        new cloudwatch.GraphWidget({
          title: 'Accepted and rejected records (per 5 minutes)',
          left: props.traffic.map(sum),
          width: 12,
          height: 6,
        }),
      );
    }
    if (props.filterMetrics.length > 0) {
      graphs.push(
        new cloudwatch.GraphWidget({
          title: 'Metric filters (per 5 minutes)',
          left: props.filterMetrics.slice(0, 20).map(sum),
          width: 12,
          height: 6,
        }),
      );
    }
    if (graphs.length > 0) rows.push(graphs);
    if (props.alarmArns.length > 0) {
      rows.push([
        new cloudwatch.AlarmStatusWidget({
          title: 'Alarms',
          alarms: props.alarmArns.map((arn, i) => cloudwatch.Alarm.fromAlarmArn(this, `Alarm${i}`, arn)),
          width: 24,
          height: 3,
        }),
      ]);
    }
    const tables = props.topN.map(
      (q) =>
        new cloudwatch.LogQueryWidget({
          title: q.title,
          logGroupNames: [props.logGroup.logGroupName],
          queryString: q.query,
          view: cloudwatch.LogQueryVisualizationType.TABLE,
          width: 12,
          height: 6,
        }),
    );
    for (let i = 0; i < tables.length; i += 2) rows.push(tables.slice(i, i + 2));
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      ...(props.dashboardName !== undefined ? { dashboardName: props.dashboardName } : {}),
      widgets: rows,
    });
  }
}

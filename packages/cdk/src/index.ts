// @flowwatch/cdk: the AWS side of flowwatch as one construct, FlowLogMonitoring. This file alone decides what is public.

export { ATHENA_LIBRARY, type AthenaQuery, athenaQueriesFor } from './athena-queries.js';
export type { CloudWatchLogsOptions } from './cloudwatch-logs-destination.js';
export { FlowLogMonitoringError } from './errors.js';
export type { FirehoseOptions } from './firehose-destination.js';
export type { AthenaOptions } from './flow-log-athena.js';
export { logFormat, resolveFields } from './flow-log-fields.js';
export {
  type DashboardOptions,
  FlowLogMonitoring,
  type FlowLogMonitoringProps,
  type FlowLogTagKeys,
  type InsightsQueriesOptions,
  TRAFFIC_FILTERS,
  type TrafficMetricsOptions,
} from './flow-log-monitoring.js';
export { type FlowLogResourceKind, FlowLogTarget, type TargetKind } from './flow-log-target.js';
export { type InsightsQuery, insightsQueriesFor } from './insights-queries.js';
export {
  type AlarmSpec,
  type CompositeAlarmSpec,
  loadMonitoringConfig,
  type MetricFilterSpec,
  type MonitoringConfig,
  type SubscriptionSpec,
  type TopicSpec,
} from './monitoring-config.js';
export { type BindingMode, type RewrittenPattern, rewritePattern } from './pattern-rewrite.js';
export type { FlowLogTransition, S3Options } from './s3-destination.js';

// Which log group a stored record belongs to. A record knows its group through the live source that delivered it
// (source_keys.source of its file): events put through the CloudWatch API (`PutLogEvents`) belong to their group;
// a `cloudwatch-logs` source's records to the group it polls. Records of every other source (folders, S3,
// Firehose, subscription endpoints) and of `flowwatch ingest` belong to no group: a metric filter or a Logs
// Insights query scoped to a group never counts them (filters without a group count every record).

/** The source name under which a log group's API events are stored (source_keys, /healthz counters). */
export const apiSource = (group: string): string => `cloudwatch-api:${group}`;

/** The part of a configured source that can name a log group. */
export interface GroupedSource {
  readonly name: string;
  readonly type: string;
  readonly logGroupName?: string | undefined;
}

/**
 * The log group of a source name, or undefined for none.
 *
 * @example logGroupOf('cloudwatch-api:/vpc/lab', []) // '/vpc/lab'
 */
export function logGroupOf(source: string, sources: readonly GroupedSource[]): string | undefined {
  if (source.startsWith('cloudwatch-api:')) return source.slice('cloudwatch-api:'.length);
  const s = sources.find((x) => x.name === source);
  return s?.type === 'cloudwatch-logs' ? s.logGroupName : undefined;
}

/**
 * The source names whose records belong to a log group.
 *
 * @example sourcesOfGroup('/vpc/lab', [{ name: 'cwl', type: 'cloudwatch-logs', logGroupName: '/vpc/lab' }]) // ['cloudwatch-api:/vpc/lab', 'cwl']
 */
export function sourcesOfGroup(group: string, sources: readonly GroupedSource[]): string[] {
  return [
    apiSource(group),
    ...sources.filter((s) => s.type === 'cloudwatch-logs' && s.logGroupName === group).map((s) => s.name),
  ];
}

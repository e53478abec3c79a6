// Builds the polling sources (S3, CloudWatch Logs) from their configuration.

import type { CloudWatchLogsSourceConfig, S3SourceConfig } from '../config/monitor-config.js';
import type { Log } from '../core/logger.js';
import { parseTime } from '../core/time.js';
import { CloudWatchLogsSource } from '../ingest/sources/cloudwatch-logs.js';
import { S3Source } from '../ingest/sources/s3.js';
import type { Sink, Source } from '../ingest/sources/source.js';

/** A source object for an S3 or CloudWatch Logs source configuration. */
export function liveSource(
  cfg: S3SourceConfig | CloudWatchLogsSourceConfig,
  sink: Sink,
  scratch: string,
  log: Log,
): Source {
  const onEvent = (e: unknown) =>
    log('source_event', { source: cfg.name, ...(e as Record<string, unknown>) });
  if (cfg.type === 's3') {
    return new S3Source(
      {
        name: cfg.name,
        bucket: cfg.bucket,
        prefix: cfg.prefix,
        region: cfg.region,
        endpoint: cfg.endpoint,
        forcePathStyle: cfg.forcePathStyle,
        pollSeconds: cfg.pollSeconds,
        scratchDir: scratch,
        since: cfg.since === undefined ? undefined : parseTime(cfg.since, `sources.${cfg.name}.since`),
        format: cfg.format,
        onEvent,
      },
      sink,
    );
  }
  return new CloudWatchLogsSource(
    {
      name: cfg.name,
      logGroupName: cfg.logGroupName,
      region: cfg.region,
      endpoint: cfg.endpoint,
      pollSeconds: cfg.pollSeconds,
      startTime:
        cfg.startTime === undefined
          ? undefined
          : parseTime(cfg.startTime, `sources.${cfg.name}.startTime`) * 1000,
      filterPattern: cfg.filterPattern,
      logStreamNames: cfg.logStreamNames,
      format: cfg.format,
      onEvent,
    },
    sink,
  );
}

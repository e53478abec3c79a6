// The Glue table of the S3 flow logs: columns from the catalog in format order, the SerDe of the file format,
// and partition projection over the S3 layout (plain or Hive-compatible prefixes, daily or hourly).

import type { FieldDef } from 'flowwatch/catalog';

/** Where and how the flow log files are written, as the table must read them. */
export interface FlowLogLayout {
  /** Bucket name (may be a CDK token). */
  readonly bucketName: string;
  /** Key prefix without leading or trailing `/`; `''` for none. */
  readonly prefix: string;
  readonly fileFormat: 'plain-text' | 'parquet';
  readonly hiveCompatiblePartitions: boolean;
  readonly perHourPartition: boolean;
  /** Account and Region of the flow log (the stack's; tokens are fine). */
  readonly account: string;
  readonly region: string;
  /** First year the `year` partition projects (default 2024). */
  readonly startYear: number;
}

/** A Glue column. */
export interface GlueColumn {
  readonly name: string;
  readonly type: string;
  readonly comment?: string;
}

const ATHENA_TYPE: Record<FieldDef['type'], string> = { int32: 'int', int64: 'bigint', string: 'string' };

/**
 * The table columns: one per field, in format order, named by the catalog column (`pkt_srcaddr`) with its Athena
 * type (int, bigint, string). Column order matters for text files (they are positional); Parquet columns are
 * matched by these names, which are the names AWS writes.
 *
 * @example athenaColumns(DEFAULT_FIELDS)[1] // { name: 'account_id', type: 'string', comment: '...' }
 */
export function athenaColumns(fields: readonly FieldDef[]): GlueColumn[] {
  return fields.map((f) => ({
    name: f.column,
    type: ATHENA_TYPE[f.type],
    comment: f.description.slice(0, 255),
  }));
}

/** The partition keys: `year`, `month`, `day` and, with hourly partitions, `hour` (zero-padded strings). */
export function partitionKeys(layout: Pick<FlowLogLayout, 'perHourPartition'>): GlueColumn[] {
  const keys: GlueColumn[] = [
    { name: 'year', type: 'string', comment: 'UTC year of delivery, e.g. 2025' },
    { name: 'month', type: 'string', comment: 'UTC month, 01 to 12' },
    { name: 'day', type: 'string', comment: 'UTC day of month, 01 to 31' },
  ];
  if (layout.perHourPartition) keys.push({ name: 'hour', type: 'string', comment: 'UTC hour, 00 to 23' });
  return keys;
}

/**
 * The S3 location of the table: the folder above the date folders, as AWS writes it.
 *
 * Plain: `s3://bucket/prefix/AWSLogs/<account>/vpcflowlogs/<region>/`;
 * Hive: `s3://bucket/prefix/AWSLogs/aws-account-id=<account>/aws-service=vpcflowlogs/aws-region=<region>/`.
 */
export function tableLocation(layout: FlowLogLayout): string {
  const base = `s3://${layout.bucketName}/${layout.prefix === '' ? '' : `${layout.prefix}/`}AWSLogs/`;
  return layout.hiveCompatiblePartitions
    ? `${base}aws-account-id=${layout.account}/aws-service=vpcflowlogs/aws-region=${layout.region}/`
    : `${base}${layout.account}/vpcflowlogs/${layout.region}/`;
}

/**
 * The table parameters: partition projection (year as a date range from `startYear` to now, month 01–12,
 * day 01–31, hour 00–23), the storage location template matching the S3 layout, and for text files the header
 * line skipped.
 */
export function tableParameters(layout: FlowLogLayout): Record<string, string> {
  const parts = layout.perHourPartition ? ['year', 'month', 'day', 'hour'] : ['year', 'month', 'day'];
  const folders = parts.map((p) => (layout.hiveCompatiblePartitions ? `${p}=\${${p}}` : `\${${p}}`));
  const params: Record<string, string> = {
    EXTERNAL: 'TRUE',
    'projection.enabled': 'true',
    'projection.year.type': 'date',
    'projection.year.format': 'yyyy',
    'projection.year.range': `${layout.startYear},NOW`,
    'projection.year.interval': '1',
    'projection.year.interval.unit': 'YEARS',
    'projection.month.type': 'integer',
    'projection.month.range': '1,12',
    'projection.month.digits': '2',
    'projection.day.type': 'integer',
    'projection.day.range': '1,31',
    'projection.day.digits': '2',
    'storage.location.template': `${tableLocation(layout)}${folders.join('/')}`,
  };
  if (layout.perHourPartition) {
    params['projection.hour.type'] = 'integer';
    params['projection.hour.range'] = '0,23';
    params['projection.hour.digits'] = '2';
  }
  if (layout.fileFormat === 'plain-text') {
    params['skip.header.line.count'] = '1';
    params['classification'] = 'csv';
  } else {
    params['classification'] = 'parquet';
  }
  return params;
}

/** SerDe and input/output formats: space-delimited text (gzip is read by extension) or Parquet. */
export function serde(fileFormat: FlowLogLayout['fileFormat']): {
  readonly serializationLibrary: string;
  readonly parameters: Record<string, string>;
  readonly inputFormat: string;
  readonly outputFormat: string;
} {
  return fileFormat === 'parquet'
    ? {
        serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
        parameters: { 'serialization.format': '1' },
        inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
        outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      }
    : {
        serializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
        parameters: { 'field.delim': ' ', 'serialization.format': ' ' },
        inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
        outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
      };
}

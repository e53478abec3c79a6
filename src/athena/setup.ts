// `flowwatch athena setup`: the Glue database, partition-projected table and workgroup for a flow log format
// and S3 layout (spec athena.md §2–§4), as Athena DDL plus the AWS API calls that create them. Pure.

import type { FieldDef } from '../records/catalog.js';
import { parseFormat } from '../records/format.js';
import { KEY_LAG_SECONDS, KEY_LEAD_SECONDS } from '../records/s3-key.js';

export type S3Layout = 'plain' | 'hive';
export type Partitioning = 'daily' | 'hourly';
export type FileFormat = 'text' | 'parquet';

export interface SetupOptions {
  /** The flow log format, `${...}` fields separated by spaces. */
  readonly format: string;
  readonly bucket: string;
  /** Prefix under the bucket before `AWSLogs/` (no leading or trailing slash needed). */
  readonly prefix?: string | undefined;
  readonly layout: S3Layout;
  readonly partition: Partitioning;
  readonly fileFormat: FileFormat;
  readonly database: string;
  readonly table: string;
  readonly workgroup: string;
  /** Query result location of the workgroup, `s3://...`. */
  readonly results: string;
  /** Regions whose logs the table projects (the `region_p` enum). */
  readonly regions: readonly string[];
}

/** One AWS API call the setup makes, in order. */
export interface SetupCall {
  readonly service: 'glue' | 'athena';
  readonly action: 'CreateDatabase' | 'CreateWorkGroup' | 'StartQueryExecution';
  readonly input: Record<string, unknown>;
}

export interface SetupPlan {
  readonly databaseDdl: string;
  readonly tableDdl: string;
  readonly calls: readonly SetupCall[];
}

/** Athena's DDL reserved words among names a table may use; escaped with back-ticks. `start` is reserved
 * too, but AWS's own flow-log DDL writes it bare and Athena accepts it, so it is left as AWS writes it. */
const RESERVED = new Set(['end', 'date', 'time', 'timestamp', 'user', 'partition', 'range', 'values']);

/** A column or partition name in DDL: back-ticked when reserved. */
export function ddlName(name: string): string {
  return RESERVED.has(name) ? `\`${name}\`` : name;
}

/** The Athena type AWS uses for a field (spec §2): protocol is bigint although it fits an int. */
export function athenaType(def: FieldDef): 'int' | 'bigint' | 'string' {
  if (def.column === 'protocol') return 'bigint';
  return def.type === 'int32' ? 'int' : def.type === 'int64' ? 'bigint' : 'string';
}

function sq(v: string): string {
  return `'${v.replaceAll("'", "\\'")}'`;
}

/** `s3://bucket/prefix/AWSLogs/` with exactly one slash between parts. */
function awsLogsRoot(bucket: string, prefix: string | undefined): string {
  const p = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  return `s3://${bucket}/${p === '' ? '' : `${p}/`}AWSLogs/`;
}

function columns(format: string): string[] {
  const fmt = parseFormat(format);
  return fmt.fields.map((f) =>
    f.def
      ? `  ${ddlName(f.def.column)} ${athenaType(f.def)}`
      : `  ${ddlName(f.key.replaceAll('-', '_'))} string`,
  );
}

/**
 * Generates the setup for one flow log destination.
 *
 * Partitions (all strings, projected, so no MSCK REPAIR or ADD PARTITION is ever needed):
 * - plain layout (`AWSLogs/<acct>/vpcflowlogs/<region>/yyyy/MM/dd[/HH]/`): `acct` (injected), `region_p`
 *   (enum), `day` (date `yyyy/MM/dd`, 2015/01/01 to NOW) and for hourly `hour` (00–23);
 * - hive layout (`AWSLogs/aws-account-id=<acct>/aws-service=vpcflowlogs/aws-region=<r>/year=/month=/day=[/hour=]`):
 *   `acct`, `region_p`, `year` (2015–2099), `month`, `day`, and for hourly `hour`, all zero-padded integers.
 * Partition columns never reuse a data column name (`region_p`, not `region`: spec §3.3 caveat).
 *
 * @example setupPlan({ format: '${version} ${srcaddr}', bucket: 'b', layout: 'plain', partition: 'daily', fileFormat: 'text', database: 'flowlogs', table: 'vpc_flow_logs', workgroup: 'flowwatch', results: 's3://b/athena-results/', regions: ['us-east-1'] }).tableDdl
 */
export function setupPlan(o: SetupOptions): SetupPlan {
  const root = awsLogsRoot(o.bucket, o.prefix);
  const hourly = o.partition === 'hourly';
  const parts: string[] = ['acct', 'region_p'];
  const props: [string, string][] = [];
  if (o.fileFormat === 'text') props.push(['skip.header.line.count', '1']);
  else props.push(['EXTERNAL', 'true']);
  props.push(
    ['projection.enabled', 'true'],
    ['projection.acct.type', 'injected'],
    ['projection.region_p.type', 'enum'],
    ['projection.region_p.values', o.regions.join(',')],
  );
  let template: string;
  if (o.layout === 'plain') {
    parts.push('day');
    props.push(
      ['projection.day.type', 'date'],
      ['projection.day.range', '2015/01/01,NOW'],
      ['projection.day.format', 'yyyy/MM/dd'],
    );
    template = `${root}\${acct}/vpcflowlogs/\${region_p}/\${day}`;
    if (hourly) template += '/${hour}';
  } else {
    parts.push('year', 'month', 'day');
    props.push(
      ['projection.year.type', 'integer'],
      ['projection.year.range', '2015,2099'],
      ['projection.month.type', 'integer'],
      ['projection.month.range', '1,12'],
      ['projection.month.digits', '2'],
      ['projection.day.type', 'integer'],
      ['projection.day.range', '1,31'],
      ['projection.day.digits', '2'],
    );
    template = `${root}aws-account-id=\${acct}/aws-service=vpcflowlogs/aws-region=\${region_p}/year=\${year}/month=\${month}/day=\${day}`;
    if (hourly) template += '/hour=${hour}';
  }
  if (hourly) {
    parts.push('hour');
    props.push(
      ['projection.hour.type', 'integer'],
      ['projection.hour.range', '0,23'],
      ['projection.hour.digits', '2'],
    );
  }
  props.push(['storage.location.template', template]);
  const storage =
    o.fileFormat === 'text'
      ? "ROW FORMAT DELIMITED FIELDS TERMINATED BY ' '"
      : [
          "ROW FORMAT SERDE 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe'",
          "STORED AS INPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat'",
          "          OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat'",
        ].join('\n');
  const tableDdl = [
    `CREATE EXTERNAL TABLE IF NOT EXISTS ${o.database}.${o.table} (`,
    columns(o.format).join(',\n'),
    ')',
    `PARTITIONED BY (${parts.map((p) => `${ddlName(p)} string`).join(', ')})`,
    storage,
    `LOCATION '${root}'`,
    'TBLPROPERTIES (',
    props.map(([k, v]) => `  ${sq(k)}=${sq(v)}`).join(',\n'),
    ')',
  ].join('\n');
  const databaseDdl = `CREATE DATABASE IF NOT EXISTS ${o.database}`;
  const calls: SetupCall[] = [
    {
      service: 'athena',
      action: 'CreateWorkGroup',
      input: {
        Name: o.workgroup,
        Description: 'flowwatch: VPC flow log queries',
        Configuration: {
          ResultConfiguration: { OutputLocation: o.results },
          EnforceWorkGroupConfiguration: true,
          PublishCloudWatchMetricsEnabled: true,
        },
      },
    },
    {
      service: 'glue',
      action: 'CreateDatabase',
      input: { DatabaseInput: { Name: o.database, Description: 'VPC flow logs (flowwatch athena setup)' } },
    },
    {
      service: 'athena',
      action: 'StartQueryExecution',
      input: {
        QueryString: tableDdl,
        QueryExecutionContext: { Database: o.database },
        WorkGroup: o.workgroup,
      },
    },
  ];
  return { databaseDdl, tableDdl, calls };
}

/** The setup as text: the DDL, then the API calls as JSON. */
export function renderSetup(p: SetupPlan): string {
  const calls = p.calls.map(
    (c) => `-- ${c.service === 'glue' ? 'Glue' : 'Athena'} ${c.action}\n-- ${JSON.stringify(c.input)}`,
  );
  return `${p.databaseDdl};\n\n${p.tableDdl};\n\n-- API calls (made by --apply, in this order):\n${calls.join('\n')}\n`;
}

/**
 * A predicate on the partitions `setupPlan` generates that keeps only those that can hold records starting in
 * [since, until] (epoch seconds), widened by the delivery delays of s3-key.ts: a file named for time T holds
 * records starting from T − 15 min to T + 20 min. Undefined when neither bound is given.
 *
 * @example partitionPredicate('plain', 'daily', 1716163200, 1716249599) // replace("day", '/', '') >= '20240519' AND replace("day", '/', '') <= '20240521'
 */
export function partitionPredicate(
  layout: S3Layout,
  partition: Partitioning,
  since: number | undefined,
  until: number | undefined,
): string | undefined {
  if (since === undefined && until === undefined) return undefined;
  const lo = since === undefined ? undefined : new Date((since - (300 + KEY_LAG_SECONDS)) * 1000);
  const hi = until === undefined ? undefined : new Date((until + KEY_LEAD_SECONDS) * 1000);
  const p2 = (n: number) => String(n).padStart(2, '0');
  const key = (d: Date) => {
    const day = `${d.getUTCFullYear()}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())}`;
    return partition === 'hourly' ? `${day}${p2(d.getUTCHours())}` : day;
  };
  const hour = partition === 'hourly' ? ', "hour"' : '';
  const column =
    layout === 'hive'
      ? `concat("year", "month", "day"${hour})`
      : hour === ''
        ? `replace("day", '/', '')` // Trino's concat needs two arguments or more
        : `concat(replace("day", '/', '')${hour})`;
  const terms: string[] = [];
  if (lo !== undefined) terms.push(`${column} >= '${key(lo)}'`);
  if (hi !== undefined) terms.push(`${column} <= '${key(hi)}'`);
  return terms.join(' AND ');
}

// Golden tests of `athena setup`: the DDL for each S3 layout × partitioning, written by hand from the spec
// (athena.md §2 column types and escaping, §3.1/§3.2 storage clauses, §3.4/§3.5 projection properties).

import { describe, expect, it } from 'vitest';
import { partitionPredicate, type SetupOptions, setupPlan } from '../../src/athena/setup.js';

const FORMAT =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}';

const BASE: SetupOptions = {
  format: FORMAT,
  bucket: 'netmon-logs',
  prefix: 'flow',
  layout: 'plain',
  partition: 'daily',
  fileFormat: 'text',
  database: 'flowlogs',
  table: 'vpc_flow_logs',
  workgroup: 'flowwatch',
  results: 's3://netmon-logs/athena-results/',
  regions: ['eu-west-1', 'us-east-1'],
};

const COLUMNS = `CREATE EXTERNAL TABLE IF NOT EXISTS flowlogs.vpc_flow_logs (
  version int,
  account_id string,
  interface_id string,
  srcaddr string,
  dstaddr string,
  srcport int,
  dstport int,
  protocol bigint,
  packets bigint,
  bytes bigint,
  start bigint,
  \`end\` bigint,
  action string,
  log_status string
)`;

const TEXT = "ROW FORMAT DELIMITED FIELDS TERMINATED BY ' '";
const PARQUET = `ROW FORMAT SERDE 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe'
STORED AS INPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat'
          OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat'`;

describe('athena setup DDL', () => {
  it('plain layout, daily, text', () => {
    expect(setupPlan(BASE).tableDdl).toBe(`${COLUMNS}
PARTITIONED BY (acct string, region_p string, day string)
${TEXT}
LOCATION 's3://netmon-logs/flow/AWSLogs/'
TBLPROPERTIES (
  'skip.header.line.count'='1',
  'projection.enabled'='true',
  'projection.acct.type'='injected',
  'projection.region_p.type'='enum',
  'projection.region_p.values'='eu-west-1,us-east-1',
  'projection.day.type'='date',
  'projection.day.range'='2015/01/01,NOW',
  'projection.day.format'='yyyy/MM/dd',
  'storage.location.template'='s3://netmon-logs/flow/AWSLogs/\${acct}/vpcflowlogs/\${region_p}/\${day}'
)`);
  });

  it('plain layout, hourly, parquet', () => {
    const ddl = setupPlan({ ...BASE, partition: 'hourly', fileFormat: 'parquet' }).tableDdl;
    expect(ddl).toBe(`${COLUMNS}
PARTITIONED BY (acct string, region_p string, day string, hour string)
${PARQUET}
LOCATION 's3://netmon-logs/flow/AWSLogs/'
TBLPROPERTIES (
  'EXTERNAL'='true',
  'projection.enabled'='true',
  'projection.acct.type'='injected',
  'projection.region_p.type'='enum',
  'projection.region_p.values'='eu-west-1,us-east-1',
  'projection.day.type'='date',
  'projection.day.range'='2015/01/01,NOW',
  'projection.day.format'='yyyy/MM/dd',
  'projection.hour.type'='integer',
  'projection.hour.range'='0,23',
  'projection.hour.digits'='2',
  'storage.location.template'='s3://netmon-logs/flow/AWSLogs/\${acct}/vpcflowlogs/\${region_p}/\${day}/\${hour}'
)`);
  });

  it('hive layout, daily, text', () => {
    const ddl = setupPlan({ ...BASE, layout: 'hive' }).tableDdl;
    expect(ddl).toBe(`${COLUMNS}
PARTITIONED BY (acct string, region_p string, year string, month string, day string)
${TEXT}
LOCATION 's3://netmon-logs/flow/AWSLogs/'
TBLPROPERTIES (
  'skip.header.line.count'='1',
  'projection.enabled'='true',
  'projection.acct.type'='injected',
  'projection.region_p.type'='enum',
  'projection.region_p.values'='eu-west-1,us-east-1',
  'projection.year.type'='integer',
  'projection.year.range'='2015,2099',
  'projection.month.type'='integer',
  'projection.month.range'='1,12',
  'projection.month.digits'='2',
  'projection.day.type'='integer',
  'projection.day.range'='1,31',
  'projection.day.digits'='2',
  'storage.location.template'='s3://netmon-logs/flow/AWSLogs/aws-account-id=\${acct}/aws-service=vpcflowlogs/aws-region=\${region_p}/year=\${year}/month=\${month}/day=\${day}'
)`);
  });

  it('hive layout, hourly, parquet', () => {
    const ddl = setupPlan({ ...BASE, layout: 'hive', partition: 'hourly', fileFormat: 'parquet' }).tableDdl;
    expect(ddl).toBe(`${COLUMNS}
PARTITIONED BY (acct string, region_p string, year string, month string, day string, hour string)
${PARQUET}
LOCATION 's3://netmon-logs/flow/AWSLogs/'
TBLPROPERTIES (
  'EXTERNAL'='true',
  'projection.enabled'='true',
  'projection.acct.type'='injected',
  'projection.region_p.type'='enum',
  'projection.region_p.values'='eu-west-1,us-east-1',
  'projection.year.type'='integer',
  'projection.year.range'='2015,2099',
  'projection.month.type'='integer',
  'projection.month.range'='1,12',
  'projection.month.digits'='2',
  'projection.day.type'='integer',
  'projection.day.range'='1,31',
  'projection.day.digits'='2',
  'projection.hour.type'='integer',
  'projection.hour.range'='0,23',
  'projection.hour.digits'='2',
  'storage.location.template'='s3://netmon-logs/flow/AWSLogs/aws-account-id=\${acct}/aws-service=vpcflowlogs/aws-region=\${region_p}/year=\${year}/month=\${month}/day=\${day}/hour=\${hour}'
)`);
  });

  it('keeps the format order and escapes reserved names (v5 fields appended in place)', () => {
    const ddl = setupPlan({
      ...BASE,
      format: '${end} ${start} ${region} ${traffic-path} ${tcp-flags}',
    }).tableDdl;
    expect(ddl.split('\n').slice(1, 6)).toEqual([
      '  `end` bigint,',
      '  start bigint,',
      '  region string,',
      '  traffic_path int,',
      '  tcp_flags int',
    ]);
  });

  it('types the version 9–11 columns (spec §10.2): encryption_status int, the others string', () => {
    const ddl = setupPlan({
      ...BASE,
      format: '${resource-id} ${encryption-status} ${instance-tag-2} ${interface-type} ${next-hop-az-id}',
    }).tableDdl;
    expect(ddl.split('\n').slice(1, 6)).toEqual([
      '  resource_id string,',
      '  encryption_status int,',
      '  instance_tag_2 string,',
      '  interface_type string,',
      '  next_hop_az_id string',
    ]);
  });

  it('no prefix: AWSLogs/ at the bucket root', () => {
    expect(setupPlan({ ...BASE, prefix: undefined }).tableDdl).toContain(
      "LOCATION 's3://netmon-logs/AWSLogs/'",
    );
  });

  it('makes the workgroup, then the Glue database, then runs the table DDL in them', () => {
    const p = setupPlan(BASE);
    expect(p.databaseDdl).toBe('CREATE DATABASE IF NOT EXISTS flowlogs');
    expect(p.calls.map((c) => `${c.service}:${c.action}`)).toEqual([
      'athena:CreateWorkGroup',
      'glue:CreateDatabase',
      'athena:StartQueryExecution',
    ]);
    expect(p.calls[0]!.input).toEqual({
      Name: 'flowwatch',
      Description: 'flowwatch: VPC flow log queries',
      Configuration: {
        ResultConfiguration: { OutputLocation: 's3://netmon-logs/athena-results/' },
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: true,
      },
    });
    expect(p.calls[1]!.input).toEqual({
      DatabaseInput: { Name: 'flowlogs', Description: 'VPC flow logs (flowwatch athena setup)' },
    });
    expect(p.calls[2]!.input).toEqual({
      QueryString: p.tableDdl,
      QueryExecutionContext: { Database: 'flowlogs' },
      WorkGroup: 'flowwatch',
    });
  });
});

describe('partition pruning by time range', () => {
  // 2024-05-20 00:00:00 UTC = 1716163200; files can hold records from 20 min before to 15 min after their time
  const since = 1716163200;
  const until = 1716163200 + 86399; // 2024-05-20 23:59:59
  it('plain daily: from the day before (00:00 − 20 min) to the day after (23:59:59 + 15 min)', () => {
    expect(partitionPredicate('plain', 'daily', since, until)).toBe(
      `replace("day", '/', '') >= '20240519' AND replace("day", '/', '') <= '20240521'`,
    );
  });
  it('hive hourly, only a start', () => {
    expect(partitionPredicate('hive', 'hourly', since + 7200, undefined)).toBe(
      `concat("year", "month", "day", "hour") >= '2024052001'`,
    );
  });
  it('no range: no predicate', () => {
    expect(partitionPredicate('plain', 'hourly', undefined, undefined)).toBeUndefined();
  });
});

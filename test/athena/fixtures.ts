// Test corpus for the local Athena: flow logs laid out as the quoted statements' LOCATIONs expect, under a
// local S3 mirror (<root>/<bucket>/<key>).

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

/** 2024-05-20 (a Monday) 10:00:00 UTC = 1716163200 (2024-05-20 00:00) + 36000. */
export const T10 = 1716199200;

export const DAY1_A = [
  `2 111122223333 eni-aaa 10.0.0.9 10.0.1.5 44321 22 6 3 180 ${T10} ${T10 + 60} REJECT OK`,
  `2 111122223333 eni-aaa 10.0.0.5 10.0.1.5 44322 443 6 10 5000 ${T10} ${T10 + 60} ACCEPT OK`,
  `2 111122223333 eni-bbb 192.168.1.7 10.0.1.5 5353 53 17 1 80 ${T10} ${T10 + 60} REJECT OK`,
  `2 111122223333 eni-aaa - - - - - - - ${T10} ${T10 + 60} - NODATA`,
];
export const DAY1_B = [
  `2 111122223333 eni-ccc 10.0.0.12 10.0.1.6 51000 3389 6 2 120 ${T10 + 100} ${T10 + 160} REJECT OK`,
  `2 111122223333 eni-aaa 10.0.0.10 10.0.1.5 40000 23 6 1 40 ${T10 + 100} ${T10 + 160} REJECT OK`,
];
/** 2024-05-21: not registered by the quoted ALTER TABLE, so never read by the quoted SELECT. */
export const DAY2 = [
  `2 111122223333 eni-ddd 10.0.0.1 10.0.1.5 40001 22 6 1 40 ${T10 + 86400} ${T10 + 86460} REJECT OK`,
];

export const PREFIX = 'netmon-logs/flow/AWSLogs/111122223333/vpcflowlogs/us-east-1';

function put(path: string, lines: readonly string[]): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, gzipSync(`${[HEADER, ...lines].join('\n')}\n`));
}

/** Writes the AWS (non-Hive) layout `<prefix>/yyyy/MM/dd/<file>.log.gz` under `root`. */
export function writeAwsLayout(root: string): void {
  const day = (d: string) => join(root, PREFIX, d);
  put(
    join(day('2024/05/20'), '111122223333_vpcflowlogs_us-east-1_fl-0abc_20240520T1000Z_1a2b3c4d.log.gz'),
    DAY1_A,
  );
  put(
    join(day('2024/05/20'), '111122223333_vpcflowlogs_us-east-1_fl-0abc_20240520T1005Z_5e6f7a8b.log.gz'),
    DAY1_B,
  );
  put(
    join(day('2024/05/21'), '111122223333_vpcflowlogs_us-east-1_fl-0abc_20240521T1000Z_9c0d1e2f.log.gz'),
    DAY2,
  );
  // outside the projection range of the projection test (2024/01/01,NOW)
  put(
    join(day('2023/12/31'), '111122223333_vpcflowlogs_us-east-1_fl-0abc_20231231T1000Z_00000000.log.gz'),
    DAY2,
  );
}

/** The classic AWS guide table, with the user's own column names (the quoted statement). */
export const CREATE_TABLE = `CREATE EXTERNAL TABLE IF NOT EXISTS vpc_flow_logs (
  version int,
  account string,
  interfaceid string,
  sourceaddress string,
  destinationaddress string,
  sourceport int,
  destinationport int,
  protocol int,
  numpackets int,
  numbytes bigint,
  starttime int,
  endtime int,
  action string,
  logstatus string
)
PARTITIONED BY (dt string)
ROW FORMAT DELIMITED FIELDS TERMINATED BY ' '
LOCATION 's3://netmon-logs/flow/AWSLogs/111122223333/vpcflowlogs/us-east-1/'
TBLPROPERTIES ("skip.header.line.count"="1")`;

export const ADD_PARTITION = `ALTER TABLE vpc_flow_logs ADD PARTITION (dt='2024-05-20') LOCATION 's3://netmon-logs/flow/AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/20'`;

export const QUOTED_SELECT =
  "SELECT day_of_week(from_iso8601_timestamp(dt)) AS day, dt, interfaceid, sourceaddress, destinationport, action, protocol FROM vpc_flow_logs WHERE action = 'REJECT' AND protocol = 6 ORDER BY sourceaddress LIMIT 100";

export function mkdirp(p: string): string {
  mkdirSync(p, { recursive: true });
  return p;
}

// The quoted Athena statements end to end on a corpus laid out as their LOCATIONs expect.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AthenaSession } from '../../src/athena/session.js';
import { Store } from '../../src/storage/store.js';
import { ADD_PARTITION, CREATE_TABLE, QUOTED_SELECT, writeAwsLayout } from './fixtures.js';

let dir: string;
let store: Store;
let athena: AthenaSession;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-athena-'));
  writeAwsLayout(join(dir, 'mirror'));
  store = await Store.open(join(dir, 'store.duckdb'));
  athena = await AthenaSession.open(store, {
    s3Root: join(dir, 'mirror'),
    now: () => new Date('2024-06-01T00:00:00Z'),
  });
});

afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the quoted Athena statements', () => {
  it('create the table, add the partition and answer the quoted SELECT', async () => {
    expect((await athena.run(CREATE_TABLE)).message).toBe('table default.vpc_flow_logs created');
    // before any partition is registered, a partitioned table has no rows (as in Athena)
    expect((await athena.run('SELECT count(*) AS n FROM vpc_flow_logs')).rows).toEqual([{ n: 0 }]);
    await athena.run(ADD_PARTITION);
    const r = await athena.run(QUOTED_SELECT);
    expect(r.columns).toEqual([
      'day',
      'dt',
      'interfaceid',
      'sourceaddress',
      'destinationport',
      'action',
      'protocol',
    ]);
    // By hand: the 2024-05-20 partition holds REJECT+TCP rows from 10.0.0.9, 10.0.0.12, 10.0.0.10 (the UDP
    // reject, the ACCEPT and the NODATA row drop out; 2024-05-21 is not registered). 2024-05-20 is a Monday
    // (day 1). sourceaddress is a string, so it sorts as text: 10.0.0.10 < 10.0.0.12 < 10.0.0.9.
    expect(r.rows).toEqual([
      {
        day: 1,
        dt: '2024-05-20',
        interfaceid: 'eni-aaa',
        sourceaddress: '10.0.0.10',
        destinationport: 23,
        action: 'REJECT',
        protocol: 6,
      },
      {
        day: 1,
        dt: '2024-05-20',
        interfaceid: 'eni-ccc',
        sourceaddress: '10.0.0.12',
        destinationport: 3389,
        action: 'REJECT',
        protocol: 6,
      },
      {
        day: 1,
        dt: '2024-05-20',
        interfaceid: 'eni-aaa',
        sourceaddress: '10.0.0.9',
        destinationport: 22,
        action: 'REJECT',
        protocol: 6,
      },
    ]);
  });

  it('reads the header-skipped gzip text like LazySimpleSerDe: "-" in a number column is NULL', async () => {
    const r = await athena.run(
      "SELECT count(*) AS n, count(protocol) AS with_protocol, sum(numbytes) AS b FROM vpc_flow_logs WHERE dt = '2024-05-20'",
    );
    // 6 records (2 header lines skipped); the NODATA record has protocol '-' → NULL; bytes 180+5000+80+120+40
    expect(r.rows).toEqual([{ n: 6, with_protocol: 5, b: 5420 }]);
    const nodata = await athena.run(
      "SELECT sourceaddress, numbytes FROM vpc_flow_logs WHERE logstatus = 'NODATA'",
    );
    expect(nodata.rows).toEqual([{ sourceaddress: '-', numbytes: null }]);
  });

  it('lists tables and partitions, refuses a second ADD without IF NOT EXISTS, keeps the catalog in the store', async () => {
    expect((await athena.run('SHOW TABLES')).rows).toEqual([{ tab_name: 'vpc_flow_logs' }]);
    expect((await athena.run('SHOW PARTITIONS vpc_flow_logs')).rows).toEqual([
      { partition: 'dt=2024-05-20' },
    ]);
    await expect(athena.run(ADD_PARTITION)).rejects.toMatchObject({ code: 'ATHENA_PARTITION_EXISTS' });
    await athena.run(ADD_PARTITION.replace('ADD PARTITION', 'ADD IF NOT EXISTS PARTITION'));
    const again = await AthenaSession.open(store, { s3Root: join(dir, 'mirror') });
    expect((await again.run('SHOW PARTITIONS default.vpc_flow_logs')).rows).toHaveLength(1);
  });

  it('adds a second day and sees it; "date"-style quoted identifiers work', async () => {
    await athena.run(
      "ALTER TABLE vpc_flow_logs ADD PARTITION (dt='2024-05-21') LOCATION 's3://netmon-logs/flow/AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/21/'",
    );
    const r = await athena.run('SELECT "dt", count(*) AS n FROM vpc_flow_logs GROUP BY "dt" ORDER BY "dt"');
    expect(r.rows).toEqual([
      { dt: '2024-05-20', n: 6 },
      { dt: '2024-05-21', n: 1 },
    ]);
  });

  it('creates databases, USE switches, DROP TABLE removes only the catalog entry', async () => {
    await athena.run('CREATE DATABASE IF NOT EXISTS netmon');
    await expect(athena.run('CREATE DATABASE netmon')).rejects.toMatchObject({
      code: 'ATHENA_DATABASE_EXISTS',
    });
    await athena.run('USE netmon');
    expect((await athena.run('SHOW TABLES')).rows).toEqual([]);
    await athena.run(CREATE_TABLE.replace('vpc_flow_logs (', 'netmon.copy_of_logs ('));
    expect((await athena.run('SHOW TABLES IN netmon')).rows).toEqual([{ tab_name: 'copy_of_logs' }]);
    expect((await athena.run('SELECT count(*) AS n FROM default.vpc_flow_logs')).rows).toEqual([{ n: 7 }]);
    await athena.run('DROP TABLE copy_of_logs');
    await athena.run('DROP TABLE IF EXISTS copy_of_logs');
    await expect(athena.run('DROP TABLE copy_of_logs')).rejects.toMatchObject({
      code: 'ATHENA_UNKNOWN_TABLE',
    });
    await athena.run('USE default');
  });

  it('projects partitions from TBLPROPERTIES over the non-Hive layout (spec §3.3)', async () => {
    await athena.run(`CREATE EXTERNAL TABLE IF NOT EXISTS vpc_flow_logs_pp (
  version int, account_id string, interface_id string, srcaddr string, dstaddr string,
  srcport int, dstport int, protocol bigint, packets bigint, bytes bigint,
  start bigint, \`end\` bigint, action string, log_status string
)
PARTITIONED BY (region string, day string)
ROW FORMAT DELIMITED FIELDS TERMINATED BY ' '
LOCATION 's3://netmon-logs/flow/AWSLogs/111122223333/vpcflowlogs/'
TBLPROPERTIES (
  'skip.header.line.count'='1',
  'projection.enabled'='true',
  'projection.region.type'='enum',
  'projection.region.values'='eu-west-1,us-east-1',
  'projection.day.type'='date',
  'projection.day.range'='2024/01/01,NOW',
  'projection.day.format'='yyyy/MM/dd',
  'storage.location.template'='s3://netmon-logs/flow/AWSLogs/111122223333/vpcflowlogs/\${region}/\${day}'
)`);
    const r = await athena.run(
      "SELECT region, day, count(*) AS n, sum(\"end\" - start) AS secs FROM vpc_flow_logs_pp WHERE day >= '2024/05/01' AND day < '2024/06/01' GROUP BY 1, 2 ORDER BY 2",
    );
    // 2023/12/31 is outside the projected range; each record lasts 60 s
    expect(r.rows).toEqual([
      { region: 'us-east-1', day: '2024/05/20', n: 6, secs: 360 },
      { region: 'us-east-1', day: '2024/05/21', n: 1, secs: 60 },
    ]);
    const t = await athena.run(
      "SELECT interface_id, to_iso8601(from_unixtime(start)) AS start_time FROM vpc_flow_logs_pp WHERE day = '2024/05/21'",
    );
    expect(t.rows).toEqual([{ interface_id: 'eni-ddd', start_time: '2024-05-21T10:00:00.000Z' }]);
  });
});

// A Parquet table in AWS's Hive-compatible layout (MSCK REPAIR), errors with codes and positions, and the
// sandbox: a SELECT reads the catalog's tables and nothing else.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AthenaError } from '../../src/athena/errors.js';
import { AthenaSession } from '../../src/athena/session.js';
import { literal } from '../../src/storage/sql.js';
import { Store } from '../../src/storage/store.js';

let dir: string;
let store: Store;
let athena: AthenaSession;

const HIVE =
  'netmon-logs/flow/AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=us-east-1';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-athena-pq-'));
  store = await Store.open(join(dir, 'store.duckdb'));
  // Parquet columns in another order than the DDL's: Athena matches Parquet columns by name.
  const write = async (hour: string, rows: string) => {
    const folder = join(dir, 'mirror', HIVE, `year=2024/month=05/day=20/hour=${hour}`);
    mkdirSync(folder, { recursive: true });
    await store.query(
      `COPY (SELECT * FROM (VALUES ${rows}) AS t(srcaddr, "end", start, action, bytes, version)) TO ${literal(join(folder, 'part-0.parquet'))} (FORMAT parquet)`,
    );
  };
  await write(
    '10',
    "('10.0.0.1', 1716199260, 1716199200, 'ACCEPT', 100, 5), ('10.0.0.2', 1716199230, 1716199200, 'REJECT', 40, 5)",
  );
  await write('11', "('10.0.0.3', 1716202900, 1716202800, 'REJECT', 60, 5)");
  writeFileSync(join(dir, 'mirror', HIVE, 'year=2024', '_SUCCESS'), '');
  writeFileSync(join(dir, 'secret.csv'), 'a,b\n1,2\n');
  athena = await AthenaSession.open(store, { s3Root: join(dir, 'mirror') });
});

afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const PARQUET_DDL = `CREATE EXTERNAL TABLE IF NOT EXISTS vpc_flow_logs_parquet (
  version int, srcaddr string, start bigint, \`end\` bigint, action string, bytes bigint
)
PARTITIONED BY (\`aws-account-id\` string, \`aws-service\` string, \`aws-region\` string,
                \`year\` string, \`month\` string, \`day\` string, \`hour\` string)
ROW FORMAT SERDE 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe'
STORED AS INPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat'
          OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat'
LOCATION 's3://netmon-logs/flow/AWSLogs/'
TBLPROPERTIES ('EXTERNAL'='true', 'skip.header.line.count'='1')`;

describe('Parquet with Hive-style partitions', () => {
  it('MSCK REPAIR TABLE registers the folders and the SELECT reads columns by name', async () => {
    await athena.run(PARQUET_DDL);
    const repair = await athena.run('MSCK REPAIR TABLE vpc_flow_logs_parquet');
    expect(repair.rows).toHaveLength(2);
    expect((await athena.run('SHOW PARTITIONS vpc_flow_logs_parquet')).rows).toEqual([
      {
        partition:
          'aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=us-east-1/year=2024/month=05/day=20/hour=10',
      },
      {
        partition:
          'aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=us-east-1/year=2024/month=05/day=20/hour=11',
      },
    ]);
    // a second repair finds nothing new
    expect((await athena.run('MSCK REPAIR TABLE vpc_flow_logs_parquet')).rows).toEqual([]);
    const r = await athena.run(
      `SELECT srcaddr, "end" - start AS secs, "hour", "aws-region" AS region FROM vpc_flow_logs_parquet WHERE action = 'REJECT' ORDER BY srcaddr`,
    );
    expect(r.rows).toEqual([
      { srcaddr: '10.0.0.2', secs: 30, hour: '10', region: 'us-east-1' },
      { srcaddr: '10.0.0.3', secs: 100, hour: '11', region: 'us-east-1' },
    ]);
    const h = await athena.run(
      `SELECT date_format(from_unixtime(start), '%H:%i') AS t, sum(bytes) AS b FROM vpc_flow_logs_parquet WHERE "hour" = '10' GROUP BY 1`,
    );
    expect(h.rows).toEqual([{ t: '10:00', b: 140 }]);
  });
});

describe('partition projection over the Hive-compatible layout (spec §3.5)', () => {
  it('enumerates injected, enum and zero-padded integer columns from the folders', async () => {
    await athena.run(`CREATE EXTERNAL TABLE IF NOT EXISTS vpc_flow_logs_hive_pp (
  version int, srcaddr string, start bigint, \`end\` bigint, action string, bytes bigint
)
PARTITIONED BY (acct string, region_p string, year string, month string, day string, hour string)
ROW FORMAT SERDE 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe'
STORED AS INPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat'
          OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat'
LOCATION 's3://netmon-logs/flow/AWSLogs/'
TBLPROPERTIES (
  'projection.enabled'='true',
  'projection.acct.type'='injected',
  'projection.region_p.type'='enum', 'projection.region_p.values'='eu-west-1,us-east-1',
  'projection.year.type'='integer',  'projection.year.range'='2024,2030',
  'projection.month.type'='integer', 'projection.month.range'='1,12', 'projection.month.digits'='2',
  'projection.day.type'='integer',   'projection.day.range'='1,31',   'projection.day.digits'='2',
  'projection.hour.type'='integer',  'projection.hour.range'='0,10',  'projection.hour.digits'='2',
  'storage.location.template'='s3://netmon-logs/flow/AWSLogs/aws-account-id=\${acct}/aws-service=vpcflowlogs/aws-region=\${region_p}/year=\${year}/month=\${month}/day=\${day}/hour=\${hour}'
)`);
    // hour 11 is outside the projected range 0..10: only the two records of hour=10
    const r = await athena.run(
      'SELECT acct, region_p, "hour", count(*) AS n FROM vpc_flow_logs_hive_pp WHERE acct = \'111122223333\' GROUP BY 1, 2, 3',
    );
    expect(r.rows).toEqual([{ acct: '111122223333', region_p: 'us-east-1', hour: '10', n: 2 }]);
  });
});

describe('errors', () => {
  const fails = async (sql: string) => {
    try {
      await athena.run(sql);
    } catch (err) {
      return err as AthenaError;
    }
    throw new Error(`no error for ${sql}`);
  };

  it('syntax errors carry the position of the offending token', async () => {
    const sql = "CREATE EXTERNAL TABLE t (a int) ROW FORMAT JUNK LOCATION '/x'";
    const e = await fails(sql);
    expect(e.code).toBe('ATHENA_SYNTAX');
    expect(sql.slice(e.start, e.end)).toBe('JUNK');
    expect(e.detail).toContain('^^^^');
  });

  it('unsupported types point at the column', async () => {
    const sql = "CREATE EXTERNAL TABLE t (a int, b map<string,string>) LOCATION '/x'";
    const e = await fails(sql);
    expect(e.code).toBe('ATHENA_UNSUPPORTED_TYPE');
    expect(sql.slice(e.start, e.end)).toBe('b map<string,string>');
  });

  it.each([
    ['INSERT INTO t VALUES (1)', 'ATHENA_UNSUPPORTED_STATEMENT', 'INSERT'],
    ['CREATE TABLE t (a int)', 'ATHENA_NOT_EXTERNAL', 'TABLE'],
    ['SHOW PARTITIONS nope', 'ATHENA_UNKNOWN_TABLE', 'nope'],
    ["SELECT 'x", 'ATHENA_UNCLOSED_QUOTE', "'"],
    ['USE nowhere', 'ATHENA_UNKNOWN_DATABASE', 'USE nowhere'],
    [
      "ALTER TABLE vpc_flow_logs_parquet ADD PARTITION (year='2024') LOCATION '/x'",
      'ATHENA_PARTITION_KEYS',
      undefined,
    ],
    [
      "CREATE EXTERNAL TABLE s3t (a int) LOCATION 'https://example.com/x' STORED AS ORC",
      'ATHENA_UNSUPPORTED_FORMAT',
      'ORC',
    ],
  ])('%s → %s', async (sql, code, at) => {
    const e = await fails(sql);
    expect(e.code).toBe(code);
    if (at !== undefined) expect(sql.slice(e.start, e.end)).toBe(at);
  });

  it('refuses a SELECT that reads a file outside the catalog', async () => {
    const secret = join(dir, 'secret.csv');
    const byFunction = `SELECT * FROM read_csv(${literal(secret)})`;
    const e1 = await fails(byFunction);
    expect(e1.code).toBe('SQL_FORBIDDEN_FUNCTION');
    expect(byFunction.slice(e1.start, e1.end)).toBe('read_csv');
    const e2 = await fails(`SELECT * FROM ${literal(secret)}`);
    expect(e2.code).toBe('SQL_FORBIDDEN_TABLE');
    const e3 = await fails(
      `SELECT * FROM vpc_flow_logs_parquet UNION ALL SELECT * FROM read_parquet(${literal(secret)})`,
    );
    expect(e3.code).toBe('SQL_FORBIDDEN_FUNCTION');
    const e4 = await fails('SELECT * FROM no_such_table');
    expect(e4.code).toBe('ATHENA_UNKNOWN_TABLE');
    const e5 = await fails('SELECT 1; SELECT 2');
    expect(e5.code).toBe('SQL_MULTIPLE_STATEMENTS');
  });

  it('s3:// without an S3 client or a local mirror is refused with a hint', async () => {
    // (vpc_flow_logs_parquet was created with a mirror, which it keeps: a table made without one.)
    const plain = await AthenaSession.open(store);
    await plain.run("CREATE EXTERNAL TABLE no_mirror (v string) LOCATION 's3://bucket/elsewhere/'");
    await expect(plain.run('SELECT count(*) FROM no_mirror')).rejects.toMatchObject({
      code: 'ATHENA_S3_UNSUPPORTED',
    });
    // The table created with --location-root keeps reading its mirror in a session without it.
    expect(
      (await plain.run('SELECT count(*) AS n FROM vpc_flow_logs_parquet')).rows[0]!['n'],
    ).toBeGreaterThan(0);
  });
});

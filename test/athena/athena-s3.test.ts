// s3:// locations read through the AWS SDK from an S3-compatible server on loopback (s3rver), cached locally.

import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Mirror } from '../../src/athena/s3-mirror.js';
import { AthenaSession } from '../../src/athena/session.js';
import { Store } from '../../src/storage/store.js';
import { type S3Server, startS3Server } from '../support/s3-server.js';
import { ADD_PARTITION, CREATE_TABLE, QUOTED_SELECT, writeAwsLayout } from './fixtures.js';

let dir: string;
let s3: S3Server;
let store: Store;

function files(root: string): string[] {
  return readdirSync(root).flatMap((n) => {
    const p = join(root, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-athena-s3-'));
  s3 = await startS3Server(join(dir, 's3rver'));
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  const local = join(dir, 'upload');
  writeAwsLayout(local);
  await client.send(new CreateBucketCommand({ Bucket: 'netmon-logs' }));
  for (const f of files(join(local, 'netmon-logs'))) {
    const key = relative(join(local, 'netmon-logs'), f).split('\\').join('/');
    await client.send(new PutObjectCommand({ Bucket: 'netmon-logs', Key: key, Body: readFileSync(f) }));
  }
  client.destroy();
  store = await Store.open(join(dir, 'store.duckdb'));
}, 20_000);

afterAll(async () => {
  store.close();
  await s3.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('s3:// locations', () => {
  it('answer the quoted SELECT from objects fetched through the SDK, reading only the partition prefix', async () => {
    const cache = join(dir, 'cache');
    const athena = await AthenaSession.open(store, {
      s3: new S3Mirror({
        cacheDir: cache,
        endpoint: s3.endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      }),
    });
    await athena.run(CREATE_TABLE);
    await athena.run(ADD_PARTITION);
    const r = await athena.run(QUOTED_SELECT);
    expect(r.rows.map((x) => x['sourceaddress'])).toEqual(['10.0.0.10', '10.0.0.12', '10.0.0.9']);
    // only the registered partition's two objects were downloaded
    expect(files(cache).map((f) => relative(cache, f).split('\\').join('/'))).toEqual([
      'netmon-logs/flow/AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/20/111122223333_vpcflowlogs_us-east-1_fl-0abc_20240520T1000Z_1a2b3c4d.log.gz',
      'netmon-logs/flow/AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/20/111122223333_vpcflowlogs_us-east-1_fl-0abc_20240520T1005Z_5e6f7a8b.log.gz',
    ]);
  });

  it('prunes partitions the WHERE clause rules out: their objects are never fetched', async () => {
    const cache = join(dir, 'cache-pruned');
    const athena = await AthenaSession.open(store, {
      s3: new S3Mirror({
        cacheDir: cache,
        endpoint: s3.endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      }),
    });
    await athena.run(
      "ALTER TABLE vpc_flow_logs ADD PARTITION (dt='2024-05-21') LOCATION 's3://netmon-logs/flow/AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/21'",
    );
    const r = await athena.run(
      "SELECT count(*) AS n FROM vpc_flow_logs WHERE dt IN ('2024-05-21') AND action = 'REJECT'",
    );
    expect(r.rows).toEqual([{ n: 1 }]);
    expect(files(cache).map((f) => f.includes('/2024/05/21/'))).toEqual([true]);
    // a self-join is not pruned (both sides share one view)
    const all = await athena.run(
      "SELECT count(*) AS n FROM vpc_flow_logs a WHERE a.dt = '2024-05-21' AND a.sourceaddress IN (SELECT sourceaddress FROM vpc_flow_logs)",
    );
    expect(all.rows).toEqual([{ n: 1 }]);
    expect(files(cache)).toHaveLength(3);
  });

  it('reports an unreachable S3 as a user error', async () => {
    const athena = await AthenaSession.open(store, {
      s3: new S3Mirror({
        cacheDir: join(dir, 'cache2'),
        endpoint: 'http://127.0.0.1:1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      }),
    });
    await expect(athena.run('SELECT count(*) FROM vpc_flow_logs')).rejects.toMatchObject({
      code: 'ATHENA_S3_READ',
    });
  }, 15_000);
});

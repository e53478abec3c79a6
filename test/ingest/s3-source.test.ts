// S3Source against s3rver on loopback: every flow log object once and intact, other keys skipped, late
// objects under earlier keys, restarts, a failing sink, `since`, and errors that never crash the source.

import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceEvent } from '../../src/ingest/sources/polling-source.js';
import { S3Source, type S3SourceOptions } from '../../src/ingest/sources/s3.js';
import { MemorySink } from '../support/memory-sink.js';
import { type S3Server, startS3Server } from '../support/s3-server.js';

const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const A = '111122223333';
const B = '444455556666';
const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

let dir: string;
let server: S3Server;
let endpoint: string;
let client: S3Client;
let bucketSeq = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-s3-'));
  server = await startS3Server(join(dir, 's3'));
  endpoint = server.endpoint;
  client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: CREDENTIALS });
});

afterAll(async () => {
  client.destroy();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `flow/AWSLogs/<acct>/vpcflowlogs/<region>/YYYY/MM/DD/<file>` for a 5-minute slot `YYYYMMDDTHHmm`. */
function plainKey(
  account: string,
  region: string,
  slot: string,
  hash: string,
  flowLog = 'fl-0abc1234def567890',
): string {
  const [y, m, d] = [slot.slice(0, 4), slot.slice(4, 6), slot.slice(6, 8)];
  return `flow/AWSLogs/${account}/vpcflowlogs/${region}/${y}/${m}/${d}/${account}_vpcflowlogs_${region}_${flowLog}_${slot}Z_${hash}.log.gz`;
}

/** The same file in the Hive-compatible layout, with hourly partitions. */
function hiveKey(account: string, region: string, slot: string, hash: string): string {
  const [y, m, d, h] = [slot.slice(0, 4), slot.slice(4, 6), slot.slice(6, 8), slot.slice(9, 11)];
  return `flow/AWSLogs/aws-account-id=${account}/aws-service=vpcflowlogs/aws-region=${region}/year=${y}/month=${m}/day=${d}/hour=${h}/${account}_vpcflowlogs_${region}_fl-0abc1234def567890_${slot}Z_${hash}.log.gz`;
}

/** A gzip flow log file whose records say which object they belong to (srcport = n, bytes = 1000 + i). */
function flowFile(n: number, records = 2): Buffer {
  const lines = Array.from(
    { length: records },
    (_, i) =>
      `2 ${A} eni-0a1b2c3d4e5f60718 10.0.1.5 10.0.2.7 ${n} 443 6 3 ${1000 + i} 1716200000 1716200060 ACCEPT OK`,
  );
  return gzipSync(`${HEADER}\n${lines.join('\n')}\n`);
}

async function newBucket(): Promise<string> {
  const bucket = `flow-logs-${++bucketSeq}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

async function put(bucket: string, key: string, body: Buffer | string): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

/** The batch key S3Source must use: S3's ETag of a single PUT is the MD5 of the bytes. */
function batchKey(bucket: string, key: string, body: Buffer): string {
  return `s3://${bucket}/${key}#${createHash('md5').update(body).digest('hex')}`;
}

function source(bucket: string, sink: MemorySink, extra: Partial<S3SourceOptions> = {}): S3Source {
  return new S3Source(
    {
      name: 'vpc-bucket',
      bucket,
      prefix: 'flow/',
      region: 'us-east-1',
      endpoint,
      forcePathStyle: true,
      credentials: CREDENTIALS,
      pollSeconds: 0.05,
      scratchDir: join(dir, `scratch-${bucket}`),
      pageSize: 2,
      ...extra,
    },
    sink,
  );
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(10);
  }
}

describe('S3Source: what it hands over', () => {
  it('hands every flow log object over once with its bytes intact, and skips the other keys', async () => {
    const bucket = await newBucket();
    const objects = new Map<string, Buffer>([
      [plainKey(A, 'eu-west-1', '20240520T1015', '3f9a8c21'), flowFile(1)],
      [plainKey(A, 'eu-west-1', '20240520T1020', '0badf00d'), flowFile(2, 20_000)],
      [plainKey(B, 'us-east-1', '20240520T1015', 'aa11bb22'), flowFile(3)],
      [hiveKey(A, 'eu-west-1', '20240520T1015', 'cc33dd44'), flowFile(4)],
    ]);
    for (const [k, v] of objects) await put(bucket, k, v);
    // Not flow log objects: a README, a manifest inside a day folder, the delivery service's write test.
    await put(bucket, 'flow/README.txt', 'hello');
    await put(bucket, `flow/AWSLogs/${A}/vpcflowlogs/eu-west-1/2024/05/20/manifest.json`, '{}');
    await put(bucket, `flow/AWSLogs/${A}/aws-logs-write-test`, 'Permission Check Successful');
    // Outside the prefix: never listed.
    await put(bucket, `other/${plainKey(A, 'eu-west-1', '20240520T1015', '99999999')}`, flowFile(9));

    const sink = new MemorySink();
    const src = source(bucket, sink, { format: undefined });
    const result = await src.pollOnce();
    expect(result).toEqual({ batches: 4, duplicates: 0, records: 0, error: undefined });

    expect(new Set(sink.storedKeys())).toEqual(new Set([...objects].map(([k, v]) => batchKey(bucket, k, v))));
    for (const { batch, content } of sink.stored) {
      if (batch.kind !== 'file') throw new Error('expected a file batch');
      const key = batch.origin!.slice(`s3://${bucket}/`.length);
      expect(batch.origin).toBe(`s3://${bucket}/${key}`);
      expect(batch.source).toBe('vpc-bucket');
      expect(content!.equals(objects.get(key)!)).toBe(true);
      expect(existsSync(batch.path)).toBe(false); // the scratch copy is gone once the sink answered
      expect(batch.checkpoint).toBeDefined();
    }
    // The big object arrived whole: 20,000 records after the header.
    const big = sink.stored.find((s) => s.batch.key.includes('0badf00d'))!;
    expect(gunzipSync(big.content!).toString().split('\n').length).toBe(1 + 20_000 + 1);
    expect(readdirSync(join(dir, `scratch-${bucket}`))).toEqual([]);

    const st = src.status();
    expect([st.kind, st.batches, st.objects, st.skipped, st.errors]).toEqual(['s3', 4, 4, 3, 0]);
    expect(st.lastBatchAt).toBeGreaterThan(0);

    // Nothing new: the next poll writes nothing.
    expect(await src.pollOnce()).toEqual({ batches: 0, duplicates: 0, records: 0, error: undefined });
    expect(sink.writes).toHaveLength(4);
    await src.stop();
  });

  it('takes objects added after a poll on the next one, also under a key that sorts before those handled', async () => {
    const bucket = await newBucket();
    const k1020 = plainKey(A, 'eu-west-1', '20240520T1020', '22222222');
    const kB = plainKey(B, 'us-east-1', '20240520T1030', '33333333');
    await put(bucket, k1020, flowFile(1020));
    await put(bucket, kB, flowFile(1030));
    const sink = new MemorySink();
    const src = source(bucket, sink);
    expect((await src.pollOnce()).batches).toBe(2);

    // Arrive late: 10:15 of account A (sorts before both keys handled) and 10:25 of another flow log.
    const k1015 = plainKey(A, 'eu-west-1', '20240520T1015', '11111111');
    const k1025 = plainKey(A, 'eu-west-1', '20240520T1025', '44444444', 'fl-0fff0000aaaa11112');
    await put(bucket, k1015, flowFile(1015));
    await put(bucket, k1025, flowFile(1025));
    expect((await src.pollOnce()).batches).toBe(2);
    expect(sink.storedKeys().slice(2).sort()).toEqual(
      [batchKey(bucket, k1015, flowFile(1015)), batchKey(bucket, k1025, flowFile(1025))].sort(),
    );
    // An object replaced under the same key (new content, new ETag) is handed over again.
    await put(bucket, k1020, flowFile(2020));
    expect((await src.pollOnce()).batches).toBe(1);
    expect(sink.storedKeys()[4]).toBe(batchKey(bucket, k1020, flowFile(2020)));
    await src.stop();
  });

  it('after a restart (a new instance over the same sink) downloads nothing it handed over before', async () => {
    const bucket = await newBucket();
    const keys = ['20240520T1015', '20240520T1020', '20240521T0000'].map((s, i) =>
      plainKey(A, 'eu-west-1', s, `0000000${i}`),
    );
    for (const [i, k] of keys.entries()) await put(bucket, k, flowFile(i));
    const sink = new MemorySink();
    const first = source(bucket, sink);
    expect((await first.pollOnce()).batches).toBe(3);
    await first.stop();

    const second = source(bucket, sink);
    expect(await second.pollOnce()).toEqual({ batches: 0, duplicates: 0, records: 0, error: undefined });
    expect(sink.writes).toHaveLength(3);
    expect(second.status().objects).toBe(0);

    const late = plainKey(A, 'eu-west-1', '20240520T1010', '0000000f');
    await put(bucket, late, flowFile(7));
    expect((await second.pollOnce()).batches).toBe(1);
    expect(sink.storedKeys()[3]).toBe(batchKey(bucket, late, flowFile(7)));
    await second.stop();
  });

  it('keeps the cursor small: once an object is older than the overlap, LastModified alone says it was handled', async () => {
    const bucket = await newBucket();
    const keys = ['20240520T1015', '20240520T1020'].map((s, i) => plainKey(A, 'eu-west-1', s, `1000000${i}`));
    for (const [i, k] of keys.entries()) await put(bucket, k, flowFile(i));
    const sink = new MemorySink();
    const src = source(bucket, sink, { overlapSeconds: 0 });
    expect((await src.pollOnce()).batches).toBe(2);
    // S3 times are whole seconds: two seconds later the listing is surely after both uploads.
    await sleep(2100);
    expect((await src.pollOnce()).batches).toBe(0);
    const late = plainKey(A, 'eu-west-1', '20240520T1010', '1000000f');
    await put(bucket, late, flowFile(9));
    expect((await src.pollOnce()).batches).toBe(1);
    // The checkpoint of that batch remembers only the late object by key; the two before are covered by the cut.
    const cursor = JSON.parse(sink.checkpoints.get('vpc-bucket')!) as { seen: [string, string, number][] };
    expect(cursor.seen.map(([k]) => k)).toEqual([late]);
    await src.stop();

    const restarted = source(bucket, sink, { overlapSeconds: 0 });
    expect((await restarted.pollOnce()).batches).toBe(0);
    expect(sink.writes).toHaveLength(3);
    await restarted.stop();
  });
});

describe('S3Source: failures', () => {
  it('retries after a failing sink without advancing its cursor, and deletes the scratch file anyway', async () => {
    const bucket = await newBucket();
    const keys = ['20240520T1015', '20240520T1020', '20240520T1025'].map((s, i) =>
      plainKey(A, 'eu-west-1', s, `2000000${i}`),
    );
    for (const [i, k] of keys.entries()) await put(bucket, k, flowFile(i));
    const sink = new MemorySink();
    const events: SourceEvent[] = [];
    const src = source(bucket, sink, { onEvent: (e) => events.push(e) });

    sink.failNext(1);
    const failed = await src.pollOnce();
    expect(failed.batches).toBe(0);
    expect(failed.error).toMatch(/sink refused.*the store is unavailable/);
    expect(sink.checkpoints.size).toBe(0);
    expect(readdirSync(join(dir, `scratch-${bucket}`))).toEqual([]);
    expect(src.status()).toMatchObject({ errors: 1, consecutiveErrors: 1, batches: 0 });
    // The error event says when the next poll comes: pollSeconds doubled once.
    expect(events.find((e) => e.type === 'error')).toMatchObject({ retryInSeconds: 0.1 });

    // The second object fails: the first is stored with its checkpoint, the poll stops there.
    sink.failOn((b) => b.key === batchKey(bucket, keys[1]!, flowFile(1)));
    const partly = await src.pollOnce();
    expect(partly.batches).toBe(1);
    expect(partly.error).toBeDefined();
    sink.failOn(undefined);

    // A restart now: the checkpoint of the first object says it was handled; the other two follow.
    const restarted = source(bucket, sink);
    expect((await restarted.pollOnce()).batches).toBe(2);
    expect(sink.storedKeys()).toEqual(keys.map((k, i) => batchKey(bucket, k, flowFile(i))));
    expect(sink.writes.filter((w) => w.key === sink.storedKeys()[0])).toHaveLength(2); // failed once, then stored
    expect(restarted.status().consecutiveErrors).toBe(0);
    await src.stop();
    await restarted.stop();
  });

  it('passes over an object deleted between the listing and the download', async () => {
    const bucket = await newBucket();
    const keys = ['20240520T1015', '20240520T1020', '20240520T1025'].map((s, i) =>
      plainKey(A, 'eu-west-1', s, `3000000${i}`),
    );
    for (const [i, k] of keys.entries()) await put(bucket, k, flowFile(i));
    const sink = new MemorySink();
    // Handled in LastModified order, ties in key order: that is the order of the puts. Delete the third
    // while the first is being written.
    sink.onWrite = async (b) => {
      if (b.key === batchKey(bucket, keys[0]!, flowFile(0))) {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: keys[2]! }));
      }
    };
    const src = source(bucket, sink);
    const r = await src.pollOnce();
    expect(r.error).toBeUndefined();
    expect(sink.storedKeys()).toEqual([0, 1].map((i) => batchKey(bucket, keys[i]!, flowFile(i))));
    await src.stop();
  });

  it('reports a bucket that does not exist in status and events, and keeps polling without throwing', async () => {
    const sink = new MemorySink();
    const events: SourceEvent[] = [];
    const src = source('no-such-bucket', sink, { onEvent: (e) => events.push(e) });
    await src.start();
    await until(() => src.status().errors >= 2);
    await src.stop();
    const st = src.status();
    expect(st.lastError).toMatch(/^NoSuchBucket: /);
    expect(st.batches).toBe(0);
    const errors = events.filter((e) => e.type === 'error');
    // Backoff: the wait doubles with every consecutive error (0.05 s × 2, × 4, ...).
    expect(errors.slice(0, 2).map((e) => (e.type === 'error' ? e.retryInSeconds : 0))).toEqual([0.1, 0.2]);
  });

  it('counts a network error (nothing listening) like any other', async () => {
    const sink = new MemorySink();
    const src = source('flow-logs-1', sink, { endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
    const r = await src.pollOnce();
    expect(r.error).toMatch(/ECONNREFUSED/);
    expect(src.status().errors).toBe(1);
    await src.stop();
  });

  it('stop() aborts a poll in flight and resolves', async () => {
    const bucket = await newBucket();
    for (let i = 0; i < 6; i++)
      await put(bucket, plainKey(A, 'eu-west-1', `20240520T10${10 + i * 5}`, `4000000${i}`), flowFile(i));
    const sink = new MemorySink();
    // A slow sink: the poll is still busy when stop() comes.
    sink.onWrite = () => sleep(50);
    const src = source(bucket, sink, { pollSeconds: 60 });
    await src.start();
    await until(() => sink.writes.length >= 1);
    await src.stop();
    const written = sink.writes.length;
    expect(written).toBeLessThan(6);
    await sleep(100);
    expect(sink.writes.length).toBe(written); // nothing after stop() resolved
    expect(src.status().errors).toBe(0); // being stopped is no error
  });
});

describe('S3Source: since and the late-arrival horizon', () => {
  it('leaves out objects whose key time ends before since (15-minute margin), jumping over old days', async () => {
    const bucket = await newBucket();
    const keep = [
      plainKey(A, 'eu-west-1', '20240520T0000', '50000001'),
      plainKey(A, 'eu-west-1', '20240520T1015', '50000002'),
      // 23:50 + 5-minute slot + 15-minute margin = 00:10 on the 20th, after since: kept.
      plainKey(A, 'eu-west-1', '20240519T2350', '50000003'),
      hiveKey(B, 'us-east-1', '20240520T0100', '50000004'),
    ];
    const drop = [
      // 23:00 + 5 + 15 minutes = 23:20 on the 19th, before since.
      plainKey(A, 'eu-west-1', '20240519T2300', '50000005'),
      // The 18th ends (with the margin) at 00:15 on the 19th.
      plainKey(A, 'eu-west-1', '20240518T0900', '50000006'),
      plainKey(A, 'eu-west-1', '20240518T0905', '50000007'),
      plainKey(A, 'eu-west-1', '20240518T0910', '50000008'),
      hiveKey(B, 'us-east-1', '20240517T0100', '50000009'),
      hiveKey(B, 'us-east-1', '20240517T0200', '5000000a'),
    ];
    for (const [i, k] of [...keep, ...drop].entries()) await put(bucket, k, flowFile(i));
    const sink = new MemorySink();
    // 2024-05-20T00:00Z = 1716163200 (2024-01-01 = 1704067200, plus 140 days of 86,400 s).
    const src = source(bucket, sink, { since: 1_716_163_200 });
    expect((await src.pollOnce()).batches).toBe(4);
    expect(new Set(sink.stored.map((s) => (s.batch.kind === 'file' ? s.batch.origin : '')))).toEqual(
      new Set(keep.map((k) => `s3://${bucket}/${k}`)),
    );
    // Listed and left out: the first key of A's 18th (the listing then jumps to A's 19th, so the other two
    // are never listed), A's 23:00 on the 19th, and the first key of B's 17th (then a jump to B's 19th).
    expect(src.status().pruned).toBe(3);
    await src.stop();
  });

  it('after a complete poll, lists no further back than lateSeconds before the newest key time', async () => {
    const bucket = await newBucket();
    await put(bucket, plainKey(A, 'eu-west-1', '20240520T1020', '60000001'), flowFile(1));
    const sink = new MemorySink();
    const src = source(bucket, sink, { lateSeconds: 3600 });
    expect((await src.pollOnce()).batches).toBe(1);
    // Newest key time 10:20, so the horizon is 09:20; with the 15-minute margin a 09:00 file (ends 09:05,
    // + 15 min = 09:20) is left out, a 09:05 file (09:25) is still taken, and the 19th is jumped over.
    const late = [
      plainKey(A, 'eu-west-1', '20240520T0900', '60000002'),
      plainKey(A, 'eu-west-1', '20240520T0905', '60000003'),
      plainKey(A, 'eu-west-1', '20240519T1200', '60000004'),
    ];
    for (const [i, k] of late.entries()) await put(bucket, k, flowFile(10 + i));
    expect((await src.pollOnce()).batches).toBe(1);
    expect(sink.storedKeys()[1]).toBe(batchKey(bucket, late[1]!, flowFile(11)));
    expect(src.status().pruned).toBe(2);
    await src.stop();
  });
});

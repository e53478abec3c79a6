// `flowwatch export --to s3://bucket/prefix`: written locally, then uploaded with PutObject (s3rver on loopback).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exportFlows } from '../../src/export/export.js';
import { ingest } from '../../src/ingest/ingest.js';
import { Store } from '../../src/storage/store.js';
import { type S3Server, startS3Server } from '../support/s3-server.js';
import { writeCorpus } from './corpus.js';

const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
let dir: string;
let server: S3Server;
let client: S3Client;
let store: Store;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-export-s3-'));
  server = await startS3Server(join(dir, 's3'));
  client = new S3Client({
    region: 'us-east-1',
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: CREDENTIALS,
  });
  await client.send(new CreateBucketCommand({ Bucket: 'flow-export' }));
  store = await Store.open(join(dir, 'a.duckdb'));
  await ingest(store, writeCorpus(join(dir, 'in')));
});

afterAll(async () => {
  store.close();
  client.destroy();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

it('uploads the Parquet tree and the NDJSON file under the prefix', async () => {
  const s3 = { endpoint: server.endpoint, forcePathStyle: true, credentials: CREDENTIALS };
  const local = await exportFlows(store, { to: join(dir, 'local'), format: 'parquet' });
  const r = await exportFlows(store, { to: 's3://flow-export/team/flows', format: 'parquet', s3 });
  expect(r.files).toEqual(local.files.map((f) => `team/flows/${f}`));
  const nd = await exportFlows(store, { to: 's3://flow-export/team/flows/', format: 'ocsf', s3 });
  expect(nd.files).toEqual(['team/flows/flows.ocsf.ndjson']);
  const listed = await client.send(new ListObjectsV2Command({ Bucket: 'flow-export', Prefix: 'team/' }));
  expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual([...r.files, ...nd.files].sort());
  const body = await (
    await client.send(new GetObjectCommand({ Bucket: 'flow-export', Key: 'team/flows/flows.ocsf.ndjson' }))
  ).Body!.transformToString();
  expect(body.trimEnd().split('\n')).toHaveLength(6);
  expect(r.records).toBe(6);
});

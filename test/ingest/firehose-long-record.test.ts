// A Firehose delivery through the real store: a 40 MiB record (one line, past every DuckDB buffer) is a located
// reject and lone-CR records are split into lines; nothing the endpoint acknowledged is silently missing.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleFirehoseRequest } from '../../src/ingest/sources/firehose.js';
import { StoreSink } from '../../src/monitor/store-sink.js';
import { Store } from '../../src/storage/store.js';
import { startServer, type TestServer } from './push-server.js';

const ID = '5d6f8a3e-1b2c-4d5e-9f00-aabbccddeeff';
const LINE = (i: number) =>
  `2 111122223333 eni-0a1b2c3d4e5f60718 198.51.100.23 10.20.1.15 ${50000 + i} 443 6 12 4310 1716200105 1716200161 ACCEPT OK`;

let dir: string;
let store: Store;
let sink: StoreSink;
let server: TestServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-fh-long-'));
  store = await Store.open(join(dir, 'fh.duckdb'));
  sink = await StoreSink.open(store, { scratch: join(dir, 'scratch'), flushMillis: 10, flushRecords: 1000 });
  server = await startServer((req) => handleFirehoseRequest(req, sink, { source: 'fh' }));
});
afterAll(async () => {
  await server.close();
  await sink.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Firehose into the store', () => {
  it('stores lone-CR records line by line and rejects a 40 MiB record by its line, answering 200', async () => {
    const huge = Buffer.alloc(40 << 20, 'y');
    const records = [Buffer.from(`${LINE(1)}\r${LINE(2)}\r${LINE(3)}`), huge, Buffer.from(LINE(4))];
    const body = JSON.stringify({
      requestId: ID,
      timestamp: 1716200400123,
      records: records.map((r) => ({ data: r.toString('base64') })),
    });
    const res = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-amz-firehose-protocol-version': '1.0',
        'x-amz-firehose-request-id': ID,
      },
      body,
    });
    expect(res.status).toBe(200);
    const flows = await store.query('SELECT srcport FROM flows ORDER BY srcport');
    expect(flows.rows.map((r) => r['srcport'])).toEqual([50001, 50002, 50003, 50004]);
    const rejects = await store.query('SELECT code, reason FROM rejects');
    expect(rejects.rows.map((r) => r['code'])).toEqual(['LINE_TOO_LONG']);
    expect(String(rejects.rows[0]!['reason'])).toContain(`${40 << 20} bytes`);
  });
});

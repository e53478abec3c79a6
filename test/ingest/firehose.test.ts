// The Firehose HTTP endpoint over real loopback HTTP: spec ingestion-formats §1 requests in, statuses, response
// shape and exactly what reached the sink out.

import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FirehoseEndpointOptions, handleFirehoseRequest } from '../../src/ingest/sources/firehose.js';
import { MemorySink, startServer, type TestServer } from './push-server.js';

const ARN = 'arn:aws:firehose:eu-west-1:111122223333:deliverystream/netmon';
const KEY = 'k3y-with-"quotes"-and-a-JWT.eyJhbGciOiJIUzI1NiJ9';
const NOW = 1716200400456;
const ID = 'ed4acda5-034f-9f42-bba1-f29aea6d7d8f';

/** Two records in the default format, written by hand. */
const LINE_A =
  '2 111122223333 eni-0a1b2c3d4e5f60718 198.51.100.23 10.20.1.15 53122 443 6 12 4310 1716200105 1716200161 ACCEPT OK';
const LINE_B =
  '2 111122223333 eni-0a1b2c3d4e5f60718 10.20.1.15 198.51.100.23 443 53122 6 10 5120 1716200105 1716200161 ACCEPT OK';
const LINE_C = '2 111122223333 eni-0a1b2c3d4e5f60718 - - - - - - - 1716200000 1716200060 - NODATA';

let server: TestServer;
let sink: MemorySink;
let opts: FirehoseEndpointOptions;

beforeAll(async () => {
  server = await startServer((req) => handleFirehoseRequest(req, sink, opts));
});
afterAll(() => server.close());
beforeEach(() => {
  sink = new MemorySink();
  opts = { source: 'fh', accessKey: KEY, now: () => NOW };
});

/** The headers Firehose sends (§1.1). */
function headers(id = ID, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-amz-firehose-protocol-version': '1.0',
    'x-amz-firehose-request-id': id,
    'x-amz-firehose-source-arn': ARN,
    'x-amz-firehose-access-key': KEY,
    ...extra,
  };
}

/** A §1.1 body with one record per element of `records` (strings are UTF-8 bytes). */
function body(records: (string | Buffer)[], id = ID): string {
  return JSON.stringify({
    requestId: id,
    timestamp: 1716200400123,
    records: records.map((r) => ({ data: Buffer.from(r).toString('base64') })),
  });
}

interface Answer {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
  text: string;
}

async function post(data: string | Buffer, hdrs: Record<string, string> = headers(), method = 'POST') {
  const res = await fetch(server.url, {
    method,
    headers: hdrs,
    body: method === 'GET' ? undefined : typeof data === 'string' ? data : new Uint8Array(data),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: JSON.parse(text), text } as Answer;
}

/** The §1.2 response shape: JSON, no content encoding, exact length, requestId echoed, our clock's timestamp. */
function expectShape(a: Answer, requestId = ID) {
  expect(a.headers.get('content-type')).toBe('application/json');
  expect(a.headers.get('content-encoding')).toBeNull();
  expect(a.headers.get('content-length')).toBe(String(Buffer.byteLength(a.text)));
  expect(a.json['requestId']).toBe(requestId);
  expect(a.json['timestamp']).toBe(NOW);
}

function expectOk(a: Answer, requestId = ID) {
  expect(a.status).toBe(200);
  expectShape(a, requestId);
  expect(Object.keys(a.json).sort()).toEqual(['requestId', 'timestamp']);
}

function expectRefused(a: Answer, status: number, code: string, ...mentions: string[]) {
  expect(a.status).toBe(status);
  expectShape(a);
  expect(Object.keys(a.json).sort()).toEqual(['errorMessage', 'requestId', 'timestamp']);
  const msg = a.json['errorMessage'] as string;
  expect(msg.startsWith(`${code}: `)).toBe(true);
  expect(msg.length).toBeLessThanOrEqual(8192);
  for (const m of mentions) expect(msg).toContain(m);
}

/** gzip of a §2.2 document with the given events of stream eni-0a1b2c3d4e5f60718-all. */
function cwlData(messages: string[]): Buffer {
  return gzipSync(
    JSON.stringify({
      messageType: 'DATA_MESSAGE',
      owner: '111122223333',
      logGroup: '/vpc/flowlogs',
      logStream: 'eni-0a1b2c3d4e5f60718-all',
      subscriptionFilters: ['to-netmon'],
      logEvents: messages.map((message, i) => ({
        id: `3817304693731128185343446703681130281364581281315840000${i}`,
        timestamp: 1716200105000,
        message,
      })),
    }),
  );
}

/** The control message of spec §2.2, verbatim. */
const CONTROL = gzipSync(
  '{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"",' +
    '"subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1680683189085,' +
    '"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}',
);

describe('accepted requests', () => {
  it('stores bare text records (several lines per record, trailing newline, CRLF) as one batch', async () => {
    const a = await post(body([`${LINE_A}\n${LINE_B}\n`, `${LINE_C}\r\n`]));
    expectOk(a);
    expect(sink.batches).toEqual([
      {
        kind: 'lines',
        source: 'fh',
        key: ID,
        origin: `firehose://${ARN}/${ID}`,
        lines: [LINE_A, LINE_B, LINE_C],
        // Direct records carry only the request's timestamp (body above: 1716200400123).
        times: [1, 2, 3].map(() => ({ ms: 1716200400123, source: 'firehose' })),
        format: undefined,
      },
    ]);
  });

  it('gunzips a Content-Encoding: gzip body', async () => {
    const a = await post(gzipSync(body([LINE_A, LINE_B])), headers(ID, { 'content-encoding': 'gzip' }));
    expectOk(a);
    expect(sink.lines()).toEqual([LINE_A, LINE_B]);
  });

  it('unwraps direct flow log delivery records, starting with the spec example byte for byte', async () => {
    const spec = JSON.stringify({
      requestId: ID,
      timestamp: 1716200400123,
      records: [
        {
          data: 'eyJtZXNzYWdlIjoiMiAxMTExMjIyMjMzMzMgZW5pLTBhMWIyYzNkNGU1ZjYwNzE4IC0gLSAtIC0gLSAtIC0gMTcxNjIwMDAwMCAxNzE2MjAwMDYwIC0gTk9EQVRBIn0=',
        },
        { data: Buffer.from(`{"message":"${LINE_A}"}`).toString('base64') },
      ],
    });
    opts = { ...opts, format: '${version} ${account-id}' };
    const a = await post(spec);
    expectOk(a);
    expect(sink.batches).toHaveLength(1);
    expect(sink.batches[0]).toMatchObject({ lines: [LINE_C, LINE_A], format: '${version} ${account-id}' });
  });

  it('takes the events of a gzip CloudWatch Logs DATA_MESSAGE record and skips a CONTROL_MESSAGE', async () => {
    const a = await post(body([CONTROL, cwlData([LINE_A, LINE_B]), LINE_C]));
    expectOk(a);
    expect(sink.lines()).toEqual([LINE_A, LINE_B, LINE_C]);
    // Each event keeps its CloudWatch Logs timestamp; the direct record gets the request's.
    expect(sink.batches[0]!.kind === 'lines' && sink.batches[0]!.times).toEqual([
      { ms: 1716200105000, source: 'cwl-event' },
      { ms: 1716200105000, source: 'cwl-event' },
      { ms: 1716200400123, source: 'firehose' },
    ]);
  });

  it('takes an uncompressed CloudWatch Logs document (a stream that decompresses records)', async () => {
    const doc = JSON.stringify({
      messageType: 'DATA_MESSAGE',
      owner: '111122223333',
      logGroup: '/vpc/flowlogs',
      logStream: 's',
      subscriptionFilters: [],
      logEvents: [{ id: '1', timestamp: 1, message: LINE_B }],
    });
    expectOk(await post(body([doc])));
    expect(sink.lines()).toEqual([LINE_B]);
  });

  it('answers a request with only empty and control records 200 and writes nothing', async () => {
    expectOk(await post(body(['', CONTROL, '\n'])));
    expect(sink.writes).toEqual([]);
  });

  it('answers a retried requestId 200 and stores it once', async () => {
    expectOk(await post(body([LINE_A])));
    expectOk(await post(body([LINE_A])));
    expect(sink.writes).toHaveLength(2);
    expect(sink.batches).toHaveLength(1);
    expect(sink.lines()).toEqual([LINE_A]);
  });

  it('needs no access key header when none is configured, and names an unknown stream', async () => {
    opts = { source: 'fh', now: () => NOW };
    const h = headers();
    delete h['x-amz-firehose-access-key'];
    delete h['x-amz-firehose-source-arn'];
    expectOk(await post(body([LINE_A]), h));
    expect(sink.batches[0]).toMatchObject({ origin: `firehose://unknown/${ID}` });
  });

  it('passes a JSON line that is not a {"message"} object through for the loader to reject', async () => {
    expectOk(await post(body(['{"msg":"x"}', '{not json\n{"message":"y"}'])));
    expect(sink.lines()).toEqual(['{"msg":"x"}', '{not json', '{"message":"y"}']);
  });
});

describe('refused requests', () => {
  it('refuses a missing or wrong access key with 401 and stores nothing', async () => {
    const h = headers();
    delete h['x-amz-firehose-access-key'];
    expectRefused(
      await post(body([LINE_A]), h),
      401,
      'FIREHOSE_ACCESS_KEY',
      'missing X-Amz-Firehose-Access-Key',
    );
    expectRefused(
      await post(body([LINE_A]), headers(ID, { 'x-amz-firehose-access-key': `${KEY}x` })),
      401,
      'FIREHOSE_ACCESS_KEY',
      'does not match',
    );
    expectRefused(
      await post(body([LINE_A]), headers(ID, { 'x-amz-firehose-access-key': '' })),
      401,
      'FIREHOSE_ACCESS_KEY',
    );
    expect(sink.writes).toEqual([]);
  });

  it('refuses a body requestId that differs from the header with 400, echoing the header id', async () => {
    const a = await post(body([LINE_A], 'other-id'));
    expectRefused(a, 400, 'FIREHOSE_REQUEST_ID', '"requestId"', '"other-id"', ID);
    expect(sink.writes).toEqual([]);
  });

  it('refuses a missing protocol version or request id header with 400', async () => {
    const h = headers();
    delete h['x-amz-firehose-protocol-version'];
    expectRefused(await post(body([LINE_A]), h), 400, 'FIREHOSE_PROTOCOL_VERSION');
    expectRefused(
      await post(body([LINE_A]), headers(ID, { 'x-amz-firehose-protocol-version': '2.0' })),
      400,
      'FIREHOSE_PROTOCOL_VERSION',
      '"2.0"',
    );
    const noId = headers();
    delete noId['x-amz-firehose-request-id'];
    const a = await post(body([LINE_A]), noId);
    expect(a.status).toBe(400);
    expect(a.json['requestId']).toBe('');
    expect(a.json['errorMessage']).toMatch(/^FIREHOSE_REQUEST_ID: /);
    expect(sink.writes).toEqual([]);
  });

  it('refuses malformed JSON with 400', async () => {
    expectRefused(await post('{"requestId": "x", '), 400, 'FIREHOSE_BAD_JSON', 'not JSON');
    expectRefused(await post(gzipSync(body([LINE_A]))), 400, 'FIREHOSE_BAD_JSON', 'Content-Encoding: gzip');
    expect(sink.writes).toEqual([]);
  });

  it('refuses bodies whose fields break §1.1, naming the field', async () => {
    const base = { requestId: ID, timestamp: 1716200400123, records: [{ data: 'YQ==' }] };
    const cases: [unknown, string, string][] = [
      [[], 'FIREHOSE_BAD_BODY', 'expected a JSON object'],
      [{ ...base, requestId: 7 }, 'FIREHOSE_REQUEST_ID', '"requestId" is 7'],
      [{ ...base, timestamp: undefined }, 'FIREHOSE_BAD_BODY', '"timestamp" is missing'],
      [{ ...base, timestamp: 1.5 }, 'FIREHOSE_BAD_BODY', '"timestamp" is 1.5'],
      [{ ...base, records: undefined }, 'FIREHOSE_BAD_BODY', '"records" is missing'],
      [{ ...base, records: [] }, 'FIREHOSE_BAD_BODY', '"records" has 0 items, expected 1 to 10000'],
      [
        { ...base, records: Array.from({ length: 10_001 }, () => ({ data: '' })) },
        'FIREHOSE_BAD_BODY',
        '"records" has 10001 items',
      ],
      [{ ...base, records: [{ data: 'YQ==' }, 'x'] }, 'FIREHOSE_BAD_BODY', 'records[1] is "x"'],
      [{ ...base, records: [{ data: 'YQ==' }, { data: 5 }] }, 'FIREHOSE_BAD_BODY', 'records[1].data is 5'],
      [{ ...base, records: [{ Data: 'YQ==' }] }, 'FIREHOSE_BAD_BODY', 'records[0].data is missing'],
    ];
    for (const [b, code, mention] of cases) {
      expectRefused(await post(JSON.stringify(b)), 400, code, mention);
    }
    expect(sink.writes).toEqual([]);
  });

  it('accepts exactly 10,000 records', async () => {
    const records = Array.from({ length: 10_000 }, (_, i) => ({
      data: Buffer.from(`line ${i}`).toString('base64'),
    }));
    expectOk(await post(JSON.stringify({ requestId: ID, timestamp: 0, records })));
    expect(sink.lines()).toHaveLength(10_000);
    expect(sink.lines()[9999]).toBe('line 9999');
  });

  it('refuses bad base64 with 400, naming the record and the character', async () => {
    const records = [{ data: 'YQ==' }, { data: 'YW%j' }];
    const a = await post(JSON.stringify({ requestId: ID, timestamp: 1, records }));
    expectRefused(a, 400, 'FIREHOSE_BAD_BASE64', 'records[1].data', 'character 3 is "%"');
    const unpadded = await post(JSON.stringify({ requestId: ID, timestamp: 1, records: [{ data: 'YQ' }] }));
    expectRefused(unpadded, 400, 'FIREHOSE_BAD_BASE64', 'records[0].data', 'multiple of 4');
    const inner = await post(JSON.stringify({ requestId: ID, timestamp: 1, records: [{ data: 'Y=Q=' }] }));
    expectRefused(inner, 400, 'FIREHOSE_BAD_BASE64', 'character 2');
    expect(sink.writes).toEqual([]);
  });

  it('refuses corrupt gzip (body or record) with 400', async () => {
    const gz = gzipSync(body([LINE_A]));
    const truncated = gz.subarray(0, gz.length - 12);
    expectRefused(
      await post(truncated, headers(ID, { 'content-encoding': 'gzip' })),
      400,
      'FIREHOSE_BAD_GZIP',
    );
    const flipped = Buffer.from(gz);
    flipped[12] = flipped[12]! ^ 0xff;
    flipped[13] = flipped[13]! ^ 0xff;
    expectRefused(await post(flipped, headers(ID, { 'content-encoding': 'gzip' })), 400, 'FIREHOSE_BAD_GZIP');
    const cwl = cwlData([LINE_A]);
    expectRefused(
      await post(body([LINE_B, cwl.subarray(0, cwl.length - 8)])),
      400,
      'FIREHOSE_BAD_RECORD',
      'records[1]',
      'SUBSCRIPTION_BAD_GZIP',
    );
    expect(sink.writes).toEqual([]);
  });

  it('refuses a record holding an invalid CloudWatch Logs document with 400, naming the field', async () => {
    const bad = gzipSync(
      JSON.stringify({ messageType: 'DATA_MESSAGE', owner: '1', logGroup: 'g', logStream: 's' }),
    );
    expectRefused(
      await post(body([bad])),
      400,
      'FIREHOSE_BAD_RECORD',
      'records[0]',
      '"logEvents" is missing',
    );
  });

  it('refuses an unknown Content-Encoding with 415', async () => {
    expectRefused(
      await post(body([LINE_A]), headers(ID, { 'content-encoding': 'br' })),
      415,
      'FIREHOSE_CONTENT_ENCODING',
      '"br"',
    );
  });

  it('refuses a body over maxBodyBytes with 413', async () => {
    opts = { ...opts, maxBodyBytes: 1000 };
    const big = body(['x'.repeat(800)]); // 800 bytes → 1068 base64 characters, plus the JSON around them
    expect(big.length).toBeGreaterThan(1000);
    expectRefused(await post(big), 413, 'FIREHOSE_TOO_LARGE', '1000 bytes');
    expectOk(await post(body(['x'.repeat(600)]))); // 800 base64 characters: under 1000 with the JSON
    expect(sink.lines()).toEqual(['x'.repeat(600)]);
  });

  it('refuses gzip bombs with 413 at the default caps, body or record, without inflating them whole', async () => {
    const member = gzipSync(Buffer.alloc(1 << 20)); // 1 MiB of zeros in about 1 KiB
    const bomb = Buffer.concat(Array.from({ length: 1024 }, () => member)); // inflates to 1 GiB
    const started = Date.now();
    const rss = process.memoryUsage().rss;
    expectRefused(await post(bomb, headers(ID, { 'content-encoding': 'gzip' })), 413, 'FIREHOSE_TOO_LARGE');
    expect(process.memoryUsage().rss - rss).toBeLessThan(512 * 1024 * 1024); // inflated whole: 1 GiB more
    const recordBomb = Buffer.concat(Array.from({ length: 512 }, () => member)); // 512 MiB
    expectRefused(await post(body([recordBomb])), 413, 'FIREHOSE_TOO_LARGE', 'records[0]');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(sink.writes).toEqual([]);
  });

  it('counts every gzip record against one maxInflatedBytes budget', async () => {
    const one = cwlData([LINE_A]);
    const size = gunzipSync(one).length; // the document's JSON text: room for one, not for two
    opts = { ...opts, maxInflatedBytes: size + size / 2 };
    expectOk(await post(body([one])));
    const a = await post(body([one, one], 'id-2'), headers('id-2'));
    expect(a.status).toBe(413);
    expect(a.json['requestId']).toBe('id-2');
    expect(a.json['errorMessage']).toMatch(/^FIREHOSE_TOO_LARGE: records\[1\]: /);
    expect(sink.lines()).toEqual([LINE_A]);
  });

  it('answers 503 and acknowledges nothing when the sink fails; the retry is stored', async () => {
    sink.failWith = new Error(`disk full ${'!'.repeat(20_000)}`);
    const a = await post(body([LINE_A]));
    expectRefused(a, 503, 'FIREHOSE_STORE_UNAVAILABLE', 'disk full');
    expect(sink.batches).toEqual([]);
    sink.failWith = undefined;
    expectOk(await post(body([LINE_A])));
    expect(sink.lines()).toEqual([LINE_A]);
  });

  it('refuses methods other than POST with 405 and Allow: POST', async () => {
    const a = await post('', headers(), 'GET');
    expectRefused(a, 405, 'FIREHOSE_METHOD', 'GET');
    expect(a.headers.get('allow')).toBe('POST');
  });
});

describe('property', () => {
  /** Lines as a loader receives them: no LF, no trailing CR, not empty, not starting with "{" (bare text). */
  const line = fc.oneof(
    fc
      .string({ unit: 'binary', minLength: 1, maxLength: 40 })
      .filter((s) => !s.includes('\n') && !s.endsWith('\r') && !s.startsWith('{')),
    fc
      .tuple(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 0, max: 1e6 }))
      .map(
        ([p, b]) =>
          `2 111122223333 eni-0a1 10.0.0.1 10.0.0.2 ${p} 443 6 1 ${b} 1716200000 1716200060 ACCEPT OK`,
      ),
  );
  /** How a group of lines becomes one record. */
  const kind = fc.constantFrom('text', 'text-newline', 'json', 'cwl', 'cwl-raw');

  it('any lines, split at random into records, gzip or not, reach the sink exactly', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.array(line, { maxLength: 5 }), kind), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        fc.boolean(),
        async (groups, gzipBody, withControl) => {
          sink = new MemorySink();
          const id = `prop-${n++}`;
          const records: Buffer[] = [];
          for (const [lines, how] of groups) {
            if (how === 'text') records.push(Buffer.from(lines.join('\n')));
            else if (how === 'text-newline') records.push(Buffer.from(lines.map((l) => `${l}\r\n`).join('')));
            else if (how === 'json')
              for (const l of lines) records.push(Buffer.from(JSON.stringify({ message: l })));
            else if (how === 'cwl') records.push(cwlData(lines));
            else records.push(rawDoc(lines));
          }
          if (withControl) records.push(CONTROL);
          if (records.length === 0) records.push(Buffer.alloc(0));
          const text = body(records, id);
          const a = await post(
            gzipBody ? gzipSync(text) : text,
            headers(id, gzipBody ? { 'content-encoding': 'gzip' } : {}),
          );
          expect(a.status).toBe(200);
          const expected = groups.flatMap(([lines]) => lines);
          expect(sink.lines()).toEqual(expected);
          expect(sink.batches.length).toBe(expected.length === 0 ? 0 : 1);
        },
      ),
      { numRuns: 60 },
    );
  });
});

/** An uncompressed §2.2 document holding `lines` as events. */
function rawDoc(lines: string[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      messageType: 'DATA_MESSAGE',
      owner: '1',
      logGroup: 'g',
      logStream: 's',
      logEvents: lines.map((message, i) => ({ id: String(i), timestamp: 0, message })),
    }),
  );
}

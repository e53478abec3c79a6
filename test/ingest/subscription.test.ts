// CloudWatch Logs subscription payloads: the pure decoder (spec ingestion-formats §2) and the forwarder endpoint
// over real loopback HTTP.

import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import {
  decodeSubscriptionPayload,
  handleSubscriptionRequest,
  type SubscriptionEndpointOptions,
  SubscriptionError,
} from '../../src/ingest/sources/subscription.js';
import { MemorySink, startServer, type TestServer } from './push-server.js';

const LINE_A =
  '2 111122223333 eni-0a1b2c3d4e5f60718 198.51.100.23 10.20.1.15 53122 443 6 12 4310 1716200105 1716200161 ACCEPT OK';
const LINE_B =
  '2 111122223333 eni-0a1b2c3d4e5f60718 10.20.1.15 198.51.100.23 443 53122 6 10 5120 1716200105 1716200161 ACCEPT OK';
const ID_1 = '38173046937311281853434467036811302813645812813158400000';
const ID_2 = '38173046937311281853434467036811302813645812813158400001';
const TOKEN = 'forwarder-token-0123456789';

/** Spec §2.2's document with a second event. */
const DOC = {
  messageType: 'DATA_MESSAGE',
  owner: '111122223333',
  logGroup: '/vpc/flowlogs',
  logStream: 'eni-0a1b2c3d4e5f60718-all',
  subscriptionFilters: ['to-netmon'],
  logEvents: [
    { id: ID_1, timestamp: 1716200105000, message: LINE_A },
    { id: ID_2, timestamp: 1716200106000, message: LINE_B },
  ],
};

/** Spec §2.2's control message, verbatim. */
const CONTROL_TEXT =
  '{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"",' +
  '"subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1680683189085,' +
  '"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}';

const gz = (v: unknown) => gzipSync(JSON.stringify(v));
const lambda = (bytes: Buffer) =>
  Buffer.from(JSON.stringify({ awslogs: { data: bytes.toString('base64') } }));

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SubscriptionError);
    expect(e).toBeInstanceOf(UserError);
    return (e as SubscriptionError).code;
  }
  throw new Error('no error thrown');
}

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('no error thrown');
}

describe('decodeSubscriptionPayload', () => {
  const expected = {
    kind: 'data',
    owner: '111122223333',
    logGroup: '/vpc/flowlogs',
    logStream: 'eni-0a1b2c3d4e5f60718-all',
    subscriptionFilters: ['to-netmon'],
    events: [
      { id: ID_1, timestamp: 1716200105000, message: LINE_A },
      { id: ID_2, timestamp: 1716200106000, message: LINE_B },
    ],
  };

  it('decodes gzip JSON, the Lambda envelope and the plain document alike', () => {
    expect(decodeSubscriptionPayload(gz(DOC))).toEqual(expected);
    expect(decodeSubscriptionPayload(lambda(gz(DOC)))).toEqual(expected);
    expect(decodeSubscriptionPayload(Buffer.from(JSON.stringify(DOC)))).toEqual(expected);
  });

  it('reports a control message as control', () => {
    expect(decodeSubscriptionPayload(gzipSync(CONTROL_TEXT))).toEqual({ kind: 'control' });
    expect(decodeSubscriptionPayload(lambda(gzipSync(CONTROL_TEXT)))).toEqual({ kind: 'control' });
  });

  it('ignores unknown keys and takes a missing subscriptionFilters as none', () => {
    const { subscriptionFilters: _, ...rest } = DOC;
    const p = decodeSubscriptionPayload(gz({ ...rest, '@aws.region': 'eu-west-1', policyLevel: 'ACCOUNT' }));
    expect(p).toEqual({ ...expected, subscriptionFilters: [] });
  });

  it('refuses what is not a payload, with a code and a message naming the problem', () => {
    expect(codeOf(() => decodeSubscriptionPayload(Buffer.from('hello')))).toBe('SUBSCRIPTION_BAD_JSON');
    expect(codeOf(() => decodeSubscriptionPayload(Buffer.alloc(0)))).toBe('SUBSCRIPTION_BAD_JSON');
    const whole = gz(DOC);
    expect(codeOf(() => decodeSubscriptionPayload(whole.subarray(0, whole.length - 10)))).toBe(
      'SUBSCRIPTION_BAD_GZIP',
    );
    expect(codeOf(() => decodeSubscriptionPayload(gzipSync('not json')))).toBe('SUBSCRIPTION_BAD_JSON');
    expect(codeOf(() => decodeSubscriptionPayload(gz([1, 2])))).toBe('SUBSCRIPTION_BAD_JSON');
    expect(codeOf(() => decodeSubscriptionPayload(gz({ ...DOC, messageType: 'DATA' })))).toBe(
      'SUBSCRIPTION_MESSAGE_TYPE',
    );
    expect(messageOf(() => decodeSubscriptionPayload(gz({ ...DOC, messageType: 'DATA' })))).toContain(
      '"DATA"',
    );
  });

  it('names the broken field', () => {
    const cases: [unknown, string][] = [
      [{ ...DOC, owner: 1 }, '"owner" is 1, expected a string'],
      [{ ...DOC, logGroup: undefined }, '"logGroup" is missing'],
      [{ ...DOC, logStream: null }, '"logStream" is null'],
      [{ ...DOC, subscriptionFilters: [1] }, '"subscriptionFilters" is [1]'],
      [{ ...DOC, logEvents: {} }, '"logEvents" is {}, expected an array'],
      [{ ...DOC, logEvents: [DOC.logEvents[0], 'x'] }, '"logEvents[1]" is "x", expected an object'],
      [{ ...DOC, logEvents: [{ ...DOC.logEvents[0], id: 5 }] }, '"logEvents[0].id" is 5'],
      [{ ...DOC, logEvents: [{ ...DOC.logEvents[0], timestamp: '1' }] }, '"logEvents[0].timestamp" is "1"'],
      [
        { ...DOC, logEvents: [DOC.logEvents[0], { ...DOC.logEvents[1], message: 7 }] },
        '"logEvents[1].message" is 7',
      ],
    ];
    for (const [doc, message] of cases) {
      expect(codeOf(() => decodeSubscriptionPayload(gz(doc)))).toBe('SUBSCRIPTION_BAD_FIELD');
      expect(messageOf(() => decodeSubscriptionPayload(gz(doc)))).toContain(message);
    }
  });

  it('refuses a bad Lambda envelope', () => {
    const env = (data: unknown) => Buffer.from(JSON.stringify({ awslogs: { data } }));
    expect(codeOf(() => decodeSubscriptionPayload(env(3)))).toBe('SUBSCRIPTION_BAD_ENVELOPE');
    expect(codeOf(() => decodeSubscriptionPayload(env('H4sI%')))).toBe('SUBSCRIPTION_BAD_ENVELOPE');
    expect(
      codeOf(() => decodeSubscriptionPayload(env(Buffer.from(JSON.stringify(DOC)).toString('base64')))),
    ).toBe('SUBSCRIPTION_BAD_ENVELOPE');
    expect(codeOf(() => decodeSubscriptionPayload(Buffer.from('{"awslogs":{}}')))).toBe(
      'SUBSCRIPTION_BAD_ENVELOPE',
    );
  });

  it('stops inflating at maxInflatedBytes (a gzip bomb)', () => {
    const member = gzipSync(Buffer.alloc(1 << 20, 0x20)); // 1 MiB of spaces in about 1 KiB
    const bomb = Buffer.concat(Array.from({ length: 64 }, () => member)); // 64 gzip members: 64 MiB
    expect(codeOf(() => decodeSubscriptionPayload(bomb, { maxInflatedBytes: 1 << 20 }))).toBe(
      'SUBSCRIPTION_TOO_LARGE',
    );
    const json = JSON.stringify(DOC);
    expect(
      codeOf(() => decodeSubscriptionPayload(gzipSync(json), { maxInflatedBytes: json.length - 1 })),
    ).toBe('SUBSCRIPTION_TOO_LARGE');
    expect(decodeSubscriptionPayload(gzipSync(json), { maxInflatedBytes: json.length }).kind).toBe('data');
  });
});

describe('handleSubscriptionRequest over HTTP', () => {
  let server: TestServer;
  let sink: MemorySink;
  let opts: SubscriptionEndpointOptions;

  beforeAll(async () => {
    server = await startServer((req) => handleSubscriptionRequest(req, sink, opts));
  });
  afterAll(() => server.close());
  beforeEach(() => {
    sink = new MemorySink();
    opts = { source: 'cwl', token: TOKEN };
  });

  async function post(body: Buffer | string, headers: Record<string, string> = {}, method = 'POST') {
    const res = await fetch(server.url, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...headers },
      body: method === 'GET' ? undefined : typeof body === 'string' ? body : new Uint8Array(body),
    });
    const text = await res.text();
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    const json = JSON.parse(text) as Record<string, unknown>;
    expect(typeof json['message']).toBe('string');
    return { status: res.status, headers: res.headers, json };
  }

  const KEY = `/vpc/flowlogs/eni-0a1b2c3d4e5f60718-all/${ID_1}-${ID_2}`;

  it('stores a raw gzip payload as one batch keyed by group, stream and event id range', async () => {
    const a = await post(gz(DOC), { 'content-type': 'application/octet-stream' });
    expect(a.status).toBe(200);
    expect(a.json).toMatchObject({ result: 'stored', lines: 2, key: KEY });
    expect(sink.batches).toEqual([
      {
        kind: 'lines',
        source: 'cwl',
        key: KEY,
        origin: `subscription://111122223333//vpc/flowlogs/eni-0a1b2c3d4e5f60718-all/${ID_1}-${ID_2}`,
        lines: [LINE_A, LINE_B],
        times: [
          { ms: 1716200105000, source: 'cwl-event' },
          { ms: 1716200106000, source: 'cwl-event' },
        ],
        format: undefined,
      },
    ]);
  });

  it('answers a repeated payload 200 duplicate and stores it once, whatever its envelope', async () => {
    expect((await post(gz(DOC))).json).toMatchObject({ result: 'stored' });
    const again = await post(lambda(gz(DOC)), { 'content-type': 'application/json' });
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ result: 'duplicate', lines: 2, key: KEY });
    expect(sink.writes).toHaveLength(2);
    expect(sink.batches).toHaveLength(1);
  });

  it('leaves JSON-wrapped event messages as they are and splits multi-line messages', async () => {
    opts = { ...opts, format: '${version}' };
    const wrapped = `{"message":"${LINE_A}"}`;
    const doc = {
      ...DOC,
      logEvents: [
        { id: '7', timestamp: 1, message: wrapped },
        { id: '9', timestamp: 2, message: `${LINE_B}\n${LINE_A}\n` },
      ],
    };
    expect((await post(gz(doc))).status).toBe(200);
    expect(sink.batches[0]).toMatchObject({
      key: '/vpc/flowlogs/eni-0a1b2c3d4e5f60718-all/7-9',
      lines: [wrapped, LINE_B, LINE_A],
      format: '${version}',
    });
  });

  it('acknowledges a control message and a payload without events, storing nothing', async () => {
    expect((await post(gzipSync(CONTROL_TEXT))).json).toMatchObject({ result: 'control', lines: 0 });
    expect((await post(gz({ ...DOC, logEvents: [] }))).json).toMatchObject({ result: 'empty', lines: 0 });
    expect(sink.writes).toEqual([]);
  });

  it('refuses a missing or wrong bearer token with 401', async () => {
    const none = await fetch(server.url, { method: 'POST', body: new Uint8Array(gz(DOC)) });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(await none.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    const wrong = await post(gz(DOC), { authorization: `Bearer ${TOKEN}x` });
    expect(wrong.status).toBe(401);
    expect(wrong.json['message']).toContain('does not match');
    const basic = await post(gz(DOC), { authorization: `Basic ${TOKEN}` });
    expect(basic.status).toBe(401);
    expect(sink.writes).toEqual([]);
  });

  it('needs no token when none is configured', async () => {
    opts = { source: 'cwl' };
    const res = await fetch(server.url, { method: 'POST', body: new Uint8Array(gz(DOC)) });
    expect(res.status).toBe(200);
    expect(sink.lines()).toEqual([LINE_A, LINE_B]);
  });

  it('refuses malformed payloads with 400 and the decoder code', async () => {
    const whole = gz(DOC);
    const cases: [Buffer, string][] = [
      [Buffer.from('not a payload'), 'SUBSCRIPTION_BAD_JSON'],
      [whole.subarray(0, whole.length - 10), 'SUBSCRIPTION_BAD_GZIP'],
      [gz({ ...DOC, logEvents: [{ id: 1 }] }), 'SUBSCRIPTION_BAD_FIELD'],
      [Buffer.from('{"awslogs":{"data":"%%%%"}}'), 'SUBSCRIPTION_BAD_ENVELOPE'],
    ];
    for (const [body, code] of cases) {
      const a = await post(body);
      expect(a.status).toBe(400);
      expect(a.json['code']).toBe(code);
    }
    expect(sink.writes).toEqual([]);
  });

  it('refuses an oversize body or inflated payload with 413', async () => {
    opts = { ...opts, maxBodyBytes: 100 };
    const big = await post(Buffer.alloc(101, 0x7b));
    expect(big.status).toBe(413);
    expect(big.json['message']).toContain('101 bytes');
    opts = { source: 'cwl', token: TOKEN, maxInflatedBytes: 1 << 20 };
    const member = gzipSync(Buffer.alloc(1 << 20));
    const bomb = await post(Buffer.concat(Array.from({ length: 32 }, () => member)));
    expect(bomb.status).toBe(413);
    expect(bomb.json['code']).toBe('SUBSCRIPTION_TOO_LARGE');
    expect(sink.writes).toEqual([]);
  });

  it('answers 503 when the sink fails, and stores the retry', async () => {
    sink.failWith = new Error('database is locked');
    const a = await post(gz(DOC));
    expect(a.status).toBe(503);
    expect(a.json).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(a.json['message']).toContain('database is locked');
    expect(sink.batches).toEqual([]);
    sink.failWith = undefined;
    expect((await post(gz(DOC))).json).toMatchObject({ result: 'stored' });
  });

  it('refuses methods other than POST with 405', async () => {
    const a = await post('', {}, 'GET');
    expect(a.status).toBe(405);
    expect(a.headers.get('allow')).toBe('POST');
  });
});

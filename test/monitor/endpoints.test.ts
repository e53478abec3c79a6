// The monitor's push endpoints against hostile and careless senders, over loopback: credentials are checked
// before any body byte is read, bodies are cut at their limit as they stream, the body bytes held at once are
// bounded (503 + Retry-After in each protocol's shape), an endpoint never runs without its secret unless told
// to on loopback, and /healthz lists every configured source.

import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/core/logger.js';
import { handleFirehoseRequest } from '../../src/ingest/sources/firehose.js';
import { handleSubscriptionRequest } from '../../src/ingest/sources/subscription.js';
import { type Monitor, startMonitor } from '../../src/monitor/monitor.js';
import { MemorySink } from '../ingest/push-server.js';

const T = 1716199200;
const line = (port: number) =>
  `2 111122223333 eni-a 203.0.113.9 10.0.1.10 ${port} 22 6 1 44 ${T + 10} ${T + 11} REJECT OK`;
const MiB = 1024 * 1024;

let dir: string;
let monitor: Monitor;

function config(sources: string, monitorExtra = '') {
  return parseConfig(
    'flowwatch.yaml',
    `sources:\n${sources}\nmonitor: { listen: "127.0.0.1:0", stateDir: "${join(dir, `state-${Math.random()}`)}", flushMillis: 20${monitorExtra} }\n`,
  );
}

const SOURCES = `  - { name: fh, type: firehose, path: /firehose, accessKeyEnv: FH_KEY, maxBodyMegabytes: 1 }
  - { name: fwd, type: subscription, path: /subscription, tokenEnv: SUB_TOKEN, maxBodyMegabytes: 1 }`;

function firehoseHeaders(id: string, key = 'k3y'): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-amz-firehose-protocol-version': '1.0',
    'x-amz-firehose-request-id': id,
    'x-amz-firehose-access-key': key,
  };
}

function firehoseBody(id: string, lines: readonly string[]): string {
  return JSON.stringify({
    requestId: id,
    timestamp: Date.now(),
    records: lines.map((l) => ({ data: Buffer.from(`${l}\n`).toString('base64') })),
  });
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: Record<string, unknown>;
}

/**
 * A POST whose body is written in `chunks` without ending the request unless `end`: resolves with the answer as
 * soon as it arrives (the rest of the body unsent), and reports how many body bytes were written by then.
 */
function slowPost(
  url: string,
  headers: Record<string, string>,
  chunks: readonly Buffer[],
  end = false,
): { answer: Promise<Answer & { written: number }>; abort(): void } {
  let written = 0;
  const req = request(url, { method: 'POST', headers });
  req.on('error', () => undefined); // the server closes the connection after refusing
  req.flushHeaders();
  const answer = new Promise<Answer & { written: number }>((resolve, reject) => {
    req.on('response', (res) => {
      const at = written;
      let text = '';
      res.on('data', (c: Buffer) => {
        text += c.toString();
      });
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json: JSON.parse(text), written: at });
        } catch (e) {
          reject(e);
        }
      });
    });
  });
  void (async () => {
    for (const c of chunks) {
      if (req.destroyed) return;
      await new Promise<void>((r) => req.write(c, () => r()));
      written += c.length;
    }
    if (end) req.end();
  })();
  return { answer, abort: () => req.destroy() };
}

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([
    p,
    new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`no answer within ${ms} ms`)), ms)),
  ]);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-endpoints-'));
  monitor = await startMonitor({
    config: config(SOURCES, ', maxBodyMegabytesInFlight: 2'),
    db: join(dir, 'm.duckdb'),
    log: createLogger(() => undefined),
    env: { FH_KEY: 'k3y', SUB_TOKEN: 't0ken' },
  });
});
afterAll(async () => {
  await monitor?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('credentials before the body', () => {
  it('refuses a Firehose request without its key before reading the body', async () => {
    const headers = firehoseHeaders('no-key');
    delete headers['x-amz-firehose-access-key'];
    const half = Buffer.alloc(512 * 1024, 0x20); // under the 1 MiB limit, and the request never ends
    const p = slowPost(`${monitor.url}/firehose`, headers, [half]);
    const a = await within(p.answer, 2000);
    p.abort();
    expect(a.status).toBe(401);
    expect(a.json['errorMessage']).toMatch(/^FIREHOSE_ACCESS_KEY: missing/);
    expect(a.json['requestId']).toBe('no-key');
  });

  it('refuses a subscription request with a wrong token before reading the body', async () => {
    const p = slowPost(
      `${monitor.url}/subscription`,
      { authorization: 'Bearer nope', 'content-type': 'application/octet-stream' },
      [Buffer.alloc(512 * 1024, 0x20)],
    );
    const a = await within(p.answer, 2000);
    p.abort();
    expect(a.status).toBe(401);
    expect(a.json).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('never accepts an empty key header, even if the configured key were empty', async () => {
    const sink = new MemorySink();
    const body = Buffer.from(firehoseBody('e', [line(1)]));
    const res = await handleFirehoseRequest(
      { method: 'POST', headers: firehoseHeaders('e', ''), body },
      sink,
      { source: 'fh', accessKey: '' },
    );
    expect(res.status).toBe(401);
    const sub = await handleSubscriptionRequest(
      { method: 'POST', headers: { authorization: 'Bearer ' }, body: Buffer.from('{}') },
      sink,
      { source: 'fwd', token: '' },
    );
    expect(sub.status).toBe(401);
    expect(sink.writes).toHaveLength(0);
  });
});

describe('bodies streamed into their limit', () => {
  it('answers 413 as soon as a Firehose body passes its limit, without reading the rest', async () => {
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    const p = slowPost(`${monitor.url}/firehose`, firehoseHeaders('big'), Array(40).fill(chunk)); // 10 MiB
    const a = await within(p.answer, 5000);
    p.abort();
    expect(a.status).toBe(413);
    expect(a.json['errorMessage']).toMatch(/^FIREHOSE_TOO_LARGE: /);
    expect(a.written).toBeLessThan(4 * MiB); // answered near the 1 MiB limit, not after 10 MiB
  });

  it('answers an oversize subscription body 413 in its own shape, not Firehose’s', async () => {
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    const p = slowPost(
      `${monitor.url}/subscription`,
      { authorization: 'Bearer t0ken', 'content-type': 'application/octet-stream' },
      Array(8).fill(chunk),
      true,
    );
    const a = await within(p.answer, 5000);
    p.abort();
    expect(a.status).toBe(413);
    expect(a.json['code']).toBe('TOO_LARGE');
    expect(a.json['message']).toMatch(/1048576 bytes/);
    expect(a.json).not.toHaveProperty('errorMessage');
    expect(a.json).not.toHaveProperty('requestId');
  });

  it('answers 413 at once when Content-Length already says too much', async () => {
    const p = slowPost(
      `${monitor.url}/firehose`,
      { ...firehoseHeaders('cl'), 'content-length': String(5 * MiB) },
      [],
    );
    const a = await within(p.answer, 2000);
    p.abort();
    expect(a.status).toBe(413);
    expect(a.json['errorMessage']).toMatch(/Content-Length 5242880/);
  });

  it('bounds the body bytes held at once: 503 with Retry-After beyond it, then takes requests again', async () => {
    // Two requests each hold 0.9 MiB of the 2 MiB budget (their bodies never end); a third cannot fit.
    const part = Buffer.alloc(900 * 1024, 0x20);
    const holders = [0, 1].map((i) =>
      slowPost(`${monitor.url}/firehose`, firehoseHeaders(`hold-${i}`), [part]),
    );
    await new Promise((r) => setTimeout(r, 300));
    const third = slowPost(`${monitor.url}/firehose`, firehoseHeaders('third'), [part]);
    const a = await within(third.answer, 3000);
    third.abort();
    expect(a.status).toBe(503);
    expect(a.headers['retry-after']).toBe('2');
    expect(a.json['requestId']).toBe('third');
    expect(a.json['errorMessage']).toMatch(/^FIREHOSE_BUSY: /);
    const sub = slowPost(
      `${monitor.url}/subscription`,
      { authorization: 'Bearer t0ken', 'content-type': 'application/octet-stream' },
      [part],
    );
    const b = await within(sub.answer, 3000);
    sub.abort();
    expect(b.status).toBe(503);
    expect(b.json).toMatchObject({ code: 'BUSY' });

    for (const h of holders) h.abort(); // the senders go away: their bytes are given back
    await new Promise((r) => setTimeout(r, 300));
    const ok = await fetch(`${monitor.url}/firehose`, {
      method: 'POST',
      headers: firehoseHeaders('after'),
      body: firehoseBody('after', [line(7)]),
    });
    expect(ok.status).toBe(200);
  });
});

describe('body budget by Content-Length', () => {
  it('reserves a declared body at once: one that cannot fit is answered 503 before any byte is read', async () => {
    const declared = { 'content-length': String(Math.floor(0.9 * MiB)) };
    const holders = [0, 1].map((i) =>
      slowPost(`${monitor.url}/firehose`, { ...firehoseHeaders(`cl-hold-${i}`), ...declared }, [
        Buffer.alloc(1024, 0x20),
      ]),
    );
    await new Promise((r) => setTimeout(r, 300));
    const third = slowPost(`${monitor.url}/firehose`, { ...firehoseHeaders('cl-third'), ...declared }, []);
    const a = await within(third.answer, 3000);
    third.abort();
    for (const h of holders) h.abort();
    expect(a.status).toBe(503);
    expect(a.json['errorMessage']).toMatch(/^FIREHOSE_BUSY: /);
    await new Promise((r) => setTimeout(r, 300));
  });
});

describe('one copy per subscription payload', () => {
  it('stores the same payload POSTed twice at once once', async () => {
    const payload = gzipSync(
      JSON.stringify({
        messageType: 'DATA_MESSAGE',
        owner: '111122223333',
        logGroup: '/vpc/flow',
        logStream: 'eni-a-all',
        subscriptionFilters: ['all'],
        logEvents: [
          { id: '3001', timestamp: T * 1000, message: line(3001) },
          { id: '3002', timestamp: T * 1000, message: line(3002) },
        ],
      }),
    );
    const post = () =>
      fetch(`${monitor.url}/subscription`, {
        method: 'POST',
        headers: { authorization: 'Bearer t0ken', 'content-type': 'application/octet-stream' },
        body: payload,
      }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> }));
    const [a, b] = await Promise.all([post(), post()]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect([a.json['result'], b.json['result']].sort()).toEqual(['duplicate', 'stored']);
    const n = await monitor.store.query('SELECT count(*) AS n FROM flows WHERE srcport IN (3001, 3002)');
    expect(Number(n.rows[0]!['n'])).toBe(2);
  });
});

describe('/healthz', () => {
  it('lists every configured source with its kind, records, rejects, lag and last error', async () => {
    const id = 'health-1';
    const r = await fetch(`${monitor.url}/firehose`, {
      method: 'POST',
      headers: firehoseHeaders(id),
      body: firehoseBody(id, [line(9001), line(9002), 'not a flow log record']),
    });
    expect(r.status).toBe(200);
    const bad = await fetch(`${monitor.url}/firehose`, {
      method: 'POST',
      headers: firehoseHeaders('health-2', 'wrong'),
      body: '{}',
    });
    expect(bad.status).toBe(401);
    const h = (await (
      await fetch(`${monitor.url}/healthz`, { headers: { authorization: `Bearer ${monitor.token}` } })
    ).json()) as { sources: Record<string, unknown>[] };
    expect(h.sources.map((s) => [s['name'], s['kind']])).toEqual([
      ['fh', 'firehose'],
      ['fwd', 'subscription'],
    ]);
    const fh = h.sources[0]!;
    // Earlier tests stored port 7 (1 record); this one 2 records and 1 reject.
    expect(fh).toMatchObject({ records: 3, rejects: 1 });
    expect(fh['lagSeconds']).toEqual(expect.any(Number));
    expect(fh['lastError']).toMatch(/^HTTP 401 FIREHOSE_ACCESS_KEY: /);
    const fwd = h.sources[1]!;
    expect(fwd).toMatchObject({ records: 2, rejects: 0, lastError: expect.stringMatching(/^HTTP 503 BUSY/) });
  });
});

describe('an endpoint never runs without its secret', () => {
  const start = (sources: string, env: Record<string, string>, listen?: string) =>
    startMonitor({
      config: config(sources),
      db: join(dir, `refused-${Math.random()}.duckdb`),
      log: createLogger(() => undefined),
      env,
      ...(listen ? { listen } : {}),
    });

  it.each([
    [
      'the access key variable is unset',
      SOURCES,
      { SUB_TOKEN: 't' },
      /FH_KEY \(its accessKeyEnv\) is not set/,
    ],
    ['the access key variable is empty', SOURCES, { FH_KEY: '', SUB_TOKEN: 't' }, /FH_KEY .* is empty/],
    ['the token variable is unset', SOURCES, { FH_KEY: 'k' }, /SUB_TOKEN \(its tokenEnv\) is not set/],
    [
      'no accessKeyEnv at all',
      '  - { name: open, type: firehose, path: /firehose }',
      {},
      /"open" \(firehose\) has no accessKeyEnv/,
    ],
  ])('refuses to start when %s, naming the variable and what to do', async (_n, sources, env, message) => {
    const err = await start(sources, env).then(
      (m) => m.stop().then(() => undefined),
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'MONITOR_NO_SECRET' });
    expect((err as Error).message).toMatch(message);
    expect((err as { hint: string }).hint).toMatch(/allowUnauthenticated: true/);
  });

  it('allowUnauthenticated is honoured on loopback only', async () => {
    const sources = '  - { name: open, type: firehose, path: /firehose, allowUnauthenticated: true }';
    await expect(start(sources, {}, '0.0.0.0:0')).rejects.toMatchObject({
      code: 'MONITOR_NO_SECRET',
      message: expect.stringMatching(/only honoured on loopback/),
    });
    const m = await start(sources, {});
    try {
      const headers = firehoseHeaders('open-1');
      delete headers['x-amz-firehose-access-key'];
      const r = await fetch(`${m.url}/firehose`, {
        method: 'POST',
        headers,
        body: firehoseBody('open-1', [line(1)]),
      });
      expect(r.status).toBe(200);
    } finally {
      await m.stop();
    }
  });
});

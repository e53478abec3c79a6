// The CLI launcher sizes Node's thread pool before anything uses it: in a spawned `flowwatch serve`, as many
// slow dashboard queries as may run at once (half the pool) leave a Firehose POST answered promptly. Were the
// pool still Node's default 4, those 8 queries would hold every thread and the POST would wait for them.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = resolve(import.meta.dirname, '../../bin/flowwatch.js');
const T = 1716199200;
let dir: string;
let child: ChildProcess | undefined;
let url: string;
let token: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-pool-'));
  const config = join(dir, 'flowwatch.yaml');
  writeFileSync(config, 'sources:\n  - { name: fh, type: firehose, accessKeyEnv: FH_KEY }\n');
  const env: NodeJS.ProcessEnv = { ...process.env, FH_KEY: 'k3y', FLOWWATCH_DB: '' };
  delete env['UV_THREADPOOL_SIZE'];
  const c = spawn(
    'node',
    [
      BIN,
      'serve',
      '--port',
      '0',
      '--config',
      config,
      '--db',
      join(dir, 's.duckdb'),
      '--state-dir',
      join(dir, 'state'),
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child = c;
  url = await new Promise<string>((res, rej) => {
    let err = '';
    const timer = setTimeout(() => rej(new Error(`serve did not start:\n${err}`)), 30_000);
    c.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /flowwatch dashboard: (http:\/\/[\d.:]+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        res(m[1]!);
      }
    });
    c.on('exit', (code) => rej(new Error(`serve exited with ${code}:\n${err}`)));
  });
  token = readFileSync(join(dir, 'state', 'api-token'), 'utf8').trim();
}, 40_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((f) => child!.once('exit', f));
    child.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('flowwatch serve', () => {
  it('answers a Firehose POST promptly while 8 slow queries run', async () => {
    const slow = Array.from({ length: 8 }, () =>
      fetch(`${url}/api/sql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ sql: 'SELECT sleep_ms(6000) AS s' }),
      }),
    );
    await new Promise((f) => setTimeout(f, 500));
    const line = `2 111122223333 eni-a 203.0.113.9 10.0.1.10 40000 22 6 1 44 ${T} ${T + 60} REJECT OK`;
    const t0 = performance.now();
    const r = await fetch(`${url}/firehose`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-amz-firehose-protocol-version': '1.0',
        'x-amz-firehose-request-id': 'req-pool-1',
        'x-amz-firehose-access-key': 'k3y',
      },
      body: JSON.stringify({
        requestId: 'req-pool-1',
        timestamp: Date.now(),
        records: [{ data: Buffer.from(`${line}\n`).toString('base64') }],
      }),
    });
    const ms = performance.now() - t0;
    expect(r.status, await r.text()).toBe(200);
    expect(ms).toBeLessThan(3_000);
    const done = await Promise.all(slow);
    expect(done.map((x) => x.status)).toEqual(done.map(() => 200));
  }, 30_000);
});

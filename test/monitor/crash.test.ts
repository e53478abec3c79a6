// The monitor killed with SIGKILL while Firehose requests are in flight: after a restart, Firehose's retries
// (every request again, acknowledged or not) leave exactly one copy of every record; SIGTERM stops it cleanly.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

const BIN = resolve(import.meta.dirname, '../../bin/flowwatch.js');
const REQUESTS = 20;
const PER_REQUEST = 500;
const T = 1716199200;

let dir: string;
let child: ChildProcess | undefined;

function start(): Promise<{ child: ChildProcess; url: string }> {
  const c = spawn(
    'node',
    [BIN, 'monitor', '--config', join(dir, 'flowwatch.yaml'), '--db', join(dir, 'm.duckdb'), '--log', 'json'],
    {
      env: { ...process.env, FH_KEY: 'k3y', FLOWWATCH_DB: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return new Promise((res, rej) => {
    let err = '';
    const timer = setTimeout(() => rej(new Error(`monitor did not start:\n${err}`)), 30_000);
    c.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/[\d.:]+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        res({ child: c, url: m[1]! });
      }
    });
    c.on('exit', (code) => rej(new Error(`monitor exited with ${code}:\n${err}`)));
  });
}

function lines(req: number): string[] {
  return Array.from({ length: PER_REQUEST }, (_, i) => {
    const port = req * PER_REQUEST + i; // every record distinct
    return `2 111122223333 eni-a 203.0.113.9 10.0.1.10 ${port} 22 6 1 44 ${T + (i % 60)} ${T + 61} REJECT OK`;
  });
}

async function send(url: string, req: number): Promise<number> {
  try {
    const body = JSON.stringify({
      requestId: `req-${req}`,
      timestamp: Date.now(),
      records: lines(req).map((l) => ({ data: Buffer.from(`${l}\n`).toString('base64') })),
    });
    const r = await fetch(`${url}/firehose`, {
      method: 'POST',
      headers: {
        'x-amz-firehose-protocol-version': '1.0',
        'x-amz-firehose-request-id': `req-${req}`,
        'x-amz-firehose-access-key': 'k3y',
      },
      body,
    });
    return r.status;
  } catch {
    return 0; // connection dropped by the kill
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-crash-'));
  writeFileSync(
    join(dir, 'flowwatch.yaml'),
    `sources:
  - { name: firehose, type: firehose, path: /firehose, accessKeyEnv: FH_KEY }
monitor: { listen: "127.0.0.1:0", stateDir: "${join(dir, 'state')}", flushMillis: 200 }
`,
  );
});
afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('monitor crash safety', () => {
  it('loses and repeats no record across kill -9 and Firehose retries, and stops cleanly on SIGTERM', async () => {
    const first = await start();
    child = first.child;
    const firstExit = new Promise((r) => first.child.once('exit', r));
    const statuses = new Map<number, Promise<number>>();
    for (let i = 0; i < REQUESTS; i++) {
      statuses.set(i, send(first.url, i));
      if (i === REQUESTS / 2) {
        await statuses.get(0);
        first.child.kill('SIGKILL');
      }
    }
    const before = await Promise.all(statuses.values());
    expect(before.filter((s) => s === 200).length).toBeGreaterThan(0);
    await firstExit;

    const second = await start();
    child = second.child;
    // Firehose retries every request that was not acknowledged; we send them all again.
    const after = await Promise.all(Array.from({ length: REQUESTS }, (_, i) => send(second.url, i)));
    expect(after).toEqual(Array(REQUESTS).fill(200));
    const exit = new Promise<number | null>((r) => second.child.once('exit', (code) => r(code)));
    second.child.kill('SIGTERM');
    expect(await exit).toBe(0);
    child = undefined;

    const q = await runCli([
      'sql',
      '--db',
      join(dir, 'm.duckdb'),
      '--output',
      'json',
      'SELECT count(*) AS n, count(DISTINCT srcport) AS d FROM flows',
    ]);
    expect(q.err).toBe('');
    expect(JSON.parse(q.out)).toEqual([{ n: REQUESTS * PER_REQUEST, d: REQUESTS * PER_REQUEST }]);
    // The deferred rollups (killed before any catch-up, the next start rolls those files up, the stop the rest):
    // every file rolled up once, nothing left pending; every record is a rejected one, so the rollup's flows equal
    // the records.
    const r = await runCli([
      'sql',
      '--db',
      join(dir, 'm.duckdb'),
      '--output',
      'json',
      `SELECT (SELECT sum(flows)::BIGINT FROM reject_rollup) AS flows,
         (SELECT count(*) FROM rollup_pending) AS pending,
         (SELECT count(*) FROM files f WHERE NOT EXISTS
           (SELECT 1 FROM overview_rollup_files o WHERE o.file_id = f.id)) AS without`,
    ]);
    expect(r.err).toBe('');
    expect(JSON.parse(r.out)).toEqual([{ flows: REQUESTS * PER_REQUEST, pending: 0, without: 0 }]);
  }, 120_000);
});

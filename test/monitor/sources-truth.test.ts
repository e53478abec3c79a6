// Every configured source tells the same truth in /healthz, /metrics and /api/sources: a folder of gzip files
// (whose records only the sink counts), plain-text files, a Firehose and a subscription endpoint, and a folder
// whose file cannot be committed. Expected counts worked out by hand from the lines written and posted.

import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/core/logger.js';
import { type Monitor, startMonitor } from '../../src/monitor/monitor.js';
import { registerApi } from '../../src/server/api.js';
import type { SourcesResponse } from '../../src/server/api-contract.js';

const T = 1716199200;
const line = (port: number) =>
  `2 111122223333 eni-a 203.0.113.9 10.0.1.10 ${port} 22 6 1 44 ${T + 10} ${T + 11} REJECT OK`;
const BAD = 'not a flow log record';

let dir: string;
let monitor: Monitor;
let start: () => Promise<Monitor>;

const auth = () => ({ authorization: `Bearer ${monitor.token}` });
type Health = { sources: Record<string, unknown>[] };
const healthz = async () =>
  (await (await fetch(`${monitor.url}/healthz`, { headers: auth() })).json()) as Health;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-sources-'));
  const drop = join(dir, 'drop');
  const broken = join(dir, 'broken');
  mkdirSync(join(drop, '2024', '05'), { recursive: true });
  mkdirSync(broken);
  mkdirSync(join(dir, 'again'));
  // drop: a.log.gz 5 records; 2024/05/b.log.gz 3 records + 1 rejected line; c.log 2 records.
  // Total 10 records, 1 reject; before any of this the Sources page said "Records 2" (c.log's lines only).
  writeFileSync(join(drop, 'a.log.gz'), gzipSync(`${[1, 2, 3, 4, 5].map(line).join('\n')}\n`));
  writeFileSync(
    join(drop, '2024', '05', 'b.log.gz'),
    gzipSync(`${[line(6), BAD, line(7), line(8)].join('\n')}\n`),
  );
  writeFileSync(join(drop, 'c.log'), `${line(9)}\n${line(10)}\n`);
  // broken: a ".gz" that is binary junk, not gzip: its commit fails, every poll.
  writeFileSync(join(broken, 'junk.gz'), Buffer.from([0, 1, 2, 3, 0, 255, 254, 0, 7, 0, 0, 9]));
  const config = parseConfig(
    'flowwatch.yaml',
    `sources:
  - { name: drop, type: directory, path: "${drop}", pollSeconds: 0.1, settleSeconds: 0 }
  - { name: broken, type: directory, path: "${broken}", pollSeconds: 0.1, settleSeconds: 0 }
  - { name: again, type: directory, path: "${join(dir, 'again')}", pollSeconds: 0.1, settleSeconds: 0 }
  - { name: fh, type: firehose, path: /firehose, accessKeyEnv: FH_KEY }
  - { name: fwd, type: subscription, path: /subscription, allowUnauthenticated: true }
monitor: { listen: "127.0.0.1:0", stateDir: "${join(dir, 'state')}", flushMillis: 20 }
`,
  );
  start = () =>
    startMonitor({
      config,
      db: join(dir, 'm.duckdb'),
      log: createLogger(() => undefined),
      env: { FH_KEY: 'k3y' },
      register: (app, parts) =>
        registerApi(app, { store: parts.store, config: parts.config, monitor: parts }),
    });
  monitor = await start();
  // fh: 2 records + 1 rejected line stored; one request refused (wrong key).
  const fh = (id: string, key: string, lines: readonly string[]) =>
    fetch(`${monitor.url}/firehose`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-amz-firehose-protocol-version': '1.0',
        'x-amz-firehose-request-id': id,
        'x-amz-firehose-access-key': key,
      },
      body: JSON.stringify({
        requestId: id,
        timestamp: Date.now(),
        records: lines.map((l) => ({ data: Buffer.from(`${l}\n`).toString('base64') })),
      }),
    });
  expect((await fh('r1', 'k3y', [line(101), BAD, line(102)])).status).toBe(200);
  expect((await fh('r2', 'wrong', [line(103)])).status).toBe(401);
  // fwd: 3 records + 1 rejected line, no errors.
  const sub = await fetch(`${monitor.url}/subscription`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: gzipSync(
      JSON.stringify({
        messageType: 'DATA_MESSAGE',
        owner: '111122223333',
        logGroup: '/vpc/flow',
        logStream: 'eni-a-all',
        subscriptionFilters: ['all'],
        logEvents: [201, 202, 203]
          .map((p) => ({ id: String(p), timestamp: T * 1000, message: line(p) }))
          .concat([{ id: '204', timestamp: T * 1000, message: BAD }]),
      }),
    ),
  });
  expect(sub.status).toBe(200);
  // Wait (at most 15 s) for the folders to be read and the broken file to fail.
  const until = Date.now() + 15_000;
  for (;;) {
    const h = await healthz();
    const by = new Map(h.sources.map((s) => [s['name'], s]));
    if (by.get('drop')?.['records'] === 10 && by.get('broken')?.['lastError'] != null) break;
    if (Date.now() > until) throw new Error(`the folders were not read in time: ${JSON.stringify(h)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // again: a copy of drop's a.log.gz, once that is stored: not stored twice, but credited (5 records).
  copyFileSync(join(drop, 'a.log.gz'), join(dir, 'again', 'copy-of-a.log.gz'));
  for (;;) {
    const h = await healthz();
    if (h.sources.find((s) => s['name'] === 'again')?.['records'] === 5) break;
    if (Date.now() > until) throw new Error(`the copy was not read in time: ${JSON.stringify(h)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 30_000);

afterAll(async () => {
  await monitor?.stop();
  rmSync(dir, { recursive: true, force: true });
});

// name → [kind, batches, records, rejects]
const EXPECTED: Record<string, [string, number, number, number]> = {
  drop: ['directory', 3, 10, 1], // two gzip files and one text chunk
  broken: ['directory', 0, 0, 0],
  again: ['directory', 1, 5, 0], // the copy of a stored file
  fh: ['firehose', 1, 2, 1],
  fwd: ['subscription', 1, 3, 1],
};

describe('every source, in /healthz, /metrics and /api/sources', () => {
  it('/healthz: each source with its committed records and rejects, lag, errors and last error', async () => {
    const h = await healthz();
    expect(h.sources.map((s) => s['name'])).toEqual(['drop', 'broken', 'again', 'fh', 'fwd']);
    for (const s of h.sources) {
      const [kind, batches, records, rejects] = EXPECTED[String(s['name'])]!;
      expect(s, String(s['name'])).toMatchObject({ kind, batches, records, rejects });
    }
    const by = new Map(h.sources.map((s) => [s['name'], s]));
    expect(by.get('drop')).toMatchObject({ errors: 0, lastError: null, lagSeconds: expect.any(Number) });
    expect(by.get('broken')).toMatchObject({ lagSeconds: null, lastBatchAt: null });
    expect(by.get('broken')!['lastError']).toMatch(/^commit failed: /);
    expect(by.get('broken')!['errors']).toBeGreaterThanOrEqual(1);
    expect(Date.parse(String(by.get('broken')!['lastErrorAt']))).toBeGreaterThan(0);
    expect(by.get('fh')).toMatchObject({ errors: 1, lastError: expect.stringMatching(/^HTTP 401 /) });
    expect(by.get('fwd')).toMatchObject({ errors: 0, lastError: null });
  });

  it('/metrics: a series per source for records, rejects and batches, and lag and error times', async () => {
    const m = await (await fetch(`${monitor.url}/metrics`, { headers: auth() })).text();
    for (const [name, [kind, batches, records, rejects]] of Object.entries(EXPECTED)) {
      const l = `{source="${name}",kind="${kind}"}`;
      expect(m).toContain(`flowwatch_source_records_total${l} ${records}\n`);
      expect(m).toContain(`flowwatch_source_rejects_total${l} ${rejects}\n`);
      expect(m).toContain(`flowwatch_source_batches_total${l} ${batches}\n`);
    }
    expect(m).toContain('flowwatch_source_errors_total{source="fh",kind="firehose"} 1\n');
    expect(m).toMatch(/flowwatch_source_lag_seconds\{source="fwd",kind="subscription"\} \d+\n/);
    // No lag for a source that never committed; its last error has a time, a clean source's is 0.
    expect(m).not.toContain('flowwatch_source_lag_seconds{source="broken"');
    expect(m).toMatch(
      /flowwatch_source_last_error_timestamp_seconds\{source="broken",kind="directory"\} [1-9]/,
    );
    expect(m).toContain(
      'flowwatch_source_last_error_timestamp_seconds{source="fwd",kind="subscription"} 0\n',
    );
    // Records stored once: 10 + 2 + 3 records, 1 + 1 + 1 rejects (the copy in again/ was not stored twice).
    expect(m).toContain('flowwatch_records_stored_total 15\n');
    expect(m).toContain('flowwatch_records_rejected_total 3\n');
  });

  it('/api/sources: the same sources and numbers as /healthz', async () => {
    const r = await fetch(`${monitor.url}/api/sources`, { headers: auth() });
    expect(r.status).toBe(200);
    const api = (await r.json()) as SourcesResponse;
    const h = await healthz();
    expect(api.sources.map((s) => s.name)).toEqual(['drop', 'broken', 'again', 'fh', 'fwd']);
    for (const s of api.sources) {
      const [kind, batches, records, rejects] = EXPECTED[s.name]!;
      expect(s, s.name).toMatchObject({ kind, batches, records, rejects });
      const hs = h.sources.find((x) => x['name'] === s.name)!;
      // "broken" fails on every poll (0.1 s): /healthz, read after /api/sources, may have counted more since.
      if (s.name === 'broken') {
        expect(s.errors, s.name).toBeGreaterThanOrEqual(1);
        expect(hs['errors'] as number, s.name).toBeGreaterThanOrEqual(s.errors);
      } else expect(s.errors, s.name).toBe(hs['errors']);
      expect(s.lastError ?? null, s.name).toBe(hs['lastError']);
    }
    const by = new Map(api.sources.map((s) => [s.name, s]));
    expect(by.get('drop')!.lagSeconds).toEqual(expect.any(Number));
    expect(by.get('drop')!.lastBatchAt).toBeGreaterThan(T);
    expect(by.get('broken')!.lagSeconds).toBeUndefined();
    expect(by.get('broken')!.lastError).toMatch(
      /junk\.gz: is neither a flow log text file, gzip nor Parquet/,
    );
    expect(api.recordsStored).toBe(15);
    expect(api.recordsRejected).toBe(3);
  });

  it('after a restart, still what each source stored (a folder already read is not "0 records")', async () => {
    const before = await healthz();
    await monitor.stop();
    monitor = await start();
    await new Promise((r) => setTimeout(r, 500)); // a few polls of the folders: nothing new to read
    const h = await healthz();
    for (const s of h.sources) {
      const [kind, batches, records, rejects] = EXPECTED[String(s['name'])]!;
      expect(s, String(s['name'])).toMatchObject({ kind, batches, records, rejects });
      const was = before.sources.find((x) => x['name'] === s['name'])!;
      // The batch's time is stored with its keys and read back: the same instant before and after the restart
      // (it used to be the transaction's start against the clock after the commit: seconds apart under load).
      expect(s['lastBatchAt'], String(s['name'])).toBe(was['lastBatchAt']);
    }
    const api = (await (
      await fetch(`${monitor.url}/api/sources`, { headers: auth() })
    ).json()) as SourcesResponse;
    expect(api.sources.map((s) => [s.name, s.records, s.rejects])).toEqual([
      ['drop', 10, 1],
      ['broken', 0, 0],
      ['again', 5, 0],
      ['fh', 2, 1],
      ['fwd', 3, 1],
    ]);
    const m = await (await fetch(`${monitor.url}/metrics`, { headers: auth() })).text();
    expect(m).toContain('flowwatch_source_records_total{source="drop",kind="directory"} 10\n');
  });
});

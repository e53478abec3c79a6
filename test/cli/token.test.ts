// The API token on the terminal: `serve` prints it only on the start that creates it (never again into logs),
// `flowwatch token show` prints it on demand, and `flowwatch token rotate` replaces it, the old one refused by a
// running monitor within a second, without a restart.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { parseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/core/logger.js';
import { type Monitor, startMonitor } from '../../src/monitor/monitor.js';
import { io } from '../support/capture-io.js';

const BIN = resolve(import.meta.dirname, '../../bin/flowwatch.js');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-token-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts `flowwatch serve`, waits for its banner, stops it with SIGTERM; returns everything it printed. */
function serveOnce(stateDir: string): Promise<string> {
  const c: ChildProcess = spawn(
    'node',
    [
      BIN,
      'serve',
      '--port',
      '0',
      '--db',
      join(dir, 's.duckdb'),
      '--state-dir',
      stateDir,
      '--config',
      join(dir, 'none.yaml'),
    ],
    { env: { ...process.env, FLOWWATCH_DB: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error(`serve did not start:\n${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (/Ctrl-C to stop/.test(out)) c.kill('SIGTERM');
    };
    c.stdout!.on('data', onData);
    c.stderr!.on('data', onData);
    c.on('exit', () => {
      clearTimeout(timer);
      res(out);
    });
  });
}

describe('flowwatch serve', () => {
  it('prints the token on the start that creates it, and never again', async () => {
    const state = join(dir, 'serve-state');
    const first = await serveOnce(state);
    const token = readFileSync(join(state, 'api-token'), 'utf8').trim();
    expect(token).toMatch(/^fw_/);
    expect(first).toContain(token);
    const second = await serveOnce(state);
    expect(second).toContain('flowwatch dashboard: http://');
    expect(second).toContain('flowwatch token show');
    expect(second).not.toContain(token);
  });
});

describe('flowwatch token', () => {
  it('show prints the token; without one it says how to get one', async () => {
    const empty = io();
    expect(await main(['token', 'show', '--state-dir', join(dir, 'nothing')], empty)).not.toBe(0);
    expect(empty.stderr).toContain('flowwatch token rotate');

    const state = join(dir, 'show-state');
    const r = io();
    expect(await main(['token', 'rotate', '--state-dir', state], r)).toBe(0);
    const s = io();
    expect(await main(['token', 'show', '--state-dir', state], s)).toBe(0);
    expect(s.stdout).toBe(r.stdout);
    expect(s.stdout.trim()).toBe(readFileSync(join(state, 'api-token'), 'utf8').trim());
    expect(statSync(join(state, 'api-token')).mode & 0o777).toBe(0o600);
  });

  it('rotate refuses the old token and accepts the new one on a running monitor, without a restart', async () => {
    const state = join(dir, 'rotate-state');
    let monitor: Monitor | undefined;
    try {
      monitor = await startMonitor({
        config: parseConfig(join(dir, 'flowwatch.yaml'), 'metricFilters: []\n'),
        db: join(dir, 'r.duckdb'),
        log: createLogger(() => undefined),
        env: {},
        listen: '127.0.0.1:0',
        stateDir: state,
      });
      const old = monitor.token;
      const health = (t: string) =>
        fetch(`${monitor!.url}/healthz`, { headers: { authorization: `Bearer ${t}` } }).then((x) => x.status);
      expect(await health(old)).toBe(200);
      const r = io();
      expect(await main(['token', 'rotate', '--state-dir', state], r)).toBe(0);
      const next = r.stdout.trim();
      expect(next).toMatch(/^fw_/);
      expect(next).not.toBe(old);
      // The server re-reads the file at most once a second.
      const deadline = Date.now() + 5_000;
      while ((await health(old)) !== 401 && Date.now() < deadline)
        await new Promise((f) => setTimeout(f, 100));
      expect(await health(old)).toBe(401);
      expect(await health(next)).toBe(200);
      expect(monitor.token).toBe(next);
    } finally {
      await monitor?.stop();
    }
  });
});

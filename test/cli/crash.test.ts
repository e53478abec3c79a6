// kill -9 in the middle of an ingest, then the same ingest again: exact counts, no file twice, none missing.

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/simulate/manifest.js';

const BIN = resolve(import.meta.dirname, '../../bin/flowwatch.js');
let dir: string;
let corpus: string;
let manifest: Manifest;

function fw(args: string[]): { code: number; out: string } {
  const r = spawnSync('node', [BIN, ...args], { encoding: 'utf8', timeout: 180_000 });
  return { code: r.status ?? -1, out: r.stdout };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-crash-'));
  corpus = join(dir, 'sim');
  expect(
    fw([
      'simulate',
      '--out',
      corpus,
      '--records',
      '480000',
      '--days',
      '1',
      '--seed',
      '3',
      '--start',
      '2025-01-01T00:00:00Z',
    ]).code,
  ).toBe(0);
  manifest = JSON.parse(readFileSync(join(corpus, 'manifest.json'), 'utf8'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts an ingest and SIGKILLs it after `ms` milliseconds (or lets it finish if it is faster). */
function killedIngest(db: string, ms: number): Promise<number | null> {
  return new Promise((res) => {
    const child = spawn('node', [BIN, 'ingest', corpus, '--db', db, '--json', '--concurrency', '1'], {
      stdio: 'ignore',
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (code) => {
      clearTimeout(timer);
      res(code);
    });
  });
}

describe('crash safety', () => {
  it('an ingest killed with SIGKILL and run again stores every record exactly once', async () => {
    // Time a full run, then kill runs at fractions of it until one is cut in the middle.
    const t0 = performance.now();
    const full = fw(['ingest', corpus, '--db', join(dir, 'full.duckdb'), '--json', '--concurrency', '1']);
    const fullMs = performance.now() - t0;
    expect(JSON.parse(full.out).records).toBe(manifest.records);

    let checked = false;
    for (const fraction of [0.5, 0.35, 0.65, 0.25, 0.8]) {
      const db = join(dir, `killed-${fraction}.duckdb`);
      const code = await killedIngest(db, fullMs * fraction);
      if (code === 0) continue; // finished before the kill: try an earlier moment
      const rerun = fw(['ingest', corpus, '--db', db, '--json', '--concurrency', '1']);
      expect(rerun.code).toBe(0);
      const s = JSON.parse(rerun.out);
      const files = manifest.files.length;
      expect(s.loaded + s.duplicates).toBe(files);
      const n = JSON.parse(
        fw(['sql', 'SELECT count(*) AS n, count(DISTINCT file_id) AS f FROM flows', '--db', db, '-o', 'json'])
          .out,
      )[0];
      expect(n).toEqual({ n: manifest.records, f: files });
      const perFile = JSON.parse(
        fw([
          'sql',
          'SELECT f.records, count(*) AS stored FROM flows JOIN files f ON f.id = flows.file_id GROUP BY f.id, f.records',
          '--db',
          db,
          '-o',
          'json',
        ]).out,
      );
      for (const row of perFile) expect(row.stored).toBe(row.records);
      if (s.duplicates > 0 && s.loaded > 0) {
        checked = true; // the kill landed between files: some were committed, the rest loaded now
        break;
      }
    }
    expect(checked).toBe(true);
  });

  it('Ctrl-C (SIGINT) stops cleanly: exit 130, a message, no scratch files left, and a rerun loads the rest', async () => {
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    const db = join(dir, 'interrupted.duckdb');
    const result = await new Promise<{ code: number | null; err: string }>((res) => {
      const child = spawn('node', [BIN, 'ingest', corpus, '--db', db, '--concurrency', '1'], {
        env: { ...process.env, TMPDIR: tmp },
      });
      let err = '';
      child.stderr.on('data', (d) => {
        err += d;
      });
      // Interrupt once the scratch folder exists (the load has started).
      const poll = setInterval(() => {
        if (readdirSync(tmp).length > 0) {
          clearInterval(poll);
          setTimeout(() => child.kill('SIGINT'), 200);
        }
      }, 20);
      child.on('exit', (code) => {
        clearInterval(poll);
        res({ code, err });
      });
    });
    // 480k records take seconds to load; the signal comes 200 ms after the load started.
    expect(result.code).toBe(130);
    expect(result.err).toMatch(/interrupted \(SIGINT\); files loaded so far are kept/);
    expect(readdirSync(tmp)).toEqual([]);
    const rerun = JSON.parse(fw(['ingest', corpus, '--db', db, '--json']).out);
    expect(rerun.loaded + rerun.duplicates).toBe(manifest.files.length);
    const n = JSON.parse(fw(['sql', 'SELECT count(*) AS n FROM flows', '--db', db, '-o', 'json']).out)[0].n;
    expect(n).toBe(manifest.records);
  });
});

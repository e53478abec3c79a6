// kill -9 in the middle of an ingest, then the same ingest again: exact counts, no file twice, none missing.
//
// The ingest processes are real child processes, killed for real (SIGKILL, SIGINT). Where they are killed comes
// from src/core/crash-points.ts: FLOWWATCH_TEST_KILL makes a child SIGKILL itself at a named point (between two
// batch commits, or inside a batch's transaction before its COMMIT), and FLOWWATCH_TEST_BATCH_PAUSE_MS keeps a
// child in the middle of its ingest for as long as a test needs. So a small corpus (24 files, 24k records) is
// enough: no timer racing a large one (480k records ingested five times, 43 CPU-s, and a kill that under load
// could land before the first commit).

import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/simulate/manifest.js';
import { runCli, runCliInProcess } from '../support/run-cli.js';

const BIN = resolve(import.meta.dirname, '../../bin/flowwatch.js');
let dir: string;
let corpus: string;
let manifest: Manifest;

/** The reruns after a kill, in this process: what is checked is the store the killed process left. */
async function fw(args: string[]): Promise<{ code: number; out: string }> {
  return runCliInProcess(args, { timeoutMs: 180_000 });
}

/** The checks of what a run stored (`flowwatch sql`), in this process: a child's start-up costs ~0.5 CPU-s. */
async function sql(db: string, text: string): Promise<Record<string, unknown>[]> {
  const r = await runCliInProcess(['sql', text, '--db', db, '-o', 'json']);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-crash-'));
  corpus = join(dir, 'sim');
  expect(
    (
      await runCliInProcess([
        'simulate',
        '--out',
        corpus,
        '--records',
        '24000',
        '--days',
        '1',
        '--seed',
        '3',
        '--start',
        '2025-01-01T00:00:00Z',
      ])
    ).code,
  ).toBe(0);
  manifest = JSON.parse(readFileSync(join(corpus, 'manifest.json'), 'utf8'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The run folders of ingests started with TMPDIR=`tmp` (src/ingest/scratch.ts). */
function runFolders(tmp: string): string[] {
  const root = join(tmp, `flowwatch-scratch-${process.getuid?.() ?? 'user'}`);
  return existsSync(root) ? readdirSync(root).sort() : [];
}

/** Starts an ingest of the corpus with TMPDIR=`tmp` and resolves once its run folder holds a scratch file. */
function startedIngest(
  tmp: string,
  db: string,
): Promise<{ child: ReturnType<typeof spawn>; folder: string }> {
  const before = new Set(runFolders(tmp));
  // Each batch waits a minute before it loads: the run stays in the middle of its ingest until it is killed.
  const child = spawn('node', [BIN, 'ingest', corpus, '--db', db, '--concurrency', '1'], {
    env: { ...process.env, TMPDIR: tmp, FLOWWATCH_TEST_BATCH_PAUSE_MS: '60000' },
    stdio: 'ignore',
  });
  return new Promise((res, rej) => {
    const poll = setInterval(() => {
      const folder = runFolders(tmp).find((f) => !before.has(f) && !f.startsWith('.new-'));
      const root = join(tmp, `flowwatch-scratch-${process.getuid?.() ?? 'user'}`);
      if (folder && readdirSync(join(root, folder)).some((f) => f.startsWith('normal-'))) {
        clearInterval(poll);
        res({ child, folder });
      }
    }, 20);
    child.on('exit', (code) => {
      clearInterval(poll);
      rej(new Error(`ingest exited (${code}) before its scratch files appeared`));
    });
  });
}

function killed(child: ReturnType<typeof spawn>): Promise<void> {
  return new Promise((res) => {
    child.on('exit', () => res());
    child.kill('SIGKILL');
  });
}

/** Batches of 5,000 lines: the corpus (24 files of about 1,000 records) commits in several transactions. */
const BATCH = ['--concurrency', '1', '--batch-lines', '5000'];

/** Runs an ingest that SIGKILLs itself at `point` (src/core/crash-points.ts); resolves to its exit. */
function killedIngest(db: string, point: string): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((res) => {
    const child = spawn('node', [BIN, 'ingest', corpus, '--db', db, '--json', ...BATCH], {
      env: { ...process.env, FLOWWATCH_TEST_KILL: point },
      stdio: 'ignore',
    });
    child.on('exit', (code, signal) => res({ code, signal }));
  });
}

/** Runs the same ingest again on a killed run's store: every record exactly once, no file twice, none missing. */
async function rerunComplete(db: string): Promise<{ loaded: number; duplicates: number }> {
  const rerun = await fw(['ingest', corpus, '--db', db, '--json', ...BATCH]);
  expect(rerun.code).toBe(0);
  const s = JSON.parse(rerun.out);
  const files = manifest.files.length;
  expect(s.loaded + s.duplicates).toBe(files);
  const n = (await sql(db, 'SELECT count(*) AS n, count(DISTINCT file_id) AS f FROM flows'))[0];
  expect(n).toEqual({ n: manifest.records, f: files });
  const perFile = await sql(
    db,
    'SELECT f.records, count(*) AS stored FROM flows JOIN files f ON f.id = flows.file_id GROUP BY f.id, f.records',
  );
  expect(perFile).toHaveLength(files);
  for (const row of perFile) expect(row.stored).toBe(row.records);
  return { loaded: s.loaded, duplicates: s.duplicates };
}

describe('crash safety', () => {
  it('an ingest killed with SIGKILL and run again stores every record exactly once', async () => {
    expect(manifest.files.length).toBe(24);
    // Killed right after its second batch committed: those files are kept, the rerun loads the rest.
    const between = join(dir, 'killed-between.duckdb');
    expect(await killedIngest(between, 'batch-committed:2')).toEqual({ code: null, signal: 'SIGKILL' });
    const kept = await rerunComplete(between);
    expect(kept.duplicates).toBeGreaterThan(0);
    expect(kept.loaded).toBeGreaterThan(0);

    // Killed inside its third batch's transaction, that batch's rows written but not committed: the store
    // keeps exactly the two committed batches (the same files as above), nothing of the third.
    const inside = join(dir, 'killed-inside.duckdb');
    expect(await killedIngest(inside, 'batch-commit:3')).toEqual({ code: null, signal: 'SIGKILL' });
    const keptInside = await rerunComplete(inside);
    expect(keptInside).toEqual(kept);

    // Killed inside its first batch's transaction: nothing was committed, the rerun loads every file.
    const first = join(dir, 'killed-first.duckdb');
    expect(await killedIngest(first, 'batch-commit:1')).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await rerunComplete(first)).toEqual({ loaded: 24, duplicates: 0 });
  }, 120_000);

  it('Ctrl-C (SIGINT) stops cleanly: exit 130, a message, no scratch files left, and a rerun loads the rest', async () => {
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    const db = join(dir, 'interrupted.duckdb');
    const result = await new Promise<{ code: number | null; err: string }>((res) => {
      // Each batch waits 30 s before it loads: the signal finds the run in the middle of its ingest.
      const child = spawn('node', [BIN, 'ingest', corpus, '--db', db, '--concurrency', '1'], {
        env: { ...process.env, TMPDIR: tmp, FLOWWATCH_TEST_BATCH_PAUSE_MS: '30000' },
      });
      let err = '';
      child.stderr.on('data', (d) => {
        err += d;
      });
      // Interrupt once the run's scratch folder exists (the load has started).
      const poll = setInterval(() => {
        if (runFolders(tmp).length > 0) {
          clearInterval(poll);
          setTimeout(() => child.kill('SIGINT'), 200);
        }
      }, 20);
      child.on('exit', (code) => {
        clearInterval(poll);
        res({ code, err });
      });
    });
    // The run waits 30 s before its batch loads; the signal comes 200 ms after the load started.
    expect(result.code).toBe(130);
    expect(result.err).toMatch(/interrupted \(SIGINT\); files loaded so far are kept/);
    expect(runFolders(tmp)).toEqual([]);
    const rerun = JSON.parse((await fw(['ingest', corpus, '--db', db, '--json'])).out);
    expect(rerun.loaded + rerun.duplicates).toBe(manifest.files.length);
    const n = (await sql(db, 'SELECT count(*) AS n FROM flows'))[0]!['n'];
    expect(n).toBe(manifest.records);
  });

  it("scratch left by a SIGKILLed ingest is removed by the next run, never a live run's", async () => {
    const tmp = join(dir, 'tmp-kill');
    mkdirSync(tmp);
    const small = join(dir, 'small.log');
    writeFileSync(
      small,
      '2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.5 10.0.2.5 40000 443 6 3 1200 1716200000 1716200060 ACCEPT OK\n',
    );
    // A: killed with its scratch copies on disk.
    const a = await startedIngest(tmp, join(dir, 'scratch-a.duckdb'));
    await killed(a.child);
    expect(runFolders(tmp)).toEqual([a.folder]);
    // B: a live run; starting it removes A's folder.
    const b = await startedIngest(tmp, join(dir, 'scratch-b.duckdb'));
    expect(runFolders(tmp)).toEqual([b.folder]);
    // C: a short run while B is still loading leaves B's folder alone and removes its own.
    const c = await runCli(['ingest', small, '--db', join(dir, 'scratch-c.duckdb')], {
      env: { ...process.env, TMPDIR: tmp },
    });
    expect(c.code).toBe(0);
    expect(b.child.exitCode).toBeNull();
    expect(runFolders(tmp)).toEqual([b.folder]);
    // B killed too: the next run removes its folder.
    await killed(b.child);
    const d = await runCli(['ingest', small, '--db', join(dir, 'scratch-d.duckdb')], {
      env: { ...process.env, TMPDIR: tmp },
    });
    expect(d.code).toBe(0);
    expect(runFolders(tmp)).toEqual([]);
  }, 120_000);
});

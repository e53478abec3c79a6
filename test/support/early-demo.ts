// vitest globalSetup: when the whole suite runs (`npm test` sets FLOWWATCH_EARLY_DEMO=1 when given no arguments),
// `flowwatch demo` starts before the first test file, so that by the time the dashboard's end-to-end test
// (test/e2e/dashboard.test.ts) runs, the demo's live SSH brute force has had its minutes and the rejected-ssh
// alarm has fired in real time. Without it that test waits about two minutes doing nothing, holding one of the
// suite's two workers. The demo's output goes to a log file whose path the test reads with `inject`; when the
// variable is not set (a single file run), the test starts its own demo as before.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

/** What the dashboard test needs to find the early demo. */
export interface EarlyDemo {
  /** The demo's stderr, where it prints `Dashboard: <url>` once it serves. */
  readonly log: string;
  /** Unix seconds when it was started (the live stream, and its brute force, begin after this). */
  readonly startedAt: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    earlyDemo: EarlyDemo | null;
  }
}

const root = resolve(import.meta.dirname, '../..');

export default function setup(project: TestProject): (() => Promise<void>) | undefined {
  const wanted =
    process.env['FLOWWATCH_EARLY_DEMO'] === '1' &&
    // Chromium there, or being installed beside the suite (test/support/test-tools.ts).
    (existsSync('/usr/bin/chromium') || (process.env['FLOWWATCH_TEST_TOOLS'] ?? '') !== '') &&
    existsSync(join(root, 'dist/web/index.html'));
  if (!wanted) {
    project.provide('earlyDemo', null);
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'fw-early-demo-'));
  const log = join(dir, 'demo.log');
  const fd = openSync(log, 'a');
  const startedAt = Math.floor(Date.now() / 1000);
  const demo: ChildProcess = spawn(
    process.execPath,
    [join(root, 'bin/flowwatch.js'), 'demo', '--dir', join(dir, 'demo'), '--records', '20000', '--port', '0'],
    { stdio: ['ignore', 'ignore', fd], env: { ...process.env, FLOWWATCH_DB: '' } },
  );
  project.provide('earlyDemo', { log, startedAt });
  // If vitest ends without running the teardown (a crash), the demo must not outlive it.
  const orphan = () => demo.kill('SIGKILL');
  process.once('exit', orphan);
  return async () => {
    process.off('exit', orphan);
    if (demo.exitCode === null && demo.signalCode === null) {
      const exited = new Promise((r) => demo.once('exit', r));
      demo.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (demo.exitCode === null && demo.signalCode === null) demo.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
}

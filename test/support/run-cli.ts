// Runs a child process (or the flowwatch CLI) for tests WITHOUT blocking the vitest worker's event loop.
//
// Rule: tests never use spawnSync/execFileSync/execSync (test/support/no-sync-children.test.ts enforces it).
// A synchronous child call freezes the worker; vitest's worker→main RPC has a fixed 60 s setTimeout, so a
// run of sync CLI calls longer than that fails the whole run ("Timeout calling onTaskUpdate") even when
// every test passed. Use instead:
//   const r = await runCli(['sql', q, '--db', db], { cwd, env, input, timeoutMs });   // node bin/flowwatch.js …
//   const r = await runProcess('node', ['-e', '0'], { cwd, env, input, timeoutMs });  // any command
// Both resolve (never reject on a bad exit) to { code, out, err, pid, timedOut }: code is the exit status,
// or -1 when the child was ended by a signal (as spawnSync's `status ?? -1` was). At timeoutMs (default
// 60 s) the child is SIGKILLed, timedOut is true and err ends with a line saying so.
// A file's local helper keeps its name and becomes async: `async function fw(args) { return runCli(args, …) }`.

import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';

export const BIN = resolve(import.meta.dirname, '../../bin/flowwatch.js');

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, which is then closed (stdin is closed at once when absent). */
  readonly input?: string;
  /** The child is SIGKILLed after this many milliseconds (default 60 000). */
  readonly timeoutMs?: number;
}

export interface RunResult {
  /** Exit status; -1 when the child was ended by a signal (e.g. killed at the timeout). */
  readonly code: number;
  readonly out: string;
  readonly err: string;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly pid: number | undefined;
}

export function runProcess(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    // A child that exits without reading its stdin makes the write fail with EPIPE: not the test's concern.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      fail(new Error(`runProcess: could not run ${cmd} ${args.join(' ')}: ${e.message}`));
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      let errText = Buffer.concat(err).toString('utf8');
      if (timedOut)
        errText += `\n[runProcess] ${cmd} ${args.join(' ')} did not finish within ${timeoutMs} ms and was killed (SIGKILL)\n`;
      done({
        code: status ?? -1,
        out: Buffer.concat(out).toString('utf8'),
        err: errText,
        signal,
        timedOut,
        pid: child.pid,
      });
    });
  });
}

/** Runs `node bin/flowwatch.js ...args` (the built CLI in dist/: run `npm run build` first). */
export function runCli(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return runProcess(process.execPath, [BIN, ...args], opts);
}

let inProcessQueue: Promise<unknown> = Promise.resolve();

/**
 * Runs `flowwatch ...args` in this process through `main` (src/cli/main.ts), as `runCli` runs the built bin in a
 * child: same options and result (signal null, never timedOut, pid this process's). For tests about what a
 * command does rather than about the process: a child costs about 0.4 CPU-seconds of Node start-up and module
 * loading, a call here a few milliseconds. `cwd` is this process's working directory while the command runs
 * (calls are queued one at a time for that); `env` is the command's environment (default process.env). No
 * timeout: a command that hangs fails the test at vitest's.
 */
export function runCliInProcess(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const run = async (): Promise<RunResult> => {
    const { main } = await import('../../src/cli/main.js');
    let out = '';
    let err = '';
    const io = {
      out: (t: string) => {
        out += t;
      },
      err: (t: string) => {
        err += t;
      },
      isTTY: false,
      stdin: Readable.from(opts.input === undefined ? [] : [opts.input]),
      env: opts.env ?? process.env,
    };
    const home = process.cwd();
    if (opts.cwd !== undefined) process.chdir(opts.cwd);
    try {
      const code = await main(args, io).catch((e: unknown) => {
        err += `flowwatch: internal error: ${e instanceof Error ? e.stack : String(e)}\n`;
        return 70;
      });
      return { code, out, err, signal: null, timedOut: false, pid: process.pid };
    } finally {
      process.chdir(home);
    }
  };
  const result = inProcessQueue.then(run, run);
  inProcessQueue = result.catch(() => undefined);
  return result;
}

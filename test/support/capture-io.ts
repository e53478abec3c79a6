// An Io for running CLI commands in-process: collects what they print, with empty stdin and no environment.

import { Readable } from 'node:stream';
import type { Io } from '../../src/cli/context.js';
import { main } from '../../src/cli/main.js';

/** A fresh Io whose output is kept in `stdout` and `stderr`. */
export function io(): Io & { stdout: string; stderr: string } {
  const o = {
    stdout: '',
    stderr: '',
    out: (t: string) => {
      o.stdout += t;
    },
    err: (t: string) => {
      o.stderr += t;
    },
    isTTY: false,
    stdin: Readable.from([]),
    env: {},
  };
  return o;
}

/** Runs a flowwatch command in-process (`main` with a fresh `io()`): its exit code and what it printed. */
export async function runMain(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  const c = io();
  const code = await main(args, c);
  return { code, out: c.stdout, err: c.stderr };
}

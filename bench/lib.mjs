// Helpers shared by the benchmarks: run a child process measuring wall time and peak RSS, list corpus files, medians.

import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Runs a command, returning wall seconds, peak RSS (VmHWM polled from /proc) and stdout. */
export function run(cmd, argv, opts = {}) {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'], ...opts });
    let out = '';
    let peakKb = 0;
    child.stdout.on('data', (d) => {
      out += d;
    });
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        // the process has just exited
      }
    }, 50);
    child.on('error', rej);
    child.on('exit', (code) => {
      clearInterval(poll);
      if (code !== 0) rej(new Error(`${cmd} ${argv.join(' ')} exited with ${code}`));
      else res({ seconds: (performance.now() - t0) / 1000, peakMb: peakKb / 1024, out });
    });
  });
}

/** Every `.log.gz` file under `dir`, sorted. */
export function files(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else if (e.name.endsWith('.log.gz')) out.push(p);
  }
  return out.sort();
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

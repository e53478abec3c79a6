// Helpers shared by the benchmarks: run a child process measuring wall time and peak RSS, list corpus files, medians.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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

/**
 * run() through GNU time: also the child's CPU seconds (user + system) and its peak RSS as the kernel counts it,
 * for benchmarks on a loaded machine where wall time says little. Needs /usr/bin/time; the child's stderr is
 * passed through except time's own line.
 */
export function runCpu(cmd, argv, opts = {}) {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-f', 'FWCPU %U %S %M', cmd, ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...opts,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', rej);
    child.on('exit', (code) => {
      const m = /FWCPU ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(err);
      process.stderr.write(m ? err.slice(0, m.index) : err);
      if (code !== 0) rej(new Error(`${cmd} ${argv.join(' ')} exited with ${code}`));
      else
        res({
          seconds: (performance.now() - t0) / 1000,
          cpuSeconds: m ? Number(m[1]) + Number(m[2]) : Number.NaN,
          peakMb: m ? Number(m[3]) / 1024 : Number.NaN,
          out,
        });
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

/**
 * The simulated corpus the benchmarks share, generated once: `records` records of one day (2026-01-05, seed 7)
 * in bench/data/corpus-<format>-<records>, `format` = `default` (14 fields) or `v5` (the simulator's 29).
 * Returns its folder.
 */
export async function ensureCorpus(root, format, records) {
  const data = join(root, 'bench', 'data');
  const corpus = join(data, `corpus-${format}-${records}`);
  mkdirSync(data, { recursive: true });
  if (!existsSync(join(corpus, 'manifest.json'))) {
    process.stderr.write(`generating a ${records}-record corpus in ${corpus} (once)...\n`);
    rmSync(corpus, { recursive: true, force: true });
    await run('node', [
      join(root, 'bin', 'flowwatch.js'),
      'simulate',
      '--out',
      corpus,
      '--records',
      String(records),
      '--days',
      '1',
      '--seed',
      '7',
      '--start',
      '2026-01-05T00:00:00Z',
      ...(format === 'default' ? ['--format', 'default'] : []),
    ]);
  }
  return corpus;
}

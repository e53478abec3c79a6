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

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat (Linux; clock ticks of 10 ms). */
export function cpuSecondsOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/**
 * The floor of the live ingestion benches: DuckDB alone (no flowwatch code) storing default-format flow `lines` as the
 * sink stores them, `<line number> <record>` read by read_csv with typed columns and inserted into a table of the
 * same columns, in commits of `perCommit` lines (BEGIN, INSERT, COMMIT) into a database file, `commits` times, in
 * a child process. Returns records/s (wall) and CPU microseconds per record (the child's user + system time,
 * DuckDB's threads included).
 */
export async function duckdbFloor(root, lines, perCommit, commits) {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'fw-bench-floor-'));
  try {
    const chunk = lines.slice(0, perCommit);
    writeFileSync(join(dir, 'lines.txt'), `${chunk.map((l, i) => `${i + 1} ${l}`).join('\n')}\n`);
    const child = `
      const { DuckDBInstance } = require(${JSON.stringify(join(root, 'node_modules', '@duckdb', 'node-api'))});
      (async () => {
        const db = await DuckDBInstance.create(${JSON.stringify(join(dir, 'floor.duckdb'))});
        const c = await db.connect();
        const cols = "'ln': 'BIGINT', 'version': 'INTEGER', 'account_id': 'VARCHAR', 'interface_id': 'VARCHAR', 'srcaddr': 'VARCHAR', 'dstaddr': 'VARCHAR', 'srcport': 'INTEGER', 'dstport': 'INTEGER', 'protocol': 'INTEGER', 'packets': 'BIGINT', 'bytes': 'BIGINT', 'start': 'BIGINT', 'end': 'BIGINT', 'action': 'VARCHAR', 'log_status': 'VARCHAR'";
        await c.run('CREATE TABLE t (' + cols.replaceAll("'", '').replaceAll(':', '').replace('end ', '"end" ') + ')');
        const read = "read_csv(" + ${JSON.stringify(`'${join(dir, 'lines.txt')}'`)} + ", columns = {" + cols + "}, header = false, delim = ' ', quote = '', escape = '', auto_detect = false, nullstr = '-')";
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        for (let i = 0; i < ${commits}; i++) {
          await c.run('BEGIN');
          await c.run('INSERT INTO t SELECT * FROM ' + read);
          await c.run('COMMIT');
        }
        const cpu = process.cpuUsage(c0);
        process.stdout.write(JSON.stringify({ seconds: (performance.now() - t0) / 1000, cpu: (cpu.user + cpu.system) / 1e6 }));
        c.closeSync();
        db.closeSync();
      })();`;
    const r = await run(process.execPath, ['-e', child]);
    const { seconds, cpu } = JSON.parse(r.out);
    const records = chunk.length * commits;
    return {
      recordsPerSecond: Math.round(records / seconds),
      cpuMicrosPerRecord: Number(((cpu * 1e6) / records).toFixed(2)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

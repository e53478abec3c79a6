// `npm test`: the checks, then the test suite. The steps that do not depend on each other run side by side
// (on a 2-core machine the type checks are single-threaded and the tool installs wait on the network), and the
// build is skipped when scripts/build-stamp.mjs says it is up to date with its sources (as it is right after
// `npm ci`, whose `prepare` step builds). Arguments go to vitest: `npm test -- test/detect`.
//
//   build:  (when stale; the tests run dist/)
//   then, side by side:
//     suite:  vitest run
//     tools:  ensure-test-tools (Debian's chromium and awscli, installed when missing); the files that drive them
//             wait for it (test/support/test-tools.ts) and start after the longest files
//     checks: tsc (tests, benches; src and the dashboard are checked by the build) | biome; their output is
//             printed after the suite's
//
// The checks used to run before the suite: about 30 s in which one core idled (tsc is single-threaded) while the
// suite waited. A failed check still fails the command, after the suite.

import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const node = process.execPath;
const bin = (name) => resolve(root, 'node_modules', '.bin', name);

/** Runs a command with its output captured; resolves to { code, out, seconds }. */
function run(cmd, args) {
  return new Promise((done) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (err) => done({ code: 1, out: `${out}${err.message}\n`, seconds: 0 }));
    child.on('close', (code) => done({ code: code ?? 1, out, seconds: (performance.now() - t0) / 1000 }));
  });
}

/** A finished step's report: its mark, label, seconds and output. */
function report(label, r) {
  const tail = r.out.trim() ? `\n${r.out.trimEnd()}\n` : '\n';
  return `${r.code === 0 ? '-' : '✗'} ${label} (${r.seconds.toFixed(1)} s)${tail}`;
}

/** A chain of steps: stops at the first failure. Prints each step's output when it ends. */
async function chain(steps) {
  for (const [label, cmd, args, when] of steps) {
    if (when && !(await when())) {
      process.stdout.write(`- ${label}: up to date, skipped\n`);
      continue;
    }
    const r = await run(cmd, args);
    process.stdout.write(report(label, r));
    if (r.code !== 0) return { ok: false, label };
  }
  return { ok: true };
}

const stale = async () => (await run(node, ['scripts/build-stamp.mjs', 'check'])).code !== 0;
const built = await chain([['build', 'npm', ['run', 'build', '--silent'], stale]]);
if (!built.ok) {
  process.stderr.write('\nnpm test stopped before the suite: the build failed (output above).\n');
  process.exit(1);
}

// The Debian tools (chromium, awscli) install beside the suite, not before it: on a fresh machine apt takes about
// 20 s in which the suite's other files need neither. The files that drive them wait for the marker written here
// when the install ends (test/support/test-tools.ts) and start after the longest files (test/support/sequencer.ts).
const toolsMissing = ['/usr/bin/chromium', '/usr/bin/aws'].some((p) => !existsSync(p));
const toolsMarker = toolsMissing ? join(mkdtempSync(join(tmpdir(), 'fw-test-tools-')), 'settled') : '';
const tools = toolsMissing
  ? run(node, ['scripts/ensure-test-tools.mjs']).then((r) => {
      writeFileSync(toolsMarker, String(r.code));
      return { ...r, line: report('test tools (chromium, awscli)', r) };
    })
  : Promise.resolve({ code: 0, line: '- test tools (chromium, awscli): installed\n' });
if (toolsMissing) process.stdout.write('- test tools (chromium, awscli): installing beside the suite\n');

/**
 * `cmd args` at the lowest CPU priority where `nice` exists: the checks use the cores when the suite's workers leave
 * them idle (a test waiting on a socket, a timer, a child) instead of taking turns with them (decision record 76).
 */
const niced = (cmd, args) =>
  existsSync('/usr/bin/nice') ? ['/usr/bin/nice', ['-n', '19', cmd, ...args]] : [cmd, args];

/** The checks, side by side with the suite: output kept and printed after it (not inside vitest's). */
const checks = (async () => {
  const kept = [];
  const quietChain = async (steps) => {
    for (const [label, cmd, args] of steps) {
      const r = await run(cmd, args);
      kept.push(report(label, r));
      if (r.code !== 0) return { ok: false, label };
    }
    return { ok: true };
  };
  const results = await Promise.all([
    // src is type-checked by the build (tsconfig.build.json, run by `npm ci`'s prepare or above when stale, with
    // the same compiler options); the tests and benches are checked against its declarations (dist/*.d.ts,
    // tsconfig.test.json references tsconfig.build.json), not by checking src a second time: 27 CPU-s, not 45.
    quietChain([['type check (tests, benches)', ...niced(bin('tsc'), ['-p', 'tsconfig.test.json'])]]),
    // The dashboard is type-checked by the build too (scripts/build.mjs, beside the library's tsc; the stamp is
    // written only after it passed), no longer here beside the suite: 10 CPU-s.
    quietChain([['lint (biome)', ...niced(bin('biome'), ['check', '.'])]]),
  ]);
  return { kept, failed: results.filter((r) => !r.ok).map((r) => r.label) };
})();
process.stdout.write('- type checks and lint: running beside the suite, results after it\n');

// The whole suite (no arguments) starts the demo the dashboard test needs first: test/support/early-demo.ts.
const args = process.argv.slice(2);
// The test processes size Node's libuv thread pool as bin/flowwatch.js does for the product (16): every DuckDB
// query holds a pool thread while it runs, and a worker running two monitors, a dashboard in Chromium and the
// CLI in-process starved with Node's default of 4 (a test hung for 60 s twice in about 12 whole-suite runs).
// The tests' temporary folders (stores, spools, state folders: hundreds of DuckDB commits and durable writes) go to
// a memory file system when the machine has one with room: an fsync there costs microseconds instead of the 3–8 ms
// it costs on this disk, time in which a test waits and its core idles. Nothing the tests check depends on the disk:
// the crash tests kill processes, and a killed process's writes survive in tmpfs as in the page cache.
// FLOWWATCH_TEST_TMPDIR=<dir> chooses another folder. The run's folders go into one folder of its own, removed
// when the suite ends: what a test leaves behind (the CDK's cdk.out folders, a killed child's files) must not
// accumulate in memory from run to run.
const testTmp = (() => {
  const wanted = process.env['FLOWWATCH_TEST_TMPDIR'];
  if (wanted) return wanted;
  try {
    const fs = statfsSync('/dev/shm');
    if (fs.bavail * fs.bsize < 8 * 1024 ** 3) return undefined;
    accessSync('/dev/shm', constants.W_OK);
    return mkdtempSync('/dev/shm/flowwatch-test-');
  } catch {
    return undefined;
  }
})();
const removeTestTmp = () => {
  if (testTmp && !process.env['FLOWWATCH_TEST_TMPDIR']) rmSync(testTmp, { recursive: true, force: true });
  if (toolsMarker) rmSync(dirname(toolsMarker), { recursive: true, force: true });
};
process.once('exit', removeTestTmp);
for (const signal of ['SIGINT', 'SIGTERM'])
  process.once(signal, () => {
    removeTestTmp();
    process.exit(130);
  });
if (testTmp) process.stdout.write(`- temporary folders of the tests: ${testTmp}\n`);
const env = {
  ...process.env,
  ...(testTmp ? { TMPDIR: testTmp } : {}),
  UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE || '16',
  ...(args.length === 0 ? { FLOWWATCH_EARLY_DEMO: '1' } : {}),
  FLOWWATCH_TEST_TOOLS: toolsMarker,
};
const vitest = spawn(bin('vitest'), ['run', ...args], { cwd: root, stdio: 'inherit', env });
const suiteCode = await new Promise((done) =>
  vitest.on('close', (code, signal) => done(code ?? (signal ? 1 : 0))),
);
const { kept, failed } = await checks;
const toolsResult = await tools;
process.stdout.write(`\n${toolsResult.line}${kept.join('')}`);
if (toolsResult.code !== 0) failed.unshift('the test tools (chromium, awscli)');
if (failed.length > 0) {
  process.stderr.write(`\nnpm test failed: ${failed.join(', ')} failed (output above).\n`);
  process.exit(1);
}
process.exit(suiteCode);

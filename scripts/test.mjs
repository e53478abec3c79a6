// `npm test`: the checks, then the test suite. The steps that do not depend on each other run side by side
// (on a 2-core machine the type checks are single-threaded and the tool installs wait on the network), and the
// build is skipped when scripts/build-stamp.mjs says it is up to date with its sources (as it is right after
// `npm ci`, whose `prepare` step builds). Arguments go to vitest: `npm test -- test/detect`.
//
//   tools:  ensure-test-tools (Debian's chromium and awscli, installed when missing)  \ both before the suite:
//   build:  (when stale)                                                              /  the tests run dist/ and Chromium
//   then, side by side:
//     suite:  vitest run
//     checks: tsc (tests, benches; src and the dashboard are checked by the build) | biome; their output is
//             printed after the suite's
//
// The checks used to run before the suite: about 30 s in which one core idled (tsc is single-threaded) while the
// suite waited. A failed check still fails the command, after the suite.

import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

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

/** A chain of steps: stops at the first failure. Prints each step's output when it ends. */
async function chain(steps) {
  for (const [label, cmd, args, when] of steps) {
    if (when && !(await when())) {
      process.stdout.write(`- ${label}: up to date, skipped\n`);
      continue;
    }
    const r = await run(cmd, args);
    const tail = r.out.trim() ? `\n${r.out.trimEnd()}\n` : '\n';
    process.stdout.write(`${r.code === 0 ? '-' : '✗'} ${label} (${r.seconds.toFixed(1)} s)${tail}`);
    if (r.code !== 0) return { ok: false, label };
  }
  return { ok: true };
}

const stale = async () => (await run(node, ['scripts/build-stamp.mjs', 'check'])).code !== 0;
const before = await Promise.all([
  chain([['test tools (chromium, awscli)', node, ['scripts/ensure-test-tools.mjs']]]),
  chain([['build', 'npm', ['run', 'build', '--silent'], stale]]),
]);
const notReady = before.filter((r) => !r.ok);
if (notReady.length > 0) {
  process.stderr.write(
    `\nnpm test stopped before the suite: ${notReady.map((f) => f.label).join(', ')} failed (output above).\n`,
  );
  process.exit(1);
}

/** The checks, side by side with the suite: output kept and printed after it (not inside vitest's). */
const checks = (async () => {
  const kept = [];
  const quietChain = async (steps) => {
    for (const [label, cmd, args] of steps) {
      const r = await run(cmd, args);
      const tail = r.out.trim() ? `\n${r.out.trimEnd()}\n` : '\n';
      kept.push(`${r.code === 0 ? '-' : '✗'} ${label} (${r.seconds.toFixed(1)} s)${tail}`);
      if (r.code !== 0) return { ok: false, label };
    }
    return { ok: true };
  };
  const results = await Promise.all([
    // src is type-checked by the build (tsconfig.build.json, run by `npm ci`'s prepare or above when stale, with
    // the same compiler options); the tests and benches are checked against its declarations (dist/*.d.ts,
    // tsconfig.test.json references tsconfig.build.json), not by checking src a second time: 27 CPU-s, not 45.
    quietChain([['type check (tests, benches)', bin('tsc'), ['-p', 'tsconfig.test.json']]]),
    // The dashboard is type-checked by the build too (scripts/build.mjs, beside the library's tsc; the stamp is
    // written only after it passed), no longer here beside the suite: 10 CPU-s.
    quietChain([['lint (biome)', bin('biome'), ['check', '.']]]),
  ]);
  return { kept, failed: results.filter((r) => !r.ok).map((r) => r.label) };
})();
process.stdout.write('- type checks and lint: running beside the suite, results after it\n');

// The whole suite (no arguments) starts the demo the dashboard test needs first: test/support/early-demo.ts.
const args = process.argv.slice(2);
// The test processes size Node's libuv thread pool as bin/flowwatch.js does for the product (16): every DuckDB
// query holds a pool thread while it runs, and a worker running two monitors, a dashboard in Chromium and the
// CLI in-process starved with Node's default of 4 (a test hung for 60 s twice in about 12 whole-suite runs).
const env = {
  ...process.env,
  UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE || '16',
  ...(args.length === 0 ? { FLOWWATCH_EARLY_DEMO: '1' } : {}),
};
const vitest = spawn(bin('vitest'), ['run', ...args], { cwd: root, stdio: 'inherit', env });
const suiteCode = await new Promise((done) =>
  vitest.on('close', (code, signal) => done(code ?? (signal ? 1 : 0))),
);
const { kept, failed } = await checks;
process.stdout.write(`\n${kept.join('')}`);
if (failed.length > 0) {
  process.stderr.write(`\nnpm test failed: ${failed.join(', ')} failed (output above).\n`);
  process.exit(1);
}
process.exit(suiteCode);

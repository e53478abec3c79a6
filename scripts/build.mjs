// `npm run build` (and `npm ci`'s `prepare`): the library (tsc -p tsconfig.build.json, dist/), the CDK package
// (packages/cdk/dist, compiled against the library's declarations in dist/, so after it) and the dashboard (vite,
// dist/web, which reads web/ and src/ sources, not dist/) with its type check, then the build stamp
// (scripts/build-stamp.mjs write). The dashboard does not wait for the library: it builds beside it, on the other
// core of a 2-core machine, instead of after both tsc runs. Any failure fails the build, and the stamp is written
// only when every step succeeded, so a fresh stamp also means the dashboard type-checked (`npm test` relies on it).
//
//   tsc (library) -> tsc (CDK package)              \
//   vite (dashboard) -> tsc (dashboard, --noEmit)    -> build stamp

import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const bin = (name) => resolve(root, 'node_modules', '.bin', name);

/** Runs one step with its output passed through; resolves to its exit code. */
function step(cmd, args) {
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit' });
    child.on('error', (err) => {
      process.stderr.write(`build: ${cmd} could not start: ${err.message}\n`);
      done(1);
    });
    child.on('close', (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
}

const [library, dashboard] = await Promise.all([
  (async () => {
    const lib = await step(bin('tsc'), ['-p', 'tsconfig.build.json']);
    if (lib !== 0) return { code: lib, what: 'the library (tsc -p tsconfig.build.json)' };
    const cdk = await step('npm', ['run', 'build', '--silent', '-w', '@flowwatch/cdk']);
    return { code: cdk, what: 'the CDK package (npm run build -w @flowwatch/cdk)' };
  })(),
  (async () => {
    const vite = await step(bin('vite'), ['build', '--config', 'web/vite.config.ts', '--logLevel', 'warn']);
    if (vite !== 0) return { code: vite, what: 'the dashboard (vite build)' };
    // vite does not type-check; the dashboard's type check runs here, in the time the library's tsc leaves the
    // other core idle, rather than beside the test suite in `npm test` (10 CPU-s there).
    const check = await step(bin('tsc'), ['-p', 'web/tsconfig.json', '--noEmit']);
    return { code: check, what: 'the dashboard type check (tsc -p web/tsconfig.json)' };
  })(),
]);
const failed = [library, dashboard].filter((r) => r.code !== 0);
if (failed.length > 0) {
  process.stderr.write(`\nbuild failed: ${failed.map((f) => f.what).join(', ')} (output above).\n`);
  process.exit(1);
}
process.exit(await step(process.execPath, ['scripts/build-stamp.mjs', 'write']));

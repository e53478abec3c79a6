// Whether the build (dist/, packages/cdk/dist/, dist/web/) is up to date with its sources: a hash of every input
// file, written after a build (`write`) and compared by `npm test` (`check`, exit 1 when stale), so the test
// command does not build again what `npm ci` (its `prepare` step) has just built.
//
// Usage: node scripts/build-stamp.mjs write|check

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const STAMP = join(root, 'dist', '.build-stamp');
const INPUT_DIRS = ['src', 'web', 'packages/cdk/src', 'bin'];
const INPUT_FILES = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'packages/cdk/package.json',
  'packages/cdk/tsconfig.json',
];
const OUTPUTS = ['dist/cli/main.js', 'dist/web/index.html', 'packages/cdk/dist'];

function walk(dir, out) {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile()) out.push(p);
  }
}

function inputsHash() {
  const files = INPUT_FILES.map((f) => join(root, f)).filter((f) => existsSync(f));
  for (const d of INPUT_DIRS) walk(join(root, d), files);
  files.sort();
  const h = createHash('sha256');
  for (const f of files) {
    h.update(relative(root, f));
    h.update('\0');
    h.update(readFileSync(f));
    h.update('\0');
  }
  return h.digest('hex');
}

const mode = process.argv[2];
if (mode === 'write') {
  writeFileSync(STAMP, `${inputsHash()}\n`);
} else if (mode === 'check') {
  const built = OUTPUTS.every((o) => existsSync(join(root, o)));
  const fresh =
    built &&
    existsSync(STAMP) &&
    statSync(STAMP).isFile() &&
    readFileSync(STAMP, 'utf8').trim() === inputsHash();
  process.exit(fresh ? 0 : 1);
} else {
  process.stderr.write('usage: node scripts/build-stamp.mjs write|check\n');
  process.exit(2);
}

// Completes package-lock.json with the other platforms' optional packages (e.g. @duckdb/node-bindings-darwin-arm64).
//
// The npm registry mirror of this workplace serves only some platform packages, so `npm install` leaves the
// others out of the lock file, and `npm ci` then refuses the lock as out of sync. Each missing optional package
// is recorded here with the os/cpu/libc its name states; npm skips it on every other platform without fetching
// it. Run after any dependency change: `node scripts/complete-lockfile.mjs`.

import { readFileSync, writeFileSync } from 'node:fs';

const OS = new Set([
  'android',
  'darwin',
  'linux',
  'win32',
  'freebsd',
  'openbsd',
  'openharmony',
  'sunos',
  'aix',
]);
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const pkgs = lock.packages;
const added = [];
for (const [path, entry] of Object.entries(pkgs)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${path ? `${path}/` : ''}node_modules/${name}`;
    if (pkgs[`node_modules/${name}`] || pkgs[nested]) continue;
    const parts = name.split('/').pop().split('-');
    const at = parts.findIndex((p) => OS.has(p));
    if (at < 0) throw new Error(`cannot tell the platform of ${name}; add it to the lock file by hand`);
    const [cpu, abi] = parts.slice(at + 1);
    const record = { version, cpu: [cpu], optional: true, os: [parts[at]] };
    if (abi?.startsWith('musl')) record.libc = ['musl'];
    else if (abi?.startsWith('gnu') && parts[at] === 'linux') record.libc = ['glibc'];
    if (entry.dev) record.dev = true;
    pkgs[`node_modules/${name}`] = record;
    added.push(name);
  }
}
const sorted = Object.fromEntries(
  Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)),
);
writeFileSync('package-lock.json', `${JSON.stringify({ ...lock, packages: sorted }, null, 2)}\n`);
process.stdout.write(`added ${added.length} optional platform packages to package-lock.json\n`);

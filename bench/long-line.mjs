// bench:long-line — `flowwatch ingest` of a file holding one very long line between two records (plain and gzip):
// time and peak RSS must grow linearly (not quadratically) with the line, and memory stay bounded.
//
// Usage: npm run bench:long-line [-- --sizes 64,256 --runs 1]   (sizes in MiB)
// Files are written to bench/data/long-line/. Results go to bench/results/long-line.json.

import { createWriteStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { median, run } from './lib.mjs';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const SIZES = opt('sizes', '64,256').split(',').map(Number);
const RUNS = Number(opt('runs', '1'));
const cli = join(root, 'bin', 'flowwatch.js');
const data = join(root, 'bench', 'data', 'long-line');
mkdirSync(data, { recursive: true });

const REC =
  '2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.5 10.0.2.5 40000 443 6 3 1200 1716200000 1716200060 ACCEPT OK';

/** Streams record, a line of `mib` MiB of 'x', record, into `path` (gzip when asked). */
async function writeCase(path, mib, gzip) {
  async function* body() {
    yield Buffer.from(`${REC}\n`);
    const block = Buffer.alloc(1 << 20, 'x');
    for (let i = 0; i < mib; i++) yield block;
    yield Buffer.from(`\n${REC}\n`);
  }
  await pipeline(body, ...(gzip ? [createGzip({ level: 1 })] : []), createWriteStream(path));
}

const rows = [];
for (const mib of SIZES) {
  for (const gzip of [false, true]) {
    const path = join(data, `line-${mib}.log${gzip ? '.gz' : ''}`);
    await writeCase(path, mib, gzip);
    const runs = [];
    let outcome = '';
    for (let i = 0; i < RUNS; i++) {
      const db = join(data, 'bench.duckdb');
      rmSync(db, { force: true });
      rmSync(`${db}.wal`, { force: true });
      const r = await run('node', [cli, 'ingest', path, '--db', db, '--json']);
      const s = JSON.parse(r.out);
      // Expected: 2 records and the long line as 1 reject.
      outcome = `${s.records} records, ${s.rejected} rejected`;
      runs.push(r);
    }
    rmSync(path, { force: true });
    rows.push({
      mib,
      gzip,
      outcome,
      seconds: median(runs.map((r) => r.seconds)),
      peakRssMb: Math.max(...runs.map((r) => r.peakMb)),
    });
  }
}
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(
  join(root, 'bench', 'results', 'long-line.json'),
  `${JSON.stringify({ date: new Date().toISOString(), runs: RUNS, rows }, null, 2)}\n`,
);
process.stdout.write('\n| line | input | median | peak RSS | outcome |\n| --- | --- | --- | --- | --- |\n');
for (const r of rows) {
  process.stdout.write(
    `| ${r.mib} MiB | ${r.gzip ? 'gzip' : 'plain'} | ${r.seconds.toFixed(2)} s | ${Math.round(r.peakRssMb)} MB | ${r.outcome} |\n`,
  );
}

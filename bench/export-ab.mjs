// bench:export-ab — the same `flowwatch export` commands from two builds, alternately (old, new, then new, old, ...),
// beside DuckDB's own `COPY flows TO 'x.csv'` of the same store, each command under /usr/bin/time: wall time, CPU time
// (user + system, all threads), medians of --runs. For before/after figures of an export change in one session.
//
// Usage: npm run bench:export-ab -- --old <root of the previous build (bin/ and dist/)> --db <store> [--runs 3]
// (the new build is this checkout; build it first). Output: a Markdown table on stdout.

import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const newRoot = resolve(import.meta.dirname, '..');
const oldRoot = opt('old');
const db = opt('db');
const RUNS = Number(opt('runs', '3'));
if (!oldRoot || !db) throw new Error('usage: bench:export-ab -- --old <build root> --db <store> [--runs 3]');
const scratch = join(tmpdir(), `flowwatch-export-ab-${process.pid}`);
const N = Number(
  JSON.parse(
    execFileSync('node', [
      join(newRoot, 'bin', 'flowwatch.js'),
      'sql',
      '--db',
      db,
      '-o',
      'json',
      'SELECT count(*) AS n FROM flows',
    ]).toString(),
  )[0].n,
);
const CASES = [
  ['OCSF NDJSON', ['--format', 'ocsf']],
  ['OCSF NDJSON, zstd', ['--format', 'ocsf', '--compress', 'zstd']],
  ['OCSF NDJSON, gzip', ['--format', 'ocsf', '--compress', 'gzip']],
  ['OCSF Parquet (Security Lake)', ['--format', 'ocsf-parquet']],
  ['ECS NDJSON', ['--format', 'ecs']],
  ['NDJSON', ['--format', 'ndjson']],
  ['CSV', ['--format', 'csv']],
  ['CSV, gzip', ['--format', 'csv', '--compress', 'gzip']],
];
const copy = `import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(process.argv[1], { access_mode: 'READ_ONLY' });
const c = await db.connect();
await c.run(\`COPY flows TO '\${process.argv[2]}' (FORMAT csv, HEADER true)\`);`;
const timeFile = join(scratch, 'time.txt');

function timed(argv, cwd) {
  const t0 = process.hrtime.bigint();
  execFileSync('/usr/bin/time', ['-f', '%U %S', '-o', timeFile, ...argv], {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const [u, s] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
  return { wall: Number(process.hrtime.bigint() - t0) / 1e9, cpu: u + s };
}

const res = new Map();
const add = (k, r) => res.set(k, [...(res.get(k) ?? []), r]);
execFileSync('mkdir', ['-p', scratch]);
for (let i = 0; i < RUNS; i++) {
  rmSync(join(scratch, 'base.csv'), { force: true });
  add(
    "DuckDB's own COPY flows TO 'x.csv'|",
    timed(['node', '--input-type=module', '-e', copy, db, join(scratch, 'base.csv')], newRoot),
  );
  for (const [label, argv] of CASES) {
    const builds = [
      ['previous', oldRoot],
      ['this', newRoot],
    ];
    for (const [tag, root] of i % 2 === 0 ? builds : builds.reverse()) {
      const out = join(scratch, 'out');
      rmSync(out, { recursive: true, force: true });
      add(
        `${label}|${tag}`,
        timed(['node', join(root, 'bin', 'flowwatch.js'), 'export', '--db', db, '--to', out, ...argv], root),
      );
    }
  }
  process.stderr.write(`run ${i + 1}/${RUNS} done\n`);
}
rmSync(scratch, { recursive: true, force: true });
const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const base = med(res.get("DuckDB's own COPY flows TO 'x.csv'|").map((r) => r.cpu));
let out = `\n${fmt(N)} records, median of ${RUNS}, builds alternating; load average at the end ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}\n\n`;
out +=
  '| export | build | wall | records/s | CPU (user+sys) | records/CPU-s | COPY CPU / its CPU |\n| --- | --- | --- | --- | --- | --- | --- |\n';
for (const [k, rs] of res) {
  const [label, tag] = k.split('|');
  const w = med(rs.map((r) => r.wall));
  const c = med(rs.map((r) => r.cpu));
  out += `| ${label} | ${tag} | ${w.toFixed(2)} s | ${fmt(N / w)} | ${c.toFixed(2)} s | ${fmt(N / c)} | ${(base / c).toFixed(2)} |\n`;
}
process.stdout.write(out);

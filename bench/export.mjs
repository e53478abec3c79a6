// bench:export — `flowwatch export` of a simulated store in every format (records/s of the whole command, DuckDB
// writing the files: OCSF and ECS mapped in SQL), beside DuckDB's own `COPY flows TO 'x.csv'` on the same store
// (the baseline: the fastest a file can be written from it) and, once, the former JavaScript OCSF mapping.
//
// Usage: npm run bench:export [-- --records 1000000 --runs 3 --js-runs 1 --members 1]
// --members 1 also times each top-level member of the OCSF and ECS documents alone (CPU seconds of
// `SELECT sum(length(<member>))` over the same rows), to show where the mapping's time goes.
// The corpus (bench/data/corpus-v5-<records>) and its store are made once and reused. Results go to
// bench/results/export.json.

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureCorpus, median, run } from './lib.mjs';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const RECORDS = arg('records', 1_000_000);
const RUNS = arg('runs', 3);
const JS_RUNS = arg('js-runs', 1);
const MEMBERS = arg('members', 1);
const cli = join(root, 'bin', 'flowwatch.js');
const scratch = join(root, 'bench', 'data', 'scratch-export');
mkdirSync(scratch, { recursive: true });

const corpus = await ensureCorpus(root, 'v5', RECORDS);
const db = join(scratch, `export-${RECORDS}.duckdb`);
if (!existsSync(db)) {
  process.stderr.write(`ingesting ${corpus} into ${db} (once)...\n`);
  await run('node', [cli, 'ingest', corpus, '--db', db, '--json']);
}

// DuckDB's own COPY of the whole flows view to CSV (no order, no mapping): the baseline.
const copyScript = `
import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(process.argv[1], { access_mode: 'READ_ONLY' });
const c = await db.connect();
const r = await c.runAndReadAll(\`COPY flows TO '\${process.argv[2]}' (FORMAT csv, HEADER true)\`);
process.stdout.write(String(r.getRowObjectsJS()[0].Count));
`;

// The former export path: the store's rows streamed through the JS OCSF mapper (toOcsf) into a file.
const jsScript = `
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { Store } from './dist/storage/store.js';
import { enricherOf } from './dist/enrich/load-enricher.js';
import { toOcsf } from './dist/export/ocsf.js';
import { exportColumns, FIELD_SETS_SQL, recordsSql } from './dist/storage/export-sql.js';
const store = await Store.open(process.argv[1], { readOnly: true });
const sets = (await store.query(FIELD_SETS_SQL)).rows.map((r) => String(r.set));
const enricher = await enricherOf(store);
const lookup = (ip) => enricher.lookup(ip);
const out = createWriteStream(process.argv[2]);
const done = finished(out);
let n = 0;
for await (const rows of store.streamRows(recordsSql(exportColumns(sets), {}))) {
  if (!out.write(rows.map((r) => JSON.stringify(toOcsf(r, lookup))).join('\\n') + '\\n')) await once(out, 'drain');
  n += rows.length;
}
out.end();
await done;
store.close();
process.stdout.write(String(n));
`;

// Per-member CPU time of the OCSF and ECS documents (each member alone, over the same rows as the export).
const membersScript = `
import { Store } from './dist/storage/store.js';
import { ecsMembers, jsonLinesSelect, ocsfMembers } from './dist/storage/export-map-sql.js';
import { exportColumns, FIELD_SETS_SQL } from './dist/storage/export-sql.js';
const store = await Store.open(process.argv[1], { readOnly: true });
const sets = (await store.query(FIELD_SETS_SQL)).rows.map((r) => String(r.set));
const columns = exportColumns(sets);
const out = {};
for (const [fmt, members] of [['ocsf', ocsfMembers(false, columns)], ['ecs', ecsMembers(false, columns)]]) {
  const sel = jsonLinesSelect(fmt, {}, undefined, columns);
  const from = sel.slice(sel.indexOf('\\nFROM') + 1);
  const time = async (expr) => {
    const c0 = process.cpuUsage();
    await store.query(\`SELECT sum(length(\${expr})) AS n \${from}\`);
    const c = process.cpuUsage(c0);
    return +((c.user + c.system) / 1e6).toFixed(3);
  };
  const doc = sel.slice('SELECT '.length, sel.indexOf(' AS line\\nFROM'));
  out[fmt] = { document: await time(doc), members: {} };
  for (const [k, v] of members) if (v.json === undefined) out[fmt].members[k] = await time(v.sql);
}
store.close();
process.stdout.write(JSON.stringify(out));
`;

// Steps back in time within each Parquet file of an OCSF Parquet export (0 when every file is in time order).
const orderScript = `
import { DuckDBInstance } from '@duckdb/node-api';
const c = await (await DuckDBInstance.create(':memory:')).connect();
const r = await c.runAndReadAll(\`SELECT count(*) FILTER (WHERE time < prev)::INTEGER AS back, count(DISTINCT filename)::INTEGER AS files
  FROM (SELECT time, filename, lag(time) OVER (PARTITION BY filename ORDER BY file_row_number) AS prev
        FROM read_parquet('\${process.argv[1]}/**/*.parquet', filename = true, file_row_number = true, hive_partitioning = false))\`);
process.stdout.write(JSON.stringify(r.getRowObjectsJS()[0]));
`;
let backSteps;

const CASES = [
  { name: 'ocsf', label: 'OCSF NDJSON', argv: ['--format', 'ocsf'] },
  { name: 'ocsf-gzip', label: 'OCSF NDJSON, gzip', argv: ['--format', 'ocsf', '--compress', 'gzip'] },
  { name: 'ocsf-zstd', label: 'OCSF NDJSON, zstd', argv: ['--format', 'ocsf', '--compress', 'zstd'] },
  {
    name: 'ocsf-parquet',
    label: 'OCSF Parquet (Security Lake layout, zstd)',
    argv: ['--format', 'ocsf-parquet'],
  },
  { name: 'ecs', label: 'ECS NDJSON', argv: ['--format', 'ecs'] },
  { name: 'ndjson', label: 'NDJSON (flow rows)', argv: ['--format', 'ndjson'] },
  {
    name: 'ndjson-zstd',
    label: 'NDJSON (flow rows), zstd',
    argv: ['--format', 'ndjson', '--compress', 'zstd'],
  },
  { name: 'csv', label: 'CSV', argv: ['--format', 'csv'] },
  { name: 'csv-gzip', label: 'CSV, gzip', argv: ['--format', 'csv', '--compress', 'gzip'] },
];

/** Bytes under a path (a file or a folder tree). */
function size(p) {
  const s = statSync(p);
  if (!s.isDirectory()) return s.size;
  let n = 0;
  for (const e of readdirSync(p)) n += size(join(p, e));
  return n;
}

/**
 * Runs a command under /usr/bin/time: wall seconds, CPU seconds (user + system, every thread) and peak RSS.
 * The CPU time is reported beside the wall time because this machine is shared: wall time stretches with the
 * other processes' load, CPU time much less.
 */
async function timed(cmd, argv, opts) {
  const tf = join(scratch, 'time.txt');
  const r = await run('/usr/bin/time', ['-f', '%U %S %M', '-o', tf, cmd, ...argv], opts);
  const [u, s, m] = readFileSync(tf, 'utf8').trim().split(/\s+/).slice(-3).map(Number);
  return { seconds: r.seconds, cpu: u + s, peakMb: m / 1024, out: r.out };
}

const results = { baseline: [], js: [] };
const bytes = {};
for (const c of CASES) results[c.name] = [];
for (let i = 0; i < RUNS; i++) {
  process.stderr.write(`run ${i + 1}/${RUNS}\n`);
  const csv = join(scratch, 'baseline.csv');
  rmSync(csv, { force: true });
  const b = await timed('node', ['--input-type=module', '-e', copyScript, db, csv], { cwd: root });
  if (Number(b.out) !== RECORDS) throw new Error(`baseline wrote ${b.out} records, expected ${RECORDS}`);
  results.baseline.push(b);
  process.stderr.write(`  baseline: ${b.seconds.toFixed(2)} s wall, ${b.cpu.toFixed(2)} s CPU\n`);
  bytes.baseline = size(csv);
  for (const c of CASES) {
    const out = join(scratch, `out-${c.name}`);
    rmSync(out, { recursive: true, force: true });
    const r = await timed('node', [cli, 'export', '--db', db, '--to', out, ...c.argv]);
    if (!r.out.startsWith(`exported ${RECORDS.toLocaleString('en-US')} records`))
      throw new Error(`${c.name}: ${r.out}`);
    results[c.name].push(r);
    bytes[c.name] = size(out);
    if (c.name === 'ocsf-parquet') {
      // Security Lake files must be in time order: count the steps back in time within each file
      const o = await run('node', ['--input-type=module', '-e', orderScript, out], { cwd: root });
      backSteps = JSON.parse(o.out);
      if (backSteps.back !== 0)
        process.stderr.write(
          `  ocsf-parquet: ${backSteps.back} step(s) back in time in ${backSteps.files} files\n`,
        );
    }
    process.stderr.write(`  ${c.name}: ${r.seconds.toFixed(2)} s wall, ${r.cpu.toFixed(2)} s CPU\n`);
  }
}
for (let i = 0; i < JS_RUNS; i++) {
  const out = join(scratch, 'js.ocsf.ndjson');
  rmSync(out, { force: true });
  const r = await timed('node', ['--input-type=module', '-e', jsScript, db, out], { cwd: root });
  results.js.push(r);
  bytes.js = size(out);
}

let members;
if (MEMBERS > 0) {
  const r = await run('node', ['--input-type=module', '-e', membersScript, db], { cwd: root });
  members = JSON.parse(r.out);
}

const rps = (rs) => (rs.length === 0 ? undefined : median(rs.map((r) => RECORDS / r.seconds)));
const summary = {
  date: new Date().toISOString(),
  records: RECORDS,
  runs: RUNS,
  members,
  ocsfParquetBackSteps: backSteps,
  cases: Object.fromEntries(
    Object.entries(results).map(([k, rs]) => [
      k,
      {
        medianSeconds: rs.length ? median(rs.map((r) => r.seconds)) : undefined,
        recordsPerSecond: rps(rs),
        medianCpuSeconds: rs.length ? median(rs.map((r) => r.cpu)) : undefined,
        recordsPerCpuSecond: rs.length ? median(rs.map((r) => RECORDS / r.cpu)) : undefined,
        peakRssMb: rs.length ? Math.max(...rs.map((r) => r.peakMb)) : undefined,
        bytes: bytes[k],
        all: rs.map((r) => +r.seconds.toFixed(3)),
      },
    ]),
  ),
};
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'export.json'), `${JSON.stringify(summary, null, 2)}\n`);

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const row = (label, k) => {
  const s = summary.cases[k];
  if (s.recordsPerSecond === undefined) return '';
  const ratio = summary.cases.baseline.medianSeconds / s.medianSeconds;
  const cpuRatio = summary.cases.baseline.medianCpuSeconds / s.medianCpuSeconds;
  return `| ${label} | ${s.medianSeconds.toFixed(2)} s | ${fmt(s.recordsPerSecond)} | ${ratio.toFixed(2)} | ${s.medianCpuSeconds.toFixed(2)} s | ${fmt(s.recordsPerCpuSecond)} | ${cpuRatio.toFixed(2)} | ${(s.bytes / 1e6).toFixed(0)} MB | ${Math.round(s.peakRssMb)} MB |\n`;
};
process.stdout.write(
  `\n${RECORDS.toLocaleString('en-US')} records (v5, 29 fields), median of ${RUNS} (JS mapping: ${JS_RUNS} run)\n\n` +
    '| export (whole command) | wall | records/s | vs COPY | CPU (user+sys) | records/CPU-s | vs COPY (CPU) | output | peak RSS |\n' +
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n' +
    row("DuckDB's own COPY flows TO 'x.csv' (baseline)", 'baseline') +
    CASES.map((c) => row(`flowwatch export ${c.label}`, c.name)).join('') +
    row('former JS mapping (toOcsf, streamed rows)', 'js') +
    (members === undefined
      ? ''
      : Object.entries(members)
          .map(
            ([fmt, m]) =>
              `\n${fmt}: the whole document ${m.document.toFixed(2)} CPU-s; members, costliest first: ` +
              Object.entries(m.members)
                .sort((a, b) => b[1] - a[1])
                .map(([k, v]) => `${k} ${v.toFixed(2)}`)
                .join(', ') +
              '\n',
          )
          .join('')) +
    (backSteps === undefined
      ? ''
      : `\nOCSF Parquet time order: ${backSteps.back} step(s) back in time within ${backSteps.files} files\n`) +
    `\ntarget: >= 200,000 records/s for every format; load average at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} on ${availableParallelism()} cores\n`,
);

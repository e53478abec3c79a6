// bench:scale — how ingest and the everyday questions grow with the store: 1M → 10M (→ 100M) records.
//
// Usage: npm run bench:scale [-- --sizes 1000000,10000000 --runs 3]
//        npm run bench:scale -- --sizes 1000000,10000000,100000000   (100M: ~1.5 GB gzip, ~15 GB text to scan,
//                                                                    a 1-2 hour run; only on a quiet machine)
//        --keep   keep each size's store (bench/data/scratch-scale/flowwatch-<n>.duckdb) and its ingest figures
//                 (flowwatch-<n>.ingest.json) after the run
//        --reuse  for a size whose kept store and figures exist, skip DuckDB's baseline and the ingest and time the
//                 queries on the kept store (the ingest figures are the kept ones, with their date): the 100M
//                 store's hour of ingest need not be repeated to time its queries again
// Per size, on the simulated default-format corpus of bench:ingest (one day, hourly files, generated once):
//  - DuckDB's own read_csv into a fresh file + CHECKPOINT (the baseline) and `flowwatch ingest` (whole command),
//    wall and CPU time, records/s and their ratio;
//  - the store's size (database + WAL) against the gzip input;
//  - `flowwatch top rejected --limit 20` (whole command), `--runs` times;
//  - the dashboard overview (/api/overview's query function, in-process on the store, the whole day), `--runs`
//    times;
//  - `flowwatch detect` (the built-in catalog over the whole store, whole command), once.
// Results go to bench/results/scale.json and a Markdown table on stdout.

import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureCorpus, files, median, run } from './lib.mjs';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const SIZES = opt('sizes', '1000000,10000000').split(',').map(Number);
const RUNS = Number(opt('runs', '3'));
const KEEP = args.includes('--keep');
const REUSE = args.includes('--reuse');
const cli = join(root, 'bin', 'flowwatch.js');
const scratch = join(root, 'bench', 'data', 'scratch-scale');
mkdirSync(scratch, { recursive: true });

const FIELD_TYPES = new Map(
  JSON.parse((await run('node', [cli, 'fields', '--output', 'json'])).out).map((f) => [
    f.column,
    f.type === 'int32' ? 'INTEGER' : f.type === 'int64' ? 'BIGINT' : 'VARCHAR',
  ]),
);

/** DuckDB's own reader over the corpus into a fresh database file, then CHECKPOINT: the baseline. */
function duckdbScript(corpus, header) {
  const columns = header
    .split(' ')
    .map((n) => n.replaceAll('-', '_'))
    .map((c) => `'${c}': '${FIELD_TYPES.get(c) ?? 'VARCHAR'}'`)
    .join(', ');
  return `
import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(process.argv[1]);
const c = await db.connect();
await c.run(\`CREATE TABLE t AS SELECT * FROM read_csv('${corpus}/**/*.log.gz', header = true, delim = ' ', quote = '', escape = '', auto_detect = false, nullstr = '-', columns = {${columns}})\`);
await c.run('CHECKPOINT');
const r = await c.runAndReadAll('SELECT count(*)::BIGINT AS n FROM t');
process.stdout.write(String(r.getRowObjectsJS()[0].n));
`;
}

/** The overview of the whole stored range, in-process, `runs` times: seconds of each. */
const overviewScript = `
import { Store } from '${join(root, 'dist', 'storage', 'store.js')}';
import { overview, chooseBin } from '${join(root, 'dist', 'server', 'routes', 'overview.js')}';
const store = await Store.open(process.argv[1], { readOnly: true });
const r = (await store.query('SELECT min(event_time) AS a, max(event_time) + 1 AS b FROM flows')).rows[0];
const since = Number(r.a);
const until = Number(r.b);
const out = [];
for (let i = 0; i < Number(process.argv[2]); i++) {
  const t0 = performance.now();
  const o = await overview(store, since, until, chooseBin(since, until), 10, 'deduplicated');
  out.push((performance.now() - t0) / 1000);
  if (i === 0 && !(Number(o.totals?.flows ?? o.totals?.records ?? 1) > 0)) throw new Error('empty overview');
}
store.close();
process.stdout.write(JSON.stringify(out));
`;

const size = (p) => (existsSync(p) ? statSync(p).size : 0);
const rows = [];
for (const n of SIZES) {
  process.stderr.write(`size ${n.toLocaleString('en-US')}\n`);
  const corpus = await ensureCorpus(root, 'default', n);
  const gz = files(corpus);
  const gzBytes = gz.reduce((a, f) => a + statSync(f).size, 0);
  const header = (await run('sh', ['-c', `zcat '${gz[0]}' | head -1`])).out.trim();

  const db = join(scratch, `flowwatch-${n}.duckdb`);
  const keptFigures = join(scratch, `flowwatch-${n}.ingest.json`);
  let ing;
  if (REUSE && existsSync(db) && existsSync(keptFigures)) {
    ing = JSON.parse(readFileSync(keptFigures, 'utf8'));
    process.stderr.write(
      `  reusing the store kept on ${ing.measuredAt} (its ingest figures are from then)\n`,
    );
  } else {
    const duckDb = join(scratch, `duckdb-${n}.duckdb`);
    rmSync(duckDb, { force: true });
    const d = await run('node', ['--input-type=module', '-e', duckdbScript(corpus, header), duckDb], {
      cwd: root,
      cpu: true,
    });
    rmSync(duckDb, { force: true });
    rmSync(db, { force: true });
    rmSync(`${db}.wal`, { force: true });
    const f = await run('node', [cli, 'ingest', corpus, '--db', db, '--json'], { cpu: true });
    ing = {
      measuredAt: new Date().toISOString(),
      ingested: JSON.parse(f.out).records,
      storeBytes: size(db) + size(`${db}.wal`),
      d: { seconds: d.seconds, cpu: d.cpu, out: d.out },
      f: { seconds: f.seconds, cpu: f.cpu, peakMb: f.peakMb },
    };
    if (KEEP) writeFileSync(keptFigures, `${JSON.stringify(ing, null, 2)}\n`);
  }
  const { ingested, storeBytes, d, f } = ing;

  const top = [];
  for (let i = 0; i < RUNS; i++) {
    top.push((await run('node', [cli, 'top', 'rejected', '--db', db, '--limit', '20'])).seconds);
  }
  const ov = await run('node', ['--input-type=module', '-e', overviewScript, db, String(RUNS)], {
    cwd: root,
  });
  const overviewRuns = JSON.parse(ov.out);
  const det = await run('node', [cli, 'detect', '--db', db, '-o', 'json'], { cpu: true });
  rows.push({
    records: n,
    ingestMeasuredAt: ing.measuredAt,
    ingested,
    files: gz.length,
    gzipBytes: gzBytes,
    storeBytes,
    storeToGzip: storeBytes / gzBytes,
    duckdbSeconds: d.seconds,
    duckdbCpuSeconds: d.cpu,
    duckdbRecords: Number(d.out),
    ingestSeconds: f.seconds,
    ingestCpuSeconds: f.cpu,
    ingestPeakRssMb: f.peakMb,
    ingestRecordsPerSecond: n / f.seconds,
    ingestRecordsPerCpuSecond: n / f.cpu,
    ratioToDuckDB: d.seconds / f.seconds,
    cpuRatioToDuckDB: d.cpu / f.cpu,
    topRejectedSeconds: median(top),
    topRejectedRuns: top,
    overviewSeconds: median(overviewRuns),
    overviewRuns,
    detectSeconds: det.seconds,
    detectCpuSeconds: det.cpu,
  });
  if (!KEEP && !REUSE) {
    rmSync(db, { force: true });
    rmSync(`${db}.wal`, { force: true });
  }
}

mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(
  join(root, 'bench', 'results', 'scale.json'),
  `${JSON.stringify({ date: new Date().toISOString(), runs: RUNS, rows }, null, 2)}\n`,
);
const f2 = (x) => x.toFixed(2);
const mb = (x) => `${(x / 1e6).toFixed(0)} MB`;
process.stdout.write(`
| records | files | gzip | store (× gzip) | DuckDB read_csv wall / CPU | flowwatch ingest wall / CPU | ratio wall / CPU | ingest peak RSS | top rejected (20) | overview (whole day) | detect wall / CPU |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows
  .map(
    (r) =>
      `| ${r.records.toLocaleString('en-US')} | ${r.files} | ${mb(r.gzipBytes)} | ${mb(r.storeBytes)} (${f2(r.storeToGzip)}×) | ${f2(r.duckdbSeconds)} / ${f2(r.duckdbCpuSeconds)} s | ${f2(r.ingestSeconds)} / ${f2(r.ingestCpuSeconds)} s | ${f2(r.ratioToDuckDB)} / ${f2(r.cpuRatioToDuckDB)} | ${Math.round(r.ingestPeakRssMb)} MB | ${f2(r.topRejectedSeconds)} s | ${f2(r.overviewSeconds)} s | ${f2(r.detectSeconds)} / ${f2(r.detectCpuSeconds)} s |`,
  )
  .join('\n')}
`);

// bench:ingest — flowwatch ingest of a 10M-record simulated S3 corpus, side by side with DuckDB's own read_csv
// (the practical ceiling) and `zcat | wc -l` (the decompression floor), plus `flowwatch top rejected` on the result.
//
// Usage: npm run bench:ingest [-- --records 10000000 --runs 3 --format default|v5 --layout hourly|5min --no-zcat]
// The corpus is generated once into bench/data/ and reused; `--layout 5min` splits it into AWS's 5-minute delivery
// (thousands of small files, see ensureSmallFiles). Results go to bench/results/ingest-<format>[-5min].json.
// DuckDB and flowwatch run interleaved (the order alternates between runs); wall and CPU time of each.

import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureCorpus, ensureSmallFiles, files, median, run } from './lib.mjs';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const RECORDS = arg('records', 10_000_000);
const fi = args.indexOf('--format');
/** `default` (the 14 version-2 fields) or `v5` (the simulator's default: every version 2-5 field, 29 columns). */
const FORMAT = fi >= 0 ? args[fi + 1] : 'default';
const RUNS = arg('runs', 3);
const data = join(root, 'bench', 'data');
const cli = join(root, 'bin', 'flowwatch.js');
const li = args.indexOf('--layout');
/** `hourly` (the simulator's 24 files a day) or `5min` (AWS's 5-minute delivery: thousands of small files). */
const LAYOUT = li >= 0 ? args[li + 1] : 'hourly';
const ZCAT = !args.includes('--no-zcat');
const hourly = await ensureCorpus(root, FORMAT, RECORDS);
const corpus = LAYOUT === '5min' ? await ensureSmallFiles(root, hourly) : hourly;
const NAME = `${FORMAT}${LAYOUT === '5min' ? '-5min' : ''}`;
const gz = files(corpus);
const manifest = JSON.parse(readFileSync(join(hourly, 'manifest.json'), 'utf8'));
const header = (await run('sh', ['-c', `zcat '${gz[0]}' | head -1`])).out.trim();
const bytes = gz.reduce((a, f) => a + statSync(f).size, 0);

// DuckDB's own reader over the same files: typed columns from the header, '-' as NULL, into a table.
const FIELD_TYPES = new Map(
  JSON.parse((await run('node', [cli, 'fields', '--output', 'json'])).out).map((f) => [
    f.column,
    f.type === 'int32' ? 'INTEGER' : f.type === 'int64' ? 'BIGINT' : 'VARCHAR',
  ]),
);
const columns = header
  .split(' ')
  .map((n) => n.replaceAll('-', '_'))
  .map((c) => `'${c}': '${FIELD_TYPES.get(c) ?? 'VARCHAR'}'`)
  .join(', ');
const duckdbScript = `
import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(process.argv[1]);
const c = await db.connect();
await c.run(\`CREATE TABLE t AS SELECT * FROM read_csv('${corpus}/**/*.log.gz', header = true, delim = ' ', quote = '', escape = '', auto_detect = false, nullstr = '-', columns = {${columns}})\`);
await c.run('CHECKPOINT');
const r = await c.runAndReadAll('SELECT count(*)::INTEGER AS n FROM t');
process.stdout.write(String(r.getRowObjectsJS()[0].n));
`;
const scratch = join(data, 'scratch');
mkdirSync(scratch, { recursive: true });

const results = { zcat: [], duckdb: [], flowwatch: [], top: [] };
let flowwatchRecords = 0;
let duckdbRecords = 0;
for (let i = 0; i < RUNS; i++) {
  process.stderr.write(`run ${i + 1}/${RUNS}\n`);
  if (ZCAT)
    results.zcat.push(
      await run('sh', ['-c', `find '${corpus}' -name '*.log.gz' -print0 | xargs -0 zcat | wc -l`], {
        cpu: true,
      }),
    );

  const duck = async () => {
    const dbFile = join(scratch, 'duckdb.duckdb');
    rmSync(dbFile, { force: true });
    const d = await run('node', ['--input-type=module', '-e', duckdbScript, dbFile], {
      cwd: root,
      cpu: true,
    });
    duckdbRecords = Number(d.out);
    results.duckdb.push(d);
  };
  const fw = async () => {
    const fwDb = join(scratch, 'flowwatch.duckdb');
    rmSync(fwDb, { force: true });
    rmSync(`${fwDb}.wal`, { force: true });
    const f = await run('node', [cli, 'ingest', corpus, '--db', fwDb, '--json'], { cpu: true });
    flowwatchRecords = JSON.parse(f.out).records;
    results.flowwatch.push(f);
  };
  // Interleaved: the order alternates, so that neither always runs on a cooler (or busier) machine.
  if (i % 2 === 0) {
    await duck();
    await fw();
  } else {
    await fw();
    await duck();
  }
}
const fwDb = join(scratch, 'flowwatch.duckdb');
// A failing `top` must not lose the ingest figures: it is reported, the summary is still written.
let topError = null;
for (let i = 0; i < Math.max(5, RUNS) && topError === null; i++) {
  try {
    results.top.push(await run('node', [cli, 'top', 'rejected', '--db', fwDb, '--limit', '10']));
  } catch (err) {
    topError = String(err.message ?? err);
  }
}

const rps = (r) => RECORDS / r.seconds;
const summary = {
  date: new Date().toISOString(),
  corpusFormat: FORMAT,
  layout: LAYOUT,
  records: RECORDS,
  files: gz.length,
  compressedBytes: bytes,
  format: manifest.format,
  runs: RUNS,
  recordsIngested: flowwatchRecords,
  recordsReadByDuckDB: duckdbRecords,
  zcatSeconds: ZCAT ? median(results.zcat.map((r) => r.seconds)) : null,
  duckdbCpuSeconds: median(results.duckdb.map((r) => r.cpu)),
  flowwatchCpuSeconds: median(results.flowwatch.map((r) => r.cpu)),
  cpuRatioToDuckDB: median(results.flowwatch.map((r, i) => results.duckdb[i].cpu / r.cpu)),
  duckdbSeconds: median(results.duckdb.map((r) => r.seconds)),
  flowwatchSeconds: median(results.flowwatch.map((r) => r.seconds)),
  duckdbRecordsPerSecond: median(results.duckdb.map(rps)),
  flowwatchRecordsPerSecond: median(results.flowwatch.map(rps)),
  ratioToDuckDB: median(results.flowwatch.map((r, i) => results.duckdb[i].seconds / r.seconds)),
  flowwatchPeakRssMb: Math.max(...results.flowwatch.map((r) => r.peakMb)),
  duckdbPeakRssMb: Math.max(...results.duckdb.map((r) => r.peakMb)),
  topRejectedSeconds: results.top.length > 0 ? median(results.top.map((r) => r.seconds)) : null,
  topError,
  all: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v.map((r) => +r.seconds.toFixed(3))])),
  allCpu: Object.fromEntries(
    Object.entries(results).map(([k, v]) => [
      k,
      v.map((r) => (r.cpu === undefined ? null : +r.cpu.toFixed(2))),
    ]),
  ),
};
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', `ingest-${NAME}.json`), `${JSON.stringify(summary, null, 2)}\n`);
const f1 = (x) => x.toFixed(2);
process.stdout.write(`
| measure | median | records/s | peak RSS |
| --- | --- | --- | --- |
| zcat \\| wc -l (decompression floor) | ${ZCAT ? `${f1(summary.zcatSeconds)} s` : '-'} | ${ZCAT ? Math.round(RECORDS / summary.zcatSeconds).toLocaleString('en-US') : ''} | |
| DuckDB read_csv into a table + CHECKPOINT (ceiling) | ${f1(summary.duckdbSeconds)} s (CPU ${f1(summary.duckdbCpuSeconds)} s) | ${Math.round(summary.duckdbRecordsPerSecond).toLocaleString('en-US')} | ${Math.round(summary.duckdbPeakRssMb)} MB |
| flowwatch ingest | ${f1(summary.flowwatchSeconds)} s (CPU ${f1(summary.flowwatchCpuSeconds)} s) | ${Math.round(summary.flowwatchRecordsPerSecond).toLocaleString('en-US')} | ${Math.round(summary.flowwatchPeakRssMb)} MB |
| flowwatch top rejected (whole command) | ${summary.topRejectedSeconds === null ? `failed: ${topError}` : `${f1(summary.topRejectedSeconds)} s`} | | |

flowwatch / DuckDB rate ratio (median of paired runs): wall ${summary.ratioToDuckDB.toFixed(2)}, CPU ${summary.cpuRatioToDuckDB.toFixed(2)} (target >= 0.80)
records: ${RECORDS} written, ${flowwatchRecords} ingested by flowwatch, ${duckdbRecords} read by DuckDB; ${gz.length} files (${LAYOUT}), ${(bytes / 1e6).toFixed(0)} MB gzip
`);

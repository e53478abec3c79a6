// bench:detect — `flowwatch detect` (the whole built-in catalog) over a store of N records (default 10M), beside a
// baseline in the same run: one DuckDB full scan with one GROUP BY over the same records (`flowwatch sql`, per
// interface: records and bytes). Both are the whole command (process start, store open, queries, findings
// stored). Each run of detect starts from a fresh copy of the store, so findings are created, not found
// unchanged. Then each detection alone (`detect --only <id>`, one run each, its own elapsedMs) to show where
// the time goes.
//
// Usage: npm run build && npm run bench:detect [-- --records 10000000 --runs 3 --no-each]
// The corpus (bench/lib.mjs ensureCorpus, the simulator's 29-field v5 day) and its store are made once in
// bench/data/ and reused; an indicator list (1,000 addresses, 20 of them seen in the store) is loaded with
// `flowwatch intel add` so that known-bad-address runs. Target (issue 14): ≤ 10 s at 10M records.
// Results go to bench/results/detect.json.
// CPU seconds (GNU time, /usr/bin/time) are reported beside wall seconds: on the shared machine wall time is 5-10x.

import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureCorpus, median, run, runCpu } from './lib.mjs';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const argOf = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const RUNS = Number(argOf('runs') ?? 3);
const RECORDS = Number(argOf('records') ?? 10_000_000);
if (!Number.isInteger(RECORDS) || RECORDS < 1 || !Number.isInteger(RUNS) || RUNS < 1) {
  process.stderr.write('usage: node bench/detect.mjs [--records N] [--runs N] [--no-each]\n');
  process.exit(2);
}
const cli = join(root, 'bin', 'flowwatch.js');
const data = join(root, 'bench', 'data');
const template = join(data, `detect-${RECORDS}.duckdb`);
const scratch = join(data, `detect-${RECORDS}.run.duckdb`);
const json = (r) => JSON.parse(r.out);

if (!existsSync(template)) {
  const startup = join(data, `startup-${RECORDS}.duckdb`);
  const building = `${template}.building`;
  rmSync(building, { force: true });
  if (existsSync(startup)) {
    copyFileSync(startup, building); // bench:startup's store of the same corpus
  } else {
    const corpus = await ensureCorpus(root, 'v5', RECORDS);
    process.stderr.write(`ingesting the corpus into ${building} (once)...\n`);
    await run('node', [cli, 'ingest', corpus, '--db', building, '--json']);
  }
  // Indicators: 980 random public addresses (xorshift, seed 7) and 20 remote addresses the store holds.
  const seen = json(
    await run('node', [
      cli,
      'sql',
      "SELECT DISTINCT dstaddr AS a FROM flows WHERE dstaddr NOT LIKE '10.%' AND dstaddr NOT LIKE '%:%' ORDER BY 1 LIMIT 20",
      '--db',
      building,
      '-o',
      'json',
    ]),
  ).map((r) => r.a);
  let seed = 7;
  const rnd = (n) => {
    seed ^= seed << 13;
    seed >>>= 0;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    seed >>>= 0;
    return Math.floor((seed / 4294967296) * n);
  };
  const list = [...seen];
  while (list.length < 1000) list.push(`${11 + rnd(200)}.${rnd(256)}.${rnd(256)}.${rnd(256)}`);
  const iocs = join(data, `detect-${RECORDS}.iocs.txt`);
  writeFileSync(iocs, `${list.join('\n')}\n`);
  await run('node', [cli, 'intel', 'add', iocs, '--name', 'bench', '--db', building]);
  copyFileSync(building, template);
  rmSync(building, { force: true });
}

const fresh = () => {
  rmSync(`${scratch}.wal`, { force: true });
  copyFileSync(template, scratch);
};
const detect = async (extra = []) => {
  fresh();
  const r = await runCpu('node', [cli, 'detect', '--db', scratch, '-o', 'json', ...extra]);
  return { ...r, result: json(r) };
};
const baselineSql = 'SELECT interface_id, count(*) AS records, sum(bytes) AS bytes FROM flows GROUP BY 1';
const times = { detect: [], baseline: [] };
const cpu = { detect: [], baseline: [] };
let last;
let peakMb = 0;
for (let i = 0; i < RUNS; i++) {
  // interleaved, so that load on the shared machine falls on both alike
  const b = await runCpu('node', [cli, 'sql', baselineSql, '--db', template, '-o', 'json']);
  times.baseline.push(b.seconds);
  cpu.baseline.push(b.cpuSeconds);
  last = await detect();
  times.detect.push(last.seconds);
  cpu.detect.push(last.cpuSeconds);
  peakMb = Math.max(peakMb, last.peakMb);
  process.stderr.write(
    `run ${i + 1}: detect ${last.seconds.toFixed(2)} s (CPU ${last.cpuSeconds.toFixed(2)} s), baseline ${b.seconds.toFixed(2)} s (CPU ${b.cpuSeconds.toFixed(2)} s)\n`,
  );
}
const m = { detect: median(times.detect), baseline: median(times.baseline) };
const mc = { detect: median(cpu.detect), baseline: median(cpu.baseline) };
const findings = last.result.findings.length;

const each = [];
if (!args.includes('--no-each')) {
  for (const id of last.result.detections) {
    const r = await detect(['--only', id]);
    each.push({
      id,
      seconds: r.seconds,
      cpuSeconds: r.cpuSeconds,
      peakMb: r.peakMb,
      elapsedMs: r.result.elapsedMs,
      findings: r.result.findings.length,
    });
    process.stderr.write(
      `  ${id}: ${r.seconds.toFixed(2)} s, CPU ${r.cpuSeconds.toFixed(2)} s, ${Math.round(r.peakMb)} MB (${r.result.elapsedMs} ms inside)\n`,
    );
  }
}
rmSync(scratch, { force: true });
rmSync(`${scratch}.wal`, { force: true });

const result = {
  records: RECORDS,
  runs: RUNS,
  detections: last.result.detections.length,
  findings,
  medianSeconds: m,
  runsSeconds: times,
  medianCpuSeconds: mc,
  runsCpuSeconds: cpu,
  cpuRatioToBaseline: mc.detect / mc.baseline,
  ratioToBaseline: m.detect / m.baseline,
  peakMb,
  each,
  target: { limit: 10, met: m.detect <= 10, atRecords: 10_000_000 },
};
const s = (x) => `${x.toFixed(2)} s`;
process.stdout.write(
  `bench:detect (${RECORDS.toLocaleString('en-US')} stored records, ${result.detections} detections, median of ${RUNS})\n` +
    `  baseline: one scan, GROUP BY interface   ${s(m.baseline)} (CPU ${s(mc.baseline)})\n` +
    `  flowwatch detect (whole catalog)         ${s(m.detect)} (CPU ${s(mc.detect)})  (${result.ratioToBaseline.toFixed(1)}× the baseline; ` +
    `${findings} findings; peak RSS ${Math.round(peakMb)} MB; target ≤ 10 s at 10M: ${m.detect <= 10 ? 'met' : 'MISSED'})\n` +
    each
      .map(
        (e) =>
          `    ${e.id.padEnd(26)} ${s(e.seconds)} CPU ${s(e.cpuSeconds)} ${Math.round(e.peakMb)} MB (${e.elapsedMs} ms inside, ${e.findings} findings)\n`,
      )
      .join(''),
);
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'detect.json'), `${JSON.stringify(result, null, 2)}\n`);

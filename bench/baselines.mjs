// bench:baselines — the ingest cost of the baseline rollups: the same corpus ingested into a fresh store with the
// rollups of the built-in baseline detections (derive hook, in each file's transaction) and without, runs
// alternated in one process; medians, and the extra seconds per million records.
//
// Usage: npm run bench:baselines [-- --records 1000000 --runs 3]   (needs npm run build)
// Results: bench/results/baselines.md

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureCorpus, median } from './lib.mjs';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? dflt : Number(args[i + 1]);
};
const records = arg('records', 1_000_000);
const runs = arg('runs', 3);

const { Store } = await import(join(root, 'dist', 'storage', 'store.js'));
const { ingest } = await import(join(root, 'dist', 'ingest', 'ingest.js'));
const { builtinCatalog } = await import(join(root, 'dist', 'detect', 'catalog.js'));
const { deriveRollups, rollable, ROLLUP_DDL } = await import(join(root, 'dist', 'detect', 'rollups.js'));

const corpus = await ensureCorpus(root, 'default', records);
const catalog = builtinCatalog();
const rolled = catalog.filter(rollable).map((d) => d.id);
const work = mkdtempSync(join(tmpdir(), 'flowwatch-bench-baselines-'));

async function once(withRollups, i) {
  const db = join(work, `${withRollups ? 'with' : 'without'}-${i}.duckdb`);
  const store = await Store.open(db, { memoryLimit: '512MB' });
  try {
    if (withRollups) for (const ddl of ROLLUP_DDL) await store.query(ddl);
    const t0 = performance.now();
    const s = await ingest(store, [corpus], withRollups ? { derive: deriveRollups(catalog) } : {});
    const seconds = (performance.now() - t0) / 1000;
    const bins = withRollups
      ? Number((await store.query('SELECT count(*) AS n FROM baseline_bins')).rows[0].n)
      : 0;
    return { seconds, records: s.records, bins };
  } finally {
    store.close();
    rmSync(db, { force: true });
    rmSync(`${db}.wal`, { force: true });
  }
}

try {
  const without = [];
  const withR = [];
  let n = 0;
  let bins = 0;
  for (let i = 0; i < runs; i++) {
    const a = await once(false, i);
    const b = await once(true, i);
    without.push(a.seconds);
    withR.push(b.seconds);
    n = a.records;
    bins = b.bins;
    process.stderr.write(
      `run ${i + 1}/${runs}: without ${a.seconds.toFixed(2)} s, with ${b.seconds.toFixed(2)} s\n`,
    );
  }
  const m0 = median(without);
  const m1 = median(withR);
  const perMillion = ((m1 - m0) / n) * 1e6;
  // Paired: each run's with/without ratio (the two ingests of a run are next to each other in time, so a shared
  // machine's load swings hit both alike); the median of those ratios.
  const ratios = withR.map((w, i) => w / without[i]);
  const pairedPct = (median(ratios) - 1) * 100;
  const md = [
    '## Baseline rollups: ingest cost (bench:baselines)',
    '',
    `Corpus: ${n.toLocaleString('en-US')} default-format records of one simulated day (bench/data/corpus-default-${records}), ingested into a fresh store, ${runs} runs each, alternated. Rollups of: ${rolled.join(', ')} (${bins.toLocaleString('en-US')} bin rows).`,
    '',
    '| | median s | records/s |',
    '| --- | ---: | ---: |',
    `| ingest without rollups | ${m0.toFixed(2)} | ${Math.round(n / m0).toLocaleString('en-US')} |`,
    `| ingest with rollups | ${m1.toFixed(2)} | ${Math.round(n / m1).toLocaleString('en-US')} |`,
    '',
    `Cost: ${perMillion.toFixed(2)} s per million records (${(((m1 - m0) / m0) * 100).toFixed(1)} % of ingest, medians); paired per run: ${ratios.map((r) => `+${((r - 1) * 100).toFixed(0)} %`).join(', ')} (median ${pairedPct >= 0 ? '+' : ''}${pairedPct.toFixed(1)} %).`,
    '',
  ].join('\n');
  process.stdout.write(md);
  const results = join(root, 'bench', 'results');
  mkdirSync(results, { recursive: true });
  writeFileSync(join(results, 'baselines.md'), md);
} finally {
  rmSync(work, { recursive: true, force: true });
}

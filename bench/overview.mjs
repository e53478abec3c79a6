// bench:overview — the dashboard Overview (`overview()` of src/server/routes/overview.ts, in process) over a stored
// corpus: whole hours from the Overview rollup and the deduplicated per-hour cache (src/storage/overview-rollup.ts)
// against the records alone (`rollup: false`, the one scan the Overview did before), both views, for the whole
// data (its hours), the whole data with half-hour edges, and one hour; the deduplicated view cold (cache emptied
// first: its hours computed from the records and written) and warm. CPU time (process.cpuUsage: DuckDB's threads
// included) and wall time, medians of --runs, each pair interleaved; the JSON of both paths compared. With
// --old-dist DIR, the same calls through another build's overview() (e.g. the build before the rollup) as well.
//
// Usage: npm run build && npm run bench:overview -- --db STORE [--runs 3] [--old-dist DIR]
// STORE is written (the cache): use a copy, e.g. a store made by `flowwatch ingest bench/data/corpus-v5-10000000`.

import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const argOf = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const db = argOf('db');
if (!db) {
  process.stderr.write(
    'bench:overview: give --db STORE (a copy: the deduplicated cache is written into it)\n',
  );
  process.exit(2);
}
const runs = Number(argOf('runs') ?? 3);
const oldDist = argOf('old-dist');
const mod = (dist, p) => import(pathToFileURL(join(dist, p)).href);
const { Store } = await mod(join(root, 'dist'), 'storage/store.js');
const { overview, chooseBin } = await mod(join(root, 'dist'), 'server/routes/overview.js');
const old = oldDist ? (await mod(resolve(oldDist), 'server/routes/overview.js')).overview : undefined;

const store = await Store.open(resolve(db));
const span = (
  await store.query('SELECT min(event_time) AS lo, max(event_time) AS hi, count(*) AS n FROM flows')
).rows[0];
const lo = Math.floor(Number(span.lo) / 3600) * 3600;
const hi = Math.ceil((Number(span.hi) + 1) / 3600) * 3600;
const records = Number(span.n);
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const timed = async (fn) => {
  const c = cpu();
  const t = performance.now();
  const out = await fn();
  return { out, cpu: cpu() - c, wall: (performance.now() - t) / 1000 };
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const clearCache = () =>
  store.query('DELETE FROM overview_dedup').then(() => store.query('DELETE FROM overview_dedup_hours'));

const ranges = [
  ['whole data', lo, hi],
  ['with half-hour edges', lo + 1800, hi - 1800],
  ['one hour', lo + 12 * 3600, lo + 13 * 3600],
];
const rows = [];
for (const [name, since, until] of ranges) {
  const bin = chooseBin(since, until);
  for (const view of ['per-eni', 'deduplicated']) {
    const m = { records: [], rollup: [], cold: [], old: [] };
    let same = true;
    let sameOld = true;
    for (let i = 0; i < runs; i++) {
      const base = await timed(() => overview(store, since, until, bin, 10, view, { rollup: false }));
      m.records.push(base);
      if (view === 'deduplicated') {
        await clearCache();
        const cold = await timed(() => overview(store, since, until, bin, 10, view));
        m.cold.push(cold);
        same &&= isDeepStrictEqual(cold.out, base.out);
      }
      const warm = await timed(() => overview(store, since, until, bin, 10, view));
      m.rollup.push(warm);
      same &&= isDeepStrictEqual(warm.out, base.out);
      if (old) {
        const o = await timed(() => old(store, since, until, bin, 10, view));
        m.old.push(o);
        sameOld &&= isDeepStrictEqual(o.out, warm.out);
      }
    }
    const fig = (xs) =>
      xs.length === 0 ? null : { cpu: median(xs.map((x) => x.cpu)), wall: median(xs.map((x) => x.wall)) };
    const r = {
      range: name,
      view,
      bin,
      records: fig(m.records),
      cold: fig(m.cold),
      rollup: fig(m.rollup),
      old: fig(m.old),
      sameAsRecords: same,
      sameAsOld: old ? sameOld : null,
    };
    rows.push(r);
    process.stderr.write(`${JSON.stringify(r)}\n`);
  }
}
const sizes = {};
for (const t of ['overview_rollup', 'overview_dedup'])
  sizes[t] = Number((await store.query(`SELECT count(*) AS n FROM ${t}`)).rows[0].n);
store.close();

const f = (x) => (x ? `${x.cpu.toFixed(2)} / ${x.wall.toFixed(2)}` : '—');
process.stdout.write(
  `bench:overview over ${records.toLocaleString('en-US')} records, ${(hi - lo) / 3600} hours; CPU s / wall s, median of ${runs}\n` +
    `rows: overview_rollup ${sizes.overview_rollup.toLocaleString('en-US')}, overview_dedup ${sizes.overview_dedup.toLocaleString('en-US')}\n\n` +
    `| range | view | records alone | rollup (warm) | dedup cold | ${old ? 'old build | ' : ''}CPU ratio records/rollup | same JSON |\n` +
    `| --- | --- | --- | --- | --- | ${old ? '--- | ' : ''}--- | --- |\n` +
    rows
      .map(
        (r) =>
          `| ${r.range} | ${r.view} | ${f(r.records)} | ${f(r.rollup)} | ${f(r.cold)} | ${old ? `${f(r.old)} | ` : ''}${(r.records.cpu / r.rollup.cpu).toFixed(1)}× | ${r.sameAsRecords ? 'yes' : 'NO'}${old ? (r.sameAsOld ? ', = old' : ', ≠ old') : ''} |`,
      )
      .join('\n') +
    '\n',
);

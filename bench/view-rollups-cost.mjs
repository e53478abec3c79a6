// bench:view-rollups-cost — what the per-hour view rollups (src/storage/view-rollups.ts) add to ingest: for every
// file of a stored corpus, inside a transaction that is rolled back, the reject rollup's statements (the reference:
// decision record 34), the view rollups' and the Overview rollup's statements are run again over the file's stored records, interleaved,
// with the CPU time and wall time of each. The ingest's own CPU time for the same corpus is given with --ingest-cpu
// (seconds, e.g. from /usr/bin/time of `flowwatch ingest`) to state the share.
//
// Usage: npm run build && npm run bench:view-rollups-cost [-- --db bench/data/views-10000000.duckdb --ingest-cpu 94]
// The store is opened for writing (no other process may hold it) and left unchanged.

import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const argOf = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const db = resolve(argOf('db') ?? join(root, 'bench', 'data', 'views-10000000.duckdb'));
const ingestCpu = argOf('ingest-cpu') === undefined ? undefined : Number(argOf('ingest-cpu'));
const mod = (p) => import(pathToFileURL(join(root, 'dist', p)).href);
const { Store } = await mod('storage/store.js');
const { parseFormat } = await mod('records/format.js');
const { rejectRollupSql } = await mod('storage/reject-rollup.js');
const { viewRollupSql } = await mod('storage/view-rollups.js');
const { overviewRollupSql } = await mod('storage/overview-rollup.js');

const store = await Store.open(db);
const files = (await store.query('SELECT id, format, record_table, records FROM files ORDER BY id')).rows;
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const total = { reject: { cpu: 0, wall: 0 }, views: { cpu: 0, wall: 0 }, overview: { cpu: 0, wall: 0 } };
let records = 0;
// DuckDB's own threads count in the process's CPU time, so the measure is what the statements cost in all.
const byTable = {};
const time = async (key, sqls) => {
  const c0 = cpu();
  const t0 = performance.now();
  for (const sql of sqls) {
    const c1 = cpu();
    await store.query(sql);
    if (key === 'views') {
      const t = /INSERT INTO (\w+)/.exec(sql)?.[1] ?? '?';
      byTable[t] = (byTable[t] ?? 0) + cpu() - c1;
    }
  }
  total[key].cpu += cpu() - c0;
  total[key].wall += (performance.now() - t0) / 1000;
};
for (const [i, f] of files.entries()) {
  const format = parseFormat(String(f.format));
  const id = Number(f.id);
  const table = String(f.record_table);
  records += Number(f.records);
  await store.query('BEGIN TRANSACTION');
  try {
    // Alternate which runs first, so a warm cache favours neither.
    const each = [
      ['reject', rejectRollupSql(format, table, id)],
      ['views', viewRollupSql(format, table, id)],
      ['overview', overviewRollupSql(format, table, id)],
    ];
    for (let k = 0; k < each.length; k++) await time(...each[(i + k) % each.length]);
  } finally {
    await store.query('ROLLBACK');
  }
}
store.close();
const f2 = (x) => x.toFixed(2);
process.stdout.write(
  `bench:view-rollups-cost (${files.length} files, ${records.toLocaleString('en-US')} records)\n` +
    `  reject rollup (reference)  CPU ${f2(total.reject.cpu)} s, wall ${f2(total.reject.wall)} s\n` +
    `  view rollups               CPU ${f2(total.views.cpu)} s, wall ${f2(total.views.wall)} s` +
    `  (${f2(total.views.cpu / total.reject.cpu)}× the reject rollup's CPU)\n` +
    `  view rollups' CPU by table: ${Object.entries(byTable)
      .map(([t, c]) => `${t} ${f2(c)} s`)
      .join(', ')}\n` +
    `  Overview rollup            CPU ${f2(total.overview.cpu)} s, wall ${f2(total.overview.wall)} s` +
    `  (${f2(total.overview.cpu / total.reject.cpu)}× the reject rollup's CPU)\n` +
    (ingestCpu
      ? `  share of the ingest's ${ingestCpu} CPU-s: reject rollup ${f2((100 * total.reject.cpu) / ingestCpu)}%, view rollups ${f2((100 * total.views.cpu) / ingestCpu)}%, Overview rollup ${f2((100 * total.overview.cpu) / ingestCpu)}%\n`
      : ''),
);

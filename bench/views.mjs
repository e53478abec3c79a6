// bench:views — the views over the newest fields answered over a stored corpus (target: each ≤ 2 s at 10M records),
// beside a plain `SELECT count(*) FROM flows` over the same store in the same run: `report encryption` (by vpc),
// `report traffic-kinds`, `report paths` (with the cost estimate) and `report compliance`, each over the corpus's
// whole day, as the dashboard's routes call them (in process, store opened read-only). Each is the median of --runs
// runs, interleaved so load on the machine falls on all alike.
//
// Usage: npm run build && npm run bench:views [-- --records 10000000 --runs 5]
// The corpus (the simulator's records in a format with every field the views read, versions 2–11) and its store
// are made once in bench/data/ and reused. Results go to bench/results/views.json.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median, run } from './lib.mjs';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const argOf = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const RUNS = Number(argOf('runs') ?? 5);
const RECORDS = Number(argOf('records') ?? 10_000_000);
if (!Number.isInteger(RECORDS) || RECORDS < 1 || !Number.isInteger(RUNS) || RUNS < 1) {
  process.stderr.write('usage: node bench/views.mjs [--records N] [--runs N]\n');
  process.exit(2);
}
const LIMIT_SECONDS = 2;
const cli = join(root, 'bin', 'flowwatch.js');
const data = join(root, 'bench', 'data');
const corpus = join(data, `corpus-v11-${RECORDS}`);
const db = join(data, `views-${RECORDS}.duckdb`);
const START = Date.parse('2026-01-05T00:00:00Z') / 1000;
const FORMAT = [
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
  'vpc-id subnet-id type pkt-srcaddr pkt-dstaddr az-id pkt-src-aws-service pkt-dst-aws-service flow-direction',
  'traffic-path reject-reason resource-id encryption-status interface-type next-hop-az-id next-hop-interface-type',
]
  .join(' ')
  .split(' ')
  .map((f) => `\${${f}}`)
  .join(' ');

mkdirSync(data, { recursive: true });
if (!existsSync(join(corpus, 'manifest.json'))) {
  process.stderr.write(`generating a ${RECORDS}-record corpus in ${corpus} (once)...\n`);
  await run('node', [
    cli,
    'simulate',
    '--out',
    corpus,
    '--records',
    String(RECORDS),
    '--days',
    '1',
    '--seed',
    '7',
    '--start',
    '2026-01-05T00:00:00Z',
    '--format',
    FORMAT,
  ]);
}
if (!existsSync(db)) {
  process.stderr.write(`ingesting the corpus into ${db} (once)...\n`);
  await run('node', [cli, 'ingest', corpus, '--db', db, '--json']);
}

const mod = (p) => import(pathToFileURL(join(root, 'dist', p)).href);
const { Store } = await mod('storage/store.js');
const { encryptionReport, trafficKinds } = await mod('storage/traffic-reports.js');
const { pathsReport } = await mod('storage/path-costs.js');
const { complianceData } = await mod('storage/compliance.js');
const { estimateCosts } = await mod('cost/estimate.js');
const { DEFAULT_PRICES, regionPrices } = await mod('cost/prices.js');

const store = await Store.open(db, { readOnly: true });
const range = { since: START, until: START + 86_400 };
const stored = Number((await store.query('SELECT count(*) AS n FROM flows')).rows[0].n);
const cases = {
  countBaseline: async () => Number((await store.query('SELECT count(*) AS n FROM flows')).rows[0].n),
  // A one-pass scan of the range (count and sum of bytes): what reading the records costs at all.
  scanBaseline: async () =>
    (
      await store.query(
        'SELECT count(*) AS n, sum(bytes) AS b FROM flows WHERE event_time >= $1::BIGINT AND event_time < $2::BIGINT',
        [BigInt(range.since), BigInt(range.until)],
      )
    ).rows[0],
};
// Each view three ways: the whole day (whole hours: the per-hour rollups alone), the day less 30 min at each end
// (22 whole hours from the rollups, the two half hours from the records) and the records alone (`rollup: false`,
// the path before the rollups).
const views0 = {
  encryption: (r) => encryptionReport(store, { ...r, by: 'vpc' }),
  trafficKinds: (r) => trafficKinds(store, r),
  paths: async (r) => {
    const p = await pathsReport(store, r);
    return estimateCosts(p, DEFAULT_PRICES, 'us-east-1', regionPrices(DEFAULT_PRICES, 'us-east-1'));
  },
  compliance: (r) => complianceData(store, r),
};
const edges = { since: range.since + 1800, until: range.until - 1800 };
for (const [name, fn] of Object.entries(views0)) {
  cases[name] = () => fn(range);
  cases[`${name}Edges`] = () => fn(edges);
  cases[`${name}Records`] = () => fn({ ...range, rollup: false });
}
const rollupRows = Object.fromEntries(
  await Promise.all(
    [
      'enc_rollup',
      'enc_talker_rollup',
      'kinds_rollup',
      'paths_rollup',
      'coverage_rollup',
      'reject_key_rollup',
    ].map(async (t) => [t, Number((await store.query(`SELECT count(*) AS n FROM ${t}`)).rows[0].n)]),
  ),
);
const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
const rssPeak = { mb: 0 };
for (let i = 0; i < RUNS; i++) {
  for (const [name, fn] of Object.entries(cases)) {
    const t = performance.now();
    await fn();
    times[name].push((performance.now() - t) / 1000);
    rssPeak.mb = Math.max(rssPeak.mb, process.memoryUsage().rss / 2 ** 20);
  }
}
store.close();
const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
const views = ['encryption', 'trafficKinds', 'paths', 'compliance'];
const result = {
  records: stored,
  runs: RUNS,
  rollupRows,
  medianSeconds: m,
  ratioToRecords: Object.fromEntries(views.map((v) => [v, m[v] / m[`${v}Records`]])),
  cpuSeconds: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1e4) / 100,
  ratioToCount: Object.fromEntries(views.map((v) => [v, m[v] / m.countBaseline])),
  ratioToScan: Object.fromEntries(views.map((v) => [v, m[v] / m.scanBaseline])),
  loadAverage: os.loadavg(),
  peakRssMb: Math.round(rssPeak.mb),
  targets: Object.fromEntries(
    views.map((v) => [
      v,
      {
        limit: LIMIT_SECONDS,
        met: m[v] <= LIMIT_SECONDS && m[`${v}Edges`] <= LIMIT_SECONDS,
        atRecords: 10_000_000,
      },
    ]),
  ),
};
const s = (x) => `${x.toFixed(3)} s`;
process.stdout.write(
  `bench:views (${stored.toLocaleString('en-US')} stored records, whole day, median of ${RUNS}; peak RSS ${result.peakRssMb} MB)\n` +
    `  SELECT count(*)          ${s(m.countBaseline)}\n` +
    `  scan (count, sum bytes)  ${s(m.scanBaseline)}\n` +
    views
      .map(
        (v) =>
          `  ${v.padEnd(24)} ${s(m[v])} whole hours, ${s(m[`${v}Edges`])} with half-hour edges, ${s(m[`${v}Records`])} records only  (${(m[v] / m.scanBaseline).toFixed(1)}× the scan; target ≤ ${LIMIT_SECONDS} s: ${m[v] <= LIMIT_SECONDS && m[`${v}Edges`] <= LIMIT_SECONDS ? 'met' : 'MISSED'})`,
      )
      .join('\n') +
    `\n  rollup rows: ${JSON.stringify(rollupRows)}; process CPU ${result.cpuSeconds} s` +
    `\n  load average during the run: ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} (2 cores)` +
    (stored === 10_000_000 ? '\n' : `\n  (measured at ${stored.toLocaleString('en-US')}, not 10M)\n`),
);
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'views.json'), `${JSON.stringify(result, null, 2)}\n`);

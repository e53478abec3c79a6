// bench:startup — how long a whole `flowwatch` process takes, beside Node's own start (`node -e ''`) in the same
// run: `flowwatch --help` (target: ≤ Node's start + 0.15 s) and `flowwatch top rejected` over a stored corpus
// (target: ≤ 0.6 s over 10M records). Each is the median of --runs runs, interleaved so load on the machine
// falls on all alike.
//
// Usage: npm run bench:startup [-- --records 10000000 --runs 5]
// The corpus (bench/lib.mjs ensureCorpus) and its store are made once in bench/data/ and reused.
// Results go to bench/results/startup.json.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureCorpus, median, run } from './lib.mjs';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const argOf = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const RUNS = Number(argOf('runs') ?? 5);
const RECORDS = Number(argOf('records') ?? 10_000_000);
if (!Number.isInteger(RECORDS) || RECORDS < 1 || !Number.isInteger(RUNS) || RUNS < 1) {
  process.stderr.write('usage: node bench/startup.mjs [--records N] [--runs N]\n');
  process.exit(2);
}
const cli = join(root, 'bin', 'flowwatch.js');
const data = join(root, 'bench', 'data');
// v3: stores written since the rejected-traffic rollup (BIGINT sums) (an older store would answer from the records).
const db = join(data, `startup-v3-${RECORDS}.duckdb`);

const corpus = await ensureCorpus(root, 'v5', RECORDS);
if (!existsSync(db)) {
  process.stderr.write(`ingesting the corpus into ${db} (once)...\n`);
  await run('node', [cli, 'ingest', corpus, '--db', db, '--json']);
}

const cases = {
  node: ['-e', ''],
  help: [cli, '--help'],
  topRejected: [cli, 'top', 'rejected', '--db', db],
};
const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let i = 0; i < RUNS; i++) {
  for (const [name, argv] of Object.entries(cases))
    times[name].push((await run(process.execPath, argv)).seconds);
}
const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
const helpOver = m.help - m.node;
const result = {
  records: RECORDS,
  runs: RUNS,
  medianSeconds: m,
  helpOverNodeSeconds: helpOver,
  targets: {
    helpOverNode: { limit: 0.15, met: helpOver <= 0.15 },
    topRejected: { limit: 0.6, met: m.topRejected <= 0.6, atRecords: 10_000_000 },
  },
};
const s = (x) => `${x.toFixed(3)} s`;
process.stdout.write(
  `bench:startup (${RECORDS.toLocaleString('en-US')} stored records, median of ${RUNS})\n` +
    `  node -e ''           ${s(m.node)}\n` +
    `  flowwatch --help     ${s(m.help)}   (Node + ${s(helpOver)}; target ≤ Node + 0.150 s: ${helpOver <= 0.15 ? 'met' : 'MISSED'})\n` +
    `  flowwatch top rejected ${s(m.topRejected)} (target ≤ 0.600 s at 10M records: ${m.topRejected <= 0.6 ? 'met' : 'MISSED'}` +
    `${RECORDS === 10_000_000 ? '' : `; measured at ${RECORDS.toLocaleString('en-US')}`})\n`,
);
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'startup.json'), `${JSON.stringify(result, null, 2)}\n`);

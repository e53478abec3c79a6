// bench:athena — the quoted Athena statements and the spec's typical queries over a 10M-record text table (the
// bench:ingest corpus: gzip files with header lines in AWS's S3 layout), run by `flowwatch athena` (local Athena:
// Athena DDL + Trino SQL on DuckDB over the files) side by side in the same process and run with the same question
// hand-written in DuckDB SQL over the same files. Medians and ratios (target ≤ 1.2× each); answers compared.
//
// Usage: npm run bench:athena [-- --runs 3]
// The table's LOCATION is s3://bench-bucket/..., read from a local mirror (bench/data/s3-mirror) without AWS.
// Results go to bench/results/athena.json.

import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureCorpus, median } from './lib.mjs';

const root = resolve(import.meta.dirname, '..');
const dist = (p) => pathToFileURL(join(root, 'dist', p)).href;
const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] || 3) || 3;
const data = join(root, 'bench', 'data');
const corpus = await ensureCorpus(root, 'default', 10_000_000);
const mirror = join(data, 's3-mirror');
mkdirSync(mirror, { recursive: true });
if (!existsSync(join(mirror, 'bench-bucket'))) symlinkSync(corpus, join(mirror, 'bench-bucket'));
const REGION_ROOT = 's3://bench-bucket/AWSLogs/123456789012/vpcflowlogs/us-east-1/';
const files = `'${corpus}/AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/01/05/*/*.log.gz'`;

const { Store } = await import(dist('storage/store.js'));
const { AthenaSession } = await import(dist('athena/session.js'));
const dir = mkdtempSync(join(tmpdir(), 'fw-bench-athena-'));
const store = await Store.open(join(dir, 'catalog.duckdb'));
const athena = await AthenaSession.open(store, { s3Root: mirror, maxRows: 100_000 });
await athena.run(`CREATE EXTERNAL TABLE IF NOT EXISTS vpc_flow_logs (
  version int, account string, interfaceid string, sourceaddress string, destinationaddress string,
  sourceport int, destinationport int, protocol int, numpackets bigint, numbytes bigint,
  starttime bigint, endtime bigint, action string, logstatus string
)
PARTITIONED BY (dt string)
ROW FORMAT DELIMITED FIELDS TERMINATED BY ' '
LOCATION '${REGION_ROOT}'
TBLPROPERTIES ("skip.header.line.count"="1")`);
await athena.run(
  `ALTER TABLE vpc_flow_logs ADD PARTITION (dt='2026-01-05') LOCATION '${REGION_ROOT}2026/01/05'`,
);

/** The same files as DuckDB reads them when a person writes the SQL: header, space-delimited, '-' is NULL. */
const T = `read_csv(${files}, delim = ' ', header = true, nullstr = '-', columns = {
  'version': 'INTEGER', 'account': 'VARCHAR', 'interfaceid': 'VARCHAR', 'sourceaddress': 'VARCHAR', 'destinationaddress': 'VARCHAR',
  'sourceport': 'INTEGER', 'destinationport': 'INTEGER', 'protocol': 'INTEGER', 'numpackets': 'BIGINT', 'numbytes': 'BIGINT',
  'starttime': 'BIGINT', 'endtime': 'BIGINT', 'action': 'VARCHAR', 'logstatus': 'VARCHAR'})`;

const QUERIES = [
  {
    name: 'issue: rejected TCP with weekday',
    athena: `SELECT day_of_week(from_iso8601_timestamp(dt)) AS day, dt, interfaceid, sourceaddress, destinationport, action, protocol FROM vpc_flow_logs WHERE action = 'REJECT' AND protocol = 6 ORDER BY sourceaddress LIMIT 100`,
    hand: `SELECT isodow(DATE '2026-01-05') AS day, '2026-01-05' AS dt, interfaceid, sourceaddress, destinationport, action, protocol FROM ${T} WHERE action = 'REJECT' AND protocol = 6 ORDER BY sourceaddress LIMIT 100`,
    // Rows tied on sourceaddress may differ (in Athena too): compare the ordered addresses and the constant columns.
    ordered: true,
    pick: (r) => [r.day, r.dt, r.sourceaddress, r.action, r.protocol],
  },
  {
    name: 'top talkers (VpcFlowLogsTopTalkers)',
    athena: `SELECT sourceaddress, SUM(numbytes) AS b FROM vpc_flow_logs GROUP BY sourceaddress ORDER BY b DESC, sourceaddress LIMIT 50`,
    hand: `SELECT sourceaddress, sum(numbytes) AS b FROM ${T} GROUP BY 1 ORDER BY b DESC, sourceaddress LIMIT 50`,
    ordered: true,
  },
  {
    name: 'rejected TCP (VpcFlowLogsRejectedTCPTraffic)',
    athena: `SELECT sourceaddress, destinationaddress, destinationport, COUNT(*) AS n FROM vpc_flow_logs WHERE action = 'REJECT' AND protocol = 6 GROUP BY 1, 2, 3 ORDER BY n DESC, 1, 2, 3 LIMIT 100`,
    hand: `SELECT sourceaddress, destinationaddress, destinationport, count(*) AS n FROM ${T} WHERE action = 'REJECT' AND protocol = 6 GROUP BY 1, 2, 3 ORDER BY n DESC, 1, 2, 3 LIMIT 100`,
    ordered: true,
  },
  {
    name: 'admin ports (VpcFlowLogsAdminPortTraffic)',
    athena: `SELECT sourceaddress, SUM(numbytes) AS b FROM vpc_flow_logs WHERE destinationport IN (22, 3389, 23, 5900) GROUP BY sourceaddress ORDER BY b DESC, sourceaddress LIMIT 10`,
    hand: `SELECT sourceaddress, sum(numbytes) AS b FROM ${T} WHERE destinationport IN (22, 3389, 23, 5900) GROUP BY 1 ORDER BY b DESC, sourceaddress LIMIT 10`,
    ordered: true,
  },
  {
    name: 'rejected per hour and port',
    athena: `SELECT date_trunc('hour', from_unixtime(starttime)) AS hr, destinationport, COUNT(*) AS flows, SUM(numpackets) AS pkts FROM vpc_flow_logs WHERE action = 'REJECT' GROUP BY 1, 2 ORDER BY flows DESC, 1, 2 LIMIT 20`,
    hand: `SELECT date_trunc('hour', to_timestamp(starttime)) AS hr, destinationport, count(*) AS flows, sum(numpackets) AS pkts FROM ${T} WHERE action = 'REJECT' GROUP BY 1, 2 ORDER BY flows DESC, 1, 2 LIMIT 20`,
    ordered: true,
  },
  {
    name: 'source prefix without CIDR functions',
    athena: `SELECT count(*) AS n, sum(numbytes) AS b FROM vpc_flow_logs WHERE split_part(sourceaddress, '.', 1) = '10' AND split_part(sourceaddress, '.', 2) = '0'`,
    hand: `SELECT count(*) AS n, sum(numbytes) AS b FROM ${T} WHERE split_part(sourceaddress, '.', 1) = '10' AND split_part(sourceaddress, '.', 2) = '0'`,
    ordered: true,
  },
];

const key = (rows, ordered, pick = (r) => Object.values(r)) => {
  const lines = rows.map((r) =>
    JSON.stringify(
      pick(r).map((v) => (v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? Number(v) : v)),
    ),
  );
  return (ordered ? lines : lines.sort()).join('\n');
};
const times = QUERIES.map(() => ({ athena: [], hand: [] }));
const same = [];
for (let i = 0; i < RUNS; i++) {
  for (const [qi, q] of QUERIES.entries()) {
    const res = {};
    for (const which of i % 2 === 0 ? ['athena', 'hand'] : ['hand', 'athena']) {
      const t0 = performance.now();
      res[which] = which === 'athena' ? (await athena.run(q.athena)).rows : (await store.query(q.hand)).rows;
      times[qi][which].push((performance.now() - t0) / 1000);
    }
    if (i === 0) same.push(key(res.athena, q.ordered, q.pick) === key(res.hand, q.ordered, q.pick));
  }
  process.stderr.write(`run ${i + 1}/${RUNS} done\n`);
}
store.close();
rmSync(dir, { recursive: true, force: true });
const results = QUERIES.map((q, i) => {
  const a = median(times[i].athena);
  const h = median(times[i].hand);
  return { name: q.name, athenaSeconds: a, handSeconds: h, ratio: a / h, sameAnswer: same[i] };
});
for (const r of results) {
  console.log(
    `${r.name.padEnd(40)} athena ${r.athenaSeconds.toFixed(2)} s  hand ${r.handSeconds.toFixed(2)} s  ${r.ratio.toFixed(2)}×  same answer: ${r.sameAnswer ? 'yes' : 'NO'}`,
  );
}
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(
  join(root, 'bench', 'results', 'athena.json'),
  `${JSON.stringify({ date: new Date().toISOString(), runs: RUNS, results }, null, 2)}\n`,
);

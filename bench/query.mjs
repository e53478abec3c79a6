// bench:query — every library Logs Insights query over 10M stored records (the simulator's v5 format), timed side by
// side in the same process and the same run with hand-written DuckDB SQL answering the same question. Reports the
// median of each and their ratio (target: each ≤ 1.3×; top-rejected-sources < 1 s), and whether the answers agree.
//
// Usage: npm run bench:query [-- --runs 5 --only name,name --records 10000000]
// The corpus and the store are made once in bench/data/ (shared with bench:ingest) and reused.
// Results go to bench/results/query.json.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureCorpus, median, run } from './lib.mjs';

const root = resolve(import.meta.dirname, '..');
const dist = (p) => pathToFileURL(join(root, 'dist', p)).href;
const args = process.argv.slice(2);
const argOf = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const RUNS = Number(argOf('runs') ?? 5);
const ONLY = argOf('only')?.split(',');
const RECORDS = Number(argOf('records') ?? 10_000_000);
const data = join(root, 'bench', 'data');
const db = join(data, RECORDS === 10_000_000 ? 'query.duckdb' : `query-${RECORDS}.duckdb`);
const cli = join(root, 'bin', 'flowwatch.js');

const corpus = await ensureCorpus(root, 'v5', RECORDS);
if (!existsSync(db)) {
  process.stderr.write(`ingesting the corpus into ${db} (once)...\n`);
  await run('node', [cli, 'ingest', corpus, '--db', db, '--json']);
}

const { LIBRARY, runQuery } = await import(dist('insights/index.js'));
const { Store } = await import(dist('storage/store.js'));
const { top } = await import(dist('storage/top-queries.js'));
const { parseFormat } = await import(dist('records/format.js'));

const store = await Store.open(db, { readOnly: true });
const format = parseFormat(
  String((await store.userQuery('SELECT format FROM files LIMIT 1')).rows[0].format),
);
const message = `concat_ws(' ', ${format.fields.map((f) => `coalesce(CAST("${f.def.column}" AS VARCHAR), '-')`).join(', ')})`;
const ts = `strftime(make_timestamp(start * 1000000), '%Y-%m-%d %H:%M:%S.%g')`;
const hour = `strftime(time_bucket(INTERVAL 1 HOUR, make_timestamp(start * 1000000)), '%Y-%m-%d %H:%M:%S.%g')`;
const five = `strftime(time_bucket(INTERVAL 5 MINUTE, make_timestamp(start * 1000000)), '%Y-%m-%d %H:%M:%S.%g')`;

/** The same questions, as a person would write them in DuckDB SQL over the flows view. */
const HAND = {
  'top-rejected-sources': `SELECT srcaddr AS "srcAddr", count(*) AS "numRejections" FROM flows WHERE action = 'REJECT' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20`,
  'top-host-pairs': `SELECT srcaddr AS "srcAddr", dstaddr AS "dstAddr", sum(packets) AS "packetsTransferred" FROM flows GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 15`,
  'top-destinations-from-subnet': `SELECT dstaddr AS "dstAddr", sum(bytes) AS "bytesTransferred" FROM flows WHERE srcaddr LIKE '10.0.1.%' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 15`,
  'udp-sources': `SELECT srcaddr AS "srcAddr", count(*) AS "count(*)" FROM flows WHERE protocol = 17 GROUP BY 1 ORDER BY 1 LIMIT 10000`,
  'skipdata-per-hour': `SELECT ${hour} AS t, count(*) AS "count(*)" FROM flows WHERE log_status = 'SKIPDATA' GROUP BY 1 ORDER BY 1 DESC`,
  'one-record-per-connection': `SELECT ${ts} AS "@timestamp", srcaddr AS "srcAddr", dstaddr AS "dstAddr", srcport AS "srcPort", dstport AS "dstPort", protocol, bytes FROM flows QUALIFY srcaddr IS NULL OR dstaddr IS NULL OR srcport IS NULL OR dstport IS NULL OR protocol IS NULL OR row_number() OVER (PARTITION BY srcaddr, dstaddr, srcport, dstport, protocol ORDER BY start DESC, file_id, line) = 1 ORDER BY start DESC, file_id, line LIMIT 10000`,
  'recent-egress': `SELECT ${ts} AS "@timestamp", ${message} AS "@message", account_id AS "ID", flow_direction AS "flowDirection" FROM flows WHERE flow_direction = 'egress' ORDER BY start DESC, file_id, line LIMIT 20`,
  'top-talkers': `SELECT srcaddr AS "srcAddr", sum(bytes) AS "bytesSent", sum(packets) AS "packetsSent", count(*) AS flows FROM flows GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20`,
  'top-conversations': `SELECT srcaddr AS "srcAddr", dstaddr AS "dstAddr", dstport AS "dstPort", sum(bytes) AS "bytesTransferred" FROM flows GROUP BY 1, 2, 3 ORDER BY 4 DESC, 1, 2, 3 LIMIT 20`,
  'rejected-by-port': `SELECT dstport AS "dstPort", protocol, count(*) AS rejections FROM flows WHERE action = 'REJECT' GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 20`,
  'rejected-by-interface': `SELECT interface_id AS "interfaceId", count(*) AS rejections FROM flows WHERE action = 'REJECT' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20`,
  'ssh-attempts': `SELECT srcaddr AS "srcAddr", action, count(*) AS attempts, count(DISTINCT dstaddr) AS targets FROM flows WHERE protocol = 6 AND dstport = 22 GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 20`,
  'rdp-attempts': `SELECT srcaddr AS "srcAddr", action, count(*) AS attempts, count(DISTINCT dstaddr) AS targets FROM flows WHERE protocol = 6 AND dstport = 3389 GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 20`,
  'ssh-rdp-summary': `SELECT action, dstport AS "dstPort", count(*) AS flows FROM flows WHERE dstport IN (22, 3389) GROUP BY 1, 2 ORDER BY 1, 2`,
  'rejected-inbound-5m': `SELECT srcaddr AS "srcAddr", ${five} AS "bin(5m)", count(*) AS attempts, sum(packets) AS pkts FROM flows WHERE action = 'REJECT' AND flow_direction = 'ingress' GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 100`,
  'traffic-by-direction': `SELECT flow_direction AS "flowDirection", action, sum(bytes) AS "bytesTransferred", sum(packets) AS "packetsTransferred", count(*) AS flows FROM flows WHERE flow_direction IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2`,
  'external-destinations': `SELECT dstaddr AS "dstAddr", sum(bytes) AS total FROM flows WHERE NOT (dstaddr LIKE '10.%' OR dstaddr LIKE '192.168.%' OR regexp_matches(dstaddr, '^172\\.(1[6-9]|2[0-9]|3[01])\\.')) GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20`,
  'ipv6-traffic': `SELECT srcaddr AS "srcAddr", dstaddr AS "dstAddr", count(*) AS flows, sum(bytes) AS "bytesTransferred" FROM flows WHERE contains(srcaddr, ':') OR contains(dstaddr, ':') GROUP BY 1, 2 ORDER BY 4 DESC, 1, 2 LIMIT 20`,
  'syn-scanners': `SELECT srcaddr AS "srcAddr", count(DISTINCT dstport) AS ports FROM flows WHERE protocol = 6 AND tcp_flags IN (2, 3, 6, 7) GROUP BY 1 HAVING ports > 20 ORDER BY 1`,
  'denied-icmp': `SELECT srcaddr AS "srcAddr", dstaddr AS "dstAddr", count(*) AS denied FROM flows WHERE protocol = 1 AND action = 'REJECT' GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 20`,
  'top-ports': `SELECT dstport AS "dstPort", protocol, count(*) AS flows, sum(bytes) AS "bytesTransferred" FROM flows GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 20`,
  'rejected-per-hour': `SELECT ${hour} AS hour, action, count(*) AS flows FROM flows GROUP BY 1, 2 ORDER BY 1, 2`,
};

const queries = LIBRARY.filter((q) => !ONLY || ONLY.includes(q.name));
const missing = queries.filter((q) => !HAND[q.name]).map((q) => q.name);
if (missing.length > 0) throw new Error(`no hand-written SQL for: ${missing.join(', ')}`);

// Same rows in the same order; queries ordered by CloudWatch's natural order of text are compared as sets.
const UNORDERED = new Set([
  'udp-sources',
  'syn-scanners',
  'ssh-rdp-summary',
  'traffic-by-direction',
  'rejected-per-hour',
]);
const key = (rows, ordered) => {
  const lines = rows.map((r) => JSON.stringify(Object.values(r)));
  return (ordered ? lines : lines.sort()).join('\n');
};
const times = new Map(queries.map((q) => [q.name, { insights: [], sql: [] }]));
const agree = new Map();
for (let i = 0; i < RUNS; i++) {
  for (const q of queries) {
    const t = times.get(q.name);
    // Alternate which goes first, so neither always gets the warmer cache.
    const order = i % 2 === 0 ? ['insights', 'sql'] : ['sql', 'insights'];
    const res = {};
    for (const which of order) {
      const t0 = performance.now();
      res[which] =
        which === 'insights'
          ? (await runQuery(store, q.perEni ?? q.query)).rows
          : (await store.userQuery(HAND[q.name], 100_000)).rows;
      t[which].push((performance.now() - t0) / 1000);
    }
    if (i === 0)
      agree.set(q.name, {
        rows: res.insights.length,
        same: key(res.insights, !UNORDERED.has(q.name)) === key(res.sql, !UNORDERED.has(q.name)),
      });
  }
  process.stderr.write(`run ${i + 1}/${RUNS} done\n`);
}

// The cost of counting each flow once: the deduplicated form against the per-ENI form of the same question,
// alternating which goes first. Library queries that sum bytes (Logs Insights, a per-record filter) and
// `flowwatch top` (src/storage/flow-views.ts: two small sets, then a per-record filter).
const dedupCases = [
  ...queries
    .filter((q) => q.perEni !== undefined)
    .map((q) => ({
      name: `insights ${q.name}`,
      dedup: async () => (await runQuery(store, q.query)).rows.length,
      perEni: async () => (await runQuery(store, q.perEni)).rows.length,
    })),
  ...['talkers', 'ports', 'protocols'].map((kind) => ({
    name: `top ${kind}`,
    dedup: async () => (await top(store, kind, { view: 'deduplicated' })).rows.length,
    perEni: async () => (await top(store, kind, { view: 'per-eni' })).rows.length,
  })),
];
const dedupTimes = new Map(dedupCases.map((c) => [c.name, { dedup: [], perEni: [] }]));
for (let i = 0; i < RUNS; i++) {
  for (const c of dedupCases) {
    const order = i % 2 === 0 ? ['dedup', 'perEni'] : ['perEni', 'dedup'];
    for (const which of order) {
      const t0 = performance.now();
      await c[which]();
      dedupTimes.get(c.name)[which].push((performance.now() - t0) / 1000);
    }
  }
}
store.close();

const results = queries.map((q) => {
  const t = times.get(q.name);
  const insights = median(t.insights);
  const sql = median(t.sql);
  return {
    name: q.name,
    insightsSeconds: insights,
    sqlSeconds: sql,
    ratio: insights / sql,
    ...agree.get(q.name),
  };
});
const pad = (s, n) => String(s).padEnd(n);
console.log(
  `${pad('query', 30)} ${pad('insights s', 11)} ${pad('hand SQL s', 11)} ${pad('ratio', 6)} rows  same answer`,
);
for (const r of results) {
  console.log(
    `${pad(r.name, 30)} ${pad(r.insightsSeconds.toFixed(3), 11)} ${pad(r.sqlSeconds.toFixed(3), 11)} ${pad(`${r.ratio.toFixed(2)}×`, 6)} ${pad(r.rows, 5)} ${r.same ? 'yes' : 'NO'}`,
  );
}
const dedup = dedupCases.map((c) => {
  const t = dedupTimes.get(c.name);
  return {
    name: c.name,
    dedupSeconds: median(t.dedup),
    perEniSeconds: median(t.perEni),
    ratio: median(t.dedup) / median(t.perEni),
  };
});
console.log(`\n${pad('deduplicated vs per ENI', 40)} ${pad('dedup s', 9)} ${pad('per-ENI s', 10)} ratio`);
for (const r of dedup) {
  console.log(
    `${pad(r.name, 40)} ${pad(r.dedupSeconds.toFixed(3), 9)} ${pad(r.perEniSeconds.toFixed(3), 10)} ${r.ratio.toFixed(2)}×`,
  );
}
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(
  join(root, 'bench', 'results', 'query.json'),
  `${JSON.stringify({ date: new Date().toISOString(), records: RECORDS, runs: RUNS, results, dedup }, null, 2)}\n`,
);

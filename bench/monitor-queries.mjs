// bench:monitor-queries — the monitor's query side beside its ingest: a real monitor (startMonitor, the bench's
// config: one metric filter, the API with a key) on a copy of a stored corpus, the dashboard's heavier requests
// (Overview of a day in both views, the day's rejected flows, a Logs Insights query of a day) over HTTP and the
// live detections' evaluation of one hour (detectWithSql, the runner's function) in process; each idle, then
// while the sink stores 10,000-line batches (bench:cwapi's lines, 4 in flight). Per request: wall and process CPU
// (DuckDB's threads included), medians of --reps after one warm-up; the sink's CPU per record alone and beside
// the queries. Written for decision "PutLogEvents speed 4": DuckDB's `threads` (`--threads`, monitor.threads) 1 vs 2.
//
// Usage: npm run build && npm run bench:monitor-queries -- --db STORE [--threads N] [--reps 3] [--batches 40] [--root DIR]
// STORE is copied first (the monitor writes into its copy).

import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { batch as batchLines, IN_FLIGHT, pool as poolOf } from './cwapi-lines.mjs';
import { median } from './lib.mjs';

const args = process.argv.slice(2);
const argOf = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const root = resolve(argOf('root', resolve(import.meta.dirname, '..')));
const source = argOf('db');
if (!source) {
  process.stderr.write('bench:monitor-queries: give --db STORE (a stored corpus; it is copied first)\n');
  process.exit(2);
}
const REPS = Number(argOf('reps', 3));
const BATCHES = Number(argOf('batches', 40));
// DuckDB's threads for the monitor's store (monitor.threads; absent: the monitor's default).
const THREADS = argOf('threads', undefined);
const dist = (p) => pathToFileURL(join(root, 'dist', p)).href;
const { loadConfig } = await import(dist('config/config.js'));
const { startMonitor } = await import(dist('monitor/monitor.js'));
const { detectWithSql } = await import(dist('detect/run.js'));
const { dashboardRoutes } = await import(dist('server/dashboard.js'));

const dir = mkdtempSync(join(tmpdir(), 'fw-bench-mq-'));
const db = join(dir, 'store.duckdb');
copyFileSync(resolve(source), db);
if (existsSync(`${resolve(source)}.wal`)) copyFileSync(`${resolve(source)}.wal`, `${db}.wal`);
const file = join(dir, 'flowwatch.yaml');
const PATTERN =
  '[version, account, eni, source, destination, srcport, destport = 22, protocol = 6, packets, bytes, windowstart, windowend, action = REJECT, flowlogstatus]';
writeFileSync(
  file,
  `metricFilters:
  - { name: ssh, pattern: "${PATTERN}", metricNamespace: FlowLogs, metricName: RejectedSSH, metricValue: "1" }
monitor: { listen: "127.0.0.1:0", stateDir: "${join(dir, 'state')}"${THREADS ? `, threads: ${THREADS}` : ''} }
api: { credentials: [{ accessKeyId: AKIABENCH, secretAccessKey: bench-secret }] }
`,
);
const config = loadConfig(file, true);
const monitor = await startMonitor({
  config,
  configPath: file,
  db,
  log: () => undefined,
  env: {},
  ...dashboardRoutes(),
});
const token = readFileSync(join(dir, 'state', 'api-token'), 'utf8').trim();
const threads = Number((await monitor.store.query(`SELECT current_setting('threads') AS t`)).rows[0]['t']);
const span = (await monitor.store.query('SELECT min(event_time) AS lo, max(event_time) AS hi FROM flows'))
  .rows[0];
const day = Math.floor(Number(span.lo) / 86_400) * 86_400;
const range = { since: day, until: day + 86_400 };
const hour = { since: day + 12 * 3600, until: day + 13 * 3600 };

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const http = async (method, path, body) => {
  const res = await fetch(`${monitor.url}/api${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return text.length;
};
const session = await monitor.store.session();
const run = async (sql) => (await session.query(sql)).rows;
const queries = {
  'overview day (deduplicated)': () => http('GET', `/overview?since=${range.since}&until=${range.until}`),
  'overview day (per-eni)': () =>
    http('GET', `/overview?since=${range.since}&until=${range.until}&view=per-eni`),
  'rejected flows of the day': () =>
    http('GET', `/network/rejects?since=${range.since}&until=${range.until}`),
  'insights: bytes by source, day': () =>
    http('POST', '/query', {
      query: 'stats sum(bytes) as b, count(*) as n by srcAddr | sort b desc | limit 10',
      ...range,
    }),
  'detections: evaluate one hour': () =>
    detectWithSql(config.detections, { engine: 'duckdb' }, hour, run).then((f) => f.length),
};

const timed = async (fn) => {
  const c = cpu();
  const t = performance.now();
  await fn();
  return { wall: (performance.now() - t) / 1000, cpu: cpu() - c };
};
const measureQueries = async () => {
  const out = {};
  for (const [name, fn] of Object.entries(queries)) {
    await fn(); // warm-up (the Overview's per-hour cache, the page cache)
    const ms = [];
    for (let r = 0; r < REPS; r++) ms.push(await timed(fn));
    out[name] = {
      wall: Number(median(ms.map((m) => m.wall)).toFixed(3)),
      cpu: Number(median(ms.map((m) => m.cpu)).toFixed(3)),
    };
  }
  return out;
};

const now = Math.floor(Date.now() / 1000);
let nextBatch = 0;
const ingest = async (n) => {
  const first = nextBatch;
  nextBatch += n;
  const c = cpu();
  const t = performance.now();
  await poolOf(n, IN_FLIGHT, (b) =>
    monitor.sink.write({
      kind: 'lines',
      source: 'bench',
      key: `k${first + b}`,
      origin: `bench://${first + b}`,
      lines: batchLines(first + b, now),
    }),
  );
  await monitor.sink.flush();
  const seconds = (performance.now() - t) / 1000;
  return {
    recordsPerSecond: Math.round((n * 10_000) / seconds),
    cpuPerRecordUs: Number((((cpu() - c) * 1e6) / (n * 10_000)).toFixed(2)),
  };
};

try {
  const idle = await measureQueries();
  const sinkAlone = await ingest(BATCHES);
  // Queries while the sink stores: the ingest runs until the queries are done.
  let stop = false;
  const c = cpu();
  const t = performance.now();
  let stored = 0;
  const writer = (async () => {
    while (!stop) {
      await ingest(IN_FLIGHT * 2);
      stored += IN_FLIGHT * 2 * 10_000;
    }
  })();
  const busy = await measureQueries();
  stop = true;
  await writer;
  const busySeconds = (performance.now() - t) / 1000;
  const result = {
    date: new Date().toISOString(),
    root,
    threads,
    records: Number((await monitor.store.query('SELECT count(*) AS n FROM flows')).rows[0]['n']),
    idle,
    sinkAlone,
    whileIngesting: {
      queries: busy,
      sinkRecordsPerSecond: Math.round(stored / busySeconds),
      processCpuSeconds: Number((cpu() - c).toFixed(2)),
    },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  session.close();
  await monitor.stop();
  rmSync(dir, { recursive: true, force: true });
}

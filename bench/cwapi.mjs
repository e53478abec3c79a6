// bench:cwapi — the CloudWatch-compatible API's two targets (issue 17), each beside a baseline without the API:
//   1. PutLogEvents of 10,000 flow lines per call through the AWS SDK (signed, JSON 1.1), 4 calls in flight, against
//      the same 10,000-line batches handed straight to the monitor's sink (the path Firehose and subscription
//      payloads take): records/s sustained. Target >= 100k records/s.
//   2. TestMetricFilter for 100 lines (two calls of 50, the API's limit per call) through the SDK, against the
//      matcher `flowwatch test-pattern` runs in-process over the same 100 lines: median ms. Target <= 20 ms.
//
// Each PutLogEvents line also gives CPU microseconds per record (process.cpuUsage: client, server and DuckDB's threads
// share this process), beside the floor: DuckDB alone storing the same lines in commits of 40,000 (bench/lib.mjs
// duckdbFloor, a child process).
//
// Usage: npm run build (or npx tsc -p tsconfig.build.json), then npm run bench:cwapi [-- --calls 30 --reps 50]
// (--root DIR runs the dist/ of another build)
// (--flush-ms N sets the monitor's flushMillis; default: the monitor's default, 250).
// Results go to bench/results/cwapi.json.

import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
  TestMetricFilterCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { batch as batchLines, IN_FLIGHT, pool as poolOf } from './cwapi-lines.mjs';
import { duckdbFloor, median } from './lib.mjs';

const root = resolve(import.meta.dirname, '..');
// --root DIR: the dist/ of another build (e.g. the one before a change), for a before/after in one sitting.
const rootArg = process.argv.indexOf('--root');
const build = rootArg >= 0 ? resolve(process.argv[rootArg + 1]) : root;
const dist = (p) => pathToFileURL(join(build, 'dist', p)).href;
const { loadConfig } = await import(dist('config/config.js'));
const { startMonitor } = await import(dist('monitor/monitor.js'));
const { compileMatcher, parsePattern } = await import(dist('filter/index.js'));

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const CALLS = opt('calls', 30);
const REPS = opt('reps', 50);
const FLUSH_MS = opt('flush-ms', 0);
// DuckDB's threads for the monitor's store (monitor.threads; 0: the monitor's default).
const THREADS = opt('threads', 0);
const PATTERN =
  '[version, account, eni, source, destination, srcport, destport = 22, protocol = 6, packets, bytes, windowstart, windowend, action = REJECT, flowlogstatus]';

const now = Math.floor(Date.now() / 1000);
const batch = (b) => batchLines(b, now);

/** CPU seconds (user + system) of this process since `c0`. */
const cpuSince = (c0) => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
};

const pool = (n, fn) => poolOf(n, IN_FLIGHT, fn);

const dir = mkdtempSync(join(tmpdir(), 'fw-bench-cwapi-'));
const file = join(dir, 'flowwatch.yaml');
writeFileSync(
  file,
  `metricFilters:
  - { name: ssh, pattern: "${PATTERN}", metricNamespace: FlowLogs, metricName: RejectedSSH, metricValue: "1" }
monitor: { listen: "127.0.0.1:0", stateDir: "${join(dir, 'state')}"${FLUSH_MS ? `, flushMillis: ${FLUSH_MS}` : ''}${THREADS ? `, threads: ${THREADS}` : ''} }
api: { credentials: [{ accessKeyId: AKIABENCH, secretAccessKey: bench-secret }] }
`,
);
const monitor = await startMonitor({
  config: loadConfig(file, true),
  configPath: file,
  db: join(dir, 'bench.duckdb'),
  log: () => undefined,
  env: {},
});
const client = new CloudWatchLogsClient({
  endpoint: monitor.url,
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIABENCH', secretAccessKey: 'bench-secret' },
  maxAttempts: 1,
});
try {
  await client.send(new CreateLogGroupCommand({ logGroupName: '/bench' }));
  await client.send(new CreateLogStreamCommand({ logGroupName: '/bench', logStreamName: 's' }));
  const batches = Array.from({ length: CALLS }, (_, b) => batch(b));

  // Baseline: the same batches straight into the sink.
  let c0 = process.cpuUsage();
  let t0 = performance.now();
  await pool(CALLS, (b) =>
    monitor.sink.write({
      kind: 'lines',
      source: 'bench-sink',
      key: `k${b}`,
      origin: `bench://${b}`,
      lines: batches[b],
    }),
  );
  // Each phase ends with the sink's flush: what a commit defers (the monitor's deferred rollups) is paid in the
  // phase that caused it, not in the next one or after the measurement.
  await monitor.sink.flush();
  const sinkSeconds = (performance.now() - t0) / 1000;
  const sinkCpu = cpuSince(c0);

  // The sink again with each line's CloudWatch Logs event time, as PutLogEvents hands them (a side file joined on
  // the line numbers): how much of the API's cost is the event-time join rather than the API itself.
  const stamp = (i) => ({ ms: (now - 600 + Math.floor((i * 60) / 10_000)) * 1000, source: 'cwl-event' });
  const stamped = batches.map((lines) => lines.map((_, i) => stamp(i)));
  c0 = process.cpuUsage();
  t0 = performance.now();
  await pool(CALLS, (b) =>
    monitor.sink.write({
      kind: 'lines',
      source: 'bench-sink-times',
      key: `t${b}`,
      origin: `bench://t${b}`,
      lines: batches[b],
      times: stamped[b],
    }),
  );
  await monitor.sink.flush();
  const sinkTimesSeconds = (performance.now() - t0) / 1000;
  const sinkTimesCpu = cpuSince(c0);

  // PutLogEvents through the SDK (different content: the store dedupes nothing by content for live batches anyway).
  c0 = process.cpuUsage();
  t0 = performance.now();
  await pool(CALLS, (b) =>
    client.send(
      new PutLogEventsCommand({
        logGroupName: '/bench',
        logStreamName: 's',
        logEvents: batches[b].map((message, i) => ({
          timestamp: (now - 600 + Math.floor((i * 60) / 10_000)) * 1000,
          message,
        })),
      }),
    ),
  );
  await monitor.sink.flush();
  const apiSeconds = (performance.now() - t0) / 1000;
  const apiCpu = cpuSince(c0);
  // The same calls from a client process of its own (as in production: the SDK's JSON writer and signing do not
  // share the server's event loop). The server's CPU is this process's; the client reports its own.
  const child = fork(
    join(import.meta.dirname, 'cwapi-client.mjs'),
    [monitor.url, String(CALLS), String(now)],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const reply = () =>
    new Promise((res, rej) => {
      child.once('message', res);
      child.once('exit', (code) => rej(new Error(`the client process exited with ${code}`)));
    });
  if ((await reply()) !== 'ready') throw new Error('the client process did not start');
  const done = reply();
  c0 = process.cpuUsage();
  t0 = performance.now();
  child.send('go');
  const fromChild = await done;
  await monitor.sink.flush();
  const procSeconds = (performance.now() - t0) / 1000;
  const serverCpu = cpuSince(c0);
  if (fromChild.error) throw new Error(`client process: ${fromChild.error}`);
  const records = CALLS * 10_000;
  const perRecord = (cpu) => Number(((cpu * 1e6) / records).toFixed(2));
  const floor = await duckdbFloor(root, batches.slice(0, 4).flat(), 40_000, 8);

  // TestMetricFilter: 100 lines as two calls of 50.
  const hundred = batches[0].slice(0, 100);
  const apiMs = [];
  for (let r = 0; r < REPS; r++) {
    const s = performance.now();
    await client.send(
      new TestMetricFilterCommand({ filterPattern: PATTERN, logEventMessages: hundred.slice(0, 50) }),
    );
    await client.send(
      new TestMetricFilterCommand({ filterPattern: PATTERN, logEventMessages: hundred.slice(50) }),
    );
    apiMs.push(performance.now() - s);
  }
  const localMs = [];
  for (let r = 0; r < REPS; r++) {
    const s = performance.now();
    const m = compileMatcher(parsePattern(PATTERN));
    let n = 0;
    for (const l of hundred) if (m(l)) n++;
    localMs.push(performance.now() - s + n * 0);
  }

  const result = {
    date: new Date().toISOString(),
    ...(THREADS ? { threads: THREADS } : {}),
    calls: CALLS,
    records,
    putLogEvents: {
      apiRecordsPerSecond: Math.round(records / apiSeconds),
      sinkRecordsPerSecond: Math.round(records / sinkSeconds),
      sinkWithEventTimesRecordsPerSecond: Math.round(records / sinkTimesSeconds),
      clientProcessRecordsPerSecond: Math.round(records / procSeconds),
      ratio: Number((sinkSeconds / apiSeconds).toFixed(2)),
      target: 100_000,
      cpuMicrosPerRecord: {
        api: perRecord(apiCpu),
        apiServerWithClientProcess: perRecord(serverCpu),
        clientProcess: perRecord(fromChild.cpu),
        sink: perRecord(sinkCpu),
        sinkWithEventTimes: perRecord(sinkTimesCpu),
        duckdbFloor: floor.cpuMicrosPerRecord,
      },
      duckdbFloorRecordsPerSecond: floor.recordsPerSecond,
      loadAverage: Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]),
    },
    testMetricFilter: {
      apiMedianMs: Number(median(apiMs).toFixed(2)),
      inProcessMedianMs: Number(median(localMs).toFixed(3)),
      target: 20,
    },
  };
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'cwapi.json'), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  client.destroy();
  await monitor.stop();
  rmSync(dir, { recursive: true, force: true });
}

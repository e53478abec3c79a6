// bench:monitor — a load generator on loopback POSTs Firehose requests (plain flow log lines) to a real
// `flowwatch monitor` at increasing rates, with two metric filters and their alarms active. Per step it reports the
// acknowledged records/s and whether every record was stored (the monitor's own count); at the end every stored
// per-minute datapoint is compared with what was sent, and the latency from the close of the first minute with
// rejected SSH to the ALARM notification reaching the webhook receiver is measured.
//
// Per step it also reads the monitor's CPU time (user + system, from /proc) and the generator's: CPU microseconds
// per record, the figure that does not depend on how busy the shared machine is. At the end, the floor: DuckDB
// alone storing the same lines in commits of 50,000 (read_csv into a table of the same columns, BEGIN/INSERT/
// COMMIT, bench/lib.mjs duckdbFloor), as CPU microseconds per record and the ratio of the monitor's to it.
//
// Usage: npm run bench:monitor [-- --rates 50000,100000,200000,300000 --seconds 10 --batch 1000]
//   --alarms no    skip the wait for the ALARM notifications (up to 2.5 minutes; datapoints are still checked)
//   --root DIR     run the monitor of another build (DIR/bin/flowwatch.js and DIR/dist), e.g. the one before a change
//   --profile DIR  run the monitor under node --cpu-prof, writing its profile to DIR
// Results go to bench/results/monitor.json.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  cpuSecondsOf,
  duckdbFloor,
  median,
  postFirehose,
  startMonitorProcess,
  webhookReceiver,
} from './lib.mjs';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const argOf = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const build = resolve(argOf('root', root));
const ALARMS = argOf('alarms', 'yes') !== 'no';
const RATES = argOf('rates', '50000,100000,200000,300000,400000').split(',').map(Number);
const SECONDS = Number(argOf('seconds', '10'));
const BATCH = Number(argOf('batch', '5000'));
const CONCURRENCY = Number(argOf('concurrency', '32'));
// DuckDB's threads for the monitor's store (monitor.threads; absent: the monitor's default).
const THREADS = argOf('threads', undefined);

const dir = mkdtempSync(join(tmpdir(), 'fw-bench-monitor-'));
const db = join(dir, 'bench.duckdb');

// The webhook receiver: notes when each ALARM notification arrives.
const alarms = [];
const receiver = await webhookReceiver((n, at) =>
  alarms.push({ at, alarm: n.AlarmName, state: n.NewStateValue }),
);
const hookUrl = receiver.url;

const PATTERN = (cond) =>
  `"[version, account, eni, source, destination, srcport, destport${cond.port}, protocol = ${cond.proto}, packets, bytes, windowstart, windowend, action = REJECT, flowlogstatus]"`;
writeFileSync(
  join(dir, 'flowwatch.yaml'),
  `metricFilters:
  - { name: rejected-ssh, pattern: ${PATTERN({ port: ' = 22', proto: 6 })}, metricNamespace: FlowLogs, metricName: RejectedSSH, metricValue: "1" }
  - { name: denied-icmp, pattern: ${PATTERN({ port: '', proto: 1 })}, metricNamespace: FlowLogs, metricName: DeniedICMP, metricValue: "1" }
alarms:
  - { name: rejected-ssh, metric: { namespace: FlowLogs, metricName: RejectedSSH }, statistic: Sum, period: 60, evaluationPeriods: 1, threshold: 1, comparisonOperator: GreaterThanOrEqualToThreshold, treatMissingData: notBreaching, alarmActions: [ops] }
  - { name: denied-icmp, metric: { namespace: FlowLogs, metricName: DeniedICMP }, statistic: Sum, period: 60, evaluationPeriods: 1, threshold: 1, comparisonOperator: GreaterThanOrEqualToThreshold, treatMissingData: notBreaching, alarmActions: [ops] }
topics:
  - { name: ops, subscriptions: [{ type: webhook, url: "${hookUrl}" }] }
sources:
  - { name: firehose, type: firehose, path: /firehose, accessKeyEnv: FH_KEY }
monitor: { listen: "127.0.0.1:0", stateDir: "${join(dir, 'state')}", evaluationDelaySeconds: 1${THREADS ? `, threads: ${THREADS}` : ''} }
`,
);

const profile = argOf('profile', undefined);
const { child, url, log } = await startMonitorProcess(
  build,
  join(dir, 'flowwatch.yaml'),
  db,
  profile ? ['--cpu-prof', `--cpu-prof-dir=${resolve(profile)}`] : [],
);
const token = /API token[^\n]*\n\s+(\S+)/.exec(log.text)?.[1];

// Sent records per minute, per metric (what the datapoints must say).
const sentSsh = new Map();
const sentIcmp = new Map();
// The records of one second, built once and reused by every request of that second (the generator must stay cheap:
// it shares the machine with the monitor). Counted per request into the expected datapoints.
let cached = { second: -1, records: '', ssh: 0, icmp: 0 };
function recordsOf(now) {
  if (cached.second === now) return cached;
  const parts = [];
  let ssh = 0;
  let icmp = 0;
  for (let n = 0; n < BATCH; n++) {
    const line = lineOf(n, now);
    if (n % 100 === 0) ssh++;
    else if (n % 200 === 1) icmp++;
    parts.push(`{"data":"${Buffer.from(`${line}\n`).toString('base64')}"}`);
  }
  cached = { second: now, records: `[${parts.join(',')}]`, ssh, icmp };
  return cached;
}
/** The generator's n-th line of a request at unix second `now`: 1 % rejected SSH, 0.5 % denied ICMP. */
function lineOf(n, now) {
  if (n % 100 === 0) {
    return `2 123456789012 eni-0a1 203.0.113.${n % 250} 10.0.1.10 ${40000 + (n % 20000)} 22 6 1 60 ${now} ${now + 1} REJECT OK`;
  }
  if (n % 200 === 1) {
    return `2 123456789012 eni-0a2 198.51.100.${n % 250} 10.0.1.11 0 0 1 1 84 ${now} ${now + 1} REJECT OK`;
  }
  return `2 123456789012 eni-0a1 10.0.1.10 52.216.${n % 250}.9 ${1024 + (n % 60000)} 443 6 12 7000 ${now} ${now + 59} ACCEPT OK`;
}

function body(requestId) {
  const now = Math.floor(Date.now() / 1000);
  const minute = now - (now % 60);
  const c = recordsOf(now);
  return {
    text: `{"requestId":"${requestId}","timestamp":${Date.now()},"records":${c.records}}`,
    minute,
    ssh: c.ssh,
    icmp: c.icmp,
  };
}

async function post(requestId) {
  const b = body(requestId);
  const attempt = await postFirehose(url, requestId, b.text);
  // Acknowledged: these records must be in the datapoints (a retried request is stored once).
  sentSsh.set(b.minute, (sentSsh.get(b.minute) ?? 0) + b.ssh);
  sentIcmp.set(b.minute, (sentIcmp.get(b.minute) ?? 0) + b.icmp);
  return attempt;
}

async function health() {
  return (await fetch(`${url}/healthz`, { headers: { authorization: `Bearer ${token}` } })).json();
}

const steps = [];
let sent = 0;
let requests = 0;
for (const rate of RATES) {
  const perSecond = rate / BATCH;
  const total = Math.round(perSecond * SECONDS);
  const t0 = performance.now();
  const monitorCpu0 = cpuSecondsOf(child.pid);
  const benchCpu0 = process.cpuUsage();
  const inflight = new Set();
  let retries = 0;
  for (let i = 0; i < total; i++) {
    const due = t0 + (i / perSecond) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    while (inflight.size >= CONCURRENCY) await Promise.race(inflight);
    const p = post(`r-${requests++}`).then((a) => {
      retries += a;
      inflight.delete(p);
    });
    inflight.add(p);
  }
  await Promise.all(inflight);
  const seconds = (performance.now() - t0) / 1000;
  const monitorCpu = cpuSecondsOf(child.pid) - monitorCpu0;
  const benchCpu = process.cpuUsage(benchCpu0);
  sent += total * BATCH;
  const stored = (await health()).recordsStored;
  const commits = log.text
    .split('\n')
    .filter((l) => l.includes('"batch_committed"'))
    .map((l) => JSON.parse(l));
  log.text = log.text.slice(log.text.lastIndexOf('\n') + 1);
  const ms = commits.map((c) => c.ms).sort((a, b) => a - b);
  const recs = commits.map((c) => c.records).sort((a, b) => a - b);
  const step = {
    targetPerSecond: rate,
    seconds,
    acknowledgedPerSecond: (total * BATCH) / seconds,
    retries,
    stored,
    sent,
    allStored: stored === sent,
    commits: commits.length,
    medianCommitMs: ms[ms.length >> 1],
    medianRecordsPerCommit: recs[recs.length >> 1],
    monitorCpuMicrosPerRecord: Number(((monitorCpu * 1e6) / (total * BATCH)).toFixed(2)),
    generatorCpuMicrosPerRecord: Number(((benchCpu.user + benchCpu.system) / (total * BATCH)).toFixed(2)),
    loadAverage: Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]),
  };
  steps.push(step);
  console.log(
    `target ${rate.toLocaleString('en-US')}/s: acknowledged ${Math.round(step.acknowledgedPerSecond).toLocaleString('en-US')}/s over ${seconds.toFixed(1)} s, ${retries} retries, stored ${stored.toLocaleString('en-US')} of ${sent.toLocaleString('en-US')}; ${commits.length} commits, median ${step.medianCommitMs} ms for ${step.medianRecordsPerCommit} records; CPU per record: monitor ${step.monitorCpuMicrosPerRecord} µs, generator ${step.generatorCpuMicrosPerRecord} µs (load ${step.loadAverage})`,
  );
}

// Latency: the first minute with rejected SSH closes at its end; wait for the ALARM notification.
const firstMinute = Math.min(...sentSsh.keys());
const deadline = Date.now() + (ALARMS ? 150_000 : 0);
while (
  !(
    alarms.some((a) => a.alarm === 'rejected-ssh' && a.state === 'ALARM') &&
    alarms.some((a) => a.alarm === 'denied-icmp' && a.state === 'ALARM')
  ) &&
  Date.now() < deadline
)
  await new Promise((r) => setTimeout(r, 200));
const sshAlarm = alarms.find((a) => a.alarm === 'rejected-ssh' && a.state === 'ALARM');
const icmpAlarm = alarms.find((a) => a.alarm === 'denied-icmp' && a.state === 'ALARM');
const latency = sshAlarm ? (sshAlarm.at - (firstMinute + 60) * 1000) / 1000 : undefined;
const icmpLatency = icmpAlarm
  ? (icmpAlarm.at - (Math.min(...sentIcmp.keys()) + 60) * 1000) / 1000
  : undefined;
console.log(
  `notification after the period closed: rejected-ssh ${latency?.toFixed(2)} s, denied-icmp ${icmpLatency?.toFixed(2)} s`,
);

child.kill('SIGTERM');
await new Promise((r) => child.on('exit', r));
receiver.close();

// Every datapoint right: the stored per-minute sums equal what was acknowledged.
const { Store } = await import(pathToFileURL(join(build, 'dist/storage/store.js')).href);
const store = await Store.open(db, { readOnly: true });
const check = async (metric, expected) => {
  const r = await store.query(
    `SELECT epoch(minute)::BIGINT AS m, sum(sum_value) AS s FROM metric_datapoints WHERE metric = $1 AND NOT is_default GROUP BY 1 ORDER BY 1`,
    [metric],
  );
  const got = new Map(r.rows.map((x) => [Number(x.m), Number(x.s)]));
  return [...expected].every(([m, n]) => got.get(m) === n) && got.size === expected.size;
};
const total = Number((await store.query('SELECT count(*) AS n FROM flows')).rows[0].n);
const datapointsRight = (await check('RejectedSSH', sentSsh)) && (await check('DeniedICMP', sentIcmp));
store.close();
console.log(
  `stored ${total.toLocaleString('en-US')} of ${sent.toLocaleString('en-US')} records; datapoints right: ${datapointsRight}`,
);
const sustained = Math.max(
  0,
  ...steps
    .filter((s) => s.allStored && s.acknowledgedPerSecond >= 0.95 * s.targetPerSecond)
    .map((s) => s.targetPerSecond),
);
console.log(`highest sustained rate with zero loss: ${sustained.toLocaleString('en-US')} records/s`);
// The floor: DuckDB alone storing the same lines, in commits of 50,000.
const floorLines = Array.from({ length: 50_000 }, (_, n) => lineOf(n % BATCH, Math.floor(Date.now() / 1000)));
const floor = await duckdbFloor(root, floorLines, 50_000, 8);
const cpuPerRecord = median(steps.map((s) => s.monitorCpuMicrosPerRecord));
const generatorPerRecord = median(steps.map((s) => s.generatorCpuMicrosPerRecord));
console.log(
  `CPU per record (median of the steps): monitor ${cpuPerRecord} µs, generator ${generatorPerRecord} µs; floor (DuckDB alone) ${floor.cpuMicrosPerRecord} µs: monitor/floor ${(cpuPerRecord / floor.cpuMicrosPerRecord).toFixed(2)}. Two idle cores would give at most ${Math.round(2e6 / cpuPerRecord).toLocaleString('en-US')} records/s to the monitor alone, ${Math.round(2e6 / (cpuPerRecord + generatorPerRecord)).toLocaleString('en-US')} with this generator beside it`,
);
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(
  join(root, 'bench', 'results', 'monitor.json'),
  `${JSON.stringify({ date: new Date().toISOString(), ...(THREADS ? { threads: Number(THREADS) } : {}), batch: BATCH, concurrency: CONCURRENCY, steps, stored: total, sent, datapointsRight, sustained, notificationLatencySeconds: { rejectedSsh: latency, deniedIcmp: icmpLatency }, cpuMicrosPerRecord: { monitor: cpuPerRecord, generator: generatorPerRecord, duckdbFloor: floor.cpuMicrosPerRecord }, floor }, null, 2)}\n`,
);
rmSync(dir, { recursive: true, force: true });

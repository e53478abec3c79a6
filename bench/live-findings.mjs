// bench:live-findings — issue 14's "live findings ≤ 5 s after the window closes", measured end to end: a real
// `flowwatch monitor` child process takes steady Firehose traffic on loopback (background flows at --rate records/s,
// event time = wall clock), with a vertical port scan and an SSH brute force injected in each of --windows
// consecutive detection windows (a new victim each window, so each window makes a new finding and so a new
// notification: a continuing episode is notified once). `findingActions` sends every finding to a webhook topic
// whose receiver runs in this process; per finding the delay is its arrival minus the end (event time) of the
// window the attack fell in. Beside it, in the same run, the baseline: a metric-filter alarm on the same rejected
// SSH records (period 60 s), its ALARM notification's delay after the period closed.
//
// Usage: npm run build && npm run bench:live-findings [-- --rate 20000 --windows 3 --window 60 --catalog all]
//   --window N     window of vertical-port-scan and brute-force-login (built-ins: 600 s; a flowwatch.yaml override,
//                  to measure several windows in minutes). --window 600 measures the built-in as shipped.
//   --catalog two  run only those two detections (default all: the whole enabled catalog runs as it would)
//   --delay N      monitor.evaluationDelaySeconds (default: the monitor's, 2 s), the wait for records on their way
//   --root DIR     run the monitor of another build (DIR/bin/flowwatch.js), e.g. the one before a change
//   --backfill     the first attack window is the one under way: its seconds already past are sent first, as fast
//                  as the monitor takes them (same records per second, event times in the past), then the rest
//                  live, so that a long window (--window 600, the built-ins as shipped) is full when it closes
//                  without waiting for it: the delay is still measured from the window's close (wall clock).
// Results go to bench/results/live-findings.json.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cpuSecondsOf, median, postFirehose, startMonitorProcess, webhookReceiver } from './lib.mjs';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const argOf = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const build = resolve(argOf('root', root));
const RATE = Number(argOf('rate', '20000'));
const WINDOWS = Number(argOf('windows', '3'));
const W = Number(argOf('window', '60'));
const CATALOG = argOf('catalog', 'all');
const BATCH = Number(argOf('batch', '2000'));
const DELAY = argOf('delay', undefined);
const DETECTIONS = ['vertical-port-scan', 'brute-force-login'];
const BACKFILL = args.includes('--backfill');

const dir = mkdtempSync(join(tmpdir(), 'fw-bench-live-findings-'));
const db = join(dir, 'bench.duckdb');

// The webhook receiver: every finding and alarm notification, with its arrival time.
const arrivals = [];
const receiver = await webhookReceiver((m, atMs) => {
  const at = atMs / 1000;
  if (m.type === 'finding') {
    arrivals.push({ at, kind: 'finding', detection: m.finding.detection, entity: m.finding.entity });
    process.stderr.write(
      `${new Date(at * 1000).toISOString()}: finding ${m.finding.detection} ${m.finding.entity}\n`,
    );
  } else if (m.AlarmName !== undefined)
    arrivals.push({ at, kind: 'alarm', alarm: m.AlarmName, state: m.NewStateValue });
});
const hookUrl = receiver.url;

const others = [
  'vertical-port-scan-slow',
  'horizontal-sweep',
  'horizontal-sweep-slow',
  'brute-force-login-slow',
  'outbound-scan',
  'unusual-protocol',
  'nacl-reply-drop',
  'skipdata',
  'interface-stopped-logging',
  'known-bad-address',
  'exfiltration-baseline',
  'flood-fan-in',
  'flood-packets',
  'reject-spike',
  'remote-volume',
  'beacon',
  'first-seen-port',
  'first-seen-country',
  'first-seen-asn',
  'exfiltration-daily',
];
const PATTERN =
  '"[version, account, eni, source, destination, srcport, destport = 22, protocol = 6, packets, bytes, windowstart, windowend, action = REJECT, flowlogstatus]"';
writeFileSync(
  join(dir, 'flowwatch.yaml'),
  `metricFilters:
  - { name: rejected-ssh, pattern: ${PATTERN}, metricNamespace: FlowLogs, metricName: RejectedSSH, metricValue: "1" }
alarms:
  - { name: rejected-ssh, metric: { namespace: FlowLogs, metricName: RejectedSSH }, statistic: Sum, period: 60, evaluationPeriods: 1, threshold: 1, comparisonOperator: GreaterThanOrEqualToThreshold, treatMissingData: notBreaching, alarmActions: [sec] }
topics:
  - { name: sec, subscriptions: [{ type: webhook, url: "${hookUrl}" }] }
sources:
  - { name: firehose, type: firehose, path: /firehose, accessKeyEnv: FH_KEY }
detections:
  vertical-port-scan: { window: ${W} }
  brute-force-login: { window: ${W} }
${CATALOG === 'two' ? others.map((d) => `  ${d}: { enabled: false }\n`).join('') : ''}findingActions:
  - { minSeverity: low, topics: [sec], detections: [${DETECTIONS.join(', ')}] }
monitor: { listen: "127.0.0.1:0", stateDir: "${join(dir, 'state')}"${DELAY === undefined ? '' : `, evaluationDelaySeconds: ${DELAY}`} }
`,
);

const { child, url, log } = await startMonitorProcess(build, join(dir, 'flowwatch.yaml'), db);

// Window i (0-based, from the first whole window) holds: a scan of 100 ports of 10.0.2.(10+i) by 198.51.100.(10+i)
// (rejected TCP, ports 1-100: vertical-port-scan, medium), and 150 rejected SSH attempts from distinct addresses and
// ports to 10.0.3.(10+i) (brute-force-login, medium). Spread over the window's first 80 %, a few per second.
const nowS = Date.now() / 1000;
let first = Math.ceil(nowS / W) * W;
if (first - nowS < 5) first += W;
// --backfill: the window under way, its past seconds sent first (unless it closes too soon to matter).
if (BACKFILL && first - nowS >= 30) first -= W;
const attacksOf = (second) => {
  const i = Math.floor((second - first) / W);
  if (i < 0 || i >= WINDOWS) return [];
  const into = second - (first + i * W);
  const span = Math.floor(W * 0.8);
  if (into >= span) return [];
  const out = [];
  for (let p = 0; p < 100; p++)
    if (p % span === into)
      out.push(
        `2 123456789012 eni-0b1 198.51.100.${10 + i} 10.0.2.${10 + i} 55555 ${p + 1} 6 1 44 ${second} ${second + 1} REJECT OK`,
      );
  for (let a = 0; a < 150; a++)
    if (a % span === into)
      out.push(
        `2 123456789012 eni-0b2 203.0.113.${a + 1} 10.0.3.${10 + i} ${40000 + a} 22 6 1 60 ${second} ${second + 1} REJECT OK`,
      );
  return out;
};
/** Background: accepted HTTPS from a few hundred internal hosts to many external ones (no detection fires). */
const background = (n, second) =>
  `2 123456789012 eni-0a${n % 8} 10.0.1.${n % 250} 52.216.${(n >> 3) % 250}.${n % 200} ${1024 + (n % 60000)} 443 6 12 7000 ${second} ${second + 1} ACCEPT OK`;

let requests = 0;
async function post(lines) {
  const requestId = `r-${requests++}`;
  const body = `{"requestId":"${requestId}","timestamp":${Date.now()},"records":[${lines.map((l) => `{"data":"${Buffer.from(`${l}\n`).toString('base64')}"}`).join(',')}]}`;
  await postFirehose(url, requestId, body);
}

// Send from now until the last attack window closed + 20 s (the monitor stays as busy after the window as in it).
const stopAt = first + WINDOWS * W + 20;
const startSecond = BACKFILL ? Math.min(first, Math.floor(nowS)) : Math.floor(nowS);
process.stderr.write(
  `${BACKFILL ? `backfilling ${Math.floor(nowS) - startSecond} s (event times from ${new Date(startSecond * 1000).toISOString()}), then ` : ''}sending ${RATE} records/s from now to ${new Date(stopAt * 1000).toISOString()}; attack windows start ${new Date(first * 1000).toISOString()} (window ${W} s, catalog ${CATALOG})\n`,
);
const cpu0 = cpuSecondsOf(child.pid);
const t0 = Date.now() / 1000;
let sent = 0;
const inflight = new Set();
let bg = 0;
/** Per event-time second: when its last request was acknowledged (stored) by the monitor. */
const acked = new Map();
let lastReport = 0;
let backfilled;
for (let second = startSecond; second < stopAt; second++) {
  if (BACKFILL && backfilled === undefined && second * 1000 >= Date.now()) {
    backfilled = { at: Date.now() / 1000, records: sent };
    process.stderr.write(`${new Date().toISOString()}: backfill sent (${sent} records), live from here\n`);
  }
  const wait = second * 1000 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const lines = attacksOf(second);
  const n = Math.max(0, RATE - lines.length);
  for (let k = 0; k < n; k++) lines.push(background(bg++, second));
  // The second's records in requests of BATCH, spread over the second.
  const parts = Math.ceil(lines.length / BATCH);
  for (let p = 0; p < parts; p++) {
    const chunk = lines.slice(p * BATCH, (p + 1) * BATCH);
    const start = second * 1000 + (p * 1000) / parts;
    const pr = new Promise((r) => setTimeout(r, Math.max(0, start - Date.now())))
      .then(() => post(chunk))
      .then(() => {
        inflight.delete(pr);
        acked.set(second, Math.max(acked.get(second) ?? 0, Date.now() / 1000));
      });
    inflight.add(pr);
    sent += chunk.length;
  }
  while (inflight.size > 64) await Promise.race(inflight);
  if (second - lastReport >= 10) {
    lastReport = second;
    process.stderr.write(
      `${new Date().toISOString()}: sent up to second ${second - startSecond}, ${inflight.size} requests in flight, generator ${(Date.now() / 1000 - second).toFixed(1)} s behind\n`,
    );
  }
}
await Promise.all(inflight);
// Wait for the last notifications (up to two windows more).
const expected = WINDOWS * DETECTIONS.length;
const until = Date.now() + 2 * W * 1000 + 30_000;
while (arrivals.filter((a) => a.kind === 'finding').length < expected && Date.now() < until)
  await new Promise((r) => setTimeout(r, 200));
const monitorCpu = cpuSecondsOf(child.pid) - cpu0;
const wall = Date.now() / 1000 - t0;
child.kill('SIGTERM');
await new Promise((r) => child.on('exit', r));
receiver.close();

const findings = [];
for (let i = 0; i < WINDOWS; i++) {
  const end = first + (i + 1) * W;
  for (const [detection, entity] of [
    ['vertical-port-scan', `10.0.2.${10 + i}`],
    ['brute-force-login', `10.0.3.${10 + i}:22`],
  ]) {
    const a = arrivals.find((x) => x.kind === 'finding' && x.detection === detection && x.entity === entity);
    // When the window's last records were stored: past its end when the generator or the monitor fell behind.
    const stored = Math.max(end, ...[...acked].filter(([sec]) => sec < end).map(([, at]) => at));
    findings.push({
      window: i,
      detection,
      entity,
      windowEnd: end,
      delay: a === undefined ? null : a.at - end,
      storedAfterEnd: stored - end,
      afterStored: a === undefined ? null : a.at - stored,
    });
  }
}
const alarm = arrivals.find((a) => a.kind === 'alarm' && a.alarm === 'rejected-ssh' && a.state === 'ALARM');
// The alarm's period: the first minute holding rejected SSH (the first attack window's first minute).
const alarmDelay = alarm === undefined ? null : alarm.at - (first + 60);
const evaluations = log.text
  .split('\n')
  .filter((l) => l.includes('"detections_evaluated"'))
  .map((l) => JSON.parse(l));
const delays = findings.map((f) => f.delay).filter((d) => d !== null);
const result = {
  date: new Date().toISOString(),
  rate: RATE,
  window: W,
  windows: WINDOWS,
  catalog: CATALOG,
  evaluationDelaySeconds: DELAY === undefined ? 'default' : Number(DELAY),
  backfill: BACKFILL
    ? { seconds: Math.floor(nowS) - startSecond, ...backfilled, tookSeconds: (backfilled?.at ?? t0) - t0 }
    : false,
  sent,
  findings,
  missing: findings.filter((f) => f.delay === null).length,
  medianDelay: delays.length > 0 ? median(delays) : null,
  maxDelay: delays.length > 0 ? Math.max(...delays) : null,
  alarmDelay,
  arrivals,
  evaluationsMs: evaluations.map((e) => ({
    since: e.since,
    until: e.until,
    findings: e.findings,
    detections: e.detections,
    ms: e.ms,
    phases: e.phases,
    cpuMs: e.cpuMs,
  })),
  monitorCpuSeconds: monitorCpu,
  wallSeconds: wall,
  loadAverage: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number),
};
for (const f of findings)
  console.log(
    `window ${f.window} ${f.detection} ${f.entity}: ${f.delay === null ? 'NO NOTIFICATION' : `${f.delay.toFixed(2)} s after the window closed`} (its last records stored ${f.storedAfterEnd.toFixed(2)} s after the end${f.afterStored === null ? '' : `; notified ${f.afterStored.toFixed(2)} s after that`})`,
  );
console.log(
  `findings: median ${result.medianDelay?.toFixed(2)} s, max ${result.maxDelay?.toFixed(2)} s (target ≤ 5 s), ${result.missing} missing; baseline alarm (rejected-ssh, 60 s period): ${alarmDelay?.toFixed(2)} s; monitor CPU ${monitorCpu.toFixed(1)} s over ${wall.toFixed(0)} s wall (${((monitorCpu / wall) * 100).toFixed(0)} % of a core), load ${result.loadAverage.join(' ')}`,
);
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'live-findings.json'), `${JSON.stringify(result, null, 2)}\n`);
rmSync(dir, { recursive: true, force: true });

// bench:soak — Firehose delivery against a monitor that is killed with SIGKILL at random moments, on loopback only.
// A driver POSTs a pool of requests (each record unique: its `bytes` field is its id) the way Firehose does:
// every request not yet acknowledged is sent again (same requestId), some are sent 2–3 times at once (concurrent
// duplicates), some acknowledged ones are sent again (a lost response). A killer SIGKILLs the monitor at random
// moments and restarts it at once. When the time is up, every request still unacknowledged is retried until it is,
// the monitor is stopped with SIGTERM, and the store is checked: every acknowledged record stored exactly once,
// no record stored twice. Exits 1 on any mismatch.
//
// Usage: npm run bench:soak [-- --seconds 60 --requests 300 --records 200 --concurrency 8 --kill-ms 500-3000
//        --seed N --bin path/to/bin/flowwatch.js]
// Results go to bench/results/soak.json. Needs `npm run build` first (it runs bin/flowwatch.js).

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const argOf = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
// --bin runs another build (e.g. an older commit built with tsc), to show what this bench catches.
const BIN = resolve(argOf('bin', join(root, 'bin', 'flowwatch.js')));
const SECONDS = Number(argOf('seconds', '60'));
const REQUESTS = Number(argOf('requests', '300'));
const RECORDS = Number(argOf('records', '200'));
const CONCURRENCY = Number(argOf('concurrency', '8'));
const [KILL_MIN, KILL_MAX] = argOf('kill-ms', '500-3000').split('-').map(Number);
const DRAIN_SECONDS = 60;
const KEY = 'soak-key';
const T = 1716199200;

// A seeded generator, so a run can be repeated (--seed).
let seed = Number(argOf('seed', String(Date.now() % 100000)));
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};

const dir = mkdtempSync(join(tmpdir(), 'fw-soak-'));
const db = join(dir, 'soak.duckdb');
writeFileSync(
  join(dir, 'flowwatch.yaml'),
  `sources:
  - { name: firehose, type: firehose, path: /firehose, accessKeyEnv: FH_KEY }
monitor: { listen: "127.0.0.1:0", stateDir: "${join(dir, 'state')}", flushMillis: 100 }
`,
);

/** Record ids of request i: i * RECORDS + j. */
function body(i) {
  const records = [];
  for (let j = 0; j < RECORDS; j++) {
    const id = i * RECORDS + j;
    const line = `2 111122223333 eni-a 203.0.113.9 10.0.1.10 ${40000 + (j % 20000)} 443 6 1 ${id} ${T + (j % 60)} ${T + 61} ACCEPT OK`;
    records.push({ data: Buffer.from(`${line}\n`).toString('base64') });
  }
  return JSON.stringify({ requestId: `soak-${i}`, timestamp: Date.now(), records });
}

// --- the monitor, restarted after every kill ---
let monitor; // { child, url }
let stopping = false;

function start() {
  const child = spawn(
    process.execPath,
    [BIN, 'monitor', '--config', join(dir, 'flowwatch.yaml'), '--db', db, '--log', 'json'],
    { env: { ...process.env, FH_KEY: KEY, FLOWWATCH_DB: '' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return new Promise((res, rej) => {
    let err = '';
    const timer = setTimeout(() => rej(new Error(`monitor did not start:\n${err}`)), 60_000);
    child.stderr.on('data', (d) => {
      err += d;
      const m = /listening on (http:\/\/[\d.:]+)/.exec(err);
      if (m && !monitor?.url?.startsWith(m[1])) {
        clearTimeout(timer);
        res({
          child,
          url: m[1],
          exited: new Promise((r) => child.once('exit', (code, sig) => r(code ?? sig))),
        });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`monitor exited with ${code} while starting:\n${err.slice(-2000)}`));
    });
  });
}

// --- the driver ---
const acked = new Set(); // request indexes acknowledged with 200
const stats = {
  posts: 0,
  ok: 0,
  refused: 0,
  dropped: 0,
  concurrentDuplicates: 0,
  resendsAfterAck: 0,
  kills: 0,
};
const statuses = new Map();

async function post(i) {
  const url = monitor?.url;
  if (url === undefined) {
    await new Promise((r) => setTimeout(r, 50)); // being restarted: Firehose would back off too
    return false;
  }
  stats.posts++;
  try {
    const r = await fetch(`${url}/firehose`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-amz-firehose-protocol-version': '1.0',
        'x-amz-firehose-request-id': `soak-${i}`,
        'x-amz-firehose-access-key': KEY,
      },
      body: body(i),
      signal: AbortSignal.timeout(30_000),
    });
    await r.text();
    statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    if (r.status === 200) {
      stats.ok++;
      acked.add(i);
    } else stats.refused++;
  } catch {
    stats.dropped++; // connection refused or cut by the kill: Firehose would retry
  }
  return true;
}

/**
 * One Firehose-like delivery step: a request released by now and not yet acknowledged (sometimes 2–3 copies at
 * once), or now and then one already acknowledged (a response Firehose did not see). Requests are released
 * evenly over the run, so new data keeps arriving between the kills.
 */
async function step() {
  const released = Math.min(
    REQUESTS,
    1 + Math.floor(((performance.now() - t0) / (SECONDS * 1000)) * REQUESTS),
  );
  const pending = [];
  for (let i = 0; i < released; i++) if (!acked.has(i)) pending.push(i);
  let i;
  if (pending.length === 0 || random() < 0.05) {
    if (pending.length === 0 && random() < 0.8) {
      await new Promise((r) => setTimeout(r, 20)); // nothing new yet
      return;
    }
    i = Math.floor(random() * released);
    if (acked.has(i)) stats.resendsAfterAck++;
  } else i = pending[Math.floor(random() * pending.length)];
  const copies = random() < 0.3 ? 2 + Math.floor(random() * 2) : 1;
  const sent = (await Promise.all(Array.from({ length: copies }, () => post(i)))).filter(Boolean).length;
  if (sent > 1) stats.concurrentDuplicates += sent - 1;
}

monitor = await start();
const t0 = performance.now();
const deadline = t0 + SECONDS * 1000;

// The killer: SIGKILL at a random moment, restart at once.
const killer = (async () => {
  while (!stopping) {
    await new Promise((r) => setTimeout(r, KILL_MIN + random() * (KILL_MAX - KILL_MIN)));
    if (stopping || performance.now() > deadline) break;
    const m = monitor;
    monitor = undefined;
    m.child.kill('SIGKILL');
    await m.exited;
    stats.kills++;
    monitor = await start();
  }
})();

const workers = Array.from({ length: CONCURRENCY }, async () => {
  while (performance.now() < deadline) await step();
});
await Promise.all(workers);
stopping = true;
await killer;

// Drain: every request not acknowledged is retried until it is (no more kills).
const drainEnd = performance.now() + DRAIN_SECONDS * 1000;
while (acked.size < REQUESTS && performance.now() < drainEnd) {
  const pending = [];
  for (let i = 0; i < REQUESTS; i++) if (!acked.has(i)) pending.push(i);
  for (let k = 0; k < pending.length; k += CONCURRENCY) {
    await Promise.all(pending.slice(k, k + CONCURRENCY).map((i) => post(i)));
  }
}
// The CLI installs its signal handlers just after printing "listening on": give a fresh restart a moment.
await new Promise((r) => setTimeout(r, 1000));
const m = monitor;
m.child.kill('SIGTERM');
const exitCode = await m.exited;
const elapsed = (performance.now() - t0) / 1000;

// The check, per request (ids i * RECORDS + j): records stored and distinct record ids stored.
const q = spawnSync(
  process.execPath,
  [
    BIN,
    'sql',
    '--db',
    db,
    '--output',
    'json',
    `SELECT bytes // ${RECORDS} AS req, count(*) AS n, count(DISTINCT bytes) AS d FROM flows GROUP BY 1`,
  ],
  { encoding: 'utf8', maxBuffer: 1 << 30 },
);
if (q.status !== 0) throw new Error(`flowwatch sql failed: ${q.stderr}`);
const perRequest = new Map(
  JSON.parse(q.stdout).map((r) => [Number(r.req), { n: Number(r.n), d: Number(r.d) }]),
);
if (perRequest.size > REQUESTS) throw new Error('records of unknown requests in the store');
let ackedRecords = 0;
let missing = 0;
let twice = 0;
let storedUnacked = 0;
let stored = 0;
for (let i = 0; i < REQUESTS; i++) {
  const { n, d } = perRequest.get(i) ?? { n: 0, d: 0 };
  stored += n;
  twice += n - d;
  if (acked.has(i)) {
    ackedRecords += RECORDS;
    missing += RECORDS - d;
  } else storedUnacked += n;
}
const exact = missing === 0 && twice === 0 && stored === ackedRecords + storedUnacked && exitCode === 0;

const result = {
  seconds: Math.round(elapsed),
  drivenSeconds: SECONDS,
  seed: Number(argOf('seed', 'NaN')) || undefined,
  requests: REQUESTS,
  recordsPerRequest: RECORDS,
  posts: stats.posts,
  concurrentDuplicatePosts: stats.concurrentDuplicates,
  resendsAfterAck: stats.resendsAfterAck,
  kills: stats.kills,
  statuses: Object.fromEntries(statuses),
  droppedConnections: stats.dropped,
  acknowledgedRequests: acked.size,
  acknowledgedRecords: ackedRecords,
  storedRecords: stored,
  missingAcknowledged: missing,
  storedTwice: twice,
  storedNotAcknowledged: storedUnacked,
  sigtermExit: exitCode,
  exactlyOnce: exact,
};
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'soak.json'), `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(
  `bench:soak ${result.seconds} s, ${stats.kills} kill -9 + restarts, ${stats.posts} POSTs (${stats.concurrentDuplicates} concurrent duplicates, ${stats.resendsAfterAck} re-sends after a 200)\n` +
    `  acknowledged ${acked.size}/${REQUESTS} requests = ${ackedRecords} records; stored ${stored}; missing ${missing}; stored twice ${twice}; stored but never acknowledged ${storedUnacked}\n` +
    `  statuses ${JSON.stringify(result.statuses)}, dropped connections ${stats.dropped}, SIGTERM exit ${exitCode}\n` +
    `  ${exact ? 'OK: acknowledged = stored, each exactly once' : 'FAILED: acknowledged != stored exactly once'}\n`,
);
rmSync(dir, { recursive: true, force: true });
process.exit(exact ? 0 : 1);

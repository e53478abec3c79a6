// bench:push-memory — what concurrent large POSTs cost the monitor in memory, on loopback only. Starts a monitor
// with a Firehose endpoint, then sends N concurrent bodies of M MB twice: without the access key (refused from
// the headers: nothing should be read), and with the key (bodies are read, bounded by
// monitor.maxBodyMegabytesInFlight; the rest answered 503). Reports the monitor's RSS before, its peak (VmHWM)
// during each wave, and the statuses.
//
// Usage: npm run bench:push-memory [-- --clients 24 --mb 60 --bin path/to/bin/flowwatch.js]
// `--bin` runs another build (e.g. a checkout of an older commit, built with tsc) to compare.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const argOf = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const CLIENTS = Number(argOf('clients', '24'));
const MB = Number(argOf('mb', '60'));
const BIN = resolve(argOf('bin', join(root, 'bin', 'flowwatch.js')));

const dir = mkdtempSync(join(tmpdir(), 'fw-push-memory-'));
writeFileSync(
  join(dir, 'flowwatch.yaml'),
  `sources:
  - { name: firehose, type: firehose, path: /firehose, accessKeyEnv: FH_KEY }
monitor: { listen: "127.0.0.1:0", stateDir: "${join(dir, 'state')}" }
`,
);
const child = spawn(
  process.execPath,
  [BIN, 'monitor', '--config', join(dir, 'flowwatch.yaml'), '--db', join(dir, 'm.duckdb'), '--log', 'json'],
  { env: { ...process.env, FH_KEY: 'bench-key', FLOWWATCH_DB: '' }, stdio: ['ignore', 'ignore', 'pipe'] },
);
let stderr = '';
const url = await new Promise((res, rej) => {
  child.stderr.on('data', (d) => {
    stderr += d;
    const m = /listening on (http:\/\/[\d.:]+)/.exec(stderr);
    if (m) res(m[1]);
  });
  child.on('exit', (c) => rej(new Error(`monitor exited (${c}):\n${stderr}`)));
});

const memory = () => {
  const s = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(s)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
};
/** Resets VmHWM to the current RSS (Linux: write 5 to clear_refs). */
const resetPeak = () => {
  try {
    writeFileSync(`/proc/${child.pid}/clear_refs`, '5');
  } catch {}
};

const body = Buffer.alloc(MB * 1024 * 1024, 0x20);

function post(withKey) {
  return new Promise((res) => {
    const t0 = performance.now();
    const req = request(`${url}/firehose`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': String(body.length),
        'x-amz-firehose-protocol-version': '1.0',
        'x-amz-firehose-request-id': `mem-${Math.random()}`,
        ...(withKey ? { 'x-amz-firehose-access-key': 'bench-key' } : {}),
      },
    });
    req.on('response', (r) => {
      r.resume();
      r.on('end', () => res({ status: r.statusCode, ms: performance.now() - t0 }));
    });
    req.on('error', () => res({ status: 0, ms: performance.now() - t0 }));
    req.end(body);
  });
}

async function wave(withKey) {
  await new Promise((r) => setTimeout(r, 1000));
  resetPeak();
  const before = memory();
  let sampledPeak = before.rssMb;
  const sampler = setInterval(() => {
    sampledPeak = Math.max(sampledPeak, memory().rssMb);
  }, 20);
  const t0 = performance.now();
  const answers = await Promise.all(Array.from({ length: CLIENTS }, () => post(withKey)));
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const after = memory();
  const statuses = {};
  for (const a of answers) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
  return {
    wave: withKey ? 'with key' : 'without key',
    rssBeforeMb: Math.round(before.rssMb),
    peakMb: Math.round(Math.max(after.peakMb, sampledPeak)),
    seconds: Number(seconds.toFixed(2)),
    statuses,
  };
}

const results = [await wave(false), await wave(true)];
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
rmSync(dir, { recursive: true, force: true });
process.stdout.write(`bench:push-memory ${CLIENTS} concurrent ${MB} MB POSTs to ${BIN}\n`);
for (const r of results) {
  process.stdout.write(
    `  ${r.wave.padEnd(12)} RSS ${r.rssBeforeMb} MB before, peak ${r.peakMb} MB; all answered in ${r.seconds} s; statuses ${JSON.stringify(r.statuses)}\n`,
  );
}

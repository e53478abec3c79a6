// bench:hunt — `flowwatch hunt --ioc` over N stored records against 100k indicators (95k addresses, 4k IPv4
// CIDR blocks /16-/24, 1k IPv6 /48s), side by side with the same hunt against 1k indicators and with `top talkers
// --per-eni` over the same records (a plain grouped scan: the floor any per-record answer pays). Each is the
// whole command (process start, feed parse, temporary tables, query). Medians of --runs runs.
//
// Usage: npm run build && npm run bench:hunt [-- --records 10000000 --runs 3] (--prepare-only: build the store,
// print its folder and stop, to probe by hand; --store DIR: build the store in DIR once and reuse it afterwards)
// Target (issue 14): 10M records against 100k indicators ≤ 5 s. Results go to bench/results/hunt.json.

import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { median, run } from './lib.mjs';

const root = resolve(import.meta.dirname, '..');
const BIN = join(root, 'bin', 'flowwatch.js');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const N = opt('records', 10_000_000);
const RUNS = opt('runs', 3);

// A 32-bit xorshift: the low bits of a plain LCG repeat with a short period, which made most "random"
// addresses equal.
let seed = 7;
const rnd = (n) => {
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return Math.floor((seed / 4294967296) * n);
};
const v4 = () => `${11 + rnd(200)}.${rnd(256)}.${rnd(256)}.${rnd(256)}`;
const v6 = () => `2001:db8:${rnd(4096).toString(16)}::${rnd(65536).toString(16)}`;

// --store DIR: reuse (or build once into) DIR, kept afterwards — e.g. a 10M store made with --prepare-only.
const storeArg = args.includes('--store') ? resolve(args[args.indexOf('--store') + 1]) : undefined;
const dir = storeArg ?? mkdtempSync(join(tmpdir(), 'fw-bench-hunt-'));
mkdirSync(dir, { recursive: true });
const db = join(dir, 'b.duckdb');
const reuse = storeArg !== undefined && existsSync(db);

// Remote hosts: 1M IPv4 and 20k IPv6 addresses; records pick one at random (about 1M distinct remotes).
const POOL = 1_000_000;
const pool = Array.from({ length: POOL }, () => v4());
const pool6 = Array.from({ length: 20_000 }, () => v6());

// Indicators: 95k addresses (one in ten from the pool, so some match), 4k IPv4 blocks, 1k IPv6 /48s.
const indicators = [];
for (let i = 0; i < 95_000; i++) indicators.push(i % 10 === 0 ? pool[rnd(POOL)] : v4());
for (let i = 0; i < 4_000; i++) {
  const bits = 16 + rnd(9);
  indicators.push(`${11 + rnd(200)}.${rnd(256)}.${bits <= 16 ? 0 : rnd(256)}.0/${bits}`);
}
for (let i = 0; i < 1_000; i++) indicators.push(`2001:db8:${rnd(4096).toString(16)}::/48`);
writeFileSync(join(dir, 'ioc-100k.txt'), `${indicators.join('\n')}\n`);
writeFileSync(join(dir, 'ioc-1k.txt'), `${indicators.filter((_, i) => i % 100 === 0).join('\n')}\n`);

const T0 = 1767571200; // 2026-01-05
if (!reuse) {
  process.stderr.write(`writing ${N} records...\n`);
  const out = createWriteStream(join(dir, 'flows.log'));
  out.write(
    'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n',
  );
  const CHUNK = 50_000;
  for (let i = 0; i < N; i += CHUNK) {
    const lines = [];
    for (let j = i; j < Math.min(N, i + CHUNK); j++) {
      const local = `10.${rnd(4)}.${rnd(256)}.${rnd(256)}`;
      const remote = rnd(50) === 0 ? pool6[rnd(pool6.length)] : pool[rnd(POOL)];
      const inbound = rnd(2) === 0;
      const t = T0 + rnd(86_400);
      lines.push(
        `2 111122223333 eni-${rnd(2000).toString(16).padStart(8, '0')} ${inbound ? remote : local} ${inbound ? local : remote} ${1024 + rnd(60000)} ${[443, 80, 22, 53][rnd(4)]} 6 ${1 + rnd(20)} ${40 + rnd(20000)} ${t} ${t + 60} ${rnd(5) === 0 ? 'REJECT' : 'ACCEPT'} OK`,
      );
    }
    if (!out.write(`${lines.join('\n')}\n`)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r) => out.end(r));
  process.stderr.write('ingesting...\n');
  await run('node', [BIN, 'ingest', join(dir, 'flows.log'), '--db', db]);
  rmSync(join(dir, 'flows.log'), { force: true });
}
if (args.includes('--prepare-only')) {
  process.stdout.write(`${dir}\n`);
  process.exit(0);
}

const measure = async (label, argv) => {
  const runs = [];
  let last;
  for (let i = 0; i < RUNS; i++) {
    last = await run('node', [BIN, ...argv, '--db', db], { cpu: true });
    runs.push(last);
  }
  const seconds = median(runs.map((r) => r.seconds));
  const cpu = median(runs.map((r) => r.cpu));
  process.stderr.write(
    `${label}: median ${seconds.toFixed(2)} s wall, ${cpu.toFixed(2)} s CPU (${runs.map((r) => r.seconds.toFixed(2)).join(' / ')})\n`,
  );
  return {
    label,
    seconds,
    cpu,
    runs: runs.map((r) => r.seconds),
    peakMb: Math.max(...runs.map((r) => r.peakMb)),
    out: last.out,
  };
};

const hunt100k = await measure('hunt, 100k indicators', [
  'hunt',
  '--ioc',
  join(dir, 'ioc-100k.txt'),
  '-o',
  'json',
]);
const hunt1k = await measure('hunt, 1k indicators', ['hunt', '--ioc', join(dir, 'ioc-1k.txt'), '-o', 'json']);
const floor = await measure('top talkers --per-eni', ['top', 'talkers', '--per-eni', '-o', 'json']);
const groups = JSON.parse(hunt100k.out);
const sides = groups.reduce((s, g) => s + g.flows, 0);
process.stderr.write(`100k: ${groups.length} groups, ${sides} matching record sides\n`);
const results = {
  records: N,
  indicators: indicators.length,
  matchingSides: sides,
  hunt100k: { seconds: hunt100k.seconds, cpu: hunt100k.cpu, runs: hunt100k.runs, peakMb: hunt100k.peakMb },
  hunt1k: { seconds: hunt1k.seconds, cpu: hunt1k.cpu, runs: hunt1k.runs, peakMb: hunt1k.peakMb },
  topTalkers: { seconds: floor.seconds, cpu: floor.cpu, runs: floor.runs, peakMb: floor.peakMb },
  ratioTo1k: hunt100k.seconds / hunt1k.seconds,
  ratioToTop: hunt100k.seconds / floor.seconds,
  cpuRatioToTop: hunt100k.cpu / floor.cpu,
  loadAverage: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number),
};
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'hunt.json'), `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
if (storeArg === undefined) rmSync(dir, { recursive: true, force: true });

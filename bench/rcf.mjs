// bench:rcf — Random Cut Forest throughput: points per second through one interface's forest with AWS's
// defaults (6 dimensions, 50 trees, 256 points per tree, time decay 1/2560; every point scored and learnt),
// beside a baseline in the same run: a running z-score of each of the 6 dimensions (Welford) per point.
// Medians of 5 runs. Needs the build (npm run build).
//
// Usage: npm run bench:rcf [-- --points 4000 --runs 5 --shingle 1]

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const num = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? dflt : Number(args[i + 1]);
};
const dist = join(root, 'dist', 'detect', 'rcf', 'forest.js');
if (!existsSync(dist)) {
  process.stderr.write('bench:rcf: the build is missing (dist/detect/rcf): run `npm run build` first\n');
  process.exit(2);
}
const { RandomCutForest } = await import(dist);
const { Random } = await import(join(root, 'dist', 'simulate', 'random.js'));

const POINTS = num('points', 4000);
const RUNS = num('runs', 5);
const SHINGLE = num('shingle', 1);

/** A period stream like an interface's (log1p of bytes, packets, flows, peers, ports, rejects) with rare bursts. */
function stream(seed) {
  const rng = new Random(seed);
  return Array.from({ length: POINTS }, (_, i) => {
    const burst = i % 500 === 499 ? 4 : 0;
    return [
      rng.normal(14, 0.5) + burst,
      rng.normal(8, 0.5) + burst,
      rng.normal(5, 0.4) + burst,
      rng.normal(3, 0.3),
      rng.normal(2.5, 0.3) + burst,
      rng.chance(0.1) ? rng.normal(1, 0.5) : 0,
    ];
  });
}

function rcfRun(points, seed) {
  const f = new RandomCutForest({ dimensions: 6, shingleSize: SHINGLE, seed });
  let sink = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (const p of points) sink += f.update(p)?.score ?? 0;
  const c = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000, sink };
}

function zRun(points) {
  const n = new Float64Array(6);
  const mean = new Float64Array(6);
  const m2 = new Float64Array(6);
  let sink = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (const p of points) {
    let z = 0;
    for (let i = 0; i < 6; i++) {
      const sd = n[i] > 1 ? Math.sqrt(m2[i] / (n[i] - 1)) : 0;
      if (sd > 0) z = Math.max(z, Math.abs(p[i] - mean[i]) / sd);
      n[i]++;
      const d = p[i] - mean[i];
      mean[i] += d / n[i];
      m2[i] += d * (p[i] - mean[i]);
    }
    sink += z;
  }
  const c = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000, sink };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const rcf = [];
const rcfCpu = [];
const z = [];
const zCpu = [];
for (let r = 0; r < RUNS; r++) {
  const pts = stream(r + 1);
  const one = rcfRun(pts, r);
  rcf.push(one.ms);
  rcfCpu.push(one.cpuMs);
  const zr = zRun(pts);
  z.push(zr.ms);
  zCpu.push(zr.cpuMs);
}
const rcfRate = POINTS / (median(rcf) / 1000);
const zRate = POINTS / (median(z) / 1000);
const rcfCpuRate = POINTS / (median(rcfCpu) / 1000);
const zCpuRate = POINTS / (Math.max(median(zCpu), 0.001) / 1000);
const rss = Math.round(process.memoryUsage().rss / 1e6);
const lines = [
  `bench:rcf — ${POINTS.toLocaleString('en-US')} points per run, ${RUNS} runs (medians); 6 dimensions, 50 trees, 256 samples, shingle ${SHINGLE}; node ${process.version}`,
  `  RCF (score + learn)      ${median(rcf).toFixed(0).padStart(7)} ms   ${Math.round(rcfRate).toLocaleString('en-US').padStart(12)} points/s per interface`,
  `  RCF, CPU time           ${median(rcfCpu).toFixed(0).padStart(7)} ms   ${Math.round(
    POINTS / (median(rcfCpu) / 1000),
  )
    .toLocaleString('en-US')
    .padStart(12)} points/s of CPU (the machine may be shared)`,
  `  z-score baseline         ${median(z).toFixed(1).padStart(7)} ms   ${Math.round(zRate).toLocaleString('en-US').padStart(12)} points/s`,
  `  z-score, CPU time        ${median(zCpu).toFixed(1).padStart(7)} ms   ${Math.round(zCpuRate).toLocaleString('en-US').padStart(12)} points/s of CPU`,
  `  ratio (CPU)              RCF is ${(zCpuRate / rcfCpuRate).toFixed(0)}× slower; a day of 10-minute periods (144 points) takes ${((144 / rcfCpuRate) * 1000).toFixed(0)} ms of CPU per interface`,
  `  RSS ${rss} MB`,
];
process.stdout.write(`${lines.join('\n')}\n`);

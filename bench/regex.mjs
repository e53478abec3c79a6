// bench:regex — flowwatch's linear-time regex engine (src/filter/regex.ts) side by side with V8's backtracking
// RegExp on flow log lines, for the regexes people write in filter patterns, plus the pathological ones V8
// cannot finish. Medians of --runs runs, the ratio per regex, in one process (the engines share the machine).
//
// Usage: npm run build && npm run bench:regex [-- --lines 300000 --runs 5]
// Results go to bench/results/regex.json.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const { compileRegex } = await import(pathToFileURL(join(root, 'dist/filter/regex.js')).href);

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const N = opt('lines', 300_000);
const RUNS = opt('runs', 5);

/** Deterministic default-format lines (a small linear congruential generator, no dependency). */
let seed = 7;
const rnd = (n) => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed % n;
};
const lines = Array.from({ length: N }, (_, i) => {
  const hex = (k) => Array.from({ length: k }, () => '0123456789abcdef'[rnd(16)]).join('');
  return `2 123456789010 eni-${hex(17)} 10.0.${rnd(4)}.${rnd(255)} 198.51.100.${rnd(255)} ${rnd(65536)} ${[22, 80, 443, 3389][rnd(4)]} 6 ${rnd(100)} ${rnd(100000)} 1716200000 1716200060 ${i % 7 ? 'ACCEPT' : 'REJECT'} OK`;
});
const chars = lines.reduce((n, l) => n + l.length, 0);

const REGEXES = ['REJECT|NODATA', 'eni-[0-9a-f]{17}', '^2 \\d+ eni-', '10\\.0\\.1\\.[0-9]+ ', ' 22 | 3389 '];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
function time(test) {
  const out = [];
  let count = 0;
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    count = 0;
    for (const l of lines) if (test(l)) count++;
    out.push(performance.now() - t0);
  }
  return { ms: median(out), count };
}

const rows = [];
for (const src of REGEXES) {
  const v8 = new RegExp(src, 'u');
  const own = compileRegex(src);
  // alternate the order per regex so neither engine always runs on a warmer machine
  const a = rows.length % 2 === 0 ? time((l) => v8.test(l)) : undefined;
  const b = time((l) => own.test(l));
  const c = a ?? time((l) => v8.test(l));
  if (b.count !== c.count) throw new Error(`engines disagree on %${src}%: ${b.count} vs ${c.count}`);
  rows.push({ regex: src, matches: b.count, v8Ms: c.ms, ownMs: b.ms, ratio: b.ms / c.ms });
}
// Pathological: V8 is given a short text it can still finish; flowwatch the same regex on a long one.
const patho = 'a*a*a*a*a*a*c';
const t0 = performance.now();
new RegExp(patho, 'u').test('a'.repeat(26));
const v8Short = performance.now() - t0;
const t1 = performance.now();
compileRegex(patho).test('a'.repeat(1_000_000));
const ownLong = performance.now() - t1;

console.log(
  `${N.toLocaleString('en-US')} lines, ${(chars / 1e6).toFixed(1)}M characters, median of ${RUNS} runs`,
);
console.log('| regex | matches | V8 RegExp | flowwatch engine | flowwatch / V8 |');
console.log('| --- | --- | --- | --- | --- |');
for (const r of rows) {
  console.log(
    `| \`%${r.regex.replace(/\|/g, '\\|')}%\` | ${r.matches} | ${r.v8Ms.toFixed(0)} ms | ${r.ownMs.toFixed(0)} ms | ${r.ratio.toFixed(1)}× |`,
  );
}
console.log(
  `pathological %${patho}%: V8 on 26 a's ${v8Short.toFixed(0)} ms; flowwatch on 1,000,000 a's ${ownLong.toFixed(0)} ms`,
);
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(
  join(root, 'bench/results/regex.json'),
  `${JSON.stringify({ lines: N, runs: RUNS, rows, pathological: { regex: patho, v8ShortMs: v8Short, ownLongMs: ownLong } }, null, 1)}\n`,
);

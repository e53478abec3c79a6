// The fixed cost of one `ingest` call and of one store open, in process (process.cpuUsage counts every thread):
// opening a fresh store (in memory, on disk, and reopening one), ingesting one 20-line file, one 5,000-line file
// and 50 gzip 5-minute files of 4,000 records, and closing. Medians of --runs repetitions (default 9).
// With --statements, one more repetition lists each step's DuckDB statements with their CPU (each connection
// call timed), so that the fixed part is itemised.
// Usage: npm run bench:ingest-fixed [-- --runs 9 --statements --build <worktree with dist/> --only <step> --json]
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { median } from './lib.mjs';

const args = process.argv.slice(2);
const opt = (n, d) => {
  const i = args.indexOf(`--${n}`);
  return i >= 0 ? args[i + 1] : d;
};
const root = resolve(opt('build', resolve(import.meta.dirname, '..')));
const RUNS = Number(opt('runs', 9));
const STATEMENTS = args.includes('--statements');
const { Store } = await import(join(root, 'dist/storage/store.js'));
const { ingest } = await import(join(root, 'dist/ingest/ingest.js'));
// The same CommonJS module instance the store loads (src/storage/duckdb.ts requires it), to time its calls.
const api = createRequire(join(root, 'dist/storage/duckdb.js'))('@duckdb/node-api');

const tmp = join(process.env.TMPDIR ?? '/tmp', `ingest-fixed-${process.pid}`);
rmSync(tmp, { recursive: true, force: true });
mkdirSync(tmp, { recursive: true });

// Deterministic default-format records (a tenth rejected), in AWS's key layout so that key times are parsed.
let seed = 7;
const rnd = (n) => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed % n;
};
const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
function lines(n, start) {
  const out = [HEADER];
  for (let i = 0; i < n; i++) {
    const t = start + rnd(300);
    out.push(
      `2 123456789012 eni-0${rnd(20).toString(16).padStart(7, '0')} 10.0.${rnd(4)}.${rnd(250)} 10.1.${rnd(4)}.${rnd(250)} ${1024 + rnd(60000)} ${[22, 80, 443, 3306][rnd(4)]} 6 ${1 + rnd(100)} ${40 + rnd(100000)} ${t} ${t + 60} ${rnd(10) === 0 ? 'REJECT' : 'ACCEPT'} OK`,
    );
  }
  return `${out.join('\n')}\n`;
}
const T0 = Date.UTC(2026, 0, 5) / 1000;
function keyPath(dir, slot, k, ext) {
  const d = new Date(slot * 1000).toISOString();
  const hh = d.slice(11, 13);
  const folder = join(dir, 'AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/01/05', hh);
  mkdirSync(folder, { recursive: true });
  const stamp = `20260105T${hh}${d.slice(14, 16)}Z`;
  return join(
    folder,
    `123456789012_vpcflowlogs_us-east-1_fl-0abc${k}_${stamp}_${(slot + k).toString(16)}.${ext}`,
  );
}
const small = keyPath(join(tmp, 'small'), T0, 0, 'log');
writeFileSync(small, lines(20, T0));
const medium = keyPath(join(tmp, 'medium'), T0, 1, 'log');
writeFileSync(medium, lines(5000, T0));
const fiveMin = join(tmp, 'five-min');
for (let i = 0; i < 50; i++) {
  const slot = T0 + Math.floor(i / 2) * 300;
  writeFileSync(keyPath(fiveMin, slot, i % 2, 'log.gz'), gzipSync(lines(4000, slot)));
}

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

// Statement log: each connection call's CPU, by statement text (numbers and quoted strings folded).
let log;
/** Calls are logged only inside the measured part of a step. */
let on = false;
let depth = 0;
if (STATEMENTS) {
  // Besides statements: the instance's creation, connections and closes (no SQL, but part of the fixed cost).
  const timed = (obj, m, label) => {
    const orig = obj[m];
    obj[m] = function (...a) {
      if (!log || !on) return orig.apply(this, a);
      const c0 = cpu();
      const add = () => {
        const e = log.get(label) ?? { n: 0, cpu: 0 };
        e.n++;
        e.cpu += cpu() - c0;
        log.set(label, e);
      };
      const r = orig.apply(this, a);
      if (r && typeof r.then === 'function') return r.finally(add);
      add();
      return r;
    };
  };
  timed(api.DuckDBInstance, 'create', '(DuckDBInstance.create)');
  timed(api.DuckDBInstance.prototype, 'connect', '(instance.connect)');
  timed(api.DuckDBInstance.prototype, 'closeSync', '(instance.closeSync)');
  timed(api.DuckDBConnection.prototype, 'closeSync', '(connection.closeSync)');
  const P = api.DuckDBConnection.prototype;
  for (const m of ['run', 'runAndReadAll', 'runAndReadUntil', 'streamAndReadUntil']) {
    const orig = P[m];
    P[m] = async function (sql, ...rest) {
      // runAndReadAll calls run: a call inside a timed call is not timed again.
      if (!log || !on || depth > 0) return orig.call(this, sql, ...rest);
      const c0 = cpu();
      depth++;
      try {
        return await orig.call(this, sql, ...rest);
      } finally {
        depth--;
        const key = String(sql)
          .replace(/\s+/g, ' ')
          .replace(/'[^']*'/g, "'…'")
          .replace(/\b\d+\b/g, 'N')
          .slice(0, 110);
        const e = log.get(key) ?? { n: 0, cpu: 0 };
        e.n++;
        e.cpu += cpu() - c0;
        log.set(key, e);
      }
    };
  }
}

let seq = 0;
const freshDb = () => join(tmp, `db-${seq++}.duckdb`);
const steps = {
  'open :memory: + close': async () => {
    on = true;
    const c0 = cpu();
    (await Store.open(':memory:')).close();
    on = false;
    return cpu() - c0;
  },
  'open new file + close': async () => {
    on = true;
    const c0 = cpu();
    (await Store.open(freshDb())).close();
    on = false;
    return cpu() - c0;
  },
  'reopen file + close': async () => {
    const db = freshDb();
    (await Store.open(db)).close();
    on = true;
    const c0 = cpu();
    (await Store.open(db)).close();
    on = false;
    return cpu() - c0;
  },
};
/** ingest(files) into a store opened beforehand (not counted); the close is counted apart. */
const ingestStep = (name, paths, where, again = false) => {
  steps[`ingest ${name} (${where})`] = async (parts) => {
    const store = await Store.open(where === 'memory' ? ':memory:' : freshDb());
    if (again) await ingest(store, paths);
    on = true;
    const c0 = cpu();
    const s = await ingest(store, paths);
    const c1 = cpu();
    on = false;
    store.close();
    parts.close = cpu() - c1;
    parts.records = s.records;
    return c1 - c0;
  };
};
ingestStep('20 lines', [small], 'memory');
ingestStep('20 lines', [small], 'file');
ingestStep('20 lines again: duplicate', [small], 'file', true);
ingestStep('5,000 lines', [medium], 'file');
ingestStep('50 × 4,000 gz', [fiveMin], 'file');

// --only <text>: the steps whose name holds the text.
const only = opt('only', undefined);
if (only !== undefined) for (const name of Object.keys(steps)) if (!name.includes(only)) delete steps[name];
const results = {};
for (const name of Object.keys(steps)) results[name] = { cpu: [], close: [], records: 0 };
// One warm-up repetition (module loading, DuckDB's first catalog reads), then RUNS measured ones.
for (let r = -1; r < RUNS; r++) {
  for (const [name, fn] of Object.entries(steps)) {
    const parts = {};
    const c = await fn(parts);
    if (r < 0) continue;
    results[name].cpu.push(c);
    if (parts.close !== undefined) results[name].close.push(parts.close);
    results[name].records = parts.records ?? 0;
  }
}
const ms = (x) => (x * 1000).toFixed(1);
const table = Object.entries(results).map(([name, r]) => ({
  step: name,
  cpuMs: Number(ms(median(r.cpu))),
  closeMs: r.close.length > 0 ? Number(ms(median(r.close))) : undefined,
  records: r.records,
}));
if (args.includes('--json')) {
  process.stdout.write(`${JSON.stringify({ build: root, runs: RUNS, load: loadavg(), table })}\n`);
} else {
  process.stdout.write(
    `build ${root}, median of ${RUNS}, load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}\n`,
  );
  process.stdout.write('| step | CPU ms | close CPU ms | records |\n|---|---:|---:|---:|\n');
  for (const t of table)
    process.stdout.write(`| ${t.step} | ${t.cpuMs} | ${t.closeMs ?? ''} | ${t.records || ''} |\n`);
}

if (STATEMENTS) {
  for (const [name, fn] of Object.entries(steps)) {
    log = new Map();
    const parts = {};
    const total = await fn(parts);
    const entries = [...log.entries()].sort((a, b) => b[1].cpu - a[1].cpu);
    const calls = entries.reduce((n, [, e]) => n + e.n, 0);
    const inCalls = entries.reduce((n, [, e]) => n + e.cpu, 0);
    log = undefined;
    process.stdout.write(
      `\n## ${name}: ${ms(total)} ms CPU, ${calls} statements (${ms(inCalls)} ms in them)\n`,
    );
    for (const [k, e] of entries)
      process.stdout.write(`${ms(e.cpu).padStart(7)} ms ${String(e.n).padStart(4)}× ${k}\n`);
  }
}
rmSync(tmp, { recursive: true, force: true });

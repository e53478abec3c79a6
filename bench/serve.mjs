// bench:serve — the dashboard over 10M stored records (the bench:query store): the time until the Overview page in
// headless Chromium has finished all its API calls (target < 2 s), and API latency p50/p99 under 20 concurrent
// clients (autocannon) for the overview and a Logs Insights query.
//
// Usage: npm run bench:serve [-- --runs 5 --seconds 10]
// Needs bench/data/query.duckdb (npm run bench:query makes it) and /usr/bin/chromium (npm test installs it).
// Results go to bench/results/serve.json.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { chromium } from 'playwright-core';
import { median } from './lib.mjs';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const argOf = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const RUNS = Number(argOf('runs', '5'));
const SECONDS = Number(argOf('seconds', '10'));
const db = join(root, 'bench', 'data', 'query.duckdb');
if (!existsSync(db)) throw new Error(`${db} is missing: run npm run bench:query once to make it`);
const dir = mkdtempSync(join(tmpdir(), 'fw-bench-serve-'));

const child = spawn(
  'node',
  [
    join(root, 'bin', 'flowwatch.js'),
    'serve',
    '--port',
    '0',
    '--db',
    db,
    '--config',
    join(dir, 'none.yaml'),
    '--state-dir',
    join(dir, 'state'),
  ],
  {
    stdio: ['ignore', 'ignore', 'pipe'],
  },
);
let stderr = '';
const dashboard = await new Promise((res, rej) => {
  child.stderr.on('data', (d) => {
    stderr += d;
    const m = /flowwatch dashboard: (\S+)/.exec(stderr);
    if (m) res(m[1]);
  });
  child.on('exit', (c) => rej(new Error(`serve exited (${c}):\n${stderr}`)));
});
const base = dashboard.split('#')[0].replace(/\/$/, '');
process.on('exit', () => child.kill('SIGKILL'));
const token = /#token=(\S+)/.exec(dashboard)[1];

// The stored day: the whole range of the corpus.
const range = await (
  await fetch(`${base}/api/sql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sql: 'SELECT min(start) AS s, max(start) AS u, count(*) AS n FROM flows' }),
  })
).json();
if (!range.rows) throw new Error(`/api/sql: ${JSON.stringify(range)}`);
const { s: since, u: until, n: records } = range.rows[0];
console.log(
  `store: ${Number(records).toLocaleString('en-US')} records from ${new Date(since * 1000).toISOString()} to ${new Date(until * 1000).toISOString()}`,
);

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
await page.goto(`${base}/#token=${token}`);
// The page's default view is the last hour: here, the last hour of the stored day. Also the whole day.
async function overviewLoads(from, to) {
  const loads = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await page.goto(`${base}/#/overview?since=${from}&until=${to}&run=${i}-${from}`);
    await page.waitForSelector('[data-testid="page-overview"][data-ready="true"]', { timeout: 60_000 });
    loads.push((performance.now() - t0) / 1000);
  }
  return loads;
}
const hourLoads = await overviewLoads(until - 3600, until + 1);
const dayLoads = await overviewLoads(since, until + 1);
await browser.close();
const overviewSeconds = median(hourLoads);
const overviewDaySeconds = median(dayLoads);
console.log(
  `Overview page ready (all API calls done), last hour of the data: median ${overviewSeconds.toFixed(2)} s (${hourLoads.map((x) => x.toFixed(2)).join(' / ')})`,
);
console.log(
  `Overview page ready, the whole day (all ${Number(records).toLocaleString('en-US')} records): median ${overviewDaySeconds.toFixed(2)} s (${dayLoads.map((x) => x.toFixed(2)).join(' / ')})`,
);

async function load(title, opts) {
  const r = await autocannon({
    url: `${base}${opts.path}`,
    connections: 20,
    duration: SECONDS,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...opts,
  });
  const out = {
    p50: r.latency.p50,
    p99: r.latency.p99,
    requestsPerSecond: r.requests.average,
    errors: r.errors,
    non2xx: r.non2xx,
  };
  console.log(
    `${title}: p50 ${out.p50} ms, p99 ${out.p99} ms, ${out.requestsPerSecond} req/s, ${out.non2xx} non-2xx, ${out.errors} errors`,
  );
  return out;
}
const overview = await load('GET /api/overview, last hour of the data (20 clients)', {
  path: `/api/overview?since=${until - 3600}&until=${until + 1}`,
});
const query = await load('POST /api/query top-rejected-sources (20 clients)', {
  path: '/api/query',
  method: 'POST',
  body: JSON.stringify({
    query:
      'filter action = "REJECT" | stats count(*) as numRejections by srcAddr | sort numRejections desc | limit 20',
    since,
    until: until + 1,
  }),
});

child.kill('SIGTERM');
await new Promise((r) => child.on('exit', r));
rmSync(dir, { recursive: true, force: true });
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(
  join(root, 'bench', 'results', 'serve.json'),
  `${JSON.stringify({ date: new Date().toISOString(), records: Number(records), overviewSeconds, overviewDaySeconds, hourLoads, dayLoads, overview, query }, null, 2)}\n`,
);

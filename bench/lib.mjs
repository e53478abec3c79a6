// Helpers shared by the benchmarks: run a child process measuring wall time and peak RSS, list corpus files, medians.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs a command, returning wall seconds, peak RSS (VmHWM polled from /proc) and stdout; with `cpu: true`, also
 * its CPU seconds (user + system, every thread, from /usr/bin/time) as `cpu`, and peak RSS from the same.
 */
export function run(cmd, argv, opts = {}) {
  if (opts.cpu) {
    const { cpu, ...rest } = opts;
    const out = join(tmpdir(), `bench-cpu-${process.pid}-${Math.random().toString(36).slice(2)}`);
    return run('/usr/bin/time', ['-f', '%U %S %M', '-o', out, cmd, ...argv], rest).then((r) => {
      const [u, s, kb] = readFileSync(out, 'utf8').trim().split('\n').pop().split(' ').map(Number);
      rmSync(out, { force: true });
      // Peak RSS of the command itself (the polled pid is /usr/bin/time's).
      return { ...r, cpu: u + s, peakMb: kb / 1024 };
    });
  }
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'], ...opts });
    let out = '';
    let peakKb = 0;
    child.stdout.on('data', (d) => {
      out += d;
    });
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        // the process has just exited
      }
    }, 50);
    child.on('error', rej);
    child.on('exit', (code) => {
      clearInterval(poll);
      if (code !== 0) rej(new Error(`${cmd} ${argv.join(' ')} exited with ${code}`));
      else res({ seconds: (performance.now() - t0) / 1000, peakMb: peakKb / 1024, out });
    });
  });
}

/**
 * run() through GNU time: also the child's CPU seconds (user + system) and its peak RSS as the kernel counts it,
 * for benchmarks on a loaded machine where wall time says little. Needs /usr/bin/time; the child's stderr is
 * passed through except time's own line.
 */
export function runCpu(cmd, argv, opts = {}) {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-f', 'FWCPU %U %S %M', cmd, ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...opts,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', rej);
    child.on('exit', (code) => {
      const m = /FWCPU ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(err);
      process.stderr.write(m ? err.slice(0, m.index) : err);
      if (code !== 0) rej(new Error(`${cmd} ${argv.join(' ')} exited with ${code}`));
      else
        res({
          seconds: (performance.now() - t0) / 1000,
          cpuSeconds: m ? Number(m[1]) + Number(m[2]) : Number.NaN,
          peakMb: m ? Number(m[3]) / 1024 : Number.NaN,
          out,
        });
    });
  });
}

/** Every `.log.gz` file under `dir`, sorted. */
export function files(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else if (e.name.endsWith('.log.gz')) out.push(p);
  }
  return out.sort();
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * The simulated corpus the benchmarks share, generated once: `records` records of one day (2026-01-05, seed 7)
 * in bench/data/corpus-<format>-<records>, `format` = `default` (14 fields) or `v5` (the simulator's 29).
 * Returns its folder.
 */
export async function ensureCorpus(root, format, records) {
  const data = join(root, 'bench', 'data');
  const corpus = join(data, `corpus-${format}-${records}`);
  mkdirSync(data, { recursive: true });
  if (!existsSync(join(corpus, 'manifest.json'))) {
    process.stderr.write(`generating a ${records}-record corpus in ${corpus} (once)...\n`);
    rmSync(corpus, { recursive: true, force: true });
    await run('node', [
      join(root, 'bin', 'flowwatch.js'),
      'simulate',
      '--out',
      corpus,
      '--records',
      String(records),
      '--days',
      '1',
      '--seed',
      '7',
      '--start',
      '2026-01-05T00:00:00Z',
      ...(format === 'default' ? ['--format', 'default'] : []),
    ]);
  }
  return corpus;
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat (Linux; clock ticks of 10 ms). */
export function cpuSecondsOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/**
 * The floor of the live ingestion benches: DuckDB alone (no flowwatch code) storing default-format flow `lines` as the
 * sink stores them, `<line number> <record>` read by read_csv with typed columns and inserted into a table of the
 * same columns, in commits of `perCommit` lines (BEGIN, INSERT, COMMIT) into a database file, `commits` times, in
 * a child process. Returns records/s (wall) and CPU microseconds per record (the child's user + system time,
 * DuckDB's threads included).
 */
export async function duckdbFloor(root, lines, perCommit, commits) {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'fw-bench-floor-'));
  try {
    const chunk = lines.slice(0, perCommit);
    writeFileSync(join(dir, 'lines.txt'), `${chunk.map((l, i) => `${i + 1} ${l}`).join('\n')}\n`);
    const child = `
      const { DuckDBInstance } = require(${JSON.stringify(join(root, 'node_modules', '@duckdb', 'node-api'))});
      (async () => {
        const db = await DuckDBInstance.create(${JSON.stringify(join(dir, 'floor.duckdb'))});
        const c = await db.connect();
        const cols = "'ln': 'BIGINT', 'version': 'INTEGER', 'account_id': 'VARCHAR', 'interface_id': 'VARCHAR', 'srcaddr': 'VARCHAR', 'dstaddr': 'VARCHAR', 'srcport': 'INTEGER', 'dstport': 'INTEGER', 'protocol': 'INTEGER', 'packets': 'BIGINT', 'bytes': 'BIGINT', 'start': 'BIGINT', 'end': 'BIGINT', 'action': 'VARCHAR', 'log_status': 'VARCHAR'";
        await c.run('CREATE TABLE t (' + cols.replaceAll("'", '').replaceAll(':', '').replace('end ', '"end" ') + ')');
        const read = "read_csv(" + ${JSON.stringify(`'${join(dir, 'lines.txt')}'`)} + ", columns = {" + cols + "}, header = false, delim = ' ', quote = '', escape = '', auto_detect = false, nullstr = '-')";
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        for (let i = 0; i < ${commits}; i++) {
          await c.run('BEGIN');
          await c.run('INSERT INTO t SELECT * FROM ' + read);
          await c.run('COMMIT');
        }
        const cpu = process.cpuUsage(c0);
        process.stdout.write(JSON.stringify({ seconds: (performance.now() - t0) / 1000, cpu: (cpu.user + cpu.system) / 1e6 }));
        c.closeSync();
        db.closeSync();
      })();`;
    const r = await run(process.execPath, ['-e', child]);
    const { seconds, cpu } = JSON.parse(r.out);
    const records = chunk.length * commits;
    return {
      recordsPerSecond: Math.round(records / seconds),
      cpuMicrosPerRecord: Number(((cpu * 1e6) / records).toFixed(2)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A copy of `corpus` shaped like AWS's 5-minute delivery: each record goes to the file of its 5-minute slot (by
 * its `start`) and of one of `flowLogs` flow logs (by a hash of the line), each file in the S3 layout with
 * the header line. With the default 24-hour corpus and 9 flow logs: 24 × 12 × 9 = 2,592 files. Written once
 * into `<corpus>-5min-<flowLogs>` (under bench/data, next to the source). Returns its folder.
 */
export async function ensureSmallFiles(root, corpus, flowLogs = 9) {
  const { createGunzip, gzipSync } = await import('node:zlib');
  const { createReadStream, writeFileSync } = await import('node:fs');
  const { createInterface } = await import('node:readline');
  const { basename, dirname } = await import('node:path');
  const out = join(root, 'bench', 'data', `${basename(corpus)}-5min-x${flowLogs}`);
  if (existsSync(join(out, 'manifest.json'))) return out;
  process.stderr.write(`splitting ${corpus} into 5-minute files in ${out} (once)...\n`);
  rmSync(out, { recursive: true, force: true });
  const manifest = { source: corpus, flowLogs, records: 0, files: [] };
  for (const f of files(corpus)) {
    const lines = createInterface({ input: createReadStream(f).pipe(createGunzip()), crlfDelay: Infinity });
    let header;
    let startIdx = -1;
    const groups = new Map();
    for await (const line of lines) {
      if (header === undefined) {
        header = line;
        const names = line.split(' ');
        startIdx = names.indexOf('start');
        continue;
      }
      if (line === '') continue;
      const start = Number(line.split(' ', startIdx + 1)[startIdx]);
      let h = 0;
      for (let i = 0; i < line.length; i++) h = (h * 31 + line.charCodeAt(i)) >>> 0;
      const key = `${Math.floor(start / 300) * 300}:${h % flowLogs}`;
      const g = groups.get(key);
      if (g) g.push(line);
      else groups.set(key, [line]);
    }
    // .../vpcflowlogs/<region>/YYYY/MM/DD/HH/<account>_vpcflowlogs_<region>_fl-<id>_<YYYYMMDDTHHmmZ>_<hash>.log.gz
    const rel = f.slice(corpus.length + 1);
    const name = basename(rel);
    const [account, , region, fl, , tail] = name.split('_');
    const src = tail.slice(0, 4);
    for (const [key, g] of [...groups.entries()].sort()) {
      const [slot, k] = key.split(':').map(Number);
      const d = new Date(slot * 1000).toISOString();
      const stamp = `${d.slice(0, 4)}${d.slice(5, 7)}${d.slice(8, 10)}T${d.slice(11, 13)}${d.slice(14, 16)}Z`;
      const dir = join(
        out,
        dirname(rel).replace(
          /\/\d\d\/\d\d\/\d\d\/\d\d$/,
          `/${d.slice(0, 4)}/${d.slice(5, 7)}/${d.slice(8, 10)}/${d.slice(11, 13)}`,
        ),
      );
      mkdirSync(dir, { recursive: true });
      const id = `${fl.slice(0, -1)}${k}`;
      const file = join(
        dir,
        `${account}_vpcflowlogs_${region}_${id}_${stamp}_${src}${(slot / 300 + k).toString(16).slice(-4)}.log.gz`,
      );
      writeFileSync(file, gzipSync(`${header}\n${g.join('\n')}\n`));
      manifest.files.push({ path: file.slice(out.length + 1), records: g.length });
      manifest.records += g.length;
    }
  }
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest)}\n`);
  return out;
}

/**
 * A webhook receiver on loopback for the monitor's HTTP topics: `onMessage(message, atMs)` gets each notification's
 * parsed SNS `Message` (a body that is not one is ignored) and its arrival time. Resolves to its hook URL and close.
 */
export async function webhookReceiver(onMessage) {
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const at = Date.now();
      try {
        onMessage(JSON.parse(JSON.parse(body).Message), at);
      } catch {}
      res.writeHead(200).end('ok');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/hook`, close: () => server.close() };
}

/**
 * Starts `flowwatch monitor` of the build in `build` as a child process (JSON log on stderr, the Firehose access key
 * `bench-key` in FH_KEY) and waits until it listens. `log.text` collects its stderr (a bench may trim it).
 */
export async function startMonitorProcess(build, config, db, nodeArgs = []) {
  const child = spawn(
    'node',
    [
      ...nodeArgs,
      join(build, 'bin', 'flowwatch.js'),
      'monitor',
      '--config',
      config,
      '--db',
      db,
      '--log',
      'json',
    ],
    { env: { ...process.env, FH_KEY: 'bench-key' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const log = { text: '' };
  const url = await new Promise((res, rej) => {
    child.stderr.on('data', (d) => {
      log.text += d;
      const m = /listening on (http:\/\/[\d.:]+)/.exec(log.text);
      if (m) res(m[1]);
    });
    child.on('exit', (c) => rej(new Error(`monitor exited (${c}):\n${log.text}`)));
  });
  return { child, url, log };
}

/**
 * POSTs one Firehose request (its JSON text) to the monitor at `url`, retrying like Firehose on anything but 200
 * (200 ms doubling, 6 retries); resolves to the number of retries, throws after the last.
 */
export async function postFirehose(url, requestId, text) {
  for (let attempt = 0; ; attempt++) {
    const r = await fetch(`${url}/firehose`, {
      method: 'POST',
      headers: {
        'x-amz-firehose-protocol-version': '1.0',
        'x-amz-firehose-request-id': requestId,
        'x-amz-firehose-access-key': 'bench-key',
      },
      body: text,
    }).catch(() => undefined);
    if (r?.status === 200) return attempt;
    if (attempt > 5) throw new Error(`request ${requestId} failed: ${r?.status}`);
    await new Promise((res) => setTimeout(res, 200 * 2 ** attempt));
  }
}

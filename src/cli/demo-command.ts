// `flowwatch demo` (what `npm start` runs): a small simulated VPC fed live through the Firehose endpoint into
// the monitor, with the rejected-SSH and denied-ICMP alarms, served as the dashboard. `--report` instead
// simulates a day, ingests it and prints a traffic report.

import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { parseConfig } from '../config/config.js';
import { UsageError, UserError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { protocolName } from '../core/protocols.js';
import { ingest } from '../ingest/ingest.js';
import { PRESET_NAMESPACE, presets } from '../metrics/presets.js';
import { startMonitor } from '../monitor/monitor.js';
import { dashboardRoutes } from '../server/dashboard.js';
import { LiveTraffic } from '../simulate/live.js';
import { SIMULATE_DEFAULT_FORMAT, simulate } from '../simulate/simulate.js';
import { Store } from '../storage/store.js';
import { type TopKind, top } from '../storage/top-queries.js';
import { type Io, positiveInt } from './context.js';
import { runUntilSignal } from './monitor-command.js';
import { humanBytes, render } from './output.js';
import { progressBar, rate } from './progress.js';

const SECTIONS: { kind: TopKind; title: string }[] = [
  { kind: 'talkers', title: 'Top talkers (source addresses by bytes sent)' },
  { kind: 'rejected', title: 'Rejected traffic (sources by rejected flows)' },
  { kind: 'ports', title: 'Destination ports (by flows)' },
  { kind: 'protocols', title: 'Protocols (by bytes)' },
];

export function registerDemo(program: Command, io: Io): void {
  program
    .command('demo')
    .description(
      'the quick start (npm start): a simulated VPC streams flow logs live into the monitor and its dashboard',
    )
    .option(
      '--dir <dir>',
      'working directory for the simulated logs and the store (replaced on each run)',
      'flowwatch-demo',
    )
    .option('--records <n>', 'records of history to simulate', '200000')
    .option('--seed <n>', 'random seed', '1')
    .option('--port <n>', 'HTTP port of the dashboard', '8080')
    .option('--report', 'print a traffic report of a simulated day instead of serving the live dashboard')
    .addHelpText(
      'after',
      `
Simulates the last day of a small VPC (web servers, an application tier, a database, a bastion host, S3
traffic) into <dir>/history, starts the monitor on it with the rejected-SSH and denied-ICMP alarms, then
streams live traffic through the monitor's own Firehose endpoint, with an SSH brute force, a port scan and
denied pings injected every few minutes. Prints the dashboard's URL with its access token; Ctrl-C stops.
If the default port 8080 is busy, the next free port is taken (and printed). <dir> is replaced on each run.`,
    )
    .action(
      async (
        flags: { dir: string; records: string; seed: string; port: string; report?: boolean },
        cmd: Command,
      ) => {
        const records = positiveInt(flags.records, '--records');
        if (!flags.report) {
          await liveDemo(io, {
            dir: flags.dir,
            records,
            seed: Number.parseInt(flags.seed, 10) || 1,
            port: flags.port,
            portGiven: cmd.getOptionValueSource('port') !== 'default',
          });
          return;
        }
        await rm(flags.dir, { recursive: true, force: true });
        const logs = join(flags.dir, 'logs');
        const db = join(flags.dir, 'flowwatch.duckdb');
        io.out(
          `Simulating one day of flow logs for a demo VPC (${records.toLocaleString('en-US')} records)...\n`,
        );
        let bar = progressBar(io, records, 'simulate |{bar}| {percentage}% | ETA {eta_formatted}');
        const sim = await simulate({
          out: logs,
          records,
          seed: Number.parseInt(flags.seed, 10) || 1,
          days: 1,
          onProgress: (done) => bar.update(done, {}),
        });
        bar.stop();
        const store = await Store.open(db, { memoryLimit: '512MB' });
        try {
          bar = progressBar(io, 1, 'ingest   |{bar}| {percentage}% | ETA {eta_formatted}');
          const s = await ingest(store, [logs], {
            onProgress: (p) => bar.update(p.bytesDone / (p.bytesTotal || 1), {}),
          });
          bar.stop();
          io.out(
            `Ingested ${s.files} files from ${logs}: ${s.records.toLocaleString('en-US')} records, ${s.rejected} rejected lines, ` +
              `${humanBytes(s.bytes)} in ${s.seconds.toFixed(1)} s (${rate(s.recordsPerSecond)} records/s).\n`,
          );
          for (const section of SECTIONS) {
            const r = await top(store, section.kind, { limit: 8 });
            const rows = r.rows.map((row) =>
              'protocol' in row ? { ...row, protocol: protocolName(row['protocol'] as number | null) } : row,
            );
            io.out(`\n${section.title}\n${render({ columns: r.columns.map((c) => c.name), rows }, 'table')}`);
          }
          const cli = flowwatchCommand();
          io.out(
            `\nThe simulated day holds an SSH brute force, a port scan, ICMP denied by a network ACL and an\n` +
              `exfiltration burst (ground truth: ${sim.manifestPath}). Explore the store yourself:\n` +
              `  ${cli} top rejected --db ${db}\n` +
              `  ${cli} sql --db ${db} "SELECT dstport, count(*) FROM flows WHERE action = 'REJECT' GROUP BY 1 ORDER BY 2 DESC LIMIT 10"\n` +
              `  ${cli} fields\n`,
          );
        } finally {
          store.close();
        }
      },
    );
}

/** Seconds of live traffic the demo sends in each Firehose delivery. */
const FEED_SECONDS = 5;

/** The demo configuration: preset metric filters for the simulator's format, two alarms, two sources. */
function demoConfig(stateDir: string, history: string, port: string): string {
  const available = presets(SIMULATE_DEFAULT_FORMAT).filter(
    (p) => p.available && ['rejected-ssh', 'denied-icmp', 'rejected'].includes(p.id),
  );
  const filters = available.map((p) => (p.available ? p.filter : undefined)).filter((f) => f !== undefined);
  // The starter alarms of `flowwatch init` (2 of the last 3 minutes at or over the threshold; see
  // docs/decisions/24-alarm-episodes-and-demo.md), on the preset metrics.
  const alarm = (name: string, metricName: string, threshold: number, description: string) => ({
    name,
    description,
    metric: { namespace: PRESET_NAMESPACE, metricName },
    statistic: 'Sum',
    period: 60,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    threshold,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    treatMissingData: 'notBreaching',
  });
  return stringify({
    metricFilters: filters,
    alarms: [
      alarm('rejected-ssh', 'RejectedSSH', 5, 'Repeated SSH attempts were rejected (a brute force).'),
      alarm('denied-icmp', 'DeniedICMP', 2, 'Pings were denied by a network ACL for minutes on end.'),
    ],
    sources: [
      { name: 'history', type: 'directory', path: history },
      {
        name: 'live',
        type: 'firehose',
        path: '/firehose',
        accessKeyEnv: 'FLOWWATCH_DEMO_FIREHOSE_KEY',
        format: SIMULATE_DEFAULT_FORMAT.text,
      },
    ],
    // A minute's last records arrive up to FEED_SECONDS after it closed: the alarms wait for them.
    monitor: { listen: `127.0.0.1:${port}`, stateDir, evaluationDelaySeconds: FEED_SECONDS + 2 },
  });
}

/**
 * The history the live demo writes before streaming from `now`: the day before `now` (from the start of the hour
 * 24 h ago), ending exactly at `now`, where the live stream begins: no gap between the two.
 *
 * @example demoHistoryWindow(1716200100) // { start: 1716113700, until: 1716200100 }
 */
export function demoHistoryWindow(now: number): { start: number; until: number } {
  return { start: now - 86_400, until: now };
}

/** True when nothing listens on 127.0.0.1:`port` (the address the demo serves on). */
function portFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', () => done(false));
    probe.listen({ host: '127.0.0.1', port, exclusive: true }, () => probe.close(() => done(true)));
  });
}

/**
 * The port the demo serves on: the one given, refused when busy; by default 8080, or when that is busy the next
 * free one up to 8099, said on stderr.
 */
export async function demoPort(io: Io, port: number, given: boolean): Promise<number> {
  if (await portFree(port)) return port;
  if (given)
    throw new UserError(
      'PORT_IN_USE',
      `port ${port} is already in use on 127.0.0.1`,
      'stop what listens there, or give another --port (without --port the demo takes the next free one)',
    );
  for (let p = port + 1; p < port + 20 && p <= 65_535; p++) {
    if (await portFree(p)) {
      io.err(`Port ${port} is busy: serving on port ${p} instead.\n`);
      return p;
    }
  }
  throw new UserError(
    'PORT_IN_USE',
    `ports ${port} to ${port + 19} are all in use on 127.0.0.1`,
    'give a free one with --port',
  );
}

/** Simulates yesterday, then feeds live traffic through the monitor's own Firehose endpoint; serves the dashboard. */
async function liveDemo(
  io: Io,
  o: { dir: string; records: number; seed: number; port: string; portGiven: boolean },
): Promise<void> {
  if (!/^\d{1,5}$/.test(o.port) || Number(o.port) > 65_535)
    throw new UsageError('BAD_PORT', `--port "${o.port}" is not a port number`);
  const port = await demoPort(io, Number(o.port), o.portGiven);
  await rm(o.dir, { recursive: true, force: true });
  const history = resolve(o.dir, 'history');
  const stateDir = resolve(o.dir, 'state');
  const now = Math.floor(Date.now() / 1000);
  io.err(`Simulating the last day of a demo VPC (${o.records.toLocaleString('en-US')} records)...\n`);
  const window = demoHistoryWindow(now);
  const sim = await simulate({ out: history, records: o.records, seed: o.seed, ...window });
  const configText = demoConfig(stateDir, history, String(port));
  await mkdir(o.dir, { recursive: true });
  writeFileSync(join(o.dir, 'flowwatch.yaml'), configText);
  const key = randomBytes(16).toString('hex');
  const monitor = await startMonitor({
    config: parseConfig(join(o.dir, 'flowwatch.yaml'), configText),
    db: join(o.dir, 'flowwatch.duckdb'),
    configPath: join(o.dir, 'flowwatch.yaml'),
    log: createLogger(() => {}),
    env: { ...io.env, FLOWWATCH_DEMO_FIREHOSE_KEY: key },
    ...dashboardRoutes(),
  });
  // The live stream continues the history where it ends, at the rate it ends with (at least one record a
  // second); the seconds that passed while the history was written are sent at once.
  const traffic = new LiveTraffic(sim.end, Math.max(1, sim.recordsPerSecondAtEnd), o.seed);
  let stopped = false;
  let sent = 0;
  const feed = (async () => {
    // One delivery per FEED_SECONDS seconds of traffic, as Firehose buffers: a delivery a second kept an idle
    // demo at 12% of a core (each is a commit), one every 5 s at 3%.
    for (let second = sim.end; !stopped; second += FEED_SECONDS) {
      const wait = (second + FEED_SECONDS - 1) * 1000 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const lines: string[] = [];
      for (let s = second; s < second + FEED_SECONDS; s++) lines.push(...traffic.linesFor(s));
      const requestId = `demo-${second}`;
      const body = JSON.stringify({
        requestId,
        timestamp: Date.now(),
        records: lines.map((l) => ({ data: Buffer.from(`${l}\n`).toString('base64') })),
      });
      const r = await fetch(`${monitor.url}/firehose`, {
        method: 'POST',
        headers: {
          'x-amz-firehose-protocol-version': '1.0',
          'x-amz-firehose-request-id': requestId,
          'x-amz-firehose-access-key': key,
        },
        body,
      }).catch(() => undefined);
      if (r?.status === 200) sent += lines.length;
    }
  })();
  // The history's findings: once the history folder is in the store, the detection catalog runs over the day
  // (the live runner then takes each window as it closes), so the Findings page is not empty at first sight.
  const history_ = (async () => {
    for (let i = 0; i < 600 && !stopped; i++) {
      const n = Number((await monitor.store.query('SELECT count(*) AS n FROM flows')).rows[0]?.['n'] ?? 0);
      if (n >= sim.records) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    if (stopped) return;
    const enabled = parseConfig(join(o.dir, 'flowwatch.yaml'), configText).detections.filter(
      (d) => d.enabled,
    );
    await monitor.detections.evaluate(enabled, window.start, Math.floor(Date.now() / 1000));
  })().catch(() => undefined);
  io.err(
    `\nflowwatch demo: a small VPC streams flow logs into the monitor (an SSH brute force, a port scan and\n` +
      `denied pings are injected every few minutes; the rejected-ssh alarm fires within about two minutes).\n\n` +
      `  Dashboard: ${monitor.url}/#token=${monitor.token}\n  API token: ${monitor.token}\n\n(Ctrl-C to stop)\n`,
  );
  await runUntilSignal(io, monitor, async () => {
    stopped = true;
    await feed;
    await history_;
    io.err(`fed ${sent.toLocaleString('en-US')} live records\n`);
  });
}

/**
 * How to run this flowwatch from the current folder: `node bin/flowwatch.js` in the repository, else the script's
 * path relative to here (or absolute when that is shorter to read), so the printed commands work where the user is.
 */
function flowwatchCommand(): string {
  const bin = resolve(import.meta.dirname, '../../bin/flowwatch.js');
  const rel = relative(process.cwd(), bin);
  return `node ${rel === '' || isAbsolute(rel) || rel.startsWith('../../') ? bin : rel}`;
}

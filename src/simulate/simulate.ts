// Writes a seeded, realistic VPC flow log corpus in AWS's S3 layout, with a manifest of its ground truth.

import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setImmediate } from 'node:timers/promises';
import { UsageError } from '../core/errors.js';
import { V2_TO_V5_FIELDS } from '../records/catalog.js';
import { type Format, parseFormat } from '../records/format.js';
import { GzipFileWriter } from './gzip-file.js';
import { buildInternet } from './internet.js';
import type { Manifest, ManifestFile } from './manifest.js';
import { planCorpus } from './plan.js';
import { hash32, Random } from './random.js';
import { headerLine, RecordSink } from './record-sink.js';
import { Traffic } from './traffic.js';
import { buildVpc } from './vpc.js';

/** What to simulate and where to write it. */
export interface SimulateOptions {
  /** Output directory (created). Files go under `<out>/AWSLogs/...`, the manifest to `<out>/manifest.json`. */
  out: string;
  /** Exact total number of records to write across all files. */
  records: number;
  /** Seed of every random choice (default 1). Same options ⇒ byte-identical files. */
  seed?: number;
  /** Record format (default {@link SIMULATE_DEFAULT_FORMAT}). */
  format?: Format;
  /** Unix seconds of the first hour, truncated to the hour (default: now minus `days`, truncated). */
  start?: number;
  /** Span in days (default 1); one file per hour of the span. Ignored when `until` is given. */
  days?: number;
  /**
   * Unix seconds the corpus ends at (exclusive): the hours from `start` (truncated to the hour) up to it, the
   * last one cut at `until`, so a live stream starting at `until` continues it without a gap. Attacks fall in
   * whole hours.
   */
  until?: number;
  /** AWS account ID (default `123456789012`). */
  account?: string;
  /** AWS region (default `us-east-1`). */
  region?: string;
  /** Called after each chunk written with the records written so far. */
  onProgress?: (recordsWritten: number, total: number) => void;
}

/** What {@link simulate} wrote. */
export interface SimulateResult {
  /** Absolute paths of the `.log.gz` files, in time order. */
  files: string[];
  records: number;
  manifestPath: string;
  /** Unix seconds the corpus ends at (exclusive): `until`, else the end of its last hour. */
  end: number;
  /** Background records per second in the last (possibly cut) hour: the rate a live stream continues at. */
  recordsPerSecondAtEnd: number;
}

/** The default format of simulated corpora: every confirmed VPC field of versions 2–5, in catalog order. */
export const SIMULATE_DEFAULT_FORMAT: Format = parseFormat(
  V2_TO_V5_FIELDS.map((f) => `\${${f.aws}}`).join(' '),
);

const HOUR = 3600;
/** Bytes of record lines handed to gzip at a time. */
const CHUNK = 1 << 20;
/** gzip level: level 3 is ~20% smaller than 1 and still faster than record generation on its own thread. */
const GZIP_LEVEL = 3;

/**
 * Writes `records` flow log records of a simulated VPC (web, app and db tiers, a bastion, a NAT gateway)
 * over `days` days, one gzip file per hour in AWS's plain hourly S3 layout (spec §6.5–6.6), each starting
 * with a header line, plus `manifest.json` ({@link Manifest}) holding counts made while writing: totals,
 * verdicts, bytes, the top talker and four injected attacks (SSH brute force, port scan, pings denied by a
 * network ACL, a data exfiltration burst). Memory stays bounded whatever the number of records.
 *
 * @example
 * const { files, manifestPath } = await simulate({ out: '/tmp/corpus', records: 5000, start: 1716163200 });
 */
export async function simulate(opts: SimulateOptions): Promise<SimulateResult> {
  const total = opts.records;
  if (!Number.isSafeInteger(total) || total < 0) {
    throw new UsageError('SIMULATE_RECORDS', `records must be a whole number ≥ 0, got ${total}`);
  }
  const seed = opts.seed ?? 1;
  if (!Number.isSafeInteger(seed))
    throw new UsageError('SIMULATE_SEED', `seed must be an integer, got ${seed}`);
  const days = opts.days ?? 1;
  if (!(days > 0) || !Number.isFinite(days)) {
    throw new UsageError('SIMULATE_DAYS', `days must be a positive number, got ${days}`);
  }
  const account = opts.account ?? '123456789012';
  const region = opts.region ?? 'us-east-1';
  if (!/^[0-9a-z-]{1,64}$/.test(account) || !/^[0-9a-z-]{1,64}$/.test(region)) {
    throw new UsageError('SIMULATE_NAME', 'account and region must be lowercase letters, digits and "-"');
  }
  const format = opts.format ?? SIMULATE_DEFAULT_FORMAT;
  const until = opts.until;
  let hours = Math.max(1, Math.round(days * 24));
  const startOpt = opts.start ?? (until ?? Date.now() / 1000) - hours * HOUR;
  if (!Number.isFinite(startOpt) || startOpt < 0) {
    throw new UsageError('SIMULATE_START', `start must be unix seconds, got ${startOpt}`);
  }
  const start = Math.floor(startOpt / HOUR) * HOUR;
  if (until !== undefined) {
    if (!Number.isInteger(until) || until <= start)
      throw new UsageError(
        'SIMULATE_UNTIL',
        `until must be whole unix seconds after the start (${start}), got ${until}`,
      );
    hours = Math.ceil((until - start) / HOUR);
  }
  // Seconds of the last hour that are simulated (3600 unless `until` cuts it).
  const lastHourSeconds = until === undefined ? HOUR : until - (start + (hours - 1) * HOUR);

  const root = new Random(seed);
  const vpc = buildVpc(root.fork(1), region);
  const net = buildInternet(root.fork(2));
  const plan = planCorpus(root.fork(3), total, start, hours, lastHourSeconds);
  const flowLogId = `fl-0${root.fork(4).hex(16)}`;
  const sink = new RecordSink(format, { account, region, vpcId: vpc.id, enis: vpc.enis }, net.services);
  const traffic = new Traffic(root.fork(5), vpc, net, sink, plan);
  const a = traffic.attacks;
  const ssh = sink.track(a.sshBruteForce.source, a.sshBruteForce.target);
  const scan = sink.track(a.portScan.source, a.portScan.target);
  const icmp = sink.track(a.icmpDenied.source, a.icmpDenied.target);
  const exfil = sink.track(a.exfiltration.source, a.exfiltration.target);

  const out = resolve(opts.out);
  const header = headerLine(format);
  const files: string[] = [];
  const listed: ManifestFile[] = [];
  let closing: Promise<void> | undefined;
  for (let h = 0; h < hours; h++) {
    const hourStart = start + h * HOUR;
    const rel = objectKey(account, region, flowLogId, hourStart, hash32(seed, hourStart));
    const path = join(out, ...rel.split('/'));
    const file = await GzipFileWriter.open(path, GZIP_LEVEL);
    const before = sink.records;
    traffic.beginHour(h);
    sink.writeLine(header);
    do {
      traffic.generate(CHUNK);
      const wait = file.write(sink.take());
      // Yield to the event loop even without backpressure, so zlib's thread is handed the next chunk while
      // this thread generates the one after it.
      await (wait ?? setImmediate());
      opts.onProgress?.(sink.records, total);
    } while (!traffic.hourDone);
    // Let this file finish compressing while the next hour is generated; at most one file closes at a time.
    const closed = file.close();
    closed.catch(() => undefined);
    if (closing) await closing;
    closing = closed;
    files.push(path);
    listed.push({ path: rel, records: sink.records - before });
  }
  if (closing) await closing;

  const manifest: Manifest = {
    format: format.text,
    records: sink.records,
    files: listed,
    accepted: sink.accepted,
    rejected: sink.rejected,
    nodata: sink.nodata,
    scenarios: {
      sshBruteForce: { source: ssh.source, target: ssh.target, records: ssh.records },
      portScan: {
        source: scan.source,
        target: scan.target,
        distinctPorts: scan.ports.size,
        records: scan.records,
      },
      icmpDenied: {
        source: icmp.source,
        target: icmp.target,
        records: icmp.records,
        rejected: icmp.rejected,
      },
      exfiltration: {
        source: exfil.source,
        destination: exfil.target,
        records: exfil.records,
        bytes: exfil.bytesFromSource,
      },
    },
    bytes: sink.bytes,
    topTalkerBySourceBytes: sink.topTalker(),
    seed,
    start,
    end: until ?? start + hours * HOUR,
    account,
    region,
    flowLogId,
    vpcId: vpc.id,
  };
  if (manifest.records !== total) throw new Error(`simulate wrote ${manifest.records} records, not ${total}`);
  const manifestPath = join(out, 'manifest.json');
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return {
    files,
    records: manifest.records,
    manifestPath,
    end: manifest.end,
    recordsPerSecondAtEnd: (plan.background[hours - 1] ?? 0) / lastHourSeconds,
  };
}

/**
 * The S3 key of the hourly file of `hourStart` in AWS's plain layout with hourly partitions:
 * `AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/HH/<account>_vpcflowlogs_<region>_<fl-id>_<YYYYMMDD>T<HH>00Z_<hash>.log.gz`.
 *
 * @example objectKey('123456789012', 'us-east-1', 'fl-0abc', 1716163200, 0x3f9a8c21)
 * // 'AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/05/20/00/123456789012_vpcflowlogs_us-east-1_fl-0abc_20240520T0000Z_3f9a8c21.log.gz'
 */
export function objectKey(
  account: string,
  region: string,
  flowLogId: string,
  hourStart: number,
  hash: number,
): string {
  const iso = new Date(hourStart * 1000).toISOString(); // YYYY-MM-DDTHH:...
  const [y, mo, d, hh] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10), iso.slice(11, 13)];
  const name = `${account}_vpcflowlogs_${region}_${flowLogId}_${y}${mo}${d}T${hh}00Z_${hash.toString(16).padStart(8, '0')}.log.gz`;
  return `AWSLogs/${account}/vpcflowlogs/${region}/${y}/${mo}/${d}/${hh}/${name}`;
}

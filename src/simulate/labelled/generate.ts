// Writes a labelled flow log corpus: 5-minute .log.gz files per VPC, truth.json (attacks, look-alikes) and indicators.txt.

import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { GzipFileWriter } from '../gzip-file.js';
import { hash32, Random } from '../random.js';
import { headerLine } from '../record-sink.js';
import { type AttackBuild, buildAttacks, buildIndicators, type LoggingRule } from './attacks.js';
import { Background, benignSpecs, buildWorld, SLOT } from './background.js';
import { type Conn, LineWriter, type Rec, recordsOf, type StatusRec } from './records.js';
import { buildEstate } from './topology.js';
import { type Attack, type Benign, KINDS, type Truth } from './truth.js';

/** What to generate. */
export interface LabelledOptions {
  /** Output folder: `logs/AWSLogs/...`, `truth.json`, `indicators.txt`. */
  readonly out: string;
  /** Seed of every random choice (default 1): the same options give byte-identical files. */
  readonly seed?: number;
  /** Unix seconds of the start, truncated to 5 minutes (default 2026-03-02T00:00:00Z, a Monday). */
  readonly start?: number;
  /** Length in hours (default 48). */
  readonly hours?: number;
  /** Multiplier of the background's connection rates (default 1). */
  readonly scale?: number;
}

/** What {@link generateLabelled} wrote. */
export interface LabelledResult {
  readonly truth: Truth;
  readonly truthPath: string;
  readonly logsDir: string;
  readonly indicatorsPath: string;
}

/** 2026-03-02T00:00:00Z. */
export const DEFAULT_START = Date.UTC(2026, 2, 2) / 1000;

/**
 * Generates a labelled corpus. Background traffic follows a daily rhythm; attacks are injected with exact
 * windows (from their first record's `start` to their last record's `end`, or the logging rule's window for
 * coverage gaps); benign look-alikes are labelled the same way. Files follow AWS's S3 delivery: one `.log.gz`
 * per VPC flow log per 5-minute slot holding the records whose `end` falls in it, with a header line.
 *
 * @example const { truth } = await generateLabelled({ out: '/tmp/corpus', hours: 6, seed: 3 });
 */
export async function generateLabelled(opts: LabelledOptions): Promise<LabelledResult> {
  const seed = opts.seed ?? 1;
  if (!Number.isSafeInteger(seed))
    throw new UsageError('LABELLED_SEED', `seed must be an integer, got ${seed}`);
  const hours = opts.hours ?? 48;
  if (!(hours >= 1) || !Number.isFinite(hours))
    throw new UsageError('LABELLED_HOURS', `hours must be a number ≥ 1, got ${hours}`);
  const scale = opts.scale ?? 1;
  if (!(scale > 0) || !Number.isFinite(scale))
    throw new UsageError('LABELLED_SCALE', `scale must be a positive number, got ${scale}`);
  const start = Math.floor((opts.start ?? DEFAULT_START) / SLOT) * SLOT;
  const end = start + Math.round((hours * 3600) / SLOT) * SLOT;

  const estate = buildEstate(seed);
  const world = buildWorld(seed);
  const indicators = buildIndicators(seed, world.taken);
  const attacks = buildAttacks(seed, estate, world, indicators, start, end);
  const benign = benignSpecs(estate, world);
  const background = new Background(seed, estate, world, scale);

  const bySlot = new Map<number, Conn[]>();
  for (const a of attacks) {
    for (const c of a.conns) {
      const s = Math.floor(c.t / SLOT) * SLOT;
      if (s < start || s >= end) continue;
      const list = bySlot.get(s);
      if (list) list.push(c);
      else bySlot.set(s, [c]);
    }
  }
  const rules: LoggingRule[] = attacks.flatMap((a) => a.rules);
  const stats = new Map<string, { records: number; start: number; end: number }>();
  const count = (tag: string | undefined, s: number, e: number) => {
    if (tag === undefined) return;
    const st = stats.get(tag);
    if (st) {
      st.records++;
      st.start = Math.min(st.start, s);
      st.end = Math.max(st.end, e);
    } else stats.set(tag, { records: 1, start: s, end: e });
  };

  const out = resolve(opts.out);
  const logsDir = join(out, 'logs');
  const writers = estate.vpcs.map((v) => new LineWriter(v.format));
  const headers = estate.vpcs.map((v) => headerLine(v.format));
  const dev = estate.host('dev-1');
  let files = 0;
  let records = 0;
  const pending: Promise<void>[] = [];
  for (let s = start; s < end; s += SLOT) {
    const e = s + SLOT;
    // Files are compressed on libuv's pool while the next slots are generated; at most 24 wait at a time.
    if (pending.length >= 24) await Promise.all(pending.splice(0));
    const conns: Conn[] = [];
    background.slot(s, conns);
    for (const c of bySlot.get(s) ?? []) conns.push(c);
    const recs: Rec[] = [];
    for (const c of conns) recordsOf(applyNacl(c, rules), estate, e, recs);
    const status: StatusRec[] = [];
    if (!Background.devActive(s))
      status.push({ host: dev, start: s, end: e - 1, status: 'NODATA', tag: 'b-business-hours' });
    const rng = new Random(hash32(seed, 0x5c1, s));
    const kept = recs.filter((r) => keep(r, rules, rng));
    for (const rule of rules) {
      if (rule.type !== 'skip') continue;
      for (let m = Math.max(rule.from, s); m < Math.min(rule.to, e); m += 60)
        status.push({ host: rule.host, start: m, end: m + 59, status: 'SKIPDATA', tag: rule.tag });
    }
    for (const [i, vpc] of estate.vpcs.entries()) {
      const mine = kept.filter((r) => r.host.vpc === vpc).sort((a, b) => a.start - b.start || a.end - b.end);
      const st = status.filter((r) => r.host.vpc === vpc);
      if (mine.length === 0 && st.length === 0) continue;
      const lines = [headers[i]!];
      for (const r of mine) {
        lines.push(writers[i]!.line(r));
        count(r.tag, r.start, r.end);
      }
      for (const r of st) {
        lines.push(writers[i]!.statusLine(r));
        count(r.tag, r.start, r.end);
      }
      records += lines.length - 1;
      const rel = objectKey(vpc.account, vpc.region, vpc.flowLogId, s, hash32(seed, i, s));
      pending.push(writeGz(join(logsDir, ...rel.split('/')), `${lines.join('\n')}\n`));
      files++;
    }
  }

  await Promise.all(pending);

  const truthAttacks: Attack[] = [];
  for (const a of attacks) {
    const window = windowOf(a, stats);
    if (window === undefined) continue;
    truthAttacks.push({ ...a.label, ...window });
  }
  const truthBenign: Benign[] = [];
  for (const b of benign) {
    const st = stats.get(b.id);
    if (st) truthBenign.push({ ...b, start: st.start, end: st.end, records: st.records });
  }
  const truth: Truth = {
    generator: 'flowwatch labelled corpus',
    version: 1,
    seed,
    start,
    end,
    files,
    records,
    indicators: 'indicators.txt',
    logs: 'logs',
    vpcs: estate.vpcs.map((v) => ({
      name: v.name,
      id: v.id,
      account: v.account,
      region: v.region,
      flowLogId: v.flowLogId,
      format: v.format.text,
      cidrs: [v.cidr4, ...(v.cidr6 ? [v.cidr6] : [])],
      interfaces: v.hosts.map((h) => ({
        name: h.name,
        eni: h.eni,
        ip4: h.ip4,
        ...(h.ip6 ? { ip6: h.ip6 } : {}),
      })),
    })),
    kinds: KINDS,
    attacks: truthAttacks,
    benign: truthBenign,
  };
  const truthPath = join(out, 'truth.json');
  await writeFile(truthPath, `${JSON.stringify(truth, null, 2)}\n`);
  const indicatorsPath = join(out, 'indicators.txt');
  await writeFile(indicatorsPath, indicators.lines.join('\n'));
  return { truth, truthPath, logsDir, indicatorsPath };
}

/** Writes one gzip file (gzip level 6, as compact as AWS's files). */
async function writeGz(path: string, text: string): Promise<void> {
  const file = await GzipFileWriter.open(path, 6);
  await file.write(Buffer.from(text, 'latin1'));
  await file.close();
}

/** A connection to a host under a network ACL rule: accepted inbound, its reply rejected, tagged with the rule. */
function applyNacl(c: Conn, rules: readonly LoggingRule[]): Conn {
  for (const r of rules) {
    if (r.type !== 'nacl' || c.dst !== r.dst || c.t < r.from || c.t >= r.to) continue;
    if (r.dport !== undefined && c.dport !== r.dport) continue;
    if (c.rev === undefined || (c.inAction ?? 'ACCEPT') !== 'ACCEPT') continue;
    return { ...c, replyAction: 'REJECT', tag: r.tag };
  }
  return c;
}

/**
 * False for a record its interface did not write: silenced, or lost under SKIPDATA (one in two background
 * records; attack records are kept so that overlapping attacks keep their stated evidence).
 */
function keep(r: Rec, rules: readonly LoggingRule[], rng: Random): boolean {
  for (const rule of rules) {
    if (rule.type === 'nacl' || rule.host !== r.host || r.start < rule.from || r.start >= rule.to) continue;
    if (rule.type === 'silence') return false;
    if (!isAttackTag(r.tag) && rng.chance(0.5)) return false;
  }
  return true;
}

/** Attack ids start with a letter a–k and two digits (`a01-…`); look-alike ids with `b-`. */
const isAttackTag = (tag: string | undefined): boolean => tag !== undefined && /^[a-k]\d\d-/.test(tag);

/** An attack's window: of its records, or of its logging rule for coverage gaps (which have no records of their own). */
function windowOf(
  a: AttackBuild,
  stats: ReadonlyMap<string, { records: number; start: number; end: number }>,
): { start: number; end: number; records: number } | undefined {
  const st = stats.get(a.label.id);
  const silence = a.rules.find((r) => r.type === 'silence');
  if (silence) return { start: silence.from, end: silence.to, records: 0 };
  return st;
}

/**
 * S3 key of a 5-minute file in AWS's plain daily layout (spec §6.5–6.6).
 *
 * @example objectKey('111122223333', 'us-east-1', 'fl-0abc', 1772409900, 0x3f9a8c21)
 * // 'AWSLogs/111122223333/vpcflowlogs/us-east-1/2026/03/02/111122223333_vpcflowlogs_us-east-1_fl-0abc_20260302T0005Z_3f9a8c21.log.gz'
 */
export function objectKey(
  account: string,
  region: string,
  flowLogId: string,
  slot: number,
  hash: number,
): string {
  const iso = new Date(slot * 1000).toISOString();
  const [y, mo, d, hh, mm] = [
    iso.slice(0, 4),
    iso.slice(5, 7),
    iso.slice(8, 10),
    iso.slice(11, 13),
    iso.slice(14, 16),
  ];
  const name = `${account}_vpcflowlogs_${region}_${flowLogId}_${y}${mo}${d}T${hh}${mm}Z_${hash.toString(16).padStart(8, '0')}.log.gz`;
  return `AWSLogs/${account}/vpcflowlogs/${region}/${y}/${mo}/${d}/${name}`;
}

// The evidence a compliance review asks of flow logs: coverage (which interfaces and VPCs log, hours with no
// records or with SKIPDATA), delivery delay, retention kept, and what was rejected.

import { isoUtc } from '../core/time.js';
import type { Store } from './store.js';
import { coveredPredicate } from './traffic-reports.js';
import { coverageRows, type RejectKey, rejectKeyRows, rolledRows, withRows } from './view-rollups.js';

/** Unix seconds; the report covers [since, until). */
export interface ComplianceRange {
  readonly since: number;
  readonly until: number;
  /** An interface whose last record is more than this many seconds before the period's newest record stopped logging. */
  readonly staleSeconds?: number;
  /** A file delivered later than this many seconds after its newest record's end counts as late. */
  readonly lateSeconds?: number;
  /** Rows in the top lists. */
  readonly limit?: number;
  /** false: read the records only, never the per-hour rollups (view-rollups.ts); for tests and benchmarks. */
  readonly rollup?: boolean;
}

export interface HourRow {
  /** Unix seconds of the hour's start. */
  readonly hour: number;
  /** Traffic records (OK or no log-status field). */
  readonly traffic: number;
  readonly nodata: number;
  readonly skipdata: number;
  readonly interfaces: number;
}

export interface InterfaceRow {
  readonly interfaceId: string;
  readonly vpcId: string | null;
  readonly subnetId: string | null;
  readonly account: string | null;
  readonly firstSeen: number;
  readonly lastSeen: number;
  /** Hours of the period with at least one record (traffic, NODATA or SKIPDATA) of this interface. */
  readonly hoursWithRecords: number;
  readonly records: number;
  readonly skipdata: number;
  /** 'logging', or 'stopped' when its last record is older than the stale limit (see ComplianceRange). */
  readonly status: 'logging' | 'stopped';
}

export interface VpcRow {
  readonly vpcId: string;
  readonly interfaces: number;
  readonly stopped: number;
  readonly records: number;
}

export interface DelayStats {
  /** Files whose delivery time is known (an S3 key time) and that hold records. */
  readonly files: number;
  /** Files of the period without a key time (local or live batches): their delay is not known. */
  readonly unknown: number;
  readonly medianSeconds: number | null;
  readonly p95Seconds: number | null;
  readonly maxSeconds: number | null;
  readonly late: number;
  readonly lateSeconds: number;
}

export interface Retention {
  /** Oldest and newest event time stored (any record), null when the store is empty. */
  readonly oldest: number | null;
  readonly newest: number | null;
  readonly days: number;
  readonly files: number;
  readonly records: number;
}

export interface RejectDay {
  readonly day: number;
  readonly records: number;
  readonly rejected: number;
  readonly rejectedBytes: number;
}

export interface KeyCount {
  readonly key: string;
  readonly records: number;
}

export interface ComplianceData {
  readonly since: number;
  readonly until: number;
  readonly hours: readonly HourRow[];
  /** Hours of the period (whole hours from since to until). */
  readonly periodHours: number;
  /** Hours of the period with no record at all, and with SKIPDATA. */
  readonly hoursWithoutRecords: number;
  readonly hoursWithSkipdata: number;
  /** Gaps: runs of consecutive hours without records, longest first (start, hours). */
  readonly gaps: readonly { readonly start: number; readonly hours: number }[];
  readonly interfaces: readonly InterfaceRow[];
  readonly vpcs: readonly VpcRow[];
  readonly delay: DelayStats;
  readonly retention: Retention;
  readonly rejects: {
    readonly days: readonly RejectDay[];
    readonly sources: readonly KeyCount[];
    readonly ports: readonly KeyCount[];
    readonly reasons: readonly KeyCount[];
  };
  /** The detections' findings active in the period, and the detection runs that looked at it. */
  readonly findings: FindingsSummary;
  /** Loud notes: nothing in the period, fields missing from the formats, a period longer than retention. */
  readonly warnings: readonly string[];
}

/** Findings of one detection and severity, by state. */
export interface FindingsSummaryRow {
  readonly detection: string;
  readonly severity: string;
  readonly findings: number;
  readonly open: number;
  readonly acknowledged: number;
  readonly suppressed: number;
}

export interface FindingsSummary {
  /** Findings whose activity [start, end] overlaps the period. */
  readonly total: number;
  readonly open: number;
  readonly acknowledged: number;
  readonly suppressed: number;
  /** Per detection and severity, most findings first. */
  readonly rows: readonly FindingsSummaryRow[];
  /** Detection runs (`flowwatch detect`, monitor windows) whose range overlaps the period. */
  readonly runs: number;
  /** The detections those runs evaluated (ids, sorted). */
  readonly detections: readonly string[];
  /** Newest run time (unix seconds), null when none. */
  readonly lastRunAt: number | null;
}

/** Severities from most to least severe (the order of the summary's rows at equal counts). */
const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'info'];

/**
 * The findings summary of [since, until): findings by detection, severity and state, and the detection runs that
 * covered the period (none recorded: no detection looked, so "no finding" would be a silent zero).
 */
async function findingsSummary(store: Store, since: number, until: number): Promise<FindingsSummary> {
  const f = await store.query(
    `SELECT detection, severity, count(*) AS n,
       count(*) FILTER (WHERE state = 'open') AS open,
       count(*) FILTER (WHERE state = 'acknowledged') AS acknowledged,
       count(*) FILTER (WHERE state = 'suppressed') AS suppressed
     FROM findings WHERE start_time < $2 AND end_time >= $1 GROUP BY 1, 2`,
    [since, until],
  );
  const rank = (s: string) => {
    const i = SEVERITY_ORDER.indexOf(s);
    return i < 0 ? SEVERITY_ORDER.length : i;
  };
  const rows = f.rows
    .map((r) => ({
      detection: String(r['detection']),
      severity: String(r['severity']),
      findings: num(r['n']),
      open: num(r['open']),
      acknowledged: num(r['acknowledged']),
      suppressed: num(r['suppressed']),
    }))
    .sort(
      (a, b) =>
        b.findings - a.findings ||
        rank(a.severity) - rank(b.severity) ||
        a.detection.localeCompare(b.detection),
    );
  const has = await store.query(
    `SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'detection_runs' AND schema_name = 'main'`,
  );
  let runs = 0;
  let lastRunAt: number | null = null;
  const detections = new Set<string>();
  if (num(has.rows[0]?.['n']) > 0) {
    const r = await store.query(
      `SELECT count(*) AS runs, max(ran_at) AS last, string_agg(DISTINCT detections, ',') AS ids
       FROM detection_runs WHERE (since IS NULL OR since < $2) AND until > $1`,
      [since, until],
    );
    runs = num(r.rows[0]?.['runs']);
    lastRunAt =
      r.rows[0]?.['last'] === null || r.rows[0]?.['last'] === undefined ? null : num(r.rows[0]['last']);
    for (const id of String(r.rows[0]?.['ids'] ?? '').split(',')) if (id !== '') detections.add(id);
  }
  const sum = (k: 'findings' | 'open' | 'acknowledged' | 'suppressed') => rows.reduce((n, x) => n + x[k], 0);
  return {
    total: sum('findings'),
    open: sum('open'),
    acknowledged: sum('acknowledged'),
    suppressed: sum('suppressed'),
    rows,
    runs,
    detections: [...detections].sort(),
    lastRunAt,
  };
}

const HOUR = 3600;
const DAY = 86_400;
const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** The value at quantile q (0..1) of sorted numbers, by the nearest-rank rule. */
export function nearestRank(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/**
 * Runs of consecutive hours in [firstHour, endHour) absent from `present`, longest first (earliest first on ties).
 *
 * @example gapsOf(new Set([0, 7200]), 0, 14400) // [{ start: 10800, hours: 1 }, { start: 3600, hours: 1 }]
 */
export function gapsOf(
  present: ReadonlySet<number>,
  firstHour: number,
  endHour: number,
): { start: number; hours: number }[] {
  const gaps: { start: number; hours: number }[] = [];
  let start: number | undefined;
  for (let h = firstHour; h < endHour; h += HOUR) {
    if (!present.has(h)) start ??= h;
    else if (start !== undefined) {
      gaps.push({ start, hours: (h - start) / HOUR });
      start = undefined;
    }
  }
  if (start !== undefined) gaps.push({ start, hours: (endHour - start) / HOUR });
  return gaps.sort((a, b) => b.hours - a.hours || a.start - b.start);
}

/**
 * The compliance evidence for [since, until). Interfaces, VPCs and subnets come from the records' own fields
 * (interface-id, and vpc-id / subnet-id where the format has them); hours are whole UTC hours of event time.
 *
 * @example const d = await complianceData(store, { since: 1716163200, until: 1718755200 })
 */
export async function complianceData(store: Store, range: ComplianceRange): Promise<ComplianceData> {
  // Every record per interface and hour: whole hours from the per-hour rollup, the edges from the records, kept
  // once for the five queries below.
  const rows = await rolledRows(store, 'coverage_rollup', 'true', coverageRows, range);
  return withRows(store, rows, (cov) => fromCoverage(store, range, cov));
}

async function fromCoverage(store: Store, range: ComplianceRange, cov: string): Promise<ComplianceData> {
  const { since, until } = range;
  const staleSeconds = range.staleSeconds ?? HOUR;
  const lateSeconds = range.lateSeconds ?? 15 * 60;
  const limit = range.limit ?? 10;
  const warnings: string[] = [];
  const hoursQ = await store.query(
    `SELECT hour * 3600 AS hour, sum(traffic) AS traffic, sum(nodata) AS nodata, sum(skipdata) AS skipdata,
       count(DISTINCT interface_id) AS interfaces
     FROM ${cov} AS r GROUP BY 1 ORDER BY 1`,
  );
  const hours: HourRow[] = hoursQ.rows.map((r) => ({
    hour: num(r['hour']),
    traffic: num(r['traffic']),
    nodata: num(r['nodata']),
    skipdata: num(r['skipdata']),
    interfaces: num(r['interfaces']),
  }));
  const firstHour = Math.floor(since / HOUR) * HOUR;
  const endHour = Math.ceil(until / HOUR) * HOUR;
  const periodHours = (endHour - firstHour) / HOUR;
  const present = new Set(hours.map((h) => h.hour));
  const gaps = gapsOf(present, firstHour, endHour);
  const hoursWithoutRecords = gaps.reduce((a, g) => a + g.hours, 0);

  // min(), not any_value(): the same answer from the rollup and from the records (an interface has one VPC).
  const ifQ = await store.query(
    `SELECT interface_id, min(vpc_id) AS vpc_id, min(subnet_id) AS subnet_id,
       min(account_id) AS account, min(first_time) AS first_seen, max(last_time) AS last_seen,
       count(DISTINCT hour) AS hours, sum(records) AS records, sum(skipdata) AS skipdata
     FROM ${cov} AS r WHERE interface_id IS NOT NULL AND interface_id <> '-'
     GROUP BY interface_id ORDER BY interface_id`,
  );
  const newest = ifQ.rows.reduce((m, r) => Math.max(m, num(r['last_seen'])), 0);
  const interfaces: InterfaceRow[] = ifQ.rows.map((r) => ({
    interfaceId: String(r['interface_id']),
    vpcId: str(r['vpc_id']),
    subnetId: str(r['subnet_id']),
    account: str(r['account']),
    firstSeen: num(r['first_seen']),
    lastSeen: num(r['last_seen']),
    hoursWithRecords: num(r['hours']),
    records: num(r['records']),
    skipdata: num(r['skipdata']),
    status: newest - num(r['last_seen']) > staleSeconds ? 'stopped' : 'logging',
  }));
  const byVpc = new Map<string, { interfaces: number; stopped: number; records: number }>();
  for (const i of interfaces) {
    const key = i.vpcId ?? '(vpc-id not in the format)';
    const v = byVpc.get(key) ?? { interfaces: 0, stopped: 0, records: 0 };
    v.interfaces++;
    if (i.status === 'stopped') v.stopped++;
    v.records += i.records;
    byVpc.set(key, v);
  }
  const vpcs: VpcRow[] = [...byVpc.entries()]
    .map(([vpcId, v]) => ({ vpcId, ...v }))
    .sort((a, b) => a.vpcId.localeCompare(b.vpcId));

  // Delivery delay: an S3 file's key time (when AWS wrote it) minus the end of its newest record.
  const delayQ = await store.query(
    `SELECT epoch(any_value(f.key_time)) - max(r.last_end) AS delay, any_value(f.key_time) IS NULL AS unknown
     FROM ${cov} AS r JOIN files f ON f.id = r.file_id
     GROUP BY r.file_id HAVING max(r.last_end) IS NOT NULL`,
  );
  const known = delayQ.rows
    .filter((r) => r['unknown'] !== true && r['delay'] !== null)
    .map((r) => num(r['delay']));
  // A key time before the file's records end is not when AWS delivered it (a simulated or renamed file).
  const early = known.filter((x) => x < 0).length;
  const delays = known.filter((x) => x >= 0).sort((a, b) => a - b);
  const delay: DelayStats = {
    files: delays.length,
    unknown: delayQ.rows.filter((r) => r['unknown'] === true).length + early,
    medianSeconds: nearestRank(delays, 0.5),
    p95Seconds: nearestRank(delays, 0.95),
    maxSeconds: delays.length > 0 ? delays[delays.length - 1]! : null,
    late: delays.filter((d) => d > lateSeconds).length,
    lateSeconds,
  };

  const all = await rolledRows(store, 'coverage_rollup', 'true', coverageRows, {
    rollup: range.rollup,
  });
  const retQ = await store.query(
    `SELECT min(first_time) AS oldest, max(last_time) AS newest, (SELECT count(*) FROM flows) AS records,
       (SELECT count(*) FROM files) AS files FROM (${all}) AS r`,
  );
  const oldest = retQ.rows[0]?.['oldest'] == null ? null : num(retQ.rows[0]!['oldest']);
  const newestStored = retQ.rows[0]?.['newest'] == null ? null : num(retQ.rows[0]!['newest']);
  const retention: Retention = {
    oldest,
    newest: newestStored,
    days: oldest !== null && newestStored !== null ? (newestStored - oldest) / DAY : 0,
    files: num(retQ.rows[0]?.['files']),
    records: num(retQ.rows[0]?.['records']),
  };

  const dayQ = await store.query(
    `SELECT (hour // 24) * 86400 AS day, sum(traffic) AS records, sum(rejected) AS rejected,
       coalesce(sum(rejected_bytes), 0) AS rejected_bytes
     FROM ${cov} AS r GROUP BY 1 ORDER BY 1`,
  );
  const top = async (kind: RejectKey): Promise<KeyCount[]> => {
    const rows = await rolledRows(
      store,
      'reject_key_rollup',
      `kind = '${kind}'`,
      (f, w) => rejectKeyRows(f, w, kind),
      range,
    );
    const r = await store.query(
      `SELECT key AS k, sum(records) AS n FROM (${rows}) AS r GROUP BY 1 ORDER BY n DESC, k LIMIT ${Math.trunc(limit)}`,
    );
    return r.rows.map((row) => ({ key: String(row['k']), records: num(row['n']) }));
  };
  const rejects = {
    days: dayQ.rows.map((r) => ({
      day: num(r['day']),
      records: num(r['records']),
      rejected: num(r['rejected']),
      rejectedBytes: num(r['rejected_bytes']),
    })),
    sources: await top('src'),
    ports: await top('port'),
    reasons: await top('reason'),
  };

  const findings = await findingsSummary(store, since, until);
  if (hours.length === 0) {
    warnings.push(
      retention.newest === null
        ? 'the store holds no records: ingest flow logs first (flowwatch ingest <files>)'
        : `no records between ${isoUtc(since)} and ${isoUtc(until)}; the store holds ${isoUtc(retention.oldest!)} to ${isoUtc(retention.newest)}: give --since/--until inside that range`,
    );
  } else {
    if (retention.oldest !== null && since < retention.oldest - HOUR)
      warnings.push(
        `the period starts ${((retention.oldest - since) / DAY).toFixed(1)} days before the oldest stored record (${isoUtc(retention.oldest)}): those hours count as gaps; they may predate logging or retention`,
      );
    if (interfaces.every((i) => i.vpcId === null))
      warnings.push(
        'no stored record has vpc-id: VPCs cannot be told apart; add ${vpc-id} (version 3+) to the flow log format',
      );
    const rejected = rejects.days.reduce((n, d) => n + d.rejected, 0);
    const withReason =
      rejected === 0
        ? 0
        : num(
            (
              await store.query(
                `SELECT coalesce(sum(rejected), 0) AS n FROM ${cov} AS r WHERE ${await coveredPredicate(store, 'reject_reason')}`,
              )
            ).rows[0]?.['n'],
          );
    if (rejected > 0 && withReason === 0)
      warnings.push(
        'no rejected record has reject-reason: why traffic was rejected (BPA, EC) is unknown, not none; add ${reject-reason} (version 8) to the flow log format',
      );
    if (early > 0)
      warnings.push(
        `${early} file(s) have an S3 key time before their newest record ends, so it is not their delivery time (simulated or renamed files): left out of the delivery delay`,
      );
    if (delay.files === 0 && early === 0)
      warnings.push(
        'no delivery delay: no file of the period has an S3 key time (files loaded from a local copy without the AWS key name, or live batches)',
      );
  }
  if (findings.runs === 0 && findings.total === 0 && retention.newest !== null) {
    warnings.push(
      `no detection ran in this period: findings are unknown, not none; run flowwatch detect --since ${isoUtc(since)} --until ${isoUtc(until)} (or keep flowwatch monitor running, which runs them as windows close)`,
    );
  }
  return {
    since,
    until,
    hours,
    periodHours,
    hoursWithoutRecords,
    hoursWithSkipdata: hours.filter((h) => h.skipdata > 0).length,
    gaps,
    interfaces,
    vpcs,
    delay,
    retention,
    rejects,
    findings,
    warnings,
  };
}

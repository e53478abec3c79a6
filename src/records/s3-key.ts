// AWS's S3 key layouts for flow logs: what a path says about account, region, flow log id and time.
//
// Plain:  [prefix/]AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/[HH/]<file>
// Hive:   [prefix/]AWSLogs/aws-account-id=<a>/aws-service=vpcflowlogs/aws-region=<r>/year=YYYY/month=MM/day=DD/[hour=HH/]<file>
// File:   <account>_vpcflowlogs_<region>_<flow-log-id>_<YYYYMMDD>T<HHmm>Z_<hash>.log.gz  (spec §6.5–6.6)

/** What a path in one of AWS's layouts tells about the records of the file. */
export interface KeyInfo {
  account?: string;
  region?: string;
  flowLogId?: string;
  /** The time span (unix seconds, [from, to)) that the path's date components cover. */
  from?: number;
  to?: number;
  /** The 5-minute slot of the file name (unix seconds). */
  fileTime?: number;
}

const FILE_NAME =
  /^(\d{12}|[a-z0-9-]+)_vpcflowlogs_([a-z0-9-]+)_(fl-[0-9a-f]+)_(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)Z_[0-9a-zA-Z]+\./;

const DAY = 86_400;
const HOUR = 3_600;

/**
 * Reads what a path says. Works for full file paths and for directory paths (which give a coarser span),
 * so a directory walk can prune a whole day before listing it.
 *
 * @example parseKey('AWSLogs/111122223333/vpcflowlogs/eu-west-1/2024/05/20/x.log.gz').region // 'eu-west-1'
 */
export function parseKey(path: string): KeyInfo {
  const parts = path.split(/[\\/]+/).filter((p) => p !== '');
  const info: KeyInfo = {};
  const at = parts.lastIndexOf('AWSLogs');
  const last = parts[parts.length - 1] ?? '';
  const m = FILE_NAME.exec(last);
  if (m) {
    info.account = m[1];
    info.region = m[2];
    info.flowLogId = m[3];
    info.fileTime = Date.UTC(+m[4]!, +m[5]! - 1, +m[6]!, +m[7]!, +m[8]!) / 1000;
  }
  if (at < 0) return info;
  const rest = parts.slice(at + 1);
  const hive = rest.some((p) => p.startsWith('aws-service='));
  let ymdh: (string | undefined)[];
  if (hive) {
    const kv = new Map<string, string>();
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0) kv.set(p.slice(0, eq), p.slice(eq + 1));
    }
    info.account = kv.get('aws-account-id') ?? info.account;
    info.region = kv.get('aws-region') ?? info.region;
    ymdh = [kv.get('year'), kv.get('month'), kv.get('day'), kv.get('hour')];
  } else {
    // Optional AWS Organizations id before the account: AWSLogs/o-xxxx/<account>/vpcflowlogs/...
    const svc = rest.indexOf('vpcflowlogs');
    if (svc < 1) return info;
    info.account = rest[svc - 1];
    info.region = rest[svc + 1] ?? info.region;
    ymdh = rest.slice(svc + 2, svc + 6).map((p) => (/^\d+$/.test(p) ? p : undefined));
  }
  const [y, mo, d, h] = ymdh.map((v) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined));
  if (y === undefined) return info;
  if (mo === undefined) {
    info.from = Date.UTC(y, 0, 1) / 1000;
    info.to = Date.UTC(y + 1, 0, 1) / 1000;
  } else if (d === undefined) {
    info.from = Date.UTC(y, mo - 1, 1) / 1000;
    info.to = Date.UTC(y, mo, 1) / 1000;
  } else if (h === undefined) {
    info.from = Date.UTC(y, mo - 1, d) / 1000;
    info.to = info.from + DAY;
  } else {
    info.from = Date.UTC(y, mo - 1, d, h) / 1000;
    info.to = info.from + HOUR;
  }
  return info;
}

/** Records in a file can start up to this long before the time its key names (10-min aggregation + delays). */
export const KEY_LEAD_SECONDS = 15 * 60;
/** Records in a file can end up to this long after the time its key names (5-minute file slot + delays). */
export const KEY_LAG_SECONDS = 15 * 60;

/**
 * True when a path (file or directory) cannot hold a record that starts in [since, until), judged from its
 * key alone. Paths that say nothing about time are never pruned.
 */
export function prunedByKey(path: string, since: number | undefined, until: number | undefined): boolean {
  const k = parseKey(path);
  let from = k.from;
  let to = k.to;
  if (k.fileTime !== undefined) {
    from = k.fileTime;
    to = k.fileTime + 300;
  }
  if (from === undefined || to === undefined) return false;
  if (since !== undefined && to + KEY_LAG_SECONDS <= since) return true;
  if (until !== undefined && from - KEY_LEAD_SECONDS >= until) return true;
  return false;
}

// The monitor's sections of flowwatch.yaml: `sources` (where live flow logs come from) and `monitor`
// (listen address, state folder, batching, the account and Region alarms are reported under).
// Validation returns errors with the key path, so the loader can point at the line and column.

import { UserError } from '../core/errors.js';
import { parseFormat } from '../records/format.js';

/** A problem in the `sources` or `monitor` section: `path` locates it in the YAML document. */
export class MonitorConfigError extends UserError {
  readonly path: readonly (string | number)[];
  constructor(code: string, path: readonly (string | number)[], message: string, hint?: string) {
    super(code, message, hint);
    this.path = path;
  }
}

interface Common {
  readonly name: string;
  /** `${...}` format of header-less records; default: the default format (files with a header line say their own). */
  readonly format?: string | undefined;
}

/** A folder watched for new and growing flow log files (text, gzip, Parquet; S3 layouts understood). */
export interface DirectorySourceConfig extends Common {
  readonly type: 'directory';
  readonly path: string;
  readonly pollSeconds: number;
  /** A compressed file is read once its size has not changed for this long. */
  readonly settleSeconds: number;
}

export interface S3SourceConfig extends Common {
  readonly type: 's3';
  readonly bucket: string;
  readonly prefix: string;
  readonly region?: string | undefined;
  readonly endpoint?: string | undefined;
  readonly forcePathStyle?: boolean | undefined;
  readonly pollSeconds: number;
  /** Ignore objects whose key time is older than this (unix seconds, or a span back from start such as 1d). */
  readonly since?: string | undefined;
}

export interface CloudWatchLogsSourceConfig extends Common {
  readonly type: 'cloudwatch-logs';
  readonly logGroupName: string;
  readonly region?: string | undefined;
  readonly endpoint?: string | undefined;
  readonly pollSeconds: number;
  readonly startTime?: string | undefined;
  readonly filterPattern?: string | undefined;
  readonly logStreamNames?: readonly string[] | undefined;
}

/** An Amazon Data Firehose HTTP endpoint (POST `path`); the access key comes from an environment variable. */
export interface FirehoseSourceConfig extends Common {
  readonly type: 'firehose';
  readonly path: string;
  readonly accessKeyEnv?: string | undefined;
  readonly maxBodyMegabytes: number;
  /**
   * Accept requests without an access key when `accessKeyEnv` is absent or its variable unset (a test on this
   * machine): honoured only when the monitor listens on loopback. Without it the monitor refuses to start.
   */
  readonly allowUnauthenticated?: boolean | undefined;
}

/** CloudWatch Logs subscription payloads POSTed by a forwarder (POST `path`, bearer token from the environment). */
export interface SubscriptionSourceConfig extends Common {
  readonly type: 'subscription';
  readonly path: string;
  readonly tokenEnv?: string | undefined;
  readonly maxBodyMegabytes: number;
  /** As for Firehose: no bearer token needed, only when the monitor listens on loopback. */
  readonly allowUnauthenticated?: boolean | undefined;
}

export type SourceConfig =
  | DirectorySourceConfig
  | S3SourceConfig
  | CloudWatchLogsSourceConfig
  | FirehoseSourceConfig
  | SubscriptionSourceConfig;

export interface MonitorSettings {
  /** `host:port` of the HTTP server (health, metrics, Firehose and subscription endpoints). */
  readonly listen: string;
  /** Folder for the monitor's own state: API token, alarm states and history, notification outbox. */
  readonly stateDir: string;
  /**
   * Batches are committed at once when no commit runs (group commit); while one runs, a second writer commits what
   * waits after this many milliseconds...
   */
  readonly flushMillis: number;
  /** ... or as soon as this many records wait (otherwise it is committed when the running commit ends). */
  readonly flushRecords: number;
  /** Account id and Region alarms and notifications are reported under. */
  readonly account: string;
  readonly region: string;
  /** Seconds after a period closes before alarms are evaluated (late records get that long). */
  readonly evaluationDelaySeconds: number;
  /**
   * Request body megabytes all push endpoints may hold at once (raised to the largest `maxBodyMegabytes`);
   * beyond it a request is answered 503 with Retry-After and its sender retries.
   */
  readonly maxBodyMegabytesInFlight: number;
  /**
   * DuckDB's memory limit for the store (its buffer pool: loads, queries, caches; beyond it DuckDB spills to
   * disk or fails the one query), e.g. `1GB`. Without one DuckDB takes up to 80% of the machine's memory.
   */
  readonly memoryLimit: string;
  /**
   * Dashboard/API queries running at once (0: half of Node's libuv thread pool, 8 of flowwatch's 16), so
   * that ingestion always keeps threads of its own; more wait in line, up to `queryQueue` (then 503).
   */
  readonly queryConcurrency: number;
  readonly queryQueue: number;
  /**
   * DuckDB's threads for the store (0: DuckDB's default, one per core). One setting for the whole store: the
   * sink's commits and the dashboard's, alarms' and detections' queries alike. 1 gives ingestion about a quarter
   * less CPU per record and makes each large query run on one core (decision record "PutLogEvents speed 4").
   */
  readonly threads: number;
  /**
   * Keep the baseline detections' rollups per committed batch (docs/decisions/29-baselines.md): the live baseline
   * runs then read small bins instead of days of records, at a cost per record at ingest (bench:baselines).
   */
  readonly baselineRollups: boolean;
}

/** A DuckDB memory size: a number and a unit (KB, MB, GB, TB, or KiB, MiB, GiB, TiB). */
export const MEMORY_SIZE = /^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i;

export const DEFAULT_MONITOR: MonitorSettings = {
  listen: '127.0.0.1:8080',
  stateDir: 'flowwatch-state',
  flushMillis: 250,
  flushRecords: 50_000,
  account: '000000000000',
  region: 'us-east-1',
  evaluationDelaySeconds: 2,
  maxBodyMegabytesInFlight: 256,
  memoryLimit: '1GB',
  queryConcurrency: 0,
  queryQueue: 64,
  threads: 0,
  baselineRollups: false,
};

const SOURCE_TYPES = ['directory', 's3', 'cloudwatch-logs', 'firehose', 'subscription'] as const;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const KEYS: Readonly<Record<(typeof SOURCE_TYPES)[number], readonly string[]>> = {
  directory: ['path', 'pollSeconds', 'settleSeconds'],
  s3: ['bucket', 'prefix', 'region', 'endpoint', 'forcePathStyle', 'pollSeconds', 'since'],
  'cloudwatch-logs': [
    'logGroupName',
    'region',
    'endpoint',
    'pollSeconds',
    'startTime',
    'filterPattern',
    'logStreamNames',
  ],
  firehose: ['path', 'accessKeyEnv', 'maxBodyMegabytes', 'allowUnauthenticated'],
  subscription: ['path', 'tokenEnv', 'maxBodyMegabytes', 'allowUnauthenticated'],
};

class Reader {
  readonly errors: MonitorConfigError[] = [];
  constructor(private readonly base: readonly (string | number)[]) {}
  fail(key: string | undefined, code: string, message: string, hint?: string): undefined {
    this.errors.push(
      new MonitorConfigError(code, key === undefined ? this.base : [...this.base, key], message, hint),
    );
    return undefined;
  }
  mapping(raw: unknown, allowed: readonly string[], what: string): Record<string, unknown> | undefined {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      return this.fail(undefined, 'CONFIG_TYPE', `expected ${what}`);
    const m = raw as Record<string, unknown>;
    for (const k of Object.keys(m)) {
      if (!allowed.includes(k))
        this.fail(k, 'CONFIG_UNKNOWN_KEY', `unknown key "${k}"`, `expected one of ${allowed.join(', ')}`);
    }
    return m;
  }
  string(m: Record<string, unknown>, key: string, required: boolean, what = 'a string'): string | undefined {
    const v = m[key];
    if (v === undefined || v === null)
      return required
        ? this.fail(undefined, 'CONFIG_MISSING_KEY', `"${key}" is missing (${what})`)
        : undefined;
    if (typeof v !== 'string' && typeof v !== 'number')
      return this.fail(key, 'CONFIG_TYPE', `${key}: expected ${what}`);
    const s = String(v);
    if (s.trim() === '')
      return this.fail(key, 'CONFIG_TYPE', `${key}: expected ${what}, not an empty string`);
    return s;
  }
  number(
    m: Record<string, unknown>,
    key: string,
    dflt: number,
    min: number,
    max: number,
    integer = false,
  ): number {
    const v = m[key];
    if (v === undefined || v === null) return dflt;
    if (
      typeof v !== 'number' ||
      !Number.isFinite(v) ||
      v < min ||
      v > max ||
      (integer && !Number.isInteger(v))
    ) {
      this.fail(
        key,
        'CONFIG_BAD_NUMBER',
        `${key}: expected ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`,
      );
      return dflt;
    }
    return v;
  }
  boolean(m: Record<string, unknown>, key: string): boolean | undefined {
    const v = m[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') return this.fail(key, 'CONFIG_TYPE', `${key}: expected true or false`);
    return v;
  }
  envName(m: Record<string, unknown>, key: string): string | undefined {
    const s = this.string(m, key, false, 'the name of an environment variable');
    if (s !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) {
      return this.fail(
        key,
        'CONFIG_TYPE',
        `${key}: "${s}" is not an environment variable name`,
        'the secret itself goes in the environment, never in this file',
      );
    }
    return s;
  }
  urlPath(m: Record<string, unknown>, key: string, dflt: string): string {
    const s = this.string(m, key, false, 'a URL path such as /firehose') ?? dflt;
    if (!/^\/[A-Za-z0-9/_.-]*$/.test(s)) {
      this.fail(key, 'CONFIG_TYPE', `${key}: "${s}" is not a URL path`, 'e.g. /firehose');
      return dflt;
    }
    return s;
  }
}

/** Validates one entry of `sources`. */
export function checkSource(
  raw: unknown,
  path: readonly (string | number)[],
): { value?: SourceConfig; errors: MonitorConfigError[] } {
  const r = new Reader(path);
  const typeOf =
    raw && typeof raw === 'object' && !Array.isArray(raw)
      ? (raw as Record<string, unknown>)['type']
      : undefined;
  if (typeof typeOf !== 'string' || !(SOURCE_TYPES as readonly string[]).includes(typeOf)) {
    r.fail(
      typeOf === undefined ? undefined : 'type',
      'CONFIG_SOURCE_TYPE',
      `a source needs a type: one of ${SOURCE_TYPES.join(', ')}`,
    );
    return { errors: r.errors };
  }
  const type = typeOf as (typeof SOURCE_TYPES)[number];
  const m = r.mapping(raw, ['name', 'type', 'format', ...KEYS[type]], `a ${type} source`);
  if (!m) return { errors: r.errors };
  const name = r.string(m, 'name', true, 'a source name');
  if (name !== undefined && !NAME.test(name))
    r.fail('name', 'CONFIG_TYPE', `name "${name}" may hold letters, digits, ".", "_" and "-" (at most 64)`);
  const format = r.string(m, 'format', false, 'a flow log format such as ${version} ${srcaddr} ...');
  if (format !== undefined) {
    try {
      parseFormat(format);
    } catch (err) {
      r.fail('format', 'CONFIG_FORMAT', `format: ${(err as Error).message}`);
    }
  }
  const common = { name: name ?? '', ...(format !== undefined ? { format } : {}) };
  let value: SourceConfig | undefined;
  switch (type) {
    case 'directory':
      value = {
        ...common,
        type,
        path: r.string(m, 'path', true, 'a folder') ?? '',
        pollSeconds: r.number(m, 'pollSeconds', 2, 0.05, 3600),
        settleSeconds: r.number(m, 'settleSeconds', 2, 0, 3600),
      };
      break;
    case 's3':
      value = {
        ...common,
        type,
        bucket: r.string(m, 'bucket', true, 'a bucket name') ?? '',
        prefix: r.string(m, 'prefix', false, 'a key prefix such as AWSLogs/') ?? '',
        region: r.string(m, 'region', false),
        endpoint: r.string(m, 'endpoint', false, 'a URL'),
        forcePathStyle: r.boolean(m, 'forcePathStyle'),
        pollSeconds: r.number(m, 'pollSeconds', 60, 0.05, 86_400),
        since: r.string(m, 'since', false, 'a time'),
      };
      break;
    case 'cloudwatch-logs': {
      const streams = m['logStreamNames'];
      if (streams !== undefined && !(Array.isArray(streams) && streams.every((s) => typeof s === 'string'))) {
        r.fail('logStreamNames', 'CONFIG_TYPE', 'logStreamNames: expected a list of stream names');
      }
      value = {
        ...common,
        type,
        logGroupName: r.string(m, 'logGroupName', true, 'a log group name') ?? '',
        region: r.string(m, 'region', false),
        endpoint: r.string(m, 'endpoint', false, 'a URL'),
        pollSeconds: r.number(m, 'pollSeconds', 30, 0.05, 86_400),
        startTime: r.string(m, 'startTime', false, 'a time'),
        filterPattern: r.string(m, 'filterPattern', false, 'a filter pattern'),
        logStreamNames: Array.isArray(streams) ? (streams as string[]) : undefined,
      };
      break;
    }
    case 'firehose':
      value = {
        ...common,
        type,
        path: r.urlPath(m, 'path', '/firehose'),
        accessKeyEnv: r.envName(m, 'accessKeyEnv'),
        maxBodyMegabytes: r.number(m, 'maxBodyMegabytes', 64, 1, 1024),
        allowUnauthenticated: r.boolean(m, 'allowUnauthenticated'),
      };
      break;
    case 'subscription':
      value = {
        ...common,
        type,
        path: r.urlPath(m, 'path', '/subscription'),
        tokenEnv: r.envName(m, 'tokenEnv'),
        maxBodyMegabytes: r.number(m, 'maxBodyMegabytes', 8, 1, 1024),
        allowUnauthenticated: r.boolean(m, 'allowUnauthenticated'),
      };
      break;
  }
  return r.errors.length > 0 || value === undefined ? { errors: r.errors } : { value, errors: [] };
}

/** Validates the `monitor` section (absent: the defaults). */
export function checkMonitor(
  raw: unknown,
  path: readonly (string | number)[],
): { value?: MonitorSettings; errors: MonitorConfigError[] } {
  const r = new Reader(path);
  if (raw === undefined || raw === null) return { value: DEFAULT_MONITOR, errors: [] };
  const m = r.mapping(raw, Object.keys(DEFAULT_MONITOR), 'a mapping of monitor settings');
  if (!m) return { errors: r.errors };
  const listen = r.string(m, 'listen', false, 'host:port such as 127.0.0.1:8080') ?? DEFAULT_MONITOR.listen;
  if (!/^[^\s:]*:\d{1,5}$/.test(listen) || Number(listen.split(':').pop()) > 65535) {
    r.fail(
      'listen',
      'CONFIG_TYPE',
      `listen: "${listen}" is not host:port`,
      'e.g. 127.0.0.1:8080 (port 0 picks a free port)',
    );
  }
  const account = r.string(m, 'account', false, 'a 12-digit account id') ?? DEFAULT_MONITOR.account;
  if (!/^\d{12}$/.test(account))
    r.fail('account', 'CONFIG_TYPE', `account: "${account}" is not a 12-digit account id`);
  const memoryLimit = r.string(m, 'memoryLimit', false, 'a size such as 1GB') ?? DEFAULT_MONITOR.memoryLimit;
  if (!MEMORY_SIZE.test(memoryLimit)) {
    r.fail(
      'memoryLimit',
      'CONFIG_TYPE',
      `memoryLimit: "${memoryLimit}" is not a memory size`,
      'a number and a unit, e.g. 512MB or 2GB',
    );
  }
  const value: MonitorSettings = {
    listen,
    memoryLimit,
    queryConcurrency: r.number(m, 'queryConcurrency', DEFAULT_MONITOR.queryConcurrency, 0, 1024, true),
    queryQueue: r.number(m, 'queryQueue', DEFAULT_MONITOR.queryQueue, 0, 100_000, true),
    threads: r.number(m, 'threads', DEFAULT_MONITOR.threads, 0, 1024, true),
    stateDir: r.string(m, 'stateDir', false, 'a folder') ?? DEFAULT_MONITOR.stateDir,
    flushMillis: r.number(m, 'flushMillis', DEFAULT_MONITOR.flushMillis, 10, 60_000, true),
    flushRecords: r.number(m, 'flushRecords', DEFAULT_MONITOR.flushRecords, 1, 10_000_000, true),
    account,
    region: r.string(m, 'region', false, 'a Region such as us-east-1') ?? DEFAULT_MONITOR.region,
    evaluationDelaySeconds: r.number(
      m,
      'evaluationDelaySeconds',
      DEFAULT_MONITOR.evaluationDelaySeconds,
      0,
      3600,
    ),
    maxBodyMegabytesInFlight: r.number(
      m,
      'maxBodyMegabytesInFlight',
      DEFAULT_MONITOR.maxBodyMegabytesInFlight,
      1,
      65_536,
    ),
    baselineRollups: r.boolean(m, 'baselineRollups') ?? DEFAULT_MONITOR.baselineRollups,
  };
  return r.errors.length > 0 ? { errors: r.errors } : { value, errors: [] };
}

/** True when a `host:port` listen address only takes connections from this machine. */
export function isLoopbackListen(listen: string): boolean {
  const host = listen
    .slice(0, listen.lastIndexOf(':'))
    .replace(/^\[|\]$/g, '')
    .toLowerCase();
  return (
    host === '' || host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}

/**
 * The secret a push endpoint checks, read from the environment: the key/token; or undefined (no check) only
 * when the source says `allowUnauthenticated: true` and the monitor listens on loopback. Throws
 * {@link MonitorConfigError} `MONITOR_NO_SECRET` naming the variable and what to do otherwise, so the monitor
 * never starts an endpoint that would take requests from anyone.
 *
 * @example endpointSecret({ name: 'fh', type: 'firehose', path: '/firehose', accessKeyEnv: 'K', maxBodyMegabytes: 64 }, { K: 's' }, '127.0.0.1:8080') // 's'
 */
export function endpointSecret(
  ep: FirehoseSourceConfig | SubscriptionSourceConfig,
  env: Readonly<Record<string, string | undefined>>,
  listen: string,
): string | undefined {
  const key = ep.type === 'firehose' ? 'accessKeyEnv' : 'tokenEnv';
  const envName = ep.type === 'firehose' ? ep.accessKeyEnv : ep.tokenEnv;
  const what =
    ep.type === 'firehose' ? 'the access key set on the Firehose stream' : "the forwarder's bearer token";
  const value = envName === undefined ? undefined : env[envName];
  if (value !== undefined && value !== '') return value;
  const path = ['sources', ep.name];
  if (ep.allowUnauthenticated === true) {
    if (isLoopbackListen(listen)) return undefined;
    throw new MonitorConfigError(
      'MONITOR_NO_SECRET',
      path,
      `source "${ep.name}": allowUnauthenticated is only honoured on loopback, but the monitor listens on ${listen}`,
      envName === undefined
        ? `set ${key} to the name of an environment variable holding ${what}, or listen on 127.0.0.1`
        : `set the environment variable ${envName} to ${what}, or listen on 127.0.0.1`,
    );
  }
  if (envName === undefined) {
    throw new MonitorConfigError(
      'MONITOR_NO_SECRET',
      path,
      `source "${ep.name}" (${ep.type}) has no ${key}: its endpoint would accept requests from anyone`,
      `add ${key}: <VARIABLE> to the source and put ${what} in that environment variable; for a test on this machine only, set allowUnauthenticated: true and listen on 127.0.0.1`,
    );
  }
  throw new MonitorConfigError(
    'MONITOR_NO_SECRET',
    path,
    `source "${ep.name}" (${ep.type}): the environment variable ${envName} (its ${key}) is ${value === undefined ? 'not set' : 'empty'}, so its endpoint would accept requests from anyone`,
    `set ${envName} to ${what} before starting the monitor (e.g. export ${envName}=$(openssl rand -hex 32), and the same value on the sender); for a test on this machine only, set allowUnauthenticated: true and listen on 127.0.0.1`,
  );
}

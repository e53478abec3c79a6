// What every command gets: output streams, terminal detection, stdin and the shared option readers.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MEMORY_SIZE } from '../config/monitor-config.js';
import { UsageError } from '../core/errors.js';
import { parseTime } from '../core/time.js';

/** The file in the monitor's state folder naming the process of a running monitor. */
export const PID_FILE = 'monitor.pid';

/** The pid of the monitor running on a state folder, if one runs (its pid file names a live process). */
export function runningMonitor(stateDir: string): number | undefined {
  const file = join(stateDir, PID_FILE);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal (progress bars are drawn only then). */
  readonly isTTY: boolean;
  /** True when stdout is a terminal (a report whose text carries its warnings then skips the stderr copy). */
  readonly outIsTTY?: boolean;
  readonly stdin: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  isTTY: process.stderr.isTTY === true,
  outIsTTY: process.stdout.isTTY === true,
  stdin: process.stdin,
  env: process.env,
};

/** The store path: --db, else FLOWWATCH_DB, else ./flowwatch.duckdb. */
export function dbPath(io: Io, flag: string | undefined): string {
  return flag ?? io.env['FLOWWATCH_DB'] ?? 'flowwatch.duckdb';
}

/** --since/--until as unix seconds, checked to be in order. */
export function timeRange(
  since: string | undefined,
  until: string | undefined,
): { since?: number; until?: number } {
  const s = since === undefined ? undefined : parseTime(since, '--since');
  const u = until === undefined ? undefined : parseTime(until, '--until');
  if (s !== undefined && u !== undefined && s >= u) {
    throw new UsageError('BAD_RANGE', `--since (${since}) must be before --until (${until})`);
  }
  return { ...(s === undefined ? {} : { since: s }), ...(u === undefined ? {} : { until: u }) };
}

/** A positive integer option value. */
/** A `--memory-limit` value (a DuckDB memory size such as 2GB), or undefined when absent. */
export function memoryLimitFlag(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (!MEMORY_SIZE.test(v))
    throw new UsageError(
      'BAD_MEMORY_LIMIT',
      `--memory-limit "${v}" is not a memory size`,
      'e.g. 512MB or 2GB',
    );
  return v;
}

/**
 * A `--timeout` value in milliseconds: a number with a unit (`500ms`, `30s`, `5m`, `1h`; a bare number is
 * seconds), or `0`/`none` for no limit (Infinity).
 */
export function timeoutFlag(v: string, what = '--timeout'): number {
  if (v === '0' || v === 'none') return Number.POSITIVE_INFINITY;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
  const ms = m ? Number(m[1]) * unit[(m[2] ?? 's') as keyof typeof unit] : Number.NaN;
  if (!Number.isFinite(ms) || ms < 1)
    throw new UsageError(
      'BAD_TIMEOUT',
      `${what} "${v}" is not a duration`,
      'e.g. 30s, 500ms, 5m, or 0 for none',
    );
  return Math.round(ms);
}

export function positiveInt(v: string, what: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1)
    throw new UsageError('BAD_NUMBER', `${what} "${v}" must be a positive integer`);
  return Number(v);
}

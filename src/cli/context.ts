// What every command gets: output streams, terminal detection, stdin and the shared option readers.

import { UsageError } from '../core/errors.js';
import { parseTime } from '../core/time.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal (progress bars are drawn only then). */
  readonly isTTY: boolean;
  readonly stdin: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  isTTY: process.stderr.isTTY === true,
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
export function positiveInt(v: string, what: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1)
    throw new UsageError('BAD_NUMBER', `${what} "${v}" must be a positive integer`);
  return Number(v);
}

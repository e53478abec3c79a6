// What every API route gets: the store, configuration and monitor, the clock, the limits, a reader with the
// query timeout, and the default time range (the last hour).

import type { Config } from '../config/config.js';
import type { Log } from '../core/logger.js';
import type { MonitorParts } from '../monitor/monitor.js';
import type { Store } from '../storage/store.js';
import { InvalidInputError } from './errors.js';

/** The parts of a running monitor the API shows (a Monitor or the MonitorParts given to `register`). */
export type ApiMonitor = Pick<MonitorParts, 'alarms' | 'sourcesHealth'> &
  Partial<Pick<MonitorParts, 'filters' | 'putMetricFilter'>>;

/** What the API serves from. */
export interface ApiContext {
  readonly store: Store;
  readonly config: Config;
  /** Alarm states and source status; without it alarms show as configured, with no state, and no sources. */
  readonly monitor?: ApiMonitor | undefined;
  /** The clock in unix seconds (tests); default the system clock. */
  readonly now?: (() => number) | undefined;
  /** Every query's time limit (default 30 s). */
  readonly queryTimeoutMs?: number | undefined;
  /** The most rows a query or SQL answer holds (default 10,000). */
  readonly maxRows?: number | undefined;
  /** Where unexpected (500) errors are logged. */
  readonly log?: Log | undefined;
}

export const DEFAULT_QUERY_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_ROWS = 10_000;
/** The default time range: the last hour. */
export const DEFAULT_RANGE_SECONDS = 3600;

/** A time range in unix seconds: records whose start lies in [since, until). */
export interface TimeRange {
  readonly since: number;
  readonly until: number;
}

/** The context as routes use it. */
export interface RouteContext {
  readonly store: Store;
  readonly config: Config;
  readonly monitor: ApiMonitor | undefined;
  readonly timeoutMs: number;
  readonly maxRows: number;
  readonly log: Log | undefined;
  /** Unix seconds. */
  now(): number;
  /** Runs `fn` on a reader connection, interrupted after the query timeout (QueryTimeoutError, 408). */
  read<T>(fn: (reader: Store) => Promise<T>): Promise<T>;
  /** The request's range, defaulting to the last hour; refuses since >= until. */
  range(q: { readonly since?: number | undefined; readonly until?: number | undefined }): TimeRange;
}

/** Resolves the defaults of an ApiContext. */
export function routeContext(ctx: ApiContext): RouteContext {
  const now = ctx.now ?? (() => Date.now() / 1000);
  const timeoutMs = ctx.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  return {
    store: ctx.store,
    config: ctx.config,
    monitor: ctx.monitor,
    timeoutMs,
    maxRows: ctx.maxRows ?? DEFAULT_MAX_ROWS,
    log: ctx.log,
    now,
    read: (fn) => ctx.store.withReader(fn, { timeoutMs }),
    range(q) {
      const until = q.until ?? Math.ceil(now());
      const since = q.since ?? until - DEFAULT_RANGE_SECONDS;
      if (since >= until) {
        throw new InvalidInputError(
          'since',
          `since (${since}) must be before until (${until})`,
          'give unix seconds with since < until',
          'BAD_TIME_RANGE',
        );
      }
      return { since, until };
    },
  };
}

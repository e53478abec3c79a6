// `flowwatch monitor`: ingests from the configured sources, applies the metric filters, evaluates the alarms
// and sends the notifications, until stopped. Everything it must not forget lives in the store (records,
// datapoints, batch keys, source checkpoints) or the state folder (alarm states, outbox, API token).

import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type Config, loadConfig, putFilter, saveConfig } from '../config/config.js';
import { endpointSecret } from '../config/monitor-config.js';
import type { Log } from '../core/logger.js';
import type { Source } from '../ingest/sources/source.js';
import { backfill, deriveDatapoints } from '../metrics/datapoints.js';
import { type CheckedMetricFilter, checkMetricFilter, type MetricFilter } from '../metrics/metric-filter.js';
import { Dispatcher } from '../notify/index.js';
import { defaultQueryConcurrency, QueryGate } from '../storage/query-gate.js';
import { Store } from '../storage/store.js';
import { AlarmsRunner } from './alarms-runner.js';
import { apiToken, followToken } from './api-token.js';
import { DirectorySource } from './directory-source.js';
import { EndpointErrors, sourcesHealth } from './health.js';
import { prometheus } from './metrics.js';
import { type RunningServer, startServer } from './server.js';
import { liveSource } from './sources.js';
import { StoreSink } from './store-sink.js';

export { TOKEN_FILE } from './api-token.js';

export interface MonitorOptions {
  readonly config: Config;
  readonly db: string;
  readonly log: Log;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Overrides of the config's monitor settings (CLI flags). */
  readonly listen?: string | undefined;
  readonly stateDir?: string | undefined;
  /** DuckDB memory limit of the store, e.g. `1GB` (default: monitor.memoryLimit of the config). */
  readonly memoryLimit?: string | undefined;
  /** Extra authenticated routes for the HTTP server (the dashboard API of `flowwatch serve`), given the parts. */
  readonly register?: ((app: FastifyInstance, parts: MonitorParts) => void | Promise<void>) | undefined;
  /** Public routes (the dashboard's static files). */
  readonly registerPublic?: ((app: FastifyInstance) => void | Promise<void>) | undefined;
  /** The configuration file, to save filters defined while running (none: they last until the monitor stops). */
  readonly configPath?: string | undefined;
  /** The alarm clock in unix seconds (tests); default the system clock. */
  readonly now?: (() => number) | undefined;
  /** Called with a token created on this start (to show it once). */
  readonly onNewToken?: ((token: string, file: string) => void) | undefined;
}

/** What a running monitor is made of (given to extra routes before the server listens). */
export interface MonitorParts {
  readonly config: Config;
  /** The metric filters applied now (the configuration's, plus those defined while running). */
  filters(): readonly CheckedMetricFilter[];
  /**
   * Defines or replaces a metric filter while running: validated as PutMetricFilter would, applied to every
   * record from now on, its datapoints recomputed over the stored records, and written to the configuration
   * file when the monitor has one. Throws FilterPatternError / MetricFilterError for an invalid filter.
   */
  putMetricFilter(filter: MetricFilter): Promise<CheckedMetricFilter>;
  readonly store: Store;
  readonly sink: StoreSink;
  readonly alarms: AlarmsRunner;
  readonly dispatcher: Dispatcher;
  readonly sources: readonly Source[];
  readonly stateDir: string;
}

export interface Monitor
  extends Pick<MonitorParts, 'store' | 'sink' | 'alarms' | 'dispatcher' | 'sources' | 'stateDir'> {
  readonly url: string;
  /** The API token now (it follows `flowwatch token rotate`). */
  readonly token: string;
  /** True when this start created the token (it is shown only then). */
  readonly tokenCreated: boolean;
  /** Stops sources, commits what waits, stops alarms and notifications, closes the store. */
  stop(): Promise<void>;
}

/**
 * Starts the monitor. Resolves once every part runs (the HTTP server listens).
 *
 * @example const m = await startMonitor({ config, db: 'flowwatch.duckdb', log, env: process.env }); await m.stop();
 */
export async function startMonitor(opts: MonitorOptions): Promise<Monitor> {
  const { config, log } = opts;
  const settings = config.monitor;
  const listen = opts.listen ?? settings.listen;
  // Every push endpoint has its secret (or an explicit opt-out on loopback) before anything starts.
  for (const s of config.sources) {
    if (s.type === 'firehose' || s.type === 'subscription') endpointSecret(s, opts.env, listen);
  }
  const stateDir = resolve(opts.stateDir ?? settings.stateDir);
  await mkdir(stateDir, { recursive: true });
  const { token, created, file } = await apiToken(stateDir);
  if (created) opts.onNewToken?.(token, file);
  // `flowwatch token rotate` replaces the file: the server follows it within a second, without a restart.
  const currentToken = followToken(file, token);
  const scratch = join(stateDir, 'scratch');
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });

  // The store runs the dashboard's user SQL: confine it to the folders ingestion reads (its scratch folder
  // and the directory sources), so that no SQL can reach any other file, a URL or an extension.
  const store = await Store.open(opts.db, {
    memoryLimit: opts.memoryLimit ?? settings.memoryLimit,
    queryGate: new QueryGate(
      settings.queryConcurrency > 0 ? settings.queryConcurrency : defaultQueryConcurrency(),
      settings.queryQueue,
    ),
    confineTo: [scratch, ...config.sources.flatMap((s) => (s.type === 'directory' ? [resolve(s.path)] : []))],
  });
  const started = Date.now();
  let filters: readonly CheckedMetricFilter[] = config.filters;
  let warnedIngestTime = false;
  const sink = await StoreSink.open(store, {
    // Read at each commit, so filters defined while running apply from their definition on.
    derive: (format, rows) => deriveDatapoints(filters)?.(format, rows) ?? [],
    scratch,
    flushMillis: settings.flushMillis,
    flushRecords: settings.flushRecords,
    onCommit: (c) => {
      log(
        'batch_committed',
        { batches: c.batches, records: c.records, rejected: c.rejected, ms: Math.round(c.seconds * 1000) },
        'debug',
      );
      if (c.ingestTimed > 0 && !warnedIngestTime) {
        warnedIngestTime = true;
        log(
          'records_without_time',
          {
            records: c.ingestTimed,
            message:
              'records have no time of their own; their event time is the ingest time: add ${start} to the flow log format, or deliver them through CloudWatch Logs (its event timestamps are used)',
          },
          'warn',
        );
      }
    },
  });
  const dispatcher = await Dispatcher.open({
    stateDir: join(stateDir, 'outbox'),
    topics: config.topics,
    smtp: config.smtp,
    retry: config.retry,
    env: opts.env,
    onEvent: (e) => log('notification', e as unknown as Record<string, unknown>),
  });
  dispatcher.start();
  const alarms = await AlarmsRunner.open(config, store, dispatcher, {
    stateDir,
    context: { account: settings.account, region: settings.region },
    delaySeconds: settings.evaluationDelaySeconds,
    ...(opts.now ? { now: opts.now } : {}),
    log: (event, fields) => log(event, fields),
  });

  const sources: Source[] = [];
  for (const s of config.sources) {
    if (s.type === 'directory') sources.push(new DirectorySource(s, sink, log));
    else if (s.type === 's3' || s.type === 'cloudwatch-logs')
      sources.push(liveSource(s, sink, join(scratch, s.name), log));
  }
  const endpointErrors = new EndpointErrors();
  const endpoints = config.sources.filter((s) => s.type === 'firehose' || s.type === 'subscription');
  let server: RunningServer;
  try {
    server = await startServer({
      listen,
      token: currentToken,
      onEndpointRequest: (source, res) => endpointErrors.note(source, res),
      maxBodyBytesInFlight: settings.maxBodyMegabytesInFlight * 1024 * 1024,
      endpoints,
      sink,
      env: opts.env,
      log,
      register: opts.register
        ? (app) =>
            opts.register?.(app, {
              config,
              store,
              sink,
              alarms,
              dispatcher,
              sources,
              stateDir,
              filters: () => filters,
              putMetricFilter: async (filter) => {
                const checked = checkMetricFilter(filter);
                filters = [...filters.filter((f) => f.filter.name !== filter.name), checked];
                await backfill(store, [checked], false);
                if (opts.configPath !== undefined) {
                  saveConfig(opts.configPath, putFilter(loadConfig(opts.configPath), filter));
                }
                log('metric_filter_defined', {
                  name: filter.name,
                  metric: `${filter.metricNamespace}/${filter.metricName}`,
                });
                return checked;
              },
            })
        : undefined,
      registerPublic: opts.registerPublic,
      health: () => ({
        uptimeSeconds: Math.round((Date.now() - started) / 1000),
        sources: sourcesHealth(config.sources, sink.bySource, sources, endpointErrors),
        recordsStored: sink.stats.recordsStored,
      }),
      metrics: () => prometheus({ sink, alarms, sources, started, dispatcherOutbox: stateDir }),
    });
  } catch (err) {
    await dispatcher.stop();
    sink.close().catch(() => undefined);
    store.close();
    throw err;
  }
  for (const s of sources) await s.start();
  alarms.start();
  log('monitor_started', {
    url: server.url,
    db: opts.db,
    stateDir,
    sources: config.sources.map((s) => `${s.name} (${s.type})`),
    alarms: config.alarms.length,
  });

  let stopping: Promise<void> | undefined;
  return {
    url: server.url,
    get token() {
      return currentToken();
    },
    tokenCreated: created,
    store,
    sink,
    alarms,
    dispatcher,
    sources,
    stateDir,
    stop() {
      stopping ??= (async () => {
        log('monitor_stopping', {});
        for (const s of sources) await s.stop();
        await server.close();
        await sink.close();
        await alarms.stop();
        await dispatcher.stop();
        await store.checkpoint();
        store.close();
        log('monitor_stopped', { recordsStored: sink.stats.recordsStored });
      })();
      return stopping;
    },
  };
}

// `flowwatch monitor`: ingests from the configured sources, applies the metric filters, evaluates the alarms
// and sends the notifications, until stopped. Everything it must not forget lives in the store (records,
// datapoints, batch keys, source checkpoints) or the state folder (alarm states, outbox, API token).

import { unwatchFile, watchFile } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { CloudWatchService } from '../api/cloudwatch.js';
import { LogsService } from '../api/logs.js';
import { registerAwsApi } from '../api/server.js';
import { SnsService } from '../api/sns.js';
import { apiCredentials } from '../config/api-config.js';
import { type Config, deleteFilter, loadConfig, putFilter, saveConfig } from '../config/config.js';
import { endpointSecret } from '../config/monitor-config.js';
import { UserError } from '../core/errors.js';
import type { Log } from '../core/logger.js';
import { deriveRollups, ROLLUP_DDL } from '../detect/rollups.js';
import { logGroupOf, sourcesOfGroup } from '../ingest/sources/log-group.js';
import type { Source } from '../ingest/sources/source.js';
import { backfill, deriveDatapoints, type OnMismatch } from '../metrics/datapoints.js';
import { type CheckedMetricFilter, checkMetricFilter, type MetricFilter } from '../metrics/metric-filter.js';
import { Dispatcher, dispatchEventLevel } from '../notify/index.js';
import { updateAddressDictionary } from '../storage/address-dictionary.js';
import { defaultQueryConcurrency, QueryGate } from '../storage/query-gate.js';
import { type DeriveSql, Store } from '../storage/store.js';
import { AlarmsRunner } from './alarms-runner.js';
import { apiToken, followToken } from './api-token.js';
import { DetectionsRunner } from './detections-runner.js';
import { DirectorySource } from './directory-source.js';
import { EndpointErrors, type SourceHealth, sourcesHealth } from './health.js';
import { prometheus } from './metrics.js';
import { type RunningServer, startServer } from './server.js';
import { liveSource } from './sources.js';
import { StoreSink } from './store-sink.js';

export { TOKEN_FILE } from './api-token.js';

/** How often the monitor brings the hunt's address dictionary up to date (and once when it stops). */
export const DICTIONARY_MILLIS = 5 * 60_000;
/**
 * Deferred rollups: the sink rolls up its committed batches once this many records are pending, or this long after
 * a commit left some pending (decision record "PutLogEvents speed 2").
 */
export const ROLLUP_RECORDS = 100_000;
export const ROLLUP_MILLIS = 2_000;

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
  /**
   * Removes a metric filter while running (from the configuration file too, when the monitor has one; the file
   * must still be valid without it: an alarm on its metric refuses the change). False when there is none.
   */
  deleteMetricFilter(name: string): Promise<boolean>;
  readonly store: Store;
  readonly sink: StoreSink;
  readonly alarms: AlarmsRunner;
  /** The detection catalog, run as its windows close (findings stored, `findingActions` notified). */
  readonly detections: DetectionsRunner;
  readonly dispatcher: Dispatcher;
  readonly sources: readonly Source[];
  /** Every configured source (push endpoints included) with what was committed for it: /healthz, /metrics, /api/sources. */
  sourcesHealth(): SourceHealth[];
  readonly stateDir: string;
}

export interface Monitor
  extends Pick<
    MonitorParts,
    'store' | 'sink' | 'alarms' | 'detections' | 'dispatcher' | 'sources' | 'sourcesHealth' | 'stateDir'
  > {
  readonly url: string;
  /** The API token now (it follows `flowwatch token rotate`). */
  readonly token: string;
  /** True when this start created the token (it is shown only then). */
  readonly tokenCreated: boolean;
  /**
   * Reloads the configuration file (on SIGHUP, and when the file changes): metric filters (changed ones
   * back-filled), alarms and topics apply at once; an invalid file is logged and the running configuration
   * kept. Sources, SMTP, retry and monitor settings need a restart (logged). Resolves to what was applied.
   */
  reload(): Promise<ReloadResult>;
  /** Stops sources, commits what waits, stops alarms and notifications, closes the store. */
  stop(): Promise<void>;
}

/** What a configuration reload changed, or why it was refused. */
export interface ReloadResult {
  readonly ok: boolean;
  readonly error?: string;
  readonly filters?: number;
  readonly alarms?: number;
  readonly compositeAlarms?: number;
  readonly topics?: number;
  /** Changed sections that need a restart. */
  readonly restartNeeded?: readonly string[];
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
  // The CloudWatch-compatible API: its access keys (or the loopback-only unsigned mode) before anything starts.
  const api = config.api;
  const apiAuth = api === undefined ? undefined : apiCredentials(api, opts.env, listen);
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
    ...(settings.threads > 0 ? { threads: settings.threads } : {}),
    queryGate: new QueryGate(
      settings.queryConcurrency > 0 ? settings.queryConcurrency : defaultQueryConcurrency(),
      settings.queryQueue,
    ),
    confineTo: [scratch, ...config.sources.flatMap((s) => (s.type === 'directory' ? [resolve(s.path)] : []))],
  });
  const started = Date.now();
  let filters: readonly CheckedMetricFilter[] = config.filters;
  let warnedIngestTime = false;
  // A filter that cannot count a format's records is logged once per filter and format, never silently zero.
  const onMismatch: OnMismatch = (m) => log('metric_filter_mismatch', { ...m }, 'warn');
  // Per log group (undefined: records of no group), the datapoint SQL of the filters that count its records: a
  // filter of a group counts only that group's records (src/ingest/sources/log-group.ts).
  let derived = { filters, byGroup: new Map<string | undefined, DeriveSql | undefined>() };
  const deriveFor = (source: string): DeriveSql | undefined => {
    if (derived.filters !== filters) derived = { filters, byGroup: new Map() };
    const group = logGroupOf(source, config.sources);
    if (!derived.byGroup.has(group)) {
      const mine = filters.filter((f) => f.filter.logGroup === undefined || f.filter.logGroup === group);
      derived.byGroup.set(group, deriveDatapoints(mine, onMismatch));
    }
    return derived.byGroup.get(group);
  };
  const sourcesOf = (group: string) => sourcesOfGroup(group, config.sources);
  // The baseline detections' rollups, kept per committed batch when asked (monitor.baselineRollups: they cost
  // ingest time, see bench:baselines; without them the baseline detections read the records).
  const rollups = settings.baselineRollups ? deriveRollups(config.detections) : undefined;
  if (rollups !== undefined) for (const ddl of ROLLUP_DDL) await store.query(ddl);
  const sink = await StoreSink.open(store, {
    // Read at each commit, so filters defined while running apply from their definition on.
    derive: (format, rows, fileId, source) => [
      ...(deriveFor(source)?.(format, rows, fileId) ?? []),
      ...(rollups?.(format, rows, fileId) ?? []),
    ],
    scratch,
    flushMillis: settings.flushMillis,
    flushRecords: settings.flushRecords,
    eager: true,
    // Deferred rollups (decision record "PutLogEvents speed 2"): one rollup statement per kind for about ten
    // 10,000-record batches instead of one per commit; the readers count pending files from their records.
    rollupRecords: ROLLUP_RECORDS,
    rollupMillis: ROLLUP_MILLIS,
    onRollupError: (err) =>
      log(
        'rollup_failed',
        { message: (err as Error)?.message ?? String(err), retry: 'at the next catch-up' },
        'warn',
      ),
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
    onEvent: (e) => log('notification', e as unknown as Record<string, unknown>, dispatchEventLevel(e)),
  });
  dispatcher.start();
  const alarms = await AlarmsRunner.open(config, store, dispatcher, {
    stateDir,
    context: { account: settings.account, region: settings.region },
    delaySeconds: settings.evaluationDelaySeconds,
    ...(opts.now ? { now: opts.now } : {}),
    log: (event, fields) => log(event, fields),
  });

  const detections = new DetectionsRunner(config.detections, config.findingActions, store, dispatcher, {
    delaySeconds: settings.evaluationDelaySeconds,
    rollups: settings.baselineRollups,
    account: settings.account,
    region: settings.region,
    ...(opts.now ? { now: opts.now } : {}),
    log: (event, fields, level) => log(event, fields, level),
  });

  // The hunt's address dictionary (decision 58) covers the files the monitor stores: brought up to date every few
  // minutes on a connection of its own (so the sink's commits do not wait for it) and once more when it stops.
  // Not per batch: its anti-join reads the whole dictionary, more than a small batch's own load.
  let dictionary: Promise<unknown> = Promise.resolve();
  let dictionaryStore: Promise<Store> | undefined;
  const dictionaryTimer = setInterval(() => {
    dictionary = dictionary.then(async () => {
      try {
        dictionaryStore ??= store.session();
        const started = performance.now();
        const files = await updateAddressDictionary(await dictionaryStore);
        if (files > 0)
          log('address_dictionary_updated', { files, ms: Math.round(performance.now() - started) });
      } catch (err) {
        log('address_dictionary_failed', { error: (err as Error).message }, 'warn');
      }
    });
  }, DICTIONARY_MILLIS);
  dictionaryTimer.unref();

  const sources: Source[] = [];
  for (const s of config.sources) {
    if (s.type === 'directory') sources.push(new DirectorySource(s, sink, log));
    else if (s.type === 's3' || s.type === 'cloudwatch-logs')
      sources.push(liveSource(s, sink, join(scratch, s.name), log));
  }
  // Metric filters defined or removed while running (dashboard, CloudWatch API): the file is written first (so an
  // invalid result changes nothing), then the running set follows.
  const putMetricFilter = async (filter: MetricFilter): Promise<CheckedMetricFilter> => {
    const checked = checkMetricFilter(filter);
    if (opts.configPath !== undefined) {
      saveConfig(opts.configPath, putFilter(loadConfig(opts.configPath), filter));
    }
    filters = [...filters.filter((f) => f.filter.name !== filter.name), checked];
    await backfill(store, [checked], false, onMismatch, sourcesOf);
    log('metric_filter_defined', {
      name: filter.name,
      metric: `${filter.metricNamespace}/${filter.metricName}`,
    });
    return checked;
  };
  const deleteMetricFilter = async (name: string): Promise<boolean> => {
    if (!filters.some((f) => f.filter.name === name)) return false;
    if (opts.configPath !== undefined) {
      const text = deleteFilter(loadConfig(opts.configPath), name);
      if (text !== undefined) saveConfig(opts.configPath, text);
    }
    filters = filters.filter((f) => f.filter.name !== name);
    log('metric_filter_deleted', { name });
    return true;
  };
  const logEvents = api === undefined ? undefined : await store.logEvents();
  // The API's configuration edits: the file is validated and saved, then reloaded here before the answer (the
  // reload function is set once the server runs; until then the file watcher applies the change).
  let reloadRef: (() => Promise<ReloadResult>) | undefined;
  const editConfig = async (edit: (c: Config) => string | undefined): Promise<void> => {
    if (opts.configPath === undefined) {
      throw new UserError(
        'API_NO_CONFIG_FILE',
        'flowwatch was started without a configuration file, so alarms, topics and filters cannot be saved',
        'start it with --config flowwatch.yaml',
      );
    }
    const text = edit(loadConfig(opts.configPath, true));
    if (text === undefined) return;
    saveConfig(opts.configPath, text);
    const r = await reloadRef?.();
    if (r !== undefined && !r.ok)
      throw new UserError('CONFIG_RELOAD', r.error ?? 'the configuration could not be applied');
  };
  const currentConfig = (): Config =>
    opts.configPath === undefined ? config : loadConfig(opts.configPath, true);
  const endpointErrors = new EndpointErrors();
  const sourcesNow = () => sourcesHealth(config.sources, sink.bySource, sources, endpointErrors);
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
              detections,
              dispatcher,
              sources,
              sourcesHealth: sourcesNow,
              stateDir,
              filters: () => filters,
              putMetricFilter,
              deleteMetricFilter,
            })
        : undefined,
      registerPublic: opts.registerPublic,
      registerOwnAuth:
        api === undefined || logEvents === undefined || apiAuth === undefined
          ? undefined
          : (app) => {
              const cloudwatch = new CloudWatchService({
                store,
                alarms,
                account: settings.account,
                region: settings.region,
                config: currentConfig,
                editConfig,
                nowMs: () => (opts.now ? opts.now() * 1000 : Date.now()),
              });
              return registerAwsApi(app, {
                cloudwatchJson: cloudwatch.json,
                cloudwatchQuery: cloudwatch.query,
                sns: new SnsService({
                  account: settings.account,
                  region: settings.region,
                  config: currentConfig,
                  editConfig,
                  publish: async (topic, message) => (await dispatcher.publish(topic, message)).messageId,
                }),
                ...apiAuth,
                maxBodyBytes: api.maxBodyMegabytes * 1024 * 1024,
                requestTimeoutMs: api.requestTimeoutSeconds * 1000,
                log,
                logs: new LogsService({
                  store,
                  events: logEvents,
                  sink,
                  account: settings.account,
                  region: settings.region,
                  filters: () => filters,
                  putMetricFilter,
                  deleteMetricFilter,
                  nowMs: () => (opts.now ? opts.now() * 1000 : Date.now()),
                  queryTimeoutMs: 30_000,
                  sourcesOf,
                  stateDir,
                }),
              });
            },
      health: () => ({
        uptimeSeconds: Math.round((Date.now() - started) / 1000),
        sources: sourcesNow(),
        recordsStored: sink.stats.recordsStored,
      }),
      metrics: () => prometheus({ sink, alarms, sources: sourcesNow(), started, dispatcherOutbox: stateDir }),
    });
  } catch (err) {
    await dispatcher.stop();
    sink.close().catch(() => undefined);
    store.close();
    throw err;
  }
  for (const s of sources) await s.start();
  alarms.start();
  detections.start();
  log('monitor_started', {
    url: server.url,
    db: opts.db,
    stateDir,
    sources: config.sources.map((s) => `${s.name} (${s.type})`),
    alarms: config.alarms.length,
    detections: config.detections.filter((d) => d.enabled).length,
  });

  // Reload on SIGHUP (monitor-command) and when the configuration file changes (polled each second).
  let current = config;
  let reloading: Promise<ReloadResult> = Promise.resolve({ ok: true });
  const reloadNow = async (): Promise<ReloadResult> => {
    if (opts.configPath === undefined) return { ok: false, error: 'the monitor was started without a file' };
    let next: Config;
    try {
      next = loadConfig(opts.configPath, true);
    } catch (err) {
      const error = (err as Error).message;
      log('config_reload_failed', { file: opts.configPath, error }, 'error');
      return { ok: false, error };
    }
    // Key order does not matter: a filter put through the API and the same filter read back from the file are the same.
    const canonical = (v: unknown): unknown =>
      v === null || typeof v !== 'object'
        ? v
        : Array.isArray(v)
          ? v.map(canonical)
          : Object.fromEntries(
              Object.keys(v)
                .sort()
                .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
            );
    const same = (a: unknown, b: unknown) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
    const before = new Map(filters.map((f) => [f.filter.name, f]));
    const changed = next.filters.filter((f) => !same(before.get(f.filter.name)?.filter, f.filter));
    filters = next.filters;
    if (changed.length > 0) await backfill(store, changed, false, onMismatch, sourcesOf);
    dispatcher.setTopics(next.topics);
    await alarms.reload(next);
    detections.reload(next.detections, next.findingActions);
    const restartNeeded = (['sources', 'smtp', 'retry', 'monitor'] as const).filter(
      (k) => !same(current[k], next[k]),
    );
    if (restartNeeded.length > 0) log('config_reload_restart_needed', { sections: restartNeeded }, 'warn');
    current = next;
    const result = {
      ok: true,
      filters: next.filters.length,
      alarms: next.alarms.length,
      compositeAlarms: next.compositeAlarms.length,
      topics: next.topics.length,
      restartNeeded,
    };
    log('config_reloaded', {
      file: opts.configPath,
      backfilled: changed.map((f) => f.filter.name),
      ...result,
    });
    return result;
  };
  const reload = (): Promise<ReloadResult> => {
    reloading = reloading.then(reloadNow, reloadNow);
    return reloading;
  };
  reloadRef = reload;
  const watched = opts.configPath;
  if (watched !== undefined) {
    watchFile(watched, { interval: 1000 }, (cur, prev) => {
      if (cur.mtimeMs !== prev.mtimeMs || cur.size !== prev.size) void reload();
    });
  }

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
    detections,
    dispatcher,
    sources,
    sourcesHealth: sourcesNow,
    stateDir,
    reload,
    stop() {
      stopping ??= (async () => {
        log('monitor_stopping', {});
        // Each step of the stop, at debug level: a stop that hangs says where.
        const step = (name: string) => log('monitor_stop_step', { step: name }, 'debug');
        if (watched !== undefined) unwatchFile(watched);
        await reloading.catch(() => undefined);
        step('sources');
        for (const s of sources) await s.stop();
        step('server');
        await server.close();
        step('sink');
        await sink.close();
        step('dictionary timer');
        clearInterval(dictionaryTimer);
        await dictionary;
        (await dictionaryStore?.catch(() => undefined))?.close();
        step('alarms');
        await alarms.stop();
        step('detections');
        await detections.stop();
        step('dictionary');
        // Last, on the store's connection: nothing else (the alarms runner) has a transaction open on it now.
        await updateAddressDictionary(store).catch((err) =>
          log('address_dictionary_failed', { error: (err as Error).message }, 'warn'),
        );
        step('dispatcher');
        await dispatcher.stop();
        step('checkpoint');
        await store.checkpoint();
        logEvents?.close();
        store.close();
        // Scratch copies are only needed while running (a restart clears the folder anyway): a clean stop
        // leaves none behind.
        await rm(scratch, { recursive: true, force: true });
        log('monitor_stopped', { recordsStored: sink.stats.recordsStored });
      })();
      return stopping;
    },
  };
}

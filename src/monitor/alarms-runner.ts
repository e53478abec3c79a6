// Runs the configured alarms in the monitor: evaluates them on CloudWatch's schedule from the stored metric
// datapoints, keeps their state and history durably in the state folder, and publishes a notification (with
// the breaching flow records as evidence) for every transition that has actions.

import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import { isoUtc } from '../core/time.js';
import { recordsAccount, UNSET_ACCOUNT } from '../metrics/account.js';
import {
  type AlarmContext,
  type AlarmState,
  AlarmStateMachine,
  type AnomalyBandSource,
  alarmArn,
  alarmLookback,
  anomalyBandSource,
  evaluationRange,
  evaluationStep,
  type MetricAlarm,
  type StateChange,
} from '../metrics/alarms/index.js';
import { minuteSets } from '../metrics/datapoints.js';
import { evidenceFor } from '../metrics/evidence.js';
import { writeFileDurable } from '../notify/durable-file.js';
import {
  type AlarmNotification,
  cloudWatchTime,
  type Dispatcher,
  type EpisodeDecision,
  EpisodeGrouper,
  type EpisodeSummary,
  type EpisodesJson,
  regionDisplayName,
} from '../notify/index.js';
import type { Store } from '../storage/store.js';

/** The file in the state folder holding alarm states and history. */
export const ALARMS_FILE = 'alarms.json';
/** The file in the state folder holding the open notification episodes (and their held messages). */
export const EPISODES_FILE = 'episodes.json';
/** Folder of `flowwatch alarms set-state` requests a running monitor applies. */
export const REQUESTS_DIR = 'alarm-requests';

export interface AlarmsRunnerOptions {
  readonly stateDir: string;
  readonly context: AlarmContext;
  /** Seconds after a period closes before the evaluation runs. */
  readonly delaySeconds: number;
  readonly now?: () => number;
  readonly log?: (event: string, fields: Record<string, unknown>) => void;
}

/** A request file of `flowwatch alarms set-state|mute|unmute`, applied by the running monitor. */
export type AlarmRequest =
  | { readonly name: string; readonly state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'; readonly reason: string }
  | { readonly name: string; readonly mute: number }
  | { readonly name: string; readonly unmute: true };

/** Loads the saved state machine of a state folder, or a new one. */
export function loadAlarmState(stateDir: string, context: AlarmContext): AlarmStateMachine {
  const file = join(stateDir, ALARMS_FILE);
  if (!existsSync(file)) return new AlarmStateMachine({ context });
  return AlarmStateMachine.fromJSON(JSON.parse(readFileSync(file, 'utf8')));
}

const STATISTIC_NAMES: Readonly<Record<string, string>> = {
  SampleCount: 'SAMPLE_COUNT',
  Sum: 'SUM',
  Average: 'AVERAGE',
  Minimum: 'MINIMUM',
  Maximum: 'MAXIMUM',
};

/**
 * The alarms of a configuration, evaluated on a timer.
 *
 * @example const runner = await AlarmsRunner.open(config, store, dispatcher, opts); runner.start();
 */
export class AlarmsRunner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Unix seconds of the next due evaluation per alarm. */
  private readonly due = new Map<string, number>();
  private readonly bands = new Map<string, { hour: number; source: AnomalyBandSource }>();
  evaluations = 0;
  transitions = 0;
  /** Notifications grouped per episode and topic (see src/notify/episodes.ts). */
  readonly episodes: EpisodeGrouper<StateChange>;

  private constructor(
    readonly machine: AlarmStateMachine,
    private config: Config,
    private readonly store: Store,
    private readonly dispatcher: Dispatcher | undefined,
    private readonly opts: AlarmsRunnerOptions,
  ) {
    const file = join(opts.stateDir, EPISODES_FILE);
    const saved = existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as EpisodesJson<StateChange>)
      : undefined;
    this.episodes = new EpisodeGrouper(
      (topic) => this.dispatcher?.episodeSettings(topic) ?? { quietSeconds: 0 },
      saved,
    );
  }

  static async open(
    config: Config,
    store: Store,
    dispatcher: Dispatcher | undefined,
    opts: AlarmsRunnerOptions,
  ): Promise<AlarmsRunner> {
    await mkdir(join(opts.stateDir, REQUESTS_DIR), { recursive: true });
    const machine = loadAlarmState(opts.stateDir, opts.context);
    const runner = new AlarmsRunner(machine, config, store, dispatcher, opts);
    await runner.reconcile();
    return runner;
  }

  private now(): number {
    return (this.opts.now ?? (() => Date.now() / 1000))();
  }

  /** Brings the saved alarms in line with the configuration (created, updated, deleted). */
  private async reconcile(): Promise<void> {
    const at = this.now();
    const wanted = new Set([...this.config.alarms, ...this.config.compositeAlarms].map((a) => a.name));
    for (const name of this.machine.names()) if (!wanted.has(name)) this.machine.delete(name, at);
    for (const a of this.config.alarms) {
      const old = this.machine.get(a.name);
      if (!old || JSON.stringify(old.definition.alarm) !== JSON.stringify(a))
        this.machine.putMetricAlarm(a, at);
    }
    for (const c of this.config.compositeAlarms) {
      const old = this.machine.get(c.name);
      if (!old || JSON.stringify(old.definition.alarm) !== JSON.stringify(c))
        this.machine.putCompositeAlarm(c, at);
    }
    this.episodes.retain(wanted);
    await this.save();
  }

  /**
   * Applies a reloaded configuration: alarms added, changed (history records the update) or removed, as
   * PutMetricAlarm / DeleteAlarms would; evaluation continues on the new definitions.
   */
  async reload(config: Config): Promise<void> {
    this.config = config;
    const names = new Set(config.alarms.map((a) => a.name));
    for (const name of [...this.due.keys()]) if (!names.has(name)) this.due.delete(name);
    // A new alarm's schedule starts now, when it was put, not at the timer's next look (which may come after a
    // period boundary it should have been evaluated at).
    const now = this.now();
    for (const a of config.alarms) this.dueOf(a, now);
    await this.reconcile();
  }

  private async save(): Promise<void> {
    await writeFileDurable(
      join(this.opts.stateDir, ALARMS_FILE),
      `${JSON.stringify(this.machine.toJSON())}\n`,
    );
    await this.saveEpisodes();
  }

  private async saveEpisodes(): Promise<void> {
    await writeFileDurable(
      join(this.opts.stateDir, EPISODES_FILE),
      `${JSON.stringify(this.episodes.toJSON())}\n`,
    );
  }

  /** Ends the episodes whose quiet period has passed by `at`, sending their resolution messages. */
  async resolveEpisodes(at: number): Promise<void> {
    const ended = this.episodes.due(at);
    if (ended.length === 0) return;
    await this.saveEpisodes();
    for (const d of ended) await this.deliver(d);
  }

  start(): void {
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /**
   * An alarm's next due evaluation; an alarm without one (new: at the open, a reload, or a reload landing while a
   * tick awaits) starts on its schedule from `now`, never as due at once, mid-period.
   */
  private dueOf(a: MetricAlarm, now: number): number {
    let t = this.due.get(a.name);
    if (t === undefined) {
      t = this.nextDue(a, now);
      this.due.set(a.name, t);
    }
    return t;
  }

  /** The next evaluation instant of an alarm after `t` (CloudWatch's schedule: every step seconds). */
  private nextDue(a: MetricAlarm, t: number): number {
    const step = evaluationStep(a);
    return Math.floor(t / step) * step + step;
  }

  private schedule(): void {
    if (this.stopped) return;
    const now = this.now();
    for (const a of this.config.alarms) this.dueOf(a, now);
    const next = Math.min(...this.due.values(), now + 1);
    const wait = Math.max(0, (next + this.opts.delaySeconds - now) * 1000);
    this.timer = setTimeout(
      () => {
        this.running = this.tick().finally(() => this.schedule());
      },
      Math.min(wait, 1000),
    );
  }

  /** Applies set-state requests, then evaluates the alarms that are due. */
  private async tick(): Promise<void> {
    try {
      await this.applyRequests();
      const now = this.now();
      const due: MetricAlarm[] = [];
      for (const a of this.config.alarms) {
        const t = this.dueOf(a, now);
        if (t + this.opts.delaySeconds <= now) {
          due.push(a);
          this.due.set(a.name, this.nextDue(a, now - this.opts.delaySeconds));
        }
      }
      if (due.length > 0) await this.evaluate(due, Math.floor(now - this.opts.delaySeconds));
    } catch (err) {
      this.opts.log?.('alarm_error', { error: (err as Error).message });
    }
  }

  /** Evaluates the given alarms (default: all) at `at` (unix seconds), then the composites; publishes transitions. */
  async evaluate(
    alarms: readonly MetricAlarm[] = this.config.alarms,
    at: number = Math.floor(this.now()),
  ): Promise<StateChange[]> {
    await this.resolveEpisodes(at);
    const changes: StateChange[] = [];
    for (const a of alarms) {
      const lookback = (Math.max(a.evaluationPeriods, evaluationRange(a)) + 1) * a.period;
      const points = await minuteSets(
        this.store,
        a.metric.namespace,
        a.metric.metricName,
        a.metric.dimensions,
        at - lookback,
        at + 60,
      );
      this.evaluations++;
      const band = await this.bandFor(a, at);
      const change = this.machine.evaluate(a.name, points, at, band !== undefined ? { band } : {});
      if (change) changes.push(change);
    }
    changes.push(...this.machine.evaluateComposites(at));
    if (changes.length > 0) {
      this.transitions += changes.length;
      await this.save();
      for (const c of changes) await this.publish(c);
    }
    return changes;
  }

  /**
   * The anomaly band source of an alarm: the metric's 14-day history is read once an hour (models are trained
   * once an hour on the periods that ended by then), not at every evaluation.
   */
  private async bandFor(a: MetricAlarm, at: number): Promise<AnomalyBandSource | undefined> {
    if (a.anomalyBand === undefined) return undefined;
    const hour = Math.floor(at / 3600) * 3600;
    const key = JSON.stringify([a.name, a.metric, a.statistic, a.extendedStatistic, a.period, a.anomalyBand]);
    const hit = this.bands.get(key);
    if (hit !== undefined && hit.hour === hour) return hit.source;
    const points = await minuteSets(
      this.store,
      a.metric.namespace,
      a.metric.metricName,
      a.metric.dimensions,
      hour - alarmLookback(a) - 3600,
      hour,
    );
    const source = anomalyBandSource(a, points)!;
    this.bands.set(key, { hour, source });
    return source;
  }

  /**
   * Sets an alarm's state, as SetAlarmState does (the CloudWatch API): forced until the next evaluation, at `at`
   * (default now); the transition is saved and notified like any other (grouped per episode). Throws
   * AlarmStateError for an unknown alarm.
   */
  async setState(
    name: string,
    state: AlarmState,
    reason: string,
    at: number = Math.floor(this.now()),
  ): Promise<StateChange | undefined> {
    const change = this.machine.setState(name, state, reason, at);
    await this.save();
    if (change) await this.publish(change);
    return change;
  }

  private async applyRequests(): Promise<void> {
    const dir = join(this.opts.stateDir, REQUESTS_DIR);
    const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
    for (const n of names) {
      const path = join(dir, n);
      try {
        const r = JSON.parse(await readFile(path, 'utf8')) as AlarmRequest;
        if ('mute' in r) {
          await this.mute(r.name, r.mute);
          continue;
        }
        if ('unmute' in r) {
          await this.unmute(r.name);
          continue;
        }
        await this.setState(r.name, r.state, r.reason);
      } catch (err) {
        this.opts.log?.('alarm_request_error', { file: n, error: (err as Error).message });
      } finally {
        await rm(path, { force: true });
      }
    }
  }

  /**
   * Mutes an alarm's actions until `until` (unix seconds), saved with the alarm states (so a restart keeps it):
   * its state still changes and is recorded, but no notification is sent before then.
   */
  async mute(name: string, until: number): Promise<void> {
    this.machine.mute(name, until, Math.floor(this.now()));
    await this.save();
    this.opts.log?.('alarm_muted', { alarm: name, until });
  }

  /** Mutes for `seconds` from now (the runner's clock); returns when the mute ends (unix seconds). */
  async muteFor(name: string, seconds: number): Promise<number> {
    const until = Math.floor(this.now()) + Math.floor(seconds);
    await this.mute(name, until);
    return until;
  }

  /** Ends a mute; false when the alarm was not muted. */
  async unmute(name: string): Promise<boolean> {
    const was = this.machine.unmute(name, Math.floor(this.now()));
    await this.save();
    if (was) this.opts.log?.('alarm_unmuted', { alarm: name });
    return was;
  }

  private async publish(change: StateChange): Promise<void> {
    this.opts.log?.('alarm_state_change', {
      alarm: change.alarmName,
      from: change.previous?.value,
      to: change.current.value,
      reason: change.current.reason,
    });
    if (change.actions.length === 0 || !this.dispatcher || change.previous === undefined) return;
    const muted = this.machine.mutedUntil(change.alarmName, change.time);
    if (muted !== undefined) {
      // Recorded, not sent: the history shows what a mute held back.
      const until = isoUtc(muted);
      for (const action of change.actions) {
        this.machine.recordMutedAction(change.alarmName, change.time, action, muted);
      }
      await this.save();
      this.opts.log?.('alarm_actions_muted', { alarm: change.alarmName, to: change.current.value, until });
      return;
    }
    const n = await this.notification(change);
    const { topics, unknown } = this.dispatcher.topicsFor(n);
    for (const u of unknown) this.opts.log?.('alarm_unknown_topic', { alarm: change.alarmName, topic: u });
    const decisions = this.episodes.transition({
      alarmName: change.alarmName,
      time: change.time,
      state: change.current.value,
      topics,
      payload: change,
    });
    await this.saveEpisodes();
    for (const d of decisions)
      await this.deliver(d, d.kind === 'send' && d.payload === change ? n : undefined);
  }

  /** Carries out one episode decision: publishes what is sent, logs what is folded or held. */
  private async deliver(d: EpisodeDecision<StateChange>, built?: AlarmNotification): Promise<void> {
    if (!this.dispatcher) return;
    if (d.kind === 'fold' || d.kind === 'hold') {
      this.opts.log?.(d.kind === 'fold' ? 'notification_folded' : 'notification_held', {
        alarm: d.alarmName,
        topic: d.topic,
        retriggers: d.episode.retriggers,
      });
      return;
    }
    const change = d.payload;
    if (change === undefined) {
      // The episode ended, but the topic is not among the actions of the state the alarm went to.
      this.opts.log?.('episode_ended', { alarm: d.alarmName, topic: d.topic });
      return;
    }
    const n = built ?? (await this.notification(change));
    await this.dispatcher.publish(d.topic, d.episode ? { ...n, episode: episodeOf(d.episode) } : n);
  }

  /** The SNS-shaped notification of a transition, with the evidence of the breach for ALARM. */
  async notification(change: StateChange): Promise<AlarmNotification> {
    const def = this.machine.get(change.alarmName)?.definition;
    const alarm = def?.alarm;
    // monitor.account unset: the account the records speak for (most common account-id), not 000000000000.
    let ctx = this.opts.context;
    if (ctx.account === UNSET_ACCOUNT) {
      const span = def?.kind === 'metric' ? (def.alarm.evaluationPeriods + 1) * def.alarm.period : 3600;
      const end = Math.floor(change.time / 60) * 60 + 60;
      const found = await recordsAccount(this.store, end - span, end).catch(() => undefined);
      if (found) ctx = { ...ctx, account: found };
    }
    const arn = (topic: string) =>
      topic.startsWith('arn:') ? topic : `arn:aws:sns:${ctx.region}:${ctx.account}:${topic}`;
    const metric = def?.kind === 'metric' ? def.alarm : undefined;
    let evidence: AlarmNotification['evidence'];
    if (metric && change.current.value === 'ALARM') {
      const filter = this.config.filters.find(
        (f) =>
          f.filter.metricNamespace === metric.metric.namespace &&
          f.filter.metricName === metric.metric.metricName,
      );
      if (filter) {
        const end = Math.floor(change.time / 60) * 60;
        evidence = await evidenceFor(
          this.store,
          filter,
          end - metric.evaluationPeriods * metric.period - metric.period,
          end + 60,
        );
      }
    }
    return {
      AlarmName: change.alarmName,
      AlarmDescription: (alarm && 'description' in alarm ? alarm.description : undefined) ?? null,
      AWSAccountId: ctx.account,
      AlarmConfigurationUpdatedTimestamp: cloudWatchTime(change.time * 1000),
      NewStateValue: change.current.value,
      NewStateReason: change.current.reason,
      StateChangeTime: cloudWatchTime(change.time * 1000),
      Region: regionDisplayName(ctx.region),
      AlarmArn: alarmArn(change.alarmName, ctx),
      OldStateValue: change.previous?.value ?? 'INSUFFICIENT_DATA',
      OKActions: (alarm?.okActions ?? []).map(arn),
      AlarmActions: (alarm?.alarmActions ?? []).map(arn),
      InsufficientDataActions: (alarm?.insufficientDataActions ?? []).map(arn),
      Trigger: metric
        ? {
            MetricName: metric.metric.metricName,
            Namespace: metric.metric.namespace,
            StatisticType: metric.statistic !== undefined ? 'Statistic' : 'ExtendedStatistic',
            ...(metric.statistic !== undefined
              ? { Statistic: STATISTIC_NAMES[metric.statistic] }
              : { ExtendedStatistic: metric.extendedStatistic }),
            Unit: null,
            Dimensions: Object.entries(metric.metric.dimensions).map(([name, value]) => ({ value, name })),
            Period: metric.period,
            EvaluationPeriods: metric.evaluationPeriods,
            ...(metric.datapointsToAlarm !== undefined
              ? { DatapointsToAlarm: metric.datapointsToAlarm }
              : {}),
            ComparisonOperator: metric.comparisonOperator,
            ...(metric.threshold !== undefined ? { Threshold: metric.threshold } : {}),
            ...(metric.thresholdMetricId !== undefined
              ? { ThresholdMetricId: metric.thresholdMetricId, Metrics: triggerMetrics(metric) }
              : {}),
            TreatMissingData: metric.treatMissingData ?? '',
            EvaluateLowSampleCountPercentile: metric.evaluateLowSampleCountPercentile ?? '',
          }
        : {
            MetricName: '',
            Namespace: '',
            StatisticType: 'Statistic',
            Unit: null,
            Dimensions: [],
            Period: 0,
            EvaluationPeriods: 0,
            ComparisonOperator: '',
            Threshold: 0,
            TreatMissingData: '',
            EvaluateLowSampleCountPercentile: '',
          },
      ...(evidence && evidence.records > 0 ? { evidence } : {}),
    };
  }
}

/** The Metrics of an anomaly-band alarm as a notification's Trigger carries them (MetricDataQuery-like). */
function triggerMetrics(a: MetricAlarm): Record<string, unknown>[] {
  return (a.metrics ?? []).map((q) => ({
    Id: q.id,
    ...(q.expression !== undefined ? { Expression: q.expression } : {}),
    ...(q.metric !== undefined
      ? {
          MetricStat: {
            Metric: {
              Namespace: q.metric.namespace,
              MetricName: q.metric.metricName,
              Dimensions: Object.entries(q.metric.dimensions).map(([name, value]) => ({ value, name })),
            },
            Period: q.period,
            Stat: q.statistic ?? q.extendedStatistic,
          },
        }
      : {}),
    ...(q.label !== undefined ? { Label: q.label } : {}),
    ReturnData: q.returnData ?? true,
  }));
}

/** An episode summary as the notification carries it. */
function episodeOf(e: EpisodeSummary): NonNullable<AlarmNotification['episode']> {
  const t = (s: number) => cloudWatchTime(s * 1000);
  return {
    firstAlarmTime: t(e.firstAlarmTime),
    lastAlarmTime: t(e.lastAlarmTime),
    alarmTransitions: e.alarmTransitions,
    retriggers: e.retriggers,
    ...(e.endTime === undefined ? {} : { endTime: t(e.endTime) }),
    quietMinutes: e.quietSeconds / 60,
  };
}

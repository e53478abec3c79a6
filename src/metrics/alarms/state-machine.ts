// Alarm states over time (spec §3.6): creation in INSUFFICIENT_DATA, transitions with actions only on change,
// SetAlarmState, history (state, configuration and action entries), composite propagation, and JSON persistence.

import { UserError } from '../../core/errors.js';
import { isoUtc } from '../../core/time.js';
import { CREATION_REASON, compositeOrder, evaluateComposite } from './composite.js';
import {
  ALARM_STATES,
  type AlarmActions,
  type AlarmConfigError,
  type AlarmState,
  type CompositeAlarm,
  checkAlarm,
  checkCompositeAlarm,
  type MetricAlarm,
  metricAlarmInput,
} from './definition.js';
import { type EvaluateOptions, evaluateAlarm } from './evaluate.js';
import {
  type AlarmConfigurationChangeEvent,
  type AlarmContext,
  type AlarmStateChangeEvent,
  alarmConfiguration,
  configurationChangeEvent,
  DEFAULT_CONTEXT,
  type StateValue,
  stateChangeEvent,
} from './events.js';
import type { RuleNode } from './rule-ast.js';
import { parseAlarmRule } from './rule-parser.js';
import type { MetricDatapoint } from './statistics.js';

/** A metric or composite alarm definition. */
export type AlarmDefinition =
  | { readonly kind: 'metric'; readonly alarm: MetricAlarm }
  | { readonly kind: 'composite'; readonly alarm: CompositeAlarm };

/** Kinds of history entry, as DescribeAlarmHistory's HistoryItemType. */
export type HistoryType = 'StateUpdate' | 'ConfigurationUpdate' | 'Action';

/** One entry of an alarm's history. Times are epoch seconds. */
export interface HistoryItem {
  readonly alarmName: string;
  readonly alarmType: 'MetricAlarm' | 'CompositeAlarm';
  readonly timestamp: number;
  readonly type: HistoryType;
  /** E.g. `Alarm updated from OK to ALARM`, `Alarm "a" created`, `Successfully executed action netmon-alerts`. */
  readonly summary: string;
  /** StateUpdate: the state left and the state entered. */
  readonly oldState?: StateValue | undefined;
  readonly newState?: StateValue | undefined;
  /** Action: the action (topic) and whether it succeeded, with an optional detail (e.g. an error). */
  readonly action?: string | undefined;
  readonly ok?: boolean | undefined;
  readonly detail?: string | undefined;
}

/**
 * A change the caller may act on: a state transition (with the actions to run and its EventBridge event), or the
 * creation of an alarm (no previous state, no actions, a configuration-change event).
 */
export interface StateChange {
  readonly alarmName: string;
  readonly kind: 'metric' | 'composite';
  /** Epoch seconds. */
  readonly time: number;
  readonly previous: StateValue | undefined;
  readonly current: StateValue;
  /** Topics to notify: the new state's actions, or none when actions are disabled. */
  readonly actions: readonly string[];
  readonly event: AlarmStateChangeEvent | AlarmConfigurationChangeEvent;
}

/** An alarm held by the state machine. */
export interface AlarmRecord {
  readonly definition: AlarmDefinition;
  readonly state: StateValue;
}

/** Options of a state machine. */
export interface StateMachineOptions {
  readonly context?: AlarmContext | undefined;
  /** Seconds of history kept; default two weeks (as CloudWatch). */
  readonly historyRetention?: number | undefined;
}

/** The persisted form of a state machine ({@link AlarmStateMachine.toJSON}); plain JSON. */
export interface SavedAlarms {
  readonly version: 1;
  readonly context: AlarmContext;
  readonly alarms: readonly AlarmRecord[];
  readonly history: readonly HistoryItem[];
  /** Alarms whose actions are muted: name → unix seconds the mute ends (added later; absent in older files). */
  readonly mutes?: Readonly<Record<string, number>>;
}

/** Misuse of the state machine (unknown alarm, kind change) or a saved state that cannot be read. */
export class AlarmStateError extends UserError {}

const TWO_WEEKS = 14 * 86_400;

/**
 * The actions an alarm runs on entering `state` (none when actions are disabled).
 *
 * @example actionsFor({ alarmActions: ['netmon-alerts'] }, 'ALARM') // ['netmon-alerts']
 */
export function actionsFor(alarm: AlarmActions, state: AlarmState): readonly string[] {
  if (alarm.actionsEnabled === false) return [];
  switch (state) {
    case 'ALARM':
      return alarm.alarmActions ?? [];
    case 'OK':
      return alarm.okActions ?? [];
    case 'INSUFFICIENT_DATA':
      return alarm.insufficientDataActions ?? [];
    default: {
      const never: never = state;
      return never;
    }
  }
}

function firstError(errors: readonly AlarmConfigError[]): AlarmConfigError {
  return errors[0]!;
}

/**
 * Holds alarms and their states. Feed it evaluations (metric alarms) and let it propagate to composite alarms;
 * every transition comes back as a {@link StateChange} with the actions to run. Serialisable with
 * {@link AlarmStateMachine.toJSON} / {@link AlarmStateMachine.fromJSON} to resume after a restart.
 *
 * @example
 * const sm = new AlarmStateMachine();
 * sm.putMetricAlarm(alarm, t0);                     // creation: INSUFFICIENT_DATA
 * const change = sm.evaluate(alarm.name, points, t0 + 60); // a StateChange when the state changed
 */
export class AlarmStateMachine {
  readonly context: AlarmContext;
  private readonly retention: number;
  private readonly alarms = new Map<
    string,
    { definition: AlarmDefinition; state: StateValue; rule?: RuleNode }
  >();
  private log: HistoryItem[] = [];
  /** Muted alarms: name → unix seconds when their actions run again. */
  private readonly mutes = new Map<string, number>();

  constructor(options: StateMachineOptions = {}) {
    this.context = options.context ?? DEFAULT_CONTEXT;
    this.retention = options.historyRetention ?? TWO_WEEKS;
  }

  /** Names of all alarms, sorted. */
  names(): string[] {
    return [...this.alarms.keys()].sort();
  }

  /** An alarm and its state; undefined when there is no such alarm. */
  get(name: string): AlarmRecord | undefined {
    const a = this.alarms.get(name);
    return a === undefined ? undefined : { definition: a.definition, state: a.state };
  }

  /** The current state of an alarm. Throws AlarmStateError `ALARM_NOT_FOUND` for an unknown alarm. */
  state(name: string): StateValue {
    return this.require(name).state;
  }

  /** History entries, oldest first (one alarm's, or all). */
  history(name?: string): HistoryItem[] {
    return name === undefined ? [...this.log] : this.log.filter((h) => h.alarmName === name);
  }

  private require(name: string) {
    const a = this.alarms.get(name);
    if (a === undefined) throw new AlarmStateError('ALARM_NOT_FOUND', `no alarm is named "${name}"`);
    return a;
  }

  private record(item: HistoryItem): void {
    this.log.push(item);
    const keepFrom = item.timestamp - this.retention;
    if (this.log[0] !== undefined && this.log[0].timestamp < keepFrom) {
      this.log = this.log.filter((h) => h.timestamp >= keepFrom);
    }
  }

  private alarmType(def: AlarmDefinition): HistoryItem['alarmType'] {
    return def.kind === 'metric' ? 'MetricAlarm' : 'CompositeAlarm';
  }

  /**
   * Creates or updates a metric alarm (validated as {@link checkAlarm} does; throws its first AlarmConfigError).
   * Creation puts the alarm in INSUFFICIENT_DATA and returns that as a StateChange without actions; an update
   * keeps the state, replaces the configuration and returns undefined.
   */
  putMetricAlarm(alarm: MetricAlarm, at: number): StateChange | undefined {
    const checked = checkAlarm(metricAlarmInput(alarm));
    if (checked.value === undefined) throw firstError(checked.errors);
    return this.put({ kind: 'metric', alarm: checked.value }, at, undefined);
  }

  /** Creates or updates a composite alarm, like {@link putMetricAlarm}. Throws AlarmConfigError for a bad rule. */
  putCompositeAlarm(alarm: CompositeAlarm, at: number): StateChange | undefined {
    const checked = checkCompositeAlarm(alarm);
    if (checked.value === undefined) throw firstError(checked.errors);
    return this.put({ kind: 'composite', alarm: checked.value }, at, parseAlarmRule(checked.value.alarmRule));
  }

  private put(definition: AlarmDefinition, at: number, rule: RuleNode | undefined): StateChange | undefined {
    const name = definition.alarm.name;
    const old = this.alarms.get(name);
    const configuration = alarmConfiguration(definition);
    if (old !== undefined) {
      if (old.definition.kind !== definition.kind) {
        throw new AlarmStateError(
          'ALARM_KIND_CHANGED',
          `"${name}" is a ${old.definition.kind} alarm; it cannot be replaced by a ${definition.kind} alarm`,
          'delete it first, or choose another name',
        );
      }
      this.alarms.set(name, { definition, state: old.state, ...(rule !== undefined ? { rule } : {}) });
      this.record({
        alarmName: name,
        alarmType: this.alarmType(definition),
        timestamp: at,
        type: 'ConfigurationUpdate',
        summary: `Alarm "${name}" updated`,
      });
      return undefined;
    }
    const state: StateValue = { value: 'INSUFFICIENT_DATA', reason: CREATION_REASON, timestamp: at };
    this.alarms.set(name, { definition, state, ...(rule !== undefined ? { rule } : {}) });
    this.record({
      alarmName: name,
      alarmType: this.alarmType(definition),
      timestamp: at,
      type: 'ConfigurationUpdate',
      summary: `Alarm "${name}" created`,
    });
    return {
      alarmName: name,
      kind: definition.kind,
      time: at,
      previous: undefined,
      current: state,
      actions: [],
      event: configurationChangeEvent(name, 'create', configuration, state, at, this.context),
    };
  }

  /**
   * Mutes an alarm's actions until `until` (unix seconds): its state keeps changing and is recorded, but the
   * caller runs no action for a change before then. Recorded in the history as a configuration update.
   *
   * @example sm.mute('rejected-ssh', now + 7200, now)
   */
  mute(name: string, until: number, at: number): void {
    const a = this.require(name);
    if (!(until > at)) {
      throw new AlarmStateError('ALARM_BAD_MUTE', 'a mute must end in the future');
    }
    this.mutes.set(name, Math.floor(until));
    this.record({
      alarmName: name,
      alarmType: this.alarmType(a.definition),
      timestamp: at,
      type: 'ConfigurationUpdate',
      summary: `Actions muted until ${isoUtc(Math.floor(until))}`,
    });
  }

  /** Ends a mute; returns false when the alarm was not muted (at `at`). */
  unmute(name: string, at: number): boolean {
    const a = this.require(name);
    const was = this.mutedUntil(name, at);
    this.mutes.delete(name);
    if (was === undefined) return false;
    this.record({
      alarmName: name,
      alarmType: this.alarmType(a.definition),
      timestamp: at,
      type: 'ConfigurationUpdate',
      summary: 'Actions unmuted',
    });
    return true;
  }

  /** The end of the alarm's mute when it is muted at `at`; undefined otherwise. */
  mutedUntil(name: string, at: number): number | undefined {
    const until = this.mutes.get(name);
    return until !== undefined && until > at ? until : undefined;
  }

  /** Deletes an alarm (its history is kept); returns false when there was no such alarm. */
  delete(name: string, at: number): boolean {
    const a = this.alarms.get(name);
    if (a === undefined) return false;
    this.alarms.delete(name);
    this.mutes.delete(name);
    this.record({
      alarmName: name,
      alarmType: this.alarmType(a.definition),
      timestamp: at,
      type: 'ConfigurationUpdate',
      summary: `Alarm "${name}" deleted`,
    });
    return true;
  }

  /**
   * Moves an alarm to a state when it differs from the current one: records the StateUpdate and returns the
   * StateChange with the new state's actions. Returns undefined (and records nothing) when the state is unchanged.
   */
  apply(
    name: string,
    next: { readonly value: AlarmState; readonly reason: string; readonly reasonData?: string | undefined },
    at: number,
  ): StateChange | undefined {
    const a = this.require(name);
    if (next.value === a.state.value) return undefined;
    const previous = a.state;
    const current: StateValue = {
      value: next.value,
      reason: next.reason,
      ...(next.reasonData !== undefined ? { reasonData: next.reasonData } : {}),
      timestamp: at,
    };
    a.state = current;
    this.record({
      alarmName: name,
      alarmType: this.alarmType(a.definition),
      timestamp: at,
      type: 'StateUpdate',
      summary: `Alarm updated from ${previous.value} to ${current.value}`,
      oldState: previous,
      newState: current,
    });
    return {
      alarmName: name,
      kind: a.definition.kind,
      time: at,
      previous,
      current,
      actions: actionsFor(a.definition.alarm, current.value),
      event: stateChangeEvent(name, alarmConfiguration(a.definition), previous, current, this.context),
    };
  }

  /**
   * Evaluates a metric alarm at `at` from its metric's datapoints (see {@link evaluateAlarm}) and applies the
   * result. Throws AlarmStateError `ALARM_NOT_METRIC` for a composite alarm.
   */
  evaluate(
    name: string,
    datapoints: readonly MetricDatapoint[],
    at: number,
    options?: EvaluateOptions,
  ): StateChange | undefined {
    const a = this.require(name);
    if (a.definition.kind !== 'metric') {
      throw new AlarmStateError(
        'ALARM_NOT_METRIC',
        `"${name}" is a composite alarm; it follows its children`,
      );
    }
    const e = evaluateAlarm(a.definition.alarm, datapoints, a.state.value, at, options);
    if (e.kept) return undefined;
    return this.apply(name, { value: e.state, reason: e.reason, reasonData: e.reasonData }, at);
  }

  /**
   * Forces a state, as SetAlarmState does for testing: the state (and its actions) apply until the next
   * evaluation decides otherwise. `reasonData`, when given, must be JSON text.
   */
  setState(
    name: string,
    value: AlarmState,
    reason: string,
    at: number,
    reasonData?: string,
  ): StateChange | undefined {
    if (!(ALARM_STATES as readonly string[]).includes(value)) {
      throw new AlarmStateError(
        'ALARM_BAD_STATE',
        `"${value}" is not a state`,
        `use one of ${ALARM_STATES.join(', ')}`,
      );
    }
    if (reasonData !== undefined) {
      try {
        JSON.parse(reasonData);
      } catch {
        throw new AlarmStateError('ALARM_BAD_REASON_DATA', 'reasonData must be JSON text');
      }
    }
    return this.apply(name, { value, reason, reasonData }, at);
  }

  /**
   * Re-evaluates every composite alarm from its children's current states, children first; composites caught in
   * a dependency cycle (or depending on one) are not evaluated.
   */
  evaluateComposites(at: number): StateChange[] {
    const composites = [...this.alarms.values()].flatMap((a) =>
      a.definition.kind === 'composite' && a.rule !== undefined
        ? [{ name: a.definition.alarm.name, rule: a.rule }]
        : [],
    );
    const changes: StateChange[] = [];
    const stateOf = (n: string) => this.alarms.get(n)?.state;
    for (const name of compositeOrder(composites).order) {
      const a = this.alarms.get(name)!;
      if (a.definition.kind !== 'composite' || a.rule === undefined) continue;
      const e = evaluateComposite(a.definition.alarm, a.rule, stateOf, a.state, this.context);
      const change = this.apply(name, { value: e.state, reason: e.reason, reasonData: e.reasonData }, at);
      if (change) changes.push(change);
    }
    return changes;
  }

  /**
   * One evaluation round at `at`: every metric alarm with the datapoints `datapointsFor` returns for it, then the
   * composite alarms. Returns every change, metric alarms first.
   */
  evaluateAll(
    at: number,
    datapointsFor: (alarm: MetricAlarm) => readonly MetricDatapoint[],
    options?: EvaluateOptions,
  ): StateChange[] {
    const changes: StateChange[] = [];
    for (const name of this.names()) {
      const a = this.alarms.get(name)!;
      if (a.definition.kind !== 'metric') continue;
      const change = this.evaluate(name, datapointsFor(a.definition.alarm), at, options);
      if (change) changes.push(change);
    }
    return [...changes, ...this.evaluateComposites(at)];
  }

  /** Records the outcome of running one action (e.g. publishing to a topic) in the alarm's history. */
  recordAction(name: string, at: number, action: string, ok: boolean, detail?: string): void {
    const a = this.require(name);
    this.record({
      alarmName: name,
      alarmType: this.alarmType(a.definition),
      timestamp: at,
      type: 'Action',
      summary: `${ok ? 'Successfully executed' : 'Failed to execute'} action ${action}`,
      action,
      ok,
      ...(detail !== undefined ? { detail } : {}),
    });
  }

  /** Records an action a mute held back (not run) in the alarm's history. */
  recordMutedAction(name: string, at: number, action: string, until: number): void {
    const a = this.require(name);
    const end = isoUtc(until);
    this.record({
      alarmName: name,
      alarmType: this.alarmType(a.definition),
      timestamp: at,
      type: 'Action',
      summary: `Action ${action} not run: the alarm is muted until ${end}`,
      action,
      ok: false,
      detail: `muted until ${end}`,
    });
  }

  /** Everything needed to resume: definitions, states, history. Plain JSON. */
  toJSON(): SavedAlarms {
    return {
      version: 1,
      context: this.context,
      alarms: this.names().map((n) => this.get(n)!),
      history: [...this.log],
      ...(this.mutes.size > 0 ? { mutes: Object.fromEntries(this.mutes) } : {}),
    };
  }

  /**
   * Restores a state machine saved with {@link toJSON} (after JSON.parse). Definitions are validated again.
   * Throws AlarmStateError `ALARM_STATE_CORRUPT` for anything else.
   */
  static fromJSON(data: unknown, options: Omit<StateMachineOptions, 'context'> = {}): AlarmStateMachine {
    const bad = (why: string) =>
      new AlarmStateError('ALARM_STATE_CORRUPT', `saved alarm state cannot be read: ${why}`);
    if (typeof data !== 'object' || data === null) throw bad('not an object');
    const d = data as Partial<Record<keyof SavedAlarms, unknown>>;
    if (d.version !== 1) throw bad(`unknown version ${JSON.stringify(d.version)}`);
    const ctx = d.context as AlarmContext | undefined;
    if (typeof ctx?.account !== 'string' || typeof ctx.region !== 'string') throw bad('no context');
    if (!Array.isArray(d.alarms) || !Array.isArray(d.history)) throw bad('no alarms or history');
    const sm = new AlarmStateMachine({ ...options, context: { account: ctx.account, region: ctx.region } });
    for (const [i, raw] of (d.alarms as unknown[]).entries()) {
      const rec = raw as { definition?: { kind?: unknown; alarm?: unknown }; state?: unknown };
      const kind = rec?.definition?.kind;
      if (kind !== 'metric' && kind !== 'composite') throw bad(`alarms[${i}] has no kind`);
      const checked =
        kind === 'metric'
          ? checkAlarm(metricAlarmInput(rec.definition!.alarm as MetricAlarm))
          : checkCompositeAlarm(rec.definition!.alarm);
      if (checked.value === undefined) throw bad(`alarms[${i}]: ${firstError(checked.errors).message}`);
      if (!isStateValue(rec.state)) throw bad(`alarms[${i}] has no valid state`);
      const definition = { kind, alarm: checked.value } as AlarmDefinition;
      const rule = definition.kind === 'composite' ? parseAlarmRule(definition.alarm.alarmRule) : undefined;
      sm.alarms.set(definition.alarm.name, {
        definition,
        state: rec.state,
        ...(rule !== undefined ? { rule } : {}),
      });
    }
    for (const [i, h] of (d.history as unknown[]).entries()) {
      const item = h as Partial<HistoryItem>;
      if (
        typeof item?.alarmName !== 'string' ||
        typeof item.timestamp !== 'number' ||
        typeof item.summary !== 'string' ||
        !['StateUpdate', 'ConfigurationUpdate', 'Action'].includes(item.type as string)
      ) {
        throw bad(`history[${i}] is not a history entry`);
      }
      sm.log.push(item as HistoryItem);
    }
    const mutes = (data as { mutes?: unknown }).mutes;
    if (mutes !== undefined) {
      if (typeof mutes !== 'object' || mutes === null) throw bad('mutes is not an object');
      for (const [name, until] of Object.entries(mutes)) {
        if (typeof until !== 'number' || !Number.isFinite(until)) throw bad(`mutes.${name} is not a time`);
        if (sm.alarms.has(name)) sm.mutes.set(name, until);
      }
    }
    return sm;
  }
}

function isStateValue(v: unknown): v is StateValue {
  const s = v as Partial<StateValue> | undefined;
  return (
    typeof s === 'object' &&
    s !== null &&
    (ALARM_STATES as readonly string[]).includes(s.value as string) &&
    typeof s.reason === 'string' &&
    typeof s.timestamp === 'number' &&
    (s.reasonData === undefined || typeof s.reasonData === 'string')
  );
}

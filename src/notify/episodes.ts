// Groups an alarm's notifications per episode, per topic: one message when the alarm goes to ALARM, re-triggers
// folded while the episode lasts, one resolution message once the alarm has stayed out of ALARM for a quiet period.
// A flowwatch feature of the notification layer: the alarm's state history keeps every transition (CloudWatch).

import type { AlarmState } from './message.js';

/** How a topic groups notifications. `quietSeconds` 0: no grouping, every state change is delivered. */
export interface EpisodeSettings {
  /** Seconds an alarm must stay out of ALARM before its episode ends (and a re-ALARM starts a new one). */
  readonly quietSeconds: number;
}

/** The default: episodes end after 15 quiet minutes. */
export const DEFAULT_EPISODES: EpisodeSettings = { quietSeconds: 900 };

/** What an episode was, for the messages (epoch seconds). */
export interface EpisodeSummary {
  readonly firstAlarmTime: number;
  readonly lastAlarmTime: number;
  /** Transitions to ALARM in the episode: the first one plus the re-triggers. */
  readonly alarmTransitions: number;
  readonly retriggers: number;
  /** When the alarm last left ALARM (set on the resolution). */
  readonly endTime?: number | undefined;
  readonly quietSeconds: number;
}

/** One alarm state change as the grouper sees it: `topics` are the topics among the new state's actions. */
export interface EpisodeTransition<T> {
  readonly alarmName: string;
  /** Epoch seconds. */
  readonly time: number;
  readonly state: AlarmState;
  readonly topics: readonly string[];
  /** What is sent (or held) for this transition, e.g. the state change. */
  readonly payload: T;
}

/**
 * What to do for one topic:
 * - `send`: deliver `payload` now (the start of an episode, with `episode`; or an ungrouped transition, without);
 * - `fold`: a re-trigger inside an open episode, not delivered;
 * - `hold`: the alarm left ALARM; the message waits for the quiet period (a re-trigger drops it);
 * - `resolve`: the quiet period passed: the episode is over; deliver `payload` (the last held message, with
 *   `episode`) unless it is undefined (the topic is not among the actions of the state the alarm went to).
 */
export type EpisodeDecision<T> =
  | {
      readonly kind: 'send';
      readonly topic: string;
      readonly alarmName: string;
      readonly time: number;
      readonly payload: T;
      readonly episode?: EpisodeSummary | undefined;
    }
  | {
      readonly kind: 'fold';
      readonly topic: string;
      readonly alarmName: string;
      readonly time: number;
      readonly episode: EpisodeSummary;
    }
  | {
      readonly kind: 'hold';
      readonly topic: string;
      readonly alarmName: string;
      readonly time: number;
      readonly episode: EpisodeSummary;
    }
  | {
      readonly kind: 'resolve';
      readonly topic: string;
      readonly alarmName: string;
      /** When the quiet period ended. */
      readonly time: number;
      readonly payload: T | undefined;
      readonly episode: EpisodeSummary;
    };

/** An open episode of one alarm on one topic (plain JSON, saved in the state folder). */
export interface OpenEpisode<T> {
  readonly topic: string;
  readonly alarmName: string;
  firstAlarmTime: number;
  lastAlarmTime: number;
  retriggers: number;
  /** When the alarm left ALARM; null while it is in ALARM. */
  leftAt: number | null;
  /** The latest message for this topic since the alarm left ALARM, sent when the episode ends. */
  held: T | null;
}

/** The persisted form of a grouper. */
export interface EpisodesJson<T> {
  readonly version: 1;
  readonly open: readonly OpenEpisode<T>[];
}

const key = (topic: string, alarm: string) => `${topic}\n${alarm}`;

/**
 * Groups notifications per episode. Call {@link EpisodeGrouper.transition} for each state change that has
 * actions, in time order, and {@link EpisodeGrouper.due} on a timer (each evaluation) to end quiet episodes.
 * `settings` gives each topic's quiet period; a topic with `quietSeconds` 0 gets every transition.
 *
 * @example
 * const g = new EpisodeGrouper<string>(() => ({ quietSeconds: 900 }));
 * g.transition({ alarmName: 'a', time: 0, state: 'ALARM', topics: ['ops'], payload: 'alarm' }); // [send]
 * g.transition({ alarmName: 'a', time: 60, state: 'OK', topics: ['ops'], payload: 'ok' });      // [hold]
 * g.transition({ alarmName: 'a', time: 120, state: 'ALARM', topics: ['ops'], payload: 'alarm' }); // [fold]
 * g.due(2000); // [] (still in ALARM)
 */
export class EpisodeGrouper<T> {
  private readonly episodes = new Map<string, OpenEpisode<T>>();

  constructor(
    private readonly settings: (topic: string) => EpisodeSettings,
    saved?: EpisodesJson<T>,
  ) {
    for (const e of saved?.open ?? []) this.episodes.set(key(e.topic, e.alarmName), { ...e });
  }

  /** The open episodes (copies), in the order they opened. */
  open(): OpenEpisode<T>[] {
    return [...this.episodes.values()].map((e) => ({ ...e }));
  }

  toJSON(): EpisodesJson<T> {
    return { version: 1, open: this.open() };
  }

  /** Forgets the episodes of alarms not in `names` (deleted alarms), without messages. */
  retain(names: ReadonlySet<string>): void {
    for (const [k, e] of this.episodes) if (!names.has(e.alarmName)) this.episodes.delete(k);
  }

  private quiet(topic: string): number {
    return Math.max(0, this.settings(topic).quietSeconds);
  }

  private summary(e: OpenEpisode<T>, end?: number): EpisodeSummary {
    return {
      firstAlarmTime: e.firstAlarmTime,
      lastAlarmTime: e.lastAlarmTime,
      alarmTransitions: e.retriggers + 1,
      retriggers: e.retriggers,
      ...(end === undefined ? {} : { endTime: end }),
      quietSeconds: this.quiet(e.topic),
    };
  }

  /**
   * Ends the episodes whose alarm has been out of ALARM for their topic's quiet period by `now` (epoch seconds):
   * one `resolve` each, in the order the quiet periods ended.
   */
  due(now: number): EpisodeDecision<T>[] {
    const out: { at: number; d: EpisodeDecision<T> }[] = [];
    for (const [k, e] of this.episodes) {
      if (e.leftAt === null) continue;
      const at = e.leftAt + this.quiet(e.topic);
      if (at > now) continue;
      this.episodes.delete(k);
      out.push({
        at,
        d: {
          kind: 'resolve',
          topic: e.topic,
          alarmName: e.alarmName,
          time: at,
          payload: e.held ?? undefined,
          episode: this.summary(e, e.leftAt),
        },
      });
    }
    return out.sort((a, b) => a.at - b.at).map((x) => x.d);
  }

  /**
   * Decides what each topic gets for a state change: first the episodes that ended before it (`resolve`), then
   * one decision per topic concerned (those among the new state's actions, and those with an open episode of
   * this alarm).
   */
  transition(t: EpisodeTransition<T>): EpisodeDecision<T>[] {
    const out = this.due(t.time);
    const base = { alarmName: t.alarmName, time: t.time };
    const targets = new Set(t.topics);
    if (t.state === 'ALARM') {
      for (const topic of targets) {
        const quiet = this.quiet(topic);
        const k = key(topic, t.alarmName);
        const e = this.episodes.get(k);
        if (quiet === 0) {
          out.push({ kind: 'send', topic, ...base, payload: t.payload });
        } else if (e) {
          e.retriggers += 1;
          e.lastAlarmTime = t.time;
          e.leftAt = null;
          e.held = null;
          out.push({ kind: 'fold', topic, ...base, episode: this.summary(e) });
        } else {
          const opened: OpenEpisode<T> = {
            topic,
            alarmName: t.alarmName,
            firstAlarmTime: t.time,
            lastAlarmTime: t.time,
            retriggers: 0,
            leftAt: null,
            held: null,
          };
          this.episodes.set(k, opened);
          out.push({ kind: 'send', topic, ...base, payload: t.payload, episode: this.summary(opened) });
        }
      }
      return out;
    }
    // OK or INSUFFICIENT_DATA: the open episodes of this alarm wait for their quiet period.
    const grouped = new Set<string>();
    for (const e of this.episodes.values()) {
      if (e.alarmName !== t.alarmName) continue;
      grouped.add(e.topic);
      if (e.leftAt === null) e.leftAt = t.time;
      e.held = targets.has(e.topic) ? t.payload : null;
      out.push({ kind: 'hold', topic: e.topic, ...base, episode: this.summary(e) });
    }
    for (const topic of targets) {
      if (!grouped.has(topic)) out.push({ kind: 'send', topic, ...base, payload: t.payload });
    }
    return out;
  }
}

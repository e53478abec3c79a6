// Episode grouping of notifications: hand-worked state sequences and the messages each topic gets.

import { describe, expect, it } from 'vitest';
import { checkTopic, type EpisodeDecision, EpisodeGrouper } from '../../src/notify/index.js';

type Step = readonly [time: number, state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA', topics?: readonly string[]];

/**
 * Runs a sequence of one alarm's transitions (payload = "<STATE>@<time>") through a grouper with the given quiet
 * period on topic "ops", then ends what is due at `end`; returns one line per delivered message:
 * "<topic> <payload> [first..last xN]" with the episode when the message carries one.
 */
function run(quietSeconds: number, steps: readonly Step[], end: number): string[] {
  const g = new EpisodeGrouper<string>(() => ({ quietSeconds }));
  const out: string[] = [];
  const note = (ds: readonly EpisodeDecision<string>[]) => {
    for (const d of ds) {
      if (d.kind !== 'send' && d.kind !== 'resolve') continue;
      if (d.payload === undefined) continue;
      const e = d.episode;
      out.push(
        `${d.topic} ${d.payload}${e ? ` [${e.firstAlarmTime}..${e.lastAlarmTime} x${e.retriggers}${e.endTime === undefined ? '' : ` end ${e.endTime}`}]` : ''}${d.kind === 'resolve' ? ` at ${d.time}` : ''}`,
      );
    }
  };
  for (const [time, state, topics = ['ops']] of steps)
    note(g.transition({ alarmName: 'ssh', time, state, topics, payload: `${state}@${time}` }));
  note(g.due(end));
  return out;
}

describe('episode grouping (quiet period 900 s)', () => {
  it('one ALARM, one OK: the OK is sent 900 s after it, with the episode', () => {
    // ALARM at 0 opens the episode (sent now). OK at 300 is held; nothing re-triggers, so at 300 + 900 = 1200 the
    // episode ends and the held OK goes out: first = last = 0, no re-trigger, out of ALARM since 300.
    expect(
      run(
        900,
        [
          [0, 'ALARM'],
          [300, 'OK'],
        ],
        5000,
      ),
    ).toEqual(['ops ALARM@0 [0..0 x0]', 'ops OK@300 [0..0 x0 end 300] at 1200']);
  });

  it('a flapping alarm: ALARM/OK every few minutes is one episode, one ALARM and one OK message', () => {
    // ALARM 0, OK 120, ALARM 240 (240 - 120 < 900: re-trigger 1), OK 360, ALARM 1200 (1200 - 360 = 840 < 900:
    // re-trigger 2), OK 1260. The last OK starts the quiet period: it ends at 1260 + 900 = 2160.
    // Without grouping that is 6 messages; grouped, 2.
    expect(
      run(
        900,
        [
          [0, 'ALARM'],
          [120, 'OK'],
          [240, 'ALARM'],
          [360, 'OK'],
          [1200, 'ALARM'],
          [1260, 'OK'],
        ],
        5000,
      ),
    ).toEqual(['ops ALARM@0 [0..0 x0]', 'ops OK@1260 [0..1200 x2 end 1260] at 2160']);
  });

  it('an ALARM exactly the quiet period after the OK starts a new episode', () => {
    // OK at 60, next ALARM at 960 = 60 + 900: the quiet period has passed (>=), so the first episode ends (OK@60
    // sent at 960) before the new ALARM opens the second.
    expect(
      run(
        900,
        [
          [0, 'ALARM'],
          [60, 'OK'],
          [960, 'ALARM'],
          [1020, 'OK'],
        ],
        1500,
      ),
    ).toEqual(['ops ALARM@0 [0..0 x0]', 'ops OK@60 [0..0 x0 end 60] at 960', 'ops ALARM@960 [960..960 x0]']);
    // At 1500 the second episode is still quiet for only 480 s: its OK is not sent yet.
  });

  it('an alarm still in ALARM at the end has sent one message', () => {
    expect(
      run(
        900,
        [
          [0, 'ALARM'],
          [60, 'OK'],
          [120, 'ALARM'],
        ],
        100_000,
      ),
    ).toEqual(['ops ALARM@0 [0..0 x0]']);
  });

  it('OK then INSUFFICIENT_DATA while quiet: the latest message for the topic is the one sent', () => {
    // The topic is among the OK actions and the INSUFFICIENT_DATA actions: the episode's end carries the
    // INSUFFICIENT_DATA message of 200; the quiet period counts from leaving ALARM (100): ends at 1000.
    expect(
      run(
        900,
        [
          [0, 'ALARM'],
          [100, 'OK'],
          [200, 'INSUFFICIENT_DATA'],
        ],
        5000,
      ),
    ).toEqual(['ops ALARM@0 [0..0 x0]', 'ops INSUFFICIENT_DATA@200 [0..0 x0 end 100] at 1000']);
  });

  it('no OK action for the topic: the episode ends silently, the next ALARM opens a new one', () => {
    expect(
      run(
        900,
        [
          [0, 'ALARM'],
          [60, 'OK', []],
          [2000, 'ALARM'],
        ],
        5000,
      ),
    ).toEqual(['ops ALARM@0 [0..0 x0]', 'ops ALARM@2000 [2000..2000 x0]']);
  });

  it('an OK with no open episode (the first evaluation) is sent as CloudWatch sends it', () => {
    expect(run(900, [[0, 'OK']], 5000)).toEqual(['ops OK@0']);
  });
});

describe('episode grouping off (quiet period 0)', () => {
  it('every transition is delivered, without episode', () => {
    expect(
      run(
        0,
        [
          [0, 'ALARM'],
          [120, 'OK'],
          [240, 'ALARM'],
        ],
        5000,
      ),
    ).toEqual(['ops ALARM@0', 'ops OK@120', 'ops ALARM@240']);
  });
});

describe('episodes per topic', () => {
  it('each topic has its own quiet period; a saved grouper resumes an open episode', () => {
    const quiet: Record<string, number> = { pager: 600, audit: 0 };
    const g = new EpisodeGrouper<string>((t) => ({ quietSeconds: quiet[t] ?? 900 }));
    const kinds = (ds: readonly EpisodeDecision<string>[]) => ds.map((d) => `${d.topic}:${d.kind}`);
    expect(
      kinds(
        g.transition({ alarmName: 'a', time: 0, state: 'ALARM', topics: ['pager', 'audit'], payload: 'x' }),
      ),
    ).toEqual(['pager:send', 'audit:send']);
    expect(
      kinds(
        g.transition({ alarmName: 'a', time: 60, state: 'OK', topics: ['pager', 'audit'], payload: 'y' }),
      ),
    ).toEqual(['pager:hold', 'audit:send']);
    // A restart: the saved form (plain JSON) brings the held OK back; it is sent at 60 + 600.
    const resumed = new EpisodeGrouper<string>(
      (t) => ({ quietSeconds: quiet[t] ?? 900 }),
      JSON.parse(JSON.stringify(g.toJSON())),
    );
    expect(resumed.due(659)).toEqual([]);
    expect(resumed.due(660)).toMatchObject([{ kind: 'resolve', topic: 'pager', payload: 'y', time: 660 }]);
    expect(resumed.open()).toEqual([]);
  });

  it('retain() forgets the episodes of deleted alarms', () => {
    const g = new EpisodeGrouper<string>(() => ({ quietSeconds: 900 }));
    g.transition({ alarmName: 'gone', time: 0, state: 'ALARM', topics: ['ops'], payload: 'x' });
    g.transition({ alarmName: 'kept', time: 0, state: 'ALARM', topics: ['ops'], payload: 'x' });
    g.retain(new Set(['kept']));
    expect(g.open().map((e) => e.alarmName)).toEqual(['kept']);
  });
});

describe('topics[].episodes in the configuration', () => {
  it('reads quietMinutes as seconds, refuses a negative or non-number one with its key', () => {
    const ok = checkTopic({ name: 'ops', subscriptions: [], episodes: { quietMinutes: 2.5 } });
    expect(ok.ok && ok.value.episodes).toEqual({ quietSeconds: 150 });
    const none = checkTopic({ name: 'ops', subscriptions: [] });
    expect(none.ok && none.value.episodes).toBeUndefined();
    const neg = checkTopic({ name: 'ops', subscriptions: [], episodes: { quietMinutes: -1 } });
    expect(neg.ok ? [] : neg.errors.map((e) => [e.code, e.key])).toEqual([
      ['NOTIFY_BAD_NUMBER', 'episodes.quietMinutes'],
    ]);
    const word = checkTopic({ name: 'ops', subscriptions: [], episodes: { quietMinutes: 'off' } });
    expect(word.ok ? [] : word.errors.map((e) => [e.code, e.key])).toEqual([
      ['NOTIFY_TYPE', 'episodes.quietMinutes'],
    ]);
  });
});

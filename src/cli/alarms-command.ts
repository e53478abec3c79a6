// `flowwatch alarms list|history|set-state|mute|unmute|replay`: the alarms of flowwatch.yaml, their states and history
// (kept by the monitor in its state folder), and when they would have fired on stored data.

import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_CONFIG, loadConfig } from '../config/config.js';
import { UsageError, UserError } from '../core/errors.js';
import {
  ALARM_STATES,
  type AlarmState,
  alarmLookback,
  anomalyBandSource,
  replay,
} from '../metrics/alarms/index.js';
import type { StateChange } from '../metrics/alarms/state-machine.js';
import { minuteSets, unknownMetricNote } from '../metrics/datapoints.js';
import { ALARMS_FILE, type AlarmRequest, loadAlarmState, REQUESTS_DIR } from '../monitor/alarms-runner.js';
import { DEFAULT_EPISODES, type EpisodeDecision, EpisodeGrouper, type Topic } from '../notify/index.js';
import { Store } from '../storage/store.js';
import { registerAlarmsPut } from './alarms-put-command.js';
import { dbPath, type Io, positiveInt, runningMonitor, timeRange } from './context.js';
import { parseOutput, render } from './output.js';

interface Common {
  config: string;
  stateDir?: string;
  output: string;
}

const iso = (s: number) => new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * A mute's length in seconds: `90s`, `30m`, `2h`, `1d`; between a minute and 30 days.
 *
 * @example muteSeconds('2h') // 7200
 */
export function muteSeconds(text: string): number {
  const m = /^(\d+)\s*(s|m|h|d)$/i.exec(text.trim());
  const unit = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
  const seconds = m ? Number(m[1]) * unit[m[2]!.toLowerCase() as keyof typeof unit] : Number.NaN;
  if (!(seconds >= 60 && seconds <= 30 * 86_400)) {
    throw new UsageError(
      'BAD_DURATION',
      `--for "${text}" is not a duration between 1m and 30d`,
      'write a number and a unit: 30m, 2h or 1d',
    );
  }
  return seconds;
}

function stateDirOf(flags: Common): string {
  return resolve(flags.stateDir ?? loadConfig(flags.config).monitor.stateDir);
}

export function registerAlarms(program: Command, io: Io): void {
  const alarms = program
    .command('alarms')
    .description('alarm states, history, set-state and replay; put and put-composite define alarms');
  registerAlarmsPut(alarms, io);
  const common = (c: Command) =>
    c
      .option('--config <file>', 'configuration file', DEFAULT_CONFIG)
      .option('--state-dir <dir>', 'the monitor state folder (default: monitor.stateDir of the config)')
      .option('-o, --output <format>', 'table, json or csv', 'table');

  common(alarms.command('list').description('every alarm with its state, since when and why')).action(
    (flags: Common) => {
      const config = loadConfig(flags.config);
      const dir = stateDirOf(flags);
      const m = loadAlarmState(dir, { account: config.monitor.account, region: config.monitor.region });
      const names = [
        ...new Set([
          ...config.alarms.map((a) => a.name),
          ...config.compositeAlarms.map((a) => a.name),
          ...m.names(),
        ]),
      ];
      const rows = names.map((name) => {
        const rec = m.get(name);
        const configured =
          config.alarms.find((a) => a.name === name) ?? config.compositeAlarms.find((a) => a.name === name);
        return {
          name,
          kind: configured && 'alarmRule' in configured ? 'composite' : 'metric',
          state: rec?.state.value ?? 'INSUFFICIENT_DATA',
          since: rec ? iso(rec.state.timestamp) : '',
          reason: rec?.state.reason ?? 'not evaluated yet (start flowwatch monitor)',
          ...(configured ? {} : { note: 'no longer in the configuration' }),
        };
      });
      io.out(
        render({ columns: ['name', 'kind', 'state', 'since', 'reason'], rows }, parseOutput(flags.output)),
      );
      if (!existsSync(join(dir, ALARMS_FILE)))
        io.err(`(no alarm state in ${dir} yet: the monitor has not run there)\n`);
    },
  );

  common(
    alarms.command('history').description('state changes, configuration updates and actions, newest first'),
  )
    .argument('[name]', 'only this alarm')
    .option('--limit <n>', 'at most this many items', '50')
    .action((name: string | undefined, flags: Common & { limit: string }) => {
      const config = loadConfig(flags.config);
      const m = loadAlarmState(stateDirOf(flags), {
        account: config.monitor.account,
        region: config.monitor.region,
      });
      const items = m
        .history(name)
        .sort((a, b) => b.timestamp - a.timestamp)
        .slice(0, positiveInt(flags.limit, '--limit'));
      const rows = items.map((h) => ({
        time: iso(h.timestamp),
        alarm: h.alarmName,
        type: h.type,
        summary: h.summary,
        reason: h.newState?.reason ?? h.detail ?? '',
      }));
      io.out(
        render({ columns: ['time', 'alarm', 'type', 'summary', 'reason'], rows }, parseOutput(flags.output)),
      );
    });

  common(
    alarms
      .command('set-state')
      .description(
        "force an alarm's state, as SetAlarmState does (a running monitor applies it and runs its actions)",
      ),
  )
    .argument('<name>', 'the alarm')
    .argument('<state>', 'OK, ALARM or INSUFFICIENT_DATA')
    .requiredOption('--reason <text>', 'why (shown in the notification)')
    .action(async (name: string, state: string, flags: Common & { reason: string }) => {
      if (!(ALARM_STATES as readonly string[]).includes(state)) {
        throw new UsageError(
          'BAD_STATE',
          `"${state}" is not a state`,
          `use one of ${ALARM_STATES.join(', ')}`,
        );
      }
      const config = loadConfig(flags.config);
      if (![...config.alarms, ...config.compositeAlarms].some((a) => a.name === name)) {
        throw new UsageError(
          'UNKNOWN_ALARM',
          `there is no alarm "${name}" in ${flags.config}`,
          'list them with: flowwatch alarms list',
        );
      }
      const dir = stateDirOf(flags);
      if (runningMonitor(dir) === undefined) {
        throw new UserError(
          'NO_MONITOR',
          `no monitor is running on ${dir}`,
          'start it with: flowwatch monitor (set-state acts through the monitor, which runs the actions)',
        );
      }
      const reqDir = join(dir, REQUESTS_DIR);
      await mkdir(reqDir, { recursive: true });
      const file = join(reqDir, `${Date.now()}-${process.pid}.json`);
      await writeFile(file, JSON.stringify({ name, state: state as AlarmState, reason: flags.reason }));
      // The monitor applies requests every second and removes the file.
      for (let i = 0; i < 100 && existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
      if (existsSync(file))
        throw new UserError(
          'MONITOR_BUSY',
          'the monitor did not pick the request up within 10 s',
          'it will when it can; check flowwatch alarms list',
        );
      const m = loadAlarmState(dir, { account: config.monitor.account, region: config.monitor.region });
      io.out(`${name}: ${m.state(name).value} (${m.state(name).reason})\n`);
    });

  const request = async (flags: Common, name: string, req: AlarmRequest, what: string) => {
    const config = loadConfig(flags.config);
    if (![...config.alarms, ...config.compositeAlarms].some((a) => a.name === name)) {
      throw new UsageError(
        'UNKNOWN_ALARM',
        `there is no alarm "${name}" in ${flags.config}`,
        'list them with: flowwatch alarms list',
      );
    }
    const dir = stateDirOf(flags);
    if (runningMonitor(dir) === undefined) {
      throw new UserError(
        'NO_MONITOR',
        `no monitor is running on ${dir}`,
        `start it with: flowwatch monitor (${what} acts through the monitor, which keeps the alarm states)`,
      );
    }
    const reqDir = join(dir, REQUESTS_DIR);
    await mkdir(reqDir, { recursive: true });
    const file = join(reqDir, `${Date.now()}-${process.pid}.json`);
    await writeFile(file, JSON.stringify(req));
    for (let i = 0; i < 100 && existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
    if (existsSync(file))
      throw new UserError(
        'MONITOR_BUSY',
        'the monitor did not pick the request up within 10 s',
        'it will when it can; check flowwatch alarms list',
      );
    return loadAlarmState(dir, { account: config.monitor.account, region: config.monitor.region });
  };

  common(
    alarms
      .command('mute')
      .description("mute an alarm's actions for a while: its state still changes, no notification is sent"),
  )
    .argument('<name>', 'the alarm')
    .requiredOption('--for <duration>', 'how long, e.g. 30m, 2h or 1d (at most 30d)')
    .action(async (name: string, flags: Common & { for: string }) => {
      const seconds = muteSeconds(flags.for);
      const until = Math.floor(Date.now() / 1000) + seconds;
      const m = await request(flags, name, { name, mute: until }, 'mute');
      const end = m.mutedUntil(name, Math.floor(Date.now() / 1000));
      io.out(`${name}: muted until ${end === undefined ? iso(until) : iso(end)}\n`);
    });

  common(alarms.command('unmute').description("end an alarm's mute: its actions run again"))
    .argument('<name>', 'the alarm')
    .action(async (name: string, flags: Common) => {
      await request(flags, name, { name, unmute: true }, 'unmute');
      io.out(`${name}: not muted\n`);
    });

  alarms
    .command('replay')
    .description('evaluate the alarms over stored data in event time: when would they have fired?')
    .requiredOption('--since <time>', 'start of the replay')
    .requiredOption('--until <time>', 'end of the replay')
    .option('--alarm <name>', 'only this alarm')
    .option('--config <file>', 'configuration file', DEFAULT_CONFIG)
    .option('--db <file>', 'store (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .option('-o, --output <format>', 'table, json or csv', 'table')
    .action(
      async (flags: {
        since: string;
        until: string;
        alarm?: string;
        config: string;
        db?: string;
        output: string;
      }) => {
        const output = parseOutput(flags.output);
        const config = loadConfig(flags.config, true);
        const { since, until } = timeRange(flags.since, flags.until) as { since: number; until: number };
        const chosen = config.alarms.filter((a) => flags.alarm === undefined || a.name === flags.alarm);
        if (chosen.length === 0) {
          throw new UsageError(
            'UNKNOWN_ALARM',
            flags.alarm
              ? `there is no metric alarm "${flags.alarm}" in ${flags.config}`
              : `${flags.config} has no metric alarms`,
          );
        }
        const store = await Store.open(dbPath(io, flags.db), { readOnly: true });
        const changes: StateChange[] = [];
        const bandNotes: string[] = [];
        const dataNotes: string[] = [];
        try {
          for (const a of chosen) {
            const lookback = alarmLookback(a);
            const points = await minuteSets(
              store,
              a.metric.namespace,
              a.metric.metricName,
              a.metric.dimensions,
              since - lookback,
              until + a.period,
            );
            const r = replay(
              a,
              (from, to) => points.filter((p) => p.timestamp >= from && p.timestamp < to),
              since,
              until,
              {
                context: { account: config.monitor.account, region: config.monitor.region },
              },
            );
            changes.push(...r.changes.filter((c) => c.previous !== undefined));
            // No datapoint at all: every period was missing data (OK or INSUFFICIENT_DATA by treatMissingData),
            // which reads as "no traffic". Usually the datapoints were never computed, or the range is elsewhere.
            if (points.length === 0)
              dataNotes.push(
                `${a.name}: no datapoint of ${a.metric.namespace}/${a.metric.metricName} from ${iso(since)} to ${iso(until)}, so the replay saw missing data only, not a count of 0. ${await missingDatapointsNote(store, a.metric.namespace, a.metric.metricName)}`,
              );
            // An anomaly-band alarm without a band evaluates its periods as missing data: say so, never a silent
            // INSUFFICIENT_DATA.
            const band = anomalyBandSource(a, points);
            if (band !== undefined) {
              for (const t of [since, until]) {
                const m = band.model(t);
                if (m.state !== 'TRAINED')
                  bandNotes.push(`${a.name}: no anomaly band at ${iso(t)}: ${m.message}`);
              }
            }
          }
        } finally {
          store.close();
        }
        const { rows, sent, ungrouped, perAlarm } = replayNotifications(changes, config.topics, until);
        io.out(
          render(
            { columns: ['time', 'alarm', 'from', 'to', 'actions', 'notifications', 'reason'], rows },
            output,
          ),
        );
        for (const note of [...dataNotes, ...new Set(bandNotes)]) io.err(`warning: ${note}\n`);
        if (output === 'table') {
          const n = changes.length;
          io.err(
            `${n} state change${n === 1 ? '' : 's'} between ${iso(since)} and ${iso(until)}; ` +
              `${sent} notification${sent === 1 ? '' : 's'} grouped per episode by the topics (${ungrouped} without grouping)\n`,
          );
          for (const [name, c] of perAlarm)
            io.err(
              `  ${name}: ${c.changes} state changes, ${c.sent} notifications (${c.ungrouped} ungrouped)\n`,
            );
        }
      },
    );
}

/** The topic named by an action: a plain name, or the last field of an SNS ARN; undefined for other actions. */
function topicOfAction(action: string): string | undefined {
  if (!action.startsWith('arn:')) return action;
  const parts = action.split(':');
  return parts[2] === 'sns' ? parts.at(-1) : undefined;
}

/**
 * What the replayed state changes would have sent to the configured topics, grouped per episode as the monitor
 * groups them: one row per state change (its `notifications` says sent / folded / held per topic) plus one row
 * per episode end; counts of the messages sent with and without grouping, in all and per alarm.
 */
function replayNotifications(
  changes: readonly StateChange[],
  topics: readonly Topic[],
  until: number,
): {
  rows: Record<string, unknown>[];
  sent: number;
  ungrouped: number;
  perAlarm: Map<string, { changes: number; sent: number; ungrouped: number }>;
} {
  const byName = new Map(topics.map((t) => [t.name, t]));
  const grouper = new EpisodeGrouper<StateChange>((t) => byName.get(t)?.episodes ?? DEFAULT_EPISODES);
  const rows: Record<string, unknown>[] = [];
  const perAlarm = new Map<string, { changes: number; sent: number; ungrouped: number }>();
  const count = (alarm: string) => {
    const c = perAlarm.get(alarm) ?? { changes: 0, sent: 0, ungrouped: 0 };
    perAlarm.set(alarm, c);
    return c;
  };
  let sent = 0;
  let ungrouped = 0;
  const hm = (t: number) => iso(t).slice(11, 16);
  const describe = (d: EpisodeDecision<StateChange>): string => {
    switch (d.kind) {
      case 'send':
        return `${d.topic}: sent`;
      case 'fold':
        return `${d.topic}: folded (re-trigger ${d.episode.retriggers})`;
      case 'hold':
        return `${d.topic}: held`;
      case 'resolve':
        return `${d.topic}: ${d.payload ? `sent ${d.payload.current.value}` : 'nothing (no action for the state)'}`;
      default: {
        const never: never = d;
        throw new Error(`unhandled decision ${String(never)}`);
      }
    }
  };
  const resolutions = (ds: readonly EpisodeDecision<StateChange>[]) => {
    for (const d of ds) {
      if (d.kind !== 'resolve') continue;
      if (d.payload) {
        sent++;
        count(d.alarmName).sent++;
      }
      rows.push({
        time: iso(d.time),
        alarm: d.alarmName,
        from: '',
        to: '',
        actions: '',
        notifications: describe(d),
        reason:
          `episode ended after ${d.episode.quietSeconds / 60} quiet minutes: first ALARM ${hm(d.episode.firstAlarmTime)}, ` +
          `last ${hm(d.episode.lastAlarmTime)}, ${d.episode.retriggers} re-triggers folded`,
      });
    }
  };
  for (const c of [...changes].sort((a, b) => a.time - b.time)) {
    const targets = [...new Set(c.actions.map(topicOfAction))].filter(
      (t): t is string => t !== undefined && byName.has(t),
    );
    const ds = grouper.transition({
      alarmName: c.alarmName,
      time: c.time,
      state: c.current.value,
      topics: targets,
      payload: c,
    });
    resolutions(ds);
    const mine = ds.filter((d) => d.kind !== 'resolve');
    const own = count(c.alarmName);
    own.changes++;
    own.ungrouped += targets.length;
    ungrouped += targets.length;
    const now = mine.filter((d) => d.kind === 'send').length;
    own.sent += now;
    sent += now;
    rows.push({
      time: iso(c.time),
      alarm: c.alarmName,
      from: c.previous?.value ?? '',
      to: c.current.value,
      actions: c.actions.join(' '),
      notifications: mine.map(describe).join('; '),
      reason: c.current.reason,
    });
  }
  resolutions(grouper.due(until));
  for (const e of grouper.open())
    rows.push({
      time: iso(until),
      alarm: e.alarmName,
      from: '',
      to: '',
      actions: '',
      notifications:
        e.leftAt === null
          ? `${e.topic}: episode open (in ALARM)`
          : `${e.topic}: episode ends at ${hm(e.leftAt + (byName.get(e.topic)?.episodes ?? DEFAULT_EPISODES).quietSeconds)} unless the alarm re-triggers`,
      reason: `first ALARM ${hm(e.firstAlarmTime)}, ${e.retriggers} re-triggers folded so far`,
    });
  return { rows, sent, ungrouped, perAlarm };
}

/** Why an alarm's metric has no datapoint in a replay's range: none stored for it, or stored at other times. */
async function missingDatapointsNote(store: Store, namespace: string, metric: string): Promise<string> {
  if (await store.hasTable('metric_datapoints')) {
    const span = await store.query(
      'SELECT epoch(min(minute)) AS lo, epoch(max(minute)) AS hi FROM metric_datapoints WHERE namespace = $1 AND metric = $2',
      [namespace, metric],
    );
    const lo = span.rows[0]?.['lo'];
    if (lo !== null && lo !== undefined)
      return `Its datapoints run from ${iso(Number(lo))} to ${iso(Number(span.rows[0]?.['hi']))}: move --since/--until into that span (or run flowwatch metrics backfill after ingesting more).`;
  }
  return `${await unknownMetricNote(store, namespace, metric)}.`;
}

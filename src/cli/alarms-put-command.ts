// `flowwatch alarms put | put-composite`: PutMetricAlarm and PutCompositeAlarm from the command line, with the AWS
// CLI's option names, validated as flowwatch.yaml is (errors name the option), written into flowwatch.yaml keeping
// its comments, and applied to a running monitor (SIGHUP).

import { resolve } from 'node:path';
import type { Command } from 'commander';
import {
  type Config,
  ConfigError,
  DEFAULT_CONFIG,
  loadConfig,
  parseConfig,
  putNamed,
  saveConfig,
} from '../config/config.js';
import { UsageError, type UserError } from '../core/errors.js';
import {
  type AlarmConfigError,
  type ConfigPath,
  checkAlarm,
  checkAlarmSet,
  checkCompositeAlarm,
} from '../metrics/alarms/index.js';
import { UNITS } from '../metrics/metric-filter.js';
import { type Io, runningMonitor } from './context.js';
import { caret } from './input-lines.js';

/** The option of `alarms put` / `topics subscribe` each configuration key comes from. */
const OPTION_OF: Readonly<Record<string, string>> = {
  name: '--alarm-name',
  description: '--alarm-description',
  metric: '--metric-name',
  'metric.namespace': '--namespace',
  'metric.metricName': '--metric-name',
  'metric.dimensions': '--dimensions',
  alarmRule: '--alarm-rule',
};

/** camelCase → --kebab-case. */
function kebab(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** The option a configuration path (relative to the alarm) was given by. */
function optionOf(path: ConfigPath): string {
  const keys = path.filter((p): p is string => typeof p === 'string');
  for (let n = keys.length; n > 0; n--) {
    const o = OPTION_OF[keys.slice(0, n).join('.')];
    if (o) return o;
  }
  return keys[0] === undefined ? 'the alarm' : kebab(keys[0]);
}

/** An AlarmConfigError as a usage error naming the option (with a caret under an alarm-rule fault). */
function optionError(e: AlarmConfigError, rule?: string): UsageError {
  const err = new UsageError(e.code, `${optionOf(e.path)}: ${e.message}`, e.hint ?? `expected ${e.expected}`);
  if (rule !== undefined && e.start !== undefined) err.detail = caret(rule, e.start, e.end ?? e.start + 1);
  return err;
}

/**
 * A configuration error of the file as it would be saved (unknown topic, unknown metric, ...), naming the
 * option when it concerns the alarm being put.
 */
function crossCheckError(err: ConfigError, section: string): UserError {
  const m = new RegExp(
    `^.*?:\\d+:\\d+: (?:${section}\\[\\d+\\]\\.?)?([\\w.]*)(?:\\[\\d+\\])?: (.*)$`,
    's',
  ).exec(err.message);
  if (!m) return err;
  const key = m[1] ?? '';
  return new UsageError(err.code, `${key ? optionOf(key.split('.')) : 'the alarm'}: ${m[2]}`, err.hint);
}

/** The pid of the monitor running on the configuration's state folder, if one runs. */
export function runningMonitorOf(config: Config): number | undefined {
  return runningMonitor(resolve(config.monitor.stateDir));
}

/**
 * Validates the new configuration text, saves it, and tells a running monitor to reload it (it also notices the
 * change within a second). Returns the sentence to print about the monitor.
 */
export function saveAndApply(path: string, text: string, section: string): string {
  let next: Config;
  try {
    next = parseConfig(path, text);
  } catch (err) {
    if (err instanceof ConfigError) throw crossCheckError(err, section);
    throw err;
  }
  saveConfig(path, text);
  const pid = runningMonitorOf(next);
  if (pid === undefined) return 'No monitor is running; "flowwatch monitor" will apply it when started.';
  try {
    process.kill(pid, 'SIGHUP');
    return `The running monitor (pid ${pid}) reloads the configuration now.`;
  } catch {
    return 'The running monitor applies it within a second (it watches the file).';
  }
}

/** A number when the text is one, else the text (the validation then says what was expected). */
function num(v: string | undefined): number | string | undefined {
  if (v === undefined) return undefined;
  return /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(v.trim()) ? Number(v) : v;
}

/**
 * `--dimensions` as the AWS CLI takes it: `Name=InstanceId,Value=i-1 Name=...`, or JSON
 * `[{"Name":"InstanceId","Value":"i-1"}]`.
 */
export function parseDimensions(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const text = args.join(' ').trim();
  if (text.startsWith('[')) {
    let list: unknown;
    try {
      list = JSON.parse(text);
    } catch {
      list = undefined;
    }
    if (!Array.isArray(list)) {
      throw new UsageError(
        'BAD_DIMENSIONS',
        '--dimensions: not a JSON list',
        'e.g. [{"Name":"Action","Value":"REJECT"}]',
      );
    }
    for (const d of list as { Name?: unknown; Value?: unknown }[]) {
      if (typeof d?.Name !== 'string' || typeof d.Value !== 'string') {
        throw new UsageError('BAD_DIMENSIONS', '--dimensions: each item needs a string Name and Value');
      }
      out[d.Name] = d.Value;
    }
    return out;
  }
  for (const a of args) {
    const m = /^Name=([^,]+),Value=(.*)$/.exec(a);
    if (!m) {
      throw new UsageError(
        'BAD_DIMENSIONS',
        `--dimensions: "${a}" is not Name=<name>,Value=<value>`,
        'e.g. --dimensions Name=Action,Value=REJECT',
      );
    }
    out[m[1]!] = m[2]!;
  }
  return out;
}

interface ActionFlags {
  config: string;
  alarmName: string;
  alarmDescription?: string;
  actionsEnabled?: boolean;
  alarmActions?: string[];
  okActions?: string[];
  insufficientDataActions?: string[];
}

interface PutFlags extends ActionFlags {
  metricName: string;
  namespace: string;
  statistic?: string;
  extendedStatistic?: string;
  dimensions?: string[];
  period: string;
  unit?: string;
  evaluationPeriods: string;
  datapointsToAlarm?: string;
  threshold: string;
  comparisonOperator: string;
  treatMissingData?: string;
  evaluateLowSampleCountPercentile?: string;
}

const actionOptions = (c: Command): Command =>
  c
    .requiredOption('--alarm-name <name>', 'the alarm (an alarm with this name is replaced)')
    .option('--alarm-description <text>', 'description, shown in notifications')
    .option('--actions-enabled', 'run the actions on state changes (default)')
    .option('--no-actions-enabled', 'change state without running actions')
    .option('--alarm-actions <topic...>', 'topics (names or SNS ARNs) notified on ALARM')
    .option('--ok-actions <topic...>', 'topics notified on OK')
    .option('--insufficient-data-actions <topic...>', 'topics notified on INSUFFICIENT_DATA')
    .option('--config <file>', 'configuration file', DEFAULT_CONFIG);

/** The action keys of a definition, only those given. */
function actionsOf(f: ActionFlags): Record<string, unknown> {
  return {
    ...(f.alarmDescription !== undefined ? { description: f.alarmDescription } : {}),
    ...(f.actionsEnabled === false ? { actionsEnabled: false } : {}),
    ...(f.alarmActions ? { alarmActions: f.alarmActions } : {}),
    ...(f.okActions ? { okActions: f.okActions } : {}),
    ...(f.insufficientDataActions ? { insufficientDataActions: f.insufficientDataActions } : {}),
  };
}

export function registerAlarmsPut(alarms: Command, io: Io): void {
  actionOptions(
    alarms
      .command('put')
      .description(
        'create or replace a metric alarm (PutMetricAlarm, with the AWS CLI put-metric-alarm options) in flowwatch.yaml',
      ),
  )
    .requiredOption('--metric-name <name>', 'metric of a metric filter in the configuration')
    .requiredOption('--namespace <ns>', "the metric's namespace")
    .option('--statistic <stat>', 'SampleCount, Sum, Average, Minimum or Maximum')
    .option('--extended-statistic <pNN>', 'a percentile such as p99 (instead of --statistic)')
    .option('--dimensions <Name=N,Value=V...>', 'the metric’s dimensions (or a JSON list)')
    .requiredOption('--period <seconds>', '10, 20, 30 or a multiple of 60')
    .option(
      '--unit <unit>',
      "the metric's unit; must be the metric filter's (CloudWatch would see no data otherwise)",
    )
    .requiredOption('--evaluation-periods <n>', 'N: how many recent periods are evaluated')
    .option('--datapoints-to-alarm <m>', 'M of N that must breach (default N)')
    .requiredOption('--threshold <value>', 'the threshold')
    .requiredOption(
      '--comparison-operator <op>',
      'GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold or LessThanOrEqualToThreshold',
    )
    .option('--treat-missing-data <how>', 'missing (default), notBreaching, breaching or ignore')
    .option('--evaluate-low-sample-count-percentile <how>', 'evaluate or ignore (percentile alarms)')
    .addHelpText(
      'after',
      `
Actions name topics of flowwatch.yaml (or their SNS ARNs). The alarm is checked as flowwatch.yaml is,
written into the file keeping its comments, and applied to a running monitor at once.

Example (the classic lab's denied-ping alarm):
  flowwatch alarms put --alarm-name denied-icmp --namespace FlowLogs --metric-name DeniedICMP \\
    --statistic Sum --period 60 --evaluation-periods 1 --threshold 1 \\
    --comparison-operator GreaterThanOrEqualToThreshold --treat-missing-data notBreaching --alarm-actions netops`,
    )
    .action((flags: PutFlags) => {
      const raw: Record<string, unknown> & { name: string } = {
        name: flags.alarmName,
        metric: {
          namespace: flags.namespace,
          metricName: flags.metricName,
          ...(flags.dimensions ? { dimensions: parseDimensions(flags.dimensions) } : {}),
        },
        ...(flags.statistic !== undefined ? { statistic: flags.statistic } : {}),
        ...(flags.extendedStatistic !== undefined ? { extendedStatistic: flags.extendedStatistic } : {}),
        period: num(flags.period),
        evaluationPeriods: num(flags.evaluationPeriods),
        ...(flags.datapointsToAlarm !== undefined ? { datapointsToAlarm: num(flags.datapointsToAlarm) } : {}),
        threshold: num(flags.threshold),
        comparisonOperator: flags.comparisonOperator,
        ...(flags.treatMissingData !== undefined ? { treatMissingData: flags.treatMissingData } : {}),
        ...(flags.evaluateLowSampleCountPercentile !== undefined
          ? { evaluateLowSampleCountPercentile: flags.evaluateLowSampleCountPercentile }
          : {}),
        ...actionsOf(flags),
      };
      const checked = checkAlarm(raw, []);
      if (checked.errors[0]) throw optionError(checked.errors[0]);
      const config = loadConfig(flags.config);
      if (flags.unit !== undefined) {
        if (!(UNITS as readonly string[]).includes(flags.unit)) {
          throw new UsageError(
            'BAD_UNIT',
            `--unit: "${flags.unit}" is not a CloudWatch unit`,
            `use one of ${UNITS.join(', ')}`,
          );
        }
        const filter = config.filters.find(
          (f) => f.filter.metricNamespace === flags.namespace && f.filter.metricName === flags.metricName,
        );
        const published = filter?.filter.unit ?? 'None';
        if (filter && published !== flags.unit) {
          throw new UsageError(
            'UNIT_MISMATCH',
            `--unit: metric filter "${filter.filter.name}" publishes ${flags.namespace}/${flags.metricName} in ${published}, so an alarm on ${flags.unit} would never see a datapoint`,
            `drop --unit, or use --unit ${published}`,
          );
        }
      }
      const { text, replaced } = putNamed(config, 'alarms', raw);
      const applied = saveAndApply(flags.config, text, 'alarms');
      io.out(
        `${replaced ? 'Replaced' : 'Added'} alarm "${flags.alarmName}" in ${flags.config}. ${applied}\n`,
      );
    });

  actionOptions(
    alarms
      .command('put-composite')
      .description('create or replace a composite alarm (PutCompositeAlarm) in flowwatch.yaml'),
  )
    .requiredOption('--alarm-rule <rule>', 'e.g. ALARM("ssh") OR ALARM("icmp")')
    .action((flags: ActionFlags & { alarmRule: string }) => {
      const raw: Record<string, unknown> & { name: string } = {
        name: flags.alarmName,
        alarmRule: flags.alarmRule,
        ...actionsOf(flags),
      };
      const checked = checkCompositeAlarm(raw, []);
      if (checked.errors[0]) throw optionError(checked.errors[0], flags.alarmRule);
      const config = loadConfig(flags.config);
      // Rule references (alarms that exist, no cycle) checked here so the caret lands in the rule.
      const others = config.compositeAlarms.filter((c) => c.name !== flags.alarmName);
      const set = checkAlarmSet(config.alarms, [...others, checked.value!]);
      if (set[0]) throw optionError(set[0], flags.alarmRule);
      const { text, replaced } = putNamed(config, 'compositeAlarms', raw);
      const applied = saveAndApply(flags.config, text, 'compositeAlarms');
      io.out(
        `${replaced ? 'Replaced' : 'Added'} composite alarm "${flags.alarmName}" in ${flags.config}. ${applied}\n`,
      );
    });
}

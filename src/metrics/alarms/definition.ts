// Metric and composite alarm definitions (PutMetricAlarm / PutCompositeAlarm, spec §2 and §4) and their validation
// from untyped configuration, with errors that carry a code, the offending key path and what was expected.

import { UserError } from '../../core/errors.js';
import { closest } from './names.js';
import { AlarmRuleError } from './rule-lexer.js';
import { checkRuleReferences, parseAlarmRule } from './rule-parser.js';

/** The three states of an alarm. */
export const ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

/** `Statistic` values of PutMetricAlarm. */
export const ALARM_STATISTICS = ['SampleCount', 'Sum', 'Average', 'Minimum', 'Maximum'] as const;
export type AlarmStatistic = (typeof ALARM_STATISTICS)[number];

/** Static-threshold comparison operators; the statistic value is the left operand. */
export const COMPARISON_OPERATORS = [
  'GreaterThanOrEqualToThreshold',
  'GreaterThanThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

/** Anomaly-band operators: recognised, and refused (flowwatch has no anomaly detection). */
export const ANOMALY_OPERATORS = [
  'LessThanLowerOrGreaterThanUpperThreshold',
  'LessThanLowerThreshold',
  'GreaterThanUpperThreshold',
] as const;

/** `TreatMissingData` values (spec §3.3). */
export const TREAT_MISSING_DATA = ['missing', 'notBreaching', 'breaching', 'ignore'] as const;
export type TreatMissingData = (typeof TREAT_MISSING_DATA)[number];

/** `EvaluateLowSampleCountPercentile` values (spec §3.5). */
export const LOW_SAMPLE_COUNT_OPTIONS = ['evaluate', 'ignore'] as const;
export type LowSampleCountOption = (typeof LOW_SAMPLE_COUNT_OPTIONS)[number];

/** At most this many actions per state. */
export const MAX_ACTIONS = 5;
/** At most this many dimensions per metric. */
export const MAX_ALARM_DIMENSIONS = 30;

/** The metric an alarm watches: namespace, name and the full set of dimensions. */
export interface AlarmMetric {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

/** Actions and their switch, shared by metric and composite alarms. Actions are flowwatch topic names. */
export interface AlarmActions {
  /** Default true; when false the state still changes but no action runs. */
  readonly actionsEnabled?: boolean | undefined;
  readonly alarmActions?: readonly string[] | undefined;
  readonly okActions?: readonly string[] | undefined;
  readonly insufficientDataActions?: readonly string[] | undefined;
}

/**
 * A single-metric alarm with a static threshold.
 *
 * @example
 * const a: MetricAlarm = { name: 'vpc-rejects-high', metric: { namespace: 'Local/VPC', metricName: 'RejectedSSH',
 *   dimensions: {} }, statistic: 'Sum', period: 300, evaluationPeriods: 3, datapointsToAlarm: 2, threshold: 10,
 *   comparisonOperator: 'GreaterThanOrEqualToThreshold', treatMissingData: 'notBreaching', alarmActions: ['netmon-alerts'] };
 */
export interface MetricAlarm extends AlarmActions {
  readonly name: string;
  readonly description?: string | undefined;
  readonly metric: AlarmMetric;
  /** Exactly one of `statistic` and `extendedStatistic`. */
  readonly statistic?: AlarmStatistic | undefined;
  /** A percentile such as `p99` or `p95.5`. */
  readonly extendedStatistic?: string | undefined;
  /** Seconds: 10, 20, 30 or a multiple of 60. */
  readonly period: number;
  /** N: how many of the most recent periods are considered. */
  readonly evaluationPeriods: number;
  /** M: how many of the N must breach; default N. Whether it was given changes the reason wording. */
  readonly datapointsToAlarm?: number | undefined;
  readonly threshold: number;
  readonly comparisonOperator: ComparisonOperator;
  /** Default `missing`. */
  readonly treatMissingData?: TreatMissingData | undefined;
  /** Percentile alarms only; default `evaluate`. */
  readonly evaluateLowSampleCountPercentile?: LowSampleCountOption | undefined;
}

/**
 * A composite alarm: its state follows its rule over other alarms' states.
 *
 * @example
 * const c: CompositeAlarm = { name: 'rejects-outside-maintenance',
 *   alarmRule: 'ALARM("vpc-rejects-high") AND NOT ALARM("maintenance-window")', alarmActions: ['netmon-alerts'] };
 */
export interface CompositeAlarm extends AlarmActions {
  readonly name: string;
  readonly description?: string | undefined;
  readonly alarmRule: string;
}

/** A path into the configuration: keys and list indexes, e.g. `['alarms', 0, 'period']`. */
export type ConfigPath = readonly (string | number)[];

/**
 * One problem in an alarm definition. `path` locates the offending value (a config loader can turn it into
 * file:line:col), `expected` says what would have been accepted. For `alarmRule`, `start`/`end` locate the fault
 * inside the rule text.
 */
export class AlarmConfigError extends UserError {
  readonly path: ConfigPath;
  /** The path as text: `alarms[0].metric.namespace`. */
  readonly key: string;
  readonly expected: string;
  readonly start: number | undefined;
  readonly end: number | undefined;
  constructor(
    code: string,
    path: ConfigPath,
    message: string,
    expected: string,
    hint?: string,
    span?: { start: number; end: number },
  ) {
    super(code, message, hint);
    this.path = path;
    this.key = pathText(path);
    this.expected = expected;
    this.start = span?.start;
    this.end = span?.end;
  }
}

/** The result of a check: the typed definition when there is no error, and every error found. */
export interface CheckResult<T> {
  readonly value: T | undefined;
  readonly errors: readonly AlarmConfigError[];
}

/**
 * A config path as text.
 *
 * @example pathText(['alarms', 0, 'metric', 'namespace']) // 'alarms[0].metric.namespace'
 */
export function pathText(path: ConfigPath): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

/**
 * M of an alarm: `datapointsToAlarm`, else `evaluationPeriods`.
 *
 * @example datapointsToAlarmOf({ ...a, datapointsToAlarm: undefined }) // 3
 */
export function datapointsToAlarmOf(alarm: MetricAlarm): number {
  return alarm.datapointsToAlarm ?? alarm.evaluationPeriods;
}

const PERCENTILE = /^p(\d{1,2}(?:\.\d+)?|100(?:\.0+)?)$/;

/**
 * The percentile (0–100) of an extended statistic such as `p99` or `p95.5`; undefined for anything else.
 *
 * @example percentileOf('p99.9') // 99.9
 */
export function percentileOf(extendedStatistic: string | undefined): number | undefined {
  const m = extendedStatistic === undefined ? null : PERCENTILE.exec(extendedStatistic);
  return m ? Number(m[1]) : undefined;
}

/** The first ASCII control character (U+0000–U+001F, U+007F) of a text, if any. */
function controlChar(s: string): string | undefined {
  for (const c of s) {
    const code = c.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f) return c;
  }
  return undefined;
}
const NON_ASCII_OR_CONTROL = /[^\u0020-\u007e]/;
const NAMESPACE = /^[A-Za-z0-9.\-_/#: ]+$/;

type Raw = Record<string, unknown>;

/** Collects errors while reading one untyped mapping. */
class Reader {
  readonly errors: AlarmConfigError[] = [];
  constructor(
    readonly raw: Raw,
    readonly path: ConfigPath,
  ) {}

  at(key: string | number): ConfigPath {
    return [...this.path, key];
  }

  fail(
    code: string,
    key: string | number | ConfigPath,
    message: string,
    expected: string,
    hint?: string,
  ): undefined {
    const path = Array.isArray(key) ? (key as ConfigPath) : this.at(key as string | number);
    this.errors.push(new AlarmConfigError(code, path, message, expected, hint));
    return undefined;
  }

  keys(allowed: readonly string[]): void {
    for (const k of Object.keys(this.raw)) {
      if (allowed.includes(k)) continue;
      const near = closest(k, allowed);
      this.fail(
        'ALARM_UNKNOWN_KEY',
        k,
        `unknown key "${k}"`,
        `one of ${allowed.join(', ')}`,
        near !== undefined ? `did you mean "${near}"?` : undefined,
      );
    }
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  required(key: string, what: string): boolean {
    if (this.has(key)) return true;
    this.fail('ALARM_MISSING_KEY', this.path, `"${key}" is missing`, what);
    return false;
  }

  string(
    key: string,
    what: string,
    opts: { min?: number; max: number; ascii?: boolean },
  ): string | undefined {
    const v = this.raw[key];
    if (typeof v !== 'string') return this.fail('ALARM_TYPE', key, `${key} must be a string`, what);
    const min = opts.min ?? 1;
    if (v.length < min || v.length > opts.max) {
      return this.fail(
        'ALARM_BAD_LENGTH',
        key,
        `${key} must be ${min} to ${opts.max} characters long; it has ${v.length}`,
        what,
      );
    }
    const bad = opts.ascii ? NON_ASCII_OR_CONTROL.exec(v)?.[0] : controlChar(v);
    if (bad !== undefined) {
      return this.fail(
        'ALARM_BAD_CHARACTER',
        key,
        `${key} contains the character U+${bad.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}, which it may not`,
        what,
      );
    }
    return v;
  }

  integer(key: string, what: string, min: number): number | undefined {
    const v = this.raw[key];
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      return this.fail('ALARM_TYPE', key, `${key} must be a whole number; found ${show(v)}`, what);
    }
    if (v < min)
      return this.fail('ALARM_OUT_OF_RANGE', key, `${key} must be at least ${min}; found ${v}`, what);
    return v;
  }

  oneOf<T extends string>(key: string, values: readonly T[]): T | undefined {
    const v = this.raw[key];
    const what = `one of ${values.join(', ')}`;
    if (typeof v !== 'string') return this.fail('ALARM_TYPE', key, `${key} must be a string`, what);
    if ((values as readonly string[]).includes(v)) return v as T;
    const near = closest(v, values);
    return this.fail(
      'ALARM_BAD_VALUE',
      key,
      `${key} "${v}" is not valid`,
      what,
      near !== undefined ? `did you mean "${near}"?` : undefined,
    );
  }

  boolean(key: string): boolean | undefined {
    const v = this.raw[key];
    if (typeof v !== 'boolean')
      return this.fail('ALARM_TYPE', key, `${key} must be true or false`, 'true or false');
    return v;
  }

  actions(key: string): readonly string[] | undefined {
    const v = this.raw[key];
    const what = `a list of at most ${MAX_ACTIONS} topic names`;
    if (!Array.isArray(v)) return this.fail('ALARM_TYPE', key, `${key} must be a list of topic names`, what);
    if (v.length > MAX_ACTIONS) {
      return this.fail(
        'ALARM_TOO_MANY_ACTIONS',
        key,
        `${key} has ${v.length} actions; at most ${MAX_ACTIONS}`,
        what,
      );
    }
    const out: string[] = [];
    let ok = true;
    v.forEach((item, i) => {
      if (
        typeof item !== 'string' ||
        item.trim() === '' ||
        controlChar(item) !== undefined ||
        item.length > 1024
      ) {
        ok = false;
        this.fail(
          'ALARM_BAD_ACTION',
          [...this.at(key), i],
          `${key}[${i}] must be a topic name`,
          'a topic name',
        );
      } else {
        out.push(item);
      }
    });
    return ok ? out : undefined;
  }

  actionFields(): AlarmActions {
    const out: { -readonly [K in keyof AlarmActions]: AlarmActions[K] } = {};
    if (this.has('actionsEnabled')) out.actionsEnabled = this.boolean('actionsEnabled');
    if (this.has('alarmActions')) out.alarmActions = this.actions('alarmActions');
    if (this.has('okActions')) out.okActions = this.actions('okActions');
    if (this.has('insufficientDataActions'))
      out.insufficientDataActions = this.actions('insufficientDataActions');
    return out;
  }
}

function show(v: unknown): string {
  if (typeof v === 'string') return `"${v}"`;
  if (v === null || v === undefined) return 'nothing';
  if (typeof v === 'object') return Array.isArray(v) ? 'a list' : 'a mapping';
  return String(v);
}

function isMapping(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const ACTION_KEYS = ['actionsEnabled', 'alarmActions', 'okActions', 'insufficientDataActions'] as const;

/** The keys of a metric alarm definition. */
export const METRIC_ALARM_KEYS = [
  'name',
  'description',
  'metric',
  'statistic',
  'extendedStatistic',
  'period',
  'evaluationPeriods',
  'datapointsToAlarm',
  'threshold',
  'comparisonOperator',
  'treatMissingData',
  'evaluateLowSampleCountPercentile',
  ...ACTION_KEYS,
] as const;

/** The keys of a composite alarm definition. */
export const COMPOSITE_ALARM_KEYS = ['name', 'description', 'alarmRule', ...ACTION_KEYS] as const;

function readMetric(r: Reader): AlarmMetric | undefined {
  const raw = r.raw['metric'];
  const what = 'a mapping with namespace, metricName and optional dimensions';
  if (!isMapping(raw)) return r.fail('ALARM_TYPE', 'metric', 'metric must be a mapping', what);
  const m = new Reader(raw, r.at('metric'));
  m.keys(['namespace', 'metricName', 'dimensions']);
  let namespace: string | undefined;
  if (m.required('namespace', 'a metric namespace such as Local/VPC')) {
    namespace = m.string('namespace', 'letters, digits and . - _ / # : (1 to 255)', {
      max: 255,
      ascii: true,
    });
    if (namespace !== undefined && (!NAMESPACE.test(namespace) || namespace.trim() === '')) {
      namespace = m.fail(
        'ALARM_BAD_CHARACTER',
        'namespace',
        `namespace "${namespace}" may only contain letters, digits and . - _ / # : and must not be blank`,
        'letters, digits and . - _ / # :',
      );
    }
  }
  const metricName = m.required('metricName', 'a metric name')
    ? m.string('metricName', 'a metric name (1 to 255 characters)', { max: 255 })
    : undefined;
  const dimensions: Record<string, string> = {};
  let dimsOk = true;
  if (m.has('dimensions')) {
    const d = raw['dimensions'];
    if (!isMapping(d)) {
      dimsOk = false;
      m.fail(
        'ALARM_TYPE',
        'dimensions',
        'dimensions must be a mapping of name: value',
        'a mapping of name: value',
      );
    } else {
      const entries = Object.entries(d);
      if (entries.length > MAX_ALARM_DIMENSIONS) {
        dimsOk = false;
        m.fail(
          'ALARM_TOO_MANY_DIMENSIONS',
          'dimensions',
          `a metric has at most ${MAX_ALARM_DIMENSIONS} dimensions; found ${entries.length}`,
          `at most ${MAX_ALARM_DIMENSIONS} dimensions`,
        );
      }
      // YAML reads `Port: 22` as a number; a dimension value is text.
      const text = Object.fromEntries(
        entries.map(([k, v]) => [k, typeof v === 'number' || typeof v === 'boolean' ? String(v) : v]),
      );
      const dr = new Reader(text, m.at('dimensions'));
      for (const [k] of entries) {
        if (k.length === 0 || k.length > 255 || NON_ASCII_OR_CONTROL.test(k) || k.startsWith(':')) {
          dimsOk = false;
          dr.fail(
            'ALARM_BAD_DIMENSION',
            k,
            `dimension name "${k}" is not valid`,
            'a name of 1 to 255 ASCII characters, not starting with :',
          );
          continue;
        }
        const value = dr.string(k, 'a value of 1 to 1024 ASCII characters', { max: 1024, ascii: true });
        if (value === undefined) dimsOk = false;
        else dimensions[k] = value;
      }
      m.errors.push(...dr.errors);
    }
  }
  r.errors.push(...m.errors);
  if (namespace === undefined || metricName === undefined || !dimsOk) return undefined;
  return { namespace, metricName, dimensions };
}

/**
 * Validates an untyped metric alarm definition (as read from YAML/JSON) as PutMetricAlarm would, collecting
 * every error. `path` is where the definition sits in the configuration; each error's path extends it.
 *
 * @example checkAlarm({ name: 'a', period: 45 }, ['alarms', 0]).errors.map(e => [e.code, e.key])
 * // [['ALARM_MISSING_KEY', 'alarms[0]'], ..., ['ALARM_BAD_PERIOD', 'alarms[0].period']]
 */
export function checkAlarm(raw: unknown, path: ConfigPath = []): CheckResult<MetricAlarm> {
  if (!isMapping(raw)) {
    const e = new AlarmConfigError(
      'ALARM_TYPE',
      path,
      'an alarm must be a mapping',
      'a mapping with name, metric, statistic, period, evaluationPeriods, threshold, comparisonOperator',
    );
    return { value: undefined, errors: [e] };
  }
  const r = new Reader(raw, path);
  r.keys(METRIC_ALARM_KEYS);
  const name = r.required('name', 'an alarm name')
    ? r.string('name', 'an alarm name of 1 to 255 characters without control characters', { max: 255 })
    : undefined;
  const description = r.has('description')
    ? r.string('description', 'at most 1024 characters', { min: 0, max: 1024 })
    : undefined;
  const metric = r.required('metric', 'the metric: namespace, metricName, dimensions')
    ? readMetric(r)
    : undefined;

  let statistic: AlarmStatistic | undefined;
  let extendedStatistic: string | undefined;
  let percentile: number | undefined;
  if (r.has('statistic') && r.has('extendedStatistic')) {
    r.fail(
      'ALARM_STATISTIC_CONFLICT',
      'extendedStatistic',
      'give statistic or extendedStatistic, not both',
      'exactly one of statistic and extendedStatistic',
    );
  } else if (r.has('statistic')) {
    statistic = r.oneOf('statistic', ALARM_STATISTICS);
    if (
      statistic === undefined &&
      typeof raw['statistic'] === 'string' &&
      percentileOf(raw['statistic']) !== undefined
    ) {
      r.errors[r.errors.length - 1] = new AlarmConfigError(
        'ALARM_BAD_VALUE',
        r.at('statistic'),
        `statistic "${raw['statistic']}" is a percentile`,
        `one of ${ALARM_STATISTICS.join(', ')}`,
        `write extendedStatistic: ${raw['statistic']}`,
      );
    }
  } else if (r.has('extendedStatistic')) {
    const v = raw['extendedStatistic'];
    if (typeof v !== 'string') {
      r.fail(
        'ALARM_TYPE',
        'extendedStatistic',
        'extendedStatistic must be a string',
        'a percentile such as p99',
      );
    } else {
      percentile = percentileOf(v);
      if (percentile !== undefined) {
        extendedStatistic = v;
      } else if (/^(tm|wm|tc|ts)\d|^(TM|WM|TC|TS|PR)\(|^IQM$/.test(v)) {
        r.fail(
          'ALARM_UNSUPPORTED_STATISTIC',
          'extendedStatistic',
          `extendedStatistic "${v}" (a trimmed, winsorized or rank statistic) is not supported`,
          'a percentile from p0 to p100, such as p99 or p95.5',
        );
      } else {
        r.fail(
          'ALARM_BAD_VALUE',
          'extendedStatistic',
          `extendedStatistic "${v}" is not a percentile`,
          'a percentile from p0 to p100, such as p99 or p95.5',
        );
      }
    }
  } else {
    r.fail(
      'ALARM_MISSING_KEY',
      path,
      '"statistic" is missing',
      `statistic (${ALARM_STATISTICS.join(', ')}) or extendedStatistic (a percentile such as p99)`,
    );
  }

  const periodWhat = '10, 20, 30 or a multiple of 60 (seconds)';
  let period = r.required('period', periodWhat) ? r.integer('period', periodWhat, 1) : undefined;
  if (period !== undefined && !(period === 10 || period === 20 || period === 30 || period % 60 === 0)) {
    period = r.fail(
      'ALARM_BAD_PERIOD',
      'period',
      `period must be 10, 20, 30 or a multiple of 60; found ${period}`,
      periodWhat,
    );
  }
  const n = r.required('evaluationPeriods', 'a whole number of at least 1')
    ? r.integer('evaluationPeriods', 'a whole number of at least 1', 1)
    : undefined;
  let m: number | undefined;
  if (r.has('datapointsToAlarm')) {
    m = r.integer('datapointsToAlarm', 'a whole number from 1 to evaluationPeriods', 1);
    if (m !== undefined && n !== undefined && m > n) {
      m = r.fail(
        'ALARM_DATAPOINTS_EXCEED_PERIODS',
        'datapointsToAlarm',
        `datapointsToAlarm (${m}) must not exceed evaluationPeriods (${n})`,
        `a whole number from 1 to ${n}`,
      );
    }
  }
  if (period !== undefined && n !== undefined) {
    const limit = period < 3600 ? 86_400 : 604_800;
    if (period * n > limit) {
      r.fail(
        'ALARM_WINDOW_TOO_LONG',
        'evaluationPeriods',
        `period × evaluationPeriods is ${period * n} s; the limit is ${limit} s ${period < 3600 ? '(one day) for periods under an hour' : '(seven days)'}`,
        `at most ${Math.floor(limit / period)} periods of ${period} s`,
      );
    }
  }
  let threshold: number | undefined;
  if (r.required('threshold', 'a number')) {
    const v = raw['threshold'];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      r.fail('ALARM_TYPE', 'threshold', `threshold must be a finite number; found ${show(v)}`, 'a number');
    } else {
      threshold = v;
    }
  }
  let comparisonOperator: ComparisonOperator | undefined;
  if (r.required('comparisonOperator', `one of ${COMPARISON_OPERATORS.join(', ')}`)) {
    const v = raw['comparisonOperator'];
    if (typeof v === 'string' && (ANOMALY_OPERATORS as readonly string[]).includes(v)) {
      r.fail(
        'ALARM_ANOMALY_UNSUPPORTED',
        'comparisonOperator',
        `${v} compares against an anomaly detection band, which flowwatch does not compute`,
        `one of ${COMPARISON_OPERATORS.join(', ')}`,
        'use a static threshold',
      );
    } else {
      comparisonOperator = r.oneOf('comparisonOperator', COMPARISON_OPERATORS);
    }
  }
  const treatMissingData = r.has('treatMissingData')
    ? r.oneOf('treatMissingData', TREAT_MISSING_DATA)
    : undefined;
  let lowSample: LowSampleCountOption | undefined;
  if (r.has('evaluateLowSampleCountPercentile')) {
    lowSample = r.oneOf('evaluateLowSampleCountPercentile', LOW_SAMPLE_COUNT_OPTIONS);
    if (lowSample !== undefined && r.has('statistic')) {
      lowSample = r.fail(
        'ALARM_LOW_SAMPLE_NOT_PERCENTILE',
        'evaluateLowSampleCountPercentile',
        'evaluateLowSampleCountPercentile applies to percentile alarms only',
        'an extendedStatistic such as p99, or no evaluateLowSampleCountPercentile',
      );
    }
  }
  const actions = r.actionFields();
  if (r.errors.length > 0) return { value: undefined, errors: r.errors };
  const alarm: MetricAlarm = {
    name: name!,
    ...(description !== undefined ? { description } : {}),
    metric: metric!,
    ...(statistic !== undefined ? { statistic } : { extendedStatistic: extendedStatistic! }),
    period: period!,
    evaluationPeriods: n!,
    ...(m !== undefined ? { datapointsToAlarm: m } : {}),
    threshold: threshold!,
    comparisonOperator: comparisonOperator!,
    ...(treatMissingData !== undefined ? { treatMissingData } : {}),
    ...(lowSample !== undefined ? { evaluateLowSampleCountPercentile: lowSample } : {}),
    ...actions,
  };
  return { value: alarm, errors: [] };
}

/**
 * Validates an untyped composite alarm definition, including the syntax of its rule (errors on `alarmRule` carry
 * `start`/`end` inside the rule text). Whether the named children exist is checked by {@link checkAlarmSet}.
 *
 * @example checkCompositeAlarm({ name: 'c', alarmRule: 'ALARM(a' }).errors[0]?.code // 'RULE_EXPECTED_RPAREN'
 */
export function checkCompositeAlarm(raw: unknown, path: ConfigPath = []): CheckResult<CompositeAlarm> {
  if (!isMapping(raw)) {
    const e = new AlarmConfigError(
      'ALARM_TYPE',
      path,
      'a composite alarm must be a mapping',
      'a mapping with name and alarmRule',
    );
    return { value: undefined, errors: [e] };
  }
  const r = new Reader(raw, path);
  r.keys(COMPOSITE_ALARM_KEYS);
  const name = r.required('name', 'an alarm name')
    ? r.string('name', 'an alarm name of 1 to 255 characters without control characters', { max: 255 })
    : undefined;
  const description = r.has('description')
    ? r.string('description', 'at most 1024 characters', { min: 0, max: 1024 })
    : undefined;
  let alarmRule: string | undefined;
  if (r.required('alarmRule', 'a rule such as ALARM("a") OR ALARM("b")')) {
    const v = raw['alarmRule'];
    if (typeof v !== 'string') {
      r.fail(
        'ALARM_TYPE',
        'alarmRule',
        'alarmRule must be a string',
        'a rule such as ALARM("a") OR ALARM("b")',
      );
    } else {
      try {
        parseAlarmRule(v);
        alarmRule = v;
      } catch (err) {
        if (!(err instanceof AlarmRuleError)) throw err;
        r.errors.push(
          new AlarmConfigError(err.code, r.at('alarmRule'), err.message, 'a valid alarm rule', err.hint, err),
        );
      }
    }
  }
  const actions = r.actionFields();
  if (r.errors.length > 0) return { value: undefined, errors: r.errors };
  return {
    value: {
      name: name!,
      ...(description !== undefined ? { description } : {}),
      alarmRule: alarmRule!,
      ...actions,
    },
    errors: [],
  };
}

/** Where each alarm of a set sits in the configuration, by position in the lists given to {@link checkAlarmSet}. */
export interface AlarmSetPaths {
  readonly metric?: readonly ConfigPath[] | undefined;
  readonly composite?: readonly ConfigPath[] | undefined;
}

/**
 * Checks a whole set of alarms together: names are unique across metric and composite alarms, every alarm a
 * composite rule names exists (with a did-you-mean hint), and no composite alarm names itself. `paths` gives each
 * alarm's configuration path (parallel to the lists) so that errors point at the right `name` or `alarmRule`.
 *
 * @example checkAlarmSet([a], [{ name: 'c', alarmRule: 'ALARM(vpc-rejects-hgh)' }])[0]?.code // 'RULE_UNKNOWN_ALARM'
 */
export function checkAlarmSet(
  metricAlarms: readonly MetricAlarm[],
  compositeAlarms: readonly CompositeAlarm[],
  paths: AlarmSetPaths = {},
): AlarmConfigError[] {
  const errors: AlarmConfigError[] = [];
  const known = new Set<string>();
  const all = [
    ...metricAlarms.map((a, i) => ({ alarm: a, path: paths.metric?.[i] ?? [] })),
    ...compositeAlarms.map((a, i) => ({ alarm: a, path: paths.composite?.[i] ?? [] })),
  ];
  for (const { alarm, path } of all) {
    if (known.has(alarm.name)) {
      errors.push(
        new AlarmConfigError(
          'ALARM_DUPLICATE_NAME',
          [...path, 'name'],
          `an alarm named "${alarm.name}" is already defined`,
          'a name not used by another alarm',
        ),
      );
    }
    known.add(alarm.name);
  }
  compositeAlarms.forEach((c, i) => {
    const at = [...(paths.composite?.[i] ?? []), 'alarmRule'];
    let rule: ReturnType<typeof parseAlarmRule>;
    try {
      rule = parseAlarmRule(c.alarmRule);
    } catch (err) {
      if (!(err instanceof AlarmRuleError)) throw err;
      errors.push(new AlarmConfigError(err.code, at, err.message, 'a valid alarm rule', err.hint, err));
      return;
    }
    for (const e of checkRuleReferences(rule, known, c.name)) {
      errors.push(new AlarmConfigError(e.code, at, e.message, 'the name of a defined alarm', e.hint, e));
    }
  });
  return errors;
}

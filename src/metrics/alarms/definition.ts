// Metric and composite alarm definitions (PutMetricAlarm / PutCompositeAlarm, spec §2 and §4) and their validation
// from untyped configuration, with errors that carry a code, the offending key path and what was expected.

import { UserError } from '../../core/errors.js';
import { type AnomalyDetectorConfig, MAX_EXCLUDED_RANGES, timezoneProblem } from './anomaly-band.js';
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

/** Anomaly-band operators: valid only with an ANOMALY_DETECTION_BAND named by thresholdMetricId. */
export const ANOMALY_OPERATORS = [
  'LessThanLowerOrGreaterThanUpperThreshold',
  'LessThanLowerThreshold',
  'GreaterThanUpperThreshold',
] as const;
export type AnomalyOperator = (typeof ANOMALY_OPERATORS)[number];

/**
 * Whether an operator compares against an anomaly band.
 *
 * @example isAnomalyOperator('GreaterThanUpperThreshold') // true
 */
export function isAnomalyOperator(op: string): op is AnomalyOperator {
  return (ANOMALY_OPERATORS as readonly string[]).includes(op);
}

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
  /** Static-threshold alarms only; absent for an anomaly-band alarm. */
  readonly threshold?: number | undefined;
  /** A static operator, or an anomaly operator when `anomalyBand` is set. */
  readonly comparisonOperator: ComparisonOperator | AnomalyOperator;
  /** PutMetricAlarm's Metrics as given (anomaly-band alarms): the metric entry and the band expression. */
  readonly metrics?: readonly AlarmMetricQuery[] | undefined;
  /** The Id of the ANOMALY_DETECTION_BAND entry of `metrics`. */
  readonly thresholdMetricId?: string | undefined;
  /** Set for an anomaly-band alarm: the band's k and its detector's configuration. */
  readonly anomalyBand?: AnomalyBandSpec | undefined;
  /** Default `missing`. */
  readonly treatMissingData?: TreatMissingData | undefined;
  /** Percentile alarms only; default `evaluate`. */
  readonly evaluateLowSampleCountPercentile?: LowSampleCountOption | undefined;
}

/** One entry of an alarm's `metrics` (PutMetricAlarm's MetricDataQuery): a metric with its statistic, or an expression. */
export interface AlarmMetricQuery {
  readonly id: string;
  readonly metric?: AlarmMetric | undefined;
  readonly statistic?: AlarmStatistic | undefined;
  readonly extendedStatistic?: string | undefined;
  readonly period?: number | undefined;
  readonly expression?: string | undefined;
  readonly label?: string | undefined;
  readonly returnData?: boolean | undefined;
}

/** The band of an anomaly alarm: ANOMALY_DETECTION_BAND(m1, k) and its detector (PutAnomalyDetector's Configuration). */
export interface AnomalyBandSpec {
  /** Standard deviations either side of the expected value; default 2, need not be whole. */
  readonly k: number;
  readonly detector?: AnomalyDetectorConfig | undefined;
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
  'metrics',
  'thresholdMetricId',
  'anomalyDetector',
  ...ACTION_KEYS,
] as const;

/** The keys of a composite alarm definition. */
export const COMPOSITE_ALARM_KEYS = ['name', 'description', 'alarmRule', ...ACTION_KEYS] as const;

/** statistic or extendedStatistic of an alarm or of a metrics entry. */
function readStatistic(
  r: Reader,
  path: ConfigPath,
): { statistic?: AlarmStatistic | undefined; extendedStatistic?: string | undefined } {
  let statistic: AlarmStatistic | undefined;
  let extendedStatistic: string | undefined;
  let percentile: number | undefined;
  const raw = r.raw;
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

  void percentile;
  return { statistic, extendedStatistic };
}

/** period of an alarm or of a metrics entry. */
function readPeriod(r: Reader): number | undefined {
  const periodWhat = '10, 20, 30 or a multiple of 60 (seconds)';
  let period: number | undefined = r.required('period', periodWhat)
    ? r.integer('period', periodWhat, 1)
    : undefined;
  if (period !== undefined && !(period === 10 || period === 20 || period === 30 || period % 60 === 0)) {
    period = r.fail(
      'ALARM_BAD_PERIOD',
      'period',
      `period must be 10, 20, 30 or a multiple of 60; found ${period}`,
      periodWhat,
    );
  }
  return period;
}

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

const QUERY_ID = /^[a-z][A-Za-z0-9_]*$/;
const BAND_EXPRESSION =
  /^\s*ANOMALY_DETECTION_BAND\s*\(\s*([A-Za-z][A-Za-z0-9_]*)\s*(?:,\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*)?\)\s*$/;

/**
 * Reads `ANOMALY_DETECTION_BAND(m1)` or `ANOMALY_DETECTION_BAND(m1, k)`: the metric id and k (default 2); an error
 * text when the expression is something else.
 *
 * @example parseBandExpression('ANOMALY_DETECTION_BAND(m1, 2.5)') // { metricId: 'm1', k: 2.5 }
 */
export function parseBandExpression(expression: string): { metricId: string; k: number } | { error: string } {
  const m = BAND_EXPRESSION.exec(expression);
  if (m === null) {
    return /^\s*ANOMALY_DETECTION_BAND\b/i.test(expression)
      ? { error: `"${expression}" is not ANOMALY_DETECTION_BAND(<metric id>[, <k>])` }
      : {
          error: `"${expression}" is metric math other than ANOMALY_DETECTION_BAND, which flowwatch does not evaluate`,
        };
  }
  const k = m[2] === undefined ? 2 : Number(m[2]);
  if (!(k > 0) || !Number.isFinite(k))
    return { error: `the band's k must be a number above 0; found ${m[2]}` };
  return { metricId: m[1]!, k };
}

interface BandMetrics {
  readonly metrics: readonly AlarmMetricQuery[];
  readonly metric: AlarmMetric;
  readonly statistic?: AlarmStatistic | undefined;
  readonly extendedStatistic?: string | undefined;
  readonly period: number;
  readonly k: number;
  readonly bandId: string;
}

/** The `metrics` list of an anomaly-band alarm: one metric entry and one ANOMALY_DETECTION_BAND over it. */
function readBandMetrics(r: Reader): BandMetrics | undefined {
  const list = r.raw['metrics'];
  const what =
    'a list of a metric entry (id, metric, statistic, period) and an entry with expression ANOMALY_DETECTION_BAND(<id>, k)';
  if (!Array.isArray(list)) return r.fail('ALARM_TYPE', 'metrics', 'metrics must be a list', what);
  if (list.length < 2 || list.length > 10) {
    return r.fail(
      'ALARM_BAD_METRICS',
      'metrics',
      `metrics must have 2 to 10 entries; it has ${list.length}`,
      what,
    );
  }
  const before = r.errors.length;
  const queries: AlarmMetricQuery[] = [];
  const ids = new Set<string>();
  list.forEach((item, i) => {
    const at = [...r.at('metrics'), i];
    if (!isMapping(item)) {
      r.fail(
        'ALARM_TYPE',
        at,
        `metrics[${i}] must be a mapping`,
        'a mapping with id and metric or expression',
      );
      return;
    }
    const q = new Reader(item, at);
    q.keys(['id', 'metric', 'statistic', 'extendedStatistic', 'period', 'expression', 'label', 'returnData']);
    const id = q.required('id', 'an id starting with a lower-case letter')
      ? q.string('id', 'letters, digits and _', { max: 255 })
      : undefined;
    if (id !== undefined && !QUERY_ID.test(id)) {
      q.fail(
        'ALARM_BAD_VALUE',
        'id',
        `id "${id}" must start with a lower-case letter and hold only letters, digits and _`,
        'an id such as m1',
      );
    } else if (id !== undefined && ids.has(id)) {
      q.fail('ALARM_DUPLICATE_ID', 'id', `id "${id}" is used by another metrics entry`, 'a unique id');
    }
    if (id !== undefined) ids.add(id);
    const label = q.has('label') ? q.string('label', 'a label', { min: 0, max: 1024 }) : undefined;
    const returnData = q.has('returnData') ? q.boolean('returnData') : undefined;
    const common = {
      id: id ?? '',
      ...(label !== undefined ? { label } : {}),
      ...(returnData !== undefined ? { returnData } : {}),
    };
    if (q.has('expression') && q.has('metric')) {
      q.fail(
        'ALARM_METRICS_CONFLICT',
        'expression',
        'a metrics entry has a metric or an expression, not both',
        'metric or expression',
      );
    } else if (q.has('expression')) {
      for (const k of ['statistic', 'extendedStatistic', 'period'] as const) {
        if (q.has(k))
          q.fail(
            'ALARM_METRICS_CONFLICT',
            k,
            `${k} belongs to the metric entry, not to an expression`,
            `no ${k} here`,
          );
      }
      const expression = q.string('expression', 'ANOMALY_DETECTION_BAND(m1, 2)', { max: 2048 });
      if (expression !== undefined) {
        const parsed = parseBandExpression(expression);
        if ('error' in parsed) {
          q.fail(
            'ALARM_METRIC_MATH_UNSUPPORTED',
            'expression',
            parsed.error,
            'ANOMALY_DETECTION_BAND(<metric id>, <k>), e.g. ANOMALY_DETECTION_BAND(m1, 2)',
          );
        }
        queries.push({ ...common, expression });
      }
    } else if (q.required('metric', 'metric (namespace, metricName, dimensions) or expression')) {
      const metric = readMetric(q);
      const st = readStatistic(q, at);
      const period = readPeriod(q);
      if (
        metric !== undefined &&
        period !== undefined &&
        (st.statistic ?? st.extendedStatistic) !== undefined
      ) {
        queries.push({ ...common, metric, ...st, period });
      }
    }
    r.errors.push(...q.errors);
  });
  const bandIdRaw = r.raw['thresholdMetricId'];
  if (bandIdRaw === undefined || bandIdRaw === null) {
    r.fail(
      'ALARM_MISSING_KEY',
      r.path,
      '"thresholdMetricId" is missing',
      'the id of the ANOMALY_DETECTION_BAND entry of metrics',
    );
  }
  if (r.errors.length > before) return undefined;
  const bands = queries.filter((q) => q.expression !== undefined);
  const metricQueries = queries.filter((q) => q.metric !== undefined);
  const bandAt = list.findIndex((x) => isMapping(x) && x['expression'] !== undefined);
  if (bands.length !== 1 || metricQueries.length !== 1) {
    return r.fail(
      'ALARM_BAD_METRICS',
      'metrics',
      `an anomaly-band alarm has one metric entry and one ANOMALY_DETECTION_BAND entry; found ${metricQueries.length} and ${bands.length}`,
      what,
    );
  }
  const band = bands[0]!;
  const metricQuery = metricQueries[0]!;
  const parsed = parseBandExpression(band.expression!) as { metricId: string; k: number };
  if (parsed.metricId !== metricQuery.id) {
    return r.fail(
      'ALARM_BAND_UNKNOWN_METRIC',
      [...r.at('metrics'), bandAt, 'expression'],
      `ANOMALY_DETECTION_BAND(${parsed.metricId}, …) names no metric entry`,
      `ANOMALY_DETECTION_BAND(${metricQuery.id}, ${parsed.k})`,
      `did you mean "${metricQuery.id}"?`,
    );
  }
  if (bandIdRaw !== band.id) {
    return r.fail(
      'ALARM_BAD_THRESHOLD_METRIC_ID',
      'thresholdMetricId',
      `thresholdMetricId ${show(bandIdRaw)} is not the id of the ANOMALY_DETECTION_BAND entry`,
      `"${band.id}"`,
      `write thresholdMetricId: ${band.id}`,
    );
  }
  return {
    metrics: queries,
    metric: metricQuery.metric!,
    statistic: metricQuery.statistic,
    extendedStatistic: metricQuery.extendedStatistic,
    period: metricQuery.period!,
    k: parsed.k,
    bandId: band.id,
  };
}

/** A time as ISO 8601 text, a Date or epoch seconds; undefined when it is none of them. */
function timeValue(v: unknown): number | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : Math.floor(v.getTime() / 1000);
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\d{4}-\d\d-\d\d/.test(v)) {
    const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(v) || v.length === 10 ? v : `${v}Z`);
    return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
  }
  return undefined;
}

/** anomalyDetector: PutAnomalyDetector's Configuration (excludedTimeRanges, metricTimezone). */
function readDetector(r: Reader): AnomalyDetectorConfig | undefined {
  const raw = r.raw['anomalyDetector'];
  if (!isMapping(raw)) {
    return r.fail(
      'ALARM_TYPE',
      'anomalyDetector',
      'anomalyDetector must be a mapping',
      'a mapping with excludedTimeRanges and metricTimezone',
    );
  }
  const d = new Reader(raw, r.at('anomalyDetector'));
  d.keys(['excludedTimeRanges', 'metricTimezone']);
  let metricTimezone: string | undefined;
  if (d.has('metricTimezone')) {
    metricTimezone = d.string('metricTimezone', 'a tz-database name such as Europe/Paris', { max: 50 });
    const problem = metricTimezone === undefined ? undefined : timezoneProblem(metricTimezone);
    if (problem !== undefined)
      metricTimezone = d.fail(
        'ALARM_BAD_VALUE',
        'metricTimezone',
        problem,
        'a tz-database name such as Europe/Paris or UTC',
      );
  }
  const ranges: { start: number; end: number }[] = [];
  if (d.has('excludedTimeRanges')) {
    const list = raw['excludedTimeRanges'];
    const what = `a list of at most ${MAX_EXCLUDED_RANGES} ranges {start, end} (ISO 8601 times)`;
    if (!Array.isArray(list))
      d.fail('ALARM_TYPE', 'excludedTimeRanges', 'excludedTimeRanges must be a list', what);
    else if (list.length > MAX_EXCLUDED_RANGES) {
      d.fail(
        'ALARM_TOO_MANY_RANGES',
        'excludedTimeRanges',
        `excludedTimeRanges has ${list.length} ranges; at most ${MAX_EXCLUDED_RANGES}`,
        what,
      );
    } else {
      list.forEach((item, i) => {
        const at = [...d.at('excludedTimeRanges'), i];
        if (!isMapping(item)) {
          d.fail('ALARM_TYPE', at, `excludedTimeRanges[${i}] must be a mapping with start and end`, what);
          return;
        }
        const x = new Reader(item, at);
        x.keys(['start', 'end']);
        const t = (k: 'start' | 'end') => {
          if (!x.required(k, 'an ISO 8601 time such as 2026-12-24T00:00:00Z')) return undefined;
          const v = timeValue(item[k]);
          return (
            v ??
            x.fail(
              'ALARM_BAD_TIME',
              k,
              `${k} ${show(item[k])} is not a time`,
              'an ISO 8601 time such as 2026-12-24T00:00:00Z',
            )
          );
        };
        const start = t('start');
        const end = t('end');
        if (start !== undefined && end !== undefined && end <= start) {
          x.fail('ALARM_BAD_TIME', 'end', 'end must be after start', 'a time after start');
        } else if (start !== undefined && end !== undefined) {
          ranges.push({ start, end });
        }
        d.errors.push(...x.errors);
      });
    }
  }
  r.errors.push(...d.errors);
  if (d.errors.length > 0) return undefined;
  return {
    ...(ranges.length > 0 ? { excludedTimeRanges: ranges } : {}),
    ...(metricTimezone !== undefined ? { metricTimezone } : {}),
  };
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
  const band = r.has('metrics') ? readBandMetrics(r) : undefined;
  const usesMetrics = r.has('metrics');
  let metric: AlarmMetric | undefined;
  let statistic: AlarmStatistic | undefined;
  let extendedStatistic: string | undefined;
  let period: number | undefined;
  if (usesMetrics) {
    for (const key of ['metric', 'statistic', 'extendedStatistic', 'period'] as const) {
      if (r.has(key)) {
        r.fail(
          'ALARM_METRICS_CONFLICT',
          key,
          `${key} goes inside the metrics list when the alarm has metrics`,
          `no ${key} beside metrics (give it in the metrics entry with the metric)`,
        );
      }
    }
    metric = band?.metric;
    statistic = band?.statistic;
    extendedStatistic = band?.extendedStatistic;
    period = band?.period;
  } else {
    metric = r.required('metric', 'the metric: namespace, metricName, dimensions')
      ? readMetric(r)
      : undefined;
    ({ statistic, extendedStatistic } = readStatistic(r, path));
    period = readPeriod(r);
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
  if (band !== undefined || usesMetrics) {
    if (r.has('threshold')) {
      r.fail(
        'ALARM_BAND_THRESHOLD_CONFLICT',
        'threshold',
        'an anomaly-band alarm compares against its band, not a threshold',
        'no threshold (the band in metrics, named by thresholdMetricId, is the threshold)',
        'remove threshold, or remove metrics and thresholdMetricId for a static threshold',
      );
    }
  } else if (r.required('threshold', 'a number')) {
    const v = raw['threshold'];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      r.fail('ALARM_TYPE', 'threshold', `threshold must be a finite number; found ${show(v)}`, 'a number');
    } else {
      threshold = v;
    }
  }
  if (!usesMetrics && r.has('thresholdMetricId')) {
    r.fail(
      'ALARM_BAND_MISSING',
      'thresholdMetricId',
      'thresholdMetricId names an ANOMALY_DETECTION_BAND expression, but the alarm has no metrics list',
      'a metrics list with the metric (id m1) and an expression ANOMALY_DETECTION_BAND(m1, 2)',
    );
  }
  if (!usesMetrics && r.has('anomalyDetector')) {
    r.fail(
      'ALARM_BAND_MISSING',
      'anomalyDetector',
      'anomalyDetector configures an anomaly band, but the alarm has no metrics list with ANOMALY_DETECTION_BAND',
      'a metrics list with the metric (id m1) and an expression ANOMALY_DETECTION_BAND(m1, 2)',
    );
  }
  const detector = usesMetrics && r.has('anomalyDetector') ? readDetector(r) : undefined;
  let comparisonOperator: ComparisonOperator | AnomalyOperator | undefined;
  const allOperators = [...COMPARISON_OPERATORS, ...ANOMALY_OPERATORS];
  if (r.required('comparisonOperator', `one of ${allOperators.join(', ')}`)) {
    const v = raw['comparisonOperator'];
    const anomalyOp = typeof v === 'string' && (ANOMALY_OPERATORS as readonly string[]).includes(v);
    if (anomalyOp && !usesMetrics) {
      r.fail(
        'ALARM_OPERATOR_NEEDS_BAND',
        'comparisonOperator',
        `${v} compares against an anomaly detection band, and the alarm has none`,
        `one of ${COMPARISON_OPERATORS.join(', ')}, or a metrics list with ANOMALY_DETECTION_BAND(m1, 2) and thresholdMetricId`,
        'see "Anomaly-band alarms" in the README',
      );
    } else if (
      usesMetrics &&
      typeof v === 'string' &&
      (COMPARISON_OPERATORS as readonly string[]).includes(v)
    ) {
      r.fail(
        'ALARM_BAND_NEEDS_BAND_OPERATOR',
        'comparisonOperator',
        `${v} compares against a static threshold; an anomaly-band alarm needs one of ${ANOMALY_OPERATORS.join(', ')}`,
        `one of ${ANOMALY_OPERATORS.join(', ')}`,
      );
    } else {
      comparisonOperator = r.oneOf('comparisonOperator', usesMetrics ? ANOMALY_OPERATORS : allOperators);
    }
  }
  const treatMissingData = r.has('treatMissingData')
    ? r.oneOf('treatMissingData', TREAT_MISSING_DATA)
    : undefined;
  let lowSample: LowSampleCountOption | undefined;
  if (r.has('evaluateLowSampleCountPercentile')) {
    lowSample = r.oneOf('evaluateLowSampleCountPercentile', LOW_SAMPLE_COUNT_OPTIONS);
    if (lowSample !== undefined && statistic !== undefined) {
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
    ...(threshold !== undefined ? { threshold } : {}),
    comparisonOperator: comparisonOperator!,
    ...(band !== undefined
      ? {
          metrics: band.metrics,
          thresholdMetricId: band.bandId,
          anomalyBand: { k: band.k, ...(detector !== undefined ? { detector } : {}) },
        }
      : {}),
    ...(treatMissingData !== undefined ? { treatMissingData } : {}),
    ...(lowSample !== undefined ? { evaluateLowSampleCountPercentile: lowSample } : {}),
    ...actions,
  };
  return { value: alarm, errors: [] };
}

/**
 * A typed metric alarm back in the input form {@link checkAlarm} reads (an anomaly-band alarm's metric, statistic
 * and period live in its `metrics`; its detector is `anomalyDetector`), so typed alarms can be re-validated.
 *
 * @example checkAlarm(metricAlarmInput(alarm)).value // alarm
 */
export function metricAlarmInput(alarm: MetricAlarm): Record<string, unknown> {
  if (alarm.metrics === undefined) return { ...alarm };
  const { metric, statistic, extendedStatistic, period, anomalyBand, ...rest } = alarm;
  void metric;
  void statistic;
  void extendedStatistic;
  void period;
  return {
    ...rest,
    ...(anomalyBand?.detector !== undefined ? { anomalyDetector: anomalyBand.detector } : {}),
  };
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

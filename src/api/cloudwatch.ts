// CloudWatch (alarms and metrics) for both protocols its clients send: AWS Query (the AWS CLI 2.9: form requests,
// XML answers) and AWS JSON 1.0 with the query-compatible error header (the JS SDK v3). One set of operations on
// a JSON-shaped input; the query form is unflattened into that shape first. Alarms are flowwatch.yaml's (the same
// validation as the file and `flowwatch alarms put`), their states the monitor's; metrics are the metric filters'.

import type { Config } from '../config/config.js';
import { ConfigError } from '../config/config.js';
import { UserError } from '../core/errors.js';
import {
  ALARM_STATES,
  ALARM_STATISTICS,
  type AlarmMetricQuery,
  type AlarmState,
  alarmLookback,
  anomalyBandSource,
  type CompositeAlarm,
  checkAlarm,
  checkAlarmSet,
  checkCompositeAlarm,
  type MetricAlarm,
} from '../metrics/alarms/index.js';
import { combine, percentile } from '../metrics/alarms/statistics.js';
import { CUSTOM_PREFIX, type CustomDatum, customUnit, putCustomMetrics } from '../metrics/custom-metrics.js';
import { minuteSets } from '../metrics/datapoints.js';
import { UNITS } from '../metrics/metric-filter.js';
import type { AlarmsRunner } from '../monitor/alarms-runner.js';
import type { Store } from '../storage/store.js';
import { decodeToken, encodeToken } from './input.js';
import { AwsError, type FormParams, type XmlValue } from './protocol.js';
import type { JsonService, QueryService } from './server.js';

/** What the CloudWatch operations work on. */
export interface CloudWatchContext {
  readonly store: Store;
  readonly alarms: AlarmsRunner;
  readonly account: string;
  readonly region: string;
  /** The configuration as the file says now. */
  config(): Config;
  /**
   * Edits flowwatch.yaml: `edit` returns the new text (or undefined for no change); it is validated as the file is
   * (ConfigError on a problem), saved, and the running monitor reloads it before this resolves.
   */
  editConfig(edit: (config: Config) => string | undefined): Promise<void>;
  /** Unix ms. */
  nowMs(): number;
}

const invalid = (message: string) =>
  new AwsError('InvalidParameterValueException', message, 400, 'InvalidParameterValue');
const missing = (key: string) =>
  new AwsError(
    'MissingRequiredParameterException',
    `The parameter ${key} is required.`,
    400,
    'MissingParameter',
  );
const notFound = (message: string) => new AwsError('ResourceNotFound', message, 404, 'ResourceNotFound');
const badToken = () =>
  new AwsError('InvalidNextToken', 'The NextToken is not valid.', 400, 'InvalidNextToken');

type Obj = Record<string, unknown>;

/**
 * Unflattens AWS Query parameters into the JSON shape: `A.member.1.B=x` → `{A: [{B: 'x'}]}`,
 * `A.entry.1.key=k&A.entry.1.value=v` → `{A: {k: 'v'}}`. Scalars stay strings (the operations coerce them).
 *
 * @example fromQuery(parseForm('AlarmNames.member.1=a&AlarmNames.member.2=b')) // { AlarmNames: ['a', 'b'] }
 */
export function fromQuery(params: FormParams): Obj {
  const root: Obj = {};
  for (const [key, value] of params) {
    if (key === 'Action' || key === 'Version') continue;
    const parts = key.split('.');
    let node: Obj = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const p = parts[i]!;
      node[p] ??= {};
      node = node[p] as Obj;
    }
    node[parts[parts.length - 1]!] = value;
  }
  const shape = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    const o = v as Obj;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === 'member' && typeof o['member'] === 'object') {
      const m = o['member'] as Obj;
      return Object.keys(m)
        .sort((a, b) => Number(a) - Number(b))
        .map((k) => shape(m[k]));
    }
    if (keys.length === 1 && keys[0] === 'entry' && typeof o['entry'] === 'object') {
      const e = o['entry'] as Obj;
      const out: Obj = {};
      for (const k of Object.keys(e)) {
        const item = e[k] as Obj;
        out[String(item['key'] ?? item['Name'])] = shape(item['value'] ?? item['Value']);
      }
      return out;
    }
    return Object.fromEntries(keys.map((k) => [k, shape(o[k])]));
  };
  // An empty list is sent as `Name=`.
  return shape(root) as Obj;
}

/** Reads members of either protocol's input (numbers and booleans arrive as text over Query). */
class In {
  constructor(private readonly raw: Obj) {}
  str(key: string, required = false): string | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null || v === '') {
      if (required) throw missing(key);
      return undefined;
    }
    if (typeof v !== 'string') throw invalid(`${key}: expected a string`);
    return v;
  }
  num(key: string, required = false): number | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null || v === '') {
      if (required) throw missing(key);
      return undefined;
    }
    const n = typeof v === 'string' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n))
      throw invalid(`${key}: expected a number, got ${String(v)}`);
    return n;
  }
  bool(key: string): boolean | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null || v === '') return undefined;
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    throw invalid(`${key}: expected true or false`);
  }
  /** Epoch seconds from a JSON number or a Query ISO 8601 text. */
  time(key: string, required = false): number | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null || v === '') {
      if (required) throw missing(key);
      return undefined;
    }
    if (typeof v === 'number') return v;
    if (typeof v === 'string') {
      const t = /^\d+(\.\d+)?$/.test(v) ? Number(v) : Date.parse(v) / 1000;
      if (Number.isFinite(t)) return t;
    }
    throw invalid(`${key}: expected a time (ISO 8601 or epoch seconds), got ${String(v)}`);
  }
  list(key: string): unknown[] | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null || v === '') return undefined;
    if (!Array.isArray(v)) throw invalid(`${key}: expected a list`);
    return v;
  }
  strings(key: string): string[] | undefined {
    return this.list(key)?.map((x, i) => {
      if (typeof x !== 'string') throw invalid(`${key}.member.${i + 1}: expected a string`);
      return x;
    });
  }
  sub(key: string): In | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw invalid(`${key}: expected a structure`);
    return new In(v as Obj);
  }
}

function dimensionsOf(inp: In, key = 'Dimensions'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [i, d] of (inp.list(key) ?? []).entries()) {
    const x = new In((d ?? {}) as Obj);
    const name = x.str('Name');
    const value = x.str('Value');
    if (name === undefined || value === undefined)
      throw invalid(`${key}.member.${i + 1}: a dimension needs Name and Value`);
    out[name] = value;
  }
  return out;
}

const dimList = (d: Readonly<Record<string, string>>) =>
  Object.entries(d).map(([Name, Value]) => ({ Name, Value }));

/** One PutMetricAlarm Metrics member (MetricDataQuery) as an entry of an alarm's `metrics` in flowwatch.yaml. */
function metricQueryOf(q: unknown, i: number): Obj {
  const x = new In((q ?? {}) as Obj);
  const at = `Metrics.member.${i + 1}`;
  const id = x.str('Id');
  if (id === undefined) throw missing(`${at}.Id`);
  const out: Obj = { id };
  if (x.str('Label') !== undefined) out['label'] = x.str('Label');
  if (x.bool('ReturnData') !== undefined) out['returnData'] = x.bool('ReturnData');
  if (x.str('Expression') !== undefined) out['expression'] = x.str('Expression');
  const ms = x.sub('MetricStat');
  if (ms !== undefined) {
    const m = ms.sub('Metric');
    if (m === undefined) throw missing(`${at}.MetricStat.Metric`);
    out['metric'] = {
      namespace: m.str('Namespace', true),
      metricName: m.str('MetricName', true),
      ...(m.list('Dimensions') !== undefined ? { dimensions: dimensionsOf(m) } : {}),
    };
    const stat = ms.str('Stat', true)!;
    if ((ALARM_STATISTICS as readonly string[]).includes(stat)) out['statistic'] = stat;
    else out['extendedStatistic'] = stat;
    out['period'] = ms.num('Period', true);
  }
  return out;
}

/** An alarm's `metrics` entry as DescribeAlarms' Metrics member. */
function metricQueryOut(q: AlarmMetricQuery): Obj {
  return {
    Id: q.id,
    ...(q.metric !== undefined
      ? {
          MetricStat: {
            Metric: {
              Namespace: q.metric.namespace,
              MetricName: q.metric.metricName,
              Dimensions: dimList(q.metric.dimensions),
            },
            Period: q.period,
            Stat: q.statistic ?? q.extendedStatistic,
          },
        }
      : {}),
    ...(q.expression !== undefined ? { Expression: q.expression } : {}),
    ...(q.label !== undefined ? { Label: q.label } : {}),
    ReturnData: q.returnData ?? true,
  };
}

/** A detector's identity: a metric and a stat. */
interface DetectorKey {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Record<string, string>;
  readonly stat: string;
}

function keyOf(a: MetricAlarm): DetectorKey {
  return {
    namespace: a.metric.namespace,
    metricName: a.metric.metricName,
    dimensions: { ...a.metric.dimensions },
    stat: a.statistic ?? a.extendedStatistic ?? '',
  };
}

function detectorId(k: DetectorKey): string {
  const dims = Object.entries(k.dimensions)
    .sort()
    .map(([n, v]) => `${n}=${v}`)
    .join(',');
  return `${k.namespace}/${k.metricName}${dims ? `{${dims}}` : ''}/${k.stat}`;
}

/** The CloudWatch service (both protocols). */
export class CloudWatchService {
  constructor(private readonly ctx: CloudWatchContext) {}

  /** AWS JSON 1.0 (GraniteServiceVersion20100801): timestamps as epoch seconds. */
  readonly json: JsonService = {
    call: async (op, input) => toJson(await this.call(op, new In(input))),
  };

  /** AWS Query (Version 2010-08-01): XML with ISO 8601 timestamps. */
  readonly query: QueryService = {
    namespace: 'http://monitoring.amazonaws.com/doc/2010-08-01/',
    call: async (action, params) => {
      const out = await this.call(action, new In(fromQuery(params)));
      return out === undefined ? undefined : (out as { [k: string]: XmlValue });
    },
  };

  private arn(name: string): string {
    return `arn:aws:cloudwatch:${this.ctx.region}:${this.ctx.account}:alarm:${name}`;
  }

  private topicArn(action: string): string {
    return action.startsWith('arn:')
      ? action
      : `arn:aws:sns:${this.ctx.region}:${this.ctx.account}:${action}`;
  }

  async call(op: string, inp: In): Promise<Obj | undefined> {
    switch (op) {
      case 'PutMetricAlarm':
        await this.putMetricAlarm(inp);
        return undefined;
      case 'PutCompositeAlarm':
        await this.putCompositeAlarm(inp);
        return undefined;
      case 'DescribeAlarms':
        return this.describeAlarms(inp);
      case 'DescribeAlarmHistory':
        return this.describeAlarmHistory(inp);
      case 'SetAlarmState':
        await this.setAlarmState(inp);
        return undefined;
      case 'DeleteAlarms':
        await this.deleteAlarms(inp);
        return undefined;
      case 'GetMetricStatistics':
        return this.getMetricStatistics(inp);
      case 'GetMetricData':
        return this.getMetricData(inp);
      case 'ListMetrics':
        return this.listMetrics(inp);
      case 'PutMetricData':
        await this.putMetricData(inp);
        return undefined;
      case 'PutAnomalyDetector':
        return this.putAnomalyDetector(inp);
      case 'DescribeAnomalyDetectors':
        return this.describeAnomalyDetectors(inp);
      case 'DeleteAnomalyDetector':
        await this.deleteAnomalyDetector(inp);
        return {};
      default:
        throw new AwsError(
          'InvalidAction',
          `flowwatch does not implement the CloudWatch operation ${op} (see the README's CloudWatch API section for the list)`,
          400,
        );
    }
  }

  /** Saves an edit of flowwatch.yaml; the file's own validation errors become InvalidParameterValue. */
  private async edit(fn: (c: Config) => string | undefined): Promise<void> {
    try {
      await this.ctx.editConfig(fn);
    } catch (err) {
      if (err instanceof ConfigError) {
        // Drop the file position: the request, not the file, is at fault.
        throw invalid(err.message.replace(/^.*?:\d+:\d+: /s, '') + (err.hint ? ` (${err.hint})` : ''));
      }
      if (err instanceof UserError) throw invalid(err.message);
      throw err;
    }
  }

  private async putMetricAlarm(inp: In): Promise<void> {
    const name = inp.str('AlarmName', true)!;
    const metrics = inp.list('Metrics');
    if (metrics === undefined && inp.str('ThresholdMetricId') !== undefined)
      throw invalid(
        'ThresholdMetricId names an ANOMALY_DETECTION_BAND expression of Metrics; give Metrics with the metric and the band',
      );
    const single =
      metrics !== undefined
        ? {
            metrics: metrics.map((q, i) => metricQueryOf(q, i)),
            thresholdMetricId: inp.str('ThresholdMetricId'),
          }
        : {
            metric: {
              namespace: inp.str('Namespace', true),
              metricName: inp.str('MetricName', true),
              ...(inp.list('Dimensions') !== undefined ? { dimensions: dimensionsOf(inp) } : {}),
            },
            ...(inp.str('Statistic') !== undefined ? { statistic: inp.str('Statistic') } : {}),
            ...(inp.str('ExtendedStatistic') !== undefined
              ? { extendedStatistic: inp.str('ExtendedStatistic') }
              : {}),
            period: inp.num('Period', true),
          };
    const raw: Obj & { name: string } = {
      name,
      ...(inp.str('AlarmDescription') !== undefined ? { description: inp.str('AlarmDescription') } : {}),
      ...single,
      evaluationPeriods: inp.num('EvaluationPeriods', true),
      ...(inp.num('DatapointsToAlarm') !== undefined
        ? { datapointsToAlarm: inp.num('DatapointsToAlarm') }
        : {}),
      ...(metrics === undefined || inp.num('Threshold') !== undefined
        ? { threshold: inp.num('Threshold', metrics === undefined) }
        : {}),
      comparisonOperator: inp.str('ComparisonOperator', true),
      ...(inp.str('TreatMissingData') !== undefined ? { treatMissingData: inp.str('TreatMissingData') } : {}),
      ...(inp.str('EvaluateLowSampleCountPercentile') !== undefined
        ? { evaluateLowSampleCountPercentile: inp.str('EvaluateLowSampleCountPercentile') }
        : {}),
      ...this.actions(inp),
    };
    const checked = checkAlarm(raw, []);
    if (checked.errors[0]) throw invalid(this.alarmMessage(checked.errors[0]));
    const unit = inp.str('Unit');
    if (unit !== undefined) {
      const f = this.ctx
        .config()
        .filters.find(
          (x) =>
            x.filter.metricNamespace === inp.str('Namespace') &&
            x.filter.metricName === inp.str('MetricName'),
        );
      if (f && (f.filter.unit ?? 'None') !== unit)
        throw invalid(
          `Unit ${unit}: metric filter "${f.filter.name}" publishes its metric in ${f.filter.unit ?? 'None'}, so the alarm would never see a datapoint`,
        );
    }
    const { putNamed } = await import('../config/config.js');
    await this.edit((c) => putNamed(c, 'alarms', raw).text);
  }

  private async putCompositeAlarm(inp: In): Promise<void> {
    const name = inp.str('AlarmName', true)!;
    const raw: Obj & { name: string } = {
      name,
      ...(inp.str('AlarmDescription') !== undefined ? { description: inp.str('AlarmDescription') } : {}),
      alarmRule: inp.str('AlarmRule', true),
      ...this.actions(inp),
    };
    const checked = checkCompositeAlarm(raw, []);
    if (checked.errors[0]) throw invalid(this.alarmMessage(checked.errors[0]));
    const config = this.ctx.config();
    const set = checkAlarmSet(config.alarms, [
      ...config.compositeAlarms.filter((c) => c.name !== name),
      checked.value!,
    ]);
    if (set[0]) throw invalid(this.alarmMessage(set[0]));
    const { putNamed } = await import('../config/config.js');
    await this.edit((c) => putNamed(c, 'compositeAlarms', raw).text);
  }

  private alarmMessage(e: UserError & { key?: string }): string {
    const key = e.key ? `${e.key}: ` : '';
    return `${key}${e.message}${e.hint ? ` (${e.hint})` : ''}`;
  }

  private actions(inp: In): Obj {
    const topic = (a: string) => a; // names or SNS ARNs, as flowwatch.yaml takes them
    const list = (k: string) => inp.strings(k)?.map(topic);
    return {
      ...(inp.bool('ActionsEnabled') === false ? { actionsEnabled: false } : {}),
      ...(list('AlarmActions')?.length ? { alarmActions: list('AlarmActions') } : {}),
      ...(list('OKActions')?.length ? { okActions: list('OKActions') } : {}),
      ...(list('InsufficientDataActions')?.length
        ? { insufficientDataActions: list('InsufficientDataActions') }
        : {}),
    };
  }

  private stateOf(name: string) {
    const s = this.ctx.alarms.machine.get(name)?.state;
    return {
      StateValue: s?.value ?? 'INSUFFICIENT_DATA',
      StateReason: s?.reason ?? 'Unchecked: Initial alarm creation',
      ...(s?.reasonData !== undefined ? { StateReasonData: s.reasonData } : {}),
      StateUpdatedTimestamp: new Date((s?.timestamp ?? this.ctx.nowMs() / 1000) * 1000),
    };
  }

  private metricAlarm(a: MetricAlarm): Obj {
    return {
      AlarmName: a.name,
      AlarmArn: this.arn(a.name),
      ...(a.description !== undefined ? { AlarmDescription: a.description } : {}),
      ActionsEnabled: a.actionsEnabled !== false,
      OKActions: (a.okActions ?? []).map((x) => this.topicArn(x)),
      AlarmActions: (a.alarmActions ?? []).map((x) => this.topicArn(x)),
      InsufficientDataActions: (a.insufficientDataActions ?? []).map((x) => this.topicArn(x)),
      ...this.stateOf(a.name),
      ...(a.metrics !== undefined
        ? { Metrics: a.metrics.map(metricQueryOut), ThresholdMetricId: a.thresholdMetricId }
        : {
            MetricName: a.metric.metricName,
            Namespace: a.metric.namespace,
            ...(a.statistic !== undefined ? { Statistic: a.statistic } : {}),
            ...(a.extendedStatistic !== undefined ? { ExtendedStatistic: a.extendedStatistic } : {}),
            Dimensions: dimList(a.metric.dimensions),
            Period: a.period,
          }),
      EvaluationPeriods: a.evaluationPeriods,
      ...(a.datapointsToAlarm !== undefined ? { DatapointsToAlarm: a.datapointsToAlarm } : {}),
      ...(a.threshold !== undefined ? { Threshold: a.threshold } : {}),
      ComparisonOperator: a.comparisonOperator,
      TreatMissingData: a.treatMissingData ?? 'missing',
      ...(a.evaluateLowSampleCountPercentile !== undefined
        ? { EvaluateLowSampleCountPercentile: a.evaluateLowSampleCountPercentile }
        : {}),
    };
  }

  private compositeAlarm(a: CompositeAlarm): Obj {
    return {
      AlarmName: a.name,
      AlarmArn: this.arn(a.name),
      ...(a.description !== undefined ? { AlarmDescription: a.description } : {}),
      ActionsEnabled: a.actionsEnabled !== false,
      OKActions: (a.okActions ?? []).map((x) => this.topicArn(x)),
      AlarmActions: (a.alarmActions ?? []).map((x) => this.topicArn(x)),
      InsufficientDataActions: (a.insufficientDataActions ?? []).map((x) => this.topicArn(x)),
      AlarmRule: a.alarmRule,
      ...this.stateOf(a.name),
    };
  }

  private page<T>(inp: In, all: readonly T[], max: number): { items: T[]; next?: string } {
    const token = inp.str('NextToken');
    const start =
      token === undefined
        ? 0
        : decodeToken(
            token,
            (v): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0,
            badToken,
          );
    const items = all.slice(start, start + max);
    return start + max < all.length ? { items, next: encodeToken(start + max) } : { items };
  }

  private describeAlarms(inp: In): Obj {
    const config = this.ctx.config();
    const names = inp.strings('AlarmNames');
    const prefix = inp.str('AlarmNamePrefix');
    if (names !== undefined && prefix !== undefined)
      throw invalid('give AlarmNames or AlarmNamePrefix, not both');
    const types = inp.strings('AlarmTypes') ?? ['MetricAlarm'];
    const state = inp.str('StateValue');
    if (state !== undefined && !(ALARM_STATES as readonly string[]).includes(state))
      throw invalid(`StateValue ${state}: expected one of ${ALARM_STATES.join(', ')}`);
    const actionPrefix = inp.str('ActionPrefix');
    const max = inp.num('MaxRecords') ?? 50;
    if (max < 1 || max > 100) throw invalid('MaxRecords must be between 1 and 100');
    const keep = (a: MetricAlarm | CompositeAlarm) =>
      (names === undefined || names.includes(a.name)) &&
      (prefix === undefined || a.name.startsWith(prefix)) &&
      (state === undefined ||
        (this.ctx.alarms.machine.get(a.name)?.state.value ?? 'INSUFFICIENT_DATA') === state) &&
      (actionPrefix === undefined ||
        [...(a.alarmActions ?? []), ...(a.okActions ?? []), ...(a.insufficientDataActions ?? [])].some((x) =>
          this.topicArn(x).startsWith(actionPrefix),
        ));
    const all: { kind: 'm' | 'c'; a: MetricAlarm | CompositeAlarm }[] = [
      ...(types.includes('MetricAlarm')
        ? config.alarms.filter(keep).map((a) => ({ kind: 'm' as const, a }))
        : []),
      ...(types.includes('CompositeAlarm')
        ? config.compositeAlarms.filter(keep).map((a) => ({ kind: 'c' as const, a }))
        : []),
    ].sort((x, y) => (x.a.name < y.a.name ? -1 : 1));
    const { items, next } = this.page(inp, all, max);
    return {
      MetricAlarms: items.filter((x) => x.kind === 'm').map((x) => this.metricAlarm(x.a as MetricAlarm)),
      CompositeAlarms: items
        .filter((x) => x.kind === 'c')
        .map((x) => this.compositeAlarm(x.a as CompositeAlarm)),
      ...(next !== undefined ? { NextToken: next } : {}),
    };
  }

  private describeAlarmHistory(inp: In): Obj {
    const name = inp.str('AlarmName');
    const type = inp.str('HistoryItemType');
    const start = inp.time('StartDate');
    const end = inp.time('EndDate');
    const types = inp.strings('AlarmTypes');
    const max = inp.num('MaxRecords') ?? 100;
    if (max < 1 || max > 100) throw invalid('MaxRecords must be between 1 and 100');
    const asc = inp.str('ScanBy') === 'TimestampAscending';
    let items = this.ctx.alarms.machine
      .history(name)
      .filter(
        (h) =>
          (type === undefined || h.type === type) &&
          (start === undefined || h.timestamp >= start) &&
          (end === undefined || h.timestamp <= end) &&
          (types === undefined || types.includes(h.alarmType)),
      )
      .sort((a, b) => a.timestamp - b.timestamp);
    if (!asc) items = items.reverse();
    const { items: page, next } = this.page(inp, items, max);
    return {
      AlarmHistoryItems: page.map((h) => ({
        AlarmName: h.alarmName,
        AlarmType: h.alarmType,
        Timestamp: new Date(h.timestamp * 1000),
        HistoryItemType: h.type,
        HistorySummary: h.summary,
        HistoryData: JSON.stringify({
          ...(h.oldState
            ? { oldState: { stateValue: h.oldState.value, stateReason: h.oldState.reason } }
            : {}),
          ...(h.newState
            ? { newState: { stateValue: h.newState.value, stateReason: h.newState.reason } }
            : {}),
          ...(h.action !== undefined
            ? { actionArn: this.topicArn(h.action), ok: h.ok, detail: h.detail }
            : {}),
        }),
      })),
      ...(next !== undefined ? { NextToken: next } : {}),
    };
  }

  private async setAlarmState(inp: In): Promise<void> {
    const name = inp.str('AlarmName', true)!;
    const value = inp.str('StateValue', true)!;
    const reason = inp.str('StateReason', true)!;
    if (!(ALARM_STATES as readonly string[]).includes(value))
      throw invalid(`StateValue ${value}: expected one of ${ALARM_STATES.join(', ')}`);
    if (reason.length > 1023) throw invalid('StateReason: at most 1023 characters');
    const data = inp.str('StateReasonData');
    if (data !== undefined) {
      try {
        JSON.parse(data);
      } catch {
        throw new AwsError('InvalidFormatFault', 'StateReasonData is not valid JSON', 400, 'InvalidFormat');
      }
    }
    if (this.ctx.alarms.machine.get(name) === undefined) throw notFound(`Alarm ${name} not found`);
    await this.ctx.alarms.setState(name, value as AlarmState, reason);
  }

  private async deleteAlarms(inp: In): Promise<void> {
    const names = inp.strings('AlarmNames');
    if (names === undefined || names.length === 0) throw missing('AlarmNames');
    if (names.length > 100) throw invalid('AlarmNames: at most 100');
    const config = this.ctx.config();
    const known = new Set([...config.alarms, ...config.compositeAlarms].map((a) => a.name));
    const found = names.filter((n) => known.has(n));
    // The current model's text: unknown names do not stop the known ones being deleted.
    if (found.length > 0) {
      const { isMap, isSeq } = await import('yaml');
      await this.edit((c) => {
        for (const section of ['alarms', 'compositeAlarms'] as const) {
          const seq = c.doc.get(section, true);
          if (!isSeq(seq)) continue;
          for (let i = seq.items.length - 1; i >= 0; i--) {
            const it = seq.items[i];
            if (isMap(it) && found.includes(String(it.get('name')))) seq.delete(i);
          }
        }
        return c.doc.toString({ lineWidth: 0 });
      });
    }
    const unknown = names.filter((n) => !known.has(n));
    if (unknown.length > 0)
      throw notFound(`Alarm${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} not found`);
  }

  /**
   * The metric and stat a detector request names (SingleMetricAnomalyDetector, or the deprecated top-level
   * members). MetricMathAnomalyDetector is refused: flowwatch bands only single metrics.
   */
  private detectorKey(inp: In, required: boolean): DetectorKey | undefined {
    if (inp.sub('MetricMathAnomalyDetector') !== undefined)
      throw invalid('MetricMathAnomalyDetector: flowwatch computes bands of single metrics only');
    const single = inp.sub('SingleMetricAnomalyDetector');
    const x = single ?? inp;
    const namespace = x.str('Namespace', required && single !== undefined);
    const metricName = x.str('MetricName', required && single !== undefined);
    const stat = x.str('Stat', required && single !== undefined);
    if (namespace === undefined || metricName === undefined || stat === undefined) {
      if (required) throw missing('SingleMetricAnomalyDetector');
      return undefined;
    }
    return { namespace, metricName, dimensions: dimensionsOf(x), stat };
  }

  /** The band alarms of the configuration whose metric and stat are `key`'s (all band alarms without a key). */
  private bandAlarms(key: DetectorKey | undefined): MetricAlarm[] {
    return this.ctx
      .config()
      .alarms.filter(
        (a) =>
          a.anomalyBand !== undefined &&
          (key === undefined ||
            (a.metric.namespace === key.namespace &&
              a.metric.metricName === key.metricName &&
              (a.statistic ?? a.extendedStatistic) === key.stat &&
              JSON.stringify(Object.entries(a.metric.dimensions).sort()) ===
                JSON.stringify(Object.entries(key.dimensions).sort()))),
      );
  }

  /** Writes `anomalyDetector` (or removes it, `undefined`) on the named alarms of flowwatch.yaml, comments kept. */
  private async setDetector(names: readonly string[], detector: Obj | undefined): Promise<void> {
    const { isMap, isSeq } = await import('yaml');
    await this.edit((c) => {
      const seq = c.doc.get('alarms', true);
      if (!isSeq(seq)) return undefined;
      for (const it of seq.items) {
        if (!isMap(it) || !names.includes(String(it.get('name')))) continue;
        if (detector === undefined) it.delete('anomalyDetector');
        else it.set('anomalyDetector', c.doc.createNode(detector));
      }
      return c.doc.toString({ lineWidth: 0 });
    });
  }

  /**
   * PutAnomalyDetector: flowwatch keeps a detector's Configuration on the alarms that band its metric and stat
   * (`anomalyDetector` in flowwatch.yaml), so the alarm comes first.
   */
  private async putAnomalyDetector(inp: In): Promise<Obj> {
    const key = this.detectorKey(inp, true)!;
    const cfg = inp.sub('Configuration');
    const ranges = (cfg?.list('ExcludedTimeRanges') ?? []).map((r, i) => {
      const x = new In((r ?? {}) as Obj);
      const at = `Configuration.ExcludedTimeRanges.member.${i + 1}`;
      const start = x.time('StartTime');
      const end = x.time('EndTime');
      if (start === undefined) throw missing(`${at}.StartTime`);
      if (end === undefined) throw missing(`${at}.EndTime`);
      return { start: new Date(start * 1000).toISOString(), end: new Date(end * 1000).toISOString() };
    });
    const tz = cfg?.str('MetricTimezone');
    const alarms = this.bandAlarms(key);
    if (alarms.length === 0) {
      throw invalid(
        `no anomaly-band alarm watches ${key.namespace}/${key.metricName} (${key.stat}): flowwatch keeps a detector's configuration on the alarms that use its band, so put the alarm (PutMetricAlarm with ANOMALY_DETECTION_BAND) first`,
      );
    }
    await this.setDetector(
      alarms.map((a) => a.name),
      {
        ...(ranges.length > 0 ? { excludedTimeRanges: ranges } : {}),
        ...(tz !== undefined ? { metricTimezone: tz } : {}),
      },
    );
    return { AnomalyDetectorId: detectorId(key) };
  }

  /** DescribeAnomalyDetectors: one detector per metric and stat banded by an alarm, with its training state. */
  private async describeAnomalyDetectors(inp: In): Promise<Obj> {
    const ns = inp.str('Namespace');
    const name = inp.str('MetricName');
    const byKey = new Map<string, MetricAlarm>();
    for (const a of this.bandAlarms(undefined)) {
      if (ns !== undefined && a.metric.namespace !== ns) continue;
      if (name !== undefined && a.metric.metricName !== name) continue;
      const key = detectorId(keyOf(a));
      if (!byKey.has(key)) byKey.set(key, a);
    }
    const now = Math.floor(this.ctx.nowMs() / 1000);
    const detectors: Obj[] = [];
    for (const a of byKey.values()) {
      const points = await minuteSets(
        this.ctx.store,
        a.metric.namespace,
        a.metric.metricName,
        a.metric.dimensions,
        now - alarmLookback(a),
        now,
      );
      const model = anomalyBandSource(a, points)!.model(now);
      const k = keyOf(a);
      const d = a.anomalyBand?.detector;
      detectors.push({
        Namespace: k.namespace,
        MetricName: k.metricName,
        Dimensions: dimList(k.dimensions),
        Stat: k.stat,
        SingleMetricAnomalyDetector: {
          Namespace: k.namespace,
          MetricName: k.metricName,
          Dimensions: dimList(k.dimensions),
          Stat: k.stat,
        },
        Configuration: {
          ExcludedTimeRanges: (d?.excludedTimeRanges ?? []).map((r) => ({
            StartTime: new Date(r.start * 1000),
            EndTime: new Date(r.end * 1000),
          })),
          ...(d?.metricTimezone !== undefined ? { MetricTimezone: d.metricTimezone } : {}),
        },
        StateValue: model.state,
        // Not in CloudWatch's model: why a detector has no band yet ("baseline needs 7 days; 2 available").
        StateReason: model.message,
      });
    }
    return { AnomalyDetectors: detectors };
  }

  /** DeleteAnomalyDetector: the alarms on that metric and stat go back to the default configuration. */
  private async deleteAnomalyDetector(inp: In): Promise<void> {
    const key = this.detectorKey(inp, true)!;
    const alarms = this.bandAlarms(key);
    if (alarms.length === 0) {
      throw new AwsError(
        'ResourceNotFoundException',
        `no anomaly detector for ${key.namespace}/${key.metricName} (${key.stat})`,
        404,
        'ResourceNotFoundException',
      );
    }
    await this.setDetector(
      alarms.map((a) => a.name),
      undefined,
    );
  }

  private async stats(
    namespace: string,
    metric: string,
    dims: Record<string, string>,
    start: number,
    end: number,
    period: number,
    unit?: string,
  ) {
    // A Unit selects the data put with that unit: custom data by its own unit, a metric filter's by the filter's.
    const names =
      unit === undefined
        ? undefined
        : [
            `${CUSTOM_PREFIX}${unit}`,
            ...this.ctx
              .config()
              .filters.filter(
                (f) =>
                  f.filter.metricNamespace === namespace &&
                  f.filter.metricName === metric &&
                  (f.filter.unit ?? 'None') === unit,
              )
              .map((f) => f.filter.name),
          ];
    const minutes = await minuteSets(this.ctx.store, namespace, metric, dims, start, end, names);
    const buckets = new Map<number, typeof minutes>();
    for (const m of minutes) {
      if (m.timestamp < start || m.timestamp >= end) continue;
      const b = start + Math.floor((m.timestamp - start) / period) * period;
      buckets.set(b, [...(buckets.get(b) ?? []), m]);
    }
    return [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([t, pts]) => ({ t, s: combine(pts)! }));
  }

  private checkPeriod(period: number): void {
    if (
      !(
        period === 1 ||
        period === 5 ||
        period === 10 ||
        period === 20 ||
        period === 30 ||
        (period >= 60 && period % 60 === 0)
      )
    )
      throw invalid(`Period ${period}: expected 1, 5, 10, 20, 30 or a multiple of 60 seconds`);
  }

  private async getMetricStatistics(inp: In): Promise<Obj> {
    const namespace = inp.str('Namespace', true)!;
    const metric = inp.str('MetricName', true)!;
    const start = inp.time('StartTime', true)!;
    const end = inp.time('EndTime', true)!;
    const period = inp.num('Period', true)!;
    this.checkPeriod(period);
    if (end <= start) throw invalid('The parameter StartTime must be less than the parameter EndTime.');
    const statistics = inp.strings('Statistics') ?? [];
    const extended = inp.strings('ExtendedStatistics') ?? [];
    if (statistics.length === 0 && extended.length === 0)
      throw new AwsError(
        'MissingRequiredParameterException',
        'Must specify either Statistics or ExtendedStatistics.',
        400,
        'MissingParameter',
      );
    for (const s of statistics)
      if (!['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'].includes(s))
        throw invalid(`Statistics: ${s} is not SampleCount, Average, Sum, Minimum or Maximum`);
    for (const p of extended)
      if (!/^p\d{1,2}(\.\d+)?$|^p100$/.test(p))
        throw invalid(`ExtendedStatistics: ${p} is not a percentile such as p99`);
    const buckets = await this.stats(
      namespace,
      metric,
      dimensionsOf(inp),
      start,
      end,
      period,
      inp.str('Unit'),
    );
    if (buckets.length > 1440)
      throw invalid(
        `Requested ${buckets.length} datapoints; at most 1440 are returned per call: use a longer Period`,
      );
    const unit = inp.str('Unit') ?? (await this.unitOf(namespace, metric));
    return {
      Label: metric,
      Datapoints: buckets.map(({ t, s }) => ({
        Timestamp: new Date(t * 1000),
        ...(statistics.includes('SampleCount') ? { SampleCount: s.sampleCount } : {}),
        ...(statistics.includes('Average') ? { Average: s.sum / s.sampleCount } : {}),
        ...(statistics.includes('Sum') ? { Sum: s.sum } : {}),
        ...(statistics.includes('Minimum') ? { Minimum: s.minimum } : {}),
        ...(statistics.includes('Maximum') ? { Maximum: s.maximum } : {}),
        Unit: unit,
        ...(extended.length > 0
          ? {
              ExtendedStatistics: Object.fromEntries(
                extended.flatMap((p) => {
                  const v = s.values === undefined ? undefined : percentile(s.values, p.slice(1));
                  return v === undefined ? [] : [[p, v]];
                }),
              ),
            }
          : {}),
      })),
    };
  }

  /** A metric's unit: its metric filter's, else the unit its latest custom data was put with. */
  private async unitOf(namespace: string, metric: string): Promise<string> {
    const f = this.ctx
      .config()
      .filters.find((x) => x.filter.metricNamespace === namespace && x.filter.metricName === metric);
    if (f !== undefined) return f.filter.unit ?? 'None';
    return (await customUnit(this.ctx.store, namespace, metric)) ?? 'None';
  }

  private async getMetricData(inp: In): Promise<Obj> {
    const start = inp.time('StartTime', true)!;
    const end = inp.time('EndTime', true)!;
    if (end <= start) throw invalid('The parameter StartTime must be less than the parameter EndTime.');
    const queries = inp.list('MetricDataQueries');
    if (queries === undefined || queries.length === 0) throw missing('MetricDataQueries');
    if (queries.length > 500) throw invalid('MetricDataQueries: at most 500');
    const desc = (inp.str('ScanBy') ?? 'TimestampDescending') === 'TimestampDescending';
    const results: Obj[] = [];
    for (const [i, q] of queries.entries()) {
      const x = new In((q ?? {}) as Obj);
      const id = x.str('Id');
      if (id === undefined || !/^[a-z][A-Za-z0-9_]*$/.test(id))
        throw invalid(
          `MetricDataQueries.member.${i + 1}.Id: must start with a lower-case letter, then letters, digits or _`,
        );
      if (x.str('Expression') !== undefined)
        throw invalid(
          `MetricDataQueries.member.${i + 1}.Expression: metric math is not supported by flowwatch; use MetricStat`,
        );
      const ms = x.sub('MetricStat');
      if (ms === undefined) throw missing(`MetricDataQueries.member.${i + 1}.MetricStat`);
      const m = ms.sub('Metric');
      if (m === undefined) throw missing(`MetricDataQueries.member.${i + 1}.MetricStat.Metric`);
      const period = ms.num('Period', true)!;
      this.checkPeriod(period);
      const stat = ms.str('Stat', true)!;
      const namespace = m.str('Namespace', true)!;
      const metric = m.str('MetricName', true)!;
      const buckets = await this.stats(
        namespace,
        metric,
        dimensionsOf(m),
        start,
        end,
        period,
        ms.str('Unit'),
      );
      const value = (s: NonNullable<ReturnType<typeof combine>>): number | undefined => {
        switch (stat) {
          case 'Sum':
            return s.sum;
          case 'SampleCount':
            return s.sampleCount;
          case 'Average':
            return s.sum / s.sampleCount;
          case 'Minimum':
            return s.minimum;
          case 'Maximum':
            return s.maximum;
          default:
            if (/^p\d{1,3}(\.\d+)?$/.test(stat))
              return s.values === undefined ? undefined : percentile(s.values, stat.slice(1));
            throw invalid(
              `MetricDataQueries.member.${i + 1}.MetricStat.Stat ${stat}: expected Sum, SampleCount, Average, Minimum, Maximum or a percentile such as p99`,
            );
        }
      };
      const pts = buckets.flatMap(({ t, s }) => {
        const v = value(s);
        return v === undefined ? [] : [{ t, v }];
      });
      if (desc) pts.reverse();
      if (x.bool('ReturnData') === false) continue;
      results.push({
        Id: id,
        Label: x.str('Label') ?? metric,
        Timestamps: pts.map((p) => new Date(p.t * 1000)),
        Values: pts.map((p) => p.v),
        StatusCode: 'Complete',
      });
    }
    return { MetricDataResults: results, Messages: [] };
  }

  /**
   * PutMetricData: AWS's checks (namespace not `AWS/`, 1–1000 data, ≤ 30 dimensions, one of Value, StatisticValues
   * and Values, values within ±2^360, a known Unit, timestamps at most two weeks old and two hours ahead), then every
   * datum stored as its minute's statistic set (all or nothing). The alarms runner reads them as it reads the
   * metric filters' datapoints.
   */
  private async putMetricData(inp: In): Promise<void> {
    const namespace = inp.str('Namespace', true)!;
    if (namespace.length > 255 || namespace.startsWith(':'))
      throw invalid(
        `The value ${namespace} for parameter Namespace is invalid: 1 to 255 characters, not starting with ":".`,
      );
    if (namespace.startsWith('AWS/'))
      throw invalid(
        `The value ${namespace} for parameter Namespace is invalid: namespaces starting with "AWS/" are reserved for AWS services; choose your own (e.g. MyApp/${namespace.slice(4)})`,
      );
    const list = inp.list('MetricData');
    if (list === undefined || list.length === 0) throw missing('MetricData');
    if (list.length > 1000)
      throw invalid(
        `The collection MetricData must not have a size greater than 1000 (it has ${list.length}); split the data over several calls.`,
      );
    const now = this.ctx.nowMs() / 1000;
    const data: CustomDatum[] = list.map((raw, i) => {
      const at = `MetricData.member.${i + 1}`;
      const x = new In((raw ?? {}) as Obj);
      const metricName = x.str('MetricName');
      if (metricName === undefined) throw missing(`${at}.MetricName`);
      if (metricName.length > 255)
        throw invalid(`The parameter ${at}.MetricName must be at most 255 characters.`);
      const dimsRaw = x.list('Dimensions') ?? [];
      if (dimsRaw.length > 30)
        throw invalid(
          `The collection ${at}.Dimensions must not have a size greater than 30 (it has ${dimsRaw.length}).`,
        );
      const dimensions = dimensionsOf(x);
      for (const [k, v] of Object.entries(dimensions)) {
        if (k.length > 255 || v.length > 1024)
          throw invalid(`${at}.Dimensions: a dimension name is 1–255 characters and its value 1–1024 (${k})`);
      }
      if (Object.keys(dimensions).length !== dimsRaw.length)
        throw invalid(`${at}.Dimensions: a dimension name may appear only once`);
      const unit = x.str('Unit') ?? 'None';
      if (!(UNITS as readonly string[]).includes(unit))
        throw invalid(
          `The parameter ${at}.Unit ${unit} is not a CloudWatch unit: expected one of ${UNITS.join(', ')}`,
        );
      const resolution = x.num('StorageResolution');
      if (resolution !== undefined && resolution !== 1 && resolution !== 60)
        throw invalid(`The parameter ${at}.StorageResolution must be 1 or 60.`);
      const timestamp = x.time('Timestamp') ?? now;
      if (timestamp < now - 14 * 86_400)
        throw invalid(
          `The parameter ${at}.Timestamp must specify a time no more than two weeks in the past (it is ${new Date(timestamp * 1000).toISOString()}).`,
        );
      if (timestamp > now + 2 * 3_600)
        throw invalid(
          `The parameter ${at}.Timestamp must specify a time no more than two hours in the future (it is ${new Date(timestamp * 1000).toISOString()}).`,
        );
      const value = x.num('Value');
      const stats = x.sub('StatisticValues');
      const values = x.list('Values');
      const given = [
        value !== undefined ? 'Value' : undefined,
        stats !== undefined ? 'StatisticValues' : undefined,
        values !== undefined ? 'Values' : undefined,
      ].filter((g): g is string => g !== undefined);
      if (given.length > 1)
        throw new AwsError(
          'InvalidParameterCombinationException',
          `The parameters ${given.map((g) => `${at}.${g}`).join(' and ')} are mutually exclusive and you have specified both.`,
          400,
          'InvalidParameterCombination',
        );
      if (given.length === 0) throw missing(`${at}.Value (or ${at}.StatisticValues, or ${at}.Values)`);
      const check = (v: number, key: string): number => {
        const a = Math.abs(v);
        if (a !== 0 && (a > 2 ** 360 || a < 2 ** -360))
          throw invalid(
            `The value ${v} for parameter ${key} is invalid: values must be between -2^360 and 2^360 (and 0 or at least 2^-360 in magnitude).`,
          );
        return v;
      };
      const base = { namespace, metricName, dimensions, timestamp, unit };
      if (value !== undefined) {
        check(value, `${at}.Value`);
        return { ...base, sampleCount: 1, sum: value, minimum: value, maximum: value };
      }
      if (stats !== undefined) {
        const n = stats.num('SampleCount');
        const sum = stats.num('Sum');
        const min = stats.num('Minimum');
        const max = stats.num('Maximum');
        for (const [k, v] of [
          ['SampleCount', n],
          ['Sum', sum],
          ['Minimum', min],
          ['Maximum', max],
        ] as const)
          if (v === undefined) throw missing(`${at}.StatisticValues.${k}`);
        for (const [k, v] of [
          ['SampleCount', n],
          ['Sum', sum],
          ['Minimum', min],
          ['Maximum', max],
        ] as const)
          check(v!, `${at}.StatisticValues.${k}`);
        if (n! <= 0) throw invalid(`The parameter ${at}.StatisticValues.SampleCount must be greater than 0.`);
        if (min! > max!)
          throw invalid(`The parameter ${at}.StatisticValues.Minimum must not be greater than Maximum.`);
        return { ...base, sampleCount: n!, sum: sum!, minimum: min!, maximum: max! };
      }
      const nums = (key: string, l: unknown[]) =>
        l.map((v, j) => {
          const n = typeof v === 'string' ? Number(v) : v;
          if (typeof n !== 'number' || !Number.isFinite(n))
            throw invalid(
              `The value ${String(v)} for parameter ${at}.${key}.member.${j + 1} is invalid: expected a number.`,
            );
          return n;
        });
      const vs = nums('Values', values!);
      const counts = x.list('Counts') === undefined ? vs.map(() => 1) : nums('Counts', x.list('Counts')!);
      if (vs.length === 0) throw missing(`${at}.Values`);
      if (vs.length > 150)
        throw invalid(
          `The collection ${at}.Values must not have a size greater than 150 (it has ${vs.length}).`,
        );
      if (counts.length !== vs.length)
        throw invalid(
          `The parameters ${at}.Values and ${at}.Counts must be of the same size (${vs.length} values, ${counts.length} counts).`,
        );
      vs.forEach((v, j) => {
        check(v, `${at}.Values.member.${j + 1}`);
      });
      counts.forEach((c, j) => {
        if (c <= 0) throw invalid(`The parameter ${at}.Counts.member.${j + 1} must be greater than 0.`);
      });
      const n = counts.reduce((a, c) => a + c, 0);
      return {
        ...base,
        sampleCount: n,
        sum: vs.reduce((a, v, j) => a + v * counts[j]!, 0),
        minimum: Math.min(...vs),
        maximum: Math.max(...vs),
      };
    });
    await putCustomMetrics(this.ctx.store, data);
  }

  private async listMetrics(inp: In): Promise<Obj> {
    const namespace = inp.str('Namespace');
    const name = inp.str('MetricName');
    const wanted = (inp.list('Dimensions') ?? []).map((d) => new In((d ?? {}) as Obj));
    const r = await this.ctx.store.query(
      'SELECT DISTINCT namespace, metric, dimensions FROM metric_datapoints ORDER BY namespace, metric, dimensions',
    );
    const seen = new Set<string>();
    const metrics: {
      Namespace: string;
      MetricName: string;
      Dimensions: { Name: string; Value: string }[];
    }[] = [];
    const add = (ns: string, m: string, dims: Record<string, string>) => {
      const key = `${ns}\u0000${m}\u0000${JSON.stringify(dims)}`;
      if (seen.has(key)) return;
      seen.add(key);
      metrics.push({ Namespace: ns, MetricName: m, Dimensions: dimList(dims) });
    };
    for (const row of r.rows) {
      let dims: Record<string, string> = {};
      try {
        dims = JSON.parse(String(row['dimensions'])) as Record<string, string>;
      } catch {
        dims = {};
      }
      add(String(row['namespace']), String(row['metric']), dims);
    }
    const list = metrics.filter(
      (m) =>
        (namespace === undefined || m.Namespace === namespace) &&
        (name === undefined || m.MetricName === name) &&
        wanted.every((w) =>
          m.Dimensions.some(
            (d) => d.Name === w.str('Name') && (w.str('Value') === undefined || d.Value === w.str('Value')),
          ),
        ),
    );
    const { items, next } = this.page(inp, list, 500);
    return { Metrics: items, ...(next !== undefined ? { NextToken: next } : {}) };
  }
}

/** The JSON 1.0 rendering: Dates as epoch seconds. */
function toJson(v: unknown): unknown {
  if (v === undefined) return {};
  return JSON.parse(
    JSON.stringify(v, function (this: Obj, key: string, value: unknown) {
      const raw = this[key];
      return raw instanceof Date ? raw.getTime() / 1000 : value;
    }),
  );
}

// flowwatch.yaml: loading and validating the metric filters (errors name file, line and column), and saving
// changes back through the YAML document so that the user's comments and layout survive.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from 'yaml';
import { caretLine } from '../core/caret.js';
import { UserError } from '../core/errors.js';
import { closest } from '../core/suggest.js';
import { builtinCatalog, effectiveCatalog } from '../detect/catalog.js';
import type { Detection } from '../detect/definition.js';
import { FilterPatternError } from '../filter/index.js';
import {
  type AlarmConfigError,
  type CompositeAlarm,
  checkAlarm,
  checkAlarmSet,
  checkCompositeAlarm,
  type MetricAlarm,
} from '../metrics/alarms/index.js';
import {
  type CheckedMetricFilter,
  checkMetricFilter,
  type MetricFilter,
  MetricFilterError,
  type Unit,
} from '../metrics/metric-filter.js';
import {
  checkRetryPolicy,
  checkSmtp,
  checkTopic,
  DEFAULT_RETRY,
  type NotifyConfigError,
  type RetryPolicy,
  type SmtpSettings,
  type Topic,
} from '../notify/index.js';
import { type ApiSettings, checkApi } from './api-config.js';
import { checkFindingActions, type FindingAction } from './finding-actions-config.js';
import {
  checkMonitor,
  checkSource,
  DEFAULT_MONITOR,
  type MonitorConfigError,
  type MonitorSettings,
  type SourceConfig,
} from './monitor-config.js';

/** The default configuration file, looked up in the working directory. */
export const DEFAULT_CONFIG = 'flowwatch.yaml';

/** A configuration file that cannot be used: the message starts with `file:line:column:`. */
export class ConfigError extends UserError {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  constructor(code: string, file: string, line: number, column: number, message: string, hint?: string) {
    super(code, `${file}:${line}:${column}: ${message}`, hint);
    this.file = file;
    this.line = line;
    this.column = column;
  }
}

/** A loaded configuration: the validated filters and the document they came from (for editing). */
export interface Config {
  readonly path: string;
  /** False when the file does not exist yet (an empty configuration). */
  readonly exists: boolean;
  readonly filters: readonly CheckedMetricFilter[];
  readonly alarms: readonly MetricAlarm[];
  readonly compositeAlarms: readonly CompositeAlarm[];
  readonly topics: readonly Topic[];
  readonly smtp: SmtpSettings | undefined;
  /** Retry schedule of notification deliveries (`notifications.retry`). */
  readonly retry: RetryPolicy;
  readonly sources: readonly SourceConfig[];
  readonly monitor: MonitorSettings;
  /** The effective detection catalog (built-ins changed by the `detections:` section, plus the user's own). */
  readonly detections: readonly Detection[];
  /** The CloudWatch-compatible API (`api:`); undefined when the section is absent (the API is off). */
  readonly api: ApiSettings | undefined;
  /** Which topics the monitor tells of new findings (`findingActions:`). */
  readonly findingActions: readonly FindingAction[];
  /** The cost estimates' region and price table (`costs:`); undefined: us-east-1 and the built-in prices. */
  readonly costs?: CostSettings | undefined;
  readonly doc: Document;
}

/** `costs:` of flowwatch.yaml: which region's prices apply, and an editable JSON price table. */
export interface CostSettings {
  /** Default region of the estimates (e.g. eu-west-1). */
  readonly region?: string | undefined;
  /** The price table file (see src/cost/prices.ts), resolved against the configuration's folder. */
  readonly prices?: string | undefined;
}

/** The top-level keys of flowwatch.yaml. */
export const CONFIG_KEYS = [
  'metricFilters',
  'alarms',
  'compositeAlarms',
  'topics',
  'smtp',
  'notifications',
  'sources',
  'monitor',
  'detections',
  'homeNet',
  'findingActions',
  'api',
  'costs',
] as const;

/** Everything but the metric filters, for an empty or filters-only configuration. */
const EMPTY_REST = {
  alarms: [],
  compositeAlarms: [],
  topics: [],
  smtp: undefined,
  retry: DEFAULT_RETRY,
  sources: [],
  monitor: DEFAULT_MONITOR,
  api: undefined,
  findingActions: [],
  costs: undefined,
} as const;

const FILTER_KEYS = [
  'name',
  'pattern',
  'metricNamespace',
  'metricName',
  'metricValue',
  'defaultValue',
  'dimensions',
  'unit',
  'logGroup',
] as const;
const REQUIRED = ['name', 'pattern', 'metricNamespace', 'metricName', 'metricValue'] as const;

class Locator {
  constructor(
    private readonly file: string,
    private readonly text: string,
    private readonly lc: LineCounter,
  ) {}

  error(code: string, at: number, message: string, hint?: string): ConfigError {
    const { line, col } = this.lc.linePos(at);
    const err = new ConfigError(code, this.file, line, col, message, hint);
    err.detail = caretLine(this.text, at, at + 1);
    return err;
  }

  at(node: Node | null | undefined, code: string, message: string, hint?: string): ConfigError {
    return this.error(code, node?.range?.[0] ?? 0, message, hint);
  }
}

/** Reads a YAML document, turning syntax errors into ConfigError with their position. */
function parse(file: string, text: string): { doc: Document; loc: Locator } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const loc = new Locator(file, text, lc);
  const first = doc.errors[0];
  if (first) {
    throw loc.error('CONFIG_YAML', first.pos[0], `invalid YAML: ${first.message.split('\n')[0]}`);
  }
  return { doc, loc };
}

function scalarText(node: unknown, loc: Locator, key: string, what: string): string {
  if (isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number')) {
    return typeof node.value === 'number' ? String(node.source ?? node.value) : node.value;
  }
  throw loc.at(node as Node, 'CONFIG_TYPE', `${key}: expected ${what}`);
}

function readFilter(item: unknown, index: number, loc: Locator): MetricFilter {
  const where = `metricFilters[${index}]`;
  if (!isMap(item)) {
    throw loc.at(
      item as Node,
      'CONFIG_TYPE',
      `${where}: expected a mapping with name, pattern, metricNamespace, metricName, metricValue`,
    );
  }
  const values = new Map<string, unknown>();
  for (const pair of item.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!(FILTER_KEYS as readonly string[]).includes(key)) {
      throw loc.at(
        pair.key as Node,
        'CONFIG_UNKNOWN_KEY',
        `${where}: unknown key "${key}"`,
        `expected one of ${FILTER_KEYS.join(', ')}`,
      );
    }
    values.set(key, pair.value);
  }
  for (const key of REQUIRED) {
    if (!values.has(key)) throw loc.at(item, 'CONFIG_MISSING_KEY', `${where}: "${key}" is missing`);
  }
  const text = (key: string, what = 'a string') => scalarText(values.get(key), loc, `${where}.${key}`, what);
  const filter: {
    -readonly [K in keyof MetricFilter]: MetricFilter[K];
  } = {
    name: text('name'),
    pattern: values.get('pattern') === null ? '' : text('pattern'),
    metricNamespace: text('metricNamespace'),
    metricName: text('metricName'),
    metricValue: text('metricValue', 'a number or a $field'),
  };
  if (values.has('defaultValue')) {
    const node = values.get('defaultValue');
    if (!isScalar(node) || typeof node.value !== 'number') {
      throw loc.at(node as Node, 'CONFIG_TYPE', `${where}.defaultValue: expected a number`);
    }
    filter.defaultValue = node.value;
  }
  if (values.has('unit')) filter.unit = text('unit', 'a CloudWatch unit such as Count') as Unit;
  if (values.has('logGroup')) filter.logGroup = text('logGroup', 'a log group name');
  if (values.has('dimensions')) {
    const node = values.get('dimensions');
    if (!isMap(node)) {
      throw loc.at(node as Node, 'CONFIG_TYPE', `${where}.dimensions: expected a mapping of name: $field`);
    }
    const dims: Record<string, string> = {};
    for (const pair of node.items) {
      const k = scalarText(pair.key, loc, `${where}.dimensions`, 'a dimension name');
      dims[k] = scalarText(pair.value, loc, `${where}.dimensions.${k}`, 'a $field');
    }
    filter.dimensions = dims;
  }
  return filter;
}

/** The node a MetricFilterError's key points at (`dimensions.Action` → that dimension's value). */
function nodeOf(item: YAMLMap, key: string): Node | undefined {
  const [head, sub] = key.split(/\.(.*)/s);
  const node = item.get(head, true) as Node | undefined;
  if (sub !== undefined && isMap(node)) return (node.get(sub, true) as Node | undefined) ?? node;
  return node ?? item;
}

/** The offset in the file of character `i` of a one-line scalar, when its text appears there verbatim. */
function offsetIn(node: Node | undefined, text: string, i: number): number {
  const start = node?.range?.[0] ?? 0;
  if (!isScalar(node) || typeof node.value !== 'string') return start;
  const skip = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' ? 1 : 0;
  return text.slice(start + skip, start + skip + node.value.length) === node.value ? start + skip + i : start;
}

function check(doc: Document, loc: Locator, text: string): CheckedMetricFilter[] {
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return [];
  if (!isMap(root)) throw loc.at(root, 'CONFIG_TYPE', 'expected a mapping with the key "metricFilters"');
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
      throw loc.at(
        pair.key as Node,
        'CONFIG_UNKNOWN_KEY',
        `unknown key "${key}"`,
        `expected one of ${CONFIG_KEYS.join(', ')}`,
      );
    }
  }
  const list = root.get('metricFilters', true);
  if (list === undefined || (isScalar(list) && list.value === null)) return [];
  if (!isSeq(list)) {
    throw loc.at(list as Node, 'CONFIG_TYPE', 'metricFilters: expected a list of metric filters');
  }
  const out: CheckedMetricFilter[] = [];
  const seen = new Set<string>();
  list.items.forEach((item, i) => {
    const filter = readFilter(item, i, loc);
    const map = item as YAMLMap;
    if (seen.has(filter.name)) {
      throw loc.at(
        nodeOf(map, 'name'),
        'CONFIG_DUPLICATE_NAME',
        `metricFilters[${i}]: a metric filter named "${filter.name}" is already defined above`,
      );
    }
    seen.add(filter.name);
    try {
      out.push(checkMetricFilter(filter));
    } catch (err) {
      if (err instanceof FilterPatternError) {
        const node = nodeOf(map, 'pattern');
        throw loc.error(
          err.code,
          offsetIn(node, text, err.start),
          `metricFilters[${i}].pattern: ${err.message}`,
          err.hint,
        );
      }
      if (err instanceof MetricFilterError) {
        throw loc.at(
          nodeOf(map, err.key),
          err.code,
          `metricFilters[${i}].${err.key}: ${err.message}`,
          err.hint,
        );
      }
      throw err;
    }
  });
  return out;
}

/**
 * Loads and validates a configuration file. A missing file is an empty configuration unless `mustExist`.
 *
 * @example const { filters } = loadConfig('flowwatch.yaml');
 */
export function loadConfig(path: string, mustExist = false): Config {
  if (!existsSync(path)) {
    if (mustExist) {
      throw new UserError(
        'CONFIG_MISSING',
        `there is no configuration file ${path}`,
        'create one with flowwatch metric-filter put, or check --config',
      );
    }
    const doc = new Document({ metricFilters: [] });
    doc.commentBefore = ' flowwatch configuration: metric filters applied to every ingested record.';
    return { path, exists: false, filters: [], ...EMPTY_REST, detections: builtinCatalog(), doc };
  }
  return parseConfig(path, readFileSync(path, 'utf8'));
}

/** Validates configuration text; `file` is the name used in error messages. */
export function parseConfig(file: string, text: string): Config {
  const { doc, loc } = parse(file, text);
  const filters = check(doc, loc, text);
  const rest = checkMonitorSections(doc, loc, filters);
  const detections = effectiveCatalog(doc, file, text);
  checkFindingActionNames(doc, loc, rest.findingActions, rest.topics, detections);
  return { path: file, exists: true, filters, ...rest, detections, doc };
}

/** Every topic and detection a finding action names must exist. */
function checkFindingActionNames(
  doc: Document,
  loc: Locator,
  actions: readonly FindingAction[],
  topics: readonly Topic[],
  detections: readonly Detection[],
): void {
  const topicNames = new Set(topics.map((t) => t.name));
  actions.forEach((a, i) => {
    a.topics.forEach((t, j) => {
      if (!topicNames.has(t)) {
        throw loc.at(
          nodeAtPath(doc, ['findingActions', i, 'topics', j]),
          'CONFIG_UNKNOWN_TOPIC',
          `findingActions[${i}].topics[${j}]: there is no topic "${t}"`,
          topicNames.size > 0 ? `topics: ${[...topicNames].join(', ')}` : 'declare it under topics:',
        );
      }
    });
    (a.detections ?? []).forEach((d, j) => {
      if (!detections.some((x) => x.id === d)) {
        const near = closest(
          d,
          detections.map((x) => x.id),
        );
        throw loc.at(
          nodeAtPath(doc, ['findingActions', i, 'detections', j]),
          'CONFIG_UNKNOWN_DETECTION',
          `findingActions[${i}].detections[${j}]: there is no detection "${d}"`,
          near !== undefined ? `did you mean "${near}"?` : 'see them with: flowwatch detections list',
        );
      }
    });
  });
}

type PathError = AlarmConfigError | NotifyConfigError | MonitorConfigError;

/** The deepest node of the document on `path` (the value itself, else its nearest parent). */
function nodeAtPath(doc: Document, path: readonly (string | number)[]): Node | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as Node | undefined;
    if (node && typeof node === 'object' && 'range' in node) return node;
  }
  return undefined;
}

function pathName(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** Validates alarms, topics, SMTP, notification retry, sources and monitor settings (first error wins). */
function checkMonitorSections(doc: Document, loc: Locator, filters: readonly CheckedMetricFilter[]) {
  const fail = (base: readonly (string | number)[], e: PathError): never => {
    const full = [...base, ...e.path];
    throw loc.at(nodeAtPath(doc, full), e.code, `${pathName(full)}: ${e.message}`, e.hint);
  };
  const list = (key: string): { raw: unknown; index: number }[] => {
    const node = doc.get(key, true);
    if (node === undefined || (isScalar(node) && node.value === null)) return [];
    if (!isSeq(node)) throw loc.at(node as Node, 'CONFIG_TYPE', `${key}: expected a list`);
    return node.items.map((item, index) => ({ raw: (item as Node & { toJSON(): unknown }).toJSON(), index }));
  };
  const json = (key: string): unknown => {
    const node = doc.get(key, true) as (Node & { toJSON(): unknown }) | undefined;
    return node === undefined ? undefined : node.toJSON();
  };
  const alarms: MetricAlarm[] = [];
  for (const { raw, index } of list('alarms')) {
    const r = checkAlarm(raw, ['alarms', index]);
    if (r.errors[0]) fail([], r.errors[0]);
    alarms.push(r.value!);
  }
  const compositeAlarms: CompositeAlarm[] = [];
  for (const { raw, index } of list('compositeAlarms')) {
    const r = checkCompositeAlarm(raw, ['compositeAlarms', index]);
    if (r.errors[0]) fail([], r.errors[0]);
    compositeAlarms.push(r.value!);
  }
  const set = checkAlarmSet(alarms, compositeAlarms);
  if (set[0]) fail([], set[0]);
  const topics: Topic[] = [];
  for (const { raw, index } of list('topics')) {
    const r = checkTopic(raw);
    if (!r.ok) fail(['topics', index], r.errors[0]!);
    else topics.push(r.value);
  }
  const topicNames = new Set(topics.map((t) => t.name));
  for (const [kind, defs] of [
    ['alarms', alarms],
    ['compositeAlarms', compositeAlarms],
  ] as const) {
    defs.forEach((a, i) => {
      for (const key of ['alarmActions', 'okActions', 'insufficientDataActions'] as const) {
        (a[key] ?? []).forEach((action, j) => {
          const topic = action.split(':').pop() ?? action;
          if (!topicNames.has(topic)) {
            throw loc.at(
              nodeAtPath(doc, [kind, i, key, j]),
              'CONFIG_UNKNOWN_TOPIC',
              `${kind}[${i}].${key}[${j}]: there is no topic "${topic}"`,
              topicNames.size > 0 ? `topics: ${[...topicNames].join(', ')}` : 'declare it under topics:',
            );
          }
        });
      }
    });
  }
  const metrics = new Set(filters.map((f) => `${f.filter.metricNamespace}\u0000${f.filter.metricName}`));
  // A namespace no metric filter publishes to holds custom metrics (PutMetricData, src/api/cloudwatch.ts): an
  // alarm on one stays INSUFFICIENT_DATA until data arrives. Within a filter namespace, an unknown name is a typo.
  const filterNamespaces = new Set(filters.map((f) => f.filter.metricNamespace));
  alarms.forEach((a, i) => {
    if (
      filterNamespaces.has(a.metric.namespace) &&
      !metrics.has(`${a.metric.namespace}\u0000${a.metric.metricName}`)
    ) {
      throw loc.at(
        nodeAtPath(doc, ['alarms', i, 'metric']),
        'CONFIG_UNKNOWN_METRIC',
        `alarms[${i}].metric: no metric filter publishes ${a.metric.namespace}/${a.metric.metricName}`,
        `the metric filters of this file publish ${[...metrics]
          .filter((m) => m.startsWith(`${a.metric.namespace}\u0000`))
          .map((m) => m.replace('\u0000', '/'))
          .join(', ')}; custom metrics (PutMetricData) need a namespace of their own`,
      );
    }
  });
  let smtp: SmtpSettings | undefined;
  const smtpRaw = json('smtp');
  if (smtpRaw !== undefined && smtpRaw !== null) {
    const r = checkSmtp(smtpRaw);
    if (!r.ok) fail(['smtp'], r.errors[0]!);
    else smtp = r.value;
  }
  if (!smtp && topics.some((t) => t.subscriptions.some((s) => s.type === 'email'))) {
    throw loc.at(
      nodeAtPath(doc, ['topics']),
      'CONFIG_NO_SMTP',
      'topics: an email subscription needs an smtp: section (host, from)',
    );
  }
  let retry = DEFAULT_RETRY;
  const notifications = json('notifications') as Record<string, unknown> | null | undefined;
  if (notifications !== undefined && notifications !== null) {
    const extra = Object.keys(notifications).filter((k) => k !== 'retry');
    if (extra.length > 0 || typeof notifications !== 'object') {
      throw loc.at(
        nodeAtPath(doc, ['notifications', extra[0] ?? '']),
        'CONFIG_UNKNOWN_KEY',
        `notifications: unknown key "${extra[0]}"`,
        'expected retry',
      );
    }
    const r = checkRetryPolicy(notifications['retry']);
    if (!r.ok) fail(['notifications', 'retry'], r.errors[0]!);
    else retry = r.value;
  }
  const sources: SourceConfig[] = [];
  const names = new Set<string>();
  const paths = new Map<string, string>();
  for (const { raw, index } of list('sources')) {
    const r = checkSource(raw, ['sources', index]);
    if (r.errors[0]) fail([], r.errors[0]);
    const src = r.value!;
    if (names.has(src.name)) {
      throw loc.at(
        nodeAtPath(doc, ['sources', index, 'name']),
        'CONFIG_DUPLICATE_NAME',
        `sources[${index}]: a source named "${src.name}" is already defined above`,
      );
    }
    names.add(src.name);
    if (src.type === 'firehose' || src.type === 'subscription') {
      const other = paths.get(src.path);
      if (other !== undefined) {
        throw loc.at(
          nodeAtPath(doc, ['sources', index, 'path']),
          'CONFIG_DUPLICATE_PATH',
          `sources[${index}].path: ${src.path} is already used by source "${other}"`,
        );
      }
      paths.set(src.path, src.name);
    }
    sources.push(src);
  }
  const m = checkMonitor(json('monitor'), ['monitor']);
  if (m.errors[0]) fail([], m.errors[0]);
  const apiRaw = json('api');
  let api: ApiSettings | undefined;
  if (apiRaw !== undefined) {
    const a = checkApi(apiRaw ?? {}, ['api']);
    if (a.errors[0]) fail([], a.errors[0]);
    api = a.value;
  }
  const fa = checkFindingActions(json('findingActions'), ['findingActions']);
  if (fa.errors[0]) fail([], fa.errors[0]);
  const costs = checkCosts(doc, loc);
  return {
    alarms,
    compositeAlarms,
    topics,
    smtp,
    retry,
    sources,
    monitor: m.value!,
    api,
    findingActions: fa.value ?? [],
    costs,
  };
}

/** `costs: { region: eu-west-1, prices: prices.json }`: strings; the price file is read when an estimate is made. */
function checkCosts(doc: Document, loc: Locator): CostSettings | undefined {
  const node = doc.get('costs', true) as Node | undefined;
  if (node === undefined || (isScalar(node) && node.value === null)) return undefined;
  if (!isMap(node)) throw loc.at(node, 'CONFIG_TYPE', 'costs: expected a mapping with region and/or prices');
  const out: { region?: string; prices?: string } = {};
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (key !== 'region' && key !== 'prices') {
      throw loc.at(
        pair.key as Node,
        'CONFIG_UNKNOWN_KEY',
        `costs: unknown key "${key}"`,
        'expected region, prices',
      );
    }
    const v = pair.value as Node | null;
    if (!isScalar(v) || typeof v.value !== 'string' || v.value.trim() === '') {
      throw loc.at(
        (v ?? pair.key) as Node,
        'CONFIG_TYPE',
        `costs.${key}: expected ${key === 'region' ? 'a region such as eu-west-1' : 'the path of a JSON price table'}`,
      );
    }
    out[key] = v.value.trim();
  }
  return out;
}

/** The price table file of `costs.prices`, relative to the configuration's folder; undefined when none is set. */
export function pricesFile(config: Config): string | undefined {
  const p = config.costs?.prices;
  if (p === undefined) return undefined;
  return isAbsolute(p) ? p : join(dirname(config.path), p);
}

function filterSeq(doc: Document) {
  let list = doc.get('metricFilters', true);
  if (!isSeq(list)) {
    doc.set('metricFilters', doc.createNode([]));
    list = doc.get('metricFilters', true);
  }
  if (!isSeq(list)) throw new Error('metricFilters could not be created');
  return list;
}

/**
 * Adds a metric filter, or replaces the one with the same name (keeping the comments around its keys).
 * Returns the new configuration text; the filter must already be valid (checkMetricFilter).
 */
export function putFilter(config: Config, filter: MetricFilter): string {
  const doc = config.doc;
  const seq = filterSeq(doc);
  const existing = seq.items.find((it) => isMap(it) && it.get('name') === filter.name) as YAMLMap | undefined;
  const target = existing ?? (doc.createNode({}) as YAMLMap);
  for (const key of FILTER_KEYS) {
    const v = filter[key];
    if (v === undefined) target.delete(key);
    else target.set(key, typeof v === 'object' ? doc.createNode(v) : v);
  }
  if (!existing) seq.add(target);
  return doc.toString({ lineWidth: 0 });
}

/** Removes a metric filter by name; returns the new text, or undefined when no such filter exists. */
export function deleteFilter(config: Config, name: string): string | undefined {
  const seq = config.doc.get('metricFilters', true);
  if (!isSeq(seq)) return undefined;
  const i = seq.items.findIndex((it) => isMap(it) && it.get('name') === name);
  if (i < 0) return undefined;
  seq.delete(i);
  return config.doc.toString({ lineWidth: 0 });
}

/** Writes configuration text, after checking that it still loads. */
export function saveConfig(path: string, text: string): void {
  parseConfig(path, text);
  writeFileSync(path, text);
}

/** Stringify options of the editing helpers (no line folding). */
const KEEP_STYLE = { lineWidth: 0 } as const;

/** The list under a top-level key, created when absent. */
function sectionSeq(doc: Document, key: string) {
  let list = doc.get(key, true);
  if (!isSeq(list)) {
    doc.set(key, doc.createNode([]));
    list = doc.get(key, true);
  }
  if (!isSeq(list)) throw new Error(`${key} could not be created`);
  return list;
}

/**
 * Adds an entry to a named list (`alarms`, `compositeAlarms`, `topics`), or replaces the one with the same
 * `name` in place: its keys are updated, keys no longer given are removed, and comments around it survive.
 * Returns the new configuration text (validate it with {@link saveConfig}).
 *
 * @example putNamed(config, 'alarms', { name: 'ssh', metric: { namespace: 'FlowLogs', metricName: 'RejectedSSH' }, ... })
 */
export function putNamed(
  config: Config,
  section: 'alarms' | 'compositeAlarms' | 'topics',
  value: Readonly<Record<string, unknown>> & { readonly name: string },
): { text: string; replaced: boolean } {
  const doc = config.doc;
  const seq = sectionSeq(doc, section);
  const existing = seq.items.find((it) => isMap(it) && it.get('name') === value.name) as YAMLMap | undefined;
  if (!existing) {
    seq.add(doc.createNode(value));
    return { text: doc.toString(KEEP_STYLE), replaced: false };
  }
  for (const pair of [...existing.items]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!(key in value) || value[key] === undefined) existing.delete(key);
  }
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    existing.set(k, typeof v === 'object' && v !== null ? doc.createNode(v) : v);
  }
  return { text: doc.toString(KEEP_STYLE), replaced: true };
}

/**
 * Adds a subscription to a topic's `subscriptions` (the topic must exist). Returns the new text.
 *
 * @example addSubscription(config, 'netops', { type: 'email', to: ['ops@example.com'] })
 */
export function addSubscription(
  config: Config,
  topic: string,
  subscription: Readonly<Record<string, unknown>>,
): string | undefined {
  const seq = config.doc.get('topics', true);
  if (!isSeq(seq)) return undefined;
  const t = seq.items.find((it) => isMap(it) && it.get('name') === topic) as YAMLMap | undefined;
  if (!t) return undefined;
  let subs = t.get('subscriptions', true);
  if (!isSeq(subs)) {
    t.set('subscriptions', config.doc.createNode([]));
    subs = t.get('subscriptions', true);
  }
  if (!isSeq(subs)) throw new Error('subscriptions could not be created');
  subs.add(config.doc.createNode(subscription));
  return config.doc.toString(KEEP_STYLE);
}

/** Removes the subscription at `index` of a topic. Returns the new text, or undefined when there is none. */
export function removeSubscription(config: Config, topic: string, index: number): string | undefined {
  const seq = config.doc.get('topics', true);
  if (!isSeq(seq)) return undefined;
  const t = seq.items.find((it) => isMap(it) && it.get('name') === topic) as YAMLMap | undefined;
  const subs = t?.get('subscriptions', true);
  if (!isSeq(subs) || index < 0 || index >= subs.items.length) return undefined;
  subs.delete(index);
  return config.doc.toString(KEEP_STYLE);
}

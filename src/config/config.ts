// flowwatch.yaml: loading and validating the metric filters (errors name file, line and column), and saving
// changes back through the YAML document so that the user's comments and layout survive.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from 'yaml';
import { UserError } from '../core/errors.js';
import { FilterPatternError } from '../filter/index.js';
import {
  type CheckedMetricFilter,
  checkMetricFilter,
  type MetricFilter,
  MetricFilterError,
  type Unit,
} from '../metrics/metric-filter.js';

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
  readonly doc: Document;
}

const FILTER_KEYS = [
  'name',
  'pattern',
  'metricNamespace',
  'metricName',
  'metricValue',
  'defaultValue',
  'dimensions',
  'unit',
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
    const lineText = this.text.split('\n')[line - 1] ?? '';
    if (lineText.length <= 200) err.detail = `  ${lineText.replace(/\r$/, '')}\n  ${' '.repeat(col - 1)}^`;
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
    if (key !== 'metricFilters') {
      throw loc.at(pair.key as Node, 'CONFIG_UNKNOWN_KEY', `unknown key "${key}"`, 'expected metricFilters');
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
    return { path, exists: false, filters: [], doc };
  }
  return parseConfig(path, readFileSync(path, 'utf8'));
}

/** Validates configuration text; `file` is the name used in error messages. */
export function parseConfig(file: string, text: string): Config {
  const { doc, loc } = parse(file, text);
  return { path: file, exists: true, filters: check(doc, loc, text), doc };
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

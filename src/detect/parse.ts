// Reading detection definitions from YAML (built-in files and flowwatch.yaml's `detections:`), with every
// mistake reported as file:line:column, a caret under the offending text, and a did-you-mean for names.

import { isMap, isScalar, isSeq, type Node, parseDocument, type YAMLMap } from 'yaml';
import { caretLine } from '../core/caret.js';
import { UserError } from '../core/errors.js';
import { closest } from '../core/suggest.js';
import { parseCidr } from '../network/address.js';
import { MIN_UNIQUE_CONNECTIONS } from './beacon.js';
import {
  ADDRESS_FIELDS,
  type AllowList,
  type Attack,
  type BaselineCompare,
  BEACON_GROUP_BY,
  type BeaconDetection,
  type Condition,
  DETECT_FIELDS,
  type Detection,
  type FieldTest,
  type FirstSeenValue,
  INTEL_FIELDS,
  isNumericField,
  type Metric,
  SEVERITIES,
  type Severity,
  SILENCE_GROUP_BY,
} from './definition.js';

/** A definition that cannot be used: the message starts with `file:line:column:`, `detail` holds the caret. */
export class DetectionError extends UserError {
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

/** Named CIDR sets usable inside `cidr:` lists and address allow-lists. */
export const CIDR_SETS: Readonly<Record<string, readonly string[]>> = {
  // RFC 1918, shared address space (RFC 6598), IPv6 unique local (RFC 4193)
  $private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7'],
  // loopback and link-local (the instance metadata service, 169.254.169.254, lives here)
  $local: ['127.0.0.0/8', '169.254.0.0/16', '::1/128', 'fe80::/10'],
};

const KEYS = [
  'id',
  'title',
  'description',
  'kind',
  'attack',
  'enabled',
  'window',
  'quiet',
  'groupBy',
  'entity',
  'peers',
  'filter',
  'metric',
  'thresholds',
  'allow',
  'request',
  'reply',
  'supersededBy',
  'baseline',
  'minConnections',
  'gap',
  'prevalence',
  'lookback',
  'firstSeen',
] as const;
/** Keys flowwatch.yaml may change on a built-in detection. */
export const OVERRIDE_KEYS = [
  'title',
  'description',
  'enabled',
  'window',
  'quiet',
  'thresholds',
  'allow',
  'filter',
  'minConnections',
  'gap',
  'prevalence',
  'lookback',
] as const;
const ATTACK_KEYS = ['tactic', 'tacticName', 'technique', 'techniqueName'] as const;
const CONDITION_KEYS = [
  'in',
  'notIn',
  'lt',
  'lte',
  'gt',
  'gte',
  'cidr',
  'notCidr',
  'present',
  'missing',
] as const;

/** Positions in one YAML text. */
export class Locator {
  constructor(
    readonly file: string,
    private readonly text: string,
  ) {}

  error(code: string, at: number, message: string, hint?: string, end = at + 1): DetectionError {
    const before = this.text.slice(0, at);
    const line = before.split('\n').length;
    const column = at - (before.lastIndexOf('\n') + 1) + 1;
    const err = new DetectionError(code, this.file, line, column, message, hint);
    err.detail = caretLine(this.text, at, Math.max(end, at + 1));
    return err;
  }

  at(node: unknown, code: string, message: string, hint?: string): DetectionError {
    const r = (node as Node | null | undefined)?.range;
    return this.error(code, r?.[0] ?? 0, message, hint, r?.[1] ?? (r?.[0] ?? 0) + 1);
  }
}

/** "did you mean" hint for a misspelt name, else the list of valid ones. */
export function nameHint(word: string, valid: readonly string[]): string {
  const near = closest(word, valid);
  return near !== undefined ? `did you mean "${near}"?` : `expected one of ${valid.join(', ')}`;
}

/** The entries of a mapping, refusing unknown keys (with the nearest known one). */
export function entries(
  node: unknown,
  loc: Locator,
  where: string,
  valid: readonly string[],
): Map<string, { key: Node; value: unknown }> {
  if (!isMap(node)) throw loc.at(node, 'DETECT_TYPE', `${where}: expected a mapping`);
  const out = new Map<string, { key: Node; value: unknown }>();
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!valid.includes(key)) {
      throw loc.at(pair.key, 'DETECT_UNKNOWN_KEY', `${where}: unknown key "${key}"`, nameHint(key, valid));
    }
    if (out.has(key)) throw loc.at(pair.key, 'DETECT_DUPLICATE_KEY', `${where}: "${key}" is given twice`);
    out.set(key, { key: pair.key as Node, value: pair.value });
  }
  return out;
}

function str(node: unknown, loc: Locator, where: string): string {
  if (isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number'))
    return String(node.value);
  throw loc.at(node, 'DETECT_TYPE', `${where}: expected text`);
}

function num(node: unknown, loc: Locator, where: string, min = 0): number {
  if (isScalar(node) && typeof node.value === 'number' && Number.isFinite(node.value) && node.value >= min)
    return node.value;
  throw loc.at(node, 'DETECT_TYPE', `${where}: expected a number ≥ ${min}`);
}

function bool(node: unknown, loc: Locator, where: string): boolean {
  if (isScalar(node) && typeof node.value === 'boolean') return node.value;
  throw loc.at(node, 'DETECT_TYPE', `${where}: expected true or false`);
}

function list(node: unknown): unknown[] {
  return isSeq(node) ? node.items : [node];
}

function field(node: unknown, loc: Locator, where: string, valid = DETECT_FIELDS): string {
  const name = str(node, loc, where);
  if (!valid.includes(name)) {
    throw loc.at(node, 'DETECT_UNKNOWN_FIELD', `${where}: unknown field "${name}"`, nameHint(name, valid));
  }
  return name;
}

function fields(node: unknown, loc: Locator, where: string, valid = DETECT_FIELDS): string[] {
  const out = list(node).map((n, i) => field(n, loc, `${where}[${i}]`, valid));
  if (out.length === 0) throw loc.at(node, 'DETECT_TYPE', `${where}: expected at least one field`);
  return out;
}

/** Scalars of a value list, typed as the field is (numbers for numeric fields). */
function values(node: unknown, loc: Locator, where: string, f: string): (string | number)[] {
  const numeric = isNumericField(f);
  return list(node).map((n, i) => {
    if (!isScalar(n)) throw loc.at(n, 'DETECT_TYPE', `${where}[${i}]: expected a value`);
    if (numeric) {
      if (typeof n.value !== 'number' || !Number.isInteger(n.value))
        throw loc.at(n, 'DETECT_TYPE', `${where}[${i}]: ${f} is a number field: expected a whole number`);
      return n.value;
    }
    return str(n, loc, `${where}[${i}]`);
  });
}

/** CIDR blocks (bare addresses mean one address; `$private` and `$local` name sets). */
function cidrs(node: unknown, loc: Locator, where: string): string[] {
  const out: string[] = [];
  list(node).forEach((n, i) => {
    const text = str(n, loc, `${where}[${i}]`);
    if (text === '$home') {
      // the user's homeNet: resolved by the catalog (home-net.ts) once flowwatch.yaml is read
      out.push(text);
      return;
    }
    if (text.startsWith('$')) {
      const set = CIDR_SETS[text];
      if (set === undefined)
        throw loc.at(
          n,
          'DETECT_BAD_CIDR',
          `${where}[${i}]: unknown address set "${text}"`,
          nameHint(text, [...Object.keys(CIDR_SETS), '$home']),
        );
      out.push(...set);
      return;
    }
    const c = parseCidr(text.includes('/') ? text : `${text}/${text.includes(':') ? 128 : 32}`);
    if (c === undefined)
      throw loc.at(
        n,
        'DETECT_BAD_CIDR',
        `${where}[${i}]: "${text}" is not an address or CIDR block`,
        'e.g. 10.0.0.0/8, 203.0.113.7, 2001:db8::/32',
      );
    out.push(text.includes('/') ? text : `${text}/${text.includes(':') ? 128 : 32}`);
  });
  return out;
}

function conditions(node: unknown, loc: Locator, where: string, f: string): Condition[] {
  if (!isMap(node)) {
    return [{ op: 'in', values: values(node, loc, where, f) }];
  }
  const out: Condition[] = [];
  for (const [k, { key, value }] of entries(node, loc, where, CONDITION_KEYS)) {
    const w = `${where}.${k}`;
    const needAddress = () => {
      if (!ADDRESS_FIELDS.includes(f))
        throw loc.at(
          key,
          'DETECT_TYPE',
          `${w}: ${f} is not an address field`,
          `cidr tests apply to ${ADDRESS_FIELDS.join(', ')}`,
        );
    };
    switch (k) {
      case 'in':
        out.push({ op: 'in', values: values(value, loc, w, f) });
        break;
      case 'notIn':
        out.push({ op: 'not_in', values: values(value, loc, w, f) });
        break;
      case 'lt':
      case 'lte':
      case 'gt':
      case 'gte':
        if (!isNumericField(f))
          throw loc.at(key, 'DETECT_TYPE', `${w}: ${f} is text; comparisons need a number field`);
        out.push({ op: 'cmp', cmp: k, value: num(value, loc, w, Number.NEGATIVE_INFINITY) });
        break;
      case 'cidr':
        needAddress();
        out.push({ op: 'cidr', cidrs: cidrs(value, loc, w) });
        break;
      case 'notCidr':
        needAddress();
        out.push({ op: 'not_cidr', cidrs: cidrs(value, loc, w) });
        break;
      case 'present':
        if (!bool(value, loc, w))
          throw loc.at(value, 'DETECT_TYPE', `${w}: only "present: true" is supported`);
        out.push({ op: 'present' });
        break;
      case 'missing':
        if (!bool(value, loc, w))
          throw loc.at(value, 'DETECT_TYPE', `${w}: only "missing: true" is supported`);
        out.push({ op: 'missing' });
        break;
    }
  }
  return out;
}

/** A `filter:` mapping (field → value, list or condition mapping). */
export function parseFilter(node: unknown, loc: Locator, where: string): FieldTest[] {
  return parseFilterAny(node, loc, where, false).tests;
}

/**
 * A detection's `filter:` mapping, which may also hold `any:` — a list of filter mappings of which at least one
 * must hold (alternatives, e.g. rejected, or accepted but never answered).
 */
export function parseFilterAny(
  node: unknown,
  loc: Locator,
  where: string,
  allowAny = true,
): { tests: FieldTest[]; any: FieldTest[][] } {
  if (node === null || (isScalar(node) && node.value === null)) return { tests: [], any: [] };
  const out: FieldTest[] = [];
  const any: FieldTest[][] = [];
  for (const [k, { key, value }] of entries(
    node,
    loc,
    where,
    allowAny ? [...DETECT_FIELDS, 'any'] : DETECT_FIELDS,
  )) {
    if (k === 'any') {
      if (!isSeq(value) || value.items.length === 0)
        throw loc.at(
          value ?? key,
          'DETECT_TYPE',
          `${where}.any: expected a list of filter mappings (at least one must hold)`,
        );
      value.items.forEach((item, i) => {
        any.push(parseFilterAny(item, loc, `${where}.any[${i}]`, false).tests);
      });
      continue;
    }
    for (const cond of conditions(value, loc, `${where}.${k}`, k)) out.push({ field: k, cond });
  }
  return { tests: out, any };
}

/** An `allow:` mapping: address fields take CIDRs, the others exact values. */
export function parseAllow(node: unknown, loc: Locator, where: string): AllowList {
  const a: { cidrs: AllowList['cidrs'][number][]; values: AllowList['values'][number][] } = {
    cidrs: [],
    values: [],
  };
  if (node === null || (isScalar(node) && node.value === null)) return a;
  for (const [k, { value }] of entries(node, loc, where, DETECT_FIELDS)) {
    if (ADDRESS_FIELDS.includes(k)) a.cidrs.push({ field: k, cidrs: cidrs(value, loc, `${where}.${k}`) });
    else a.values.push({ field: k, values: values(value, loc, `${where}.${k}`, k) });
  }
  return a;
}

function parseThresholds(node: unknown, loc: Locator, where: string): Partial<Record<Severity, number>> {
  const out: Partial<Record<Severity, number>> = {};
  for (const [k, { value }] of entries(node, loc, where, SEVERITIES)) {
    if (isScalar(value) && value.value === null) continue;
    out[k as Severity] = num(value, loc, `${where}.${k}`, 1);
  }
  return out;
}

function checkThresholds(
  t: Partial<Record<Severity, number>>,
  node: unknown,
  loc: Locator,
  where: string,
): void {
  const given = SEVERITIES.filter((s) => t[s] !== undefined);
  if (given.length === 0)
    throw loc.at(node, 'DETECT_NO_THRESHOLD', `${where}: give at least one of ${SEVERITIES.join(', ')}`);
  for (let i = 1; i < given.length; i++) {
    if (t[given[i]!]! < t[given[i - 1]!]!)
      throw loc.at(
        node,
        'DETECT_THRESHOLD_ORDER',
        `${where}: ${given[i]} (${t[given[i]!]}) is below ${given[i - 1]} (${t[given[i - 1]!]})`,
        'a higher severity needs a value at least as large',
      );
  }
}

function parseMetric(node: unknown, loc: Locator, where: string): Metric {
  if (isScalar(node) && node.value === 'count') return { kind: 'count' };
  if (isScalar(node))
    throw loc.at(
      node,
      'DETECT_TYPE',
      `${where}: expected count, { distinct: [fields] } or { sum: bytes|packets }`,
    );
  const e = entries(node, loc, where, ['distinct', 'sum']);
  if (e.size !== 1) throw loc.at(node, 'DETECT_TYPE', `${where}: give one of distinct, sum`);
  const d = e.get('distinct');
  if (d !== undefined) return { kind: 'distinct', fields: fields(d.value, loc, `${where}.distinct`) };
  const s = e.get('sum')!;
  const f = str(s.value, loc, `${where}.sum`);
  if (f !== 'bytes' && f !== 'packets')
    throw loc.at(
      s.value,
      'DETECT_TYPE',
      `${where}.sum: expected bytes or packets`,
      nameHint(f, ['bytes', 'packets']),
    );
  return { kind: 'sum', field: f };
}

const FIRST_SEEN_KEYS = ['field', 'as', 'learningDays', 'requestsOnly'] as const;
/** Default learning period of a first-seen detection: a week, so each weekday has been seen once. */
export const DEFAULT_LEARNING_DAYS = 7;

/** `firstSeen: { field, as, learningDays, requestsOnly }` of a first-seen detection. */
function parseFirstSeen(
  node: unknown,
  loc: Locator,
  where: string,
): { value: FirstSeenValue; learningDays: number; requestsOnly: boolean } {
  const e = entries(node, loc, where, FIRST_SEEN_KEYS);
  const f = e.get('field');
  if (f === undefined) throw loc.at(node, 'DETECT_MISSING_KEY', `${where}: "field" is missing`);
  const fieldName = field(f.value, loc, `${where}.field`);
  let as: FirstSeenValue['as'];
  const a = e.get('as');
  if (a !== undefined) {
    const t = str(a.value, loc, `${where}.as`);
    if (t !== 'country' && t !== 'asn')
      throw loc.at(
        a.value,
        'DETECT_TYPE',
        `${where}.as: expected country or asn`,
        nameHint(t, ['country', 'asn']),
      );
    if (!ADDRESS_FIELDS.includes(fieldName))
      throw loc.at(
        f.value,
        'DETECT_TYPE',
        `${where}.field: "as: ${t}" needs an address field (${ADDRESS_FIELDS.join(', ')}), got ${fieldName}`,
      );
    as = t;
  }
  const l = e.get('learningDays');
  const learningDays =
    l === undefined ? DEFAULT_LEARNING_DAYS : num(l.value, loc, `${where}.learningDays`, 1);
  if (!Number.isInteger(learningDays))
    throw loc.at(l!.value, 'DETECT_TYPE', `${where}.learningDays: expected whole days`);
  const r = e.get('requestsOnly');
  return {
    value: as === undefined ? { field: fieldName } : { field: fieldName, as },
    learningDays,
    requestsOnly: r === undefined ? false : bool(r.value, loc, `${where}.requestsOnly`),
  };
}

const BASELINE_KEYS = ['minValue', 'minRatio', 'coldStart'] as const;

/** `baseline: { minValue, minRatio, coldStart }` of a baseline detection. */
function parseBaseline(node: unknown, loc: Locator, where: string): BaselineCompare {
  const e = entries(node, loc, where, BASELINE_KEYS);
  const get = (k: (typeof BASELINE_KEYS)[number], dflt: number | undefined) => {
    const v = e.get(k);
    return v === undefined ? dflt : num(v.value, loc, `${where}.${k}`);
  };
  const minRatio = get('minRatio', 1)!;
  if (minRatio < 1)
    throw loc.at(e.get('minRatio')!.value, 'DETECT_TYPE', `${where}.minRatio: expected a number ≥ 1`);
  return { minValue: get('minValue', 1)!, minRatio, coldStart: get('coldStart', undefined) };
}

function parseAttack(node: unknown, loc: Locator, where: string): Attack {
  const e = entries(node, loc, where, ATTACK_KEYS);
  const get = (k: (typeof ATTACK_KEYS)[number]) => {
    const v = e.get(k);
    if (v === undefined) throw loc.at(node, 'DETECT_MISSING_KEY', `${where}: "${k}" is missing`);
    return str(v.value, loc, `${where}.${k}`);
  };
  const technique = get('technique');
  if (!/^T\d{4}(\.\d{3})?$/.test(technique))
    throw loc.at(
      e.get('technique')!.value,
      'DETECT_TYPE',
      `${where}.technique: expected an ATT&CK technique id such as T1046`,
    );
  return {
    tactic: get('tactic'),
    tacticName: get('tacticName'),
    technique,
    techniqueName: get('techniqueName'),
  };
}

/** Default `gap` of a beacon definition: two Nitro aggregation windows (flow-log starts lag up to 60 s). */
export const DEFAULT_GAP = 120;
/** Default `prevalence`: RITA treats a destination ≥ 50 % of hosts reach as common (−15 %); here it is out. */
export const DEFAULT_PREVALENCE = { percent: 50, minSources: 3 } as const;

/** Default `lookback` of a silence definition: its interfaces' addresses are learned from the 6 hours before. */
export const DEFAULT_LOOKBACK = 21_600;

function wholeSeconds(node: unknown, loc: Locator, where: string): number {
  const n = num(node, loc, where, 0);
  if (!Number.isInteger(n)) throw loc.at(node, 'DETECT_TYPE', `${where}: expected whole seconds`);
  return n;
}

/** Beacon scores are 0..100: a threshold above 100 could never be reached. */
function checkScoreThresholds(
  t: Partial<Record<Severity, number>>,
  node: unknown,
  loc: Locator,
  where: string,
): void {
  for (const s of SEVERITIES) {
    if ((t[s] ?? 0) > 100)
      throw loc.at(
        node,
        'DETECT_TYPE',
        `${where}.${s}: a beacon score is 0..100; ${t[s]} can never be reached`,
        'RITA’s bands are 50, 75, 90 and 100',
      );
  }
}

/** The beacon keys of a definition or an override (minConnections, gap, prevalence) applied to `b`. */
function beaconOptions(
  b: BeaconDetection,
  e: Map<string, { key: Node; value: unknown }>,
  loc: Locator,
  where: string,
): BeaconDetection {
  let out = b;
  const mc = e.get('minConnections');
  if (mc !== undefined) {
    const n = num(mc.value, loc, `${where}.minConnections`, MIN_UNIQUE_CONNECTIONS);
    if (!Number.isInteger(n))
      throw loc.at(mc.value, 'DETECT_TYPE', `${where}.minConnections: expected a whole number`);
    out = { ...out, minConnections: n };
  }
  const gap = e.get('gap');
  if (gap !== undefined) out = { ...out, gap: num(gap.value, loc, `${where}.gap`, 0) };
  const pv = e.get('prevalence');
  if (pv !== undefined) {
    const w = `${where}.prevalence`;
    const p = entries(pv.value, loc, w, ['percent', 'minSources']);
    const percent = p.has('percent')
      ? num(p.get('percent')!.value, loc, `${w}.percent`, 0)
      : out.prevalence.percent;
    if (percent > 100) throw loc.at(p.get('percent')!.value, 'DETECT_TYPE', `${w}.percent: expected 0..100`);
    const minSources = p.has('minSources')
      ? num(p.get('minSources')!.value, loc, `${w}.minSources`, 1)
      : out.prevalence.minSources;
    out = { ...out, prevalence: { percent, minSources } };
  }
  return out;
}

/**
 * A full definition from a YAML mapping. `where` names it in messages (e.g. `detections.my-scan`).
 */
export function parseDefinition(node: unknown, loc: Locator, where: string, idFromKey?: string): Detection {
  const e = entries(node, loc, where, KEYS);
  const need = (k: (typeof KEYS)[number]) => {
    const v = e.get(k);
    if (v === undefined) throw loc.at(node, 'DETECT_MISSING_KEY', `${where}: "${k}" is missing`);
    return v.value;
  };
  const opt = (k: (typeof KEYS)[number]) => e.get(k)?.value;
  const id = idFromKey ?? str(need('id'), loc, `${where}.id`);
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(id))
    throw loc.at(
      e.get('id')?.value ?? node,
      'DETECT_BAD_ID',
      `${where}: id "${id}" must be lower-case letters, digits and dashes`,
    );
  const kindNode = need('kind');
  const kind = str(kindNode, loc, `${where}.kind`);
  if (
    kind !== 'threshold' &&
    kind !== 'pair' &&
    kind !== 'baseline' &&
    kind !== 'beacon' &&
    kind !== 'intel' &&
    kind !== 'silence' &&
    kind !== 'first-seen'
  )
    throw loc.at(
      kindNode,
      'DETECT_UNKNOWN_KIND',
      `${where}.kind: unknown kind "${kind}"`,
      nameHint(kind, ['threshold', 'pair', 'baseline', 'beacon', 'intel', 'silence', 'first-seen']),
    );
  if (kind !== 'first-seen' && e.has('firstSeen'))
    throw loc.at(
      e.get('firstSeen')!.key,
      'DETECT_KIND_KEY',
      `${where}: "firstSeen" applies to kind first-seen only`,
    );
  if (kind !== 'silence' && e.has('lookback'))
    throw loc.at(
      e.get('lookback')!.key,
      'DETECT_KIND_KEY',
      `${where}: "lookback" applies to kind silence only`,
    );
  if (kind === 'silence' && e.has('groupBy'))
    throw loc.at(
      e.get('groupBy')!.key,
      'DETECT_KIND_KEY',
      `${where}: kind silence groups by ${SILENCE_GROUP_BY.join(', ')}; remove "groupBy"`,
    );
  if (kind !== 'baseline' && e.has('baseline'))
    throw loc.at(
      e.get('baseline')!.key,
      'DETECT_KIND_KEY',
      `${where}: "baseline" applies to kind baseline only`,
    );
  if (kind === 'beacon' && e.has('groupBy'))
    throw loc.at(
      e.get('groupBy')!.key,
      'DETECT_KIND_KEY',
      `${where}: kind beacon groups by ${BEACON_GROUP_BY.join(', ')}; remove "groupBy"`,
    );
  if (kind !== 'beacon') {
    for (const k of ['minConnections', 'gap', 'prevalence'] as const) {
      if (e.has(k))
        throw loc.at(e.get(k)!.key, 'DETECT_KIND_KEY', `${where}: "${k}" applies to kind beacon only`);
    }
  }
  // kind intel groups by its pseudo fields (host, known_bad) only; kind beacon by its fixed pair.
  const groupFields = kind === 'intel' ? INTEL_FIELDS : undefined;
  const groupBy =
    kind === 'beacon'
      ? [...BEACON_GROUP_BY]
      : kind === 'silence'
        ? [...SILENCE_GROUP_BY]
        : kind === 'intel' && !e.has('groupBy')
          ? [...INTEL_FIELDS]
          : fields(need('groupBy'), loc, `${where}.groupBy`, groupFields);
  const entityNode = opt('entity');
  const entity =
    entityNode === undefined ? [groupBy[0]!] : fields(entityNode, loc, `${where}.entity`, groupFields);
  for (const [i, f] of entity.entries()) {
    if (!groupBy.includes(f))
      throw loc.at(
        isSeq(entityNode) ? entityNode.items[i] : entityNode,
        'DETECT_ENTITY',
        `${where}.entity: ${f} is not one of groupBy (${groupBy.join(', ')})`,
      );
  }
  const thresholdsNode = need('thresholds');
  const thresholds = parseThresholds(thresholdsNode, loc, `${where}.thresholds`);
  checkThresholds(thresholds, thresholdsNode, loc, `${where}.thresholds`);
  if (kind === 'beacon') checkScoreThresholds(thresholds, thresholdsNode, loc, `${where}.thresholds`);
  const window = num(need('window'), loc, `${where}.window`, 1);
  if (!Number.isInteger(window))
    throw loc.at(e.get('window')!.value, 'DETECT_TYPE', `${where}.window: expected whole seconds`);
  const quiet = e.has('quiet') ? num(opt('quiet'), loc, `${where}.quiet`, 0) : window;
  const filter = parseFilterAny(opt('filter') ?? null, loc, `${where}.filter`);
  const common = {
    id,
    title: str(need('title'), loc, `${where}.title`),
    description: e.has('description') ? str(opt('description'), loc, `${where}.description`).trim() : '',
    attack: e.has('attack') ? parseAttack(opt('attack'), loc, `${where}.attack`) : undefined,
    enabled: e.has('enabled') ? bool(opt('enabled'), loc, `${where}.enabled`) : true,
    window,
    quiet,
    thresholds,
    filter: filter.tests,
    anyOf: filter.any,
    allow: parseAllow(opt('allow') ?? null, loc, `${where}.allow`),
    groupBy,
    entity,
    peers: e.has('peers')
      ? field(opt('peers'), loc, `${where}.peers`, groupFields)
      : kind === 'intel'
        ? 'known_bad'
        : kind === 'beacon'
          ? 'dstaddr'
          : undefined,
    ...(e.has('supersededBy')
      ? { supersededBy: str(opt('supersededBy'), loc, `${where}.supersededBy`) }
      : {}),
    origin: loc.file,
  };
  if (kind === 'intel') {
    for (const k of ['request', 'reply', 'metric'] as const) {
      if (e.has(k))
        throw loc.at(
          e.get(k)!.key,
          'DETECT_KIND_KEY',
          `${where}: kind intel ranks its records itself (1 rejected, 2 accepted inbound, 3 accepted outbound); remove "${k}"`,
        );
    }
    return { ...common, kind };
  }
  if (kind === 'silence') {
    for (const k of ['request', 'reply', 'metric', 'peers'] as const) {
      if (e.has(k))
        throw loc.at(
          e.get(k)!.key,
          'DETECT_KIND_KEY',
          `${where}: kind silence counts the records other interfaces logged from the silent one's address, and its peers are those interfaces; remove "${k}"`,
        );
    }
    const lb = e.get('lookback');
    return {
      ...common,
      kind,
      lookback: lb === undefined ? DEFAULT_LOOKBACK : wholeSeconds(lb.value, loc, `${where}.lookback`),
    };
  }
  if (kind === 'beacon') {
    if (e.has('metric'))
      throw loc.at(
        e.get('metric')!.key,
        'DETECT_KIND_KEY',
        `${where}: kind beacon scores each pair 0..100; remove "metric"`,
      );
    for (const k of ['request', 'reply'] as const) {
      if (e.has(k))
        throw loc.at(e.get(k)!.key, 'DETECT_KIND_KEY', `${where}: "${k}" applies to kind pair only`);
    }
    const b: BeaconDetection = {
      ...common,
      kind,
      minConnections: MIN_UNIQUE_CONNECTIONS,
      gap: DEFAULT_GAP,
      prevalence: DEFAULT_PREVALENCE,
    };
    return beaconOptions(b, e, loc, where);
  }
  if (kind === 'first-seen') {
    for (const k of ['request', 'reply', 'metric'] as const) {
      if (e.has(k))
        throw loc.at(
          e.get(k)!.key,
          'DETECT_KIND_KEY',
          `${where}: kind first-seen counts the new values of a window; remove "${k}"`,
        );
    }
    return { ...common, kind, ...parseFirstSeen(need('firstSeen'), loc, `${where}.firstSeen`) };
  }
  if (kind === 'threshold' || kind === 'baseline') {
    for (const k of ['request', 'reply'] as const) {
      if (e.has(k))
        throw loc.at(e.get(k)!.key, 'DETECT_KIND_KEY', `${where}: "${k}" applies to kind pair only`);
    }
    const metric = parseMetric(need('metric'), loc, `${where}.metric`);
    if (kind === 'threshold') return { ...common, kind, metric };
    if (window !== 60 && window !== 3600 && window !== 86400)
      throw loc.at(
        e.get('window')!.value,
        'DETECT_BASELINE_BIN',
        `${where}.window: a baseline detection's bin is 60 (a minute), 3600 (an hour) or 86400 (a day), got ${window}`,
        'baselines are kept per hour of the day/week: use 3600, 60 for per-minute floods or 86400 for slow daily totals',
      );
    return { ...common, kind, metric, baseline: parseBaseline(need('baseline'), loc, `${where}.baseline`) };
  }
  if (e.has('metric'))
    throw loc.at(
      e.get('metric')!.key,
      'DETECT_KIND_KEY',
      `${where}: kind pair counts the matched replies; remove "metric"`,
    );
  return {
    ...common,
    kind,
    request: parseFilter(need('request'), loc, `${where}.request`),
    reply: parseFilter(need('reply'), loc, `${where}.reply`),
  };
}

/**
 * Parses one definition file (one YAML mapping).
 *
 * @example parseDefinitionText('builtin/port-scan.yaml', text).id // 'vertical-port-scan'
 */
export function parseDefinitionText(file: string, text: string): Detection {
  const doc = parseDocument(text, { prettyErrors: false });
  const loc = new Locator(file, text);
  const first = doc.errors[0];
  if (first) throw loc.error('DETECT_YAML', first.pos[0], `invalid YAML: ${first.message.split('\n')[0]}`);
  return parseDefinition(doc.contents, loc, 'detection');
}

/**
 * Applies one `detections.<id>` override mapping to a built-in definition: given keys replace the built-in's,
 * except `thresholds` (per severity) and `allow` (entries added).
 */
export function applyOverride(base: Detection, node: YAMLMap, loc: Locator, where: string): Detection {
  const e = entries(node, loc, where, OVERRIDE_KEYS);
  let d: Detection = { ...base, origin: loc.file };
  for (const [k, { value }] of e) {
    const w = `${where}.${k}`;
    switch (k as (typeof OVERRIDE_KEYS)[number]) {
      case 'title':
        d = { ...d, title: str(value, loc, w) };
        break;
      case 'description':
        d = { ...d, description: str(value, loc, w) };
        break;
      case 'enabled':
        d = { ...d, enabled: bool(value, loc, w) };
        break;
      case 'window': {
        const n = num(value, loc, w, 1);
        if (!Number.isInteger(n)) throw loc.at(value, 'DETECT_TYPE', `${w}: expected whole seconds`);
        d = { ...d, window: n };
        break;
      }
      case 'quiet':
        d = { ...d, quiet: num(value, loc, w, 0) };
        break;
      case 'thresholds': {
        const t: Partial<Record<Severity, number>> = { ...d.thresholds };
        if (isMap(value)) {
          for (const pair of value.items) {
            if (isScalar(pair.value) && pair.value.value === null && isScalar(pair.key))
              delete t[String(pair.key.value) as Severity];
          }
        }
        Object.assign(t, parseThresholds(value, loc, w));
        checkThresholds(t, value, loc, w);
        d = { ...d, thresholds: t };
        break;
      }
      case 'allow': {
        const a = parseAllow(value, loc, w);
        d = {
          ...d,
          allow: { cidrs: [...d.allow.cidrs, ...a.cidrs], values: [...d.allow.values, ...a.values] },
        };
        break;
      }
      case 'filter': {
        const f = parseFilterAny(value, loc, w);
        d = { ...d, filter: f.tests, anyOf: f.any };
        break;
      }
      case 'lookback':
        if (d.kind !== 'silence')
          throw loc.at(e.get(k)!.key, 'DETECT_KIND_KEY', `${where}: "${k}" applies to kind silence only`);
        d = { ...d, lookback: wholeSeconds(value, loc, w) };
        break;
      case 'minConnections':
      case 'gap':
      case 'prevalence':
        if (d.kind !== 'beacon')
          throw loc.at(e.get(k)!.key, 'DETECT_KIND_KEY', `${where}: "${k}" applies to kind beacon only`);
        d = beaconOptions(d, new Map([[k, e.get(k)!]]), loc, where);
        break;
    }
  }
  if (d.kind === 'beacon' && e.has('thresholds'))
    checkScoreThresholds(d.thresholds, e.get('thresholds')!.value, loc, `${where}.thresholds`);
  return d;
}

/** Helper for sections: a YAML map node's entries, with their key scalars (for ids). */
export function mapItems(node: unknown): { key: Node; value: unknown; name: string }[] {
  if (!isMap(node)) return [];
  return node.items.map((p) => ({
    key: p.key as Node,
    value: p.value,
    name: isScalar(p.key) ? String(p.key.value) : '',
  }));
}

export { str as scalarText };

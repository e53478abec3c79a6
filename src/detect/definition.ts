// The detection definition: a readonly data shape (parsed from YAML by parse.ts) that every backend compiles —
// DuckDB SQL over stored records, Trino SQL for Athena, and the in-memory evaluator of the monitor.

import { FIELDS } from '../records/catalog.js';

/** Finding severities, lowest first (OCSF severity_id 2..5). */
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Record fields a definition may name: the store's catalog columns. */
export const DETECT_FIELDS: readonly string[] = FIELDS.map((f) => f.column);

/** Address fields: the only ones a `cidr` condition (and an address allow-list) applies to. */
export const ADDRESS_FIELDS: readonly string[] = ['srcaddr', 'dstaddr', 'pkt_srcaddr', 'pkt_dstaddr'];

/** True when the catalog types `field` as a number. */
export function isNumericField(field: string): boolean {
  return FIELDS.find((f) => f.column === field)?.type !== 'string';
}

/**
 * One test on one field of a record. A record whose field is missing (NULL, `-`) fails every test, the
 * negated ones included (as SQL's three-valued logic does), so the backends agree.
 */
export type Condition =
  | { readonly op: 'in'; readonly values: readonly (string | number)[] }
  | { readonly op: 'not_in'; readonly values: readonly (string | number)[] }
  | { readonly op: 'cmp'; readonly cmp: 'lt' | 'lte' | 'gt' | 'gte'; readonly value: number }
  | { readonly op: 'cidr'; readonly cidrs: readonly string[] }
  | { readonly op: 'not_cidr'; readonly cidrs: readonly string[] }
  | { readonly op: 'present' }
  /** The field is missing (NULL, `-`): the one test a missing value passes (`tcp_flags: { missing: true }`). */
  | { readonly op: 'missing' };

/** A filter: every listed field's conditions must hold (AND). */
export interface FieldTest {
  readonly field: string;
  readonly cond: Condition;
}

/** Records an allow-list exempts (any one matching entry removes the record). */
export interface AllowList {
  /** CIDR blocks (or single addresses) per address field. */
  readonly cidrs: readonly { readonly field: string; readonly cidrs: readonly string[] }[];
  /** Exact values per non-address field (ports, interface ids, ...). */
  readonly values: readonly { readonly field: string; readonly values: readonly (string | number)[] }[];
}

/** How a group's window is measured. */
export type Metric =
  | { readonly kind: 'count' }
  | { readonly kind: 'distinct'; readonly fields: readonly string[] }
  | { readonly kind: 'sum'; readonly field: 'bytes' | 'packets' };

/** MITRE ATT&CK tag. */
export interface Attack {
  readonly tactic: string;
  readonly tacticName: string;
  readonly technique: string;
  readonly techniqueName: string;
}

interface Common {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly attack: Attack | undefined;
  readonly enabled: boolean;
  /** Window length in seconds (tumbling windows aligned to the unix epoch). */
  readonly window: number;
  /** Seconds without a hit after which an episode closes (a later hit opens a new finding). */
  readonly quiet: number;
  /** The least metric value reaching each severity (at least one). */
  readonly thresholds: Readonly<Partial<Record<Severity, number>>>;
  readonly filter: readonly FieldTest[];
  /**
   * `filter.any`: alternatives of which at least one must hold (each an AND of tests), ANDed with `filter`.
   * Empty: no alternatives.
   */
  readonly anyOf: readonly (readonly FieldTest[])[];
  readonly allow: AllowList;
  /** Group-by fields (the entity's identity). */
  readonly groupBy: readonly string[];
  /** Which of groupBy name the entity (joined with `:` when several, e.g. host:port). */
  readonly entity: readonly string[];
  /** The field listed as the finding's peers (the other side). */
  readonly peers: string | undefined;
  /**
   * Another detection (a faster variant) whose finding on the same entity, overlapping in time, makes this one's
   * redundant: `detect` then keeps only the other (e.g. the hour-long variants of the 10-minute ones).
   */
  readonly supersededBy?: string | undefined;
  /** Where the definition came from: `builtin` or the file that defined or changed it. */
  readonly origin: string;
}

/** A windowed aggregate per group compared with per-severity thresholds. */
export interface ThresholdDetection extends Common {
  readonly kind: 'threshold';
  readonly metric: Metric;
}

/**
 * Pairs: a `reply` record (e.g. REJECT) whose reversed 5-tuple on the same interface has a `request` record
 * (e.g. ACCEPT) in the same window. The metric counts the reply records that have such a partner.
 */
export interface PairDetection extends Common {
  readonly kind: 'pair';
  readonly request: readonly FieldTest[];
  readonly reply: readonly FieldTest[];
}

/**
 * Known-bad addresses: records with an address (the packet-level one when the format has it) inside an indicator
 * of the loaded threat-intelligence feeds, valid at the record's event time. Groups are the pseudo fields
 * `host` (the record's other address: the internal host) and `known_bad` (the listed address); the metric of a
 * window is its most serious record (intelRank): 1 rejected (either way), 2 accepted on a connection the listed
 * address started (inbound), 3 accepted on one the internal host started (outbound) — compared with the thresholds (the built-in: low 1, medium 2, high 3).
 */
export interface IntelDetection extends Common {
  readonly kind: 'intel';
}

/** Pseudo fields an intel detection groups by. */
export const INTEL_FIELDS: readonly string[] = ['host', 'known_bad'];

/**
 * The record rank of an intel match (see IntelDetection): 1 rejected; accepted, 3 when the internal host started
 * the connection (outbound) and 2 when the listed address did (inbound). The side that started it is the one
 * with the higher (ephemeral) port: a record from a lower source port to a higher destination port is a reply.
 *
 * @example intelRank('ACCEPT', false, 40000, 443) // 3: the host reached the listed address's 443
 */
export function intelRank(action: unknown, badIsSource: boolean, srcport: unknown, dstport: unknown): number {
  if (action !== 'ACCEPT') return 1;
  const reply =
    srcport !== null && srcport !== undefined && dstport !== null && dstport !== undefined
      ? Number(srcport) < Number(dstport)
      : false;
  return badIsSource !== reply ? 2 : 3;
}

/** How a baseline detection compares a bin with the entity's own history (see baseline.ts). */
export interface BaselineCompare {
  /** The least bin value reported (a bin below it is never a finding, whatever its z-score). */
  readonly minValue: number;
  /** The least ratio of the bin's value to the baseline median (ignored when the median is 0). */
  readonly minRatio: number;
  /**
   * While the baseline lacks history (cold start), bins reaching this value are still reported (at the lowest
   * severity); undefined: nothing is reported during cold start (the run says so).
   */
  readonly coldStart: number | undefined;
}

/**
 * A per-bin aggregate per group compared with the group's own history at the same hour (of the week, else of
 * the day): robust z = (value − median) / σ, σ from the median absolute deviation. `window` is the bin;
 * `thresholds` are z-scores per severity.
 */
export interface BaselineDetection extends Common {
  readonly kind: 'baseline';
  readonly metric: Metric;
  readonly baseline: BaselineCompare;
}

/** Days before a first-seen detection's range that are read: a value used in them is not new. */
export const FIRST_SEEN_LOOKBACK_DAYS = 28;

/** What a first-seen detection watches: a field, or the country or autonomous system of an address field. */
export interface FirstSeenValue {
  readonly field: string;
  readonly as?: 'country' | 'asn' | undefined;
}

/**
 * First seen (first-seen.ts): per entity (groupBy), the values of `value` it uses; a value not seen in the lookback
 * before is new when at least `learningDays` of history precede it. A window's metric is the number of new values
 * first seen in it; thresholds are on that count.
 */
export interface FirstSeenDetection extends Common {
  readonly kind: 'first-seen';
  readonly value: FirstSeenValue;
  /** Days of stored history before anything is new (before that: the learning period, said so). */
  readonly learningDays: number;
  /** Only records of connections the entity started (source port above destination port). */
  readonly requestsOnly: boolean;
}

/** Beacon groups by this pair (srcaddr, dstaddr, dstport, protocol): one internal → external destination. */
export const BEACON_GROUP_BY: readonly string[] = ['srcaddr', 'dstaddr', 'dstport', 'protocol'];

/**
 * Beaconing (RITA's beacon score, docs/decisions/30-beaconing.md): per pair and analysis window (`window`), the
 * records become connections (consecutive records of one 5-tuple, at most `gap` seconds apart, are one), and
 * the pair's connection times and sizes are scored 0..100; thresholds are on that score.
 */
export interface BeaconDetection extends Common {
  readonly kind: 'beacon';
  /** Fewest unique connection timestamps a pair needs to be scored (RITA: 4). */
  readonly minConnections: number;
  /** A record starting at most this many seconds after the previous one of its 5-tuple ended continues it. */
  readonly gap: number;
  /** A destination (dstaddr, dstport, protocol) more than `percent`% of the sources contact, and at least
   * `minSources`, is a shared service (NTP, update servers), not a beacon. */
  readonly prevalence: { readonly percent: number; readonly minSources: number };
}

/** Silence detections group by the interface that stopped logging. */
export const SILENCE_GROUP_BY: readonly string[] = ['interface_id'];

/**
 * An interface that stopped logging while its traffic goes on (docs/decisions/35-stopped-logging.md): in a
 * window where neither the interface nor any other interface owning its address wrote a record (not even NODATA
 * or SKIPDATA), other interfaces of the same account logged records sent from its address. An interface's
 * address is the one in most of its records over [since − lookback, until). The metric of a window is the
 * number of those records (traffic nobody else would have seen); the peers are the interfaces that logged them.
 */
export interface SilenceDetection extends Common {
  readonly kind: 'silence';
  /** Seconds before the range over which the interfaces' own addresses are learned. */
  readonly lookback: number;
}

export type Detection =
  | ThresholdDetection
  | PairDetection
  | BaselineDetection
  | BeaconDetection
  | FirstSeenDetection
  | IntelDetection
  | SilenceDetection;

/**
 * The severity a metric value reaches (the highest threshold it meets), or undefined.
 *
 * @example severityOf({ low: 10, high: 100 }, 40) // 'low'
 */
export function severityOf(thresholds: Detection['thresholds'], value: number): Severity | undefined {
  let found: Severity | undefined;
  for (const s of SEVERITIES) {
    const t = thresholds[s];
    if (t !== undefined && value >= t) found = s;
  }
  return found;
}

/** The smallest threshold: windows below it are not hits. */
export function minThreshold(thresholds: Detection['thresholds']): number {
  return Math.min(...SEVERITIES.flatMap((s) => (thresholds[s] === undefined ? [] : [thresholds[s]!])));
}

/** Every record field a definition reads (for backends that must check the table has them). */
export function fieldsUsed(d: Detection): string[] {
  const out = new Set<string>(['start']);
  for (const t of d.filter) out.add(t.field);
  for (const g of d.anyOf) for (const t of g) out.add(t.field);
  for (const a of d.allow.cidrs) out.add(a.field);
  for (const a of d.allow.values) out.add(a.field);
  for (const g of d.groupBy) if (d.kind !== 'intel' || !INTEL_FIELDS.includes(g)) out.add(g);
  if (d.peers !== undefined && !(d.kind === 'intel' && INTEL_FIELDS.includes(d.peers))) out.add(d.peers);
  if (d.kind === 'intel') {
    for (const f of ['srcaddr', 'dstaddr', 'srcport', 'dstport', 'action']) out.add(f);
  } else if (d.kind === 'threshold' || d.kind === 'baseline') {
    if (d.metric.kind === 'distinct') for (const f of d.metric.fields) out.add(f);
    if (d.metric.kind === 'sum') out.add(d.metric.field);
  } else if (d.kind === 'beacon') {
    for (const f of ['srcport', 'bytes', 'end']) out.add(f);
  } else if (d.kind === 'silence') {
    for (const f of ['interface_id', 'account_id', 'flow_direction', 'srcaddr', 'dstaddr']) out.add(f);
  } else if (d.kind === 'first-seen') {
    out.add(d.value.field);
    if (d.requestsOnly) for (const f of ['srcport', 'dstport']) out.add(f);
  } else {
    for (const t of [...d.request, ...d.reply]) out.add(t.field);
    for (const f of ['interface_id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol']) out.add(f);
  }
  return [...out];
}

// Beacon scoring: RITA's rules (activecm/rita v5 analysis/beacons.go, as ../shared/spec/baselines-and-anomalies.md
// §4 states them) over the connections of one internal → external pair in one analysis window. Every backend
// (DuckDB SQL, Trino SQL, in memory) gathers the same per-pair lists and calls this one scorer, so they agree.
// docs/decisions/30-beaconing.md says how flow-log records become connections (§6) and why the thresholds.

import { type BeaconDetection, minThreshold } from './definition.js';
import type { Hit } from './evaluate.js';

/** The per-pair input of the scorer: what each backend gathers for one pair and window. */
export interface BeaconPair {
  /** srcaddr, dstaddr, dstport, protocol (text). */
  readonly key: readonly string[];
  /** Analysis window start, unix seconds. */
  readonly w: number;
  /** Connection timestamps (first start of each connection), any order. */
  readonly ts: readonly number[];
  /** Connection sizes (Σ bytes of its records), any order. */
  readonly sizes: readonly number[];
  /** Records of the pair in the window (the evidence). */
  readonly records: number;
  readonly firstSeen: number;
  readonly lastSeen: number;
  /** First and last connection timestamp of the whole window's data (every pair in scope). */
  readonly lo: number;
  readonly hi: number;
  /** Internal sources contacting this destination (dstaddr, dstport, protocol) in the window. */
  readonly sources: number;
  /** Internal sources in scope in the window. */
  readonly allSources: number;
}

/** The sub-scores and the figures a finding names. */
export interface BeaconScore {
  readonly ts: number;
  readonly ds: number;
  readonly hist: number;
  readonly dur: number;
  /** round(0.25·(ts + ds + hist + dur), 3), 0..1. */
  readonly score: number;
  readonly connections: number;
  /** Median interval between connections, seconds. */
  readonly interval: number;
  /** Median absolute deviation of the intervals, seconds. */
  readonly jitter: number;
  /** Median connection size, bytes. */
  readonly bytes: number;
  /** Last − first connection timestamp, seconds. */
  readonly span: number;
}

/** RITA: fewer unique timestamps than this are never scored (its minimum allowed value too). */
export const MIN_UNIQUE_CONNECTIONS = 4;
/** RITA: pairs with this many connections or more are "strobes", not beacons (and lists are capped there). */
export const STROBE_CONNECTIONS = 86_400;
/** Histogram bins over the window's data (hours of a 24 h window). */
export const HIST_BINS = 24;

const round3 = (x: number) => Math.round(x * 1000) / 1000;
const ceil3 = (x: number) => Math.ceil(x * 1000 - 1e-9) / 1000;

/** Median of a sorted list (mean of the middle two for an even length). */
export function median(sorted: readonly number[]): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const m = Math.floor(n / 2);
  return n % 2 === 1 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
}

/**
 * Tukey's hinges of a sorted list: Q2 the median, Q1/Q3 the medians of the lower/upper halves (the median
 * itself left out of both halves when the length is odd).
 *
 * @example quartiles([1, 2, 3, 4, 5, 6, 7]) // { q1: 2, q2: 4, q3: 6 }
 */
export function quartiles(sorted: readonly number[]): { q1: number; q2: number; q3: number } {
  const n = sorted.length;
  const half = Math.floor(n / 2);
  return {
    q1: median(sorted.slice(0, half)),
    q2: median(sorted),
    q3: median(sorted.slice(n % 2 === 1 ? half + 1 : half)),
  };
}

/** Bowley's skewness from Tukey's hinges; 0 when Q3 − Q1 < 10 or Q2 equals Q1 or Q3 (RITA's guards). */
export function bowleySkew(sorted: readonly number[]): number {
  const { q1, q2, q3 } = quartiles(sorted);
  if (q3 - q1 >= 10 && q2 !== q1 && q2 !== q3) return (q1 + q3 - 2 * q2) / (q3 - q1);
  return 0;
}

/** Median absolute deviation of a sorted list. */
export function mad(sorted: readonly number[]): number {
  const m = median(sorted);
  return median(sorted.map((x) => Math.abs(x - m)).sort((a, b) => a - b));
}

/** (median − MAD)/median when the median is ≥ 1, else `dflt`; negative or NaN → 0. */
export function madScore(sorted: readonly number[], dflt: number): number {
  const m = median(sorted);
  const s = m >= 1 ? (m - mad(sorted)) / m : dflt;
  return Number.isNaN(s) || s < 0 ? 0 : s;
}

/** RITA's formula for one sorted list: round(((1 − |skew|) + madScore)/2, 3). */
function skewMadScore(sorted: readonly number[], dflt: number): number {
  return round3((1 - Math.abs(bowleySkew(sorted)) + madScore(sorted, dflt)) / 2);
}

/** Timestamp score: over the sorted non-zero deltas; 0 when fewer than 3 of them. */
export function tsScore(ts: readonly number[]): number {
  const s = [...ts].sort((a, b) => a - b);
  const d: number[] = [];
  for (let i = 1; i < s.length; i++) if (s[i]! - s[i - 1]! !== 0) d.push(s[i]! - s[i - 1]!);
  if (d.length < 3) return 0;
  return skewMadScore(
    d.sort((a, b) => a - b),
    1,
  );
}

/** Data size score: over the sorted sizes (zeros kept); 0 when fewer than 3 of them. */
export function dsScore(sizes: readonly number[]): number {
  if (sizes.length < 3) return 0;
  return skewMadScore(
    [...sizes].sort((a, b) => a - b),
    0,
  );
}

/** Connections per bin: [lo, hi] split into HIST_BINS equal bins (hi falls in the last). */
export function histogram(ts: readonly number[], lo: number, hi: number): number[] {
  const bars = new Array<number>(HIST_BINS).fill(0);
  const width = (hi - lo) / HIST_BINS;
  for (const t of ts) {
    const i = width > 0 ? Math.min(HIST_BINS - 1, Math.max(0, Math.floor((t - lo) / width))) : 0;
    bars[i]!++;
  }
  return bars;
}

/** Histogram score: max(1 − CV of the bars (0 past CV 1), bimodal fit when ≥ 11 bars are non-empty). */
export function histScore(bars: readonly number[]): number {
  const n = bars.length;
  const mean = bars.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(bars.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  const cv = mean > 0 ? sd / mean : Number.POSITIVE_INFINITY;
  const cvScore = cv > 1 ? 0 : round3(1 - cv);
  const nonEmpty = bars.filter((b) => b > 0);
  let fit = 0;
  if (nonEmpty.length >= 11) {
    const width = Math.ceil(Math.max(...bars) * 0.05);
    const counts = new Map<number, number>();
    for (const b of nonEmpty) {
      const k = Math.floor(b / width);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    const top = [...counts.values()].sort((a, b) => b - a);
    fit = Math.min(1, ((top[0] ?? 0) + (top[1] ?? 0)) / Math.max(nonEmpty.length - 1, 1));
  }
  return Math.max(cvScore, fit);
}

/**
 * Duration score: when ≥ 6 bars are non-empty, max(coverage of the window's data by the pair's first..last
 * connection, longest run of non-empty bins (wrapping around) / 12), each rounded up to 3 places and capped at 1.
 */
export function durScore(ts: readonly number[], bars: readonly number[], lo: number, hi: number): number {
  if (bars.filter((b) => b > 0).length < 6) return 0;
  const first = Math.min(...ts);
  const last = Math.max(...ts);
  const coverage = hi > lo ? Math.min(1, ceil3((last - first) / (hi - lo))) : 0;
  let run = 0;
  let longest = 0;
  for (let i = 0; i < 2 * bars.length; i++) {
    run = bars[i % bars.length]! > 0 ? run + 1 : 0;
    longest = Math.max(longest, Math.min(run, bars.length));
  }
  const consistency = Math.min(1, ceil3(longest / 12));
  return Math.max(coverage, consistency);
}

/**
 * The beacon score of one pair's connections, over a window whose data spans [lo, hi].
 *
 * @example scoreBeacon([0, 300, 600, 900, 1200], [640, 640, 640, 640, 640], 0, 1200).ts // 1
 */
export function scoreBeacon(
  ts: readonly number[],
  sizes: readonly number[],
  lo: number,
  hi: number,
): BeaconScore {
  const sorted = [...ts].sort((a, b) => a - b);
  const deltas: number[] = [];
  for (let i = 1; i < sorted.length; i++)
    if (sorted[i]! > sorted[i - 1]!) deltas.push(sorted[i]! - sorted[i - 1]!);
  deltas.sort((a, b) => a - b);
  const bars = histogram(sorted, lo, hi);
  const t = tsScore(sorted);
  const d = dsScore(sizes);
  const h = histScore(bars);
  const u = durScore(sorted, bars, lo, hi);
  return {
    ts: t,
    ds: d,
    hist: h,
    dur: u,
    score: round3(0.25 * t + 0.25 * d + 0.25 * h + 0.25 * u),
    connections: sorted.length,
    interval: deltas.length > 0 ? median(deltas) : 0,
    jitter: deltas.length > 0 ? mad(deltas) : 0,
    bytes: median([...sizes].sort((a, b) => a - b)),
    span: sorted.length > 0 ? sorted.at(-1)! - sorted[0]! : 0,
  };
}

/**
 * The most interval dispersion (median absolute deviation / median interval) a beacon may have: 0.2. Flow logs
 * put a connection's `start` up to 60 s from its real time (docs/decisions/30-beaconing.md), which is 20% of
 * the shortest period they can show (about 5 minutes); more dispersion than that is not flow-log timing error
 * but an irregular caller (an API client on its own schedule), and the finding's "every N s ± J" would be false.
 */
export const MAX_RELATIVE_JITTER = 0.2;

/** Why a pair is not scored, or undefined when it is a candidate. */
export function notCandidate(
  p: BeaconPair,
  minConnections: number,
  prevalence: { readonly percent: number; readonly minSources: number },
): 'few' | 'strobe' | 'shared' | undefined {
  if (new Set(p.ts).size < minConnections) return 'few';
  if (p.ts.length >= STROBE_CONNECTIONS) return 'strobe';
  if (p.sources >= prevalence.minSources && p.sources * 100 > prevalence.percent * p.allSources)
    return 'shared';
  return undefined;
}

/** Seconds as a short duration: `45 s`, `12 min`, `20 h`, `1.5 h`, `3 d`. */
export function formatDuration(s: number): string {
  const one = (x: number) =>
    Number.isInteger(Math.round(x * 10) / 10) ? String(Math.round(x)) : x.toFixed(1);
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 2 * 3600) return `${Math.round(s / 60)} min`;
  if (s < 48 * 3600) return `${one(s / 3600)} h`;
  return `${one(s / 86400)} d`;
}

/** Bytes in SI units: `640 B`, `1.5 KB`, `2.3 MB`. */
export function formatBytes(b: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let x = b;
  let i = 0;
  while (x >= 1000 && i < units.length - 1) {
    x /= 1000;
    i++;
  }
  return i === 0 ? `${Math.round(x)} B` : `${x < 10 ? x.toFixed(1) : Math.round(x)} ${units[i]}`;
}

/** The jitter as a percentage of the interval: `1%`, `0.5%`, `<0.1%`. */
function jitterText(interval: number, jitter: number): string {
  if (interval <= 0) return '0%';
  const p = (100 * jitter) / interval;
  if (p === 0) return '0%';
  if (p < 0.1) return '<0.1%';
  return p < 10 ? `${Math.round(p * 10) / 10}%` : `${Math.round(p)}%`;
}

/**
 * The sentence a beacon finding carries, e.g. `every 300 s ± 1%, 640 B each, for 20 h (240 check-ins)`.
 * `±` is the median absolute deviation of the intervals, as a share of the median interval.
 */
export function beaconSummary(
  interval: number,
  jitter: number,
  bytes: number,
  span: number,
  n: number,
): string {
  const every = interval < 7200 ? `${Math.round(interval)} s` : formatDuration(interval);
  return `every ${every} ± ${jitterText(interval, jitter)}, ${formatBytes(bytes)} each, for ${formatDuration(span)} (${n} check-in${n === 1 ? '' : 's'})`;
}

/** The figures of a beacon hit window, kept with the finding (its summary is built from them). */
export interface BeaconFigures {
  readonly interval: number;
  readonly jitter: number;
  readonly bytes: number;
  readonly connections: number;
  readonly ts: number;
  readonly ds: number;
  readonly hist: number;
  readonly dur: number;
}

/**
 * The hit of one pair (what every backend calls): undefined when the pair is not a candidate (too few
 * connections, a strobe, a shared destination) or its score (0..100) is below the lowest threshold.
 */
export function beaconHit(d: BeaconDetection, p: BeaconPair): Hit | undefined {
  if (notCandidate(p, d.minConnections, d.prevalence) !== undefined) return undefined;
  const s = scoreBeacon(p.ts, p.sizes, p.lo, p.hi);
  // A beacon has a period: when the intervals' median absolute deviation is over MAX_RELATIVE_JITTER of their
  // median, "every N s" is not a period, whatever RITA's size, histogram and duration sub-scores add.
  if (s.interval > 0 && s.jitter > MAX_RELATIVE_JITTER * s.interval) return undefined;
  const value = Math.round(s.score * 1000) / 10;
  if (value < minThreshold(d.thresholds)) return undefined;
  return {
    key: p.key,
    w: p.w,
    value,
    records: p.records,
    firstSeen: p.firstSeen,
    lastSeen: p.lastSeen,
    peers: [p.key[1]!],
    peerCount: 1,
    beacon: {
      interval: s.interval,
      jitter: s.jitter,
      bytes: s.bytes,
      connections: s.connections,
      ts: s.ts,
      ds: s.ds,
      hist: s.hist,
      dur: s.dur,
    },
  };
}

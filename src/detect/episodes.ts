// Episodes: the hit windows of one detection and group merged into one finding while they follow each other
// within the detection's quiet period; a gap longer than that closes the finding and a later hit opens another.

import { createHash } from 'node:crypto';
import { type BeaconFigures, beaconSummary } from './beacon.js';
import { type Detection, SEVERITIES, type Severity, severityOf } from './definition.js';
import { byteOrder, compareKeys, type Hit } from './evaluate.js';
import { PEER_LIMIT } from './to-sql.js';

/** One hit window as a finding keeps it. */
export interface FindingWindow {
  readonly w: number;
  readonly value: number;
  readonly records: number;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly severity: Severity;
  /** Baseline detections: the window's value against its baseline. */
  readonly summary?: string;
  /** Beacon detections: the figures behind the window's score. */
  readonly beacon?: BeaconFigures;
}

/** A finding as the detectors produce it (the store adds state, see src/storage/findings.ts). */
export interface DetectedFinding {
  readonly id: string;
  readonly detection: string;
  readonly title: string;
  readonly severity: Severity;
  /** The group values (text), in the definition's groupBy order. */
  readonly key: readonly string[];
  /** The entity: its groupBy values joined with `:` (e.g. `10.0.1.5:22`, `[2001:db8::5]:22`). */
  readonly entity: string;
  readonly peers: readonly string[];
  /** True when more distinct peers were seen than `peers` lists. */
  readonly morePeers: boolean;
  /** First and last record event time (unix seconds). */
  readonly start: number;
  readonly end: number;
  /** Hit windows, oldest first. */
  readonly windows: readonly FindingWindow[];
  /** Records in the hit windows (what the evidence query returns). */
  readonly evidenceCount: number;
  /** The highest metric value of a window. */
  readonly peak: number;
  readonly window: number;
  readonly quiet: number;
  /** One line saying what was seen, when the detection has one (beacons: `every 300 s ± 1%, ...`). */
  readonly summary?: string;
}

/** The stable id of an episode: detection, group and first window (so re-runs find the same finding). */
export function findingId(detection: string, key: readonly string[], firstWindow: number): string {
  const h = createHash('sha256')
    .update(`${detection}\u0000${key.join('\u0001')}\u0000${firstWindow}`)
    .digest('hex');
  return `${detection}-${h.slice(0, 12)}`;
}

const rank = (s: Severity) => SEVERITIES.indexOf(s);

/**
 * The entity text of group values: joined with `:`, an IPv6 address bracketed when other values follow or
 * precede it (RFC 3986 host syntax), so `[2001:db8::10]:22` is not read as the address `2001:db8::10:22`.
 *
 * @example entityText(['2001:db8::10', '22']) // '[2001:db8::10]:22'
 */
export function entityText(values: readonly string[]): string {
  if (values.length === 1) return values[0]!;
  return values.map((v) => (v.includes(':') && /^[0-9a-f:.]+$/i.test(v) ? `[${v}]` : v)).join(':');
}

/** The finding made of `windows` (merged, ordered) with `peers` (any order, any number). */
export function buildFinding(
  d: Pick<Detection, 'id' | 'title' | 'groupBy' | 'entity' | 'window' | 'quiet'>,
  key: readonly string[],
  windows: readonly FindingWindow[],
  peers: Iterable<string>,
  id?: string,
  peerCount = 0,
): DetectedFinding {
  const ws = [...windows].sort((a, b) => a.w - b.w);
  const all = [...new Set(peers)].sort(byteOrder);
  const severity = ws.reduce<Severity>((s, w) => (rank(w.severity) > rank(s) ? w.severity : s), 'low');
  const start = Math.min(...ws.map((w) => w.firstSeen));
  const end = Math.max(...ws.map((w) => w.lastSeen));
  const summary = summaryOf(ws, end - start);
  return {
    id: id ?? findingId(d.id, key, ws[0]!.w),
    detection: d.id,
    title: d.title,
    severity,
    key,
    entity: entityText(d.entity.map((f) => key[d.groupBy.indexOf(f)] ?? '')),
    peers: all.slice(0, PEER_LIMIT),
    morePeers: all.length > PEER_LIMIT || peerCount > PEER_LIMIT,
    start,
    end,
    windows: ws,
    evidenceCount: ws.reduce((s, w) => s + w.records, 0),
    peak: Math.max(...ws.map((w) => w.value)),
    window: d.window,
    quiet: d.quiet,
    ...(summary === undefined ? {} : { summary }),
  };
}

/** A beacon episode's sentence: the interval, jitter and size of its highest-scoring window, all check-ins. */
function summaryOf(ws: readonly FindingWindow[], span: number): string | undefined {
  const b = ws.filter((w) => w.beacon !== undefined);
  if (b.length === 0) return undefined;
  const best = b.reduce((x, w) => (w.value > x.value ? w : x)).beacon!;
  const n = b.reduce((s, w) => s + w.beacon!.connections, 0);
  return beaconSummary(best.interval, best.jitter, best.bytes, span, n);
}

/**
 * True when a window starting at `w` continues an episode whose last window started at `lastW`: the gap
 * between the end of that window and `w` is at most the quiet period.
 */
export function continues(d: Pick<Detection, 'window' | 'quiet'>, lastW: number, w: number): boolean {
  return w - (lastW + d.window) <= d.quiet;
}

/**
 * Merges hits (any order) into episodes.
 *
 * @example episodes(detection, evaluate(detection, records)).length
 */
export function episodes(d: Detection, hits: readonly Hit[]): DetectedFinding[] {
  const sorted = [...hits].sort((a, b) => compareKeys(a.key, b.key) || a.w - b.w);
  const out: DetectedFinding[] = [];
  let cur: { key: readonly string[]; windows: FindingWindow[]; peers: Set<string>; most: number } | undefined;
  const flush = () => {
    if (cur) out.push(buildFinding(d, cur.key, cur.windows, cur.peers, undefined, cur.most));
  };
  for (const h of sorted) {
    const severity = severityOf(d.thresholds, h.value);
    if (severity === undefined) continue;
    const win: FindingWindow = {
      w: h.w,
      value: h.value,
      records: h.records,
      firstSeen: h.firstSeen,
      lastSeen: h.lastSeen,
      severity,
      ...(h.summary === undefined ? {} : { summary: h.summary }),
      ...(h.beacon === undefined ? {} : { beacon: h.beacon }),
    };
    if (cur && compareKeys(cur.key, h.key) === 0 && continues(d, cur.windows.at(-1)!.w, h.w)) {
      cur.windows.push(win);
      for (const p of h.peers) cur.peers.add(p);
      cur.most = Math.max(cur.most, h.peerCount);
    } else {
      flush();
      cur = { key: h.key, windows: [win], peers: new Set(h.peers), most: h.peerCount };
    }
  }
  flush();
  return out;
}

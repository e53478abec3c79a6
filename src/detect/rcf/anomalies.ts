// Interface anomalies: each interface's periods (bytes, packets, flows, distinct peers, distinct ports, rejects)
// streamed in time order through a Random Cut Forest of its own; a period whose score passes a threshold that
// follows the interface's own score history is an anomaly, explained by the dimensions that drove its score.

import type { PeriodFeatures } from '../../storage/interface-features.js';
import { FEATURE_NAMES } from '../../storage/interface-features.js';
import type { ThresholdDetection } from '../definition.js';
import type { Hit } from '../evaluate.js';
import { type ForestOptions, RandomCutForest } from './forest.js';

export const RCF_DETECTION_ID = 'rcf-interface-anomaly';

/** How scores become anomalies. */
export interface ThresholdOptions {
  /** The least score that can be an anomaly (default 3, see docs/decisions/28-random-cut-forest.md). */
  readonly floor: number;
  /** Standard deviations above the mean of the interface's earlier scores (default 3, AWS's z-factor). */
  readonly zFactor: number;
  /** Scores seen before the mean + z·σ part applies (default 10, as AWS's thresholder); until then only the floor. */
  readonly minScores: number;
}

export const DEFAULT_THRESHOLD: ThresholdOptions = { floor: 3, zFactor: 3, minScores: 10 };

/** One scored period. */
export interface ScoredPeriod {
  readonly period: number;
  readonly score: number;
  /** The threshold in force for this period (floor or mean + z·σ of the earlier scores, the higher). */
  readonly threshold: number;
  readonly anomalous: boolean;
  /** Raw features (FEATURE_NAMES order). */
  readonly values: readonly number[];
  /** Each feature's share of the score (they add up to `score`). */
  readonly attribution: readonly number[];
  /** The median of each feature over the interface's earlier periods (up to a sample size of them). */
  readonly usual: readonly number[];
  /** The top dimensions in words, e.g. "flows 40× usual (812 vs 20)". */
  readonly explanation: string;
}

/** One interface's result. */
export interface InterfaceScores {
  readonly interfaceId: string;
  /** Periods read (zero-filled ones included). */
  readonly periods: number;
  /** Periods needed before the first score (outputAfter + shingleSize − 1). */
  readonly needs: number;
  readonly scored: readonly ScoredPeriod[];
}

/** Features as the forest sees them: log(1 + x), so a dimension's range is in orders of magnitude. */
export function normalise(values: readonly number[]): number[] {
  return values.map((v) => Math.log1p(Math.max(0, v)));
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const fmt = (n: number) =>
  n >= 100 ? Math.round(n).toLocaleString('en-US') : n >= 10 ? n.toFixed(0) : String(Number(n.toFixed(1)));

/**
 * The dimension that carries most of the score and the others carrying at least a fifth of it (at most three,
 * largest first), in words.
 *
 * @example explain([0, 0, 9, 1, 0, 0], [10, 10, 800, 30, 1, 0], [10, 10, 20, 1, 1, 0]) // 'flows 40× usual (800 vs 20)'
 */
export function explain(
  attribution: readonly number[],
  values: readonly number[],
  usual: readonly number[],
): string {
  const total = attribution.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return 'no dimension stands out';
  const top = attribution
    .map((a, i) => ({ a, i }))
    .sort((x, y) => y.a - x.a)
    .filter((x, rank) => rank === 0 || x.a >= 0.2 * total)
    .slice(0, 3);
  return top
    .map(({ i }) => {
      const name = FEATURE_NAMES[i]!;
      const v = values[i]!;
      const u = usual[i]!;
      if (u === 0) return `${name} ${fmt(v)} (usually 0)`;
      const ratio = v / u;
      if (v === 0) return `${name} 0 (usually ${fmt(u)})`;
      const r = ratio >= 10 ? Math.round(ratio).toString() : ratio >= 1 ? ratio.toFixed(1) : ratio.toFixed(2);
      return `${name} ${r}× usual (${fmt(v)} vs ${fmt(u)})`;
    })
    .join(', ');
}

/**
 * Streams one interface's periods (time order) through its own forest; periods from `reportFrom` on are
 * judged against the threshold (earlier ones are learnt and feed the threshold's statistics only).
 */
export function scoreInterface(
  series: readonly PeriodFeatures[],
  forest: Omit<ForestOptions, 'dimensions'>,
  threshold: ThresholdOptions = DEFAULT_THRESHOLD,
  reportFrom = Number.NEGATIVE_INFINITY,
): InterfaceScores {
  const f = new RandomCutForest({ ...forest, dimensions: FEATURE_NAMES.length });
  const history: number[][] = FEATURE_NAMES.map(() => []);
  const keep = f.sampleSize;
  const scored: ScoredPeriod[] = [];
  // Running mean and variance of the earlier scores (Welford).
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (const p of series) {
    const s = f.update(normalise(p.values));
    if (s !== undefined) {
      const sd = n > 1 ? Math.sqrt(m2 / (n - 1)) : 0;
      const t =
        n >= threshold.minScores ? Math.max(threshold.floor, mean + threshold.zFactor * sd) : threshold.floor;
      if (p.period >= reportFrom) {
        const usual = history.map(median);
        scored.push({
          period: p.period,
          score: s.score,
          threshold: t,
          anomalous: s.score > t,
          values: p.values,
          attribution: s.attribution,
          usual,
          explanation: explain(s.attribution, p.values, usual),
        });
      }
      n++;
      const d = s.score - mean;
      mean += d / n;
      m2 += d * (s.score - mean);
    }
    for (const [i, h] of history.entries()) {
      h.push(p.values[i]!);
      if (h.length > keep) h.shift();
    }
  }
  return {
    interfaceId: series[0]?.interfaceId ?? '',
    periods: series.length,
    needs: f.outputAfter + f.shingleSize,
    scored,
  };
}

/**
 * The detection definition RCF findings are stored under (so they share the findings store, episodes, states
 * and evidence query of the other detections): grouped by interface, one window per period, an episode closed
 * by one quiet period. Its hits are already anomalies, so every hit is at least `low`; `medium` from twice the
 * floor, `high` from four times.
 */
export function rcfDetection(period: number, floor: number): ThresholdDetection {
  return {
    kind: 'threshold',
    id: RCF_DETECTION_ID,
    title: 'Interface unlike its own history (Random Cut Forest)',
    description:
      "A period in which an interface's bytes, packets, flows, distinct peers, distinct ports and rejects together are far from what its Random Cut Forest has learnt of it.",
    attack: undefined,
    enabled: true,
    window: period,
    quiet: period,
    thresholds: { low: 0, medium: 2 * floor, high: 4 * floor },
    filter: [],
    anyOf: [],
    allow: { cidrs: [], values: [] },
    groupBy: ['interface_id'],
    entity: ['interface_id'],
    peers: undefined,
    origin: 'builtin',
    metric: { kind: 'count' },
  };
}

/** The anomalous periods of an interface as detection hits (value = score, records = flows). */
export function anomalyHits(s: InterfaceScores, period: number): Hit[] {
  return s.scored
    .filter((p) => p.anomalous)
    .map((p) => ({
      key: [s.interfaceId],
      w: p.period,
      value: Number(p.score.toFixed(3)),
      records: p.values[2]!,
      firstSeen: p.period,
      lastSeen: p.period + period - 1,
      peerCount: 0,
      peers: [],
    }));
}

// The beacon scorer (RITA's rules, ../shared/spec/baselines-and-anomalies.md §4) with numbers worked out by hand,
// and the built-in `beacon` detection in memory on constructed records (§6: known periods, a long connection,
// NTP every host shares, internal health checks), plus its definition keys.

import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import {
  beaconHit,
  beaconSummary,
  bowleySkew,
  dsScore,
  durScore,
  formatBytes,
  formatDuration,
  histogram,
  histScore,
  MAX_RELATIVE_JITTER,
  mad,
  madScore,
  notCandidate,
  quartiles,
  scoreBeacon,
  tsScore,
} from '../../src/detect/beacon.js';
import { builtinCatalog } from '../../src/detect/catalog.js';
import type { BeaconDetection } from '../../src/detect/definition.js';
import { episodes } from '../../src/detect/episodes.js';
import { type DetectRecord, evaluate } from '../../src/detect/evaluate.js';
import { DetectionError } from '../../src/detect/parse.js';

/** 2024-05-20T00:00:00Z: a multiple of 86400, so a day window starts here. */
const DAY = 1716163200;

const beacon = () => builtinCatalog().find((d) => d.id === 'beacon') as BeaconDetection;

function rec(
  src: string,
  dst: string,
  sport: number,
  dport: number,
  proto: number,
  t: number,
  bytes = 640,
  end = t + 1,
): DetectRecord {
  return {
    srcaddr: src,
    dstaddr: dst,
    srcport: sport,
    dstport: dport,
    protocol: proto,
    packets: 5,
    bytes,
    start: t,
    end,
    action: 'ACCEPT',
    log_status: 'OK',
    interface_id: 'eni-1',
    event_time: t,
  };
}

const seq = <X = number>(n: number, f: (i: number) => X): X[] => Array.from({ length: n }, (_, i) => f(i));

describe('RITA statistics', () => {
  it('Tukey hinges leave the median out of both halves for an odd length', () => {
    expect(quartiles([1, 2, 3, 4, 5, 6, 7])).toEqual({ q1: 2, q2: 4, q3: 6 });
    expect(quartiles([1, 2, 3, 4, 5, 6, 7, 8])).toEqual({ q1: 2.5, q2: 4.5, q3: 6.5 });
  });
  it('Bowley skew: (Q1 + Q3 − 2·Q2)/(Q3 − Q1), 0 under an IQR of 10 or a median equal to a hinge', () => {
    // Q1 = 20, Q2 = 40, Q3 = 110: (20 + 110 − 80)/90 = 5/9
    expect(bowleySkew([10, 20, 30, 40, 100, 110, 120])).toBeCloseTo(5 / 9, 12);
    // Q1 = 298.5, Q3 = 301.5: IQR 3 < 10
    expect(bowleySkew([298, 299, 300, 301, 302])).toBe(0);
    // Q1 = Q2 = 5
    expect(bowleySkew([5, 5, 5, 5, 100, 200, 300])).toBe(0);
  });
  it('MAD and its score, with the defaults under a median of 1', () => {
    // median 40; |d − 40| = 30 20 10 0 60 70 80 → median 30; (40 − 30)/40
    expect(mad([10, 20, 30, 40, 100, 110, 120])).toBe(30);
    expect(madScore([10, 20, 30, 40, 100, 110, 120], 1)).toBe(0.25);
    expect(madScore([0, 0, 0, 5], 0)).toBe(0);
    expect(madScore([0.5, 0.5, 0.5], 1)).toBe(1);
    // median 10, MAD 10 (|d − 10| = 10 10 0 90 90 → 10): (10 − 10)/10 = 0; never negative
    expect(madScore([0, 0, 10, 100, 100], 0)).toBe(0);
  });
});

describe('sub-scores', () => {
  it('a perfect 300 s series has timestamp score 1', () => {
    expect(tsScore(seq(11, (i) => i * 300))).toBe(1);
  });
  it('timestamp score: round(((1 − |skew|) + madScore)/2, 3) over the sorted non-zero deltas', () => {
    // deltas 10 20 30 40 100 110 120: skew 5/9, madScore 0.25 → ((4/9) + 0.25)/2 = 0.34722 → 0.347
    expect(tsScore([0, 10, 30, 60, 100, 200, 310, 430])).toBe(0.347);
    // deltas 298..302: skew 0 (IQR 3), MAD 1 → madScore 299/300 → (1 + 0.99667)/2 = 0.99833 → 0.998
    expect(tsScore([0, 298, 597, 897, 1198, 1500])).toBe(0.998);
    // duplicate timestamps give zero deltas, dropped: 2 non-zero deltas are too few
    expect(tsScore([0, 0, 300, 600])).toBe(0);
  });
  it('data size score keeps zeros and defaults to 0 under a median of 1', () => {
    // sorted 0 0 0 5: Q1 0 = Q2 0 → skew 0; median 0 → madScore 0 → (1 + 0)/2
    expect(dsScore([0, 5, 0, 0])).toBe(0.5);
    // 400 ×3, 600 ×3: median 500, MAD 100 → 0.8; Q1 400, Q2 500, Q3 600 → skew 0 → 0.9
    expect(dsScore([400, 600, 400, 600, 400, 600])).toBe(0.9);
    expect(dsScore([640, 640, 640])).toBe(1);
    expect(dsScore([640, 640])).toBe(0);
  });
  it('histogram score: 1 − CV, or the bimodal fit when ≥ 11 bars are non-empty', () => {
    expect(histScore(seq(24, () => 10))).toBe(1);
    // 6 bars of 5: μ 1.25, σ 2.165 → CV 1.73 > 1 → 0; 6 non-empty bars are too few for the fit
    expect(histScore(seq(24, (i) => (i < 6 ? 5 : 0)))).toBe(0);
    // 12 bars of 4: CV exactly 1 → 0; fit: bin width ceil(0.2) = 1, one height → 12/(12 − 1) capped at 1
    expect(histScore(seq(24, (i) => (i % 2 === 0 ? 4 : 0)))).toBe(1);
    // heights 1..24: μ 12.5, σ √(575/12) = 6.922 → 1 − 0.5538 = 0.446; fit: width ceil(1.2) = 2, bins
    // floor(h/2) hold 1,2,2,…,2,1 → (2 + 2)/23 = 0.174 → 0.446
    expect(histScore(seq(24, (i) => i + 1))).toBe(0.446);
  });
  it('the histogram splits the data’s [first, last] into 24 bins, the last one closed', () => {
    expect(histogram([0, 99, 100, 2399, 2400], 0, 2400)).toEqual([2, 1, ...seq(21, () => 0), 2]);
  });
  it('duration score: coverage or longest run of non-empty bins over 12 (wrapping), rounded up', () => {
    const six = seq(24, (i) => (i < 6 ? 1 : 0));
    // run 6 → 0.5; coverage (1000 − 0)/3000 = 0.3333 → 0.334
    expect(durScore([0, 1000], six, 0, 3000)).toBe(0.5);
    expect(durScore([0, 2000], six, 0, 3000)).toBe(0.667);
    // bins 20..23 and 0..3: one run of 8 across the wrap → 8/12 = 0.6667 → 0.667
    const wrap = seq(24, (i) => (i >= 20 || i < 4 ? 1 : 0));
    expect(durScore([0, 1], wrap, 0, 3000)).toBe(0.667);
    // 5 non-empty bins: not scored
    expect(
      durScore(
        [0, 3000],
        seq(24, (i) => (i < 5 ? 1 : 0)),
        0,
        3000,
      ),
    ).toBe(0);
  });
  it('a perfect beacon over the whole data scores 1; 400/600-byte sizes bring it to 0.975', () => {
    // 144 connections every 300 s: 24 bins of 1787.5 s hold 6 each; ts 1, ds 1, hist 1, dur 1
    const ts = seq(144, (i) => i * 300);
    const s = scoreBeacon(
      ts,
      seq(144, () => 640),
      0,
      42_900,
    );
    expect(s).toMatchObject({
      ts: 1,
      ds: 1,
      hist: 1,
      dur: 1,
      score: 1,
      interval: 300,
      jitter: 0,
      bytes: 640,
    });
    // sizes 400 and 600 alternating: ds 0.9 (as above) → (1 + 0.9 + 1 + 1)/4 = 0.975
    const mixed = scoreBeacon(
      ts,
      seq(144, (i) => (i % 2 === 0 ? 400 : 600)),
      0,
      42_900,
    );
    expect(mixed.score).toBe(0.975);
  });
});

describe('candidates', () => {
  const pair = { key: ['a', 'b', '443', '6'], w: 0, records: 4, firstSeen: 0, lastSeen: 0, lo: 0, hi: 0 };
  const pv = { percent: 50, minSources: 3 };
  it('need 4 unique timestamps; a destination most sources reach is shared; a strobe is not a beacon', () => {
    const four = { ...pair, ts: [0, 300, 600, 900], sizes: [1, 1, 1, 1], sources: 1, allSources: 10 };
    expect(notCandidate(four, 4, pv)).toBeUndefined();
    expect(notCandidate({ ...four, ts: [0, 300, 600, 600] }, 4, pv)).toBe('few');
    // 6 of 10 > 50 %
    expect(notCandidate({ ...four, sources: 6 }, 4, pv)).toBe('shared');
    // 5 of 10 is not more than half
    expect(notCandidate({ ...four, sources: 5 }, 4, pv)).toBeUndefined();
    // 2 of 2 sources: fewer than minSources, so a small estate can still have beacons
    expect(notCandidate({ ...four, sources: 2, allSources: 2 }, 4, pv)).toBeUndefined();
    expect(notCandidate({ ...four, ts: seq(86_400, (i) => i) }, 4, pv)).toBe('strobe');
  });
});

describe('wording', () => {
  it('names the interval, its jitter, the size, the duration and the check-ins', () => {
    expect(beaconSummary(300, 3, 640, 72_000, 240)).toBe(
      'every 300 s ± 1%, 640 B each, for 20 h (240 check-ins)',
    );
    expect(beaconSummary(300, 1.5, 1500, 108_000, 360)).toBe(
      'every 300 s ± 0.5%, 1.5 KB each, for 30 h (360 check-ins)',
    );
    expect(formatDuration(5400)).toBe('90 min');
    expect(formatDuration(5 * 86400)).toBe('5 d');
    expect(formatBytes(2_300_000)).toBe('2.3 MB');
  });
});

describe('a period, not just regular sizes', () => {
  // 145 connections over 24 h, 640 B each, intervals cycling 540, 600, 660 s (a third each: median 600;
  // |d − 600| = 60, 0, 60, two thirds 60 → MAD 60 = 10 %) against cycling 300, 600, 900 s (the same way:
  // median 600, MAD 300 = 50 %). Sizes equal (ds 1) and the calls
  // spread over the whole day (dur and hist high), so RITA's score alone reaches the low band (75) for both.
  const pair = (cycle: readonly number[]) => {
    const ts: number[] = [];
    let t = DAY;
    for (let i = 0; t < DAY + 86_400; i++) {
      ts.push(t);
      t += cycle[i % cycle.length]!;
    }
    return {
      key: ['10.0.1.5', '198.51.100.7', '443', '6'],
      w: DAY,
      ts,
      sizes: ts.map(() => 640),
      records: ts.length,
      firstSeen: ts[0]!,
      lastSeen: ts.at(-1)!,
      lo: DAY,
      hi: DAY + 86_399,
      sources: 1,
      allSources: 40,
    };
  };
  it('keeps a caller whose intervals vary by 10 % and drops one whose vary by 50 %', () => {
    const regular = pair([540, 600, 660]);
    const irregular = pair([300, 600, 900]);
    const r = scoreBeacon(regular.ts, regular.sizes, regular.lo, regular.hi);
    const x = scoreBeacon(irregular.ts, irregular.sizes, irregular.lo, irregular.hi);
    expect([r.interval, r.jitter]).toEqual([600, 60]);
    expect([x.interval, x.jitter]).toEqual([600, 300]);
    expect(x.jitter / x.interval).toBeGreaterThan(MAX_RELATIVE_JITTER);
    // RITA alone would report the irregular caller: the jitter rule is what drops it.
    expect(x.score).toBeGreaterThanOrEqual(0.75);
    expect(beaconHit(beacon(), irregular)).toBeUndefined();
    expect(beaconHit(beacon(), regular)).toBeDefined();
  });
});

describe('the built-in beacon detection in memory', () => {
  const C2 = '198.51.100.7';
  it('finds 300 s ± 5 s over 24 h, with its wording', () => {
    // deltas 300 + (−5..5 cycling): 288 deltas → 27× −5 and −4, 26× the others; median 300, MAD 3 (1 %),
    // IQR < 10 → skew 0 → ts (1 + 0.99)/2 = 0.995; sizes equal → ds 1; dur 1; hist ≥ 0.7 (fit) and CV
    // small → score ≥ 0.986 and < 1: medium. Span 288·300 − 9 s = 86391 s.
    let t = DAY;
    const rs: DetectRecord[] = [];
    for (let i = 0; i <= 288; i++) {
      rs.push(rec('10.0.1.5', C2, 40000 + i, 443, 6, t));
      t += 300 + ((i % 11) - 5);
    }
    const fs = episodes(beacon(), evaluate(beacon(), rs));
    expect(fs).toHaveLength(1);
    expect(fs[0]).toMatchObject({
      entity: '10.0.1.5',
      severity: 'medium',
      peers: [C2],
      start: DAY,
      end: DAY + 86_391,
      evidenceCount: 289,
      summary: 'every 300 s ± 1%, 640 B each, for 24 h (289 check-ins)',
    });
    expect(fs[0]!.peak).toBeGreaterThanOrEqual(98.6);
    expect(fs[0]!.peak).toBeLessThan(100);
  });
  it('one long connection logged every 60 s window is one connection, not a beacon', () => {
    const rs = seq(1440, (i) => rec('10.0.1.5', C2, 51000, 443, 6, DAY + i * 60, 90_000, DAY + i * 60 + 59));
    expect(evaluate(beacon(), rs)).toEqual([]);
  });
  it('a keep-alive session with check-ins 5 min apart on one 5-tuple is a series of check-ins', () => {
    // each check-in is a record ending 1 s after it starts: the next starts 299 s later, past the gap (120 s)
    const rs = seq(144, (i) => rec('10.0.1.5', C2, 51000, 443, 6, DAY + i * 300));
    const hits = evaluate(beacon(), rs);
    expect(hits).toHaveLength(1);
    expect(hits[0]!.value).toBe(100);
  });
  it('NTP to the same server from every host is shared, not a beacon; the one host beaconing still is', () => {
    const rs: DetectRecord[] = [];
    for (let h = 1; h <= 10; h++) {
      for (let k = 0; k < 84; k++)
        rs.push(rec(`10.0.2.${h}`, '203.0.113.123', 40000 + k, 123, 17, DAY + k * 1024 + h, 76));
    }
    // 10 of 11 sources reach 203.0.113.123:123 (> 50 %); the C2 is reached by 1 of 11
    for (let i = 0; i < 288; i++) rs.push(rec('10.0.2.1', C2, 30000 + i, 443, 6, DAY + i * 300));
    const hits = evaluate(beacon(), rs);
    expect(hits.map((h) => h.key)).toEqual([['10.0.2.1', C2, '443', '6']]);
  });
  it('load-balancer health checks to private addresses are out of scope', () => {
    const rs = seq(2880, (i) => rec('10.0.0.5', '10.0.1.10', 30000 + i, 8080, 6, DAY + i * 30));
    expect(evaluate(beacon(), rs)).toEqual([]);
  });
  it('replies (from port 443 to an ephemeral port) never form a series', () => {
    const rs = seq(144, (i) => rec('10.0.1.5', C2, 443, 40000 + i, 6, DAY + i * 300));
    expect(evaluate(beacon(), rs)).toEqual([]);
  });
});

describe('beacon definitions', () => {
  const load = (text: string) => parseConfig('flowwatch.yaml', text).detections;
  function refused(text: string): DetectionError {
    try {
      load(text);
    } catch (err) {
      if (err instanceof DetectionError) return err;
      throw err;
    }
    throw new Error('accepted');
  }
  it('the built-in: a day window, RITA’s minimum of 4, its bands 75/90/100, half the sources shared', () => {
    expect(beacon()).toMatchObject({
      kind: 'beacon',
      window: 86400,
      groupBy: ['srcaddr', 'dstaddr', 'dstport', 'protocol'],
      entity: ['srcaddr'],
      peers: 'dstaddr',
      minConnections: 4,
      gap: 120,
      prevalence: { percent: 50, minSources: 3 },
      thresholds: { low: 75, medium: 90, high: 100 },
    });
  });
  it('flowwatch.yaml changes the beacon keys of the built-in', () => {
    const d = load(
      'detections:\n  beacon:\n    gap: 30\n    prevalence: { percent: 20 }\n    minConnections: 6\n',
    ).find((x) => x.id === 'beacon') as BeaconDetection;
    expect(d).toMatchObject({ gap: 30, minConnections: 6, prevalence: { percent: 20, minSources: 3 } });
  });
  it('refuses groupBy, a threshold above 100, fewer than 4 connections, beacon keys on other kinds', () => {
    expect(
      refused(
        'detections:\n  b2:\n    title: x\n    kind: beacon\n    window: 3600\n    groupBy: [srcaddr]\n    thresholds: { low: 80 }\n',
      ).code,
    ).toBe('DETECT_KIND_KEY');
    expect(refused('detections:\n  beacon:\n    thresholds: { high: 120 }\n').code).toBe('DETECT_TYPE');
    expect(refused('detections:\n  beacon:\n    minConnections: 3\n').code).toBe('DETECT_TYPE');
    expect(refused('detections:\n  skipdata:\n    gap: 30\n').code).toBe('DETECT_KIND_KEY');
  });
});

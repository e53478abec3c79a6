// The Overview's and a host's baseline band: the anomaly-band model's numbers worked out by hand for 4 days of
// hourly values, and the loud note when history is too short.

import { describe, expect, it } from 'vitest';
import type { PeriodValue } from '../../src/metrics/alarms/anomaly-band.js';
import { BASELINE_K, baselineBand } from '../../src/metrics/traffic-baseline.js';

const H = 3600;
const DAY = 86_400;
/** 2023-11-15 00:00 UTC: a midnight. */
const T0 = 19_676 * DAY;

/** Hour 3 of the four days: 10, 12, 20, 11; every other hour 100. */
function fourDays(): PeriodValue[] {
  const hour3 = [10, 12, 20, 11];
  const out: PeriodValue[] = [];
  for (let d = 0; d < 4; d++)
    for (let h = 0; h < 24; h++) out.push({ start: T0 + d * DAY + h * H, value: h === 3 ? hour3[d]! : 100 });
  return out;
}

describe('baselineBand', () => {
  it('k is 2 (CloudWatch’s default band width)', () => {
    expect(BASELINE_K).toBe(2);
  });

  it('hour 3 of day 5 from 4 days of history: median 11.5 ± 2 · 1.4826 · MAD 1', () => {
    // Hour-3 values 10, 12, 20, 11 → sorted 10 11 12 20, median (11 + 12) / 2 = 11.5; deviations 1.5 0.5 8.5 0.5 →
    // sorted 0.5 0.5 1.5 8.5, MAD (0.5 + 1.5) / 2 = 1, σ = 1.4826. Every other hour is 100, so residuals elsewhere
    // are 0 (global σ 0, level 0). Band: 11.5 ± 2.9652 = [8.5348, 14.4652].
    const since = T0 + 4 * DAY;
    const b = baselineBand(fourDays(), { since, until: since + DAY, bin: H });
    expect(b.note).toBeUndefined();
    expect(b.seasonality).toBe('hour-of-day');
    expect(b.points).toHaveLength(24);
    const p3 = b.points.find((p) => p.t === since + 3 * H)!;
    expect(p3.expected).toBeCloseTo(11.5, 9);
    expect(p3.lower).toBeCloseTo(8.5348, 9);
    expect(p3.upper).toBeCloseTo(14.4652, 9);
    // Hour 5: all four values 100, MAD 0; σ floors at 1 % of the expected value: 100 ± 2 · 1 = [98, 102].
    const p5 = b.points.find((p) => p.t === since + 5 * H)!;
    expect([p5.expected, p5.lower, p5.upper]).toEqual([100, 98, 102]);
  });

  it('uses no value at or after the bin it predicts (no look-ahead)', () => {
    const since = T0 + 4 * DAY;
    const spike = [...fourDays(), { start: since + 3 * H, value: 1e9 }];
    const p3 = baselineBand(spike, { since, until: since + 4 * H, bin: H }).points.find(
      (p) => p.t === since + 3 * H,
    )!;
    expect(p3.upper).toBeCloseTo(14.4652, 9);
  });

  it('too little history: no band and a loud note with the days available', () => {
    // 2.5 days of hourly values from T0; the last bin (T0 + 2.5 d + 5 h) uses the model trained at its day's
    // midnight, T0 + 2 d: 2 days of history.
    const values = fourDays().filter((v) => v.start < T0 + 2.5 * DAY);
    const since = T0 + 2.5 * DAY;
    const b = baselineBand(values, { since, until: since + 6 * H, bin: H });
    expect(b.points).toEqual([]);
    expect(b.note).toMatch(/^baseline needs 3 days of history; 2 available/);
  });

  it('no history at all says 0 available', () => {
    const b = baselineBand([], { since: T0, until: T0 + DAY, bin: H });
    expect(b.points).toEqual([]);
    expect(b.note).toMatch(/^baseline needs 3 days of history; 0 available/);
  });

  it('a band on part of the range says which bins have none', () => {
    // History starts at T0; bins from T0 + 3 d on have 3 days before them, the 24 before do not.
    const values = fourDays();
    const b = baselineBand(values, { since: T0 + 2 * DAY, until: T0 + 4 * DAY, bin: H });
    expect(b.points).toHaveLength(24);
    expect(b.points[0]!.t).toBe(T0 + 3 * DAY);
    expect(b.note).toMatch(/no band on the first 24 of 48 bins/);
  });

  it('hour-of-week slots once 21 days of history', () => {
    // 21 days of hourly values: 100, except on the weekday of T0 + 14 d (and T0 + 7 d, T0) hour 3, which is 300.
    // From 21 days the slot of that weekday's hour 3 has 3 values 300: median 300, MAD 0; σ = 1 % of 300 = 3.
    const values: PeriodValue[] = [];
    for (let d = 0; d < 21; d++)
      for (let h = 0; h < 24; h++)
        values.push({ start: T0 + d * DAY + h * H, value: d % 7 === 0 && h === 3 ? 300 : 100 });
    const since = T0 + 21 * DAY;
    const b = baselineBand(values, { since, until: since + 6 * H, bin: H });
    expect(b.seasonality).toBe('hour-of-week');
    const p3 = b.points.find((p) => p.t === since + 3 * H)!;
    expect([p3.expected, p3.lower, p3.upper]).toEqual([300, 294, 306]);
  });

  it('bins over a day get no band and say why', () => {
    const b = baselineBand(fourDays(), { since: T0, until: T0 + 30 * DAY, bin: 7 * DAY });
    expect(b.points).toEqual([]);
    expect(b.note).toMatch(/bins over 1 day/);
  });
});

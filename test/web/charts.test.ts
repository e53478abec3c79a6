// The dashboard's pure chart helpers: the plural helper, the pixel-to-bucket mapping behind a click anywhere
// in a time chart, the Overview's unstacked accepted/rejected panels, the donut's non-overlapping labels and the
// alarm chart's shaded anomaly band.
// Expected values are worked out by hand.

import { describe, expect, it } from 'vitest';
import {
  bucketAt,
  PIE_MIN_LABEL_ANGLE,
  pieOption,
  splitTimeSeriesOption,
  timeSeriesOption,
} from '../../web/src/lib/chart-options.js';
import { plural } from '../../web/src/lib/format.js';

describe('plural', () => {
  it('is singular for exactly one and plural otherwise, with thousands separators', () => {
    expect(plural(1, 'flow')).toBe('1 flow');
    expect(plural(0, 'flow')).toBe('0 flows');
    expect(plural(2, 'flow')).toBe('2 flows');
    expect(plural(1234, 'flow')).toBe('1,234 flows');
    expect(plural(1, 'series', 'series')).toBe('1 series');
    expect(plural(3, 'entry', 'entries')).toBe('3 entries');
  });
});

describe('bucketAt', () => {
  // 2024-05-20 10:15:00 UTC = 1716200100; 1-minute buckets.
  const t0 = 1_716_200_100;
  it('maps a click to the bucket whose point is nearest, as the axis tooltip does', () => {
    expect(bucketAt(t0 * 1000, t0, 60)).toBe(t0); // on the point
    expect(bucketAt((t0 + 29) * 1000, t0, 60)).toBe(t0); // 10:15:29, nearer 10:15
    expect(bucketAt((t0 + 31) * 1000, t0, 60)).toBe(t0 + 60); // 10:15:31, nearer 10:16
    expect(bucketAt((t0 + 30) * 1000, t0, 60)).toBe(t0 + 60); // half way: the later bucket
    expect(bucketAt((t0 - 20) * 1000, t0, 60)).toBe(t0); // just left of the first point
    expect(bucketAt((t0 + 3 * 300 + 100) * 1000, t0, 300)).toBe(t0 + 900); // 5-minute buckets, 100 s past the 4th
    expect(bucketAt((t0 + 3 * 300 + 200) * 1000, t0, 300)).toBe(t0 + 1200);
  });
  it('keeps the buckets aligned to the first point, not to the epoch', () => {
    // Buckets of 300 s starting at 10:16:00 (not a multiple of 300 s since the epoch).
    const o = t0 + 60;
    expect(bucketAt((o + 310) * 1000, o, 300)).toBe(o + 300);
  });
  it('gives nothing for a bin that is not positive or a position that is not a number', () => {
    expect(bucketAt(Number.NaN, t0, 60)).toBeUndefined();
    expect(bucketAt(t0 * 1000, t0, 0)).toBeUndefined();
    expect(bucketAt(t0 * 1000, t0, -60)).toBeUndefined();
  });
});

describe('splitTimeSeriesOption', () => {
  const opt = splitTimeSeriesOption({
    top: {
      name: 'accepted',
      points: [
        [1000, 5],
        [2000, 500],
      ],
    },
    bottom: {
      name: 'rejected',
      points: [
        [1000, 7],
        [2000, 1],
      ],
    },
  });
  it('draws accepted and rejected in two grids with their own axes, never stacked', () => {
    const series = opt.series as Record<string, unknown>[];
    expect(series.map((s) => [s['name'], s['xAxisIndex'], s['yAxisIndex']])).toEqual([
      ['accepted', 0, 0],
      ['rejected', 1, 1],
    ]);
    for (const s of series) expect(s['stack']).toBeUndefined();
    expect(series[1]!['data']).toEqual([
      [1000, 7],
      [2000, 1],
    ]); // rejected values as given, not added to accepted
    expect(opt.grid).toHaveLength(2);
    expect((opt.xAxis as { gridIndex: number }[]).map((a) => a.gridIndex)).toEqual([0, 1]);
    expect((opt.yAxis as { gridIndex: number }[]).map((a) => a.gridIndex)).toEqual([0, 1]);
  });
});

describe('pieOption', () => {
  const opt = pieOption([
    { name: 'TCP', value: 90, key: 6 },
    { name: 'ICMP', value: 1, key: 1 },
  ]);
  const pie = (opt.series as Record<string, unknown>[])[0]!;
  it('puts labels outside, hides overlapping ones and leaves small slices to the legend', () => {
    expect(pie['avoidLabelOverlap']).toBe(true);
    expect(pie['labelLayout']).toEqual({ hideOverlap: true });
    expect((pie['label'] as { position: string }).position).toBe('outside');
    // ICMP is 1/91 of the circle = 3.96°, under the label threshold; TCP (356°) is over it.
    expect((1 / 91) * 360).toBeLessThan(PIE_MIN_LABEL_ANGLE);
    expect(pie['minShowLabelAngle']).toBe(PIE_MIN_LABEL_ANGLE);
    expect(opt.legend).toMatchObject({ type: 'scroll' });
  });
  it('keeps each slice key for the drill-down', () => {
    expect(pie['data']).toEqual([
      { name: 'TCP', value: 90, key: 6 },
      { name: 'ICMP', value: 1, key: 1 },
    ]);
  });
});

describe('timeSeriesOption with an anomaly band', () => {
  const points = [
    [1000, 5],
    [2000, 30],
  ] as const;
  const o = timeSeriesOption({
    series: [{ name: 'Sum per 300s', points }],
    valueBand: {
      label: 'anomaly band (k = 2)',
      color: '#e39a00',
      points: [
        [1000, 2, 8],
        [2000, 3, 9],
      ],
    },
  });
  const series = o.series as { name: string; stack?: string; data: number[][]; areaStyle?: unknown }[];

  it('draws the band as an invisible lower edge and a shaded width stacked on it, behind the metric', () => {
    expect(series.map((s) => s.name)).toEqual(['\u200bband lower', 'anomaly band (k = 2)', 'Sum per 300s']);
    expect(series[0]?.stack).toBe('value-band');
    expect(series[1]?.stack).toBe('value-band');
    expect(series[0]?.data).toEqual([
      [1000, 2],
      [2000, 3],
    ]);
    // upper − lower, so that lower + width = upper
    expect(series[1]?.data).toEqual([
      [1000, 6],
      [2000, 6],
    ]);
    expect(series[1]?.areaStyle).toBeDefined();
    expect(series[2]?.stack).toBeUndefined();
  });

  it('the value axis reaches above both the values and the band', () => {
    expect((o.yAxis as { max?: number }).max).toBe(Math.ceil(30 * 1.15));
  });
});

// Query-result charts: a bin() result with an empty bucket draws a gap (null), not a zero or a line across it;
// bytes measured beside counts go on a second (right) axis. Worked out by hand from the rows.

import { describe, expect, it } from 'vitest';
import { resultChart } from '../../web/src/lib/result-chart.js';

const T = Date.UTC(2024, 4, 20, 10, 0, 0); // 10:00 UTC
const iso = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

describe('resultChart for stats ... by bin()', () => {
  const res = {
    columns: ['bin(1m)', 'flows', 'bytes'],
    // 10:00, 10:01 and 10:03: the 10:02 bucket had no record.
    rows: [
      { 'bin(1m)': iso(T), flows: 2, bytes: 100 },
      { 'bin(1m)': iso(T + 60_000), flows: 1, bytes: 5000 },
      { 'bin(1m)': iso(T + 180_000), flows: 4, bytes: 80 },
    ],
    truncated: false,
    elapsedMs: 1,
    timeSeries: 'bin(1m)',
    aggregated: true,
  };

  it('draws the missing 10:02 bucket as a gap and bytes on the right axis', () => {
    const c = resultChart(res, new Set())!;
    const series = c.option.series as {
      name: string;
      data: [number, number | null][];
      yAxisIndex?: number;
    }[];
    const flows = series.find((s) => s.name === 'flows')!;
    const bytes = series.find((s) => s.name === 'bytes')!;
    expect(flows.data).toEqual([
      [T, 2],
      [T + 60_000, 1],
      [T + 120_000, null],
      [T + 180_000, 4],
    ]);
    expect(bytes.data[2]).toEqual([T + 120_000, null]);
    expect(flows.yAxisIndex).toBeUndefined();
    expect(bytes.yAxisIndex).toBe(1);
    expect(Array.isArray(c.option.yAxis) && c.option.yAxis.length).toBe(2);
  });

  it('keeps one axis when every measure is a count', () => {
    const c = resultChart(
      { ...res, columns: ['bin(1m)', 'flows'], rows: res.rows.map(({ bytes: _b, ...r }) => r) },
      new Set(),
    )!;
    expect(Array.isArray(c.option.yAxis)).toBe(false);
  });
});

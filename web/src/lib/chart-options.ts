// The ECharts options the dashboard draws, built by pure functions (no DOM, no ECharts runtime, so unit
// tests can check them): time series (one panel, or accepted and rejected in two aligned panels), bars and
// donuts; and the pixel-to-bucket mapping behind a click anywhere in a time chart. Times are shown in UTC.

import type { BarSeriesOption, LineSeriesOption, PieSeriesOption } from 'echarts/charts';
import type {
  GridComponentOption,
  LegendComponentOption,
  MarkAreaComponentOption,
  MarkLineComponentOption,
  TooltipComponentOption,
} from 'echarts/components';
import type { ComposeOption } from 'echarts/core';
import { formatCompact, formatNumber } from './format.js';

export type ChartOption = ComposeOption<
  | LineSeriesOption
  | BarSeriesOption
  | PieSeriesOption
  | GridComponentOption
  | TooltipComponentOption
  | LegendComponentOption
  | MarkLineComponentOption
  | MarkAreaComponentOption
>;

/** Colours with a meaning, the same in every chart. */
export const COLORS = { accepted: '#2f7fd8', rejected: '#e0493e', threshold: '#e39a00' } as const;

/** Time-axis labels (UTC, since every option sets `useUTC`): days as `05-20`, times as `10:15`. */
const TIME_LABELS = {
  year: '{yyyy}',
  month: '{yyyy}-{MM}',
  day: '{MM}-{dd}',
  hour: '{HH}:{mm}',
  minute: '{HH}:{mm}',
  second: '{HH}:{mm}:{ss}',
  millisecond: '{HH}:{mm}:{ss}',
  none: '{HH}:{mm}',
};

const BASE: ChartOption = {
  backgroundColor: 'transparent',
  useUTC: true,
  animationDuration: 300,
  textStyle: { fontFamily: 'inherit' },
};

const GRID: GridComponentOption = {
  left: 8,
  right: 16,
  top: 36,
  bottom: 8,
  outerBoundsMode: 'same',
  outerBoundsContain: 'axisLabel',
};

/** One line of a time-series chart: `[epoch ms, value]` points; a null value is a gap in the line. */
export interface TimeSeries {
  readonly name: string;
  readonly points: readonly (readonly [number, number | null])[];
  readonly color?: string;
  /** The value axis: left (default) or right (e.g. bytes beside counts). */
  readonly axis?: 'left' | 'right';
}

/** A shaded span of a time chart (an alarm's state between two changes). */
export interface TimeBand {
  /** Epoch ms. */
  readonly from: number;
  readonly to: number;
  readonly label: string;
  readonly color: string;
}

export interface TimeSeriesOptions {
  readonly series: readonly TimeSeries[];
  readonly format?: (n: number) => string;
  /** A horizontal line (alarm threshold). */
  readonly threshold?: { readonly value: number; readonly label: string };
  /** The x-axis span (unix seconds), so gaps at either end show as gaps. */
  readonly range?: { readonly since: number; readonly until: number };
  /** Values of the right axis (series with `axis: 'right'`). */
  readonly rightFormat?: (n: number) => string;
  /** Shaded spans behind the lines (alarm states). */
  readonly bands?: readonly TimeBand[];
  /** A shaded value band (an anomaly detection band): lower and upper per time (epoch ms). */
  readonly valueBand?: {
    readonly label: string;
    readonly color: string;
    readonly points: readonly (readonly [t: number, lower: number, upper: number])[];
  };
}

/** Series names of the value band's two stacked series: the invisible lower edge and the shaded width. */
const BAND_LOWER = '\u200bband lower';

/**
 * A time-series line chart, series drawn unstacked on one value axis (see `splitTimeSeriesOption` for
 * series of different scales, such as accepted and rejected).
 *
 * @example chart.set(timeSeriesOption({ series: [{ name: 'rejected', points }] }))
 */
export function timeSeriesOption(o: TimeSeriesOptions): ChartOption {
  const format = o.format ?? formatNumber;
  const right = o.series.some((s) => s.axis === 'right');
  const rightFormat = o.rightFormat ?? format;
  const series: LineSeriesOption[] = o.series.map((s, i) => ({
    type: 'line',
    name: s.name,
    data: s.points.map((p) => [p[0], p[1]]),
    showSymbol: s.points.length < 40,
    symbolSize: 5,
    smooth: false,
    connectNulls: false,
    ...(s.axis === 'right' ? { yAxisIndex: 1 } : {}),
    ...(s.color ? { color: s.color } : {}),
    ...(o.threshold && i === 0
      ? {
          markLine: {
            silent: true,
            symbol: 'none',
            lineStyle: { color: COLORS.threshold, type: 'dashed', width: 2 },
            label: { formatter: o.threshold.label, position: 'insideEndTop' },
            data: [{ yAxis: o.threshold.value }],
          },
        }
      : {}),
    ...(o.bands?.length && i === 0
      ? {
          markArea: {
            silent: true,
            label: { show: false },
            data: o.bands.map((b) => [
              { xAxis: b.from, name: b.label, itemStyle: { color: b.color, opacity: 0.14 } },
              { xAxis: b.to },
            ]),
          },
        }
      : {}),
  }));
  if (o.valueBand !== undefined && o.valueBand.points.length > 0) {
    // ECharts draws a band as two stacked lines: the lower edge (invisible) and the width above it (shaded).
    const edge = {
      showSymbol: false,
      symbol: 'none',
      smooth: false,
      silent: true,
      lineStyle: { opacity: 0 },
    };
    series.unshift(
      {
        type: 'line',
        name: BAND_LOWER,
        stack: 'value-band',
        data: o.valueBand.points.map((p) => [p[0], p[1]]),
        ...edge,
      },
      {
        type: 'line',
        name: o.valueBand.label,
        stack: 'value-band',
        data: o.valueBand.points.map((p) => [p[0], p[2] - p[1]]),
        color: o.valueBand.color,
        areaStyle: { color: o.valueBand.color, opacity: 0.22 },
        ...edge,
      },
    );
  }
  const bandEdges = (o.valueBand?.points ?? []).map((p) => p[2]);
  const values = o.series.filter((s) => s.axis !== 'right').flatMap((s) => s.points.map((p) => p[1] ?? 0));
  const max = Math.max(o.threshold?.value ?? 0, ...values, ...bandEdges);
  const valueAxis = (f: ((n: number) => string) | undefined) => ({
    type: 'value' as const,
    axisLabel: { formatter: (v: number) => (f ? f(v) : formatCompact(v)) },
  });
  const rightSeries = new Set(o.series.filter((s) => s.axis === 'right').map((s) => s.name));
  return {
    ...BASE,
    grid: GRID,
    legend: o.series.length > 1 ? { top: 0, type: 'plain' } : { show: false },
    tooltip: {
      trigger: 'axis',
      formatter: (params) => {
        const list = Array.isArray(params) ? params : [params];
        const first = list[0] as { value?: unknown } | undefined;
        const t = Array.isArray(first?.value) ? Number(first.value[0]) : Number.NaN;
        const head = Number.isFinite(t) ? new Date(t).toISOString().slice(0, 16).replace('T', ' ') : '';
        const bandAt = (t: number) => o.valueBand?.points.find((p) => p[0] === t);
        const lines = list.flatMap((p) => {
          const x = p as { marker?: unknown; seriesName?: string; value?: unknown };
          if (x.seriesName === BAND_LOWER) return [];
          if (o.valueBand !== undefined && x.seriesName === o.valueBand.label) {
            const b = bandAt(Array.isArray(x.value) ? Number(x.value[0]) : Number.NaN);
            return b
              ? [
                  `${escapeHtml(o.valueBand.label)}: <b>${escapeHtml(`${format(b[1])} – ${format(b[2])}`)}</b>`,
                ]
              : [];
          }
          const v = Array.isArray(x.value) ? x.value[1] : undefined;
          const f = rightSeries.has(x.seriesName ?? '') ? rightFormat : format;
          const text = typeof v === 'number' ? f(v) : 'no data';
          return [
            `${typeof x.marker === 'string' ? x.marker : ''}${escapeHtml(x.seriesName ?? '')}: <b>${escapeHtml(text)}</b>`,
          ];
        });
        return [`${head} UTC`, ...lines].join('<br>');
      },
    },
    xAxis: {
      type: 'time',
      ...(o.range ? { min: o.range.since * 1000, max: o.range.until * 1000 } : {}),
      axisLabel: { hideOverlap: true, formatter: TIME_LABELS },
    },
    yAxis: right
      ? [
          valueAxis(o.format),
          { ...valueAxis(rightFormat), splitLine: { show: false }, position: 'right' as const },
        ]
      : {
          ...valueAxis(o.format),
          ...(o.threshold || o.valueBand ? { max: max > 0 ? Math.ceil(max * 1.15) : 1 } : {}),
        },
    series,
  };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface BarOptions {
  readonly categories: readonly string[];
  readonly series: readonly {
    readonly name: string;
    readonly values: readonly number[];
    readonly color?: string;
  }[];
  /** Bars grow to the right with categories down the side (long labels such as addresses). */
  readonly horizontal?: boolean;
  readonly format?: (n: number) => string;
}

/** A bar chart; horizontal charts list the first category at the top. */
export function barOption(o: BarOptions): ChartOption {
  const format = o.format ?? formatNumber;
  const category = {
    type: 'category' as const,
    data: [...o.categories],
    inverse: o.horizontal === true,
    axisLabel: { width: 160, overflow: 'truncate' as const },
  };
  const value = {
    type: 'value' as const,
    axisLabel: { formatter: (v: number) => (o.format ? o.format(v) : formatCompact(v)) },
  };
  return {
    ...BASE,
    grid: GRID,
    legend: o.series.length > 1 ? { top: 0 } : { show: false },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      valueFormatter: (v) => (typeof v === 'number' ? format(v) : String(v)),
    },
    xAxis: o.horizontal ? value : category,
    yAxis: o.horizontal ? category : value,
    series: o.series.map((s) => ({
      type: 'bar',
      name: s.name,
      data: [...s.values],
      ...(s.color ? { color: s.color } : {}),
      barMaxWidth: 32,
    })),
  };
}

/**
 * A donut chart of parts of a whole. Labels sit outside with leader lines; slices under 8° (about 2%) get
 * none and overlapping labels are hidden, so labels never overlap: the legend and the tooltip name every
 * slice. Each slice keeps its item's `key` (read it back from the click event's `data`).
 */
export function pieOption(
  items: readonly { name: string; value: number; key?: string | number }[],
  format: (n: number) => string = formatNumber,
): ChartOption {
  return {
    ...BASE,
    legend: { bottom: 0, type: 'scroll' },
    tooltip: { trigger: 'item', valueFormatter: (v) => (typeof v === 'number' ? format(v) : String(v)) },
    series: [
      {
        type: 'pie',
        radius: ['30%', '52%'],
        center: ['50%', '44%'],
        avoidLabelOverlap: true,
        minShowLabelAngle: PIE_MIN_LABEL_ANGLE,
        label: { position: 'outside', formatter: '{b} {d}%', textBorderWidth: 0 },
        labelLine: { show: true, length: 8, length2: 6 },
        labelLayout: { hideOverlap: true },
        data: items.map((i) => ({
          name: i.name,
          value: i.value,
          ...(i.key !== undefined ? { key: i.key } : {}),
        })),
      },
    ],
  };
}

/** Slices narrower than this (degrees) carry no label; the legend names them. */
export const PIE_MIN_LABEL_ANGLE = 8;

/** Accepted over rejected: the two series of an Overview time chart, each in its own panel. */
export interface SplitTimeSeriesOptions {
  readonly top: TimeSeries;
  readonly bottom: TimeSeries;
  readonly format?: (n: number) => string;
}

/**
 * Two aligned panels sharing the time axis, each with its own value axis (accepted above, rejected below):
 * never stacked, so a spike in one can never read as a spike in the other, and a few rejects beside
 * millions of accepted flows stay visible. Grid 0 is the top panel, grid 1 the bottom one.
 */
export function splitTimeSeriesOption(o: SplitTimeSeriesOptions): ChartOption {
  const format = o.format ?? formatNumber;
  const panels = [o.top, o.bottom];
  const axisLabel = { formatter: (v: number) => (o.format ? o.format(v) : formatCompact(v)) };
  return {
    ...BASE,
    grid: [
      { ...GRID, top: 30, bottom: '53%' },
      { ...GRID, top: '53%', bottom: 8 },
    ],
    legend: { top: 0, type: 'plain' },
    tooltip: { trigger: 'axis', valueFormatter: (v) => (typeof v === 'number' ? format(v) : String(v)) },
    axisPointer: { link: [{ xAxisIndex: 'all' }] },
    xAxis: panels.map((_, i) => ({
      type: 'time' as const,
      gridIndex: i,
      axisLabel: i === 0 ? { show: false } : { hideOverlap: true, formatter: TIME_LABELS },
    })),
    yAxis: panels.map((_, i) => ({ type: 'value' as const, gridIndex: i, splitNumber: 2, axisLabel })),
    series: panels.map(
      (s, i): LineSeriesOption => ({
        type: 'line',
        name: s.name,
        xAxisIndex: i,
        yAxisIndex: i,
        data: s.points.map((p) => [p[0], p[1]]),
        showSymbol: s.points.length < 40,
        symbolSize: 5,
        areaStyle: { opacity: 0.25 },
        ...(s.color ? { color: s.color } : {}),
      }),
    ),
  };
}

/**
 * The time bucket (unix seconds, its start) a click at `xMs` on a time axis means: the bucket whose point
 * (drawn at its start) is nearest, as the axis tooltip shows; buckets are `bin` seconds apart from
 * `origin`, any bucket start. Undefined when the inputs are not finite or `bin` is not positive.
 *
 * @example bucketAt(1_716_200_130_000, 1_716_200_100, 60) // 1716200100 (30 s after 10:15:00, nearer it than 10:16:00)
 */
export function bucketAt(xMs: number, origin: number, bin: number): number | undefined {
  if (!Number.isFinite(xMs) || !Number.isFinite(origin) || !Number.isFinite(bin) || bin <= 0)
    return undefined;
  const steps = Math.round((xMs / 1000 - origin) / bin);
  return origin + steps * bin;
}

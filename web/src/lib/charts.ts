// ECharts, imported module by module (line, bar and pie charts; grid, tooltip, legend and mark-line
// components; canvas renderer) to keep the bundle small; a Chart wrapper that follows the light/dark
// scheme and its container's size; and the option builders the pages use. Times are shown in UTC.

import {
  BarChart,
  type BarSeriesOption,
  LineChart,
  type LineSeriesOption,
  PieChart,
  type PieSeriesOption,
} from 'echarts/charts';
import {
  GridComponent,
  type GridComponentOption,
  LegendComponent,
  type LegendComponentOption,
  MarkLineComponent,
  type MarkLineComponentOption,
  TooltipComponent,
  type TooltipComponentOption,
} from 'echarts/components';
import { type ComposeOption, type ECElementEvent, type EChartsType, init, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { h } from './dom.js';
import { formatCompact, formatNumber } from './format.js';

use([
  LineChart,
  BarChart,
  PieChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  MarkLineComponent,
  CanvasRenderer,
]);

export type ChartOption = ComposeOption<
  | LineSeriesOption
  | BarSeriesOption
  | PieSeriesOption
  | GridComponentOption
  | TooltipComponentOption
  | LegendComponentOption
  | MarkLineComponentOption
>;

/** Colours with a meaning, the same in every chart. */
export const COLORS = { accepted: '#2f7fd8', rejected: '#e0493e', threshold: '#e39a00' } as const;

const dark = window.matchMedia('(prefers-color-scheme: dark)');
const live = new Set<Chart>();
dark.addEventListener('change', () => {
  for (const c of live) c.rethemed();
});

/**
 * A chart in a container with `data-testid="chart-<id>"`; the container gets `data-rendered="true"` once
 * ECharts has drawn the latest option, and `data-series` / `data-points` describing it.
 *
 * @example const c = new Chart('bytes', 'Bytes over time'); parent.append(c.el); c.set(option);
 */
export class Chart {
  readonly el: HTMLElement;
  private instance: EChartsType | undefined;
  private option: ChartOption | undefined;
  private click: ((e: ECElementEvent) => void) | undefined;
  private readonly resize = new ResizeObserver(() => this.instance?.resize());

  constructor(id: string, label: string) {
    this.el = h('div', { class: 'chart', 'data-testid': `chart-${id}`, role: 'img', 'aria-label': label });
    this.resize.observe(this.el);
    live.add(this);
  }

  /** Draws an option (replacing the previous one). The container should be in the document. */
  set(option: ChartOption, stats?: { series: number; points: number }): void {
    this.option = option;
    this.el.dataset['rendered'] = 'false';
    if (stats) {
      this.el.dataset['series'] = String(stats.series);
      this.el.dataset['points'] = String(stats.points);
    }
    this.ensure().setOption(option, { notMerge: true });
  }

  /** Calls `fn` when a data element (point, bar, slice) is clicked. */
  onClick(fn: (e: ECElementEvent) => void): void {
    this.click = fn;
    this.el.classList.add('clickable');
  }

  dispose(): void {
    live.delete(this);
    this.resize.disconnect();
    this.instance?.dispose();
    this.instance = undefined;
  }

  /** Re-creates the instance in the scheme now in effect. */
  rethemed(): void {
    this.instance?.dispose();
    this.instance = undefined;
    if (this.option) this.ensure().setOption(this.option, { notMerge: true });
  }

  private ensure(): EChartsType {
    if (this.instance) return this.instance;
    const chart = init(this.el, dark.matches ? 'dark' : undefined, { renderer: 'canvas' });
    chart.on('finished', () => {
      this.el.dataset['rendered'] = 'true';
    });
    chart.on('click', (e) => this.click?.(e as ECElementEvent));
    this.instance = chart;
    return chart;
  }
}

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

/** One line of a time-series chart: `[epoch ms, value]` points. */
export interface TimeSeries {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  readonly color?: string;
}

export interface TimeSeriesOptions {
  readonly series: readonly TimeSeries[];
  /** Stack the series as areas (accepted/rejected). */
  readonly stacked?: boolean;
  readonly format?: (n: number) => string;
  /** A horizontal line (alarm threshold). */
  readonly threshold?: { readonly value: number; readonly label: string };
  /** The x-axis span (unix seconds), so gaps at either end show as gaps. */
  readonly range?: { readonly since: number; readonly until: number };
}

/**
 * A time-series line or stacked-area chart.
 *
 * @example chart.set(timeSeriesOption({ series: [{ name: 'accepted', points }], stacked: true }))
 */
export function timeSeriesOption(o: TimeSeriesOptions): ChartOption {
  const format = o.format ?? formatNumber;
  const series: LineSeriesOption[] = o.series.map((s, i) => ({
    type: 'line',
    name: s.name,
    data: s.points.map((p) => [p[0], p[1]]),
    showSymbol: s.points.length < 40,
    symbolSize: 5,
    smooth: false,
    ...(s.color ? { color: s.color } : {}),
    ...(o.stacked ? { stack: 'total', areaStyle: { opacity: 0.35 } } : {}),
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
  }));
  const values = o.series.flatMap((s) => s.points.map((p) => p[1]));
  const max = Math.max(o.threshold?.value ?? 0, ...values);
  return {
    ...BASE,
    grid: GRID,
    legend: o.series.length > 1 ? { top: 0, type: 'plain' } : { show: false },
    tooltip: { trigger: 'axis', valueFormatter: (v) => (typeof v === 'number' ? format(v) : String(v)) },
    xAxis: {
      type: 'time',
      ...(o.range ? { min: o.range.since * 1000, max: o.range.until * 1000 } : {}),
      axisLabel: { hideOverlap: true, formatter: TIME_LABELS },
    },
    yAxis: {
      type: 'value',
      ...(o.threshold ? { max: max > 0 ? Math.ceil(max * 1.15) : 1 } : {}),
      axisLabel: { formatter: (v: number) => (o.format ? o.format(v) : formatCompact(v)) },
    },
    series,
  };
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

/** A donut chart of parts of a whole. */
export function pieOption(
  items: readonly { name: string; value: number }[],
  format: (n: number) => string = formatNumber,
): ChartOption {
  return {
    ...BASE,
    legend: { bottom: 0, type: 'scroll' },
    tooltip: { trigger: 'item', valueFormatter: (v) => (typeof v === 'number' ? format(v) : String(v)) },
    series: [
      {
        type: 'pie',
        radius: ['35%', '60%'],
        center: ['50%', '45%'],
        avoidLabelOverlap: true,
        label: { formatter: '{b}\n{d}%', textBorderWidth: 0 },
        data: items.map((i) => ({ name: i.name, value: i.value })),
      },
    ],
  };
}

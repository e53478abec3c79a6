// ECharts, imported module by module (line, bar and pie charts; grid, tooltip, legend and mark-line
// components; canvas renderer) to keep the bundle small; a Chart wrapper that follows the light/dark
// scheme and its container's size, with clicks on data elements or anywhere in a grid; and (re-exported from
// chart-options.ts) the option builders the pages use.

import { BarChart, LineChart, PieChart } from 'echarts/charts';
import {
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  TooltipComponent,
} from 'echarts/components';
import { type ECElementEvent, type EChartsType, init, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { ChartOption } from './chart-options.js';
import { h } from './dom.js';

use([
  LineChart,
  BarChart,
  PieChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  MarkLineComponent,
  MarkAreaComponent,
  CanvasRenderer,
]);

export * from './chart-options.js';

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
  private gridClick: ((grid: number, x: number) => void) | undefined;
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

  /**
   * Calls `fn` with the grid's index and the x-axis value under the pointer when the user clicks anywhere
   * inside a grid (not only on a point): the zrender click's pixel converted with `convertFromPixel`.
   */
  onGridClick(fn: (grid: number, x: number) => void): void {
    this.gridClick = fn;
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
    chart.getZr().on('click', (e) => {
      if (!this.gridClick) return;
      const grids = Array.isArray(this.option?.grid) ? this.option.grid.length : 1;
      const pixel = [e.offsetX, e.offsetY];
      for (let grid = 0; grid < grids; grid++) {
        if (!chart.containPixel({ gridIndex: grid }, pixel)) continue;
        const x = Number(chart.convertFromPixel({ gridIndex: grid }, pixel)[0]);
        if (Number.isFinite(x)) this.gridClick(grid, x);
        return;
      }
    });
    this.instance = chart;
    return chart;
  }
}

// The baseline band (expected range from the store's own history, GET /api/baseline) drawn around the accepted
// panel of a split time chart (the Overview's, a host's), and the loud note when there is too little history.

import type { BaselineResponse } from './api.js';
import type { Chart, ChartOption } from './charts.js';
import { h, replaceChildren } from './dom.js';

export type BaselineMetric = 'bytes' | 'packets' | 'flows';

/** Series names of the band: the invisible lower edge and the shaded width stacked on it. */
const LOWER = '\u200bbaseline lower';
const WIDTH = 'expected range';
const COLOR = '#7a8a99';

/**
 * The option with the band stacked behind grid 0 (the accepted panel) of a split time chart: the tooltip shows
 * "expected range: low – high" for the bin, and the value axis grows to hold the band.
 *
 * @example chart.set(withBaselineBand(splitTimeSeriesOption(o), band.bytes, formatBytes))
 */
export function withBaselineBand(
  option: ChartOption,
  points: BaselineResponse['bytes'],
  format: (n: number) => string,
): ChartOption {
  if (points.length === 0) return option;
  // Both edges drawn faint and dashed, so a narrow band (steady traffic) still shows.
  const edge = {
    showSymbol: false,
    symbol: 'none',
    smooth: false,
    silent: true,
    lineStyle: { color: COLOR, opacity: 0.7, width: 1, type: 'dashed' as const },
  };
  const byT = new Map(points.map((p) => [p.t * 1000, p]));
  const band = [
    {
      type: 'line' as const,
      name: LOWER,
      xAxisIndex: 0,
      yAxisIndex: 0,
      stack: 'baseline',
      data: points.map((p) => [p.t * 1000, p.lower]),
      ...edge,
    },
    {
      type: 'line' as const,
      name: WIDTH,
      xAxisIndex: 0,
      yAxisIndex: 0,
      stack: 'baseline',
      data: points.map((p) => [p.t * 1000, p.upper - p.lower]),
      color: COLOR,
      areaStyle: { color: COLOR, opacity: 0.25 },
      ...edge,
    },
  ];
  const series = Array.isArray(option.series) ? option.series : option.series ? [option.series] : [];
  return {
    ...option,
    legend: { top: 0, type: 'plain', data: series.map((s) => String(s.name)).concat(WIDTH) },
    tooltip: {
      trigger: 'axis',
      confine: true,
      formatter: (params) => {
        const list = Array.isArray(params) ? params : [params];
        const lines: string[] = [];
        let head = '';
        for (const p of list as { seriesName?: string; value?: unknown; marker?: unknown }[]) {
          const v = Array.isArray(p.value) ? p.value : [];
          const t = Number(v[0]);
          if (!head && Number.isFinite(t))
            head = `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
          if (p.seriesName === LOWER) continue;
          if (p.seriesName === WIDTH) {
            const b = byT.get(t);
            if (b) lines.push(`${WIDTH}: <b>${esc(format(b.lower))} – ${esc(format(b.upper))}</b>`);
            continue;
          }
          const marker = typeof p.marker === 'string' ? p.marker : '';
          lines.push(
            `${marker}${esc(p.seriesName ?? '')}: <b>${esc(typeof v[1] === 'number' ? format(v[1]) : 'no data')}</b>`,
          );
        }
        return [head, ...lines].join('<br>');
      },
    },
    series: [...band, ...series] as ChartOption['series'],
  };
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Marks a chart with how many band points it draws (`data-baseline-band`), for tests and users' tools. */
export function markBand(chart: Chart, points: readonly unknown[]): void {
  chart.el.dataset['baselineBand'] = String(points.length);
}

/**
 * Shows what the band is, or loudly why there is none ("baseline needs 3 days of history; 1.5 available"), in
 * `holder`; an error fetching the band is said there too and never hides the chart.
 */
export function renderBaselineNote(holder: HTMLElement, band: BaselineResponse | Error | undefined): void {
  if (band === undefined) {
    replaceChildren(holder);
    return;
  }
  if (band instanceof Error) {
    replaceChildren(
      holder,
      h(
        'div',
        { class: 'banner banner-warn', role: 'alert', 'data-testid': 'baseline-note' },
        `No baseline band: ${band.message}`,
      ),
    );
    return;
  }
  const drawn = band.bytes.length > 0;
  const what = drawn
    ? `Shaded: the expected range of accepted traffic (median ± ${band.k}σ of the same ${band.seasonality === 'hour-of-week' ? 'hour of the week' : band.seasonality === 'hour-of-day' ? 'hour of the day' : 'bins'} in the store's history, ${band.daysAvailable.toFixed(1)} days).`
    : '';
  replaceChildren(
    holder,
    ...(drawn ? [h('div', { class: 'stat-range', 'data-testid': 'baseline-legend' }, what)] : []),
    ...(band.note !== undefined
      ? [
          h(
            'div',
            {
              class: drawn ? 'stat-range' : 'banner banner-warn',
              role: drawn ? 'note' : 'alert',
              'data-testid': 'baseline-note',
            },
            band.note,
          ),
        ]
      : []),
  );
}

/** ECharts options of the monitor's charts, from a snapshot and the page's labels. */
import type { ChartOption } from '../charts/Chart.tsx';
import type { Snapshot } from './types.ts';

const ACCENT = '#0f5fb8';
const VALUE = '#1d7a3e';
const BAD = '#b3261e';

/** Declarations (bars, left axis) and value in yuan (line, right axis) per bucket. */
export function overTime(s: Snapshot, names: { declarations: string; value: string }, time: (iso: string) => string): ChartOption {
  return {
    color: [ACCENT, VALUE],
    tooltip: { trigger: 'axis' },
    legend: { top: 0, data: [names.declarations, names.value] },
    grid: { left: 8, right: 8, top: 36, bottom: 8 },
    xAxis: { type: 'category', data: s.series.map((p) => time(p.t)), axisTick: { alignWithLabel: true } },
    yAxis: [
      { type: 'value', minInterval: 1 },
      { type: 'value', splitLine: { show: false } },
    ],
    series: [
      { name: names.declarations, type: 'bar', data: s.series.map((p) => p.declarations), barMaxWidth: 24 },
      { name: names.value, type: 'line', yAxisIndex: 1, showSymbol: false, data: s.series.map((p) => p.valueFen / 100) },
    ],
  };
}

/** Bars, one per category; `horizontal` for long names (countries, statuses), largest at the top. */
export function bars(categories: string[], values: number[], name: string, opts: { horizontal?: boolean } = {}): ChartOption {
  // Every category named: across, two lines of at most 90 px; down, one line of at most 160 px.
  const category = { type: 'category', data: opts.horizontal ? [...categories].reverse() : categories, axisLabel: opts.horizontal ? { width: 160, overflow: 'truncate', interval: 0 } : { width: 90, overflow: 'break', interval: 0 } };
  const value = { type: 'value', minInterval: 1 };
  return {
    color: [ACCENT],
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    // Room for the value written past the longest bar.
    grid: { left: 8, right: opts.horizontal ? 48 : 16, top: opts.horizontal ? 12 : 24, bottom: 8 },
    xAxis: opts.horizontal ? value : category,
    yAxis: opts.horizontal ? category : value,
    series: [{ name, type: 'bar', data: opts.horizontal ? [...values].reverse() : values, barMaxWidth: 28, label: { show: true, position: opts.horizontal ? 'right' : 'top' } }],
  };
}

/** A ring of shares (import and export); each share's percentage is in the legend, where it always fits. */
export function ring(items: Array<{ name: string; value: number }>, name: string): ChartOption {
  const total = items.reduce((sum, i) => sum + i.value, 0);
  const share = (n: string) => {
    const v = items.find((i) => i.name === n)?.value ?? 0;
    return total ? `${((v * 100) / total).toFixed(1)}%` : '—';
  };
  return {
    color: [ACCENT, '#e08a00'],
    tooltip: { trigger: 'item' },
    legend: { bottom: 0, formatter: (n: string) => `${n} ${share(n)}` },
    series: [{ name, type: 'pie', radius: ['45%', '70%'], center: ['50%', '45%'], data: items, label: { show: false } }],
  };
}

export const REJECTED_COLOR = BAD;

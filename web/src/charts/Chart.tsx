/**
 * One ECharts chart: loads ECharts on first use, follows its box's size (ResizeObserver), takes
 * new options in place, and is disposed with the component. `label` names it for screen readers.
 */
import { useEffect, useRef, useState } from 'react';
import type { EChartsCoreOption, EChartsType } from 'echarts/core';
import type * as EChartsLib from './echarts.ts';

type Lib = typeof EChartsLib;
let loading: Promise<Lib> | null = null;
const load = () => (loading ??= import('./echarts.ts'));

export type ChartOption = EChartsCoreOption;

export function Chart({ option, label, height = 280, testId }: { option: ChartOption; label: string; height?: number; testId?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);
  const [lib, setLib] = useState<Lib | null>(null);

  useEffect(() => {
    let live = true;
    load().then((m) => live && setLib(m), (err: unknown) => console.warn('charts failed to load', err));
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    const el = box.current;
    if (!lib || !el) return;
    const c = lib.init(el, undefined, { renderer: 'canvas' });
    chart.current = c;
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, [lib]);

  useEffect(() => {
    chart.current?.setOption({ animationDuration: 300, ...option }, { notMerge: true });
  }, [option, lib]);

  return <div ref={box} className="chart" role="img" aria-label={label} style={{ height }} data-testid={testId} />;
}

import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/**
 * A uPlot chart that fills its container's width and redraws in place when `data` changes (one
 * `setData`, not a new chart). The canvas is hidden from assistive technology: `label` says in words
 * what it shows.
 */
export function Chart({
  options,
  data,
  label,
  height = 190,
  testId,
}: {
  /** Built once per chart: changing it rebuilds the chart. */
  options: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
  label: string;
  height?: number;
  testId?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(data);
  latest.current = data;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const chart = new uPlot({ ...options, width: Math.max(200, el.clientWidth), height }, latest.current, el);
    plot.current = chart;
    const resize = new ResizeObserver(() => {
      const width = Math.max(200, el.clientWidth);
      if (width !== chart.width) chart.setSize({ width, height });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [options, height]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return (
    <figure className="chart" data-testid={testId}>
      <div ref={box} className="chart-canvas" aria-hidden="true" />
      <figcaption className="chart-caption">{label}</figcaption>
    </figure>
  );
}

/** The axes' look: readable text and light grid lines on the panel's white. */
export const AXIS_STYLE: Partial<uPlot.Axis> = {
  stroke: '#3d444d',
  grid: { stroke: '#e6e9ed', width: 1 },
  ticks: { stroke: '#d0d7de', width: 1 },
  font: '12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif',
};

import uPlot from 'uplot';
import { svg } from './dom.js';
import { formatValue, type Band } from './model.js';

export interface ChartInput {
  metric: string;
  points: Array<[t: number, v: number]>;
  band: Band;
  /** Points to mark (the anomaly, or a series' anomalies): time in ms and value. */
  marks: Array<[t: number, v: number]>;
  markLabel: string;
}

const COLORS = { value: '#1f5fbf', band: 'rgba(46, 139, 87, 0.16)', bandLine: '#2e8b57', fence: '#b36b00', median: '#555', mark: '#c8102e' };

/**
 * A uPlot chart of a series with its baseline band (median ± k·MAD, filled), the IQR fences, the median,
 * and marked points. Returns a function that removes it.
 */
export function seriesChart(container: HTMLElement, input: ChartInput): () => void {
  const { band } = input;
  // One x axis for the values and the marks, in seconds, ascending; a mark at a time already present shares it.
  const byTime = new Map<number, { v: number | null; m: number | null }>();
  for (const [t, v] of input.points) byTime.set(t, { v, m: byTime.get(t)?.m ?? null });
  for (const [t, v] of input.marks) byTime.set(t, { v: byTime.get(t)?.v ?? null, m: v });
  const xs = [...byTime.keys()].sort((a, b) => a - b);
  const col = (f: (t: number) => number | null) => xs.map(f);
  const data: uPlot.AlignedData = [
    xs.map((t) => t / 1000),
    col((t) => byTime.get(t)!.v),
    col(() => band.madHigh),
    col(() => band.madLow),
    col(() => band.fenceHigh),
    col(() => band.fenceLow),
    col(() => band.median),
    col((t) => byTime.get(t)!.m),
  ];
  const k = band.madK.toFixed(2);
  const fmt = (_u: uPlot, v: number | null) => (v === null || v === undefined ? '–' : formatValue(input.metric, v));
  const opts: uPlot.Options = {
    width: Math.max(320, container.clientWidth || 800),
    height: 320,
    scales: { x: { time: true } },
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
    axes: [{}, { size: 80, values: (_u, vals) => vals.map((v) => formatValue(input.metric, v)) }],
    series: [
      { label: 'time' },
      { label: input.metric, stroke: COLORS.value, width: 1, points: { show: true, size: 3 }, value: fmt, spanGaps: false },
      { label: `median + ${k}·MAD`, stroke: COLORS.bandLine, width: 1, value: fmt, points: { show: false } },
      { label: `median − ${k}·MAD`, stroke: COLORS.bandLine, width: 1, value: fmt, points: { show: false } },
      { label: `Q3 + ${band.iqrK}·IQR`, stroke: COLORS.fence, width: 1, dash: [6, 4], value: fmt, points: { show: false } },
      { label: `Q1 − ${band.iqrK}·IQR`, stroke: COLORS.fence, width: 1, dash: [6, 4], value: fmt, points: { show: false } },
      { label: 'median', stroke: COLORS.median, width: 1, dash: [2, 3], value: fmt, points: { show: false } },
      { label: input.markLabel, stroke: COLORS.mark, fill: COLORS.mark, width: 0, value: fmt, paths: () => null, points: { show: true, size: 12, stroke: COLORS.mark, fill: COLORS.mark, width: 2 } },
    ],
    bands: [{ series: [2, 3], fill: COLORS.band }],
  };
  const plot = new uPlot(opts, data, container);
  const resize = () => plot.setSize({ width: Math.max(320, container.clientWidth || 800), height: 320 });
  window.addEventListener('resize', resize);
  return () => {
    window.removeEventListener('resize', resize);
    plot.destroy();
  };
}

/** A small inline SVG line of the last values, with the band median ± k·MAD shaded. */
export function sparkline(values: number[], band: Band | null, label: string): SVGSVGElement {
  const W = 120;
  const H = 28;
  const all = band ? [...values, band.madLow, band.madHigh] : values;
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const span = hi - lo || 1;
  const y = (v: number) => (H - 2 - ((v - lo) / span) * (H - 4)).toFixed(1);
  const x = (i: number) => (values.length < 2 ? W / 2 : (i / (values.length - 1)) * (W - 2) + 1).toFixed(1);
  const el = svg('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label, class: 'sparkline' });
  if (band) {
    const top = Number(y(band.madHigh));
    const bottom = Number(y(band.madLow));
    el.append(svg('rect', { x: 0, y: top, width: W, height: Math.max(1, bottom - top), class: 'spark-band' }));
  }
  if (values.length > 0) el.append(svg('polyline', { points: values.map((v, i) => `${x(i)},${y(v)}`).join(' '), class: 'spark-line' }));
  return el;
}

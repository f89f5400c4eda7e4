// Time series and bar charts on uPlot (MIT, about 20 KB gzip, canvas): one
// value per UTC day, the previous period as a dashed line at the same
// positions, and a tooltip that names both days.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef, useState } from 'preact/hooks';
import { day as dayLabel } from '../format';
import { HiddenTable } from './ui';

export interface ChartSeries {
  label: string;
  values: number[];
  /** The days of this series when they differ from the axis (the previous period). */
  days?: string[];
  previous?: boolean;
}

interface ChartProps {
  days: string[];
  series: ChartSeries[];
  format: (n: number) => string;
  label: string;
  height?: number;
  bars?: boolean;
  /** Counts: ticks on whole numbers only. */
  integer?: boolean;
}

const DAY_S = 86_400;
// Ticks on whole days (never "Nov 17, Nov 17" for noon), and on whole numbers for counts.
const DAY_INCRS = [1, 2, 3, 7, 14, 28, 56, 91, 182, 364].map((d) => d * DAY_S);
const INT_INCRS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1e3, 2e3, 2.5e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6, 1e7];

const seconds = (d: string) => Date.parse(`${d}T00:00:00Z`) / 1000;

function colour(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/** Where the cursor is: the day's index and the tooltip's left edge. */
type Tip = { idx: number; left: number } | null;

export function Chart(props: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const [tip, setTip] = useState<Tip>(null);
  useEffect(() => {
    const target = box.current;
    if (!target) return;
    let plot: uPlot | null = null;
    const observer = new ResizeObserver((entries) => {
      const width = Math.floor(entries[0].contentRect.width);
      if (width <= 0) return;
      if (!plot) plot = makePlot(props, width, target, setTip);
      else plot.setSize({ width, height: props.height ?? 240 });
    });
    observer.observe(target);
    return () => {
      observer.disconnect();
      plot?.destroy();
    };
  }, [props]);
  return (
    <figure class="chart" role="group" aria-label={props.label}>
      <div class="chart-box" ref={box} />
      <div class="chart-tip" hidden={!tip} style={tip ? { transform: `translate(${tip.left}px, 8px)` } : undefined}>
        {tip
          ? props.series.map((s) => (
              <div class={s.previous ? 'tip-row previous' : 'tip-row'}>
                <span class="tip-day">{dayLabel((s.days ?? props.days)[tip.idx] ?? props.days[tip.idx])}</span>
                <strong>{props.format(s.values[tip.idx] ?? 0)}</strong>
                <span class="tip-label">{s.label}</span>
              </div>
            ))
          : null}
      </div>
      <HiddenTable
        caption={props.label}
        head={['Day', ...props.series.map((s) => s.label)]}
        rows={props.days.map((d, i) => [d, ...props.series.map((s) => props.format(s.values[i] ?? 0))])}
      />
    </figure>
  );
}

function makePlot(props: ChartProps, width: number, target: HTMLElement, setTip: (tip: Tip) => void): uPlot {
  const x = props.days.map(seconds);
  const accent = colour('--accent', '#4f46e5');
  const muted = colour('--chart-previous', '#9ca3af');
  const grid = colour('--grid', '#e5e7eb');
  const text = colour('--text-muted', '#6b7280');
  const bars = props.bars || props.days.length <= 2;
  // Two series side by side: the previous period's bar left of the current one.
  const paired = props.series.length > 1;
  const height = props.height ?? 240;
  const opts: uPlot.Options = {
    width,
    height,
    legend: { show: false },
    cursor: { y: false, points: { size: 8 }, drag: { x: false, y: false } },
    // Days are UTC days: the axis must not shift them into the reader's zone.
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    scales: {
      // Bars need half a day of room at each end, or the first and last are cut in half.
      x: bars ? { time: true, range: () => [x[0] - DAY_S / 2, x[x.length - 1] + DAY_S / 2] } : { time: true },
      y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
    },
    axes: [
      {
        stroke: text,
        grid: { show: false },
        ticks: { stroke: grid },
        incrs: DAY_INCRS,
        space: 56,
        values: (_u, splits) => splits.map((s) => dayLabel(new Date(s * 1000).toISOString().slice(0, 10))),
      },
      {
        stroke: text,
        grid: { stroke: grid, width: 1 },
        ticks: { show: false },
        size: 60,
        ...(props.integer ? { incrs: INT_INCRS } : {}),
        values: (_u, splits) => splits.map((s) => props.format(s)),
      },
    ],
    series: [
      {},
      ...props.series.map((s) => ({
        label: s.label,
        stroke: s.previous ? muted : accent,
        width: s.previous ? 1.5 : 2,
        dash: s.previous ? [6, 4] : undefined,
        fill: s.previous ? undefined : bars ? accent + 'cc' : accent + '1f',
        points: { show: !bars && props.days.length <= 31, size: 5, fill: s.previous ? muted : accent },
        paths: bars ? uPlot.paths.bars!({ size: [paired ? 0.38 : 0.6, 48], align: paired ? (s.previous ? -1 : 1) : 0 }) : undefined,
      })),
    ],
    hooks: {
      setCursor: [
        (u) => {
          const idx = u.cursor.idx;
          if (idx === null || idx === undefined || u.cursor.left === undefined || u.cursor.left < 0) return setTip(null);
          setTip({ idx, left: Math.min(Math.max(u.cursor.left + 12, 0), u.width - 170) });
        },
      ],
    },
  };
  return new uPlot(opts, [x, ...props.series.map((s) => s.values)] as uPlot.AlignedData, target);
}

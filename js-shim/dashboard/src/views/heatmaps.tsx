// Heatmaps: where visitors click on a page and how far down they scroll,
// drawn over the recorded page (rrweb's rebuild of a recent full snapshot of
// that path, at the chosen width), plus its rage and dead clicks with links
// to the moments in their replays. Numbers come from the page-insight
// rollups; the page itself is one stored snapshot.
import { cls } from '../cls';
import { call, HttpError } from '../api';
import { analyticsQuery, here, linkTo, type Ctx } from '../context';
import { count, dateTime, dayRange, percent } from '../format';
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Empty, Panel } from '../components/ui';
import { Heading } from './breakdowns';
import { loadPlayer } from '../replay/load';
import { navigate } from '../router';

type Width = 'phone' | 'tablet' | 'desktop';
const WIDTHS: { width: Width; label: string; px: number }[] = [
  { width: 'phone', label: 'Phone', px: 390 },
  { width: 'tablet', label: 'Tablet', px: 820 },
  { width: 'desktop', label: 'Desktop', px: 1280 },
];
type Mode = 'clicks' | 'scroll';

interface Heatmap {
  path: string;
  width: Width;
  grid: { columns: number; row_px: number; rows: number };
  clicks: number;
  clicks_by_width: Record<Width, number>;
  cells: { x: number; y: number; clicks: number }[];
  snapshot: { session_id: string; at: string; viewport_width: number; viewport_height: number } | null;
}
interface ScrollMap {
  page_views: number;
  depths: { depth: number; page_views: number; share: number }[];
}
interface ClickIssue {
  kind: 'rage' | 'dead';
  path: string;
  selector: string;
  clicks: number;
  session_id: string | null;
  t: number | null;
  last_seen: string;
}

/** The stage's width on screen, whatever width the page was recorded at. */
const STAGE_MAX_PX = 760;

export async function heatmapsView(ctx: Ctx) {
  const q = (extra: Record<string, string | number> = {}) => analyticsQuery(ctx, extra);
  const { pages } = await call<{ pages: { path: string; clicks: number }[] }>(`/api/insights/pages?${q({ limit: 100 })}`, { signal: ctx.signal });
  const path = ctx.url.searchParams.get('path') || ctx.q.filters.page || pages[0]?.path;
  const width: Width = WIDTHS.find((w) => w.width === ctx.url.searchParams.get('width'))?.width ?? 'desktop';
  const mode: Mode = ctx.url.searchParams.get('map') === 'scroll' ? 'scroll' : 'clicks';
  const head = <Heading title="Heatmaps" sub={dayRange(ctx.range.from, ctx.range.to)} />;
  if (!path) {
    return (
      <div>
        {head}
        <Empty title="No clicks recorded in this period" icon="search">
          <p>The tracker records clicks with their position on every page; pick a longer period, or visit your site.</p>
        </Empty>
      </div>
    );
  }
  const [heat, depth, issues] = await Promise.all([
    call<Heatmap>(`/api/insights/heatmap?${q({ path, width })}`, { signal: ctx.signal }),
    call<ScrollMap>(`/api/insights/scroll?${q({ path })}`, { signal: ctx.signal }),
    call<{ issues: ClickIssue[] }>(`/api/insights/clicks?${q({ path, limit: 50 })}`, { signal: ctx.signal }),
  ]);
  const choices = pages.some((p) => p.path === path) ? pages : [{ path, clicks: 0 }, ...pages];

  const picker = (
    <form class="heat-controls" onSubmit={(e) => e.preventDefault()}>
      <label>
        Page{' '}
        <select name="path" value={path} onChange={(e) => navigate(here(ctx, { path: e.currentTarget.value }))}>
          {choices.map((p) => (
            <option value={p.path}>
              {p.path} ({count(p.clicks)} clicks)
            </option>
          ))}
        </select>
      </label>
      <div class="segmented" role="group" aria-label="Window width">
        {WIDTHS.map((w) => (
          <a class={cls('seg', { active: w.width === width })} aria-current={w.width === width ? 'true' : undefined} href={here(ctx, { width: w.width })} data-width={w.width}>
            {w.label} <span class="muted">{count(heat.clicks_by_width[w.width])}</span>
          </a>
        ))}
      </div>
      <div class="segmented" role="group" aria-label="Map">
        <a class={cls('seg', { active: mode === 'clicks' })} aria-current={mode === 'clicks' ? 'true' : undefined} href={here(ctx, { map: null })}>Clicks</a>
        <a class={cls('seg', { active: mode === 'scroll' })} aria-current={mode === 'scroll' ? 'true' : undefined} href={here(ctx, { map: 'scroll' })}>Scroll depth</a>
      </div>
    </form>
  );


  return (
    <div class="heatmaps">
      {head}
      {picker}
      <div class="grid">
        <Panel title={mode === 'clicks' ? `Clicks on ${path}` : `Scroll depth on ${path}`} wide>
          <HeatStage ctx={ctx} heat={heat} depth={depth} mode={mode} path={path} width={width} />
          <HeatTable heat={heat} />
        </Panel>
        <Panel title="Scroll depth" note="The share of this page's views that reached each depth.">
          <ScrollBars depth={depth} />
        </Panel>
        <Panel title="Rage and dead clicks" note="Rage: three or more clicks on one spot within a second. Dead: a click on no link or button after which the recorded page did not change (sessions with replay only).">
          <IssueList ctx={ctx} issues={issues.issues} />
        </Panel>
      </div>
    </div>
  );
}

/**
 * The page (or a plain outline) with the chosen map over it. The recorded page
 * is rrweb's iframe and the map a canvas, both drawn into the stage by an
 * effect: an iframe moved in the DOM reloads empty, so the page goes in once
 * and stays until the view is left.
 */
function HeatStage(props: { ctx: Ctx; heat: Heatmap; depth: ScrollMap; mode: Mode; path: string; width: Width }) {
  const { ctx, heat, depth, mode, path, width } = props;
  const stageRef = useRef<HTMLDivElement>(null);
  const fallbackWidth = WIDTHS.find((w) => w.width === width)?.px ?? 1280;
  const snap = heat.snapshot;
  const [note, setNote] = useState<ComponentChildren>(
    snap
      ? ['Drawn over the page as recorded on ', dateTime(snap.at), ' (', <a href={linkTo(ctx, `/app/sessions/${encodeURIComponent(snap.session_id)}`)}>that visit's replay</a>, `), ${snap.viewport_width} px wide.`]
      : `No recorded page to draw on: no session with replay has visited ${path} at ${width} width yet, so the map is drawn on a plain outline ${fallbackWidth} px wide. Turn on replay for the site (Settings → Sites) to see the page itself.`,
  );
  const [recorded, setRecorded] = useState(false);
  useEffect(() => {
    const stage = stageRef.current;
    if (!stage) return;
    const deepestRow = heat.cells.reduce((m, c) => Math.max(m, c.y), 0);
    const outline = document.createElement('div');
    outline.className = 'heat-outline';
    place(stage, outline, fallbackWidth, Math.max(900, (deepestRow + 3) * heat.grid.row_px), heat, depth, mode);
    if (!snap) return;
    let gone = false;
    let still: { destroy(): void } | null = null;
    let settle = 0;
    (async () => {
      try {
        const [{ events }, mod] = await Promise.all([
          call<{ events: unknown[] }>(`/api/insights/heatmap/snapshot?${analyticsQuery(ctx, { path, width })}`, { signal: ctx.signal }),
          loadPlayer(),
        ]);
        if (gone || ctx.signal.aborted) return;
        const frame = document.createElement('div');
        frame.className = 'heat-frame';
        const host = document.createElement('div');
        host.className = 'heat-page';
        frame.append(host);
        // rrweb builds its iframe in a connected element.
        stage.replaceChildren(frame);
        const page = mod.mountPage(host, events, { width: snap.viewport_width, height: snap.viewport_height });
        still = page;
        place(stage, frame, snap.viewport_width, page.height(), heat, depth, mode);
        // The rebuilt page lays out after this task, and its styles and images
        // load later still: measure its height again before calling it drawn.
        settle = window.setTimeout(() => {
          place(stage, frame, snap.viewport_width, page.height(), heat, depth, mode);
          setRecorded(true);
        }, 600);
      } catch (err) {
        if (gone || ctx.signal.aborted) return;
        console.warn('heatmap: the recorded page could not be drawn', err);
        setNote(err instanceof HttpError && err.code === 'no_snapshot' ? `${err.message} Drawn on a plain outline instead.` : 'The recorded page could not be drawn; the map is on a plain outline.');
      }
    })();
    return () => {
      gone = true;
      clearTimeout(settle);
      still?.destroy();
    };
  }, []);
  return (
    <>
      <div
        class="heat-stage"
        ref={stageRef}
        data-mode={mode}
        data-width={width}
        data-page={recorded ? 'recorded' : undefined}
        aria-label={`${mode === 'clicks' ? 'Click heatmap' : 'Scroll-depth map'} of ${path}`}
        role="img"
      />
      <p class="panel-note heat-note">{note}</p>
    </>
  );
}

/** Puts the page into the stage, scaled to fit, with the map's canvas over it. */
function place(stage: HTMLElement, page: HTMLElement, pageWidth: number, pageHeight: number, heat: Heatmap, depth: ScrollMap, mode: Mode) {
  const shown = Math.min(STAGE_MAX_PX, stage.parentElement?.clientWidth || STAGE_MAX_PX, pageWidth);
  const scale = shown / pageWidth;
  page.style.width = `${pageWidth}px`;
  page.style.height = `${pageHeight}px`;
  page.style.transform = `scale(${scale})`;
  page.style.transformOrigin = '0 0';
  const canvas = document.createElement('canvas');
  canvas.className = 'heat-canvas';
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(shown * ratio);
  canvas.height = Math.round(pageHeight * scale * ratio);
  canvas.style.width = `${shown}px`;
  canvas.style.height = `${pageHeight * scale}px`;
  stage.style.width = `${shown}px`;
  stage.style.height = `${pageHeight * scale}px`;
  const g = canvas.getContext('2d');
  if (g) {
    g.scale(ratio * scale, ratio * scale);
    if (mode === 'clicks') drawClicks(g, heat, pageWidth);
    else drawDepth(g, depth, pageWidth, pageHeight);
  }
  // Keep the page element where it is (moving a recorded page's iframe would empty it).
  for (const child of [...stage.children]) if (child !== page) child.remove();
  if (page.parentElement !== stage) stage.append(page);
  stage.append(canvas);
}

/** Cells as translucent heat: blue for a few clicks through red for the most. */
function drawClicks(g: CanvasRenderingContext2D, heat: Heatmap, pageWidth: number) {
  const max = heat.cells.reduce((m, c) => Math.max(m, c.clicks), 0);
  const cw = pageWidth / heat.grid.columns;
  const ch = heat.grid.row_px;
  for (const c of heat.cells) {
    const v = c.clicks / max;
    const hue = 240 - 240 * v; // 240 blue .. 0 red
    const cx = (c.x + 0.5) * cw;
    const cy = (c.y + 0.5) * ch;
    const r = Math.max(cw, ch) * (0.9 + v * 0.6);
    const glow = g.createRadialGradient(cx, cy, 0, cx, cy, r);
    glow.addColorStop(0, `hsla(${hue}, 95%, 50%, ${0.35 + 0.45 * v})`);
    glow.addColorStop(1, `hsla(${hue}, 95%, 50%, 0)`);
    g.fillStyle = glow;
    g.fillRect(cx - r, cy - r, 2 * r, 2 * r);
  }
}

/** Bands down the page, darker where fewer page views reached. */
function drawDepth(g: CanvasRenderingContext2D, depth: ScrollMap, pageWidth: number, pageHeight: number) {
  g.font = '600 22px system-ui, sans-serif';
  for (const d of depth.depths) {
    if (d.depth === 100) continue;
    const top = (d.depth / 100) * pageHeight;
    const bottom = ((d.depth + 10) / 100) * pageHeight;
    const reached = depth.depths.find((x) => x.depth === d.depth + 10)?.share ?? 0;
    g.fillStyle = `rgba(17, 24, 39, ${0.55 * (1 - reached)})`;
    g.fillRect(0, top, pageWidth, bottom - top);
    g.fillStyle = 'rgba(79, 70, 229, 0.9)';
    g.fillRect(0, bottom - 2, pageWidth, 2);
    g.fillStyle = '#fff';
    g.strokeStyle = 'rgba(0,0,0,0.6)';
    g.lineWidth = 4;
    const label = `${percent(reached)} reached ${d.depth + 10}%`;
    g.strokeText(label, 12, bottom - 10);
    g.fillText(label, 12, bottom - 10);
  }
}

function HeatTable(props: { heat: Heatmap }) {
  const top = [...props.heat.cells].sort((a, b) => b.clicks - a.clicks).slice(0, 5);
  if (!top.length) return <p class="empty-small">No clicks on this page at this width in the period.</p>;
  const col = (x: number) => `${Math.round((x / props.heat.grid.columns) * 100)}–${Math.round(((x + 1) / props.heat.grid.columns) * 100)}% across`;
  const row = (y: number) => `${y * props.heat.grid.row_px}–${(y + 1) * props.heat.grid.row_px} px down`;
  return (
    <table class="plain heat-top" data-list="hot-cells">
      <caption>Hottest spots ({count(props.heat.clicks)} clicks at this width)</caption>
      <thead>
        <tr><th scope="col">Where</th><th scope="col">Clicks</th></tr>
      </thead>
      <tbody>
        {top.map((c) => (
          <tr data-x={c.x} data-y={c.y}>
            <td>{col(c.x)}, {row(c.y)}</td>
            <td class="num">{count(c.clicks)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ScrollBars(props: { depth: ScrollMap }) {
  if (!props.depth.page_views) return <p class="empty-small">No page views of this page in the period.</p>;
  return (
    <table class="plain depth-bars" data-list="scroll-depth">
      <thead>
        <tr><th scope="col">Depth</th><th scope="col">Page views that reached it</th></tr>
      </thead>
      <tbody>
        {props.depth.depths.map((d) => {
          return (
            <tr data-depth={d.depth}>
              <td>{d.depth}%</td>
              <td class="bar-cell"><span class="bar" style={{ width: `${Math.round(d.share * 100)}%` }} /><span class="bar-label">{percent(d.share)} ({count(d.page_views)})</span></td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function IssueList(props: { ctx: Ctx; issues: ClickIssue[] }) {
  if (!props.issues.length) return <p class="empty-small">No rage or dead clicks on this page in the period.</p>;
  return (
    <table class="plain issues" data-list="click-issues">
      <thead>
        <tr><th scope="col">Kind</th><th scope="col">Element</th><th scope="col">Clicks</th><th scope="col">Latest</th></tr>
      </thead>
      <tbody>
        {props.issues.map((i) => (
          <tr data-kind={i.kind}>
            <td><span class={cls('tag', i.kind)}>{i.kind === 'rage' ? 'Rage' : 'Dead'}</span></td>
            <td class="mono">{i.selector || '(page)'}</td>
            <td class="num">{count(i.clicks)}</td>
            <td>
              {i.session_id
                ? <a href={linkTo(props.ctx, `/app/sessions/${encodeURIComponent(i.session_id)}`, { t: String(i.t ?? 0) })}>Replay at {dateTime(i.last_seen)}</a>
                : dateTime(i.last_seen)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

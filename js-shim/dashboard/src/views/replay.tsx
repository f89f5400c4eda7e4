// The replay of one session: its events on a timeline (pages, clicks with
// their positions, scroll depth, custom events, errors) with play/pause,
// speed, skipping of idle stretches and a scrubber; the recorded page itself
// (rrweb-player, loaded on demand) when the session carries a DOM recording.
// ?t=<seconds> opens it at that moment.
import { h, cls, replace } from '../h';
import { call, HttpError, type SessionRow } from '../api';
import { linkTo, type Ctx } from '../context';
import { capitalise, clock, count, dateTime, duration, pathOf, percent } from '../format';
import { onDispose } from '../lifecycle';
import { rewrite } from '../router';
import { Country, Empty } from '../components/ui';
import { buildTimeline, KINDS, momentIndexAt, pageAt, parseMoment, skipIdle, type Kind, type StoredEvent, type Timeline } from '../replay/timeline';
import type { DomPlayer } from '../replay/player';

declare const PLAYER_JS: string;
declare const PLAYER_CSS: string;

type PlayerModule = typeof import('../replay/player');
let playerModule: Promise<PlayerModule> | null = null;

/** The DOM player's code and styles, fetched the first time a recording is shown. */
export function loadPlayer(): Promise<PlayerModule> {
  playerModule ??= (async () => {
    const link = Object.assign(document.createElement('link'), { rel: 'stylesheet', href: PLAYER_CSS });
    const styled = new Promise((resolve) => link.addEventListener('load', resolve, { once: true }));
    document.head.append(link);
    const [mod] = await Promise.all([import(PLAYER_JS) as Promise<PlayerModule>, styled]);
    return mod;
  })();
  playerModule.catch(() => (playerModule = null));
  return playerModule;
}

const SPEEDS = [0.5, 1, 2, 4, 8];

// Drawn, not typed: media-control characters are missing from many fonts.
const ICONS = {
  play: 'M8 5v14l11-7z',
  pause: 'M6 5h4v14H6zM14 5h4v14h-4z',
  previous: 'M6 6h2v12H6zM9.5 12L18 18V6z',
  next: 'M16 6h2v12h-2zM6 18l8.5-6L6 6z',
};
function Icon(props: { d: string }) {
  return (
    <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
      <path d={props.d} fill="currentColor" />
    </svg>
  );
}
const SEEK_STEP_MS = 5000;
/** A page view is shown a moment after it happened, once the page has drawn. */
const PAGE_SETTLE_MS = 300;

interface SessionDetail extends SessionRow {
  referrer?: string | null;
  utm_medium?: string | null;
  utm_campaign?: string | null;
  screen?: string | null;
  language?: string | null;
  timezone?: string | null;
}

export function parseNdjson(text: string): StoredEvent[] {
  const out: StoredEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      /* a cut-off last line: the rest still plays */
    }
  }
  return out;
}

export async function replayView(ctx: Ctx) {
  const id = ctx.params.id;
  let session: SessionDetail;
  let text: string;
  try {
    [{ session }, text] = await Promise.all([
      call<{ session: SessionDetail }>(`/api/sessions/${encodeURIComponent(id)}`, { signal: ctx.signal, cache: false }),
      call<string>(`/replay/${encodeURIComponent(id)}/events`, { signal: ctx.signal, cache: false }),
    ]);
  } catch (err) {
    if (err instanceof HttpError && (err.status === 404 || err.status === 400)) {
      return (
        <Empty title="There is no such session" icon="search">
          <p>It may have been deleted, or the link is incomplete. <a href={linkTo(ctx, '/app/sessions')}>See all sessions</a></p>
        </Empty>
      );
    }
    throw err;
  }
  const tl = buildTimeline(parseNdjson(text));
  const back = linkTo(ctx, '/app/sessions', { site: session.site_id });
  const head = <SessionHead s={session} back={back} />;
  if (!tl.moments.length && !tl.rrweb.length) {
    return (
      <div>
        {head}
        <Empty title="No events stored for this session yet" icon="clock">
          <p>The tracker sends its events every 20 seconds and when the visitor leaves a page. Reload in a moment.</p>
        </Empty>
      </div>
    );
  }
  return (
    <div class="replay">
      {head}
      <Player ctx={ctx} tl={tl} session={session} />
    </div>
  );
}

function SessionHead(props: { s: SessionDetail; back: string }) {
  const s = props.s;
  const source = s.utm_source ? `${s.utm_source}${s.utm_medium ? ` / ${s.utm_medium}` : ''}${s.utm_campaign ? ` / ${s.utm_campaign}` : ''}` : s.referrer_domain ?? 'Direct';
  const stat = (key: string, label: string, value: string) => (
    <div class="stat">
      <dt>{label}</dt>
      <dd data-stat={key}>{value}</dd>
    </div>
  );
  return (
    <div class="view-head replay-head">
      <a class="back" href={props.back}>← Sessions</a>
      <h1 tabindex="-1">Session of {dateTime(s.started_at)}</h1>
      <ul class="facts" aria-label="About the visitor">
        <li>
          <Country code={s.country} />
        </li>
        <li>{[capitalise(s.device), s.browser, s.os].filter(Boolean).join(' · ')}</li>
        {s.screen ? <li>Screen {s.screen}</li> : null}
        {s.language ? <li>{s.language}</li> : null}
        <li>From {source}</li>
        <li class="mono" title="Session id">{s.id}</li>
      </ul>
      <dl class="stats">
        {stat('duration_ms', 'Duration', duration(s.duration_ms))}
        {stat('page_views', 'Pages', count(s.page_views))}
        {stat('event_count', 'Events', count(s.event_count))}
        {stat('clicks', 'Clicks', count(s.clicks))}
        {stat('max_scroll_percent', 'Max scroll', percent(Number(s.max_scroll_percent) / 100))}
        {stat('custom_events', 'Custom', count(s.custom_events))}
        {stat('errors', 'Errors', count(s.errors))}
      </dl>
    </div>
  );
}

function Player(props: { ctx: Ctx; tl: Timeline; session: SessionDetail }) {
  const { ctx, tl, session } = props;
  const hasDom = tl.rrweb.some((e) => e.type === 2);
  let t = parseMoment(ctx.url.searchParams.get('t'), tl.duration);
  let playing = false;
  let speed = SPEEDS.includes(Number(localStorage.getItem('edgereplay.speed'))) ? Number(localStorage.getItem('edgereplay.speed')) : 1;
  let skip = localStorage.getItem('edgereplay.skip') !== 'off';
  let raf = 0;
  let last = 0;
  let dom: DomPlayer | null = null;
  let domPlaying = false;
  let shownIndex = -2;
  const hiddenKinds = new Set<Kind>(['visibility']);

  // ------------------------------------------------------------ the stage
  const address = <span class="address-url" />;
  const stage = <div class={cls('stage', hasDom ? 'dom' : 'events-only')} />;
  const pageStage = <div class="page-stage" />;
  if (hasDom) replace(stage, <p class="stage-note" role="status">Loading the recorded page…</p>);
  else replace(stage, pageStage);

  const meta = tl.rrweb.find((e) => e.type === 4)?.data as { width?: number; height?: number } | undefined;
  const aspect = meta?.width && meta?.height ? meta.height / meta.width : 10 / 16;
  const stageSize = () => {
    const width = Math.max(280, stage.clientWidth);
    return { width, height: Math.round(Math.min(width * aspect, window.innerHeight * 0.62)) };
  };

  // ------------------------------------------------------------ controls
  const playButton = <button type="button" class="btn play" onClick={() => (playing ? pause() : play())} /> as HTMLButtonElement;
  const timeText = <span class="time" aria-hidden="true" />;
  const scrub = (
    <input
      type="range"
      class="scrub-input"
      min="0"
      max={String(tl.duration)}
      step="any"
      aria-label="Position in the session"
      onInput={(e: Event) => seek(Number((e.target as HTMLInputElement).value))}
      onKeyDown={(e: KeyboardEvent) => {
        // The same steps as everywhere on the page, not the slider's own (1 ms with step="any").
        const to = { ArrowRight: t + SEEK_STEP_MS, ArrowUp: t + SEEK_STEP_MS, ArrowLeft: t - SEEK_STEP_MS, ArrowDown: t - SEEK_STEP_MS,
          PageUp: t + 6 * SEEK_STEP_MS, PageDown: t - 6 * SEEK_STEP_MS, Home: 0, End: tl.duration }[e.key];
        if (to === undefined) return;
        e.preventDefault();
        seek(to);
      }}
    />
  ) as HTMLInputElement;
  const markers = (
    <div class="scrub-track" aria-hidden="true">
      {tl.idle.map(([a, b]) => <span class="idle" style={{ left: `${(a / tl.duration) * 100}%`, width: `${((b - a) / tl.duration) * 100}%` }} />)}
      <span class="progress" />
      {tl.moments
        .filter((m) => m.kind !== 'scroll' && m.kind !== 'visibility')
        .map((m) => <span class={`mark kind-${m.kind}`} data-kind={m.kind} style={{ left: `${(m.t / tl.duration) * 100}%` }} />)}
    </div>
  );
  const progress = markers.querySelector<HTMLElement>('.progress')!;
  const speedSelect = (
    <select
      aria-label="Speed"
      onChange={(e: Event) => {
        speed = Number((e.target as HTMLSelectElement).value);
        localStorage.setItem('edgereplay.speed', String(speed));
        dom?.setSpeed(speed);
        if (playing) syncDom(true);
      }}
    >
      {SPEEDS.map((s) => <option value={String(s)} selected={s === speed}>{s}×</option>)}
    </select>
  );
  const skipBox = (
    <input
      type="checkbox"
      checked={skip}
      onChange={(e: Event) => {
        skip = (e.target as HTMLInputElement).checked;
        localStorage.setItem('edgereplay.skip', skip ? 'on' : 'off');
      }}
    />
  );
  const step = (dir: 1 | -1) => {
    const visible = tl.moments.filter((m) => !hiddenKinds.has(m.kind));
    const target = dir > 0 ? visible.find((m) => m.t > t + 50) : [...visible].reverse().find((m) => m.t < t - 50);
    seek(target ? target.t : dir > 0 ? tl.duration : 0);
  };
  const linkButton = (
    <button
      type="button"
      class="btn small ghost"
      onClick={async () => {
        const url = `${location.origin}/app/sessions/${encodeURIComponent(session.id)}?site=${encodeURIComponent(session.site_id)}&t=${(t / 1000).toFixed(1)}`;
        try {
          await navigator.clipboard.writeText(url);
          linkButton.textContent = 'Link copied';
        } catch {
          rewrite(url.slice(location.origin.length));
          linkButton.textContent = 'Link in the address bar';
        }
        setTimeout(() => (linkButton.textContent = 'Copy link to this moment'), 2000);
      }}
    >
      Copy link to this moment
    </button>
  );

  // ------------------------------------------------------------ the event list
  const items = tl.moments.map((m, index) => (
    <li class={`ev kind-${m.kind}`} data-kind={m.kind} hidden={hiddenKinds.has(m.kind)}>
      <button type="button" data-index={index} onClick={() => seek(m.kind === 'page_view' ? Math.min(m.t + PAGE_SETTLE_MS, tl.duration) : m.t)}>
        <span class="ev-time">{clock(m.t)}</span>
        <span class="ev-icon" aria-hidden="true" />
        <span class="ev-body">
          <span class="ev-title">{m.title}</span>
          {m.detail ? <span class="ev-detail">{m.detail}</span> : null}
        </span>
      </button>
    </li>
  ));
  const list = <ol class="events" aria-label="Events of the session">{items}</ol>;
  const kindCount = (k: Kind) => tl.moments.filter((m) => m.kind === k).length;
  const kindFilters = (
    <fieldset class="kind-filters">
      <legend class="sr-only">Show in the list</legend>
      {KINDS.filter((k) => kindCount(k.kind) > 0).map((k) => (
        <label class={`kind-toggle kind-${k.kind}`}>
          <input
            type="checkbox"
            checked={!hiddenKinds.has(k.kind)}
            onChange={(e: Event) => {
              if ((e.target as HTMLInputElement).checked) hiddenKinds.delete(k.kind);
              else hiddenKinds.add(k.kind);
              for (const li of items) li.hidden = hiddenKinds.has(li.dataset.kind as Kind);
              markers.querySelectorAll<HTMLElement>('.mark').forEach((el) => (el.hidden = hiddenKinds.has(el.dataset.kind as Kind)));
            }}
          />
          {k.label} <span class="muted">{kindCount(k.kind)}</span>
        </label>
      ))}
    </fieldset>
  );

  // ------------------------------------------------------------ the clock
  const domTime = () => t - tl.rrwebStart;
  function syncDom(force: boolean) {
    if (!dom) return;
    const want = domTime();
    const total = dom.total();
    if (!playing || want < 0 || want >= total) {
      if (domPlaying || force) dom.seek(Math.min(Math.max(0, want), total), false);
      domPlaying = false;
      return;
    }
    if (force || !domPlaying || Math.abs(dom.time() - want) > 400) {
      dom.seek(want, true);
      domPlaying = true;
    }
  }
  function frame(now: number) {
    const dt = Math.min(now - last, 250); // a background tab must not jump ahead
    last = now;
    let next = t + dt * speed;
    let jumped = false;
    if (skip) {
      const skipped = skipIdle(next, tl.idle);
      jumped = skipped !== next;
      next = skipped;
    }
    if (next >= tl.duration) {
      t = tl.duration;
      pause();
      return;
    }
    t = next;
    syncDom(jumped);
    draw();
    raf = requestAnimationFrame(frame);
  }
  function play() {
    if (t >= tl.duration) t = 0;
    playing = true;
    last = performance.now();
    syncDom(true);
    draw();
    raf = requestAnimationFrame(frame);
  }
  function pause() {
    playing = false;
    cancelAnimationFrame(raf);
    syncDom(true);
    draw();
    remember();
  }
  function seek(to: number) {
    t = Math.min(Math.max(0, to), tl.duration);
    syncDom(true);
    draw();
    if (!playing) remember();
  }
  /** The address names the moment shown, ready to share. */
  function remember() {
    const url = new URL(location.href);
    if (!url.pathname.startsWith('/app/sessions/')) return;
    if (t > 0) url.searchParams.set('t', (t / 1000).toFixed(1));
    else url.searchParams.delete('t');
    rewrite(url.pathname + url.search);
  }

  function draw() {
    playButton.replaceChildren(<Icon d={playing ? ICONS.pause : ICONS.play} />);
    playButton.setAttribute('aria-label', playing ? 'Pause' : 'Play');
    playButton.dataset.state = playing ? 'playing' : 'paused';
    timeText.textContent = `${clock(t)} / ${clock(tl.duration)}`;
    scrub.value = String(t);
    scrub.setAttribute('aria-valuetext', `${clock(t)} of ${clock(tl.duration)}`);
    progress.style.width = `${(t / tl.duration) * 100}%`;
    const index = momentIndexAt(tl.moments, t);
    if (index === shownIndex) return;
    shownIndex = index;
    items.forEach((li, k) => {
      li.classList.toggle('past', k <= index);
      li.classList.toggle('current', k === index);
      if (k === index) li.setAttribute('aria-current', 'true');
      else li.removeAttribute('aria-current');
    });
    const current = items[index];
    if (current && !current.hidden) {
      const top = current.offsetTop - list.offsetTop;
      if (top < list.scrollTop || top > list.scrollTop + list.clientHeight - current.offsetHeight) list.scrollTop = top - list.clientHeight / 3;
    }
    const page = pageAt(tl, t);
    address.textContent = page.url ?? '–';
    address.title = page.url ?? '';
    if (!hasDom || !dom) drawPageStage(page);
  }

  function drawPageStage(page: ReturnType<typeof pageAt>) {
    const [sw] = (session.screen ?? '').split('x').map(Number);
    const width = sw > 0 ? sw : Math.max(1280, ...page.clicks.map((c) => c.x + 40));
    const height = Math.max(width * 0.75, ...page.clicks.map((c) => c.y + 60));
    const recent = page.clicks.filter((c) => t - c.t < 1500);
    replace(
      pageStage,
      <div class="page-card">
        <div class="page-title">{page.title ?? pathOf(page.url)}</div>
        <div class="page-meta muted">
          Opened at {clock(page.since)} · deepest scroll {page.scroll}% · {page.clicks.length} click{page.clicks.length === 1 ? '' : 's'}
        </div>
      </div>,
      <div class="click-map" role="img" aria-label={`Clicks on this page: ${page.clicks.length}; deepest scroll ${page.scroll}%`} style={{ aspectRatio: `${width} / ${Math.round(Math.min(height, width * 1.4))}` }}>
        <span class="scroll-depth" style={{ height: `${page.scroll}%` }} title={`Scrolled to ${page.scroll}%`} />
        {page.clicks.map((c) => (
          <span
            class={cls('click-dot', { recent: recent.includes(c) })}
            style={{ left: `${Math.min(100, (c.x / width) * 100)}%`, top: `${Math.min(100, (c.y / Math.min(height, width * 1.4)) * 100)}%` }}
            title={c.label}
          />
        ))}
      </div>,
      <p class="stage-note muted">
        {hasDom ? 'Loading the recorded page…' : 'This session has no DOM recording (replay is off for the site or the visit was not sampled): the page is drawn from its events.'}
      </p>,
    );
  }

  // ------------------------------------------------------------ keys
  const onKey = (e: KeyboardEvent) => {
    const target = e.target as HTMLElement;
    if (e.altKey || e.ctrlKey || e.metaKey || target.closest('input:not([type=checkbox]), select, textarea, [contenteditable]')) return;
    if (e.key === ' ' || e.key === 'k') {
      if (target.closest('button, a')) return; // they answer Space themselves
      e.preventDefault();
      playing ? pause() : play();
    } else if (e.key === 'ArrowRight' || e.key === 'l') {
      e.preventDefault();
      seek(t + SEEK_STEP_MS);
    } else if (e.key === 'ArrowLeft' || e.key === 'j') {
      e.preventDefault();
      seek(t - SEEK_STEP_MS);
    }
  };
  document.addEventListener('keydown', onKey);
  onDispose(() => {
    document.removeEventListener('keydown', onKey);
    cancelAnimationFrame(raf);
    dom?.destroy();
  });

  // ------------------------------------------------------------ the DOM player
  if (hasDom) {
    loadPlayer()
      .then((mod) => {
        if (ctx.signal.aborted) return;
        stage.replaceChildren();
        dom = mod.mountPlayer(stage, tl.rrweb, stageSize());
        dom.setSpeed(speed);
        stage.dataset.ready = 'true';
        const observer = new ResizeObserver(() => {
          const size = stageSize();
          dom?.resize(size.width, size.height);
        });
        observer.observe(stage);
        onDispose(() => observer.disconnect());
        syncDom(true);
      })
      .catch((err) => {
        console.error(err);
        replace(stage, pageStage);
        drawPageStage(pageAt(tl, t));
        stage.append(<p class="error-note" role="alert">The DOM player could not load ({String((err as Error).message ?? err)}); showing the events only.</p>);
      });
  }

  draw();
  return (
    <div class="replay-grid">
      <section class="stage-col" aria-label="Replay">
        <div class="address" aria-label="Page at this moment">
          <span class="dots" aria-hidden="true"><i /><i /><i /></span>
          {address}
        </div>
        {stage}
        <div class="controls" role="group" aria-label="Playback">
          <div class="scrub">
            {markers}
            {scrub}
          </div>
          <div class="controls-row">
            <button type="button" class="btn ghost small icon" aria-label="Previous event" title="Previous event" onClick={() => step(-1)}><Icon d={ICONS.previous} /></button>
            {playButton}
            <button type="button" class="btn ghost small icon" aria-label="Next event" title="Next event" onClick={() => step(1)}><Icon d={ICONS.next} /></button>
            {timeText}
            <span class="spacer" />
            <label class="inline">Speed {speedSelect}</label>
            <label class="inline switch">{skipBox} Skip inactivity</label>
          </div>
          <div class="controls-row secondary-row">
            <p class="hint muted">Space plays and pauses; ← and → move 5 seconds.</p>
            <span class="spacer" />
            {linkButton}
          </div>
        </div>
      </section>
      <aside class="events-col" aria-label="Timeline">
        <h2 class="events-title">Timeline</h2>
        {kindFilters}
        {list}
      </aside>
    </div>
  );
}

// The replay's stage: the recorded page itself (rrweb-player, loaded on
// demand) when the session carries a DOM recording, else the page drawn from
// its events (title, scroll depth, clicks), at the clock's moment.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { SessionSummary, Site } from '../api';
import { cls } from '../cls';
import { clock as clockText, pathOf } from '../format';
import type { ReplayClock } from './clock';
import { loadPlayer } from './load';
import { recordingNote } from './recording';
import { pageAt, type PageState, type Timeline } from './timeline';

export function Stage(props: { clock: ReplayClock; tl: Timeline; session: SessionSummary & { replay_sampled?: boolean | null }; site?: Site | null }) {
  const { clock, tl } = props;
  const hasDom = tl.rrweb.some((e) => e.type === 2);
  const stage = useRef<HTMLDivElement>(null);
  const [ready, setReady] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);

  useEffect(() => {
    const el = stage.current;
    if (!hasDom || !el) return;
    let gone = false;
    let observer: ResizeObserver | null = null;
    const meta = tl.rrweb.find((e) => e.type === 4)?.data;
    const [w, h] = [Number(meta?.width), Number(meta?.height)];
    const aspect = w > 0 && h > 0 ? h / w : 10 / 16;
    const size = () => {
      const width = Math.max(280, el.clientWidth);
      return { width, height: Math.round(Math.min(width * aspect, window.innerHeight * 0.62)) };
    };
    loadPlayer()
      .then((mod) => {
        if (gone) return;
        const dom = mod.mountPlayer(el, tl.rrweb, size());
        observer = new ResizeObserver(() => {
          const { width, height } = size();
          dom.resize(width, height);
        });
        observer.observe(el);
        clock.attach(dom);
        setReady(true);
      })
      .catch((err) => {
        console.error(err);
        if (!gone) setFailed(err instanceof Error ? err.message : String(err));
      });
    return () => {
      gone = true;
      observer?.disconnect();
    };
  }, []);

  const page = pageAt(tl, clock.t);
  const note = recordingNote(tl, props.session, props.site ?? null);
  return (
    <div class={cls('stage', hasDom ? 'dom' : 'events-only')} ref={stage} data-ready={ready ? 'true' : undefined} data-recording={note?.state ?? 'complete'}>
      {note && hasDom ? <p class="stage-note recording-note" role="status">{note.text}</p> : null}
      {hasDom && !failed ? (
        ready ? null : <p class="stage-note" role="status">Loading the recorded page…</p>
      ) : (
        <div class="page-stage">
          <PageStage page={page} t={clock.t} screen={props.session.screen ?? null} hasDom={hasDom} note={note?.text ?? null} />
        </div>
      )}
      {failed ? <p class="error-note" role="alert">The DOM player could not load ({failed}); showing the events only.</p> : null}
    </div>
  );
}

/** A page drawn from its events: where it was clicked and how far it was scrolled. */
function PageStage(props: { page: PageState; t: number; screen: string | null; hasDom: boolean; note: string | null }) {
  const { page, t } = props;
  const [sw] = (props.screen ?? '').split('x').map(Number);
  const width = sw > 0 ? sw : Math.max(1280, ...page.clicks.map((c) => c.x + 40));
  const height = Math.max(width * 0.75, ...page.clicks.map((c) => c.y + 60));
  const shownHeight = Math.min(height, width * 1.4);
  return (
    <>
      <div class="page-card">
        <div class="page-title">{page.title ?? pathOf(page.url)}</div>
        <div class="page-meta muted">
          Opened at {clockText(page.since)} · deepest scroll {page.scroll}% · {page.clicks.length} click{page.clicks.length === 1 ? '' : 's'}
        </div>
      </div>
      <div class="click-map" role="img" aria-label={`Clicks on this page: ${page.clicks.length}; deepest scroll ${page.scroll}%`} style={{ aspectRatio: `${width} / ${Math.round(shownHeight)}` }}>
        <span class="scroll-depth" style={{ height: `${page.scroll}%` }} title={`Scrolled to ${page.scroll}%`} />
        {page.clicks.map((c) => (
          <span
            class={cls('click-dot', { recent: t - c.t < 1500 })}
            style={{ left: `${Math.min(100, (c.x / width) * 100)}%`, top: `${Math.min(100, (c.y / shownHeight) * 100)}%` }}
            title={c.label}
          />
        ))}
      </div>
      <p class="stage-note muted recording-note" role="status">
        {props.hasDom ? 'Loading the recorded page…' : props.note}
      </p>
    </>
  );
}

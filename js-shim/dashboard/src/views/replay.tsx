// The replay of one session: its facts and numbers, then the stage (the
// recorded page, or the page drawn from its events), the controls and the
// timeline, all at the moment the replay clock shows (replay/). ?t=<seconds>
// opens it at that moment.
import { useEffect, useState } from 'preact/hooks';
import type { SessionDetail } from '../../../src/contract';
import { call, HttpError } from '../api';
import { linkTo, type Ctx } from '../context';
import { capitalise, count, dateTime, duration, percent } from '../format';
import { Country, Empty } from '../components/ui';
import { SEEK_STEP_MS, useClock } from '../replay/clock';
import { Controls } from '../replay/controls';
import { Stage } from '../replay/stage';
import { TimelinePanel } from '../replay/timeline-panel';
import { buildTimeline, pageAt, parseMoment, type Kind, type StoredEvent, type Timeline } from '../replay/timeline';


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
      call<string>(`/api/replay/${encodeURIComponent(id)}/events`, { signal: ctx.signal, cache: false }),
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
      <h1 tabindex={-1}>Session of {dateTime(s.started_at)}</h1>
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
  const { tl, session } = props;
  const clock = useClock(tl, parseMoment(props.ctx.url.searchParams.get('t'), tl.duration));
  const [hidden, setHidden] = useState<Set<Kind>>(() => new Set(['visibility']));

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target instanceof Element ? e.target : null;
      if (e.altKey || e.ctrlKey || e.metaKey || target?.closest('input:not([type=checkbox]), select, textarea, [contenteditable]')) return;
      if (e.key === ' ' || e.key === 'k') {
        if (target?.closest('button, a')) return; // they answer Space themselves
        e.preventDefault();
        clock.toggle();
      } else if (e.key === 'ArrowRight' || e.key === 'l') {
        e.preventDefault();
        clock.seek(clock.t + SEEK_STEP_MS);
      } else if (e.key === 'ArrowLeft' || e.key === 'j') {
        e.preventDefault();
        clock.seek(clock.t - SEEK_STEP_MS);
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [clock]);

  const page = pageAt(tl, clock.t);
  return (
    <div class="replay-grid">
      <section class="stage-col" aria-label="Replay">
        <div class="address" aria-label="Page at this moment">
          <span class="dots" aria-hidden="true"><i /><i /><i /></span>
          <span class="address-url" title={page.url ?? ''}>{page.url ?? '–'}</span>
        </div>
        <Stage clock={clock} tl={tl} session={session} site={props.ctx.sites.find((s) => s.id === session.site_id) ?? null} />
        <Controls clock={clock} tl={tl} session={session} hidden={hidden} />
      </section>
      <TimelinePanel
        clock={clock}
        tl={tl}
        hidden={hidden}
        onToggle={(kind, shown) => {
          const next = new Set(hidden);
          if (shown) next.delete(kind);
          else next.add(kind);
          setHidden(next);
        }}
      />
    </div>
  );
}

// Realtime: visits active in the last five minutes, read again every few
// seconds while the tab is visible.
import { useEffect, useState } from 'preact/hooks';
import { call } from '../api';
import { linkTo, type Ctx } from '../context';
import { Empty, ErrorNote, Panel, Ranked, Snippet } from '../components/ui';
import { Heading } from './breakdowns';

const REFRESH_MS = 5000;

interface Realtime {
  active_sessions: number;
  active_visitors: number;
  pages: { path: string; sessions: number }[];
}

const nowUtc = () => new Date().toISOString().slice(11, 19);

export async function realtimeView(ctx: Ctx) {
  const url = `/api/analytics/realtime?site_id=${encodeURIComponent(ctx.site!.id)}`;
  const load = () => call<Realtime>(url, { signal: ctx.signal, cache: false });
  return <Live ctx={ctx} first={await load()} load={load} />;
}

function Live(props: { ctx: Ctx; first: Realtime; load: () => Promise<Realtime> }) {
  const { ctx } = props;
  const [shown, setShown] = useState<{ data: Realtime; at: string } | { error: unknown }>({ data: props.first, at: nowUtc() });
  const [paused, setPaused] = useState(false);
  useEffect(() => {
    if (paused) return;
    const timer = setInterval(async () => {
      if (document.hidden) return;
      try {
        setShown({ data: await props.load(), at: nowUtc() });
      } catch (err) {
        if (!(err instanceof Error && err.name === 'AbortError')) setShown({ error: err });
      }
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [paused]);
  const updated = 'data' in shown ? `Updated ${shown.at} UTC` : '';
  return (
    <div>
      <Heading title="Realtime" sub={[`Sessions with activity in the last 5 minutes, refreshed every ${REFRESH_MS / 1000} s. `, <span class="muted">{updated}</span>]} />
      <div class="actions-row">
        <button type="button" class="btn small" aria-pressed={paused ? 'true' : 'false'} onClick={() => setPaused(!paused)}>
          {paused ? 'Resume updates' : 'Pause updates'}
        </button>
      </div>
      <div class="realtime-body">{'data' in shown ? <Active ctx={ctx} r={shown.data} /> : <ErrorNote error={shown.error} />}</div>
    </div>
  );
}

function Active(props: { ctx: Ctx; r: Realtime }) {
  const { ctx, r } = props;
  const sessions = Number(r.active_sessions);
  return (
    <>
      <div class="cards two" role="group" aria-label="Active now">
        <div class="card live">
          <span class="card-label"><span class="pulse" aria-hidden="true" /> Active sessions</span>
          <span class="card-value" data-metric="active_sessions" data-value={sessions}>{sessions}</span>
        </div>
        <div class="card">
          <span class="card-label">Active visitors</span>
          <span class="card-value" data-metric="active_visitors" data-value={Number(r.active_visitors)}>{Number(r.active_visitors)}</span>
        </div>
      </div>
      {sessions === 0 ? (
        <Empty title="Nobody is on the site right now" icon="clock">
          <p>Visits appear here while they are active (an event in the last five minutes). Is the snippet on your pages?</p>
          <Snippet siteId={ctx.site!.id} />
        </Empty>
      ) : (
        <Panel title="Pages being viewed" actions={<a class="more" href={linkTo(ctx, '/app/sessions', { range: 'today', sort: 'last_seen_at' })}>Their sessions →</a>}>
          <Ranked name="realtime-pages" label="Page" metric="Sessions" items={r.pages.map((p) => ({ label: p.path, value: Number(p.sessions) }))} />
        </Panel>
      )}
    </>
  );
}

// Realtime: visits active in the last five minutes, read again every few
// seconds while the tab is visible.
import { h, replace } from '../h';
import { call } from '../api';
import { linkTo, type Ctx } from '../context';
import { onDispose } from '../lifecycle';
import { Empty, ErrorNote, Panel, Ranked, Snippet } from '../components/ui';
import { Heading } from './breakdowns';

const REFRESH_MS = 5000;

interface Realtime {
  active_sessions: number;
  active_visitors: number;
  pages: { path: string; sessions: number }[];
}

export async function realtimeView(ctx: Ctx) {
  const url = `/analytics/realtime?site_id=${encodeURIComponent(ctx.site!.id)}`;
  const load = () => call<Realtime>(url, { signal: ctx.signal, cache: false });
  const body = <div class="realtime-body" />;
  const updated = <span class="muted" />;
  let paused = false;

  const draw = (r: Realtime) => {
    const sessions = Number(r.active_sessions);
    replace(
      body,
      <div class="cards two" role="group" aria-label="Active now">
        <div class="card live">
          <span class="card-label"><span class="pulse" aria-hidden="true" /> Active sessions</span>
          <span class="card-value" data-metric="active_sessions" data-value={sessions}>{sessions}</span>
        </div>
        <div class="card">
          <span class="card-label">Active visitors</span>
          <span class="card-value" data-metric="active_visitors" data-value={Number(r.active_visitors)}>{Number(r.active_visitors)}</span>
        </div>
      </div>,
      sessions === 0 ? (
        <Empty title="Nobody is on the site right now" icon="clock">
          <p>Visits appear here while they are active (an event in the last five minutes). Is the snippet on your pages?</p>
          <Snippet siteId={ctx.site!.id} />
        </Empty>
      ) : (
        <Panel title="Pages being viewed" actions={<a class="more" href={linkTo(ctx, '/app/sessions', { range: 'today', sort: 'last_seen_at' })}>Their sessions →</a>}>
          <Ranked name="realtime-pages" label="Page" metric="Sessions" items={r.pages.map((p) => ({ label: p.path, value: Number(p.sessions) }))} />
        </Panel>
      ),
    );
    updated.textContent = `Updated ${new Date().toISOString().slice(11, 19)} UTC`;
  };

  draw(await load());
  const timer = setInterval(async () => {
    if (paused || document.hidden) return;
    try {
      draw(await load());
    } catch (err) {
      if ((err as Error).name !== 'AbortError') replace(body, <ErrorNote error={err} />);
    }
  }, REFRESH_MS);
  onDispose(() => clearInterval(timer));

  const toggle = (
    <button
      type="button"
      class="btn small"
      aria-pressed="false"
      onClick={() => {
        paused = !paused;
        toggle.setAttribute('aria-pressed', String(paused));
        toggle.textContent = paused ? 'Resume updates' : 'Pause updates';
      }}
    >
      Pause updates
    </button>
  );
  return (
    <div>
      <Heading title="Realtime" sub={[`Sessions with activity in the last 5 minutes, refreshed every ${REFRESH_MS / 1000} s. `, updated]} />
      <div class="actions-row">{toggle}</div>
      {body}
    </div>
  );
}

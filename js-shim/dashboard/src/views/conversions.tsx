// Conversions: the site's goals over the period (and per breakdown value), a
// saved funnel step by step with the sessions that dropped off, and the top
// journeys from an entry page (or to an exit page) drawn as a flow. Bots are
// left out unless the address says bots=1.
import { useEffect, useState } from 'preact/hooks';
import { call } from '../api';
import { analyticsQuery, here, linkTo, type Ctx } from '../context';
import { count, dayRange, duration, percent, shortDateTime } from '../format';
import { Delta, Empty, ErrorNote, Panel } from '../components/ui';
import { change } from '../state';
import { Heading } from './breakdowns';
import type { FlowLink, FlowNode } from '../conversions/flow';

declare const FLOW_JS: string;

interface GoalNumbers { id: string; name: string; conversions: number; rate: number }
interface GoalReport { sessions: number; goals: GoalNumbers[]; bots_excluded: number; path_cap: number; compare: { goals: GoalNumbers[] } | null }
interface Funnel { id: string; name: string; steps: unknown[]; window_ms: number | null }
interface FunnelStep { step: number; name: string; sessions: number; conversion_from_previous: number; conversion_from_first: number; median_ms_from_previous: number | null; dropped: number }
interface FunnelReport { steps: FunnelStep[]; bots_excluded: number; compare: { steps: FunnelStep[] } | null }
interface Dropped { id: string; started_at: string; entry_page: string | null; exit_page: string | null; duration_ms: number; has_replay: boolean }
interface Journeys { sessions: number; paths: { steps: string[]; sessions: number }[]; other_sessions: number }

const DIMENSIONS: [string, string][] = [
  ['entry_page', 'Entry page'], ['exit_page', 'Exit page'], ['page', 'Page viewed'], ['referrer', 'Referrer'], ['utm_source', 'UTM source'],
  ['utm_medium', 'UTM medium'], ['utm_campaign', 'UTM campaign'], ['country', 'Country'], ['device', 'Device'],
  ['browser', 'Browser'], ['os', 'OS'],
];

const botsOn = (ctx: Ctx) => ctx.url.searchParams.get('bots') === '1';
const query = (ctx: Ctx, extra: Record<string, string | number> = {}) => analyticsQuery(ctx, botsOn(ctx) ? { ...extra, include_bots: 1 } : extra);
const compareQuery = (ctx: Ctx) => (ctx.previous ? `&compare_from=${ctx.previous.from}&compare_to=${ctx.previous.to}` : '');

export async function conversionsView(ctx: Ctx) {
  const site = encodeURIComponent(ctx.site!.id);
  const [report, { funnels }] = await Promise.all([
    call<GoalReport>(`/api/conversions/goals/report?${query(ctx)}${compareQuery(ctx)}`, { signal: ctx.signal }),
    call<{ funnels: Funnel[] }>(`/api/conversions/funnels?site_id=${site}`, { signal: ctx.signal }),
  ]);
  const settings = ctx.manage && !ctx.share ? <a href={linkTo(ctx, '/app/settings/goals')}>Define goals and funnels</a> : null;
  return (
    <div>
      <Heading title="Conversions" sub={dayRange(ctx.range.from, ctx.range.to)} />
      <p class="muted small" data-bots>
        {botsOn(ctx) ? (
          <>Bot and automation sessions are included. <a href={here(ctx, { bots: null })}>Leave them out</a></>
        ) : (
          <>{count(report.bots_excluded)} bot or automation {report.bots_excluded === 1 ? 'session was' : 'sessions were'} left out. <a href={here(ctx, { bots: '1' })}>Include them</a></>
        )}
        {' · '}A session keeps its first {report.path_cap} steps.
      </p>
      <div class="grid">
        <Panel title="Goals" wide actions={settings}>
          <GoalTable report={report} />
        </Panel>
        {report.goals.length ? (
          <Panel title="Goals by" wide>
            <GoalBreakdown ctx={ctx} goals={report.goals} />
          </Panel>
        ) : null}
        <Panel title="Funnel" wide>
          {funnels.length ? <FunnelPanel ctx={ctx} funnels={funnels} /> : <Empty title="No funnel yet" icon="chart"><p>{settings ?? 'An owner or admin can define one.'}</p></Empty>}
        </Panel>
        <Panel title="Journeys" wide>
          <JourneyPanel ctx={ctx} />
        </Panel>
      </div>
    </div>
  );
}

function GoalTable(props: { report: GoalReport }) {
  const { report } = props;
  if (!report.goals.length) return <Empty title="No goals yet" icon="chart"><p>A goal is a page or a custom event; it counts past visits too.</p></Empty>;
  return (
    <div class="table-wrap">
      <table class="data" data-goals>
        <thead><tr><th scope="col">Goal</th><th scope="col">Conversions</th><th scope="col">Rate</th><th scope="col">Change</th></tr></thead>
        <tbody>
          {report.goals.map((g) => {
            const before = report.compare?.goals.find((p) => p.id === g.id);
            return (
              <tr key={g.id} data-goal={g.name}>
                <td>{g.name}</td>
                <td data-conversions>{count(g.conversions)}</td>
                <td data-rate>{percent(g.rate, 1)}</td>
                <td>{before ? <Delta value={change(g.conversions, before.conversions)} /> : '–'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Runs `load` whenever `key` changes; the answer, or the error. */
function useLoad<T>(key: string, load: () => Promise<T>): { data: T | null; error: unknown } {
  const [state, setState] = useState<{ key: string; data: T | null; error: unknown }>({ key: '', data: null, error: null });
  useEffect(() => {
    let live = true;
    load().then((data) => live && setState({ key, data, error: null }), (error) => live && setState({ key, data: null, error }));
    return () => {
      live = false;
    };
  }, [key]);
  return state.key === key ? state : { data: null, error: null };
}

function GoalBreakdown(props: { ctx: Ctx; goals: GoalNumbers[] }) {
  const { ctx } = props;
  const [dim, setDim] = useState('entry_page');
  const path = `/api/conversions/goals/breakdown?${query(ctx, { dim, limit: 20 })}`;
  const { data, error } = useLoad(path, () => call<{ rows: { value: string; sessions: number; goals: GoalNumbers[] }[] }>(path));
  return (
    <div>
      <label class="inline">
        Break down by{' '}
        <select value={dim} onChange={(e) => setDim((e.target as HTMLSelectElement).value)} data-goal-dim>
          {DIMENSIONS.map(([v, label]) => <option value={v}>{label}</option>)}
        </select>
      </label>
      {error ? <ErrorNote error={error} /> : null}
      {data ? (
        <div class="table-wrap">
          <table class="data" data-goal-breakdown>
            <thead>
              <tr>
                <th scope="col">{DIMENSIONS.find(([v]) => v === dim)![1]}</th>
                <th scope="col">Sessions</th>
                {props.goals.map((g) => <th scope="col">{g.name}</th>)}
              </tr>
            </thead>
            <tbody>
              {data.rows.map((r) => (
                <tr key={r.value}>
                  <td>{r.value}</td>
                  <td>{count(r.sessions)}</td>
                  {r.goals.map((g) => <td>{count(g.conversions)} <span class="muted small">{percent(g.rate, 1)}</span></td>)}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}

function FunnelPanel(props: { ctx: Ctx; funnels: Funnel[] }) {
  const { ctx, funnels } = props;
  const [id, setId] = useState(funnels[0].id);
  const [dropStep, setDropStep] = useState<number | null>(null);
  const funnel = funnels.find((f) => f.id === id) ?? funnels[0];
  const path = `/api/conversions/funnels/report?${query(ctx, { funnel: funnel.id })}${compareQuery(ctx)}`;
  const { data, error } = useLoad(path, () => call<FunnelReport>(path));
  const first = data?.steps[0]?.sessions ?? 0;
  return (
    <div data-funnel={funnel.name}>
      <label class="inline">
        Funnel{' '}
        <select value={funnel.id} onChange={(e) => (setId((e.target as HTMLSelectElement).value), setDropStep(null))}>
          {funnels.map((f) => <option value={f.id}>{f.name}</option>)}
        </select>
        {funnel.window_ms ? <span class="muted small"> within {duration(funnel.window_ms)} of the first step</span> : null}
      </label>
      {error ? <ErrorNote error={error} /> : null}
      {data ? (
        <ol class="funnel">
          {data.steps.map((s, k) => {
            const before = data.compare?.steps[k];
            return (
              <li key={s.step} data-step={s.step}>
                <div class="funnel-head">
                  <strong>{s.step}. {s.name}</strong>
                  <span data-step-sessions>{count(s.sessions)}</span>
                  <span class="muted small">{percent(s.conversion_from_first, 1)} of step 1</span>
                  {before ? <Delta value={change(s.sessions, before.sessions)} /> : null}
                </div>
                <svg class="funnel-bar" viewBox="0 0 100 6" preserveAspectRatio="none" aria-hidden="true">
                  <rect x="0" y="0" width={first ? (100 * s.sessions) / first : 0} height="6" />
                </svg>
                {k > 0 ? (
                  <p class="muted small">
                    {percent(s.conversion_from_previous, 1)} of the step before
                    {s.median_ms_from_previous !== null ? `, after a median ${duration(s.median_ms_from_previous)}` : ''}
                    {' · '}
                    <button type="button" class="link" data-dropoff={s.step} onClick={() => setDropStep(dropStep === s.step ? null : s.step)}>
                      {count(s.dropped)} dropped off here
                    </button>
                  </p>
                ) : null}
                {dropStep === s.step ? <DropOff ctx={ctx} funnel={funnel.id} step={s.step} /> : null}
              </li>
            );
          })}
        </ol>
      ) : null}
    </div>
  );
}

function DropOff(props: { ctx: Ctx; funnel: string; step: number }) {
  const { ctx } = props;
  const path = `/api/conversions/funnels/dropoff?${query(ctx, { funnel: props.funnel, step: props.step, limit: 20 })}`;
  const { data, error } = useLoad(path, () => call<{ sessions: Dropped[] }>(path));
  if (error) return <ErrorNote error={error} />;
  if (!data) return null;
  if (!data.sessions.length) return <p class="muted small">No session left at this step.</p>;
  return (
    <ul class="dropoff" data-dropoff-list>
      {data.sessions.map((s) => (
        <li key={s.id}>
          <a href={linkTo(ctx, `/app/sessions/${encodeURIComponent(s.id)}`)} data-replay={s.id}>
            {shortDateTime(s.started_at)}: {s.entry_page ?? '?'} → {s.exit_page ?? '?'}, {duration(s.duration_ms)}
          </a>
          {s.has_replay ? <span class="badge ok small">replay</span> : null}
        </li>
      ))}
    </ul>
  );
}

type FlowModule = typeof import('../conversions/flow');
let flow: Promise<FlowModule> | null = null;
const loadFlow = () => (flow ??= import(FLOW_JS) as Promise<FlowModule>);

function JourneyPanel(props: { ctx: Ctx }) {
  const { ctx } = props;
  const [anchor, setAnchor] = useState<{ side: 'entry' | 'exit'; page: string; depth: number }>({ side: 'entry', page: ctx.q.filters.page ?? '/', depth: 4 });
  const path = `/api/conversions/journeys?${query(ctx, { [anchor.side]: anchor.page, depth: anchor.depth, limit: 15 })}`;
  const { data, error } = useLoad(path, async () => {
    const [journeys, mod] = await Promise.all([call<Journeys>(path), loadFlow()]);
    return { journeys, chart: journeys.paths.length ? mod.layoutFlow(journeys.paths, 860, Math.max(200, 28 * Math.min(journeys.paths.length, 15))) : null };
  });
  return (
    <div>
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          const f = new FormData(e.target as HTMLFormElement);
          setAnchor({ side: f.get('side') === 'exit' ? 'exit' : 'entry', page: String(f.get('page') || '/'), depth: Number(f.get('depth')) || 4 });
        }}
      >
        <select name="side" aria-label="From an entry page or to an exit page" value={anchor.side}>
          <option value="entry">From entry page</option>
          <option value="exit">To exit page</option>
        </select>
        <input name="page" aria-label="Page path" value={anchor.page} pattern="/.*" required />
        <select name="depth" aria-label="Steps" value={String(anchor.depth)}>
          {[3, 4, 5].map((d) => <option value={String(d)}>{d} steps</option>)}
        </select>
        <button type="submit">Show</button>
      </form>
      {error ? <ErrorNote error={error} /> : null}
      {data && !data.chart ? <p class="muted">No visit {anchor.side === 'entry' ? 'entered' : 'left'} at {anchor.page} in this period.</p> : null}
      {data?.chart ? <Flow nodes={data.chart.nodes} links={data.chart.links} /> : null}
      {data?.journeys.paths.length ? (
        <ol class="journeys" data-journeys>
          {data.journeys.paths.map((p) => <li><span data-journey>{p.steps.join(' → ')}</span> <span class="muted small">{count(p.sessions)}</span></li>)}
        </ol>
      ) : null}
    </div>
  );
}

function Flow(props: { nodes: FlowNode[]; links: FlowLink[] }) {
  const height = Math.max(...props.nodes.map((n) => n.y1), 200) + 2;
  // The last step's labels go left of their nodes: right of them is outside the chart.
  const right = Math.max(...props.nodes.map((n) => n.x1));
  return (
    <svg class="flow" viewBox={`0 0 860 ${height}`} role="img" aria-label="Journeys as a flow: pages by step, visits going on between them">
      {props.links.map((l) => (
        <path class="flow-link" d={l.d} stroke-width={l.width}><title>{`${l.from} → ${l.to}: ${count(l.value)}`}</title></path>
      ))}
      {props.nodes.map((n) => (
        <g>
          <rect class="flow-node" x={n.x0} y={n.y0} width={n.x1 - n.x0} height={Math.max(1, n.y1 - n.y0)}><title>{`${n.name}: ${count(n.value)}`}</title></rect>
          {n.x1 >= right ? (
            <text class="flow-label" x={n.x0 - 4} y={(n.y0 + n.y1) / 2} dominant-baseline="middle" text-anchor="end">{n.name}</text>
          ) : (
            <text class="flow-label" x={n.x1 + 4} y={(n.y0 + n.y1) / 2} dominant-baseline="middle">{n.name}</text>
          )}
        </g>
      ))}
    </svg>
  );
}

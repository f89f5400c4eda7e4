// The first page: six numbers against the previous period, the chosen one
// over time, and the top of each breakdown. Every row filters every view.
import { useEffect, useState } from 'preact/hooks';
import { cls } from '../cls';
import type { ComponentChildren } from 'preact';
import { call, type Day, type Overview, type Row, type Top, type Totals } from '../api';
import { here, linkTo, type Ctx } from '../context';
import { compact, count, dayRange, duration, percent, capitalise } from '../format';
import { rewrite } from '../router';
import { apiParams, change, daysOf, FILTERS, type DayRange, type Filters } from '../state';
import { Chart } from '../components/chart';
import { Country, Delta, Empty, ErrorNote, Panel, Ranked, Snippet } from '../components/ui';
import { GoalPicker, useSettled, type GoalNumbers } from '../components/goal';

/** GET /api/conversions/goals/report: every goal's conversions over the period (and the comparison period). */
interface GoalReport {
  sessions: number;
  goals: GoalNumbers[];
  compare: { goals: GoalNumbers[] } | null;
}

interface Metric {
  key: keyof Overview;
  label: string;
  format: (n: number) => string;
  integer?: boolean;
  lowerIsBetter?: boolean;
  /** The column of /analytics/sessions/daily that charts it. */
  daily?: keyof Day;
}

export const METRICS: Metric[] = [
  { key: 'sessions', integer: true, label: 'Sessions', format: compact, daily: 'sessions' },
  { key: 'visitors', integer: true, label: 'Visitors', format: compact, daily: 'visitors' },
  { key: 'page_views', integer: true, label: 'Page views', format: compact, daily: 'page_views' },
  { key: 'events', integer: true, label: 'Events', format: compact, daily: 'events' },
  { key: 'avg_duration_ms', label: 'Avg. duration', format: duration, daily: 'avg_duration_ms' },
  { key: 'bounce_rate', label: 'Bounce rate', format: (n) => percent(n), lowerIsBetter: true },
];

/**
 * The overview's three calls: the totals and days (with the comparison period)
 * draw the cards and the chart; the top lists fill their panels; the goals'
 * conversions fill the goal cards and the goals panel. The first page load
 * asks for them before it knows who is logged in (main.tsx).
 */
export function overviewCalls(siteId: string, filters: Filters, range: DayRange, previous: DayRange | null, bots = false) {
  const compare: Record<string, string> = previous ? { compare_from: previous.from, compare_to: previous.to } : {};
  return {
    totals: `/api/analytics/totals?${apiParams(siteId, range, filters, compare, bots)}`,
    top: `/api/analytics/top?${apiParams(siteId, range, filters, { limit: 6 }, bots)}`,
    goals: `/api/conversions/goals/report?${apiParams(siteId, range, filters, compare, bots)}`,
  };
}

const botSessions = (n: number) => `${count(n)} bot ${n === 1 ? 'session' : 'sessions'}`;

/**
 * What the period holds from bots and automation, and the switch that counts
 * them in or leaves them out again (kept in the address as bots=1). Nothing
 * when there were none and they are left out.
 */
function BotsNote(props: { ctx: Ctx; excluded: number }) {
  const { ctx, excluded } = props;
  if (ctx.q.bots) {
    return (
      <p class="muted small bots-note" data-bots="included">
        Bot and automation sessions are included. <a href={here(ctx, { bots: null })} data-bots-toggle>Leave them out</a>
      </p>
    );
  }
  if (!excluded) return null;
  return (
    <p class="muted small bots-note" data-bots="excluded" data-bots-excluded={excluded}>
      {botSessions(excluded)} (crawlers, automation, your bot patterns) left out. <a href={here(ctx, { bots: '1' })} data-bots-toggle>Include bots</a>
    </p>
  );
}

export async function overviewView(ctx: Ctx) {
  const opts = { signal: ctx.signal };
  const calls = overviewCalls(ctx.site!.id, ctx.q.filters, ctx.range, ctx.previous, ctx.q.bots);
  const top = call<Top>(calls.top, opts);
  top.catch(() => {}); // drawn (or reported) in its panels
  const goals = call<GoalReport>(calls.goals, opts);
  goals.catch(() => {}); // drawn (or reported) in the goal cards and panel
  const totals = await call<Totals>(calls.totals, opts);
  const now = totals.overview;
  const filtered = FILTERS.some((f) => ctx.q.filters[f]);

  const excluded = Number(now.bots_excluded ?? 0);
  const picker = goals.then((r) => ({ goals: r.goals, missing: Boolean(ctx.q.goal) && !r.goals.some((g) => g.id === ctx.q.goal) }));
  picker.catch(() => {});
  const heading = (
    <div class="view-head with-aside">
      <div>
        <h1 tabindex={-1}>{ctx.site!.name}</h1>
        <p class="muted">{ctx.site!.domain} · {dayRange(ctx.range.from, ctx.range.to)}</p>
        {now.sessions === 0 && excluded && !filtered ? null : <BotsNote ctx={ctx} excluded={excluded} />}
      </div>
      {now.sessions ? <GoalPicker ctx={ctx} goals={picker} /> : null}
    </div>
  );

  if (now.sessions === 0) {
    return (
      <div>
        {heading}
        {excluded && !filtered ? (
          <Empty title={`No visits from people yet — ${botSessions(excluded)} left out`} icon="chart">
            <p>
              Every session recorded for <strong>{ctx.site!.domain}</strong> in {dayRange(ctx.range.from, ctx.range.to)} came from a crawler, a headless
              browser, automation (navigator.webdriver) or one of the site's{' '}
              <a href={`/app/settings/sites/${encodeURIComponent(ctx.site!.id)}`}>bot patterns</a>. Bot sessions are recorded but left out of the numbers.
            </p>
            <p><a class="btn primary" href={here(ctx, { bots: '1' })} data-bots-toggle>Include bots</a></p>
          </Empty>
        ) : filtered ? (
          <Empty title="No sessions match these filters" icon="search">
            <p>Nothing in {dayRange(ctx.range.from, ctx.range.to)} matches. <a href={here(ctx, Object.fromEntries(FILTERS.map((f) => [f, null])))}>Clear the filters</a> or pick a longer period.</p>
          </Empty>
        ) : (
          <Empty title="No visits yet" icon="chart">
            <p>
              Nothing was recorded for <strong>{ctx.site!.domain}</strong> in {dayRange(ctx.range.from, ctx.range.to)}. Install the snippet: paste it into
              the <code>&lt;head&gt;</code> of every page.
            </p>
            <Snippet siteId={ctx.site!.id} />
            <p class="muted">
              Then open a page of your site: the visit shows up in <a href={linkTo(ctx, '/app/realtime')}>Realtime</a> within seconds, and here once the
              tracker has sent its first batch. Pages on other origins must be listed in the site's{' '}
              <a href={`/app/settings/sites/${encodeURIComponent(ctx.site!.id)}`}>allowed origins</a>.
            </p>
            {ctx.q.range !== '30d' ? <p><a href={here(ctx, { range: '30d', from: null, to: null })}>Look at the last 30 days</a></p> : null}
          </Empty>
        )}
      </div>
    );
  }

  const first = METRICS.find((m) => m.daily && m.key === ctx.url.searchParams.get('metric')) ?? METRICS[0];
  return <OverviewPage ctx={ctx} totals={totals} top={top} goals={goals} heading={heading} first={first} filtered={filtered} />;
}

function OverviewPage(props: { ctx: Ctx; totals: Totals; top: Promise<Top>; goals: Promise<GoalReport>; heading: ComponentChildren; first: Metric; filtered: boolean }) {
  const { ctx, totals, top, goals, filtered } = props;
  // The chart's metric is view state kept in the address, switched without asking the server again.
  const [metric, setMetric] = useState(props.first);
  const prev = ctx.previous;
  const now = totals.overview;
  const before = totals.previous?.overview ?? null;
  const days0 = daysOf(ctx.range);
  const prevDays = prev ? daysOf(prev) : [];
  const col = metric.daily!;
  const valueOf = (list: Day[] | undefined, d: string) => Number(list?.find((x) => x.day === d)?.[col] ?? 0);
  const filterLink = (name: string, value: string) => here(ctx, { [name]: value, cursor: null });
  const more = (path: string, label: string) => <a class="more" href={linkTo(ctx, path)}>{label} →</a>;

  return (
    <div>
      {props.heading}
      <div class="cards" role="group" aria-label="Totals for the period">
        {METRICS.map((m) => {
          const value = Number(now[m.key] ?? 0);
          const body = [
            <span class="card-label">{m.label}</span>,
            <span class="card-value" data-metric={m.key} data-value={value}>{m.format(value)}</span>,
            before ? <Delta value={change(value, Number(before[m.key] ?? 0))} lowerIsBetter={m.lowerIsBetter} /> : null,
          ];
          if (!m.daily) return <div class="card">{body}</div>;
          return (
            <button
              type="button"
              class={cls('card', { selected: m === metric })}
              aria-pressed={m === metric ? 'true' : 'false'}
              title={`Chart ${m.label.toLowerCase()}`}
              onClick={() => {
                setMetric(m);
                rewrite(here(ctx, { metric: m.key === 'sessions' ? null : m.key }));
              }}
            >
              {body}
            </button>
          );
        })}
      </div>
      {ctx.q.goal ? <GoalCards ctx={ctx} report={goals} /> : null}
      <section class="panel chart-panel" aria-label="Over time">
        <div class="chart-slot">
          <Chart
            key={metric.key}
            label={`${metric.label} per day, ${dayRange(ctx.range.from, ctx.range.to)}${prev ? ', with the previous period' : ''}`}
            days={days0}
            format={metric.format}
            integer={metric.integer}
            series={[
              { label: metric.label, values: days0.map((d) => valueOf(totals.days, d)) },
              ...(prev && totals.previous ? [{ label: `${metric.label} (previous period)`, values: prevDays.map((d) => valueOf(totals.previous?.days, d)), days: prevDays, previous: true }] : []),
            ]}
          />
        </div>
      </section>
      <div class="grid">
        <Panel title="Top pages" actions={more('/app/pages', 'All pages')} note={filtered ? 'Page views are counted per page and day; filters do not narrow them.' : undefined}>
          <Pending of={top} draw={(t) => <Ranked name="pages" label="Page" metric="Views" items={t.pages.map((p) => ({ label: p.path, key: p.path, value: p.page_views, href: filterLink('page', p.path) }))} />} />
        </Panel>
        <Panel title="Sources" actions={more('/app/sources', 'All sources')}>
          <Pending of={top} draw={(t) => <Ranked name="sources" label="Source" metric="Sessions" items={t.referrers.map((r) => ({ label: r.value, key: r.value, value: r.sessions, href: filterLink('source', r.value) }))} />} />
        </Panel>
        <Panel title="Countries" actions={more('/app/locations', 'All countries')}>
          <Pending
            of={top}
            draw={(t) => (
              <Ranked
                name="countries"
                label="Country"
                metric="Sessions"
                items={t.countries.map((r) => ({
                  label: <Country code={r.value} />,
                  key: r.value,
                  value: r.sessions,
                  href: r.value === '(unknown)' ? undefined : filterLink('country', r.value),
                }))}
              />
            )}
          />
        </Panel>
        <Panel title="Devices" actions={more('/app/devices', 'Browsers and OS')}>
          <Pending of={top} draw={(t) => <Ranked name="devices" label="Device" metric="Sessions" items={t.devices.map((r) => ({ label: capitalise(r.value), key: r.value, value: r.sessions, href: filterLink('device', r.value) }))} />} />
        </Panel>
        <GoalsPanel ctx={ctx} report={goals} />
      </div>
    </div>
  );
}

/**
 * The picked goal's numbers as two more cards: its conversions (sessions that
 * reached it) and its conversion rate over the period's sessions, each against
 * the previous period.
 */
function GoalCards(props: { ctx: Ctx; report: Promise<GoalReport> }) {
  const state = useSettled(props.report);
  const id = props.ctx.q.goal;
  if (state && 'error' in state) return <ErrorNote error={state.error} />;
  const report = state ? state.value : null;
  const goal = report?.goals.find((g) => g.id === id);
  if (report && !goal) return null; // the picker says the goal is gone
  const before = report?.compare?.goals.find((g) => g.id === id);
  const card = (metric: string, label: string, value: number | undefined, text: string, previous: number | undefined) => (
    <div class="card">
      <span class="card-label">{label}</span>
      <span class="card-value" data-metric={metric} data-value={value}>{value === undefined ? '…' : text}</span>
      {report?.compare ? <Delta value={change(value ?? 0, previous)} /> : null}
    </div>
  );
  return (
    <div class="cards" role="group" aria-label={goal ? `Goal ${goal.name}` : 'Goal'} aria-busy={report ? undefined : 'true'} data-goal-cards>
      {card('goal_conversions', goal ? `${goal.name}: conversions` : 'Conversions', goal?.conversions, compact(goal?.conversions), before?.conversions)}
      {card('goal_rate', 'Conversion rate', goal?.rate, percent(goal?.rate, 1), before?.rate)}
    </div>
  );
}

/** Every goal's conversions and rate over the period; a goal's name picks it for every view. */
function GoalsPanel(props: { ctx: Ctx; report: Promise<GoalReport> }) {
  const { ctx } = props;
  const state = useSettled(props.report);
  // A site without goals (or a reader who cannot see them) gets no panel.
  if (!state || 'error' in state || !state.value.goals.length) return null;
  return (
    <Panel title="Goals" actions={<a class="more" href={linkTo(ctx, '/app/conversions')}>Conversions →</a>}>
      <Ranked
        name="goals"
        label="Goal"
        metric="Conversions"
        items={state.value.goals.map((g) => ({
          label: g.id === ctx.q.goal ? <strong>{g.name}</strong> : g.name,
          value: g.conversions,
          secondary: percent(g.rate, 1),
          href: here(ctx, { goal: g.id === ctx.q.goal ? null : g.id }),
        }))}
      />
    </Panel>
  );
}

/** A panel's list, drawn when its data arrives; aria-busy until then. */
function Pending<T>(props: { of: Promise<T>; draw: (value: T) => ComponentChildren }) {
  const [state, setState] = useState<{ value: T } | { error: unknown } | null>(null);
  useEffect(() => {
    let live = true;
    props.of.then(
      (value) => live && setState({ value }),
      (error) => live && !(error instanceof Error && error.name === 'AbortError') && setState({ error }),
    );
    return () => {
      live = false;
    };
  }, [props.of]);
  return (
    <div class="panel-slot" aria-busy={state ? undefined : 'true'}>
      {!state ? <p class="empty-small">Loading…</p> : 'value' in state ? props.draw(state.value) : <ErrorNote error={state.error} />}
    </div>
  );
}

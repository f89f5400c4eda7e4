// The first page: six numbers against the previous period, the chosen one
// over time, and the top of each breakdown. Every row filters every view.
import { h, replace, cls } from '../h';
import { call, type Day, type Overview, type Row } from '../api';
import { analyticsQuery, here, linkTo, type Ctx } from '../context';
import { compact, dayRange, duration, percent, capitalise } from '../format';
import { rewrite } from '../router';
import { change, daysOf, FILTERS } from '../state';
import { Chart } from '../components/chart';
import { Country, Delta, Empty, Panel, Ranked, Snippet } from '../components/ui';

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

export async function overviewView(ctx: Ctx) {
  const q = (extra: Record<string, string | number> = {}) => analyticsQuery(ctx, extra);
  const opts = { signal: ctx.signal };
  const prev = ctx.previous;
  const [now, before, days, daysBefore, pages, sources, geo, devices] = await Promise.all([
    call<Overview>(`/analytics/overview?${q()}`, opts),
    prev ? call<Overview>(`/analytics/overview?${analyticsQuery(ctx, {}, prev)}`, opts) : Promise.resolve(null),
    call<{ days: Day[] }>(`/analytics/sessions/daily?${q()}`, opts),
    prev ? call<{ days: Day[] }>(`/analytics/sessions/daily?${analyticsQuery(ctx, {}, prev)}`, opts) : Promise.resolve(null),
    call<{ pages: { path: string; page_views: number }[] }>(`/analytics/pages/top?${q({ limit: 6 })}`, opts),
    call<{ referrers: Row[] }>(`/analytics/sources?${q({ limit: 6 })}`, opts),
    call<{ countries: Row[] }>(`/analytics/geo?${q({ limit: 6 })}`, opts),
    call<{ devices: Row[]; browsers: Row[]; os: Row[] }>(`/analytics/devices?${q({ limit: 6 })}`, opts),
  ]);
  const filtered = FILTERS.some((f) => ctx.q.filters[f]);

  const heading = (
    <div class="view-head">
      <h1 tabindex="-1">{ctx.site!.name}</h1>
      <p class="muted">{ctx.site!.domain} · {dayRange(ctx.range.from, ctx.range.to)}</p>
    </div>
  );

  if (now.sessions === 0) {
    return (
      <div>
        {heading}
        {filtered ? (
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

  // The chart's metric is view state kept in the address, switched without asking the server again.
  let metric = METRICS.find((m) => m.daily && m.key === ctx.url.searchParams.get('metric')) ?? METRICS[0];
  const chartBox = <div class="chart-slot" />;
  const cards = <div class="cards" role="group" aria-label="Totals for the period" />;
  const days0 = daysOf(ctx.range);
  const prevDays = prev ? daysOf(prev) : [];

  const drawChart = () => {
    const col = metric.daily!;
    const valueOf = (list: Day[] | undefined, d: string) => Number(list?.find((x) => x.day === d)?.[col] ?? 0);
    replace(
      chartBox,
      <Chart
        label={`${metric.label} per day, ${dayRange(ctx.range.from, ctx.range.to)}${prev ? ', with the previous period' : ''}`}
        days={days0}
        format={metric.format}
        integer={metric.integer}
        series={[
          { label: metric.label, values: days0.map((d) => valueOf(days.days, d)) },
          ...(prev && daysBefore ? [{ label: `${metric.label} (previous period)`, values: prevDays.map((d) => valueOf(daysBefore.days, d)), days: prevDays, previous: true }] : []),
        ]}
      />,
    );
  };
  const drawCards = () =>
    replace(
      cards,
      METRICS.map((m) => {
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
              metric = m;
              rewrite(here(ctx, { metric: m.key === 'sessions' ? null : m.key }));
              drawCards();
              drawChart();
              cards.querySelector<HTMLElement>('[aria-pressed="true"]')?.focus();
            }}
          >
            {body}
          </button>
        );
      }),
    );
  drawCards();
  drawChart();

  const filterLink = (name: string, value: string) => here(ctx, { [name]: value, cursor: null });
  const more = (path: string, label: string) => <a class="more" href={linkTo(ctx, path)}>{label} →</a>;

  return (
    <div>
      {heading}
      {cards}
      <section class="panel chart-panel" aria-label="Over time">{chartBox}</section>
      <div class="grid">
        <Panel title="Top pages" actions={more('/app/pages', 'All pages')} note={filtered ? 'Page views are counted per page and day; filters do not narrow them.' : undefined}>
          <Ranked name="pages" label="Page" metric="Views" items={pages.pages.map((p) => ({ label: p.path, key: p.path, value: p.page_views, href: filterLink('page', p.path) }))} />
        </Panel>
        <Panel title="Sources" actions={more('/app/sources', 'All sources')}>
          <Ranked name="sources" label="Source" metric="Sessions" items={sources.referrers.map((r) => ({ label: r.value, key: r.value, value: r.sessions, href: filterLink('source', r.value) }))} />
        </Panel>
        <Panel title="Countries" actions={more('/app/locations', 'All countries')}>
          <Ranked
            name="countries"
            label="Country"
            metric="Sessions"
            items={geo.countries.map((r) => ({
              label: <Country code={r.value} />,
              key: r.value,
              value: r.sessions,
              href: r.value === '(unknown)' ? undefined : filterLink('country', r.value),
            }))}
          />
        </Panel>
        <Panel title="Devices" actions={more('/app/devices', 'Browsers and OS')}>
          <Ranked name="devices" label="Device" metric="Sessions" items={devices.devices.map((r) => ({ label: capitalise(r.value), key: r.value, value: r.sessions, href: filterLink('device', r.value) }))} />
        </Panel>
      </div>
    </div>
  );
}

// Pages: views per page (from the daily page rollup), and the pages visits
// start and end on (from the sessions, so they follow the filters).
import { call } from '../api';
import { analyticsQuery, type Ctx } from '../context';
import { dayRange } from '../format';
import { FILTERS } from '../state';
import { Panel, Ranked } from '../components/ui';
import { GoalPicker, loadGoal, WithGoal } from '../components/goal';
import { Heading, items } from './breakdowns';

type PageRow = { path: string; page_views?: number; sessions?: number };

export async function pagesView(ctx: Ctx) {
  const goal = loadGoal(ctx, ['page', 'entry_page', 'exit_page'], 100);
  const data = await call<{ pages: PageRow[]; entry_pages: PageRow[]; exit_pages: PageRow[] }>(`/api/analytics/pages/top?${analyticsQuery(ctx, { limit: 100 })}`, { signal: ctx.signal });
  const filtered = FILTERS.some((f) => ctx.q.filters[f]);
  const asRows = (list: PageRow[], key: 'page_views' | 'sessions') => list.map((p) => ({ value: p.path, sessions: Number(p[key] ?? 0) }));
  return (
    <div>
      <Heading title="Pages" sub={dayRange(ctx.range.from, ctx.range.to)} aside={<GoalPicker ctx={ctx} goals={goal} />} />
      <div class="grid">
        <Panel title="Page views" wide note={<>{filtered ? 'Counted per page and day: the filters do not narrow this list.' : null}{ctx.q.goal ? ' Conversions: the sessions that viewed the page and reached the goal; CR is over the sessions that viewed it.' : null}</>}>
          <WithGoal ctx={ctx} data={goal} dim="page">
            {(g) => <Ranked name="pages" label="Page" metric="Views" goal={g} items={items(ctx, asRows(data.pages, 'page_views'), 'page')} empty="No page views in this period." />}
          </WithGoal>
        </Panel>
        <Panel title="Entry pages">
          <WithGoal ctx={ctx} data={goal} dim="entry_page">
            {(g) => <Ranked name="entry" label="Page" metric="Sessions" goal={g} items={items(ctx, asRows(data.entry_pages, 'sessions'), 'page')} />}
          </WithGoal>
        </Panel>
        <Panel title="Exit pages">
          <WithGoal ctx={ctx} data={goal} dim="exit_page">
            {(g) => <Ranked name="exit" label="Page" metric="Sessions" goal={g} items={items(ctx, asRows(data.exit_pages, 'sessions'), null)} />}
          </WithGoal>
        </Panel>
      </div>
    </div>
  );
}

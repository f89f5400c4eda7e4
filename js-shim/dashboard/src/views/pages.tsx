// Pages: views per page (from the daily page rollup), and the pages visits
// start and end on (from the sessions, so they follow the filters).
import { call } from '../api';
import { analyticsQuery, type Ctx } from '../context';
import { dayRange } from '../format';
import { FILTERS } from '../state';
import { Panel, Ranked } from '../components/ui';
import { Heading, items } from './breakdowns';

type PageRow = { path: string; page_views?: number; sessions?: number };

export async function pagesView(ctx: Ctx) {
  const data = await call<{ pages: PageRow[]; entry_pages: PageRow[]; exit_pages: PageRow[] }>(`/api/analytics/pages/top?${analyticsQuery(ctx, { limit: 100 })}`, { signal: ctx.signal });
  const filtered = FILTERS.some((f) => ctx.q.filters[f]);
  const asRows = (list: PageRow[], key: 'page_views' | 'sessions') => list.map((p) => ({ value: p.path, sessions: Number(p[key] ?? 0) }));
  return (
    <div>
      <Heading title="Pages" sub={dayRange(ctx.range.from, ctx.range.to)} />
      <div class="grid">
        <Panel title="Page views" wide note={filtered ? 'Counted per page and day: the filters do not narrow this list.' : undefined}>
          <Ranked name="pages" label="Page" metric="Views" items={items(ctx, asRows(data.pages, 'page_views'), 'page')} empty="No page views in this period." />
        </Panel>
        <Panel title="Entry pages">
          <Ranked name="entry" label="Page" metric="Sessions" items={items(ctx, asRows(data.entry_pages, 'sessions'), 'page')} />
        </Panel>
        <Panel title="Exit pages">
          <Ranked name="exit" label="Page" metric="Sessions" items={items(ctx, asRows(data.exit_pages, 'sessions'), null)} />
        </Panel>
      </div>
    </div>
  );
}

// Sources: where visits come from (referring domain or "(direct)"), and the
// UTM tags of campaign links.
import { call, type Row } from '../api';
import { analyticsQuery, type Ctx } from '../context';
import { dayRange } from '../format';
import { Panel, Ranked } from '../components/ui';
import { Heading, items } from './breakdowns';

export async function sourcesView(ctx: Ctx) {
  const data = await call<{ referrers: Row[]; utm_sources: Row[]; utm_mediums: Row[]; utm_campaigns: Row[] }>(
    `/api/analytics/sources?${analyticsQuery(ctx, { limit: 100 })}`,
    { signal: ctx.signal },
  );
  const total = data.referrers.reduce((n, r) => n + r.sessions, 0);
  const noUtm = 'No visit came through a link with utm_ tags in this period.';
  return (
    <div>
      <Heading title="Sources" sub={dayRange(ctx.range.from, ctx.range.to)} />
      <div class="grid">
        <Panel title="Referrers" wide>
          <Ranked name="referrers" label="Source" metric="Sessions" items={items(ctx, data.referrers, 'source', undefined, total)} />
        </Panel>
        <Panel title="UTM sources">
          <Ranked name="utm_sources" label="utm_source" metric="Sessions" items={items(ctx, data.utm_sources, 'source')} empty={noUtm} />
        </Panel>
        <Panel title="UTM mediums">
          <Ranked name="utm_mediums" label="utm_medium" metric="Sessions" items={items(ctx, data.utm_mediums, null)} empty={noUtm} />
        </Panel>
        <Panel title="UTM campaigns">
          <Ranked name="utm_campaigns" label="utm_campaign" metric="Sessions" items={items(ctx, data.utm_campaigns, null)} empty={noUtm} />
        </Panel>
      </div>
    </div>
  );
}

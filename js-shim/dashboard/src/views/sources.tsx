// Sources: where visits come from (referring domain or "(direct)"), and the
// UTM tags of campaign links.
import { call, type Row } from '../api';
import { analyticsQuery, type Ctx } from '../context';
import { dayRange } from '../format';
import { Panel, Ranked } from '../components/ui';
import { GoalPicker, loadGoal, WithGoal } from '../components/goal';
import { Heading, items } from './breakdowns';

export async function sourcesView(ctx: Ctx) {
  const goal = loadGoal(ctx, ['referrer', 'utm_source', 'utm_medium', 'utm_campaign'], 100);
  const data = await call<{ referrers: Row[]; utm_sources: Row[]; utm_mediums: Row[]; utm_campaigns: Row[] }>(
    `/api/analytics/sources?${analyticsQuery(ctx, { limit: 100 })}`,
    { signal: ctx.signal },
  );
  const total = data.referrers.reduce((n, r) => n + r.sessions, 0);
  const noUtm = 'No visit came through a link with utm_ tags in this period.';
  return (
    <div>
      <Heading title="Sources" sub={dayRange(ctx.range.from, ctx.range.to)} aside={<GoalPicker ctx={ctx} goals={goal} />} />
      <div class="grid">
        <Panel title="Referrers" wide>
          <WithGoal ctx={ctx} data={goal} dim="referrer">
            {(g) => <Ranked goal={g} name="referrers" label="Source" metric="Sessions" items={items(ctx, data.referrers, 'source', undefined, total)} />}
          </WithGoal>
        </Panel>
        <Panel title="UTM sources">
          <WithGoal ctx={ctx} data={goal} dim="utm_source">
            {(g) => <Ranked goal={g} name="utm_sources" label="utm_source" metric="Sessions" items={items(ctx, data.utm_sources, 'source')} empty={noUtm} />}
          </WithGoal>
        </Panel>
        <Panel title="UTM mediums">
          <WithGoal ctx={ctx} data={goal} dim="utm_medium">
            {(g) => <Ranked goal={g} name="utm_mediums" label="utm_medium" metric="Sessions" items={items(ctx, data.utm_mediums, null)} empty={noUtm} />}
          </WithGoal>
        </Panel>
        <Panel title="UTM campaigns">
          <WithGoal ctx={ctx} data={goal} dim="utm_campaign">
            {(g) => <Ranked goal={g} name="utm_campaigns" label="utm_campaign" metric="Sessions" items={items(ctx, data.utm_campaigns, null)} empty={noUtm} />}
          </WithGoal>
        </Panel>
      </div>
    </div>
  );
}

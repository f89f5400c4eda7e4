// Locations: sessions and visitors per country (from Cloudflare's request
// data; no IP address is stored).
import { call, type Row } from '../api';
import { analyticsQuery, type Ctx } from '../context';
import { dayRange } from '../format';
import { Country, Panel, Ranked } from '../components/ui';
import { GoalPicker, loadGoal, WithGoal } from '../components/goal';
import { Heading, items } from './breakdowns';

export async function locationsView(ctx: Ctx) {
  const goal = loadGoal(ctx, ['country'], 250);
  const data = await call<{ countries: Row[] }>(`/api/analytics/geo?${analyticsQuery(ctx, { limit: 250 })}`, { signal: ctx.signal });
  const total = data.countries.reduce((n, r) => n + r.sessions, 0);
  const label = (v: string) => <Country code={v} />;
  return (
    <div>
      <Heading title="Locations" sub={dayRange(ctx.range.from, ctx.range.to)} aside={<GoalPicker ctx={ctx} goals={goal} />} />
      <Panel title="Countries" wide>
        <WithGoal ctx={ctx} data={goal} dim="country">
          {(g) => <Ranked goal={g} name="countries" label="Country" metric="Sessions" items={items(ctx, data.countries, 'country', label, total)} />}
        </WithGoal>
      </Panel>
    </div>
  );
}

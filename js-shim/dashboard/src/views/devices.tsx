// Devices: device type, browser and operating system of each visit (from the
// user agent at session start).
import { call, type Row } from '../api';
import { analyticsQuery, type Ctx } from '../context';
import { capitalise, dayRange } from '../format';
import { Panel, Ranked } from '../components/ui';
import { GoalPicker, loadGoal, WithGoal } from '../components/goal';
import { Heading, items } from './breakdowns';

export async function devicesView(ctx: Ctx) {
  const goal = loadGoal(ctx, ['device', 'browser', 'os'], 100);
  const data = await call<{ devices: Row[]; browsers: Row[]; os: Row[] }>(`/api/analytics/devices?${analyticsQuery(ctx, { limit: 100 })}`, { signal: ctx.signal });
  const total = data.devices.reduce((n, r) => n + r.sessions, 0);
  return (
    <div>
      <Heading title="Devices" sub={dayRange(ctx.range.from, ctx.range.to)} aside={<GoalPicker ctx={ctx} goals={goal} />} />
      <div class="grid three">
        <Panel title="Device type">
          <WithGoal ctx={ctx} data={goal} dim="device">
            {(g) => <Ranked goal={g} name="devices" label="Device" metric="Sessions" items={items(ctx, data.devices, 'device', capitalise, total)} />}
          </WithGoal>
        </Panel>
        <Panel title="Browsers">
          <WithGoal ctx={ctx} data={goal} dim="browser">
            {(g) => <Ranked goal={g} name="browsers" label="Browser" metric="Sessions" items={items(ctx, data.browsers, 'browser', undefined, total)} />}
          </WithGoal>
        </Panel>
        <Panel title="Operating systems">
          <WithGoal ctx={ctx} data={goal} dim="os">
            {(g) => <Ranked goal={g} name="os" label="OS" metric="Sessions" items={items(ctx, data.os, 'os', undefined, total)} />}
          </WithGoal>
        </Panel>
      </div>
    </div>
  );
}

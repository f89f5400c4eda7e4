// Devices: device type, browser and operating system of each visit (from the
// user agent at session start).
import { call, type Row } from '../api';
import { analyticsQuery, type Ctx } from '../context';
import { capitalise, dayRange } from '../format';
import { Panel, Ranked } from '../components/ui';
import { Heading, items } from './breakdowns';

export async function devicesView(ctx: Ctx) {
  const data = await call<{ devices: Row[]; browsers: Row[]; os: Row[] }>(`/api/analytics/devices?${analyticsQuery(ctx, { limit: 100 })}`, { signal: ctx.signal });
  const total = data.devices.reduce((n, r) => n + r.sessions, 0);
  return (
    <div>
      <Heading title="Devices" sub={dayRange(ctx.range.from, ctx.range.to)} />
      <div class="grid three">
        <Panel title="Device type">
          <Ranked name="devices" label="Device" metric="Sessions" items={items(ctx, data.devices, 'device', capitalise, total)} />
        </Panel>
        <Panel title="Browsers">
          <Ranked name="browsers" label="Browser" metric="Sessions" items={items(ctx, data.browsers, 'browser', undefined, total)} />
        </Panel>
        <Panel title="Operating systems">
          <Ranked name="os" label="OS" metric="Sessions" items={items(ctx, data.os, 'os', undefined, total)} />
        </Panel>
      </div>
    </div>
  );
}

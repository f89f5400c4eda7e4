// Engagement: how long visits last and how far down the page they scroll.
import { call } from '../api';
import { analyticsQuery, type Ctx } from '../context';
import { dayRange, duration, percent } from '../format';
import { Buckets, Panel } from '../components/ui';
import { Heading } from './breakdowns';

interface Engagement {
  avg_duration_ms: number;
  avg_scroll_percent: number;
  pages_per_session: number;
  duration: { bucket: string; sessions: number }[];
  scroll: { bucket: string; sessions: number }[];
}

export async function engagementView(ctx: Ctx) {
  const e = await call<Engagement>(`/api/analytics/engagement?${analyticsQuery(ctx)}`, { signal: ctx.signal });
  const total = e.duration.reduce((n, b) => n + b.sessions, 0);
  return (
    <div>
      <Heading title="Engagement" sub={dayRange(ctx.range.from, ctx.range.to)} />
      <div class="cards three" role="group" aria-label="Averages">
        <div class="card">
          <span class="card-label">Avg. duration</span>
          <span class="card-value" data-metric="avg_duration_ms" data-value={e.avg_duration_ms}>{duration(e.avg_duration_ms)}</span>
        </div>
        <div class="card">
          <span class="card-label">Avg. scroll depth</span>
          <span class="card-value" data-metric="avg_scroll_percent" data-value={e.avg_scroll_percent}>{percent(e.avg_scroll_percent / 100)}</span>
        </div>
        <div class="card">
          <span class="card-label">Pages per session</span>
          <span class="card-value" data-metric="pages_per_session" data-value={e.pages_per_session}>{e.pages_per_session.toFixed(1)}</span>
        </div>
      </div>
      <div class="grid">
        <Panel title="Visit duration">
          <Buckets rows={e.duration} total={total} label="Sessions by visit duration" />
        </Panel>
        <Panel title="Scroll depth" note="The deepest point of the page a visit reached, across its pages.">
          <Buckets rows={e.scroll} total={total} label="Sessions by deepest scroll" />
        </Panel>
      </div>
    </div>
  );
}

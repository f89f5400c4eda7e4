// Storage: what the site's visits cost to keep (R2 bytes and chunks, events),
// per day of the period.
import { call } from '../api';
import { analyticsQuery, type Ctx } from '../context';
import { bytes, compact, count, day, dayRange } from '../format';
import { daysOf } from '../state';
import { Chart } from '../components/chart';
import { Panel } from '../components/ui';
import { Heading } from './breakdowns';

interface Storage {
  sessions: number;
  chunks: number;
  bytes: number;
  events: number;
  days: { day: string; sessions: number; bytes: number; events: number }[];
}

export async function storageView(ctx: Ctx) {
  const s = await call<Storage>(`/api/analytics/storage?${analyticsQuery(ctx)}`, { signal: ctx.signal });
  const days = daysOf(ctx.range);
  const byDay = new Map(s.days.map((d) => [d.day, d]));
  const card = (label: string, key: string, value: number, text: string) => (
    <div class="card">
      <span class="card-label">{label}</span>
      <span class="card-value" data-metric={key} data-value={value}>{text}</span>
    </div>
  );
  return (
    <div>
      <Heading title="Storage" sub={[dayRange(ctx.range.from, ctx.range.to), ' · raw events in R2, aggregates in Postgres']} />
      <div class="cards four" role="group" aria-label="Stored for the period">
        {card('Stored', 'bytes', s.bytes, bytes(s.bytes))}
        {card('Events', 'events', s.events, compact(s.events))}
        {card('R2 chunks', 'chunks', s.chunks, compact(s.chunks))}
        {card('Sessions', 'sessions', s.sessions, compact(s.sessions))}
      </div>
      <section class="panel chart-panel" aria-label="Bytes per day">
        <Chart label="Bytes stored per day" days={days} bars format={bytes} series={[{ label: 'Stored', values: days.map((d) => byDay.get(d)?.bytes ?? 0) }]} height={200} />
      </section>
      <Panel title="Per day">
        <div class="table-wrap">
          <table class="data">
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col" class="num">Sessions</th>
                <th scope="col" class="num">Events</th>
                <th scope="col" class="num">Stored</th>
              </tr>
            </thead>
            <tbody>
              {s.days.length ? (
                [...s.days].reverse().map((d) => (
                  <tr>
                    <td>{day(d.day, true)}</td>
                    <td class="num">{count(d.sessions)}</td>
                    <td class="num">{count(d.events)}</td>
                    <td class="num">{bytes(d.bytes)}</td>
                  </tr>
                ))
              ) : (
                <tr>
                  <td colspan={4} class="muted">Nothing stored in this period.</td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      </Panel>
    </div>
  );
}

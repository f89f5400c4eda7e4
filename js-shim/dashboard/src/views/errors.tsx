// Errors: uncaught JavaScript errors (sent with the tracker's data-errors)
// grouped by normalised message and source, with their count, the sessions
// they hit, first and last seen, browsers and pages, and a link to the replay
// moment of each of the latest sessions.
import { call } from '../api';
import { analyticsQuery, linkTo, type Ctx } from '../context';
import { ago, count, dateTime, dayRange } from '../format';
import { Empty, Panel } from '../components/ui';
import { Heading } from './breakdowns';

interface ErrorGroup {
  fingerprint: string;
  message: string;
  sample: string;
  source: string;
  occurrences: number;
  sessions: number;
  first_seen: string;
  last_seen: string;
  browsers: { browser: string; sessions: number }[];
  pages: string[];
  moments: { session_id: string; at: string; browser: string | null; occurrences: number; path: string | null; t: number }[];
}

export async function errorsView(ctx: Ctx) {
  const { groups } = await call<{ groups: ErrorGroup[] }>(`/api/insights/errors?${analyticsQuery(ctx, { limit: 100 })}`, { signal: ctx.signal });
  const head = <Heading title="Errors" sub={dayRange(ctx.range.from, ctx.range.to)} />;
  if (!groups.length) {
    return (
      <div>
        {head}
        <Empty title="No JavaScript errors in this period" icon="search">
          <p>
            Errors are recorded when the tracker's script tag carries <code>data-errors</code>; each is grouped with others of the same
            message (numbers and ids aside) and source.
          </p>
        </Empty>
      </div>
    );
  }
  return (
    <div class="errors">
      {head}
      <div class="grid">
        {groups.map((g) => (
          <Panel title={g.message || '(no message)'} id={`error-${g.fingerprint}`} wide note={g.source ? `Source: ${g.source}` : 'Source unknown'}>
            <div class="error-group" data-fingerprint={g.fingerprint}>
              <dl class="stats">
                <div class="stat"><dt>Occurrences</dt><dd data-stat="occurrences">{count(g.occurrences)}</dd></div>
                <div class="stat"><dt>Sessions</dt><dd data-stat="sessions">{count(g.sessions)}</dd></div>
                <div class="stat"><dt>First seen</dt><dd title={dateTime(g.first_seen)}>{ago(g.first_seen)}</dd></div>
                <div class="stat"><dt>Last seen</dt><dd title={dateTime(g.last_seen)}>{ago(g.last_seen)}</dd></div>
              </dl>
              <p class="muted">
                Browsers: {g.browsers.map((b) => `${b.browser} (${count(b.sessions)})`).join(', ')}
                {g.pages.length ? ` · Pages: ${g.pages.join(', ')}` : ''}
              </p>
              {g.sample && g.sample !== g.message ? <p class="mono sample">Latest: {g.sample}</p> : null}
              <table class="plain moments" data-list="error-moments">
                <caption>Replays of the latest sessions</caption>
                <thead>
                  <tr><th scope="col">When</th><th scope="col">Page</th><th scope="col">Browser</th><th scope="col">Times</th><th scope="col">Replay</th></tr>
                </thead>
                <tbody>
                  {g.moments.map((m) => (
                    <tr>
                      <td>{dateTime(m.at)}</td>
                      <td class="mono">{m.path ?? ''}</td>
                      <td>{m.browser ?? ''}</td>
                      <td class="num">{count(m.occurrences)}</td>
                      <td>
                        <a class="replay-link" href={linkTo(ctx, `/app/sessions/${encodeURIComponent(m.session_id)}`, { t: String(m.t) })}>
                          Watch at {Math.floor(m.t / 60)}:{String(Math.floor(m.t % 60)).padStart(2, '0')}
                        </a>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Panel>
        ))}
      </div>
    </div>
  );
}

// Sessions: every visit of the period with its aggregates, newest (or
// longest, busiest…) first, a page at a time through the API's cursor.
import type { ComponentChildren } from 'preact';
import { call, type SessionSummary } from '../api';
import { analyticsQuery, here, type Ctx } from '../context';
import { capitalise, count, dateTime, duration, percent, shortDateTime } from '../format';
import { navigate } from '../router';
import { FILTERS } from '../state';
import { Country, Empty, Snippet } from '../components/ui';
import { Heading } from './breakdowns';
import { LoadMore, usePages, type PageOf } from '../components/paging';

const SORTS = [
  { key: 'started_at', label: 'Started' },
  { key: 'last_seen_at', label: 'Last active' },
  { key: 'duration_ms', label: 'Duration' },
  { key: 'event_count', label: 'Events' },
  { key: 'page_views', label: 'Pages' },
] as const;
type Sort = (typeof SORTS)[number]['key'];

interface Page {
  sessions: SessionSummary[];
  next_cursor: string | null;
}

function replayHref(s: { id: string; site_id: string }): string {
  return `/app/sessions/${encodeURIComponent(s.id)}?site=${encodeURIComponent(s.site_id)}`;
}

function sourceOf(s: SessionSummary): string {
  return s.utm_source ?? s.referrer_domain ?? '(direct)';
}

function SessionRowView(props: { s: SessionSummary }) {
  const s = props.s;
  const href = replayHref(s);
  const replay = Number(s.rrweb_events ?? 0) > 0;
  return (
    <tr
      data-session-id={s.id}
      class="clickable"
      onClick={(e) => {
        if ((e.target instanceof Element && e.target.closest('a, button')) || getSelection()?.toString()) return;
        navigate(href);
      }}
    >
      <td data-col="started">
        <a href={href} aria-label={`Replay the session started ${dateTime(s.started_at)}`}>{shortDateTime(s.started_at)}</a>
        {replay ? <span class="badge replay" title="Has a DOM recording">DOM</span> : null}
        {s.ended_at ? null : <span class="badge live" title="No end yet: still active, or it will be ended after 30 idle minutes">open</span>}
      </td>
      <td data-col="entry" class="path" title={s.entry_page ?? ''}>
        {s.entry_page ?? '–'}
        {s.exit_page && s.exit_page !== s.entry_page ? <span class="secondary">→ {s.exit_page}</span> : null}
      </td>
      <td data-col="source" class="source" title={sourceOf(s)}>{sourceOf(s)}</td>
      <td data-col="visitor">
        <span data-col="country" data-value={s.country ?? ''}><Country code={s.country} short /></span>{' '}
        <span data-col="device" data-value={s.device ?? ''}>{capitalise(s.device)}</span>
        <span class="secondary">{[s.browser, s.os].filter(Boolean).join(' · ')}</span>
      </td>
      <td data-col="page_views" class="num">{count(s.page_views)}</td>
      <td data-col="event_count" class="num">{count(s.event_count)}</td>
      <td data-col="clicks" class="num">{count(s.clicks)}</td>
      <td data-col="max_scroll_percent" class="num" data-value={Number(s.max_scroll_percent)}>{percent(Number(s.max_scroll_percent) / 100)}</td>
      <td data-col="duration_ms" class="num" data-value={s.duration_ms}>{duration(s.duration_ms)}</td>
    </tr>
  );
}

export async function sessionsView(ctx: Ctx) {
  const sortParam = ctx.url.searchParams.get('sort');
  const sort: Sort = SORTS.find((s) => s.key === sortParam)?.key ?? 'started_at';
  const limitParam = Number(ctx.url.searchParams.get('limit'));
  const limit = Number.isInteger(limitParam) && limitParam >= 1 && limitParam <= 200 ? limitParam : 50;
  const load = async (cursor: string | null): Promise<PageOf<SessionSummary>> => {
    const page = await call<Page>(`/api/sessions?${analyticsQuery(ctx, { sort, limit, ...(cursor ? { cursor } : {}) })}`, { signal: ctx.signal, cache: !cursor });
    return { rows: page.sessions, next: page.next_cursor };
  };
  const first = await load(null);
  const filtered = FILTERS.some((f) => ctx.q.filters[f]);

  if (!first.rows.length) {
    return (
      <div>
        <Heading title="Sessions" />
        {filtered ? (
          <Empty title="No sessions match these filters" icon="search">
            <p><a href={here(ctx, Object.fromEntries(FILTERS.map((f) => [f, null])))}>Clear the filters</a> or pick a longer period.</p>
          </Empty>
        ) : (
          <Empty title="No sessions in this period" icon="play">
            <p>Each visit to a page with the snippet becomes a session you can replay here.</p>
            <Snippet siteId={ctx.site!.id} />
          </Empty>
        )}
      </div>
    );
  }

  const sortable = (key: Sort, label: string, numeric = true) => (
    <th scope="col" class={numeric ? 'num' : undefined} aria-sort={sort === key ? 'descending' : undefined}>
      <a href={here(ctx, { sort: key === 'started_at' ? null : key })} title={`Sort by ${label.toLowerCase()}, highest first`}>
        {label}
        {sort === key ? <span aria-hidden="true"> ↓</span> : null}
      </a>
    </th>
  );
  const sortSelect = (
    <select aria-label="Sort sessions by" value={sort} onChange={(e) => navigate(here(ctx, { sort: e.currentTarget.value === 'started_at' ? null : e.currentTarget.value }))}>
      {SORTS.map((s) => <option value={s.key}>{`${s.label}, highest first`.replace('Started, highest first', 'Newest first').replace('Last active, highest first', 'Last active first')}</option>)}
    </select>
  );
  const head = (
    <tr>
      {sortable('started_at', 'Started (UTC)', false)}
      <th scope="col">Entry page</th>
      <th scope="col">Source</th>
      <th scope="col">Visitor</th>
      {sortable('page_views', 'Pages')}
      {sortable('event_count', 'Events')}
      <th scope="col" class="num">Clicks</th>
      <th scope="col" class="num">Scroll</th>
      {sortable('duration_ms', 'Duration')}
    </tr>
  );
  return (
    <div>
      <Heading title="Sessions" sub="Open one to replay it: its pages, clicks, scrolling and events on a timeline, and the page itself when it was recorded." />
      <div class="actions-row top">
        <label class="inline">Sort {sortSelect}</label>
      </div>
      <SessionList first={first} load={load} caption={`Sessions, sorted by ${SORTS.find((s) => s.key === sort)?.label.toLowerCase()}`} head={head} />
    </div>
  );
}

/** The table of sessions so far; below it, how many and the button for more. */
function SessionList(props: { first: PageOf<SessionSummary>; load: (cursor: string) => Promise<PageOf<SessionSummary>>; caption: string; head: ComponentChildren }) {
  const pages = usePages(props.first, props.load);
  const shown = pages.rows.length;
  return (
    <>
      <div class="panel flush">
        <div class="table-wrap">
          <table class="data sessions">
            <caption class="sr-only">{props.caption}</caption>
            <thead>{props.head}</thead>
            <tbody>{pages.rows.map((s) => <SessionRowView key={s.id} s={s} />)}</tbody>
          </table>
        </div>
      </div>
      <div class="actions-row">
        <p class="muted" role="status">{`Showing ${shown} session${shown === 1 ? '' : 's'}`}</p>
        <LoadMore pages={pages} />
      </div>
    </>
  );
}

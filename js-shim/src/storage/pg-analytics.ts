// Read-side queries over rollups and aggregates. None of them touches events.
// Whole UTC days read the daily rollups (rollup_daily, page_daily): a few
// rows per day and value, whatever the traffic. What a rollup cannot answer
// scans the range's session rows through (site_id, started_at): a range that
// does not start and end at midnight UTC, a breakdown under any filter, and
// totals under a filter on the entry page or the source, or on two
// dimensions at once (see rollupSlice).
import { DAY_MS } from '../lib/days';
import type { Sql } from './pg';
import { FILTER_COLUMNS, type Filters, type ListQuery, type RangeQuery } from './query';

/** Filters whose values have rollup rows carrying every measure. */
const ROLLUP_FILTERS = ['country', 'device', 'browser', 'os'] as const;

/** The UTC days [from, to) of a range that starts and ends at midnight, else null. */
export function wholeDays(q: RangeQuery): { from: string; to: string } | null {
  if (q.from.getTime() % DAY_MS !== 0 || q.to.getTime() % DAY_MS !== 0) return null;
  return { from: q.from.toISOString().slice(0, 10), to: q.to.toISOString().slice(0, 10) };
}

/**
 * The rollup rows that hold a range's totals: the site's total without a
 * filter, one value's rows under a single filter on country, device, browser
 * or OS; null when only the sessions can answer.
 */
export function rollupSlice(q: RangeQuery): { dim: string; value: string; from: string; to: string } | null {
  const days = wholeDays(q);
  // Rollups hold bots apart (dimensions 'bot:…'): a read that includes them scans.
  if (!days || q.includeBots) return null;
  const set = Object.entries(q.filters).filter(([, v]) => v !== undefined);
  if (!set.length) return { dim: 'total', value: '', ...days };
  if (set.length === 1 && (ROLLUP_FILTERS as readonly string[]).includes(set[0][0])) return { dim: set[0][0], value: set[0][1]!, ...days };
  return null;
}

/**
 * Whether a read must scan session rows: totals (overview, days) when no
 * rollup slice holds them, breakdowns whenever the range is filtered or not
 * in whole days.
 */
export function needsScan(q: RangeQuery, kind: 'totals' | 'breakdown'): boolean {
  const slice = rollupSlice(q);
  return kind === 'totals' ? !slice : slice?.dim !== 'total';
}

/** The unfiltered range in whole days, for breakdowns (null: scan the sessions). */
function unfilteredDays(q: RangeQuery) {
  const slice = rollupSlice(q);
  return slice?.dim === 'total' ? slice : null;
}

type Days = { from: string; to: string };
type ListSpec = { dim: string; visitors?: boolean };
export type Ranked = { value: string; sessions: number; visitors?: number };

/** A dimension's values over whole days, by sessions (then value), as a JSON array column. */
function rolledUpColumn(sql: Sql, siteId: string, days: Days, spec: ListSpec, limit: number, name: string) {
  return sql`(
    SELECT COALESCE(json_agg(x ORDER BY x.sessions DESC, x.value), '[]'::json) FROM (
      SELECT value, sum(sessions)::int AS sessions ${spec.visitors ? sql`, sum(visitors)::int AS visitors` : sql``}
      FROM rollup_daily WHERE site_id = ${siteId} AND dim = ${spec.dim} AND day >= ${days.from}::date AND day < ${days.to}::date
      GROUP BY value HAVING sum(sessions) > 0 ORDER BY 2 DESC, 1 LIMIT ${limit}) x) AS ${sql(name)}`;
}

/** Several dimensions' top values in one statement (one round trip, one connection). */
async function rolledUp<K extends string>(sql: Sql, siteId: string, days: Days, limit: number, specs: Record<K, ListSpec>): Promise<Record<K, Ranked[]>> {
  const columns = Object.entries<ListSpec>(specs).map(([name, spec]) => rolledUpColumn(sql, siteId, days, spec, limit, name));
  const [row] = await sql`SELECT ${columns.reduce((a, b) => sql`${a}, ${b}`)}`;
  return row as Record<K, Ranked[]>;
}

/** The range's session rows; bots only when the query includes them (the session list always does). */
export function where(sql: Sql, q: RangeQuery, bots = q.includeBots ?? false) {
  const parts = [sql`site_id = ${q.siteId} AND started_at >= ${q.from} AND started_at < ${q.to}`];
  if (!bots) parts.push(sql`AND NOT is_bot`);
  for (const [name, column] of Object.entries(FILTER_COLUMNS)) {
    const value = q.filters[name as keyof Filters];
    if (value !== undefined) parts.push(sql`AND ${sql(column)} = ${value}`);
  }
  if (q.filters.source !== undefined) {
    parts.push(q.filters.source === '(direct)'
      ? sql`AND referrer_domain IS NULL AND utm_source IS NULL`
      : sql`AND (referrer_domain = ${q.filters.source} OR utm_source = ${q.filters.source})`);
  }
  return parts.reduce((a, b) => sql`${a} ${b}`);
}

type Slice = NonNullable<ReturnType<typeof rollupSlice>>;

/** The overview's totals of a slice of rollup rows, as one row. */
function overviewFromRollups(sql: Sql, siteId: string, slice: Slice) {
  return sql`
    SELECT COALESCE(sum(sessions), 0)::int AS sessions, COALESCE(sum(visitors), 0)::int AS visitors,
           COALESCE(sum(page_views), 0)::int AS page_views, COALESCE(sum(events), 0)::int AS events,
           COALESCE(sum(clicks), 0)::int AS clicks,
           COALESCE(round(sum(duration_ms) / NULLIF(sum(sessions), 0)), 0)::int AS avg_duration_ms,
           COALESCE(sum(bounces)::float8 / NULLIF(sum(sessions), 0), 0)::float8 AS bounce_rate,
           COALESCE(sum(scroll_sum) / NULLIF(sum(sessions), 0), 0)::float8 AS avg_scroll_percent,
           (SELECT COALESCE(sum(b.sessions), 0)::int FROM rollup_daily b
            WHERE b.site_id = ${siteId} AND b.dim = ${`bot:${slice.dim}`} AND b.value = ${slice.value}
              AND b.day >= ${slice.from}::date AND b.day < ${slice.to}::date) AS bots_excluded
    FROM rollup_daily
    WHERE site_id = ${siteId} AND dim = ${slice.dim} AND value = ${slice.value}
      AND day >= ${slice.from}::date AND day < ${slice.to}::date`;
}

/**
 * Bot sessions the range's filters match that a read without include_bots
 * leaves out, as a column: through the partial index on bots' sessions
 * (sessions_site_bots), so its cost follows the bots, not the traffic.
 */
function botsExcludedColumn(sql: Sql, q: RangeQuery) {
  if (q.includeBots) return sql`0 AS bots_excluded`;
  return sql`(SELECT count(*)::int FROM sessions WHERE ${where(sql, q, true)} AND is_bot) AS bots_excluded`;
}

export async function overview(sql: Sql, q: RangeQuery) {
  const slice = rollupSlice(q);
  if (slice) {
    const [row] = await overviewFromRollups(sql, q.siteId, slice);
    return row;
  }
  const [row] = await sql`
    SELECT count(*)::int AS sessions,
           count(DISTINCT COALESCE(visitor_id, id))::int AS visitors,
           COALESCE(sum(page_views), 0)::int AS page_views,
           COALESCE(sum(event_count), 0)::int AS events,
           COALESCE(sum(clicks), 0)::int AS clicks,
           COALESCE(round(avg(duration_ms)), 0)::int AS avg_duration_ms,
           COALESCE(avg(CASE WHEN page_views <= 1 THEN 1.0 ELSE 0.0 END), 0)::float8 AS bounce_rate,
           COALESCE(avg(max_scroll_percent), 0)::float8 AS avg_scroll_percent,
           ${botsExcludedColumn(sql, q)}
    FROM sessions WHERE ${where(sql, q)}`;
  return row;
}

/** Each day of a range with its counts, days without sessions included (0). */
function dailyCounts(sql: Sql, q: RangeQuery) {
  const slice = rollupSlice(q);
  const counts = slice
    ? sql`
      SELECT day::timestamp AS day, sessions, visitors, page_views::int AS page_views, events::int AS events,
             round(duration_ms::numeric / NULLIF(sessions, 0))::int AS avg_duration_ms
      FROM rollup_daily
      WHERE site_id = ${q.siteId} AND dim = ${slice.dim} AND value = ${slice.value}
        AND day >= ${slice.from}::date AND day < ${slice.to}::date AND sessions > 0`
    : sql`
      SELECT date_trunc('day', started_at AT TIME ZONE 'UTC') AS day, count(*)::int AS sessions,
             count(DISTINCT COALESCE(visitor_id, id))::int AS visitors, sum(page_views)::int AS page_views,
             sum(event_count)::int AS events, round(avg(duration_ms))::int AS avg_duration_ms
      FROM sessions WHERE ${where(sql, q)} GROUP BY 1`;
  return sql`
    WITH days AS (
      SELECT generate_series(date_trunc('day', ${q.from}::timestamptz AT TIME ZONE 'UTC'),
                             date_trunc('day', (${q.to}::timestamptz - interval '1 millisecond') AT TIME ZONE 'UTC'),
                             interval '1 day') AS day
    ), counts AS (${counts})
    SELECT to_char(days.day, 'YYYY-MM-DD') AS day, COALESCE(c.sessions, 0) AS sessions, COALESCE(c.visitors, 0) AS visitors,
           COALESCE(c.page_views, 0) AS page_views, COALESCE(c.events, 0) AS events,
           COALESCE(c.avg_duration_ms, 0) AS avg_duration_ms
    FROM days LEFT JOIN counts c USING (day) ORDER BY days.day`;
}

export async function sessionsDaily(sql: Sql, q: RangeQuery) {
  return dailyCounts(sql, q);
}

/**
 * The overview page's first call: a period's totals and days, and the
 * comparison period's; one statement when rollups answer both.
 */
export async function totals(sql: Sql, q: RangeQuery, previous: RangeQuery | null) {
  const slice = rollupSlice(q);
  const prevSlice = previous && rollupSlice(previous);
  if (slice && (!previous || prevSlice)) {
    const part = (r: RangeQuery, sl: Slice, name: string) => sql`
      (SELECT row_to_json(o) FROM (${overviewFromRollups(sql, r.siteId, sl)}) o) AS ${sql(`${name}overview`)},
      (SELECT json_agg(d ORDER BY d.day) FROM (${dailyCounts(sql, r)}) d) AS ${sql(`${name}days`)}`;
    const [row] = await sql`SELECT ${part(q, slice, '')} ${previous ? sql`, ${part(previous, prevSlice!, 'prev_')}` : sql``}`;
    return {
      overview: row.overview,
      days: row.days,
      previous: previous ? { overview: row.prev_overview, days: row.prev_days } : null,
    };
  }
  const [o, d, po, pd] = await Promise.all([
    overview(sql, q),
    dailyCounts(sql, q),
    previous ? overview(sql, previous) : null,
    previous ? dailyCounts(sql, previous) : null,
  ]);
  return { overview: o, days: d, previous: previous ? { overview: po, days: pd } : null };
}

/** Page views per path from page_daily, which filters do not narrow. */
export function pageViews(sql: Sql, q: RangeQuery, limit: number) {
  return sql`
    SELECT path, sum(page_views)::int AS page_views FROM page_daily
    WHERE site_id = ${q.siteId} AND day >= (${q.from}::timestamptz AT TIME ZONE 'UTC')::date
      AND day <= ((${q.to}::timestamptz - interval '1 millisecond') AT TIME ZONE 'UTC')::date
    GROUP BY path ORDER BY page_views DESC, path LIMIT ${limit}`;
}

/**
 * What the overview page lists: page views per path, and sessions per
 * referrer, country and device; one statement over whole days unfiltered.
 */
export async function topLists(sql: Sql, q: RangeQuery, limit: number) {
  const days = unfilteredDays(q);
  if (days) {
    const [row] = await sql`
      SELECT ${pageViewsColumn(sql, q.siteId, days, limit)},
             ${rolledUpColumn(sql, q.siteId, days, { dim: 'referrer' }, limit, 'referrers')},
             ${rolledUpColumn(sql, q.siteId, days, { dim: 'country', visitors: true }, limit, 'countries')},
             ${rolledUpColumn(sql, q.siteId, days, { dim: 'device', visitors: true }, limit, 'devices')}`;
    return row as { pages: { path: string; page_views: number }[]; referrers: Ranked[]; countries: Ranked[]; devices: Ranked[] };
  }
  const [pages, refs, countries, devs] = await Promise.all([
    pageViews(sql, q, limit),
    referrers(sql, q, limit),
    breakdown(sql, q, 'country', limit),
    breakdown(sql, q, 'device', limit),
  ]);
  return { pages, referrers: refs, countries, devices: devs };
}

/** Page views per path over whole days, as a JSON array column `pages`. */
function pageViewsColumn(sql: Sql, siteId: string, days: Days, limit: number) {
  return sql`(
    SELECT COALESCE(json_agg(x ORDER BY x.page_views DESC, x.path), '[]'::json) FROM (
      SELECT path, sum(page_views)::int AS page_views FROM page_daily
      WHERE site_id = ${siteId} AND day >= ${days.from}::date AND day < ${days.to}::date
      GROUP BY path ORDER BY 2 DESC, 1 LIMIT ${limit}) x) AS pages`;
}

export async function topPages(sql: Sql, q: RangeQuery, limit: number) {
  const days = unfilteredDays(q);
  if (days) {
    const [row] = await sql`
      SELECT ${pageViewsColumn(sql, q.siteId, days, limit)},
             ${rolledUpColumn(sql, q.siteId, days, { dim: 'entry' }, limit, 'entry')},
             ${rolledUpColumn(sql, q.siteId, days, { dim: 'exit' }, limit, 'exit')}`;
    const paths = (rows: Ranked[]) => rows.map((r) => ({ path: r.value, sessions: r.sessions }));
    return { pages: row.pages, entry_pages: paths(row.entry), exit_pages: paths(row.exit) };
  }
  const pages = await pageViews(sql, q, limit);
  const entry = await sql`
    SELECT entry_page AS path, count(*)::int AS sessions FROM sessions
    WHERE ${where(sql, q)} AND entry_page IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${limit}`;
  const exit = await sql`
    SELECT exit_page AS path, count(*)::int AS sessions FROM sessions
    WHERE ${where(sql, q)} AND exit_page IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${limit}`;
  return { pages, entry_pages: entry, exit_pages: exit };
}

export async function breakdown(sql: Sql, q: RangeQuery, column: 'country' | 'device' | 'browser' | 'os', limit: number) {
  const days = unfilteredDays(q);
  if (days) return (await rolledUp(sql, q.siteId, days, limit, { list: { dim: column, visitors: true } })).list;
  return sql`
    SELECT COALESCE(${sql(column)}, '(unknown)') AS value, count(*)::int AS sessions,
           count(DISTINCT COALESCE(visitor_id, id))::int AS visitors
    FROM sessions WHERE ${where(sql, q)} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${limit}`;
}

export async function geo(sql: Sql, q: RangeQuery, limit: number) {
  return { countries: await breakdown(sql, q, 'country', limit) };
}

export async function devices(sql: Sql, q: RangeQuery, limit: number) {
  const days = unfilteredDays(q);
  if (days) {
    return rolledUp(sql, q.siteId, days, limit, {
      devices: { dim: 'device', visitors: true },
      browsers: { dim: 'browser', visitors: true },
      os: { dim: 'os', visitors: true },
    });
  }
  return {
    devices: await breakdown(sql, q, 'device', limit),
    browsers: await breakdown(sql, q, 'browser', limit),
    os: await breakdown(sql, q, 'os', limit),
  };
}

/** Sessions per referrer domain, '(direct)' without one. */
export async function referrers(sql: Sql, q: RangeQuery, limit: number) {
  const days = unfilteredDays(q);
  if (days) return (await rolledUp(sql, q.siteId, days, limit, { list: { dim: 'referrer' } })).list;
  return sql`
    SELECT COALESCE(referrer_domain, '(direct)') AS value, count(*)::int AS sessions FROM sessions
    WHERE ${where(sql, q)} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${limit}`;
}

export async function sources(sql: Sql, q: RangeQuery, limit: number) {
  const days = unfilteredDays(q);
  if (days) {
    return rolledUp(sql, q.siteId, days, limit, {
      referrers: { dim: 'referrer' },
      utm_sources: { dim: 'utm_source' },
      utm_mediums: { dim: 'utm_medium' },
      utm_campaigns: { dim: 'utm_campaign' },
    });
  }
  const refs = await referrers(sql, q, limit);
  const utm = async (column: string) => sql`
    SELECT ${sql(column)} AS value, count(*)::int AS sessions FROM sessions
    WHERE ${where(sql, q)} AND ${sql(column)} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${limit}`;
  return {
    referrers: refs,
    utm_sources: await utm('utm_source'),
    utm_mediums: await utm('utm_medium'),
    utm_campaigns: await utm('utm_campaign'),
  };
}

const DURATION_BUCKETS = ['0-10s', '10-30s', '30-60s', '1-3m', '3-10m', '10m+'];
const SCROLL_BUCKETS = ['0-25%', '25-50%', '50-75%', '75-100%'];
const inOrder = (names: string[], rows: { bucket: string; sessions: number }[]) =>
  names.map((bucket) => ({ bucket, sessions: rows.find((r) => r.bucket === bucket)?.sessions ?? 0 }));

export async function engagement(sql: Sql, q: RangeQuery) {
  const days = unfilteredDays(q);
  if (days) {
    const [row] = await sql`
      SELECT COALESCE(round(sum(duration_ms) / NULLIF(sum(sessions), 0)), 0)::int AS avg_duration_ms,
             COALESCE(sum(scroll_sum) / NULLIF(sum(sessions), 0), 0)::float8 AS avg_scroll_percent,
             COALESCE(sum(page_views)::float8 / NULLIF(sum(sessions), 0), 0)::float8 AS pages_per_session,
             (SELECT COALESCE(json_agg(json_build_array(b.dim, b.value, b.sessions)), '[]'::json) FROM (
                SELECT dim, value, sum(sessions)::int AS sessions FROM rollup_daily
                WHERE site_id = ${q.siteId} AND dim IN ('duration', 'scroll') AND day >= ${days.from}::date AND day < ${days.to}::date
                GROUP BY dim, value) b) AS buckets
      FROM rollup_daily WHERE site_id = ${q.siteId} AND dim = 'total' AND value = ''
        AND day >= ${days.from}::date AND day < ${days.to}::date`;
    const { buckets, ...avg } = row as { buckets: [string, string, number][] };
    const of = (dim: string) => buckets.filter((b) => b[0] === dim).map(([, bucket, sessions]) => ({ bucket, sessions }));
    return { ...avg, duration: inOrder(DURATION_BUCKETS, of('duration')), scroll: inOrder(SCROLL_BUCKETS, of('scroll')) };
  }
  const duration = await sql`
    SELECT bucket, count(*)::int AS sessions FROM (
      SELECT CASE WHEN duration_ms < 10000 THEN '0-10s' WHEN duration_ms < 30000 THEN '10-30s'
                  WHEN duration_ms < 60000 THEN '30-60s' WHEN duration_ms < 180000 THEN '1-3m'
                  WHEN duration_ms < 600000 THEN '3-10m' ELSE '10m+' END AS bucket
      FROM sessions WHERE ${where(sql, q)}) b
    GROUP BY bucket`;
  const scroll = await sql`
    SELECT bucket, count(*)::int AS sessions FROM (
      SELECT CASE WHEN max_scroll_percent < 25 THEN '0-25%' WHEN max_scroll_percent < 50 THEN '25-50%'
                  WHEN max_scroll_percent < 75 THEN '50-75%' ELSE '75-100%' END AS bucket
      FROM sessions WHERE ${where(sql, q)}) b
    GROUP BY bucket`;
  const [avg] = await sql`
    SELECT COALESCE(round(avg(duration_ms)), 0)::int AS avg_duration_ms,
           COALESCE(avg(max_scroll_percent), 0)::float8 AS avg_scroll_percent,
           COALESCE(avg(page_views), 0)::float8 AS pages_per_session
    FROM sessions WHERE ${where(sql, q)}`;
  return {
    ...avg,
    duration: inOrder(DURATION_BUCKETS, duration as never),
    scroll: inOrder(SCROLL_BUCKETS, scroll as never),
  };
}

export async function realtime(sql: Sql, siteId: string, since: Date) {
  const [counts] = await sql`
    SELECT count(*)::int AS active_sessions, count(DISTINCT COALESCE(visitor_id, id))::int AS active_visitors
    FROM sessions WHERE site_id = ${siteId} AND last_seen_at >= ${since} AND ended_at IS NULL`;
  const pages = await sql`
    SELECT COALESCE(exit_page, entry_page, '/') AS path, count(*)::int AS sessions FROM sessions
    WHERE site_id = ${siteId} AND last_seen_at >= ${since} AND ended_at IS NULL
    GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10`;
  return { ...counts, pages };
}

export async function storage(sql: Sql, q: RangeQuery) {
  const whole = unfilteredDays(q);
  if (whole) {
    const rows = await sql`
      SELECT to_char(day, 'YYYY-MM-DD') AS day, sessions, chunks, bytes, events FROM rollup_daily
      WHERE site_id = ${q.siteId} AND dim = 'total' AND value = '' AND day >= ${whole.from}::date AND day < ${whole.to}::date
        AND sessions > 0
      ORDER BY day`;
    const sum = (k: string) => rows.reduce((n, r) => n + Number(r[k]), 0);
    return {
      sessions: sum('sessions'),
      chunks: sum('chunks'),
      bytes: sum('bytes'),
      events: sum('events'),
      days: rows.map((r) => ({ day: r.day, sessions: r.sessions, bytes: Number(r.bytes), events: Number(r.events) })),
    };
  }
  const [totals] = await sql`
    SELECT count(*)::int AS sessions, COALESCE(sum(chunks), 0)::int AS chunks,
           COALESCE(sum(bytes_stored), 0)::bigint AS bytes, COALESCE(sum(event_count), 0)::int AS events
    FROM sessions WHERE ${where(sql, q)}`;
  const days = await sql`
    SELECT to_char(date_trunc('day', started_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day, count(*)::int AS sessions,
           COALESCE(sum(bytes_stored), 0)::bigint AS bytes, COALESCE(sum(event_count), 0)::int AS events
    FROM sessions WHERE ${where(sql, q)} GROUP BY 1 ORDER BY 1`;
  return {
    ...totals,
    bytes: Number(totals.bytes),
    days: days.map((d) => ({ ...d, bytes: Number(d.bytes) })),
  };
}

export async function listSessions(sql: Sql, q: ListQuery) {
  const column = sql(q.sort);
  const after = q.after
    ? q.sort === 'started_at' || q.sort === 'last_seen_at'
      ? sql`AND (${column}, id) < (${new Date(q.after.value)}::timestamptz, ${q.after.id})`
      : sql`AND (${column}, id) < (${Number(q.after.value)}::bigint, ${q.after.id})`
    : sql``;
  const rows = await sql`
    SELECT id, site_id, started_at, last_seen_at, ended_at, entry_page, exit_page, referrer_domain, utm_source,
           country, device, browser, os, event_count, page_views, clicks, custom_events, errors, rrweb_events,
           max_scroll_percent, duration_ms
    FROM sessions WHERE ${where(sql, q, true)} ${after}
    ORDER BY ${column} DESC, id DESC LIMIT ${q.limit}`;
  return rows.map((r) => ({ ...r, duration_ms: Number(r.duration_ms) }));
}

// Read-side queries of the page insights: the click heatmap, scroll depth,
// rage and dead clicks and error groups. They read only the rollups the
// batch statement maintains (click_cells_daily, click_pages_daily, scroll_depth_daily,
// click_issues_daily, error_sessions, page_snapshots), never events.
import type { WidthBucket } from '../core';
import type { Sql } from './pg';
import type { RangeQuery } from './query';

/** The UTC days a range covers, as the rollups count them. */
const days = (sql: Sql, q: RangeQuery) => sql`
  day >= (${q.from}::timestamptz AT TIME ZONE 'UTC')::date
  AND day <= ((${q.to}::timestamptz - interval '1 millisecond') AT TIME ZONE 'UTC')::date`;

/** Seconds into a session's replay (its ?t=), from an epoch-ms moment. */
const momentOf = (sql: Sql, tsMs: ReturnType<Sql>) => sql`
  GREATEST(0, floor((${tsMs} - EXTRACT(EPOCH FROM COALESCE(s.first_event_at, s.started_at)) * 1000) / 100) / 10)::float8`;

export interface HeatmapQuery extends RangeQuery {
  path: string;
  width: WidthBucket;
}

/**
 * The heatmap's numbers in one statement (one round trip): cells of the
 * width over the range, clicks per width (from the per-page totals), and
 * where the latest snapshot of the page at that width is.
 */
export async function heatmap(sql: Sql, q: HeatmapQuery) {
  const [row] = await sql<{ cells: [number, number, number][]; widths: Record<string, number> | null; snapshot: SnapshotRef | null }[]>`
    SELECT
      (SELECT COALESCE(jsonb_agg(jsonb_build_array(c.x, c.y, c.clicks) ORDER BY c.y, c.x), '[]')
       FROM (SELECT x, y, sum(clicks)::int AS clicks FROM click_cells_daily
             WHERE site_id = ${q.siteId} AND path = ${q.path} AND width = ${q.width} AND ${days(sql, q)}
             GROUP BY y, x HAVING sum(clicks) > 0) c) AS cells,
      (SELECT jsonb_object_agg(w.width, w.clicks)
       FROM (SELECT width, sum(clicks)::int AS clicks FROM click_pages_daily
             WHERE site_id = ${q.siteId} AND path = ${q.path} AND ${days(sql, q)} GROUP BY width) w) AS widths,
      (SELECT to_jsonb(p) FROM (${snapshotSelect(sql, q.siteId, q.path, q.width)}) p) AS snapshot`;
  return {
    cells: row.cells.map(([x, y, clicks]) => ({ x, y, clicks })),
    widths: row.widths ?? {},
    snapshot: row.snapshot,
  };
}

export interface SnapshotRef {
  session_id: string;
  site_id: string;
  started_at: Date;
  compacted: boolean;
  seq: number;
  i: number;
  ts: number;
  viewport_width: number;
  viewport_height: number;
}

const snapshotSelect = (sql: Sql, siteId: string, path: string, width: WidthBucket) => sql`
    SELECT p.session_id, p.site_id, s.started_at, (s.compacted_at IS NOT NULL) AS compacted, p.seq, p.i, p.ts::float8 AS ts,
           p.viewport_width, p.viewport_height
    FROM page_snapshots p JOIN sessions s ON s.id = p.session_id
    WHERE p.site_id = ${siteId} AND p.path = ${path} AND p.width = ${width}`;

/** Where the latest full snapshot of a page at a width is stored (the session's chunk, or the segment covering it). */
export async function snapshotRef(sql: Sql, siteId: string, path: string, width: WidthBucket): Promise<SnapshotRef | null> {
  const [row] = await sql<SnapshotRef[]>`${snapshotSelect(sql, siteId, path, width)}`;
  return row ?? null;
}

/** Pages with clicks in the range, busiest first: what a heatmap can be drawn for. */
export async function clickedPages(sql: Sql, q: RangeQuery, limit: number) {
  return sql<{ path: string; clicks: number }[]>`
    SELECT path, sum(clicks)::int AS clicks FROM click_pages_daily
    WHERE site_id = ${q.siteId} AND ${days(sql, q)}
    GROUP BY path HAVING sum(clicks) > 0 ORDER BY clicks DESC, path LIMIT ${limit}`;
}

export async function scrollDepth(sql: Sql, q: RangeQuery & { path: string }) {
  const [views] = await sql<{ page_views: number }[]>`
    SELECT COALESCE(sum(page_views), 0)::int AS page_views FROM page_daily
    WHERE site_id = ${q.siteId} AND path = ${q.path} AND ${days(sql, q)}`;
  const depths = await sql<{ depth: number; page_views: number }[]>`
    SELECT g.depth * 10 AS depth, COALESCE(sum(d.page_views), 0)::int AS page_views
    FROM generate_series(0, 10) AS g(depth)
    LEFT JOIN scroll_depth_daily d ON d.depth = g.depth AND d.site_id = ${q.siteId} AND d.path = ${q.path} AND ${days(sql, q)}
    GROUP BY g.depth ORDER BY g.depth`;
  // The tracker sends a depth only once a visitor scrolls; every page view has
  // seen the top of its page, scrolled or not.
  depths[0].page_views = Math.max(depths[0].page_views, views.page_views);
  return { page_views: views.page_views, depths };
}

export async function clickIssues(sql: Sql, q: RangeQuery & { path?: string; kind?: 'rage' | 'dead' }, limit: number) {
  return sql`
    WITH grouped AS (
      SELECT kind, path, selector, sum(clicks)::int AS clicks, max(last_ts) AS last_ts
      FROM click_issues_daily
      WHERE site_id = ${q.siteId} AND ${days(sql, q)} AND clicks > 0
        ${q.path ? sql`AND path = ${q.path}` : sql``} ${q.kind ? sql`AND kind = ${q.kind}` : sql``}
      GROUP BY kind, path, selector
      ORDER BY clicks DESC, kind, path, selector LIMIT ${limit}
    )
    SELECT g.kind, g.path, g.selector, g.clicks,
           d.last_session_id AS session_id, d.last_x AS x, d.last_y AS y, d.last_width AS width,
           to_timestamp(g.last_ts / 1000.0) AS last_seen,
           CASE WHEN s.id IS NULL THEN NULL ELSE ${momentOf(sql, sql`g.last_ts`)} END AS t
    FROM grouped g
    JOIN LATERAL (
      SELECT last_session_id, last_x, last_y, last_width FROM click_issues_daily d
      WHERE d.site_id = ${q.siteId} AND d.kind = g.kind AND d.path = g.path AND d.selector = g.selector AND d.last_ts = g.last_ts
      LIMIT 1
    ) d ON true
    LEFT JOIN sessions s ON s.id = d.last_session_id
    ORDER BY g.clicks DESC, g.kind, g.path, g.selector`;
}

/**
 * Error groups seen in the range: occurrences, sessions affected, first and
 * last seen, browsers and pages, and the replay moment of the latest
 * sessions (at most `moments` per group).
 */
export async function errorGroups(sql: Sql, q: RangeQuery, limit: number, moments: number) {
  return sql`
    WITH hits AS (
      SELECT e.*, s.browser, s.first_event_at, s.started_at
      FROM error_sessions e JOIN sessions s ON s.id = e.session_id
      WHERE e.site_id = ${q.siteId} AND e.last_at >= ${q.from} AND e.first_at < ${q.to}
    ), groups AS (
      SELECT fingerprint, min(message) AS message, min(source) AS source, (array_agg(sample ORDER BY last_at DESC))[1] AS sample,
             sum(occurrences)::int AS occurrences, count(*)::int AS sessions, min(first_at) AS first_seen, max(last_at) AS last_seen
      FROM hits GROUP BY fingerprint
      ORDER BY sessions DESC, occurrences DESC, last_seen DESC LIMIT ${limit}
    )
    SELECT g.*,
      (SELECT COALESCE(jsonb_agg(jsonb_build_object('browser', b.browser, 'sessions', b.n) ORDER BY b.n DESC, b.browser), '[]')
       FROM (SELECT COALESCE(browser, '(unknown)') AS browser, count(*)::int AS n FROM hits h WHERE h.fingerprint = g.fingerprint GROUP BY 1) b) AS browsers,
      (SELECT COALESCE(jsonb_agg(p.path ORDER BY p.n DESC, p.path), '[]')
       FROM (SELECT path, count(*) AS n FROM hits h WHERE h.fingerprint = g.fingerprint AND path IS NOT NULL GROUP BY 1 LIMIT 5) p) AS pages,
      (SELECT COALESCE(jsonb_agg(jsonb_build_object('session_id', m.session_id, 'at', m.first_at, 'browser', m.browser, 'occurrences', m.occurrences,
                'path', m.path, 't', m.t) ORDER BY m.first_at DESC), '[]')
       FROM (SELECT h.session_id, h.first_at, h.browser, h.occurrences, h.path,
                    GREATEST(0, floor((EXTRACT(EPOCH FROM h.first_at) - EXTRACT(EPOCH FROM COALESCE(h.first_event_at, h.started_at))) * 10) / 10)::float8 AS t
             FROM hits h WHERE h.fingerprint = g.fingerprint ORDER BY h.first_at DESC LIMIT ${moments}) m) AS moments
    FROM groups g
    ORDER BY g.sessions DESC, g.occurrences DESC, g.last_seen DESC`;
}

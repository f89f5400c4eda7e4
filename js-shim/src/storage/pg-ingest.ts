// The ingest path's writes: session/start's one statement and each batch's
// one statement (ARCHITECTURE.md §5 rules 1 and 2).
import { MAX_SESSION_STEPS, type Delta, type Insights, type Steps } from '../core';
import { encodePath, PROP_VALUES_PER_KEY } from '../lib/paths';
import { storable, type Sql } from './pg';
import { rollupColumns, rollupUpsert, sessionRollupArgs, utcDay } from './pg-rollups';
import { normaliseSession, sessionColumns, type SessionRow } from './pg-sessions';

export interface NewSession {
  id: string;
  siteId: string;
  startedAtMs: number;
  visitorId: string | null;
  entryPage: string;
  referrer: string | null;
  referrerDomain: string | null;
  utm: { source: string | null; medium: string | null; campaign: string | null; term: string | null; content: string | null };
  country: string | null;
  device: string;
  browser: string | null;
  os: string | null;
  screen: string | null;
  language: string | null;
  timezone: string | null;
  /** A bot or automation (isbot, navigator.webdriver): recorded, left out of analytics. */
  isBot?: boolean;
  /** session/start told the tracker to record a DOM replay. */
  replaySampled?: boolean;
}

function storableSession(s: NewSession): NewSession {
  const t = <T extends string | null>(v: T) => storable(v);
  return {
    ...s,
    entryPage: t(s.entryPage),
    referrer: t(s.referrer),
    referrerDomain: t(s.referrerDomain),
    utm: { source: t(s.utm.source), medium: t(s.utm.medium), campaign: t(s.utm.campaign), term: t(s.utm.term), content: t(s.utm.content) },
    browser: t(s.browser),
    os: t(s.os),
    screen: t(s.screen),
    language: t(s.language),
    timezone: t(s.timezone),
  };
}

/**
 * session/start's one write: the session row, its visitor's count for the
 * day, and the session's rollup rows (it counts a visitor when it is the
 * first session of its daily visitor id).
 */
export async function insertSession(sql: Sql, raw: NewSession): Promise<SessionRow> {
  const s = storableSession(raw);
  const started = s.startedAtMs / 1000;
  const rows = await sql`
    WITH s AS (
      INSERT INTO sessions (id, site_id, started_at, last_seen_at, visitor_id, entry_page, referrer, referrer_domain,
        utm_source, utm_medium, utm_campaign, utm_term, utm_content, country, device, browser, os, screen, language, timezone,
        is_bot, replay_sampled)
      VALUES (${s.id}, ${s.siteId}, to_timestamp(${started}::float8), to_timestamp(${started}::float8), ${s.visitorId},
        ${s.entryPage}, ${s.referrer}, ${s.referrerDomain}, ${s.utm.source}, ${s.utm.medium}, ${s.utm.campaign},
        ${s.utm.term}, ${s.utm.content}, ${s.country}, ${s.device}, ${s.browser}, ${s.os}, ${s.screen}, ${s.language},
        ${s.timezone}, ${s.isBot ?? false}, ${s.replaySampled ?? null})
      RETURNING *
    ), visitor AS (
      INSERT INTO visitor_daily AS v (site_id, day, visitor_id, sessions)
      SELECT site_id, ${utcDay(sql, 's.started_at')}, visitor_id, 1 FROM s WHERE visitor_id IS NOT NULL
      ON CONFLICT (site_id, day, visitor_id) DO UPDATE SET sessions = v.sessions + 1
      RETURNING sessions = 1 AS first
    ), contrib AS (
      SELECT s.site_id, ${utcDay(sql, 's.started_at')} AS day, ${rollupColumns(sql, 's')}
      FROM s LEFT JOIN visitor ON true,
        rollup_rows(1, CASE WHEN s.visitor_id IS NULL OR visitor.first THEN 1 ELSE 0 END, ${sessionRollupArgs(sql, 's')}) r
    ), rolled AS (${rollupUpsert(sql)})
    SELECT ${sessionColumns(sql)} FROM s`;
  return normaliseSession(rows[0]);
}

export interface BatchApply {
  siteId: string;
  sessionId: string;
  startedAtMs: number;
  seq: number;
  delta: Delta;
  /** Bytes written to R2 for this batch (0 when it held no valid event). */
  bytes: number;
  endedAtMs?: number;
  /** Page insights of the batch's events (heatmap, scroll depth, click issues, errors, snapshot). */
  insights?: Insights;
  /** The batch's path steps and custom-event properties. */
  steps?: Steps;
}

const NO_STEPS: Steps = { steps: [], dropped: 0, props: [] };

const NO_INSIGHTS: Insights = { cells: [], scroll: [], issues: [], errors: [], page_view: false, scroll_tail: -1, scroll_lead: -1 };

const keyText = (k?: [number, number, number]) => (k ? `{${k.join(',')}}` : null);
const tsOrNull = (ms?: number) => (ms === undefined ? null : ms / 1000);

/** Thrown when a batch or reconcile targets a session a clear erased (ARCHITECTURE.md §5 rule 9). */
export class SessionErasedError extends Error {
  constructor(readonly sessionId: string) {
    super(`session ${sessionId} was erased`);
  }
}

/**
 * A batch's one write: adds the delta to the session row, the difference it
 * makes to the session's rollup rows, the page views to the daily page rollup
 * and the page insights to their rollups (click cells, scroll depth, rage and
 * dead clicks, error groups, the latest page snapshot), in a single statement.
 * Insights on the page already open when the batch began (path "") take the
 * session's exit page as it was before this batch: every CTE reads the
 * snapshot the statement started from. The seq guard (`applied`, the counted
 * seqs as ranges) makes a retried batch change nothing; a batch that stored
 * no chunk (an empty session/end) sets ended_at without taking its seq, so a
 * later batch under that seq is still counted. An upsert, so a batch whose
 * session row went missing (Postgres down at start, a restore) still lands,
 * unless a tombstone says the session was erased (then SessionErasedError).
 * Returns the updated row, or null when the seq was already applied.
 */
export async function applyBatch(sql: Sql, b: BatchApply): Promise<SessionRow | null> {
  const d = b.delta;
  const ins = b.insights ?? NO_INSIGHTS;
  const started = b.startedAtMs / 1000;
  // The open page's scroll depth after this batch: a new page view's, or the old one's deepened.
  const pageScroll = ins.page_view ? ins.scroll_tail : ins.scroll_lead;
  const st = b.steps ?? NO_STEPS;
  const batchPath = storable(encodePath(st.steps, b.startedAtMs));
  const rows = await sql`
    WITH gone AS (
      SELECT 1 FROM erased_sessions WHERE id = ${b.sessionId}::text
    ), prev AS (
      SELECT exit_page, page_scroll FROM sessions WHERE id = ${b.sessionId} AND site_id = ${b.siteId}
    ), s AS (
      INSERT INTO sessions AS t (id, site_id, started_at, last_seen_at, event_count, page_views, clicks, custom_events,
        errors, rrweb_events, max_scroll_percent, first_event_at, last_event_at, duration_ms, entry_page, exit_page,
        entry_key, exit_key, chunks, bytes_stored, applied, ended_at, page_scroll, path, path_dropped)
      SELECT ${b.sessionId}::text, ${b.siteId}::text, to_timestamp(${started}::float8),
        GREATEST(to_timestamp(${started}::float8), to_timestamp(${tsOrNull(d.last_ts)}::float8)),
        ${d.event_count}::int, ${d.page_views}::int, ${d.clicks}::int, ${d.custom_events}::int, ${d.errors}::int,
        ${d.rrweb_events}::int, ${d.max_scroll_percent}::real, to_timestamp(${tsOrNull(d.first_ts)}::float8),
        to_timestamp(${tsOrNull(d.last_ts)}::float8), ${d.duration_ms ?? 0}::bigint, ${d.entry_page ?? null}::text,
        ${d.exit_page ?? null}::text, ${keyText(d.entry)}::bigint[], ${keyText(d.exit)}::bigint[],
        ${b.bytes > 0 ? 1 : 0}::int, ${b.bytes}::bigint,
        ${b.bytes > 0 ? sql`int4multirange(int4range(${b.seq}::int, ${b.seq}::int, '[]'))` : sql`'{}'::int4multirange`},
        to_timestamp(${tsOrNull(b.endedAtMs)}::float8), ${pageScroll}::smallint, ${batchPath}::text, ${st.dropped}::int
      WHERE NOT EXISTS (SELECT 1 FROM gone)
      ON CONFLICT (id) DO UPDATE SET
        event_count = t.event_count + EXCLUDED.event_count,
        page_views = t.page_views + EXCLUDED.page_views,
        clicks = t.clicks + EXCLUDED.clicks,
        custom_events = t.custom_events + EXCLUDED.custom_events,
        errors = t.errors + EXCLUDED.errors,
        rrweb_events = t.rrweb_events + EXCLUDED.rrweb_events,
        max_scroll_percent = GREATEST(t.max_scroll_percent, EXCLUDED.max_scroll_percent),
        first_event_at = LEAST(t.first_event_at, EXCLUDED.first_event_at),
        last_event_at = GREATEST(t.last_event_at, EXCLUDED.last_event_at),
        last_seen_at = GREATEST(t.last_seen_at, EXCLUDED.last_event_at, EXCLUDED.ended_at),
        duration_ms = COALESCE((EXTRACT(EPOCH FROM GREATEST(t.last_event_at, EXCLUDED.last_event_at)
                                - LEAST(t.first_event_at, EXCLUDED.first_event_at)) * 1000)::bigint, 0),
        entry_page = CASE WHEN EXCLUDED.entry_key IS NOT NULL AND (t.entry_key IS NULL OR EXCLUDED.entry_key < t.entry_key)
                          THEN EXCLUDED.entry_page ELSE t.entry_page END,
        entry_key = CASE WHEN EXCLUDED.entry_key IS NOT NULL AND (t.entry_key IS NULL OR EXCLUDED.entry_key < t.entry_key)
                         THEN EXCLUDED.entry_key ELSE t.entry_key END,
        exit_page = CASE WHEN EXCLUDED.exit_key IS NOT NULL AND (t.exit_key IS NULL OR EXCLUDED.exit_key > t.exit_key)
                         THEN EXCLUDED.exit_page ELSE t.exit_page END,
        exit_key = CASE WHEN EXCLUDED.exit_key IS NOT NULL AND (t.exit_key IS NULL OR EXCLUDED.exit_key > t.exit_key)
                        THEN EXCLUDED.exit_key ELSE t.exit_key END,
        chunks = t.chunks + EXCLUDED.chunks,
        bytes_stored = t.bytes_stored + EXCLUDED.bytes_stored,
        applied = t.applied + EXCLUDED.applied,
        ended_at = COALESCE(EXCLUDED.ended_at, t.ended_at),
        page_scroll = CASE WHEN ${ins.page_view}::boolean THEN EXCLUDED.page_scroll
                           ELSE GREATEST(t.page_scroll, EXCLUDED.page_scroll) END,
        path = CASE WHEN EXCLUDED.path = '' THEN t.path
                    ELSE (SELECT m.path FROM session_path_merge(t.path, EXCLUDED.path, ${MAX_SESSION_STEPS}::int) m) END,
        path_dropped = t.path_dropped + EXCLUDED.path_dropped + CASE WHEN EXCLUDED.path = '' THEN 0
                    ELSE (SELECT m.overflow FROM session_path_merge(t.path, EXCLUDED.path, ${MAX_SESSION_STEPS}::int) m) END,
        prev_entry_page = t.entry_page,
        prev_exit_page = t.exit_page,
        prev_duration_ms = t.duration_ms,
        prev_max_scroll_percent = t.max_scroll_percent,
        updated_at = now()
      WHERE t.site_id = EXCLUDED.site_id AND (isempty(EXCLUDED.applied) OR NOT t.applied @> EXCLUDED.applied)
      RETURNING t.*
    ), contrib AS (
      -- The row as it is now, less the row as it was (prev_duration_ms is NULL
      -- only on a row this statement inserted: it counts as a new session and
      -- visitor, having no visitor id).
      SELECT s.site_id, ${utcDay(sql, 's.started_at')} AS day, ${rollupColumns(sql, 's')}
      FROM s, rollup_rows(1, CASE WHEN s.prev_duration_ms IS NULL THEN 1 ELSE 0 END, ${sessionRollupArgs(sql, 's')}) r
      UNION ALL
      SELECT s.site_id, ${utcDay(sql, 's.started_at')}, ${rollupColumns(sql, 's')}
      FROM s, rollup_rows(-1, 0, s.country, s.device, s.browser, s.os, s.prev_entry_page, s.prev_exit_page,
        s.referrer_domain, s.utm_source, s.utm_medium, s.utm_campaign, s.page_views - ${d.page_views}::int,
        s.event_count - ${d.event_count}::int, s.clicks - ${d.clicks}::int, s.prev_duration_ms, s.prev_max_scroll_percent,
        s.chunks - ${b.bytes > 0 ? 1 : 0}::int, s.bytes_stored - ${b.bytes}::bigint) r
      WHERE s.prev_duration_ms IS NOT NULL
    ), rolled AS (${rollupUpsert(sql)}
    ), pages AS (
      INSERT INTO page_daily (site_id, day, path, page_views)
      SELECT ${b.siteId}, p.day::date, p.path, p.views
      FROM jsonb_to_recordset(${sql.json(d.pages as never)}::jsonb) AS p(day text, path text, views int)
      WHERE EXISTS (SELECT 1 FROM s WHERE NOT s.is_bot)
      ON CONFLICT (site_id, day, path) DO UPDATE SET page_views = page_daily.page_views + EXCLUDED.page_views
    ), clicked AS (
      SELECT COALESCE(NULLIF(c.path, ''), (SELECT exit_page FROM prev)) AS path, c.width, c.day::date AS day, c.y, c.x, c.clicks
      FROM jsonb_to_recordset(${sql.json(ins.cells as never)}::jsonb) AS c(day text, path text, width text, x int, y int, clicks int)
      WHERE EXISTS (SELECT 1 FROM s WHERE NOT s.is_bot)
    ), cells AS (
      INSERT INTO click_cells_daily (site_id, path, width, day, y, x, clicks)
      SELECT ${b.siteId}, path, width, day, y, x, sum(clicks) FROM clicked WHERE path IS NOT NULL
      GROUP BY path, width, day, y, x
      ON CONFLICT (site_id, path, width, day, y, x) DO UPDATE SET clicks = click_cells_daily.clicks + EXCLUDED.clicks
    ), click_pages AS (
      INSERT INTO click_pages_daily (site_id, day, path, width, clicks)
      SELECT ${b.siteId}, day, path, width, sum(clicks) FROM clicked WHERE path IS NOT NULL
      GROUP BY day, path, width
      ON CONFLICT (site_id, day, path, width) DO UPDATE SET clicks = click_pages_daily.clicks + EXCLUDED.clicks
    ), reach AS (
      INSERT INTO scroll_depth_daily (site_id, path, day, depth, page_views)
      SELECT ${b.siteId}, r.path, r.day, g.depth, count(*)
      FROM (SELECT COALESCE(NULLIF(r.path, ''), (SELECT exit_page FROM prev)) AS path, r.day::date AS day, r."to",
                   CASE WHEN r."from" = -2 THEN COALESCE((SELECT page_scroll FROM prev), -1) ELSE r."from" END AS from_depth
            FROM jsonb_to_recordset(${sql.json(ins.scroll as never)}::jsonb) AS r(day text, path text, "from" int, "to" int)) r
      CROSS JOIN LATERAL generate_series(r.from_depth + 1, r."to") AS g(depth)
      WHERE EXISTS (SELECT 1 FROM s WHERE NOT s.is_bot) AND r.path IS NOT NULL
      GROUP BY r.path, r.day, g.depth
      ON CONFLICT (site_id, path, day, depth) DO UPDATE SET page_views = scroll_depth_daily.page_views + EXCLUDED.page_views
    ), issues AS (
      INSERT INTO click_issues_daily (site_id, path, day, kind, selector, clicks, last_session_id, last_ts, last_x, last_y, last_width)
      SELECT ${b.siteId}, i.path, i.day, i.kind, i.selector, sum(i.count), ${b.sessionId}, max(i.ts),
             (array_agg(i.x ORDER BY i.ts DESC))[1], (array_agg(i.y ORDER BY i.ts DESC))[1], (array_agg(i.width ORDER BY i.ts DESC))[1]
      FROM (SELECT COALESCE(NULLIF(i.path, ''), (SELECT exit_page FROM prev)) AS path, i.day::date AS day, i.kind, i.selector,
                   i.count, i.ts, i.x, i.y, i.width
            FROM jsonb_to_recordset(${sql.json(ins.issues as never)}::jsonb)
              AS i(kind text, day text, path text, selector text, width text, x int, y int, ts bigint, count int)) i
      WHERE EXISTS (SELECT 1 FROM s WHERE NOT s.is_bot) AND i.path IS NOT NULL
      GROUP BY i.path, i.day, i.kind, i.selector
      ON CONFLICT (site_id, path, day, kind, selector) DO UPDATE SET
        clicks = click_issues_daily.clicks + EXCLUDED.clicks,
        last_session_id = CASE WHEN EXCLUDED.last_ts >= click_issues_daily.last_ts THEN EXCLUDED.last_session_id ELSE click_issues_daily.last_session_id END,
        last_x = CASE WHEN EXCLUDED.last_ts >= click_issues_daily.last_ts THEN EXCLUDED.last_x ELSE click_issues_daily.last_x END,
        last_y = CASE WHEN EXCLUDED.last_ts >= click_issues_daily.last_ts THEN EXCLUDED.last_y ELSE click_issues_daily.last_y END,
        last_width = CASE WHEN EXCLUDED.last_ts >= click_issues_daily.last_ts THEN EXCLUDED.last_width ELSE click_issues_daily.last_width END,
        last_ts = GREATEST(click_issues_daily.last_ts, EXCLUDED.last_ts)
    ), errs AS (
      INSERT INTO error_sessions (site_id, fingerprint, session_id, message, sample, source, path, occurrences, first_at, last_at)
      SELECT ${b.siteId}, e.fingerprint, ${b.sessionId}, e.message, e.sample, e.source,
             COALESCE(NULLIF(e.path, ''), (SELECT exit_page FROM prev)), e.count,
             to_timestamp(e.first_ts / 1000.0), to_timestamp(e.last_ts / 1000.0)
      FROM jsonb_to_recordset(${sql.json(ins.errors as never)}::jsonb)
        AS e(fingerprint text, message text, sample text, source text, path text, count int, first_ts bigint, last_ts bigint)
      WHERE EXISTS (SELECT 1 FROM s WHERE NOT s.is_bot)
      ON CONFLICT (site_id, fingerprint, session_id) DO UPDATE SET
        occurrences = error_sessions.occurrences + EXCLUDED.occurrences,
        first_at = LEAST(error_sessions.first_at, EXCLUDED.first_at),
        last_at = GREATEST(error_sessions.last_at, EXCLUDED.last_at)
    ), props AS (
      INSERT INTO prop_values_daily AS e (site_id, day, event, key, value, events)
      SELECT ${b.siteId}, day, event, key, value, sum(count) FROM (
        SELECT p.day, p.event, p.key, p.count,
               CASE WHEN p.known OR p.have + row_number() OVER (PARTITION BY p.day, p.event, p.key, p.known ORDER BY p.value)
                                    <= ${PROP_VALUES_PER_KEY}::int
                    THEN p.value ELSE '(other)' END AS value
        FROM (SELECT p.day::date AS day, p.event, p.key, p.value, p.count,
                     EXISTS (SELECT 1 FROM prop_values_daily x WHERE x.site_id = ${b.siteId} AND x.day = p.day::date
                             AND x.event = p.event AND x.key = p.key AND x.value = p.value) AS known,
                     (SELECT count(*) FROM prop_values_daily x WHERE x.site_id = ${b.siteId} AND x.day = p.day::date
                             AND x.event = p.event AND x.key = p.key AND x.value <> '(other)') AS have
              FROM jsonb_to_recordset(${sql.json(st.props as never)}::jsonb) AS p(day text, event text, key text, value text, count int)
              WHERE EXISTS (SELECT 1 FROM s WHERE NOT s.is_bot)) p
      ) v
      GROUP BY day, event, key, value
      ORDER BY day, event, key, value
      ON CONFLICT (site_id, day, event, key, value) DO UPDATE SET events = e.events + EXCLUDED.events
    ), snap AS (
      INSERT INTO page_snapshots (site_id, path, width, session_id, seq, i, ts, viewport_width, viewport_height)
      SELECT ${b.siteId}, p.path, p.width, ${b.sessionId}, p.seq, p.i, p.ts, p.viewport_width, p.viewport_height
      FROM jsonb_to_recordset(${sql.json((ins.snapshot ? [ins.snapshot] : []) as never)}::jsonb)
        AS p(path text, width text, seq int, i int, ts bigint, viewport_width int, viewport_height int)
      WHERE EXISTS (SELECT 1 FROM s WHERE NOT s.is_bot)
      ON CONFLICT (site_id, path, width) DO UPDATE SET
        session_id = EXCLUDED.session_id, seq = EXCLUDED.seq, i = EXCLUDED.i, ts = EXCLUDED.ts,
        viewport_width = EXCLUDED.viewport_width, viewport_height = EXCLUDED.viewport_height
      WHERE EXCLUDED.ts >= page_snapshots.ts
    )
    SELECT s.*, EXISTS (SELECT 1 FROM gone) AS erased
    FROM (SELECT 1) AS one LEFT JOIN (SELECT ${sessionColumns(sql)} FROM s) AS s ON true`;
  const { erased, ...row } = rows[0] as Record<string, unknown>;
  if (erased) throw new SessionErasedError(b.sessionId);
  return row.id ? normaliseSession(row) : null;
}


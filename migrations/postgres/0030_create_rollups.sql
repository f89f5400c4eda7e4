-- Per-site, per-UTC-day rollups, so dashboards read a few hundred rows
-- instead of every session of the range. They are kept exact in the same
-- statement that changes a session row: session/start adds the session, a
-- batch adds the difference between the row's old and new contributions (its
-- exit page, duration and scroll bucket move as batches arrive), a deletion
-- takes the session back out. `npm run rollups:rebuild` recounts them from
-- the sessions table.
--
-- rollup_daily holds one row per (site, day, dimension, value):
--   dim 'total' (value ''), 'country', 'device', 'browser', 'os' carry every
--     measure: a visitor id hashes IP and User-Agent, so each of these values
--     is the same for all of a visitor's sessions of a day and its distinct
--     visitors add up exactly;
--   dim 'entry', 'exit', 'referrer', 'utm_source', 'utm_medium',
--     'utm_campaign', 'duration' (bucket) and 'scroll' (bucket) carry sessions
--     only (their other measures stay 0).
-- visitor_daily counts each daily visitor id's sessions, so the first session
-- of a visitor counts a visitor and the erasure of its last takes it back.
-- sessions.prev_* keep the row's values from before its latest batch, which
-- the batch statement needs for the difference (PostgreSQL 15 has no
-- RETURNING OLD); they are bookkeeping, never shown.

-- Up Migration
ALTER TABLE sessions
  ADD COLUMN prev_entry_page text,
  ADD COLUMN prev_exit_page text,
  ADD COLUMN prev_duration_ms bigint,
  ADD COLUMN prev_max_scroll_percent real;

CREATE TABLE rollup_daily (
  site_id     text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  dim         text NOT NULL,
  day         date NOT NULL,
  value       text NOT NULL,
  sessions    integer NOT NULL DEFAULT 0,
  visitors    integer NOT NULL DEFAULT 0,
  page_views  bigint NOT NULL DEFAULT 0,
  events      bigint NOT NULL DEFAULT 0,
  clicks      bigint NOT NULL DEFAULT 0,
  duration_ms bigint NOT NULL DEFAULT 0,
  bounces     integer NOT NULL DEFAULT 0,
  scroll_sum  numeric NOT NULL DEFAULT 0,  -- exact under additions and subtractions
  chunks      bigint NOT NULL DEFAULT 0,
  bytes       bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (site_id, dim, day, value)
);

CREATE TABLE visitor_daily (
  site_id    text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  day        date NOT NULL,
  visitor_id text NOT NULL,
  sessions   integer NOT NULL,
  PRIMARY KEY (site_id, day, visitor_id)
);

-- The rollup rows one session contributes, each multiplied by sign (+1 to
-- add, -1 to take back); visitor is 1 when this session counts its visitor.
-- One definition for ingest, deletion and the rebuild.
CREATE FUNCTION rollup_rows(
  sign integer, visitor integer, s_country text, s_device text, s_browser text, s_os text,
  s_entry_page text, s_exit_page text, s_referrer_domain text, s_utm_source text, s_utm_medium text,
  s_utm_campaign text, s_page_views integer, s_events integer, s_clicks integer, s_duration_ms bigint,
  s_max_scroll real, s_chunks integer, s_bytes bigint)
RETURNS TABLE (dim text, value text, sessions integer, visitors integer, page_views bigint, events bigint,
               clicks bigint, duration_ms bigint, bounces integer, scroll_sum numeric, chunks bigint, bytes bigint)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT k.dim, k.value, sign,
         CASE WHEN k.measured THEN sign * visitor ELSE 0 END,
         CASE WHEN k.measured THEN sign * s_page_views::bigint ELSE 0 END,
         CASE WHEN k.measured THEN sign * s_events::bigint ELSE 0 END,
         CASE WHEN k.measured THEN sign * s_clicks::bigint ELSE 0 END,
         CASE WHEN k.measured THEN sign * s_duration_ms ELSE 0 END,
         CASE WHEN k.measured AND s_page_views <= 1 THEN sign ELSE 0 END,
         CASE WHEN k.measured THEN sign * s_max_scroll::numeric ELSE 0 END,
         CASE WHEN k.measured THEN sign * s_chunks::bigint ELSE 0 END,
         CASE WHEN k.measured THEN sign * s_bytes ELSE 0 END
  FROM (VALUES
    ('total', '', true),
    ('country', COALESCE(s_country, '(unknown)'), true),
    ('device', COALESCE(s_device, '(unknown)'), true),
    ('browser', COALESCE(s_browser, '(unknown)'), true),
    ('os', COALESCE(s_os, '(unknown)'), true),
    ('entry', s_entry_page, false),
    ('exit', s_exit_page, false),
    ('referrer', COALESCE(s_referrer_domain, '(direct)'), false),
    ('utm_source', s_utm_source, false),
    ('utm_medium', s_utm_medium, false),
    ('utm_campaign', s_utm_campaign, false),
    ('duration', CASE WHEN s_duration_ms < 10000 THEN '0-10s' WHEN s_duration_ms < 30000 THEN '10-30s'
                      WHEN s_duration_ms < 60000 THEN '30-60s' WHEN s_duration_ms < 180000 THEN '1-3m'
                      WHEN s_duration_ms < 600000 THEN '3-10m' ELSE '10m+' END, false),
    ('scroll', CASE WHEN s_max_scroll < 25 THEN '0-25%' WHEN s_max_scroll < 50 THEN '25-50%'
                    WHEN s_max_scroll < 75 THEN '50-75%' ELSE '75-100%' END, false)
  ) AS k(dim, value, measured)
  WHERE k.value IS NOT NULL
$$;

-- Down Migration
DROP FUNCTION rollup_rows;
DROP TABLE visitor_daily;
DROP TABLE rollup_daily;
ALTER TABLE sessions DROP COLUMN prev_entry_page, DROP COLUMN prev_exit_page, DROP COLUMN prev_duration_ms,
  DROP COLUMN prev_max_scroll_percent;

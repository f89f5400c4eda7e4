-- A visit's path, kept on its session row instead of as event rows: the
-- ordered steps (page paths and custom events, consecutive repeats collapsed),
-- each "\x1f" + 8-digit ms offset from the session start + the step
-- ('p' + path, or 'e' + event name and its properties "\x1d" key "\x1e" value),
-- the whole ending in "\x1f". A fixed-width offset makes text order time
-- order, and the separators let goals and funnels match steps with one
-- regular expression per session. The batch statement merges a batch's steps
-- in with session_path_merge(); at most 32 steps are kept (the core's
-- kMaxSessionSteps), path_dropped counts the rest. is_bot marks sessions from
-- bots and automation: recorded, but left out of analytics unless asked for.

-- Up Migration
ALTER TABLE sessions
  ADD COLUMN path text NOT NULL DEFAULT '',
  ADD COLUMN path_dropped integer NOT NULL DEFAULT 0,
  ADD COLUMN is_bot boolean NOT NULL DEFAULT false;

-- Bot counts per site and range read only the bots.
CREATE INDEX sessions_site_bots ON sessions (site_id, started_at) WHERE is_bot;

-- old and add are paths in the form above ('' when empty). Steps are ordered
-- by offset, then old before add; a step equal to the one before it joins its
-- run; the first `cap` are kept and `overflow` counts the others.
CREATE FUNCTION session_path_merge(old text, add text, cap integer)
RETURNS TABLE (path text, overflow integer)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  WITH steps AS (
    SELECT x, ord FROM unnest(string_to_array(old || add, E'\x1f')) WITH ORDINALITY AS u(x, ord) WHERE x <> ''
  ), runs AS (
    SELECT x, ord, lag(substr(x, 9)) OVER (ORDER BY left(x, 8), ord) AS prev FROM steps
  ), kept AS (
    SELECT x, row_number() OVER (ORDER BY left(x, 8), ord) AS n FROM runs WHERE prev IS DISTINCT FROM substr(x, 9)
  )
  SELECT COALESCE(E'\x1f' || string_agg(x, E'\x1f' ORDER BY n) FILTER (WHERE n <= cap) || E'\x1f', ''),
         GREATEST(count(*) - cap, 0)::int
  FROM kept
$$;

-- Down Migration
DROP FUNCTION session_path_merge;
DROP INDEX sessions_site_bots;
ALTER TABLE sessions DROP COLUMN path, DROP COLUMN path_dropped, DROP COLUMN is_bot;

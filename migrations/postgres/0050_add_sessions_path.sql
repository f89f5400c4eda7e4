-- A visit's path, kept on its session row instead of as event rows: the
-- ordered steps (page paths and custom events, consecutive repeats collapsed),
-- each "\x1f" + the step ('p' + path, or 'e' + event name and its properties
-- "\x1d" key "\x1e" value) + "\x1c" + its 8-digit ms offset from the session
-- start, the whole ending in "\x1f". The step comes first so that an exact
-- page or event is one strpos() of "\x1f" + step + "\x1c"; a fixed-width
-- offset sorts as text. The batch statement merges a batch's steps in with
-- session_path_merge(); at most 32 steps are kept (the core's
-- kMaxSessionSteps), path_dropped counts the rest. is_bot marks sessions from
-- bots and automation: recorded, but left out of analytics unless asked for.
--
-- sessions_path_keys indexes each session's steps (path_keys(): 'p' + path,
-- 'e' + event name), so a goal or the first step of a funnel on an exact page
-- or an event visits only the sessions that have it instead of every session
-- of the range.

-- Up Migration
ALTER TABLE sessions
  ADD COLUMN path text NOT NULL DEFAULT '',
  ADD COLUMN path_dropped integer NOT NULL DEFAULT 0,
  ADD COLUMN is_bot boolean NOT NULL DEFAULT false;

-- Bot counts per site and range read only the bots; journeys from an entry
-- page read only the sessions that entered there.
CREATE INDEX sessions_site_bots ON sessions (site_id, started_at) WHERE is_bot;
CREATE INDEX sessions_site_entry ON sessions (site_id, entry_page, started_at);

-- One expression (no SELECT), so the planner inlines it into the index and
-- into queries alike, and computing the keys costs a batch no statement.
CREATE FUNCTION path_keys(path text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT string_to_array(regexp_replace(path, '(\u001d[^\u001f]*)?\u001c[0-9]{8}', '', 'g'), E'\x1f')
$$;
CREATE INDEX sessions_path_keys ON sessions USING gin (path_keys(path));

-- old and add are paths in the form above ('' when empty). Steps are ordered
-- by offset, then old before add; a step equal to the one before it joins its
-- run (keeping the run's first offset); the first `cap` are kept and
-- `overflow` counts the others.
CREATE FUNCTION session_path_merge(old text, add text, cap integer)
RETURNS TABLE (path text, overflow integer)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  WITH steps AS (
    SELECT x, ord FROM unnest(string_to_array(old || add, E'\x1f')) WITH ORDINALITY AS u(x, ord) WHERE x <> ''
  ), runs AS (
    SELECT x, ord, split_part(x, E'\x1c', 1) AS step,
           lag(split_part(x, E'\x1c', 1)) OVER (ORDER BY right(x, 8), ord) AS prev FROM steps
  ), kept AS (
    SELECT x, row_number() OVER (ORDER BY right(x, 8), ord) AS n FROM runs WHERE prev IS DISTINCT FROM step
  )
  SELECT COALESCE(E'\x1f' || string_agg(x, E'\x1f' ORDER BY n) FILTER (WHERE n <= cap) || E'\x1f', ''),
         GREATEST(count(*) - cap, 0)::int
  FROM kept
$$;

-- Down Migration
DROP FUNCTION session_path_merge;
DROP INDEX sessions_path_keys;
DROP FUNCTION path_keys;
DROP INDEX sessions_site_entry;
DROP INDEX sessions_site_bots;
ALTER TABLE sessions DROP COLUMN path, DROP COLUMN path_dropped, DROP COLUMN is_bot;

-- A visit's page steps as an array, kept beside its path (0050) for journeys:
-- the pages in order with custom events left out and consecutive repeats
-- collapsed (/a, event, /a is one /a). A stored generated column, so the
-- batch statement that merges the path computes it in the same write, and
-- journeys group by pages[1:depth] (or the last depth) in SQL instead of
-- parsing every path of the range.

-- Up Migration
-- One expression (no SELECT), like path_keys(), so the planner inlines it and
-- the batch's write runs no statement of its own: event steps go, each page
-- step keeps its path, then a run of equal pages becomes one (the group is a
-- whole step: it starts at "\x1f" and the repeat must end at one).
CREATE FUNCTION path_pages(path text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT string_to_array(btrim(regexp_replace(regexp_replace(regexp_replace(path, '\u001fe[^\u001f]*', '', 'g'),
    '\u001fp([^\u001c]*)\u001c[0-9]{8}', E'\x1f\\1', 'g'), '(\u001f[^\u001f]+)\1+(?=\u001f)', '\1', 'g'), E'\x1f'), E'\x1f')
$$;
ALTER TABLE sessions ADD COLUMN pages text[] GENERATED ALWAYS AS (path_pages(path)) STORED;

-- Down Migration
ALTER TABLE sessions DROP COLUMN pages;
DROP FUNCTION path_pages;

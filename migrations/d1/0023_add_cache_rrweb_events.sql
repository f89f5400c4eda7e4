-- The session list marks sessions that carry a DOM recording; the cache row
-- needs their rrweb event count to do so without reading Postgres.
ALTER TABLE sessions ADD COLUMN rrweb_events INTEGER DEFAULT 0;

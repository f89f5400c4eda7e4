-- Per-session aggregates on the session row, so listing sessions needs no
-- join or count over `events`. First step of moving events out of the database.
ALTER TABLE sessions ADD COLUMN event_count INTEGER DEFAULT 0;
ALTER TABLE sessions ADD COLUMN page_views INTEGER DEFAULT 0;
ALTER TABLE sessions ADD COLUMN clicks INTEGER DEFAULT 0;
ALTER TABLE sessions ADD COLUMN max_scroll_percent REAL DEFAULT 0;

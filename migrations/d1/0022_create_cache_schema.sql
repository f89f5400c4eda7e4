-- D1 becomes an edge read cache in front of Postgres: `sessions` and `sites`
-- carry what the session list, realtime view and ingest's site check read, and
-- `cache_state` holds the sync watermark. Rows here are copies; Postgres decides.
ALTER TABLE sessions ADD COLUMN visitor_id TEXT;
ALTER TABLE sessions ADD COLUMN custom_events INTEGER DEFAULT 0;
ALTER TABLE sessions ADD COLUMN errors INTEGER DEFAULT 0;
ALTER TABLE sessions ADD COLUMN duration_ms INTEGER DEFAULT 0;
ALTER TABLE sessions ADD COLUMN referrer_domain TEXT;
ALTER TABLE sessions ADD COLUMN utm_source TEXT;
ALTER TABLE sessions ADD COLUMN screen TEXT;
ALTER TABLE sessions ADD COLUMN language TEXT;
ALTER TABLE sessions ADD COLUMN updated_at TEXT;
CREATE INDEX IF NOT EXISTS sessions_site_last_seen ON sessions (site_id, last_seen_at);

ALTER TABLE sites ADD COLUMN allowed_origins TEXT NOT NULL DEFAULT '[]';
ALTER TABLE sites ADD COLUMN replay_enabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sites ADD COLUMN replay_sample_rate REAL NOT NULL DEFAULT 1;
ALTER TABLE sites ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 365;
ALTER TABLE sites ADD COLUMN respect_dnt INTEGER NOT NULL DEFAULT 1;
ALTER TABLE sites ADD COLUMN updated_at TEXT;

CREATE TABLE IF NOT EXISTS cache_state (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

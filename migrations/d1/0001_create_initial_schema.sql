-- The schema the product started with, when D1 was the only database: one row
-- per event in `events`. Kept as history so existing D1 databases and new ones
-- migrate the same way. The Worker no longer reads or writes `events`.
CREATE TABLE IF NOT EXISTS sites (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  domain TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY,
  site_id TEXT NOT NULL,
  started_at TEXT NOT NULL,
  last_seen_at TEXT,
  ended_at TEXT,
  entry_page TEXT,
  exit_page TEXT,
  referrer TEXT,
  country TEXT,
  device TEXT,
  browser TEXT,
  os TEXT
);
CREATE INDEX IF NOT EXISTS sessions_site_started ON sessions (site_id, started_at);

CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id TEXT NOT NULL,
  site_id TEXT NOT NULL,
  type TEXT NOT NULL,
  ts INTEGER NOT NULL,
  data TEXT
);
CREATE INDEX IF NOT EXISTS events_session ON events (session_id, ts);

CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  name TEXT,
  role TEXT NOT NULL DEFAULT 'user',
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE IF NOT EXISTS deployments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  version TEXT NOT NULL,
  environment TEXT NOT NULL DEFAULT 'production',
  deployed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  commit_sha TEXT,
  deployed_by TEXT,
  status TEXT NOT NULL DEFAULT 'success',
  notes TEXT
);

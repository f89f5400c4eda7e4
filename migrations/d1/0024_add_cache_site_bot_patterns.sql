-- The site's own bot patterns (a JSON array of strings, as allowed_origins),
-- so session/start judges a User-Agent from the cached config without reading
-- Postgres.
ALTER TABLE sites ADD COLUMN bot_patterns TEXT NOT NULL DEFAULT '[]';

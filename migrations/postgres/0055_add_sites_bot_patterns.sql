-- Bot patterns a site adds to isbot's list: a new session whose User-Agent
-- contains one of them (case-insensitive) is flagged is_bot at session/start,
-- like a crawler isbot knows. Bounded by the sites API (at most 50, each
-- 1..100 characters); copied into the D1 cache with the rest of the config.

-- Up Migration
ALTER TABLE sites ADD COLUMN bot_patterns text[] NOT NULL DEFAULT '{}';

-- Down Migration
ALTER TABLE sites DROP COLUMN bot_patterns;

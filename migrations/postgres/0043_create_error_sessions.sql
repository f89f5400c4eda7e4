-- JavaScript errors grouped by the core's fingerprint (normalised message and
-- source): one row per group and session, so a group knows its count,
-- sessions affected, first and last seen, browsers (through the session) and
-- the replay moment of each. Erased with its session.

-- Up Migration
CREATE TABLE error_sessions (
  site_id     text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  fingerprint text NOT NULL,
  session_id  text NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  message     text NOT NULL,
  sample      text NOT NULL,
  source      text NOT NULL,
  path        text,
  occurrences integer NOT NULL DEFAULT 0,
  first_at    timestamptz NOT NULL,
  last_at     timestamptz NOT NULL,
  PRIMARY KEY (site_id, fingerprint, session_id)
);
CREATE INDEX error_sessions_site_last ON error_sessions (site_id, last_at DESC);
CREATE INDEX error_sessions_session ON error_sessions (session_id);

-- Down Migration
DROP TABLE error_sessions;

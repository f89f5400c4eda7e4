-- One row per visit, holding its aggregates. Events themselves live only in R2;
-- each batch adds its delta to this row in one statement, and applied_seqs makes
-- a retried batch a no-op.

-- Up Migration
CREATE TABLE sessions (
  id                 text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{8,64}$'),
  site_id            text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  started_at         timestamptz NOT NULL,
  last_seen_at       timestamptz NOT NULL,
  ended_at           timestamptz,
  visitor_id         text,
  entry_page         text,
  exit_page          text,
  entry_key          bigint[],           -- [ts, seq, i] of the entry page view
  exit_key           bigint[],
  referrer           text,
  referrer_domain    text,
  utm_source         text,
  utm_medium         text,
  utm_campaign       text,
  utm_term           text,
  utm_content        text,
  country            text,
  device             text,
  browser            text,
  os                 text,
  screen             text,
  language           text,
  timezone           text,
  event_count        integer NOT NULL DEFAULT 0,
  page_views         integer NOT NULL DEFAULT 0,
  clicks             integer NOT NULL DEFAULT 0,
  custom_events      integer NOT NULL DEFAULT 0,
  errors             integer NOT NULL DEFAULT 0,
  rrweb_events       integer NOT NULL DEFAULT 0,
  max_scroll_percent real NOT NULL DEFAULT 0,
  first_event_at     timestamptz,
  last_event_at      timestamptz,
  duration_ms        bigint NOT NULL DEFAULT 0,
  chunks             integer NOT NULL DEFAULT 0,
  bytes_stored       bigint NOT NULL DEFAULT 0,
  applied_seqs       integer[] NOT NULL DEFAULT '{}',
  compacted_at       timestamptz,
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_site_started ON sessions (site_id, started_at DESC);
CREATE INDEX sessions_site_last_seen ON sessions (site_id, last_seen_at DESC);
CREATE INDEX sessions_updated ON sessions (updated_at);

-- Down Migration
DROP TABLE sessions;

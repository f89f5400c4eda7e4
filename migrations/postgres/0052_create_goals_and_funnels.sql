-- Goals and funnels, defined per site after the fact: they are matched
-- against the sessions' paths when read, so they apply to past visits too.
-- A goal is a page (path exact, prefix or wildcard `*`) or a custom event
-- (name, optionally one property key and value). A funnel is 2-8 such
-- matchers in order, with an optional time window from its first step.

-- Up Migration
CREATE TABLE goals (
  id         text PRIMARY KEY,
  site_id    text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  name       text NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('page', 'event')),
  match      text NOT NULL DEFAULT 'exact' CHECK (match IN ('exact', 'prefix', 'wildcard')),
  value      text NOT NULL,
  prop_key   text,
  prop_value text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX goals_site ON goals (site_id, created_at);

CREATE TABLE funnels (
  id         text PRIMARY KEY,
  site_id    text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  name       text NOT NULL,
  steps      jsonb NOT NULL,
  window_ms  bigint CHECK (window_ms > 0),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX funnels_site ON funnels (site_id, created_at);

-- Down Migration
DROP TABLE funnels;
DROP TABLE goals;

-- Daily page rollup: page views per path per UTC day, maintained by the same
-- statement that applies a batch's session delta, so top pages never need events.

-- Up Migration
CREATE TABLE page_daily (
  site_id    text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  day        date NOT NULL,
  path       text NOT NULL,
  page_views integer NOT NULL DEFAULT 0,
  PRIMARY KEY (site_id, day, path)
);

-- Down Migration
DROP TABLE page_daily;

-- Scroll-depth rollup: page views of a page per UTC day (of the page view)
-- that reached each depth (0, 10, ..., 100 %), added by the batch's one statement.

-- Up Migration
CREATE TABLE scroll_depth_daily (
  site_id    text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  path       text NOT NULL,
  day        date NOT NULL,
  depth      smallint NOT NULL CHECK (depth BETWEEN 0 AND 10),
  page_views integer NOT NULL DEFAULT 0,
  PRIMARY KEY (site_id, path, day, depth)
);

-- Down Migration
DROP TABLE scroll_depth_daily;

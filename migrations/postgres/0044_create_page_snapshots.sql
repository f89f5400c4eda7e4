-- The latest recorded full DOM snapshot per page and viewport width bucket:
-- where it is in R2 (session, seq, line), so a heatmap reads one object to
-- draw the page. Erased with its session.

-- Up Migration
CREATE TABLE page_snapshots (
  site_id         text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  path            text NOT NULL,
  width           text NOT NULL CHECK (width IN ('phone', 'tablet', 'desktop')),
  session_id      text NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  seq             integer NOT NULL,
  i               integer NOT NULL,
  ts              bigint NOT NULL,
  viewport_width  integer NOT NULL,
  viewport_height integer NOT NULL,
  PRIMARY KEY (site_id, path, width)
);
CREATE INDEX page_snapshots_session ON page_snapshots (session_id);

-- Down Migration
DROP TABLE page_snapshots;

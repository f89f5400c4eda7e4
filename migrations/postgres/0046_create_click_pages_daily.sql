-- Clicks per page, UTC day and viewport width bucket: the totals of
-- click_cells_daily, kept by the same batch statement, so the list of pages
-- with heatmaps and the clicks per width read a few rows per day instead of
-- every cell.

-- Up Migration
CREATE TABLE click_pages_daily (
  site_id text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  day     date NOT NULL,
  path    text NOT NULL,
  width   text NOT NULL CHECK (width IN ('phone', 'tablet', 'desktop')),
  clicks  integer NOT NULL DEFAULT 0,
  PRIMARY KEY (site_id, day, path, width)
);

-- Down Migration
DROP TABLE click_pages_daily;

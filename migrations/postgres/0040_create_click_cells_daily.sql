-- Click heatmap rollup: clicks per page, UTC day, viewport width bucket and
-- coarse cell (x: 24 columns across the viewport width, y: 50 px rows, the
-- last row holding everything deeper), added by the batch's one statement.
-- At most 24 * 200 cells per page, day and width: a heatmap for a period
-- reads these rows, never events.

-- Up Migration
CREATE TABLE click_cells_daily (
  site_id text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  path    text NOT NULL,
  width   text NOT NULL CHECK (width IN ('phone', 'tablet', 'desktop')),
  day     date NOT NULL,
  y       smallint NOT NULL CHECK (y BETWEEN 0 AND 199),
  x       smallint NOT NULL CHECK (x BETWEEN 0 AND 23),
  clicks  integer NOT NULL DEFAULT 0,
  PRIMARY KEY (site_id, path, width, day, y, x)
);

-- Down Migration
DROP TABLE click_cells_daily;

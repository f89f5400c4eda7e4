-- Custom-event properties per site, UTC day (of the event), event name, key
-- and value, added by the batch's one statement. At most 100 values per
-- (site, day, event, key) get a row of their own; later new values are
-- counted under '(other)', so a property holding ids cannot grow the table
-- without bound.

-- Up Migration
CREATE TABLE prop_values_daily (
  site_id text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  day     date NOT NULL,
  event   text NOT NULL,
  key     text NOT NULL,
  value   text NOT NULL,
  events  integer NOT NULL DEFAULT 0,
  PRIMARY KEY (site_id, day, event, key, value)
);

-- Down Migration
DROP TABLE prop_values_daily;

-- A saved funnel's answer for each closed UTC day, so a report over a month
-- scans only the days batches can still change (lib/params.ts closedBefore:
-- a session takes batches for 24 h) and reads the others from here. Per
-- funnel, variant (md5 of its steps, window and whether bots count: an
-- edited funnel misses the old rows) and day, one row per step: step 0 holds
-- the day's sessions with a path, step k the sessions that reached step k
-- and, from step 2, each such session's ms from step k-1 to k, so medians
-- over many days stay exact. A report fills the days it misses as it scans
-- them. Rows go with their funnel (edited or deleted), and with any deletion
-- of the day's sessions (pg-storage.ts deleteSessionRows: clears, retention).

-- Up Migration
CREATE TABLE funnel_days (
  funnel_id text NOT NULL REFERENCES funnels (id) ON DELETE CASCADE,
  variant   text NOT NULL,
  site_id   text NOT NULL,
  day       date NOT NULL,
  step      smallint NOT NULL,
  sessions  integer NOT NULL,
  deltas    integer[],
  PRIMARY KEY (funnel_id, variant, day, step)
);
CREATE INDEX funnel_days_site_day ON funnel_days (site_id, day);

-- Down Migration
DROP TABLE funnel_days;

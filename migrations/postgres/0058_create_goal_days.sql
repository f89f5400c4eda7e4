-- A goal's conversions for each closed UTC day, so the goal report and its
-- breakdowns over a month scan only the days batches can still change
-- (lib/params.ts closedBefore) and read the others from here, as saved
-- funnels do (0057). Per goal, variant (md5 of its matcher: an edited goal
-- misses the old rows), breakdown and day: dim '' (value '') holds the
-- day's sessions that reached the goal, kept even when none did, so a kept
-- day is one with that row; each breakdown of the goal report
-- (pg-conversions.ts GOAL_DIMENSIONS) holds the conversions per value, only
-- where there are some. The sessions per value come from the rollups. Only
-- unfiltered reads that leave bots out use and fill these rows. Rows go with
-- their goal (edited or deleted), and with any deletion of the day's
-- sessions (pg-storage.ts deleteSessionRows: clears, retention) and with a
-- batch reconciled after its day closed (forgetKeptDay).

-- Up Migration
CREATE TABLE goal_days (
  goal_id     text NOT NULL REFERENCES goals (id) ON DELETE CASCADE,
  variant     text NOT NULL,
  site_id     text NOT NULL,
  dim         text NOT NULL,
  day         date NOT NULL,
  value       text NOT NULL,
  conversions integer NOT NULL,
  PRIMARY KEY (goal_id, variant, dim, day, value)
);
CREATE INDEX goal_days_site_day ON goal_days (site_id, day);

-- Down Migration
DROP TABLE goal_days;

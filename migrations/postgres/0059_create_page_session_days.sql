-- Per closed UTC day and page, the sessions that viewed the page (a session
-- counts once per page however often it came back): the denominators of the
-- Pages view with a goal picked, whose conversions per page are kept in
-- goal_days (0058) under dim 'page'. Page '' (sessions 0) marks a kept day,
-- kept even when no session viewed a page. Only unfiltered reads that leave
-- bots out use and fill these rows; they go with any deletion of the day's
-- sessions and with a batch reconciled after its day closed
-- (storage/pg-kept-days.ts).

-- Up Migration
CREATE TABLE page_session_days (
  site_id  text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  day      date NOT NULL,
  page     text NOT NULL,
  sessions integer NOT NULL,
  PRIMARY KEY (site_id, day, page)
);

-- Down Migration
DROP TABLE page_session_days;

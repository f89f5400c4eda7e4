-- Rage and dead clicks per page, UTC day and element selector, with the
-- latest occurrence as a replay moment (session and time), added by the
-- batch's one statement. An erased session leaves the count and loses the link.

-- Up Migration
CREATE TABLE click_issues_daily (
  site_id         text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  path            text NOT NULL,
  day             date NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('rage', 'dead')),
  selector        text NOT NULL,
  clicks          integer NOT NULL DEFAULT 0,
  last_session_id text REFERENCES sessions (id) ON DELETE SET NULL,
  last_ts         bigint NOT NULL,              -- epoch ms of the latest occurrence
  last_x          integer NOT NULL,
  last_y          integer NOT NULL,
  last_width      text NOT NULL,
  PRIMARY KEY (site_id, path, day, kind, selector)
);

-- Down Migration
DROP TABLE click_issues_daily;

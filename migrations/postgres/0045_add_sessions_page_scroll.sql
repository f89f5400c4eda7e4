-- The scroll-depth bucket (0..10, -1 none) the session's open page view has
-- reached so far, so a batch that continues that page view adds only the
-- depths it newly reached to scroll_depth_daily.

-- Up Migration
ALTER TABLE sessions ADD COLUMN page_scroll smallint NOT NULL DEFAULT -1;

-- Down Migration
ALTER TABLE sessions DROP COLUMN page_scroll;

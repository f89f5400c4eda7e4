-- Whether session/start told the tracker to record a DOM replay (the site has
-- replay on and this session was sampled), so the replay view can say why a
-- session has no recording: replay off, not sampled, or sampled but the page
-- recorded nothing (data-replay="false" on it, or the recorder never loaded).
-- NULL for sessions started before this column.

-- Up Migration
ALTER TABLE sessions ADD COLUMN replay_sampled boolean;

-- Down Migration
ALTER TABLE sessions DROP COLUMN replay_sampled;

-- A tombstone per erased session (a clear or retention deleted it): the
-- batch statement refuses a session with a tombstone, so a token or a retry a
-- client still holds cannot bring it back; and purged_at records that its R2
-- objects are gone, so a clear cut short by its budget continues where it
-- stopped. Tombstones outlive the last moment a batch of the session could be
-- accepted (its start + 24 h) and are pruned after that.

-- Up Migration
CREATE TABLE erased_sessions (
  id          text PRIMARY KEY,
  site_id     text NOT NULL,
  started_at  timestamptz NOT NULL,
  erased_at   timestamptz NOT NULL DEFAULT now(),
  purged_at   timestamptz
);
CREATE INDEX erased_sessions_unpurged ON erased_sessions (site_id, started_at) WHERE purged_at IS NULL;

-- Down Migration
DROP TABLE erased_sessions;

-- Who deleted or changed what, for the admin actions that cannot be undone
-- (storage clears, retention runs, user bans and removals). Rows are only
-- ever inserted.

-- Up Migration
CREATE TABLE admin_audit_log (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at         timestamptz NOT NULL DEFAULT now(),
  actor_kind text NOT NULL CHECK (actor_kind IN ('user', 'token', 'system')),
  actor_id   text NOT NULL,
  action     text NOT NULL,
  target     jsonb NOT NULL DEFAULT '{}',
  result     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX admin_audit_log_at ON admin_audit_log (at DESC);

-- Down Migration
DROP TABLE admin_audit_log;

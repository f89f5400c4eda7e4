-- Shared read-only links: a revocable, unguessable URL that shows one site's
-- dashboard without a login. Only a SHA-256 of the link's secret is kept; an
-- optional password is stored as a Better Auth scrypt hash. Replays are shown
-- only when `replays` was ticked.

-- Up Migration
CREATE TABLE site_shares (
  id            text PRIMARY KEY,
  site_id       text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  token_hash    text NOT NULL UNIQUE,
  password_hash text,
  replays       boolean NOT NULL DEFAULT false,
  created_by    text REFERENCES "user" (id) ON DELETE SET NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  revoked_at    timestamptz
);
CREATE INDEX site_shares_site_id ON site_shares (site_id);

-- Down Migration
DROP TABLE site_shares;

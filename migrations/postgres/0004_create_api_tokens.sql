-- API tokens for the read APIs. Only a SHA-256 of the token is stored; the
-- token itself is shown once, when it is created.

-- Up Migration
CREATE TABLE api_tokens (
  id           text PRIMARY KEY,
  name         text NOT NULL,
  token_hash   text NOT NULL UNIQUE,
  site_id      text REFERENCES sites (id) ON DELETE CASCADE,  -- NULL: every site
  scopes       text[] NOT NULL DEFAULT '{read}',
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz
);

-- Down Migration
DROP TABLE api_tokens;

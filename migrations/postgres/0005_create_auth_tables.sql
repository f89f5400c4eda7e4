-- Accounts for the dashboard and the admin API: Better Auth's user, session,
-- account and verification tables, with the admin plugin's columns (role,
-- banned, ban_reason, ban_expires on user; impersonated_by on session).
-- Columns are snake_case; js-shim/src/lib/accounts.ts maps Better Auth's field
-- names onto them. "session" holds dashboard logins and is unrelated to
-- "sessions" (visits). "user" is a reserved word, hence the quotes.

-- Up Migration
CREATE TABLE "user" (
  id             text PRIMARY KEY,
  name           text NOT NULL,
  email          text NOT NULL UNIQUE,
  email_verified boolean NOT NULL DEFAULT false,
  image          text,
  role           text DEFAULT 'user',
  banned         boolean DEFAULT false,
  ban_reason     text,
  ban_expires    timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE session (
  id              text PRIMARY KEY,
  user_id         text NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
  token           text NOT NULL UNIQUE,
  expires_at      timestamptz NOT NULL,
  ip_address      text,
  user_agent      text,
  impersonated_by text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX session_user_id ON session (user_id);

-- One row per way to log in; email + password is provider_id 'credential',
-- whose password column holds the hash (never the password).
CREATE TABLE account (
  id                       text PRIMARY KEY,
  user_id                  text NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
  account_id               text NOT NULL,
  provider_id              text NOT NULL,
  access_token             text,
  refresh_token            text,
  id_token                 text,
  access_token_expires_at  timestamptz,
  refresh_token_expires_at timestamptz,
  scope                    text,
  password                 text,
  created_at               timestamptz NOT NULL DEFAULT now(),
  updated_at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_user_id ON account (user_id);

CREATE TABLE verification (
  id         text PRIMARY KEY,
  identifier text NOT NULL,
  value      text NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX verification_identifier ON verification (identifier);

-- Down Migration
DROP TABLE verification;
DROP TABLE account;
DROP TABLE session;
DROP TABLE "user";

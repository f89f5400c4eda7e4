-- Organisations own sites; their members see those sites with a role (owner,
-- admin, viewer), optionally narrowed to chosen sites. The tables are Better
-- Auth's organization plugin's (organization, member, invitation, and
-- session.active_organization_id), snake_case as in 0005, plus edgereplay's
-- own columns: member.site_ids (narrowing), invitation.token_hash (the
-- one-time link) and invitation.site_ids. API tokens belong to an
-- organisation and may be narrowed to sites.
--
-- Existing data lands in the organisation "default": every site, every token,
-- and every user as a member (admins as owners, others as viewers, which is
-- what they could do before). A site or token inserted without an
-- organisation goes there too.

-- Up Migration
CREATE TABLE organization (
  id         text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,64}$'),
  name       text NOT NULL,
  slug       text NOT NULL UNIQUE,
  logo       text,
  metadata   text,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE member (
  id              text PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  user_id         text NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
  role            text NOT NULL CHECK (role IN ('owner', 'admin', 'viewer')),
  site_ids        text[],  -- NULL: every site of the organisation
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, user_id)
);
CREATE INDEX member_user_id ON member (user_id);

CREATE TABLE invitation (
  id              text PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  email           text NOT NULL,
  role            text NOT NULL CHECK (role IN ('owner', 'admin', 'viewer')),
  status          text NOT NULL DEFAULT 'pending',
  expires_at      timestamptz NOT NULL,
  inviter_id      text NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
  token_hash      text UNIQUE,  -- SHA-256 of the link's secret; the secret is shown once
  site_ids        text[],
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invitation_organization_id ON invitation (organization_id);

ALTER TABLE session ADD COLUMN active_organization_id text;

INSERT INTO organization (id, name, slug) VALUES ('default', 'Default', 'default');

ALTER TABLE sites ADD COLUMN organization_id text NOT NULL DEFAULT 'default' REFERENCES organization (id);
CREATE INDEX sites_organization_id ON sites (organization_id);

ALTER TABLE api_tokens ADD COLUMN organization_id text NOT NULL DEFAULT 'default' REFERENCES organization (id) ON DELETE CASCADE;
ALTER TABLE api_tokens ADD COLUMN site_ids text[];  -- NULL: every site of the organisation
UPDATE api_tokens SET site_ids = ARRAY[site_id] WHERE site_id IS NOT NULL;

INSERT INTO member (id, organization_id, user_id, role)
SELECT 'mem_' || md5(id), 'default', id, CASE WHEN role LIKE '%admin%' THEN 'owner' ELSE 'viewer' END FROM "user";

-- Down Migration
ALTER TABLE api_tokens DROP COLUMN site_ids;
ALTER TABLE api_tokens DROP COLUMN organization_id;
ALTER TABLE sites DROP COLUMN organization_id;
ALTER TABLE session DROP COLUMN active_organization_id;
DROP TABLE invitation;
DROP TABLE member;
DROP TABLE organization;

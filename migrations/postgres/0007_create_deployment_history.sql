-- Every deploy, successful or not, as `npm run deploy` (or POST
-- /api/deployments) records it: GET /api/deployments and /stats read it.

-- Up Migration
CREATE TABLE deployment_history (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  version     text NOT NULL,
  environment text NOT NULL DEFAULT 'production',
  deployed_at timestamptz NOT NULL DEFAULT now(),
  commit_sha  text,
  deployed_by text,
  status      text NOT NULL DEFAULT 'success',
  notes       text
);
CREATE INDEX deployment_history_deployed_at ON deployment_history (deployed_at DESC);

-- Down Migration
DROP TABLE deployment_history;

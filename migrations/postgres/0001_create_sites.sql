-- Sites are what a tracker snippet points at. Their config (allowed origins,
-- replay sampling) is copied into the D1 cache so ingest never reads Postgres.

-- Up Migration
CREATE TABLE sites (
  id                 text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,64}$'),
  name               text NOT NULL,
  domain             text NOT NULL,
  allowed_origins    text[] NOT NULL DEFAULT '{}',
  replay_enabled     boolean NOT NULL DEFAULT false,
  replay_sample_rate real NOT NULL DEFAULT 1 CHECK (replay_sample_rate BETWEEN 0 AND 1),
  retention_days     integer NOT NULL DEFAULT 365 CHECK (retention_days > 0),
  respect_dnt        boolean NOT NULL DEFAULT true,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE sites;

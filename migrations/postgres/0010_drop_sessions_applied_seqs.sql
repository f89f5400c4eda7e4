-- Drops the array of applied seqs, replaced by `applied` (0009). Destructive,
-- so a step of its own. Rollback: the down migration re-creates the column
-- from `applied`, so nothing is lost either way.

-- Up Migration
ALTER TABLE sessions DROP COLUMN applied_seqs;

-- Down Migration
ALTER TABLE sessions ADD COLUMN applied_seqs integer[] NOT NULL DEFAULT '{}';
UPDATE sessions SET applied_seqs = ARRAY(
  SELECT generate_series(lower(r), upper(r) - 1) FROM unnest(applied) AS r);

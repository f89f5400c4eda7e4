-- The seqs a session has counted, as ranges (int4multirange) instead of an
-- array: adjacent seqs merge, so the column stays a few bytes whatever the
-- session's length, where the array grew by one element per batch and was
-- rewritten by every batch. Copied from applied_seqs; 0010 drops that column.

-- Up Migration
ALTER TABLE sessions ADD COLUMN applied int4multirange NOT NULL DEFAULT '{}';
UPDATE sessions SET applied = (SELECT range_agg(int4range(seq, seq + 1)) FROM unnest(applied_seqs) AS seq)
WHERE cardinality(applied_seqs) > 0;

-- Down Migration
ALTER TABLE sessions DROP COLUMN applied;

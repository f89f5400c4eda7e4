-- Drops the legacy per-event table of 0001. Destructive and NOT applied by
-- `wrangler d1 migrations apply` (it lives outside migrations/d1/ for that
-- reason): run it with `npm run d1:drop-events`, which checks the conditions
-- in migrations/d1/README.md and exports the table first.
--
-- Rollback: recreate the empty table and its index (the two statements of
-- 0001 for `events`), then load the export the script wrote
-- (`wrangler d1 execute DB --remote --file <export>.sql`), or restore the
-- whole database to a point before the drop with D1 Time Travel
-- (`wrangler d1 time-travel restore DB --timestamp <before the drop>`).
DROP INDEX IF EXISTS events_session;
DROP TABLE IF EXISTS events;

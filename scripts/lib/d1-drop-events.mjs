// The guarded, one-off removal of the legacy D1 `events` table
// (migrations/d1/manual/0021_drop_events_table.sql). The table may go only
// when every client sends to the new tracker, replay is verified from R2, and
// nothing was written to it for 90 days; the last is checked here, the first
// two the operator confirms. `db` is a D1 binding or wranglerD1().
import { readFileSync } from 'node:fs';
import { splitStatements } from './migrations.mjs';

export const MIGRATION = '0021_drop_events_table.sql';
export const MIGRATION_FILE = new URL(`../../migrations/d1/manual/${MIGRATION}`, import.meta.url);
export const QUIET_DAYS = 90;
const DAY_MS = 86_400_000;

/** What the table holds and whether it has been quiet long enough. */
export async function inspectEvents(db, now = Date.now()) {
  const table = await db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'events'`).first();
  if (!table) return { exists: false };
  // ts is when an event happened; a row is written seconds after it.
  const row = await db.prepare('SELECT count(*) AS rows, max(ts) AS last_ts FROM events').first();
  const lastWrite = row.last_ts === null ? null : Number(row.last_ts);
  const quietDays = lastWrite === null ? Infinity : Math.floor((now - lastWrite) / DAY_MS);
  return { exists: true, rows: Number(row.rows), last_write: lastWrite === null ? null : new Date(lastWrite).toISOString(), quiet_days: quietDays };
}

/**
 * Drops the table when every condition holds; otherwise changes nothing and
 * says which condition failed. Records the step in d1_migrations.
 */
export async function dropEventsTable(db, { trackerMigrated = false, replayVerified = false, now = Date.now() } = {}) {
  const state = await inspectEvents(db, now);
  if (!state.exists) return { dropped: false, reason: 'the events table is already gone', state };
  const refusals = [];
  if (state.quiet_days < QUIET_DAYS) refusals.push(`the last event was written ${state.quiet_days} days ago; wait until ${QUIET_DAYS}`);
  if (!trackerMigrated) refusals.push('confirm that every client runs the new tracker (--tracker-migrated)');
  if (!replayVerified) refusals.push('confirm that replay was verified from R2 (--replay-verified)');
  if (refusals.length) return { dropped: false, reason: refusals.join('; '), state };
  const statements = splitStatements(readFileSync(MIGRATION_FILE, 'utf8'));
  await db.batch([
    ...statements.map((s) => db.prepare(s)),
    db.prepare(`CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)`),
    db.prepare('INSERT OR IGNORE INTO d1_migrations (name) VALUES (?1)').bind(`manual/${MIGRATION}`),
  ]);
  return { dropped: true, state };
}

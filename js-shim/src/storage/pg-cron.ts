// The scheduled run's queries (services/background.ts): sessions to compact,
// idle sessions to end, and the D1 cache's catch-up.
import type { Sql } from './pg';
import { normaliseSession, sessionColumns, type SessionLocation, type SessionRow } from './pg-sessions';

/**
 * Ended sessions whose chunks are not all compacted yet, and sessions last
 * compacted while they could still receive batches that now cannot (their
 * chunks can go). Never compacted first, then the oldest compaction: a
 * session whose compaction fails moves to the back.
 */
export async function sessionsToCompact(sql: Sql, limit: number, writableSeconds: number): Promise<SessionLocation[]> {
  return sql<SessionLocation[]>`
    SELECT id, site_id, started_at FROM sessions
    WHERE ended_at IS NOT NULL AND chunks > 0 AND (
      compacted_at IS NULL OR compacted_at < updated_at
      OR (compacted_at < started_at + ${writableSeconds} * interval '1 second'
          AND started_at < now() - ${writableSeconds} * interval '1 second'))
    ORDER BY compacted_at NULLS FIRST, ended_at LIMIT ${limit}`;
}

/**
 * Ends sessions idle past the tracker's 30-minute rule at their last activity
 * (a tab closed without a final batch never says goodbye). Returns them for
 * the D1 cache; compaction picks them up next.
 */
export async function endIdleSessions(sql: Sql, idleMs: number, limit: number): Promise<SessionRow[]> {
  const rows = await sql`
    UPDATE sessions SET ended_at = last_seen_at, updated_at = now()
    WHERE id IN (SELECT id FROM sessions WHERE ended_at IS NULL AND last_seen_at < now() - ${idleMs / 1000} * interval '1 second'
                 ORDER BY last_seen_at LIMIT ${limit})
    RETURNING ${sessionColumns(sql)}`;
  return rows.map(normaliseSession);
}

/** One statement for a whole cron run's compactions, so a session's own requests stay its only writes. */
export async function markCompacted(sql: Sql, sessions: { id: string; storedBytes: number | null }[]): Promise<void> {
  if (!sessions.length) return;
  const ids = `{${sessions.map((s) => s.id).join(',')}}`;
  const bytes = `{${sessions.map((s) => (s.storedBytes === null ? 'NULL' : String(Math.round(s.storedBytes)))).join(',')}}`;
  // bytes_stored becomes what R2 holds once compaction has deleted the chunks (null: they stay, keep the sum).
  await sql`
    UPDATE sessions s SET compacted_at = now(), bytes_stored = COALESCE(t.bytes, s.bytes_stored)
    FROM unnest(${ids}::text[], ${bytes}::bigint[]) AS t(id, bytes)
    WHERE s.id = t.id`;
}

/** Sessions changed after a watermark, for the D1 cache's catch-up (cron). */
export async function sessionsChangedSince(sql: Sql, since: Date, limit: number): Promise<SessionRow[]> {
  const rows = await sql`
    SELECT ${sessionColumns(sql)} FROM sessions
    WHERE updated_at > ${since} ORDER BY updated_at LIMIT ${limit}`;
  return rows.map(normaliseSession);
}

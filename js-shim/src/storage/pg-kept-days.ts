// The answers read caches keep per closed UTC day (funnel_days, goal_days,
// page_session_days: migrations/postgres/0057, 0058, 0059) and the rule that keeps them true: a kept
// day holds while its sessions do, so whatever deletes or changes a closed
// day's sessions drops the day's kept rows (dropKeptDays).
//
// A fill and such a change can overlap: a fill that read the sessions before
// the change committed would write the old answer after the change dropped
// the day. Per site, a fill holds a shared advisory lock from before the
// statement that reads the sessions until its transaction ends, and a change
// takes the exclusive one before the statement that changes them: each sees
// the other whole (READ COMMITTED takes a snapshot per statement, after the
// lock is granted).
import type { PendingQuery } from 'postgres';
import type { Sql } from './pg';

type Fragment = PendingQuery<any>;

/** The tables of kept days, each keyed by (site_id, day). */
export const KEPT_DAY_TABLES = ['funnel_days', 'goal_days', 'page_session_days'] as const;

const lockKey = (siteId: string) => `kept_days:${siteId}`;

/**
 * Before a fill's first statement that reads sessions, inside the read's
 * transaction (analytics reads that scan run in one: routes/analytics.ts):
 * waits for a change of the site's sessions under way.
 */
export async function lockForFill(tx: Sql, siteId: string): Promise<void> {
  await tx`SELECT pg_advisory_xact_lock_shared(hashtext(${lockKey(siteId)}))`;
}

/**
 * Runs `change` (statements that delete or rewrite sessions of `siteIds` and
 * drop their days with dropKeptDays) in one transaction holding the sites'
 * exclusive locks, taken in a fixed order so two changes never deadlock.
 * Fills under way finish first; fills that start later wait and read the
 * changed sessions.
 */
export async function changingSessions<T>(sql: Sql, siteIds: string[], change: (tx: Sql) => Promise<T>): Promise<T> {
  const run = async (tx: Sql) => {
    for (const id of [...new Set(siteIds)].sort()) await tx`SELECT pg_advisory_xact_lock(hashtext(${lockKey(id)}))`;
    return change(tx);
  };
  // Already in a transaction (a savepoint is what a transaction has): lock in it.
  if ('savepoint' in sql) return run(sql);
  return (await sql.begin((tx) => run(tx as unknown as Sql))) as T;
}

/** CTEs (to follow others in a WITH) dropping the kept days of the (site_id, day) pairs `days` selects. */
export function dropKeptDays(sql: Sql, days: Fragment): Fragment {
  return KEPT_DAY_TABLES.map((t) => sql`${sql(`dropped_${t}`)} AS (DELETE FROM ${sql(t)} k USING (${days}) d WHERE k.site_id = d.site_id AND k.day = d.day)`).reduce(
    (a, b) => sql`${a}, ${b}`,
  );
}

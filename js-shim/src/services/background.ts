// Work that runs off the response path: compaction after session/end, and the
// cron jobs (D1 cache catch-up, compaction sweep, reconcile). A cron run opens
// its own Postgres client (lib/db.ts withSql).
import type { AppEnv } from '../env';
import { readWatermark, syncSessions, syncSites, writeWatermark } from '../storage/d1-cache-sync';
import { withSql } from '../lib/db';
import type { Sql } from '../storage/pg';
import { endIdleSessions, markCompacted, sessionsChangedSince, sessionsToCompact } from '../storage/pg-cron';
import type { SessionLocation } from '../storage/pg-sessions';
import { listSites } from '../storage/pg-sites';
import { compactSession } from './compaction';
import { reconcilePending } from './reconcile';
import { enforceRetention } from './retention';
import { getCore } from '../wasm';

/** wrangler.toml [triggers]: the daily run at 03:17 UTC enforces each site's retention. */
export const DAILY_CRON = '17 3 * * *';

/** The tracker starts a new session after 30 minutes without activity. */
export const IDLE_MS = 30 * 60_000;

export function compactInBackground(env: AppEnv, ctx: { waitUntil(promise: Promise<unknown>): void }, session: SessionLocation): void {
  // No Postgres write here: the next cron run finds the session's chunks gone
  // and marks it with the rest of its batch in one statement.
  ctx.waitUntil(compactSession(env.EVENTS, session).catch((err) => console.warn('compaction deferred to cron', session.id, err)));
}

/** Copies Postgres rows changed since the watermark into D1 (bounded per run). */
export async function catchUpCache(env: AppEnv, sql: Sql, batch = 500): Promise<number> {
  const since = await readWatermark(env);
  if (!since) return 0;
  await syncSites(env, await listSites(sql, null));
  const rows = await sessionsChangedSince(sql, since, batch);
  if (!rows.length) return 0;
  await syncSessions(env, rows);
  await writeWatermark(env, new Date(Math.max(...rows.map((r) => new Date(r.updated_at).getTime()))));
  return rows.length;
}

/**
 * Compacts ended sessions (and, once more, sessions compacted while they could
 * still receive batches and now cannot, which deletes their chunks). Each
 * session's failure is its own: it is logged, goes to the back of the queue,
 * and the others carry on.
 */
export async function compactEnded(env: AppEnv, sql: Sql, limit = 50, now = Date.now()): Promise<number> {
  const limits = getCore().getLimits();
  const sessions = await sessionsToCompact(sql, limit, (limits.maxSessionAgeMs + limits.maxSkewMs) / 1000);
  const done: { id: string; storedBytes: number | null }[] = [];
  for (const s of sessions) {
    let storedBytes: number | null = null;
    try {
      // A session with more chunks than one run compacts stays unmarked, so the next run carries on.
      const result = await compactSession(env.EVENTS, s, now);
      if (!result.complete) continue;
      storedBytes = result.storedBytes;
    } catch (err) {
      console.warn('compaction failed', s.id, err);
    }
    done.push({ id: s.id, storedBytes });
  }
  await markCompacted(sql, done);
  return sessions.length;
}

/** The cron entry: `*\/5 * * * *` keeps caches and storage tidy; the daily one enforces retention. */
export async function runScheduled(env: AppEnv, cron: string): Promise<Record<string, number>> {
  return withSql(env, async (sql) => {
    const done: Record<string, number> = {};
    if (cron === DAILY_CRON) {
      const retention = await enforceRetention(env, sql);
      done.retention_sessions_deleted = retention.sessions_deleted;
      done.retention_r2_keys_deleted = retention.r2_keys_deleted;
      return done;
    }
    const reconciled = await reconcilePending(env, sql);
    done.reconciled = reconciled.reconciled;
    if (reconciled.quarantined) done.quarantined = reconciled.quarantined;
    const ended = await endIdleSessions(sql, IDLE_MS, 500);
    await syncSessions(env, ended);
    done.ended = ended.length;
    done.cached = await catchUpCache(env, sql);
    done.compacted = await compactEnded(env, sql);
    return done;
  });
}

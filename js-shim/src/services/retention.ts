// The daily retention run (cron): what each site's retention window no longer
// covers leaves R2, Postgres and the D1 cache.
import type { AppEnv } from '../env';
import { DAY_MS, startOfDay } from '../lib/days';
import type { Sql } from '../storage/pg';
import { insertAudit, pruneTombstones, retentionPolicies } from '../storage/pg-storage';
import { CallBudget } from '../storage/r2';
import { clearStorage, deleteDaysBefore, R2_CALL_BUDGET } from './clear';

/**
 * The daily retention run: each site's sessions that started before its
 * retention window (whole UTC days) leave R2, Postgres and the cache, and R2
 * days older than every site's window are swept (objects no row points at).
 * What the budget leaves for tomorrow, tomorrow's run continues.
 */
export async function enforceRetention(env: AppEnv, sql: Sql, now = Date.now()) {
  const budget = new CallBudget(R2_CALL_BUDGET);
  const policies = await retentionPolicies(sql);
  const today = startOfDay(now).getTime();
  const perSite: Record<string, { before: string; sessions_deleted: number; complete: boolean }> = {};
  let sessions = 0;
  let keys = 0;
  let complete = true;
  for (const p of policies) {
    const before = new Date(today - p.retention_days * DAY_MS);
    const r = await clearStorage(env, sql, { siteId: p.id, before }, budget);
    sessions += r.sessions_deleted;
    keys += r.r2_keys_deleted;
    complete &&= r.complete;
    if (r.sessions_deleted || r.page_rows_deleted || !r.complete) {
      perSite[p.id] = { before: before.toISOString(), sessions_deleted: r.sessions_deleted, complete: r.complete };
    }
  }
  if (policies.length && complete) {
    const oldest = new Date(today - Math.max(...policies.map((p) => p.retention_days)) * DAY_MS);
    const swept = await deleteDaysBefore(env.EVENTS, oldest, budget);
    keys += swept.keys;
    complete = swept.complete;
  }
  // A tombstone matters while a batch of its session could still arrive (its
  // start + 24 h); two days on, a purged one can go.
  await pruneTombstones(sql, new Date(now - 2 * DAY_MS));
  if (sessions || keys) {
    await insertAudit(sql, { kind: 'system', id: 'retention' }, 'storage.retention', {}, { sessions_deleted: sessions, r2_keys_deleted: keys, complete, sites: perSite });
  }
  return { sessions_deleted: sessions, r2_keys_deleted: keys, complete };
}

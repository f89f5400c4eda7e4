// Clears (a session, a site, or everything before a date) across the three
// stores. R2 is the event store, Postgres the truth, D1 a cache: a clear
// deletes in that order, so a failure part-way leaves rows pointing at nothing
// rather than objects no row points at, and running the same clear again
// finishes it.
import type { AppEnv } from '../env';
import { hasCache, removeSessions, removeSessionsWhere } from '../storage/d1-cache-sync';
import type { Sql } from '../storage/pg';
import {
  appliedSeqs,
  countSessionsInScope,
  countUnpurged,
  deletePageRollups,
  deleteSessionRows,
  insertAudit,
  markPurged,
  pruneRollups,
  sessionsInScope,
  subtractInsights,
  subtractPageViews,
  subtractProps,
  unpurgedSessions,
  type Actor,
  type ClearScope,
  type StoredSession,
} from '../storage/pg-storage';
import { CallBudget, listFolders, scanPrefix } from '../storage/r2';
import type { Insights, MarkerKind, PageCount, Steps } from '../core';
import { linesWhereSeq } from '../lib/bytes';
import { getCore } from '../wasm';
import { forEachReplayWindow, prefixOf } from './replay';

/** R2 calls one clear, retention run or stats scan may make (see CallBudget). */
export const R2_CALL_BUDGET = 500;
/** Sessions deleted per Postgres statement. */
const ROWS_PER_BATCH = 500;

/** The R2 prefix of one UTC day's sessions, from the core. */
export function dayPrefix(day: Date): string {
  const r = getCore().dayPrefix(day.getTime());
  if (!r.ok) throw new Error(`no day prefix for ${day.toISOString()}: ${r.code}`);
  return r.key;
}

export interface ClearResult {
  sessions_deleted: number;
  /** R2 objects deleted (chunks, compacted objects, markers). */
  r2_keys_deleted: number;
  page_rows_deleted: number;
  cache: 'cleared' | 'none' | 'failed';
  /** False when the R2 budget ran out: the same clear again continues where this one stopped. */
  complete: boolean;
  /** Sessions of the scope with rows or R2 objects left. */
  remaining_sessions: number;
}

async function deleteBudgeted(bucket: R2Bucket, keys: string[], budget: CallBudget): Promise<boolean> {
  // R2 deletes at most 1,000 keys per call.
  for (let i = 0; i < keys.length; i += 1000) {
    if (!budget.spend()) return false;
    await bucket.delete(keys.slice(i, i + 1000));
  }
  return true;
}

/** The folder of a session's pending or quarantine markers, from the core. */
function markerFolder(kind: MarkerKind, sessionId: string): string {
  const r = getCore().markerKey(kind, sessionId, -1);
  if (!r.ok) throw new Error(`no marker folder for ${sessionId}: ${r.code}`);
  return r.key;
}

/**
 * Every R2 object of one erased session, found by listing its prefix and its
 * marker folders (never by rebuilding keys). False when the budget ran out.
 */
async function purgeSession(bucket: R2Bucket, s: StoredSession, budget: CallBudget): Promise<number | null> {
  const keys: string[] = [];
  for (const prefix of [prefixOf(s), markerFolder('pending', s.id), markerFolder('quarantine', s.id)]) {
    if (!(await scanPrefix(bucket, prefix, budget, (objects) => void keys.push(...objects.map((o) => o.key))))) return null;
  }
  return (await deleteBudgeted(bucket, keys, budget)) ? keys.length : null;
}

/**
 * Deletes the R2 objects of a scope's erased sessions whose tombstones say
 * they may still have some, a page at a time, and marks each finished one
 * purged: progress survives between calls, so a clear cut short by its budget
 * continues where it stopped, whatever the number of sessions.
 */
async function purgeErased(env: AppEnv, sql: Sql, scope: ClearScope, budget: CallBudget): Promise<{ keys: number; complete: boolean }> {
  let keys = 0;
  for (;;) {
    const page = await unpurgedSessions(sql, scope, 100);
    if (!page.length) return { keys, complete: true };
    const done: string[] = [];
    let complete = true;
    for (const s of page) {
      const n = await purgeSession(env.EVENTS, s, budget);
      if (n === null) {
        complete = false;
        break;
      }
      keys += n;
      done.push(s.id);
    }
    await markPurged(sql, done);
    if (!complete) return { keys, complete };
  }
}

/** One session's custom-event property counts summed over its windows, one entry per (day, event, key, value). */
function sumProps(windows: Steps['props'][]): Steps['props'] {
  const sums = new Map<string, Steps['props'][number]>();
  for (const p of windows.flat()) {
    const key = [p.day, p.event, p.key, p.value].join('\x1f');
    const hit = sums.get(key);
    if (hit) hit.count += p.count;
    else sums.set(key, { ...p });
  }
  return [...sums.values()];
}

/**
 * One session, exactly: its page views, insights and custom-event properties
 * leave the rollups (counted from its stored events of the seqs its row says
 * were applied, so a deferred batch not yet reconciled, never counted, is not
 * taken back), its row becomes a tombstone, then its objects go.
 */
async function clearSession(env: AppEnv, sql: Sql, s: StoredSession, budget: CallBudget): Promise<ClearResult> {
  const applied = new Set(s.is_bot ? [] : await appliedSeqs(sql, s.id));
  // Recounted a window at a time (bounded memory); a session that fits one
  // window (almost every one) is recounted whole, as it was counted.
  const recounts: { pages: PageCount[]; insights: Insights }[] = [];
  const props: Steps['props'][] = [];
  await forEachReplayWindow(env.EVENTS, s, (ndjson) => {
    const counted = linesWhereSeq(ndjson, (seq) => applied.has(seq));
    if (!counted.length) return;
    recounts.push({ pages: getCore().aggregateDelta(counted).pages, insights: getCore().batchInsights(counted) });
    props.push(getCore().batchSteps(counted).props);
  });
  const deleted = await deleteSessionRows(sql, [s.id]);
  // Bots never entered the page rollups: nothing of theirs to take back out.
  for (const r of s.is_bot ? [] : recounts) {
    await subtractPageViews(sql, s.site_id, r.pages);
    await subtractInsights(sql, s.site_id, r.insights);
  }
  if (!s.is_bot) await subtractProps(sql, s.site_id, sumProps(props));
  await pruneRollups(sql, [s]);
  const cached = await removeSessions(env, [s.id]);
  const purged = await purgeErased(env, sql, { sessionId: s.id }, budget);
  return {
    sessions_deleted: deleted,
    r2_keys_deleted: purged.keys,
    page_rows_deleted: 0,
    cache: hasCache(env) ? (cached ? 'cleared' : 'failed') : 'none',
    complete: purged.complete,
    remaining_sessions: purged.complete ? 0 : 1,
  };
}

/**
 * Everything under the day prefixes before `before`, whatever site it belongs
 * to (so objects no row points at go too), plus markers of sessions that
 * started before it.
 */
export async function deleteDaysBefore(bucket: R2Bucket, before: Date, budget: CallBudget): Promise<{ keys: number; complete: boolean }> {
  if (before.getTime() <= 0) return { keys: 0, complete: true };
  const limit = dayPrefix(before);
  let keys = 0;
  const deleteAll = async (prefix: string): Promise<boolean> => {
    // List a page, delete it, until nothing is left (no cursor across deletes).
    for (;;) {
      if (!budget.spend()) return false;
      const page = await bucket.list({ prefix, limit: 1000 });
      if (!page.objects.length) return true;
      if (!(await deleteBudgeted(bucket, page.objects.map((o) => o.key), budget))) return false;
      keys += page.objects.length;
      if (!page.truncated) return true;
    }
  };
  // Folders are sessions/YYYY/, then …/MM/, then …/DD/: fixed widths, so the
  // cut-off truncated to a folder's length is that folder's bound.
  const walk = async (prefix: string): Promise<boolean> => {
    const folders = await listFolders(bucket, prefix, budget);
    if (!folders) return false;
    for (const folder of folders) {
      const cut = limit.slice(0, folder.length);
      if (folder < cut) {
        if (!(await deleteAll(folder))) return false;
      } else if (folder === cut && folder.length < limit.length) {
        if (!(await walk(folder))) return false;
      }
    }
    return true;
  };
  let complete = await walk(getCore().rootPrefix('sessions'));
  for (const kind of ['pending', 'quarantine'] as const) {
    if (!complete) break;
    const stale: string[] = [];
    complete = await scanPrefix(bucket, getCore().rootPrefix(kind), budget, (objects) => {
      for (const o of objects) {
        const started = Date.parse(o.customMetadata?.session_started_at ?? '');
        if (started < before.getTime()) stale.push(o.key);
      }
    });
    if (complete) complete = await deleteBudgeted(bucket, stale, budget);
    keys += stale.length;
  }
  return { keys, complete };
}

/**
 * Clears a scope from Postgres, R2 and the D1 cache. Rows go first, each
 * leaving a tombstone in the same statement, so a batch arriving meanwhile is
 * refused instead of re-creating its session; then the erased sessions' R2
 * objects are listed and deleted (progress kept in the tombstones);
 * everything-before-a-date also sweeps R2 by day. Page rollups go once
 * nothing of the scope is left.
 */
export async function clearStorage(env: AppEnv, sql: Sql, scope: ClearScope, budget = new CallBudget(R2_CALL_BUDGET)): Promise<ClearResult> {
  const result: ClearResult = { sessions_deleted: 0, r2_keys_deleted: 0, page_rows_deleted: 0, cache: hasCache(env) ? 'cleared' : 'none', complete: true, remaining_sessions: 0 };
  if (scope.sessionId) {
    const [s] = await sessionsInScope(sql, scope, 1);
    if (s) return clearSession(env, sql, s, budget);
    // Already erased (perhaps cut short): finish its objects.
    const purged = await purgeErased(env, sql, scope, budget);
    return { ...result, r2_keys_deleted: purged.keys, complete: purged.complete, remaining_sessions: purged.complete ? 0 : 1 };
  }
  for (;;) {
    const batch = await sessionsInScope(sql, scope, ROWS_PER_BATCH);
    if (!batch.length) break;
    const ids = batch.map((s) => s.id);
    result.sessions_deleted += await deleteSessionRows(sql, ids);
    await pruneRollups(sql, batch);
    if (!(await removeSessions(env, ids))) result.cache = 'failed';
    if (batch.length < ROWS_PER_BATCH) break;
  }
  if (!scope.siteId && scope.before) {
    const swept = await deleteDaysBefore(env.EVENTS, scope.before, budget);
    result.r2_keys_deleted += swept.keys;
    result.complete = swept.complete;
  }
  if (result.complete) {
    const purged = await purgeErased(env, sql, scope, budget);
    result.r2_keys_deleted += purged.keys;
    result.complete = purged.complete;
  }
  result.remaining_sessions = (await countSessionsInScope(sql, scope)) + (await countUnpurged(sql, scope));
  if (result.remaining_sessions > 0) result.complete = false;
  if (result.complete) {
    result.page_rows_deleted = await deletePageRollups(sql, scope);
    // Also the cache rows Postgres never had (legacy D1 sessions).
    if (!(await removeSessionsWhere(env, scope))) result.cache = 'failed';
  }
  return result;
}

/** Clears and writes the audit row, both or (on an error before the audit) neither reported. */
export async function clearWithAudit(env: AppEnv, sql: Sql, actor: Actor, scope: ClearScope) {
  const result = await clearStorage(env, sql, scope);
  const auditId = await insertAudit(sql, actor, 'storage.clear', clearTarget(scope), result);
  return { ...result, audit_id: auditId };
}

function clearTarget(s: ClearScope) {
  return { session_id: s.sessionId ?? null, site_id: s.siteId ?? null, before: s.before?.toISOString() ?? null };
}

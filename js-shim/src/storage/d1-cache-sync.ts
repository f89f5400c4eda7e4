// The D1 edge read cache, and the ONLY code that touches env.DB. Postgres is the
// source of truth; rows here are copies written off the response path
// (ctx.waitUntil after a Postgres write, using what the write returned) and by
// the cron catch-up from a watermark. Every read falls back to Postgres when
// D1 is absent, failing or missing the row.
import type { AppEnv } from '../env';
import type { SessionRow } from './pg-sessions';
import type { SiteConfig } from './pg-sites';
import { FILTER_COLUMNS, type Filters, type ListQuery } from './query';

export function hasCache(env: AppEnv): boolean {
  return Boolean(env.DB);
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

const SESSION_UPSERT = `
  INSERT INTO sessions (id, site_id, started_at, last_seen_at, ended_at, visitor_id, entry_page, exit_page, referrer,
    referrer_domain, utm_source, country, device, browser, os, screen, language, event_count, page_views, clicks,
    custom_events, errors, max_scroll_percent, duration_ms, updated_at, rrweb_events)
  VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26)
  ON CONFLICT (id) DO UPDATE SET
    last_seen_at = excluded.last_seen_at, ended_at = excluded.ended_at, entry_page = excluded.entry_page,
    exit_page = excluded.exit_page, event_count = excluded.event_count, page_views = excluded.page_views,
    clicks = excluded.clicks, custom_events = excluded.custom_events, errors = excluded.errors,
    rrweb_events = excluded.rrweb_events,
    max_scroll_percent = excluded.max_scroll_percent, duration_ms = excluded.duration_ms, updated_at = excluded.updated_at
  WHERE sessions.updated_at IS NULL OR excluded.updated_at > sessions.updated_at`;
// Strictly newer: the cron catch-up copies every row changed since its
// watermark, and most of them (a session/end, a throttled refresh) are in D1
// already; a copy whose row has not moved on writes nothing, so D1 bills no
// row for it. updated_at is set by each statement that changes the row, and
// those are separate requests: two states of one session a millisecond apart
// do not arise.
// 26 bound parameters: under D1's limit of 100 per statement.

function sessionStatement(db: D1Database, s: SessionRow): D1PreparedStatement {
  return db.prepare(SESSION_UPSERT).bind(
    s.id, s.site_id, iso(s.started_at), iso(s.last_seen_at), iso(s.ended_at), s.visitor_id, s.entry_page, s.exit_page,
    s.referrer, s.referrer_domain, s.utm_source, s.country, s.device, s.browser, s.os, s.screen, s.language,
    s.event_count, s.page_views, s.clicks, s.custom_events, s.errors, s.max_scroll_percent, s.duration_ms,
    iso(s.updated_at), s.rrweb_events,
  );
}

/** Copies session rows Postgres returned into D1. Never throws: a cache write failing is not a request failing. */
export async function syncSessions(env: AppEnv, rows: SessionRow[]): Promise<void> {
  if (!env.DB || !rows.length) return;
  const db = env.DB;
  try {
    await db.batch(rows.map((r) => sessionStatement(db, r)));
  } catch (err) {
    console.warn('d1 cache: session sync failed', err);
  }
}

export async function syncSites(env: AppEnv, sites: SiteConfig[]): Promise<void> {
  if (!env.DB || !sites.length) return;
  const db = env.DB;
  try {
    await db.batch(
      sites.map((s) =>
        db
          .prepare(
            `INSERT INTO sites (id, name, domain, allowed_origins, replay_enabled, replay_sample_rate, retention_days, respect_dnt, updated_at, bot_patterns)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, domain = excluded.domain,
               allowed_origins = excluded.allowed_origins, replay_enabled = excluded.replay_enabled,
               replay_sample_rate = excluded.replay_sample_rate, retention_days = excluded.retention_days,
               respect_dnt = excluded.respect_dnt, updated_at = excluded.updated_at, bot_patterns = excluded.bot_patterns`,
          )
          .bind(s.id, s.name, s.domain, JSON.stringify(s.allowed_origins), s.replay_enabled ? 1 : 0, s.replay_sample_rate,
            s.retention_days, s.respect_dnt ? 1 : 0, new Date().toISOString(), JSON.stringify(s.bot_patterns ?? [])),
      ),
    );
  } catch (err) {
    console.warn('d1 cache: site sync failed', err);
  }
}

export async function removeSites(env: AppEnv, siteIds: string[]): Promise<void> {
  if (!env.DB || !siteIds.length) return;
  try {
    await env.DB.batch(siteIds.map((id) => env.DB!.prepare('DELETE FROM sites WHERE id = ?1').bind(id)));
  } catch (err) {
    console.warn('d1 cache: site removal failed', err);
  }
}

/**
 * Drops cached session rows (a storage clear or retention). Returns false when
 * the cache could not be changed, so the caller can report it; true when done
 * or when there is no cache.
 */
export async function removeSessions(env: AppEnv, ids: string[]): Promise<boolean> {
  if (!env.DB || !ids.length) return true;
  const db = env.DB;
  // D1: 100 bound parameters per statement.
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < ids.length; i += 100) {
    const part = ids.slice(i, i + 100);
    statements.push(db.prepare(`DELETE FROM sessions WHERE id IN (${part.map((_, k) => `?${k + 1}`).join(', ')})`).bind(...part));
  }
  try {
    await db.batch(statements);
    return true;
  } catch (err) {
    console.warn('d1 cache: session removal failed', err);
    return false;
  }
}

/** Drops cached sessions of a site and/or started before a time. */
export async function removeSessionsWhere(env: AppEnv, s: { siteId?: string; before?: Date }): Promise<boolean> {
  if (!env.DB || (!s.siteId && !s.before)) return true;
  const params: string[] = [];
  let where = '';
  if (s.siteId) {
    params.push(s.siteId);
    where += ` AND site_id = ?${params.length}`;
  }
  if (s.before) {
    params.push(s.before.toISOString());
    where += ` AND started_at < ?${params.length}`;
  }
  try {
    await env.DB.prepare(`DELETE FROM sessions WHERE 1 = 1${where}`).bind(...params).run();
    return true;
  } catch (err) {
    console.warn('d1 cache: session removal failed', err);
    return false;
  }
}

/** Cached site config, or undefined on a miss or when D1 is unavailable. */
export async function cachedSite(env: AppEnv, siteId: string): Promise<SiteConfig | undefined> {
  if (!env.DB) return undefined;
  try {
    const row = await env.DB.prepare(
      'SELECT id, name, domain, allowed_origins, replay_enabled, replay_sample_rate, retention_days, respect_dnt, bot_patterns FROM sites WHERE id = ?1',
    )
      .bind(siteId)
      .first<Record<string, unknown>>();
    if (!row) return undefined;
    return {
      id: String(row.id),
      name: String(row.name),
      domain: String(row.domain),
      allowed_origins: JSON.parse(String(row.allowed_origins ?? '[]')),
      replay_enabled: Boolean(row.replay_enabled),
      replay_sample_rate: Number(row.replay_sample_rate),
      retention_days: Number(row.retention_days),
      respect_dnt: Boolean(row.respect_dnt),
      bot_patterns: JSON.parse(String(row.bot_patterns ?? '[]')),
    };
  } catch (err) {
    console.warn('d1 cache: site read failed', err);
    return undefined;
  }
}

function filterSql(filters: Filters, params: unknown[]): string {
  let sql = '';
  for (const [name, column] of Object.entries(FILTER_COLUMNS)) {
    const value = filters[name as keyof Filters];
    if (value === undefined) continue;
    params.push(value);
    sql += ` AND ${column} = ?${params.length}`;
  }
  if (filters.source !== undefined) {
    if (filters.source === '(direct)') {
      sql += ' AND referrer_domain IS NULL AND utm_source IS NULL';
    } else {
      params.push(filters.source);
      sql += ` AND (referrer_domain = ?${params.length} OR utm_source = ?${params.length})`;
    }
  }
  return sql;
}

/** The session list from the cache; undefined when the cache cannot answer. */
export async function cachedSessionList(env: AppEnv, q: ListQuery): Promise<Record<string, unknown>[] | undefined> {
  if (!env.DB) return undefined;
  const params: unknown[] = [q.siteId, q.from.toISOString(), q.to.toISOString()];
  let sql = `SELECT id, site_id, started_at, last_seen_at, ended_at, entry_page, exit_page, referrer_domain, utm_source,
      country, device, browser, os, event_count, page_views, clicks, custom_events, errors, rrweb_events, max_scroll_percent,
      duration_ms
    FROM sessions WHERE site_id = ?1 AND started_at >= ?2 AND started_at < ?3 AND updated_at IS NOT NULL`;
  sql += filterSql(q.filters, params);
  if (q.after) {
    const isTime = q.sort === 'started_at' || q.sort === 'last_seen_at';
    params.push(isTime ? new Date(q.after.value).toISOString() : Number(q.after.value), q.after.id);
    sql += ` AND (${q.sort} < ?${params.length - 1} OR (${q.sort} = ?${params.length - 1} AND id < ?${params.length}))`;
  }
  params.push(q.limit);
  sql += ` ORDER BY ${q.sort} DESC, id DESC LIMIT ?${params.length}`;
  try {
    const { results } = await env.DB.prepare(sql).bind(...params).all<Record<string, unknown>>();
    return results;
  } catch (err) {
    console.warn('d1 cache: session list failed', err);
    return undefined;
  }
}

export async function cachedRealtime(env: AppEnv, siteId: string, since: Date) {
  if (!env.DB) return undefined;
  try {
    const db = env.DB;
    const args = [siteId, since.toISOString()];
    const [counts, pages] = await db.batch<Record<string, unknown>>([
      db.prepare(`SELECT count(*) AS active_sessions, count(DISTINCT COALESCE(visitor_id, id)) AS active_visitors
                  FROM sessions WHERE site_id = ?1 AND last_seen_at >= ?2 AND ended_at IS NULL`).bind(...args),
      db.prepare(`SELECT COALESCE(exit_page, entry_page, '/') AS path, count(*) AS sessions FROM sessions
                  WHERE site_id = ?1 AND last_seen_at >= ?2 AND ended_at IS NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10`).bind(...args),
    ]);
    return { ...(counts.results[0] as object), pages: pages.results };
  } catch (err) {
    console.warn('d1 cache: realtime failed', err);
    return undefined;
  }
}

const WATERMARK = 'sessions_synced_until';

export async function readWatermark(env: AppEnv): Promise<Date | undefined> {
  if (!env.DB) return undefined;
  const row = await env.DB.prepare('SELECT value FROM cache_state WHERE key = ?1').bind(WATERMARK).first<{ value: string }>();
  return row ? new Date(row.value) : new Date(0);
}

export async function writeWatermark(env: AppEnv, until: Date): Promise<void> {
  if (!env.DB) return;
  await env.DB.prepare('INSERT INTO cache_state (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
    .bind(WATERMARK, until.toISOString())
    .run();
}

/** Health: a trivial read, timed by the caller. */
export async function pingCache(env: AppEnv): Promise<void> {
  if (!env.DB) throw new Error('D1 binding missing');
  await env.DB.prepare('SELECT 1').first();
}

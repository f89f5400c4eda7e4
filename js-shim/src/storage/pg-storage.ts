// Storage administration in Postgres: row counts, the sessions an export or a
// clear covers, their deletion, and the audit log of what was deleted.
import type { Insights, PageCount, Steps } from '../core';
import type { Sql } from './pg';
import type { SessionLocation } from './pg-sessions';
import { changingSessions, dropKeptDays } from './pg-kept-days';
import { rollupColumns, rollupUpsert, sessionRollupArgs, utcDay } from './pg-rollups';

/** Every table the stats report on; a fixed list, spliced as identifiers. */
export const COUNTED_TABLES = [
  'sites', 'sessions', 'page_daily', 'api_tokens', 'user', 'session', 'account', 'verification',
  'deployment_history', 'admin_audit_log', 'erased_sessions',
] as const;

export async function tableRowCounts(sql: Sql): Promise<Record<string, number>> {
  const columns = COUNTED_TABLES.map((t) => `(SELECT count(*) FROM "${t}")::int AS "${t}"`).join(', ');
  const [row] = await sql.unsafe(`SELECT ${columns}`);
  return row as Record<string, number>;
}

export async function sessionsPerSiteDay(sql: Sql, from: Date, to: Date) {
  return sql`
    SELECT site_id, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*)::int AS sessions,
           COALESCE(sum(event_count), 0)::int AS events, COALESCE(sum(bytes_stored), 0)::float8 AS bytes_ingested
    FROM sessions WHERE started_at >= ${from} AND started_at < ${to}
    GROUP BY 1, 2 ORDER BY 2, 1`;
}

/** What a clear covers: one session, a site (optionally only before a time), or everything before a time. */
export interface ClearScope {
  sessionId?: string;
  siteId?: string;
  before?: Date;
}

/** A session a clear covers; bots never entered the page rollups, so a clear has nothing to take back out of them. */
export type StoredSession = SessionLocation & { started_at: Date; is_bot?: boolean };

function scopeWhere(sql: Sql, s: ClearScope) {
  return sql`
    ${s.sessionId ? sql`AND id = ${s.sessionId}` : sql``}
    ${s.siteId ? sql`AND site_id = ${s.siteId}` : sql``}
    ${s.before ? sql`AND started_at < ${s.before}` : sql``}`;
}

/** The next sessions a clear deletes, oldest first. */
export async function sessionsInScope(sql: Sql, s: ClearScope, limit: number): Promise<StoredSession[]> {
  return sql<StoredSession[]>`
    SELECT id, site_id, started_at, is_bot FROM sessions
    WHERE true ${scopeWhere(sql, s)} ORDER BY started_at, id LIMIT ${limit}`;
}

export async function countSessionsInScope(sql: Sql, s: ClearScope): Promise<number> {
  const [row] = await sql`SELECT count(*)::int AS n FROM sessions WHERE true ${scopeWhere(sql, s)}`;
  return row.n as number;
}

/**
 * Deletes sessions and takes them out of the rollups in the same statement: a
 * visitor leaves the day's count with its last session (visitor_daily), each
 * session's rollup rows are subtracted. Every deletion of session rows goes
 * through here, so the rollups stay as if the sessions had never been. Each
 * deleted session leaves a tombstone (erased_sessions) in the same statement,
 * so no batch can re-create it (the batch statement checks tombstones) and a
 * clear knows which sessions' R2 objects it still has to delete; the saved
 * funnels' and goals' answers for the sessions' days (funnel_days, goal_days)
 * go with them.
 * Session ids match [A-Za-z0-9_-], so a text[] literal needs no quoting.
 */
export async function deleteSessionRows(sql: Sql, ids: string[]): Promise<number> {
  if (!ids.length) return 0;
  const idList = `{${ids.join(',')}}`;
  const sites = await sql`SELECT DISTINCT site_id FROM sessions WHERE id = ANY(${idList}::text[])`;
  if (!sites.length) return 0;
  return changingSessions(sql, sites.map((r) => r.site_id as string), async (tx) => {
    const [row] = await tx`
      WITH gone AS (
        DELETE FROM sessions WHERE id = ANY(${idList}::text[]) RETURNING *
      ), per_visitor AS (
        SELECT site_id, ${utcDay(tx, 'started_at')} AS day, visitor_id, count(*)::int AS n, min(id) AS counted_by
        FROM gone WHERE visitor_id IS NOT NULL GROUP BY 1, 2, 3
      ), visitor AS (
        UPDATE visitor_daily v SET sessions = v.sessions - p.n
        FROM per_visitor p WHERE v.site_id = p.site_id AND v.day = p.day AND v.visitor_id = p.visitor_id
        RETURNING v.site_id, v.day, v.visitor_id, v.sessions
      ), contrib AS (
        SELECT g.site_id, ${utcDay(tx, 'g.started_at')} AS day, ${rollupColumns(tx, 'g')}
        FROM gone g
        LEFT JOIN per_visitor p ON p.counted_by = g.id
        LEFT JOIN visitor v ON v.site_id = p.site_id AND v.day = p.day AND v.visitor_id = p.visitor_id,
        rollup_rows(-1, CASE WHEN g.visitor_id IS NULL OR v.sessions <= 0 THEN 1 ELSE 0 END, ${sessionRollupArgs(tx, 'g')}) r
      ), rolled AS (${rollupUpsert(tx)}
      ), tombstones AS (
        INSERT INTO erased_sessions (id, site_id, started_at) SELECT id, site_id, started_at FROM gone
        ON CONFLICT (id) DO NOTHING
      ), ${dropKeptDays(tx, tx`SELECT DISTINCT site_id, ${utcDay(tx, 'started_at')} AS day FROM gone`)}
      SELECT count(*)::int AS n FROM gone`;
    return row.n as number;
  });
}

/**
 * Drops what read caches keep for a session's start day (funnel_days,
 * goal_days): a batch applied after its day closed (a deferred one,
 * reconciled once Postgres was back) changed a session those kept answers
 * counted.
 */
export async function forgetKeptDay(sql: Sql, s: SessionLocation): Promise<void> {
  const day = new Date(s.started_at).toISOString().slice(0, 10);
  await changingSessions(sql, [s.site_id], (tx) => tx`
    WITH ${dropKeptDays(tx, tx`SELECT ${s.site_id}::text AS site_id, ${day}::date AS day`)}
    SELECT 1`);
}

function tombstoneWhere(sql: Sql, s: ClearScope) {
  return sql`
    ${s.sessionId ? sql`AND id = ${s.sessionId}` : sql``}
    ${s.siteId ? sql`AND site_id = ${s.siteId}` : sql``}
    ${s.before ? sql`AND started_at < ${s.before}` : sql``}`;
}

/** Erased sessions of a scope whose R2 objects may still exist. */
export async function unpurgedSessions(sql: Sql, s: ClearScope, limit: number): Promise<StoredSession[]> {
  return sql<StoredSession[]>`
    SELECT id, site_id, started_at FROM erased_sessions
    WHERE purged_at IS NULL ${tombstoneWhere(sql, s)} ORDER BY started_at, id LIMIT ${limit}`;
}

export async function countUnpurged(sql: Sql, s: ClearScope): Promise<number> {
  const [row] = await sql`SELECT count(*)::int AS n FROM erased_sessions WHERE purged_at IS NULL ${tombstoneWhere(sql, s)}`;
  return row.n as number;
}

export async function markPurged(sql: Sql, ids: string[]): Promise<void> {
  if (!ids.length) return;
  await sql`UPDATE erased_sessions SET purged_at = now() WHERE id = ANY(${`{${ids.join(',')}}`}::text[])`;
}

/** Tombstones of sessions no batch can reach any more (started before `before`) and whose objects are gone. */
export async function pruneTombstones(sql: Sql, before: Date): Promise<number> {
  const rows = await sql`DELETE FROM erased_sessions WHERE purged_at IS NOT NULL AND started_at < ${before} RETURNING id`;
  return rows.length;
}

/**
 * Drops the rollup rows of the given sessions' days that no session counts
 * any more (after deletions), and visitor counts that reached zero. Reads
 * skip such rows either way.
 */
export async function pruneRollups(sql: Sql, sessions: { site_id: string; started_at: Date }[]): Promise<void> {
  // Site ids match [A-Za-z0-9_-]: 'site|YYYY-MM-DD' needs no quoting in a text[] literal.
  const keys = [...new Set(sessions.map((s) => `${s.site_id}|${new Date(s.started_at).toISOString().slice(0, 10)}`))];
  if (!keys.length) return;
  const days = sql`SELECT split_part(k, '|', 1) AS site_id, split_part(k, '|', 2)::date AS day
                   FROM unnest(${`{${keys.join(',')}}`}::text[]) AS k`;
  await sql`DELETE FROM rollup_daily WHERE (site_id, day) IN (${days}) AND sessions = 0 AND visitors = 0`;
  await sql`DELETE FROM visitor_daily WHERE (site_id, day) IN (${days}) AND sessions <= 0`;
}

/**
 * Page and session rollups of a site, or of days before a time (for one site
 * or all): page views, and the heatmap, scroll-depth, click-issue and
 * custom-event property rollups with them.
 */
export async function deletePageRollups(sql: Sql, s: { siteId?: string; before?: Date }): Promise<number> {
  const scope = sql`
      ${s.siteId ? sql`AND site_id = ${s.siteId}` : sql``}
      ${s.before ? sql`AND day < (${s.before}::timestamptz AT TIME ZONE 'UTC')::date` : sql``}`;
  await sql`DELETE FROM rollup_daily WHERE true ${scope}`;
  await sql`DELETE FROM visitor_daily WHERE true ${scope}`;
  await sql`
    WITH cells AS (DELETE FROM click_cells_daily WHERE true ${scope}),
         click_pages AS (DELETE FROM click_pages_daily WHERE true ${scope}),
         reach AS (DELETE FROM scroll_depth_daily WHERE true ${scope}),
         props AS (DELETE FROM prop_values_daily WHERE true ${scope})
    DELETE FROM click_issues_daily WHERE true ${scope}`;
  const rows = await sql`DELETE FROM page_daily WHERE true ${scope} RETURNING site_id`;
  return rows.length;
}

/**
 * Takes one session's clicks, scroll depths and click issues back out of the
 * page rollups (a single-session clear), from the insights of its whole
 * recording. Its error groups and page snapshots go with its row (foreign keys).
 */
export async function subtractInsights(sql: Sql, siteId: string, ins: Insights): Promise<void> {
  if (!ins.cells.length && !ins.scroll.length && !ins.issues.length) return;
  await sql`
    WITH cells AS (
      UPDATE click_cells_daily t SET clicks = GREATEST(t.clicks - x.clicks, 0)
      FROM (SELECT path, width, day::date AS day, y, x, sum(clicks)::int AS clicks
            FROM jsonb_to_recordset(${sql.json(ins.cells as never)}::jsonb) AS c(day text, path text, width text, x int, y int, clicks int)
            WHERE path <> '' GROUP BY 1, 2, 3, 4, 5) x
      WHERE t.site_id = ${siteId} AND t.path = x.path AND t.width = x.width AND t.day = x.day AND t.y = x.y AND t.x = x.x
    ), click_pages AS (
      UPDATE click_pages_daily t SET clicks = GREATEST(t.clicks - x.clicks, 0)
      FROM (SELECT path, width, day::date AS day, sum(clicks)::int AS clicks
            FROM jsonb_to_recordset(${sql.json(ins.cells as never)}::jsonb) AS c(day text, path text, width text, clicks int)
            WHERE path <> '' GROUP BY 1, 2, 3) x
      WHERE t.site_id = ${siteId} AND t.path = x.path AND t.width = x.width AND t.day = x.day
    ), reach AS (
      UPDATE scroll_depth_daily t SET page_views = GREATEST(t.page_views - x.n, 0)
      FROM (SELECT r.path, r.day::date AS day, g.depth, count(*)::int AS n
            FROM jsonb_to_recordset(${sql.json(ins.scroll as never)}::jsonb) AS r(day text, path text, "from" int, "to" int)
            CROSS JOIN LATERAL generate_series(GREATEST(r."from", -1) + 1, r."to") AS g(depth)
            WHERE r.path <> '' GROUP BY 1, 2, 3) x
      WHERE t.site_id = ${siteId} AND t.path = x.path AND t.day = x.day AND t.depth = x.depth
    )
    UPDATE click_issues_daily t SET clicks = GREATEST(t.clicks - x.n, 0)
    FROM (SELECT path, day::date AS day, kind, selector, sum(count)::int AS n
          FROM jsonb_to_recordset(${sql.json(ins.issues as never)}::jsonb) AS i(kind text, day text, path text, selector text, count int)
          WHERE path <> '' GROUP BY 1, 2, 3, 4) x
    WHERE t.site_id = ${siteId} AND t.path = x.path AND t.day = x.day AND t.kind = x.kind AND t.selector = x.selector`;
}

/** The batch seqs whose counts the session's row holds (its `applied` ranges), in order. */
export async function appliedSeqs(sql: Sql, sessionId: string): Promise<number[]> {
  const rows = await sql`
    SELECT g::int AS seq FROM sessions, unnest(applied) AS r, generate_series(lower(r), upper(r) - 1) AS g
    WHERE id = ${sessionId} ORDER BY 1`;
  return rows.map((r) => r.seq as number);
}

/**
 * Takes one session's custom-event properties back out of prop_values_daily
 * (a single-session clear), exactly. The rule that keeps it exact, whatever
 * the per-key bound did at ingest: a value that has a row of its own on that
 * day was counted there, any other under '(other)' (ingest sends a value to
 * '(other)' only when the key's rows are full, and nothing frees a row while
 * '(other)' holds a count). So each count goes back from the row it was
 * added to; a row brought to 0 stays, holding its place, while its key's
 * '(other)' row holds counts (otherwise a value counted under '(other)' could
 * later get a row of its own, and a clear would take it from the wrong one);
 * once '(other)' holds none, the key's empty rows go.
 */
export async function subtractProps(sql: Sql, siteId: string, props: Steps['props']): Promise<void> {
  if (!props.length) return;
  const touched = sql`
    SELECT DISTINCT p.day::date AS day, p.event, p.key
    FROM jsonb_to_recordset(${sql.json(props as never)}::jsonb) AS p(day text, event text, key text)`;
  await sql`
    UPDATE prop_values_daily t SET events = GREATEST(t.events - x.n, 0)
    FROM (SELECT p.day, p.event, p.key,
                 CASE WHEN EXISTS (SELECT 1 FROM prop_values_daily v WHERE v.site_id = ${siteId} AND v.day = p.day
                                   AND v.event = p.event AND v.key = p.key AND v.value = p.value AND v.value <> '(other)')
                      THEN p.value ELSE '(other)' END AS value,
                 sum(p.count)::int AS n
          FROM (SELECT p.day::date AS day, p.event, p.key, p.value, p.count
                FROM jsonb_to_recordset(${sql.json(props as never)}::jsonb) AS p(day text, event text, key text, value text, count int)) p
          GROUP BY 1, 2, 3, 4) x
    WHERE t.site_id = ${siteId} AND t.day = x.day AND t.event = x.event AND t.key = x.key AND t.value = x.value`;
  await sql`
    DELETE FROM prop_values_daily t USING (${touched}) k
    WHERE t.site_id = ${siteId} AND t.day = k.day AND t.event = k.event AND t.key = k.key AND t.events = 0
      AND NOT EXISTS (SELECT 1 FROM prop_values_daily o WHERE o.site_id = ${siteId} AND o.day = k.day AND o.event = k.event
                      AND o.key = k.key AND o.value = '(other)' AND o.events > 0)`;
}

/** Takes one session's page views back out of the daily rollup (a single-session clear). */
export async function subtractPageViews(sql: Sql, siteId: string, pages: PageCount[]): Promise<void> {
  if (!pages.length) return;
  await sql`
    WITH gone AS (
      UPDATE page_daily p SET page_views = GREATEST(p.page_views - x.views, 0)
      FROM jsonb_to_recordset(${sql.json(pages as never)}::jsonb) AS x(day text, path text, views int)
      WHERE p.site_id = ${siteId} AND p.day = x.day::date AND p.path = x.path
      RETURNING p.site_id, p.day, p.path, p.page_views
    )
    DELETE FROM page_daily d USING gone
    WHERE d.site_id = gone.site_id AND d.day = gone.day AND d.path = gone.path AND gone.page_views = 0`;
}

export interface Actor {
  kind: 'user' | 'token' | 'share' | 'system';
  id: string;
}

export async function insertAudit(sql: Sql, actor: Actor, action: string, target: object, result: object): Promise<number> {
  const [row] = await sql`
    INSERT INTO admin_audit_log (actor_kind, actor_id, action, target, result)
    VALUES (${actor.kind}, ${actor.id}, ${action}, ${sql.json(target as never)}, ${sql.json(result as never)})
    RETURNING id::int AS id`;
  return row.id as number;
}

export async function retentionPolicies(sql: Sql): Promise<{ id: string; retention_days: number }[]> {
  return sql<{ id: string; retention_days: number }[]>`SELECT id, retention_days FROM sites ORDER BY id`;
}

/**
 * Sessions an export covers, in pages ordered by id: a stable key, unlike
 * started_at, whose microseconds a JS Date would round away between pages.
 */
export async function sessionsForExport(
  sql: Sql,
  s: { siteId?: string; sessionId?: string; from?: Date; to?: Date },
  afterId: string | null,
  limit: number,
): Promise<Record<string, unknown>[]> {
  const rows = await sql`
    SELECT * FROM sessions WHERE true
      ${s.sessionId ? sql`AND id = ${s.sessionId}` : sql``}
      ${s.siteId ? sql`AND site_id = ${s.siteId}` : sql``}
      ${s.from ? sql`AND started_at >= ${s.from}` : sql``}
      ${s.to ? sql`AND started_at < ${s.to}` : sql``}
      ${afterId ? sql`AND id > ${afterId}` : sql``}
    ORDER BY id LIMIT ${limit}`;
  // Bookkeeping columns say nothing about the visitor.
  return rows.map(({ applied: _s, entry_key: _e, exit_key: _x, ...row }) => ({
    ...row,
    duration_ms: Number(row.duration_ms),
    bytes_stored: Number(row.bytes_stored),
  }));
}

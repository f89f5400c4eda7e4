// Session rows in Postgres: the columns the D1 cache and the session list
// carry, and one session read whole.
import type { EventCounts, SessionOrigin } from '../contract';
import { MAX_SESSION_STEPS } from '../core';
import { decodePath } from '../lib/paths';
import type { Sql } from './pg';

/** Where a session's objects live: the R2 prefix derives from its id and start (the core's key layout). */
export interface SessionLocation {
  id: string;
  site_id: string;
  started_at: Date | string;
}

/** The columns the D1 cache and the session list carry. */
export interface SessionRow extends SessionOrigin, EventCounts {
  id: string;
  site_id: string;
  started_at: Date;
  last_seen_at: Date;
  ended_at: Date | null;
  visitor_id: string | null;
  duration_ms: number;
  updated_at: Date;
}

export const SESSION_COLUMNS = [
  'id', 'site_id', 'started_at', 'last_seen_at', 'ended_at', 'visitor_id', 'entry_page', 'exit_page', 'referrer',
  'referrer_domain', 'utm_source', 'country', 'device', 'browser', 'os', 'screen', 'language', 'event_count',
  'page_views', 'clicks', 'custom_events', 'errors', 'rrweb_events', 'max_scroll_percent', 'duration_ms', 'updated_at',
] as const;

// A fixed list of identifiers, spliced as SQL text (never client input).
const SESSION_COLUMN_LIST = SESSION_COLUMNS.join(', ');
export const sessionColumns = (sql: Sql) => sql.unsafe(SESSION_COLUMN_LIST);

export function normaliseSession(row: Record<string, unknown>): SessionRow {
  return { ...(row as unknown as SessionRow), duration_ms: Number(row.duration_ms), max_scroll_percent: Number(row.max_scroll_percent) };
}

export type SessionDetail = Omit<SessionRow, 'duration_ms'> & { duration_ms: number; bytes_stored: number; [column: string]: unknown };

export async function findSession(sql: Sql, siteIds: string[] | null, sessionId: string): Promise<SessionDetail | null> {
  const rows = await sql`
    SELECT * FROM sessions WHERE id = ${sessionId} ${siteIds ? sql`AND site_id = ANY(${`{${siteIds.join(',')}}`}::text[])` : sql``}`;
  if (!rows.length) return null;
  const { applied: _seqs, entry_key: _e, exit_key: _x, path, ...row } = rows[0];
  return {
    ...(row as SessionRow),
    duration_ms: Number(row.duration_ms),
    bytes_stored: Number(row.bytes_stored),
    // The visit's steps (at most path_cap; path_dropped counts the rest).
    path: decodePath(path as string),
    path_cap: MAX_SESSION_STEPS,
  };
}


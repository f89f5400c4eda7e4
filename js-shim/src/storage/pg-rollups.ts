// The SQL pieces that keep the daily rollups (migrations/postgres/0030) exact.
// Each statement that changes a session row lists, in a CTE named `contrib`,
// the rollup rows it adds (sign +1) and takes back (sign -1) through the
// rollup_rows() function, and appends rollupUpsert(), which sums them per
// (day, dimension, value) and adds the result in the same statement. Every
// text here is a fixed list of identifiers, never client input. rollup_rows()
// is a one-SELECT SQL function, which the planner inlines as long as its
// arguments hold no sub-select: it then costs no statement of its own.
import type { Sql } from './pg';

/** The UTC day of a timestamptz column: the day a session is counted on. */
export const utcDay = (sql: Sql, column: string) => sql.unsafe(`(${column} AT TIME ZONE 'UTC')::date`);

/** rollup_rows()'s arguments after sign and visitor, in its order. */
const SESSION_ROLLUP_COLUMNS = [
  'country', 'device', 'browser', 'os', 'entry_page', 'exit_page', 'referrer_domain', 'utm_source', 'utm_medium',
  'utm_campaign', 'page_views', 'event_count', 'clicks', 'duration_ms', 'max_scroll_percent', 'chunks', 'bytes_stored',
] as const;

/** A session row's current values as rollup_rows() arguments (`alias` is a CTE or table alias). */
export const sessionRollupArgs = (sql: Sql, alias: string) =>
  sql.unsafe(SESSION_ROLLUP_COLUMNS.map((c) => `${alias}.${c}`).join(', '));

export const ROLLUP_MEASURES = [
  'sessions', 'visitors', 'page_views', 'events', 'clicks', 'duration_ms', 'bounces', 'scroll_sum', 'chunks', 'bytes',
] as const;

const UPSERT = `
  INSERT INTO rollup_daily AS r (site_id, dim, day, value, ${ROLLUP_MEASURES.join(', ')})
  SELECT site_id, dim, day, value, ${ROLLUP_MEASURES.map((m) => `sum(${m})`).join(', ')}
  FROM contrib GROUP BY site_id, dim, day, value
  HAVING ${ROLLUP_MEASURES.map((m) => `sum(${m}) <> 0`).join(' OR ')}
  ORDER BY site_id, dim, day, value
  ON CONFLICT (site_id, dim, day, value) DO UPDATE SET
    ${ROLLUP_MEASURES.map((m) => `${m} = r.${m} + EXCLUDED.${m}`).join(', ')}
  RETURNING 1`;

/**
 * Adds the `contrib` CTE's rows to rollup_daily. Rows are locked in key order
 * (ORDER BY), so two statements touching the same rollup rows never deadlock.
 */
export const rollupUpsert = (sql: Sql) => sql.unsafe(UPSERT);

/**
 * rollup_rows()'s columns (as `r`) for a contrib CTE, a bot session's under
 * dimensions prefixed 'bot:' ('bot:total' …): every read of the plain
 * dimensions leaves bots out, and the prefixed rows count what was left out.
 */
export const rollupColumns = (sql: Sql, alias: string) =>
  sql.unsafe(`CASE WHEN ${alias}.is_bot THEN 'bot:' || r.dim ELSE r.dim END AS dim, r.value, ${ROLLUP_MEASURES.map((m) => `r.${m}`).join(', ')}`);

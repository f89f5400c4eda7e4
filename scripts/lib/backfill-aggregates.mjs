// Recounts event_count, page_views, clicks and max_scroll_percent of the D1
// `sessions` rows from the legacy D1 `events` table (migrations/d1/0001, the
// columns from 0020). Only sessions that have legacy events are touched: rows
// written by the Worker since then are copies of Postgres, whose aggregates
// come from R2. Idempotent; a page of sessions at a time. `db` is a D1
// binding or scripts/lib/d1.mjs's wranglerD1().
export async function backfillEventAggregates(db, { pageSize = 200, dryRun = false, log = () => {} } = {}) {
  const report = { sessions_with_events: 0, updated: 0, unchanged: 0, missing_session_row: 0, dry_run: dryRun };
  let after = '';
  for (;;) {
    // Scroll depth is the event's scroll_percent, clamped to 0..100; data that
    // is not JSON counts as an event but carries no scroll depth.
    const { results } = await db
      .prepare(
        `SELECT e.session_id AS id, count(*) AS event_count,
           sum(CASE WHEN e.type = 'page_view' THEN 1 ELSE 0 END) AS page_views,
           sum(CASE WHEN e.type = 'click' THEN 1 ELSE 0 END) AS clicks,
           COALESCE(max(CASE WHEN e.type = 'scroll' AND json_valid(e.data)
             THEN min(max(CAST(json_extract(e.data, '$.scroll_percent') AS REAL), 0), 100) END), 0) AS max_scroll_percent,
           s.id AS row_id, s.event_count AS old_event_count, s.page_views AS old_page_views, s.clicks AS old_clicks,
           s.max_scroll_percent AS old_max_scroll_percent
         FROM events e LEFT JOIN sessions s ON s.id = e.session_id
         WHERE e.session_id > ?1 GROUP BY e.session_id ORDER BY e.session_id LIMIT ?2`,
      )
      .bind(after, pageSize)
      .all();
    if (!results.length) break;
    const updates = [];
    for (const r of results) {
      report.sessions_with_events++;
      if (r.row_id === null) {
        report.missing_session_row++;
        continue;
      }
      const same =
        r.old_event_count === r.event_count && r.old_page_views === r.page_views && r.old_clicks === r.clicks &&
        Number(r.old_max_scroll_percent) === Number(r.max_scroll_percent);
      if (same) {
        report.unchanged++;
        continue;
      }
      report.updated++;
      updates.push(
        db
          .prepare('UPDATE sessions SET event_count = ?2, page_views = ?3, clicks = ?4, max_scroll_percent = ?5 WHERE id = ?1')
          .bind(r.id, r.event_count, r.page_views, r.clicks, Number(r.max_scroll_percent)),
      );
    }
    if (updates.length && !dryRun) await db.batch(updates);
    after = results[results.length - 1].id;
    log(`backfill: ${report.sessions_with_events} sessions checked, ${report.updated} ${dryRun ? 'to update' : 'updated'}`);
    if (results.length < pageSize) break;
  }
  return report;
}

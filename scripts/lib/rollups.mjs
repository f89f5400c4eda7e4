// Rebuilds the daily rollups (rollup_daily, visitor_daily) of every site from
// the sessions table, with the same rollup_rows() function ingest uses. Used
// by `npm run rollups:rebuild` (upgrades and repair), the benchmarks and the
// tests; takes a node-postgres client.
//
// Each site is one transaction that first locks both rollup tables against
// writes: a batch arriving meanwhile waits (its session row is then counted
// either in the rebuild or by its own statement afterwards, never twice), so
// a rebuild may run while the Worker ingests.

const MEASURES = ['sessions', 'visitors', 'page_views', 'events', 'clicks', 'duration_ms', 'bounces', 'scroll_sum', 'chunks', 'bytes'];

const FRESH = `
  INSERT INTO fresh_rollups (site_id, dim, day, value, ${MEASURES.join(', ')})
  SELECT s.site_id, CASE WHEN s.is_bot THEN 'bot:' || r.dim ELSE r.dim END, s.day, r.value, ${MEASURES.map((m) => `sum(r.${m})::${m === 'scroll_sum' ? 'numeric' : 'bigint'} AS ${m}`).join(', ')}
  FROM (
    SELECT *, (started_at AT TIME ZONE 'UTC')::date AS day,
           CASE WHEN visitor_id IS NULL THEN 1
                WHEN row_number() OVER (PARTITION BY (started_at AT TIME ZONE 'UTC')::date, visitor_id ORDER BY started_at, id) = 1 THEN 1
                ELSE 0 END AS counts_visitor
    FROM sessions WHERE site_id = $1
  ) s,
  rollup_rows(1, s.counts_visitor, s.country, s.device, s.browser, s.os, s.entry_page, s.exit_page, s.referrer_domain,
              s.utm_source, s.utm_medium, s.utm_campaign, s.page_views, s.event_count, s.clicks, s.duration_ms,
              s.max_scroll_percent, s.chunks, s.bytes_stored) r
  GROUP BY 1, 2, 3, 4`;
// A bot session's rows sit under dimensions prefixed 'bot:' (js-shim/src/storage/pg-rollups.ts).

// Rows that differ between what was stored and the recount (empty rows count as absent).
const CHANGED = `
  SELECT count(*)::int AS n FROM (SELECT * FROM rollup_daily WHERE site_id = $1 AND (sessions <> 0 OR visitors <> 0)) old
  FULL JOIN fresh_rollups f USING (site_id, dim, day, value)
  WHERE ${MEASURES.map((m) => `old.${m} IS DISTINCT FROM f.${m}`).join(' OR ')}`;

/**
 * Rebuilds one site (or all, without siteId). Returns one report per site:
 * { site_id, sessions, days, rows, changed, visitors, ms }.
 */
export async function rebuildRollups(client, { siteId, log = () => {} } = {}) {
  const sites = siteId
    ? [siteId]
    : (await client.query('SELECT id FROM sites ORDER BY id')).rows.map((r) => r.id);
  const reports = [];
  for (const site of sites) {
    const t0 = Date.now();
    await client.query('BEGIN');
    try {
      await client.query('LOCK TABLE rollup_daily, visitor_daily IN EXCLUSIVE MODE');
      await client.query('CREATE TEMP TABLE fresh_rollups (LIKE rollup_daily) ON COMMIT DROP');
      await client.query(FRESH, [site]);
      const changed = (await client.query(CHANGED, [site])).rows[0].n;
      await client.query('DELETE FROM rollup_daily WHERE site_id = $1', [site]);
      await client.query(`INSERT INTO rollup_daily (site_id, dim, day, value, ${MEASURES.join(', ')})
                          SELECT site_id, dim, day, value, ${MEASURES.join(', ')} FROM fresh_rollups`);
      await client.query('DELETE FROM visitor_daily WHERE site_id = $1', [site]);
      const visitors = await client.query(
        `INSERT INTO visitor_daily (site_id, day, visitor_id, sessions)
         SELECT site_id, (started_at AT TIME ZONE 'UTC')::date, visitor_id, count(*)
         FROM sessions WHERE site_id = $1 AND visitor_id IS NOT NULL GROUP BY 1, 2, 3`,
        [site],
      );
      const [totals] = (
        await client.query(
          `SELECT COALESCE(sum(sessions), 0)::int AS sessions, count(*)::int AS days,
                  (SELECT count(*)::int FROM fresh_rollups) AS rows
           FROM fresh_rollups WHERE dim = 'total'`,
        )
      ).rows;
      await client.query('COMMIT');
      const report = { site_id: site, ...totals, visitors: visitors.rowCount, changed, ms: Date.now() - t0 };
      log(report);
      reports.push(report);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    }
  }
  return reports;
}

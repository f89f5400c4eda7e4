// GET /analytics/*: dashboards' numbers, from session aggregates and the daily
// page rollup only (never from events).
import { Hono } from 'hono';
import type { AppBindings } from '../env';
import { requireReader } from '../lib/auth';
import { query } from '../lib/db';
import { closedBefore, compareQuery, limitParam, rangeQuery } from '../lib/params';
import { cachedRealtime } from '../storage/d1-cache-sync';
import * as q from '../storage/pg-analytics';

const REALTIME_WINDOW_MS = 5 * 60_000;

const analytics = new Hono<AppBindings>();
analytics.use('*', requireReader);

// Answers about days no batch can change any more may be kept by the browser
// (private: they need a login); a clear or retention shows after at most this.
const CLOSED_MAX_AGE_S = 600;
analytics.use('*', async (c, next) => {
  await next();
  if (c.res.status !== 200) return;
  const ends = [rangeEnd(c.req.query('to')), rangeEnd(c.req.query('compare_to'))];
  const closed = !c.req.path.endsWith('/realtime') && ends[0] !== null && ends.every((t) => t === null || t <= closedBefore(Date.now()));
  c.res.headers.set('Cache-Control', closed ? `private, max-age=${CLOSED_MAX_AGE_S}` : 'private, no-cache');
});

/** Where a validated range ends, in ms (a bare date includes its day); null when absent. */
function rangeEnd(to: string | undefined): number | null {
  if (!to) return null;
  return /^\d{4}-\d{2}-\d{2}$/.test(to) ? Date.parse(`${to}T00:00:00.000Z`) + 86_400_000 : Date.parse(to);
}

// The overview page's two calls. Totals: the period's totals and days, and
// the comparison period's (compare_from, compare_to) when asked.
analytics.get('/totals', async (c) => {
  const range = rangeQuery(c);
  const previous = compareQuery(c, range);
  return c.json(await query(c, (sql) => q.totals(sql, range, previous)));
});
// ...and the top of each breakdown it shows.
analytics.get('/top', async (c) => {
  const range = rangeQuery(c);
  const limit = limitParam(c, 6, 100);
  return c.json(await query(c, (sql) => q.topLists(sql, range, limit)));
});

analytics.get('/overview', async (c) => c.json(await query(c, (sql) => q.overview(sql, rangeQuery(c)))));
analytics.get('/sessions/daily', async (c) => c.json({ days: await query(c, (sql) => q.sessionsDaily(sql, rangeQuery(c))) }));
analytics.get('/pages/top', async (c) => {
  const range = rangeQuery(c);
  return c.json(await query(c, (sql) => q.topPages(sql, range, limitParam(c, 10, 100))));
});
analytics.get('/geo', async (c) => {
  const range = rangeQuery(c);
  return c.json(await query(c, (sql) => q.geo(sql, range, limitParam(c, 20, 250))));
});
analytics.get('/devices', async (c) => {
  const range = rangeQuery(c);
  return c.json(await query(c, (sql) => q.devices(sql, range, limitParam(c, 10, 100))));
});
analytics.get('/sources', async (c) => {
  const range = rangeQuery(c);
  return c.json(await query(c, (sql) => q.sources(sql, range, limitParam(c, 10, 100))));
});
analytics.get('/engagement', async (c) => c.json(await query(c, (sql) => q.engagement(sql, rangeQuery(c)))));
analytics.get('/storage', async (c) => c.json(await query(c, (sql) => q.storage(sql, rangeQuery(c)))));
// Realtime is a hot edge read: the D1 cache answers, Postgres when it cannot.
analytics.get('/realtime', async (c) => {
  const { siteId } = rangeQuery(c);
  const since = new Date(Date.now() - REALTIME_WINDOW_MS);
  const cached = await cachedRealtime(c.env, siteId, since);
  if (cached) return c.json({ ...cached, source: 'cache' });
  return c.json({ ...(await query(c, (sql) => q.realtime(sql, siteId, since))), source: 'database' });
});

export default analytics;

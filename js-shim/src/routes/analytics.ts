// GET /analytics/*: dashboards' numbers, from session aggregates and the daily
// page rollup only (never from events).
import { Hono } from 'hono';
import type { AppBindings } from '../env';
import { requireReader } from '../lib/auth';
import { query } from '../lib/db';
import { limitParam, rangeQuery } from '../lib/params';
import { cachedRealtime } from '../storage/d1-cache-sync';
import * as q from '../storage/pg-analytics';

const REALTIME_WINDOW_MS = 5 * 60_000;

const analytics = new Hono<AppBindings>();
analytics.use('*', requireReader);

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

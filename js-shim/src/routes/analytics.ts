// GET /analytics/*: dashboards' numbers, from the daily rollups for whole
// days, else from session aggregates under a time bound (never from events).
import { Hono, type Context } from 'hono';
import type { AppBindings } from '../env';
import { ApiError } from '../errors';
import { requireReader } from '../lib/auth';
import { query } from '../lib/db';
import { closedBefore, compareQuery, limitParam, rangeQuery } from '../lib/params';
import { cachedRealtime } from '../storage/d1-cache-sync';
import * as q from '../storage/pg-analytics';
import type { Sql } from '../storage/pg';

const REALTIME_WINDOW_MS = 5 * 60_000;
const SCAN_TIMEOUT_MS = 5000;

/**
 * Runs a read; one that must scan session rows (a rollup cannot answer it)
 * runs in a transaction whose statements may take SCAN_TIMEOUT_MS each, and
 * past that is answered 503 scan_timeout instead of holding a connection.
 */
export function read<T>(c: Context<AppBindings>, scans: boolean, fn: (sql: Sql) => Promise<T>): Promise<T> {
  if (!scans) return query(c, fn);
  const ms = Number(c.env.ANALYTICS_SCAN_TIMEOUT_MS ?? SCAN_TIMEOUT_MS) || SCAN_TIMEOUT_MS;
  return query(c, async (sql) => {
    try {
      return (await sql.begin(async (tx) => {
        await tx.unsafe(`SET LOCAL statement_timeout = ${Math.round(ms)}`);
        return fn(tx as unknown as Sql);
      })) as T;
    } catch (err) {
      // 57014 query_canceled: the statement ran out of time.
      if ((err as { code?: string }).code === '57014') {
        throw new ApiError(503, 'scan_timeout', `This filter or range needs a scan of session rows longer than ${ms} ms; pick a shorter period or fewer filters.`);
      }
      throw err;
    }
  });
}

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
  const scans = q.needsScan(range, 'totals') || (previous !== null && q.needsScan(previous, 'totals'));
  return c.json(await read(c, scans, (sql) => q.totals(sql, range, previous)));
});
// ...and the top of each breakdown it shows.
analytics.get('/top', async (c) => {
  const range = rangeQuery(c);
  const limit = limitParam(c, 6, 100);
  return c.json(await read(c, q.needsScan(range, 'breakdown'), (sql) => q.topLists(sql, range, limit)));
});

analytics.get('/overview', async (c) => {
  const range = rangeQuery(c);
  return c.json(await read(c, q.needsScan(range, 'totals'), (sql) => q.overview(sql, range)));
});
analytics.get('/sessions/daily', async (c) => {
  const range = rangeQuery(c);
  return c.json({ days: await read(c, q.needsScan(range, 'totals'), (sql) => q.sessionsDaily(sql, range)) });
});
analytics.get('/pages/top', async (c) => {
  const range = rangeQuery(c);
  const limit = limitParam(c, 10, 100);
  return c.json(await read(c, q.needsScan(range, 'breakdown'), (sql) => q.topPages(sql, range, limit)));
});
analytics.get('/geo', async (c) => {
  const range = rangeQuery(c);
  const limit = limitParam(c, 20, 250);
  return c.json(await read(c, q.needsScan(range, 'breakdown'), (sql) => q.geo(sql, range, limit)));
});
analytics.get('/devices', async (c) => {
  const range = rangeQuery(c);
  const limit = limitParam(c, 10, 100);
  return c.json(await read(c, q.needsScan(range, 'breakdown'), (sql) => q.devices(sql, range, limit)));
});
analytics.get('/sources', async (c) => {
  const range = rangeQuery(c);
  const limit = limitParam(c, 10, 100);
  return c.json(await read(c, q.needsScan(range, 'breakdown'), (sql) => q.sources(sql, range, limit)));
});
analytics.get('/engagement', async (c) => {
  const range = rangeQuery(c);
  return c.json(await read(c, q.needsScan(range, 'breakdown'), (sql) => q.engagement(sql, range)));
});
analytics.get('/storage', async (c) => {
  const range = rangeQuery(c);
  return c.json(await read(c, q.needsScan(range, 'breakdown'), (sql) => q.storage(sql, range)));
});
// Realtime is a hot edge read: the D1 cache answers, Postgres when it cannot.
analytics.get('/realtime', async (c) => {
  const { siteId } = rangeQuery(c);
  const since = new Date(Date.now() - REALTIME_WINDOW_MS);
  const cached = await cachedRealtime(c.env, siteId, since);
  if (cached) return c.json({ ...cached, source: 'cache' });
  return c.json({ ...(await query(c, (sql) => q.realtime(sql, siteId, since))), source: 'database' });
});

export default analytics;

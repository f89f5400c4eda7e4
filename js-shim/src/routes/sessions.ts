// GET /api/sessions: the session list (aggregates on the row, no join, no
// events) from the D1 cache, or Postgres when the cache cannot answer.
import { Hono } from 'hono';
import type { AppBindings } from '../env';
import { ApiError } from '../errors';
import { assertSiteAccess, requireReader, visibleSites } from '../lib/auth';
import { query } from '../lib/db';
import { listQuery } from '../lib/params';
import { cachedSessionList } from '../storage/d1-cache-sync';
import { listSessions } from '../storage/pg-analytics';
import { findSession } from '../storage/pg-sessions';
import { encodeCursor } from '../storage/query';

const sessions = new Hono<AppBindings>();
sessions.use('*', requireReader);

sessions.get('/', async (c) => {
  const q = listQuery(c);
  const cached = await cachedSessionList(c.env, q);
  const rows: Record<string, unknown>[] = cached ?? (await query(c, (sql) => listSessions(sql, q)));
  const last = rows.length === q.limit ? rows[rows.length - 1] : undefined;
  return c.json({
    sessions: rows,
    next_cursor: last ? encodeCursor(last[q.sort], String(last.id)) : null,
    source: cached ? 'cache' : 'database',
  });
});

sessions.get('/:id', async (c) => {
  const id = c.req.param('id');
  if (!/^[A-Za-z0-9_-]{8,64}$/.test(id)) throw new ApiError(400, 'bad_session_id', 'session_id must match [A-Za-z0-9_-]{8,64}.');
  const row = await query(c, (sql) => findSession(sql, visibleSites(c), id));
  if (!row) throw new ApiError(404, 'not_found', `No session ${id}.`);
  assertSiteAccess(c, row.site_id);
  return c.json({ session: row });
});

export default sessions;

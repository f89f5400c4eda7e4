// /api/admin/storage: an admin login only. Stats per site and day, the NDJSON
// export of a site or a session (a GDPR access request) and clears over R2,
// Postgres and the D1 cache.
import { DAY_MS } from '../lib/days';
import { Hono } from 'hono';
import { MAX_FORM_BYTES } from '../contract';
import type { AppBindings } from '../env';
import { ApiError } from '../errors';
import { actorOf, requireAdmin } from '../lib/auth';
import { readJson } from '../lib/body';
import { query } from '../lib/db';
import { SESSION_ID, text, time, type Body } from '../lib/fields';
import { SITE_ID } from '../lib/token';
import { clearWithAudit } from '../services/clear';
import { exportStream } from '../services/export';
import { storageStats } from '../services/storage-stats';
import { findSession } from '../storage/pg-sessions';
import { getSite } from '../storage/pg-sites';
import { insertAudit } from '../storage/pg-storage';

const storage = new Hono<AppBindings>();
storage.use('*', requireAdmin);

storage.get('/stats', async (c) => {
  const now = Date.now();
  const to = time(c.req.query('to'), 'to') ?? new Date(now - (now % DAY_MS) + DAY_MS);
  const from = time(c.req.query('from'), 'from') ?? new Date(to.getTime() - 30 * DAY_MS);
  if (from >= to || to.getTime() - from.getTime() > 92 * DAY_MS) {
    throw new ApiError(400, 'bad_request', 'from must be before to, at most 92 days apart.');
  }
  return c.json(await query(c, (sql) => storageStats(c.env, sql, from, to)));
});

/**
 * GET /api/admin/storage/export?site_id=…[&from=&to=] or ?session_id=…: every
 * session row and its events as NDJSON, streamed (see exportStream).
 */
storage.get('/export', async (c) => {
  const siteId = c.req.query('site_id');
  const sessionId = c.req.query('session_id');
  if (!siteId && !sessionId) throw new ApiError(400, 'bad_request', 'Name a site_id or a session_id.');
  if (siteId && !SITE_ID.test(siteId)) throw new ApiError(400, 'bad_request', 'site_id is not valid.');
  if (sessionId && !SESSION_ID.test(sessionId)) throw new ApiError(400, 'bad_session_id', 'session_id must match [A-Za-z0-9_-]{8,64}.');
  const from = time(c.req.query('from'), 'from');
  const to = time(c.req.query('to'), 'to');
  if (siteId && !(await query(c, (sql) => getSite(sql, siteId)))) throw new ApiError(404, 'not_found', `No site ${siteId}.`);
  await query(c, (sql) => insertAudit(sql, actorOf(c), 'storage.export', { site_id: siteId ?? null, session_id: sessionId ?? null }, {}));
  const stream = exportStream(c.env, { siteId, sessionId, from, to }, (p) => c.executionCtx.waitUntil(p));
  const name = `edgereplay-export-${sessionId ?? siteId}-${new Date().toISOString().slice(0, 10)}.ndjson`;
  return new Response(stream, {
    headers: {
      'Content-Type': 'application/x-ndjson',
      'Content-Disposition': `attachment; filename="${name}"`,
      'Cache-Control': 'private, no-store',
    },
  });
});

/**
 * POST /api/admin/storage/clear `{session_id}` | `{site_id, before?}` |
 * `{before}`, with `confirm` repeating the session id, the site id, or (for
 * everything before a date) the date. Answers what was deleted and the audit
 * row's id; `complete: false` means the same call again continues.
 */
storage.post('/clear', async (c) => {
  const body = await readJson<Body>(c.req.raw, MAX_FORM_BYTES);
  const sessionId = text(body, 'session_id', { max: 64, pattern: SESSION_ID });
  const siteId = text(body, 'site_id', { max: 64, pattern: SITE_ID });
  const beforeText = text(body, 'before', { max: 40 });
  const before = time(beforeText, 'before');
  if (sessionId && (siteId || before)) throw new ApiError(400, 'bad_request', 'A session clear takes session_id alone.');
  if (!sessionId && !siteId && !before) throw new ApiError(400, 'bad_request', 'Name a session_id, a site_id, or a before date.');
  const expected = sessionId ?? siteId ?? beforeText!;
  if (body.confirm !== expected) {
    throw new ApiError(400, 'confirmation_required', `This deletes data for good: send "confirm": ${JSON.stringify(expected)}.`);
  }
  const result = await query(c, async (sql) => {
    if (siteId && !(await getSite(sql, siteId))) throw new ApiError(404, 'not_found', `No site ${siteId}.`);
    if (sessionId && !(await findSession(sql, null, sessionId))) {
      throw new ApiError(404, 'not_found', `No session ${sessionId}.`);
    }
    return clearWithAudit(c.env, sql, actorOf(c), { sessionId, siteId, before });
  });
  return c.json(result, result.complete ? 200 : 202);
});

export default storage;

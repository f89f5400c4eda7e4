// GET /api/replay/:id/events (alias /replay/:id/events): a session's events,
// merged from R2 only (the legacy D1 events table is never read).
import { Hono } from 'hono';
import type { AppBindings } from '../env';
import { ApiError } from '../errors';
import { assertReplayAccess, assertSiteAccess, requireReader, visibleSites } from '../lib/auth';
import { query } from '../lib/db';
import { loadReplay } from '../services/replay';
import { findSession } from '../storage/pg';

const replay = new Hono<AppBindings>();

replay.get('/:id/events', requireReader, async (c) => {
  const id = c.req.param('id') ?? '';
  if (!/^[A-Za-z0-9_-]{8,64}$/.test(id)) throw new ApiError(400, 'bad_session_id', 'session_id must match [A-Za-z0-9_-]{8,64}.');
  const session = await query(c, (sql) => findSession(sql, visibleSites(c), id));
  if (!session) throw new ApiError(404, 'not_found', `No session ${id}.`);
  assertSiteAccess(c, session.site_id);
  assertReplayAccess(c);
  const { ndjson, stats, objects } = await loadReplay(c.env.EVENTS, {
    id,
    site_id: session.site_id,
    started_at: session.started_at,
  });
  return new Response(ndjson, {
    headers: {
      'Content-Type': 'application/x-ndjson',
      'Cache-Control': 'private, no-store',
      'X-Replay-Events': String(stats.lines),
      'X-Replay-Objects': String(objects),
      'X-Replay-Duplicates': String(stats.duplicates),
    },
  });
});

export default replay;

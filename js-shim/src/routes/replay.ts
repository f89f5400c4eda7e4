// GET /api/replay/:id/events (alias /replay/:id/events): a session's events,
// merged from R2 only (the legacy D1 events table is never read).
import { Hono } from 'hono';
import type { AppBindings } from '../env';
import { ApiError } from '../errors';
import { assertReplayAccess, assertSiteAccess, requireReader, visibleSites } from '../lib/auth';
import { query } from '../lib/db';
import { streamReplay } from '../services/replay';
import { findSession } from '../storage/pg-sessions';

const replay = new Hono<AppBindings>();

replay.get('/:id/events', requireReader, async (c) => {
  const id = c.req.param('id') ?? '';
  if (!/^[A-Za-z0-9_-]{8,64}$/.test(id)) throw new ApiError(400, 'bad_session_id', 'session_id must match [A-Za-z0-9_-]{8,64}.');
  const session = await query(c, (sql) => findSession(sql, visibleSites(c), id));
  if (!session) throw new ApiError(404, 'not_found', `No session ${id}.`);
  assertSiteAccess(c, session.site_id);
  assertReplayAccess(c);
  const replay = await streamReplay(c.env.EVENTS, { id, site_id: session.site_id, started_at: session.started_at });
  const headers: Record<string, string> = {
    'Content-Type': 'application/x-ndjson',
    'Cache-Control': 'private, no-store',
    'X-Replay-Objects': String(replay.objects),
    'X-Replay-Windows': String(replay.windows),
  };
  // Counts are known up front only when the whole replay is one merge.
  if (replay.stats) {
    headers['X-Replay-Events'] = String(replay.stats.lines);
    headers['X-Replay-Duplicates'] = String(replay.stats.duplicates);
  }
  if (replay.parts) {
    headers['X-Replay-Parts-Joined'] = String(replay.parts.joined);
    headers['X-Replay-Parts-Incomplete'] = String(replay.parts.incomplete);
  }
  // Replay JSON is about a seventh of itself gzip: compressed as it streams,
  // to clients that accept it (the dashboard's browser always does).
  if (/\bgzip\b/i.test(c.req.header('accept-encoding') ?? '')) {
    headers['Content-Encoding'] = 'gzip';
    headers.Vary = 'Accept-Encoding';
    return new Response(replay.body.pipeThrough(new CompressionStream('gzip')), { headers, encodeBody: 'manual' });
  }
  return new Response(replay.body, { headers });
});

export default replay;

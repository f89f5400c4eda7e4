// The tracker, served by the Worker (index.ts names the URLs): /tracker.js
// revalidates every 5 minutes (so a deploy reaches every site without a change
// on their pages), while the content-hashed copies and the replay chunk are
// immutable for a year.
import type { Context } from 'hono';
import type { AppBindings } from '../env';
import { ApiError } from '../errors';
import { REPLAY_FILE, REPLAY_JS, TRACKER_HASH, TRACKER_JS } from '../../generated/tracker-assets';

const SHORT = 'public, max-age=300';
const IMMUTABLE = 'public, max-age=31536000, immutable';

function serve(c: Context<AppBindings>, body: string, etag: string, cacheControl: string) {
  const headers = {
    'Content-Type': 'text/javascript; charset=utf-8',
    'Cache-Control': cacheControl,
    ETag: etag,
    'Access-Control-Allow-Origin': '*',
    'X-Content-Type-Options': 'nosniff',
  };
  const match = c.req.header('if-none-match');
  if (match && match.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(body, { headers });
}

/** GET /tracker.js */
export const trackerScript = (c: Context<AppBindings>) => serve(c, TRACKER_JS, `"${TRACKER_HASH}"`, SHORT);

/** GET /tracker.<hash>.js and /tracker-replay.<hash>.js */
export function trackerBuild(c: Context<AppBindings>) {
  const file = c.req.param('file') ?? '';
  if (file === `tracker.${TRACKER_HASH}.js`) return serve(c, TRACKER_JS, `"${TRACKER_HASH}"`, IMMUTABLE);
  if (file === REPLAY_FILE) return serve(c, REPLAY_JS, `"${REPLAY_FILE}"`, IMMUTABLE);
  throw new ApiError(404, 'not_found', `No tracker build ${file}; load /tracker.js.`);
}

export { TRACKER_HASH };

// The dashboard's pages, served by the Worker (index.ts names their URLs): the
// HTML shell (the app routes on the client, and asks for a login itself), its
// content-hashed assets, immutable for a year, and the redirect of the old
// replay viewer's links. Built by scripts/build-dashboard.mjs into
// generated/dashboard-assets.ts.
import type { Context } from 'hono';
import type { AppBindings } from '../env';
import { ApiError } from '../errors';
import { APP_HASH, ASSETS, SHELL_HTML } from '../../generated/dashboard-assets';

const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Scripts only from this origin, and no page may frame the dashboard. Styles
 * allow 'unsafe-inline' because rrweb's replayer rebuilds the recorded page
 * (its <style> elements and style attributes) inside a sandboxed about:blank
 * iframe, which inherits this policy; the dashboard's own code sets styles
 * only through the CSSOM. Images, fonts and stylesheets of a recorded page
 * load from that page's origin, hence https:/http: for them.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline' https: http:",
  "img-src 'self' data: blob: https: http:",
  "font-src 'self' data: https: http:",
  "media-src 'self' data: blob: https: http:",
  "connect-src 'self'",
  "frame-src 'self' blob:",
  "worker-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SHELL_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  // Always revalidated, so a deploy's new asset names are picked up at once.
  'Cache-Control': 'no-cache',
  ETag: `"${APP_HASH}"`,
  'Content-Security-Policy': DASHBOARD_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  // Recorded pages load their images from their own sites: they get no
  // dashboard URL (with session ids in it) as a referrer.
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/** GET /, /app/*, /invite/:secret, /share/:secret: the HTML shell. */
export function shell(c: Context<AppBindings>) {
  const match = c.req.header('if-none-match');
  if (match && match.split(',').some((t) => t.trim().replace(/^W\//, '') === SHELL_HEADERS.ETag)) {
    return new Response(null, { status: 304, headers: SHELL_HEADERS });
  }
  return new Response(SHELL_HTML, { headers: SHELL_HEADERS });
}

/** GET /assets/:file: a content-hashed script or stylesheet of the app or the replay player. */
export function asset(c: Context<AppBindings>) {
  const file = c.req.param('file') ?? '';
  const body = ASSETS[file];
  if (body === undefined) throw new ApiError(404, 'not_found', `No dashboard asset ${file}; reload the page.`);
  return new Response(body, {
    headers: {
      'Content-Type': file.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8',
      'Cache-Control': IMMUTABLE,
      'X-Content-Type-Options': 'nosniff',
    },
  });
}

/** GET /replay/:id: the replay lives in the dashboard (behind its login); old links keep working, ?t= included. */
export function replayLink(c: Context<AppBindings>) {
  const id = c.req.param('id') ?? '';
  if (!/^[A-Za-z0-9_-]{8,64}$/.test(id)) throw new ApiError(400, 'bad_session_id', 'session_id must match [A-Za-z0-9_-]{8,64}.');
  const t = c.req.query('t');
  const moment = t && /^\d+(\.\d+)?$/.test(t) ? `?t=${t}` : '';
  return c.redirect(`/app/sessions/${id}${moment}`, 302);
}

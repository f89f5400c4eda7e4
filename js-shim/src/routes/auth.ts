// /api/auth/*: Better Auth's own endpoints (sign-in/email, sign-out,
// get-session, change-password, admin/*, and of the organization plugin the
// reads and the choice of the active organisation), answered by the
// request's Better Auth instance. Sign-in and password changes are
// rate-limited per client address and per account first.
import { Hono } from 'hono';
import type { AppBindings } from '../env';
import { ApiError } from '../errors';
import { authFor } from '../lib/accounts';
import { limitAuthAttempt } from '../lib/rate-limit';

/** The organization plugin's endpoints open here; the rest go through /api/orgs. */
const ORGANIZATION_OPEN = new Set(['/organization/list', '/organization/set-active', '/organization/get-active-member']);

const auth = new Hono<AppBindings>();

auth.on(['GET', 'POST'], '/*', async (c) => {
  const path = c.req.path.slice('/api/auth'.length);
  if (path.startsWith('/organization/') && !ORGANIZATION_OPEN.has(path)) {
    throw new ApiError(404, 'not_found', 'Organisations, members and invitations are managed through /api/orgs.');
  }
  if (c.req.method === 'POST' && path === '/sign-in/email') {
    const body = (await c.req.raw.clone().json().catch(() => ({}))) as { email?: unknown };
    await limitAuthAttempt(c, 'sign-in', typeof body.email === 'string' ? body.email : undefined);
  } else if (c.req.method === 'POST' && (path === '/change-password' || path === '/set-password' || path === '/reset-password')) {
    const session = await (await authFor(c)).api.getSession({ headers: c.req.raw.headers }).catch(() => null);
    await limitAuthAttempt(c, 'password', session?.user.email);
  }
  return (await authFor(c)).handler(c.req.raw);
});

export default auth;

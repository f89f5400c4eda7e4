// /api/auth/*: Better Auth's own endpoints (sign-in/email, sign-out,
// get-session, admin/*), answered by the request's Better Auth instance.
import { Hono } from 'hono';
import type { AppBindings } from '../env';
import { authFor } from '../lib/accounts';

const auth = new Hono<AppBindings>();

auth.on(['GET', 'POST'], '/*', async (c) => (await authFor(c)).handler(c.req.raw));

export default auth;

// /api/admin/users: an admin login only. Users through Better Auth's admin
// plugin: listing, creation, bans that end every session, removal with
// sessions and accounts. A new user joins an organisation (`organization_id`,
// the default one unless named; `null` for none) as `org_role` (viewer unless
// named), optionally narrowed to `site_ids`.
import { Hono, type Context } from 'hono';
import { MAX_FORM_BYTES } from '../contract';
import type { AppBindings } from '../env';
import { ApiError } from '../errors';
import { authFor } from '../lib/accounts';
import { actorOf, requireAdmin } from '../lib/auth';
import { readJson } from '../lib/body';
import { query } from '../lib/db';
import { limitParam } from '../lib/params';
import { text, time, type Body } from '../lib/fields';
import { insertAudit } from '../storage/pg-storage';
import { getOrganization, upsertMember } from '../storage/pg-access';
import { randomId, SITE_ID } from '../lib/token';
import { narrowing, roleOf } from './orgs';

const MIN_PASSWORD = 10;

const users = new Hono<AppBindings>();
users.use('*', requireAdmin);

interface AuthUser {
  id: string;
  name: string;
  email: string;
  emailVerified?: boolean;
  role?: string | null;
  banned?: boolean | null;
  banReason?: string | null;
  banExpires?: Date | string | null;
  createdAt?: Date | string;
  updatedAt?: Date | string;
}

/** The API speaks snake_case, like every other route. */
function userView(u: AuthUser) {
  return {
    id: u.id,
    name: u.name,
    email: u.email,
    email_verified: Boolean(u.emailVerified),
    role: u.role ?? 'user',
    banned: Boolean(u.banned),
    ban_reason: u.banReason ?? null,
    ban_expires: u.banExpires ? new Date(u.banExpires).toISOString() : null,
    created_at: u.createdAt ? new Date(u.createdAt).toISOString() : null,
    updated_at: u.updatedAt ? new Date(u.updatedAt).toISOString() : null,
  };
}

/** Runs a Better Auth API call, turning its errors into ours. */
async function viaAuth<T>(c: Context<AppBindings>, fn: () => Promise<T>): Promise<T> {
  try {
    return await query(c, fn);
  } catch (err) {
    const e = err as { statusCode?: number; body?: { code?: string; message?: string } };
    if (err instanceof ApiError || typeof e.statusCode !== 'number') throw err;
    const message = e.body?.message ?? 'The request was refused.';
    if (e.statusCode === 404) throw new ApiError(404, 'not_found', message);
    if (e.body?.code === 'USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL') throw new ApiError(409, 'conflict', message);
    if (e.statusCode === 401) throw new ApiError(401, 'unauthorized', message);
    if (e.statusCode === 403) throw new ApiError(403, 'forbidden', message);
    if (e.statusCode < 500) throw new ApiError(400, 'bad_request', message);
    throw err;
  }
}

function userId(c: Context<AppBindings>): string {
  const id = c.req.param('id') ?? '';
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(id)) throw new ApiError(400, 'bad_request', 'A user id matches [A-Za-z0-9_-].');
  return id;
}

users.get('/', async (c) => {
  const limit = limitParam(c, 50, 200);
  const offset = Number(c.req.query('offset') ?? 0);
  if (!Number.isInteger(offset) || offset < 0) throw new ApiError(400, 'bad_request', 'offset must be a whole number.');
  const search = c.req.query('search');
  const result = await viaAuth(c, async () =>
    (await authFor(c)).api.listUsers({
      headers: c.req.raw.headers,
      query: {
        limit,
        offset,
        sortBy: 'createdAt',
        sortDirection: 'asc',
        ...(search ? { searchValue: search.slice(0, 100), searchField: 'email' as const, searchOperator: 'contains' as const } : {}),
      },
    }),
  );
  return c.json({ users: (result.users as AuthUser[]).map(userView), total: result.total, limit, offset });
});

users.post('/', async (c) => {
  const body = await readJson<Body>(c.req.raw, MAX_FORM_BYTES);
  const email = text(body, 'email', { max: 254, required: true })!.toLowerCase();
  const password = text(body, 'password', { max: 128, required: true })!;
  if (password.length < MIN_PASSWORD) throw new ApiError(400, 'bad_request', `password needs at least ${MIN_PASSWORD} characters.`);
  const role = text(body, 'role', { max: 20, pattern: /^(user|admin)$/ }) ?? 'user';
  const name = text(body, 'name', { max: 100 }) ?? email.split('@')[0];
  const organizationId = body.organization_id === null ? null : (text(body, 'organization_id', { max: 64, pattern: SITE_ID }) ?? 'default');
  const orgRole = roleOf({ role: body.org_role ?? 'viewer' });
  if (organizationId && !(await query(c, (sql) => getOrganization(sql, organizationId)))) throw new ApiError(404, 'not_found', `No organisation ${organizationId}.`);
  const siteIds = organizationId ? await narrowing(c, organizationId, body) : null;
  const { user } = await viaAuth(c, async () =>
    (await authFor(c)).api.createUser({ headers: c.req.raw.headers, body: { email, password, name, role: role as 'user' | 'admin' } }),
  );
  if (organizationId) {
    await query(c, (sql) => upsertMember(sql, { id: `mem_${randomId(12)}`, organizationId, userId: user.id, role: orgRole, siteIds }));
  }
  return c.json({ user: { ...userView(user as AuthUser), organization_id: organizationId, org_role: organizationId ? orgRole : null } }, 201);
});

/** Bans a user: `{reason?, expires_at?}`; every session of theirs ends now. */
users.post('/:id/ban', async (c) => {
  const id = userId(c);
  const body = await readJson<Body>(c.req.raw, MAX_FORM_BYTES);
  const reason = text(body, 'reason', { max: 500 });
  const expires = time(text(body, 'expires_at', { max: 40 }), 'expires_at');
  if (expires && expires.getTime() <= Date.now()) throw new ApiError(400, 'bad_request', 'expires_at must be in the future.');
  const banExpiresIn = expires ? Math.ceil((expires.getTime() - Date.now()) / 1000) : undefined;
  const { user } = await viaAuth(c, async () =>
    (await authFor(c)).api.banUser({ headers: c.req.raw.headers, body: { userId: id, banReason: reason, banExpiresIn } }),
  );
  await query(c, (sql) => insertAudit(sql, actorOf(c), 'user.ban', { user_id: id }, { reason: reason ?? null, expires_at: expires?.toISOString() ?? null }));
  return c.json({ user: userView(user as AuthUser) });
});

users.post('/:id/unban', async (c) => {
  const id = userId(c);
  const { user } = await viaAuth(c, async () => (await authFor(c)).api.unbanUser({ headers: c.req.raw.headers, body: { userId: id } }));
  await query(c, (sql) => insertAudit(sql, actorOf(c), 'user.unban', { user_id: id }, {}));
  return c.json({ user: userView(user as AuthUser) });
});

/** Removes a user with their sessions and accounts (an admin cannot remove themself). */
users.delete('/:id', async (c) => {
  const id = userId(c);
  await viaAuth(c, async () => (await authFor(c)).api.removeUser({ headers: c.req.raw.headers, body: { userId: id } }));
  await query(c, (sql) => insertAudit(sql, actorOf(c), 'user.delete', { user_id: id }, {}));
  return c.json({ deleted: true, id });
});

export default users;

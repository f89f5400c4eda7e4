// Dashboard accounts (Better Auth on Postgres) and the admin user API: login,
// 401 without a login or token, 403 for non-admins, and what a ban, an unban
// and a removal do to a user's sessions and accounts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { getMigrations } from 'better-auth/db/migration';
import postgres from 'postgres';
import { authOptions } from '../../js-shim/src/lib/accounts.ts';
import { ensureAdmin } from '../../scripts/lib/admin.mjs';
import { seedSite, startStack, type Stack } from './harness/stack.ts';
import { asToken, asUser, errorCode, logIn, makeAdmin, ORIGIN, signIn, type Login } from './harness/accounts.ts';

describe('accounts and the admin user API', () => {
  let stack: Stack;
  let token: string;
  let admin: Login;
  let adminId: string;
  const read = '/api/sessions?site_id=site_test';

  before(async () => {
    stack = await startStack();
    ({ token } = await seedSite(stack));
    const a = await makeAdmin(stack);
    adminId = a.id;
    admin = await logIn(stack, a.email, a.password);
  });
  after(() => stack?.close());

  async function createUser(email: string, password = 'user-password-1', role = 'user') {
    const res = await asUser(stack, admin, '/api/admin/users', { method: 'POST', body: { email, password, role } });
    assert.equal(res.status, 201, await res.clone().text());
    return ((await res.json()) as { user: { id: string; email: string; role: string } }).user;
  }
  const count = async (table: string, userId: string) =>
    (await stack.db.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${table === '"user"' ? 'id' : 'user_id'} = $1`, [userId])).rows[0].n;

  it('has every table and column Better Auth expects in the Postgres migrations', async () => {
    const sql = postgres(stack.pg.superUrl, { fetch_types: false });
    const pool = new pg.Pool({ connectionString: stack.pg.superUrl });
    try {
      const options = { ...authOptions(sql, { baseURL: ORIGIN, secret: 'x'.repeat(64) }), database: pool };
      const { toBeCreated, toBeAdded } = await getMigrations(options as never);
      assert.deepEqual(toBeCreated.map((t) => t.table), []);
      assert.deepEqual(toBeAdded.map((t) => [t.table, Object.keys(t.fields)]), []);
    } finally {
      await pool.end();
      await sql.end();
    }
  });

  it('logs in with email and password and reads with the session cookie', async () => {
    const res = await asUser(stack, admin, read);
    assert.equal(res.status, 200);
    const session = await asUser(stack, admin, '/api/auth/get-session');
    assert.equal(((await session.json()) as { user: { email: string } }).user.email, 'admin@example.com');
  });

  it('refuses a wrong password and sets no cookie', async () => {
    const res = await signIn(stack, 'admin@example.com', 'not-the-password');
    assert.equal(res.status, 401);
    assert.equal(res.headers.getSetCookie().filter((c) => c.startsWith('edgereplay.session_token=') && !/Max-Age=0/.test(c)).length, 0);
  });

  it('answers 401 to a read without a login or a token, or with a forged one', async () => {
    assert.equal(await errorCode(await stack.fetch(read)), 'unauthorized');
    const forged = await stack.fetch(read, { headers: { cookie: 'edgereplay.session_token=forged.signature' } });
    assert.equal(forged.status, 401);
    assert.equal(await errorCode(forged), 'unauthorized');
    const badToken = await asToken(stack, 'ert_not_a_token', read);
    assert.equal(badToken.status, 401);
  });

  it('answers 403 to the admin API for an API token and for a user without role admin', async () => {
    const byToken = await asToken(stack, token, '/api/admin/users');
    assert.equal(byToken.status, 403);
    assert.equal(await errorCode(byToken), 'forbidden');
    await createUser('reader@example.com');
    const reader = await logIn(stack, 'reader@example.com', 'user-password-1');
    assert.equal((await asUser(stack, reader, read)).status, 200, 'a plain user may read');
    const byUser = await asUser(stack, reader, '/api/admin/users');
    assert.equal(byUser.status, 403);
    assert.equal((await stack.fetch('/api/admin/users')).status, 401);
  });

  it('lets nobody sign up through the public endpoint', async () => {
    const res = await stack.fetch('/api/auth/sign-up/email', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ORIGIN },
      body: JSON.stringify({ email: 'stranger@example.com', password: 'stranger-password', name: 'Stranger' }),
    });
    assert.ok(res.status >= 400 && res.status < 500, `status ${res.status}`);
    assert.equal((await stack.db.query(`SELECT 1 FROM "user" WHERE email = 'stranger@example.com'`)).rowCount, 0);
  });

  it('lists users with their role and ban state for an admin', async () => {
    const res = await asUser(stack, admin, '/api/admin/users?limit=100');
    assert.equal(res.status, 200);
    const body = (await res.json()) as { users: { email: string; role: string; banned: boolean }[]; total: number };
    const me = body.users.find((u) => u.email === 'admin@example.com');
    assert.deepEqual({ role: me?.role, banned: me?.banned }, { role: 'admin', banned: false });
    assert.equal(body.total, body.users.length);
    const searched = (await (await asUser(stack, admin, '/api/admin/users?search=reader')).json()) as { users: { email: string }[] };
    assert.deepEqual(searched.users.map((u) => u.email), ['reader@example.com']);
  });

  it('bans a user: every session of theirs ends, their cookie reads nothing, and logging in is refused', async () => {
    const user = await createUser('banned@example.com');
    const login = await logIn(stack, user.email, 'user-password-1');
    assert.equal((await asUser(stack, login, read)).status, 200);
    assert.equal(await count('session', user.id), 1);

    const expires = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const res = await asUser(stack, admin, `/api/admin/users/${user.id}/ban`, { method: 'POST', body: { reason: 'spam', expires_at: expires } });
    assert.equal(res.status, 200, await res.clone().text());
    const banned = ((await res.json()) as { user: { banned: boolean; ban_reason: string; ban_expires: string } }).user;
    assert.equal(banned.banned, true);
    assert.equal(banned.ban_reason, 'spam');
    assert.ok(Math.abs(Date.parse(banned.ban_expires) - Date.parse(expires)) < 2000);

    assert.equal(await count('session', user.id), 0);
    assert.equal((await asUser(stack, login, read)).status, 401);
    const again = await signIn(stack, user.email, 'user-password-1');
    assert.equal(again.status, 403);
    const audit = await stack.db.query(`SELECT actor_id, target FROM admin_audit_log WHERE action = 'user.ban'`);
    assert.deepEqual(audit.rows.map((r) => [r.actor_id, r.target.user_id]), [[adminId, user.id]]);
  });

  it('refuses a banned user who still holds a session', async () => {
    const user = await createUser('held@example.com');
    const login = await logIn(stack, user.email, 'user-password-1');
    await stack.db.query('UPDATE "user" SET banned = true WHERE id = $1', [user.id]);
    const res = await asUser(stack, login, read);
    assert.equal(res.status, 403);
    assert.equal(await errorCode(res), 'banned');
  });

  it('unbans a user, who can log in again', async () => {
    const user = await createUser('unbanned@example.com');
    await asUser(stack, admin, `/api/admin/users/${user.id}/ban`, { method: 'POST', body: { reason: 'mistake' } });
    assert.equal((await signIn(stack, user.email, 'user-password-1')).status, 403);
    const res = await asUser(stack, admin, `/api/admin/users/${user.id}/unban`, { method: 'POST', body: {} });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { user: { banned: boolean; ban_reason: string | null } };
    assert.deepEqual([body.user.banned, body.user.ban_reason], [false, null]);
    const login = await logIn(stack, user.email, 'user-password-1');
    assert.equal((await asUser(stack, login, read)).status, 200);
  });

  it('lets a ban end by itself once its expiry has passed', async () => {
    const user = await createUser('expired@example.com');
    await stack.db.query(`UPDATE "user" SET banned = true, ban_reason = 'cool off', ban_expires = now() - interval '1 minute' WHERE id = $1`, [user.id]);
    await logIn(stack, user.email, 'user-password-1');
    const { rows } = await stack.db.query('SELECT banned FROM "user" WHERE id = $1', [user.id]);
    assert.equal(rows[0].banned, false);
  });

  it('deletes a user together with their sessions and accounts', async () => {
    const user = await createUser('removed@example.com');
    const login = await logIn(stack, user.email, 'user-password-1');
    assert.equal(await count('account', user.id), 1);
    const res = await asUser(stack, admin, `/api/admin/users/${user.id}`, { method: 'DELETE' });
    assert.equal(res.status, 200);
    assert.deepEqual(
      [await count('"user"', user.id), await count('session', user.id), await count('account', user.id)],
      [0, 0, 0],
    );
    assert.equal((await asUser(stack, login, read)).status, 401);
    assert.equal((await signIn(stack, user.email, 'user-password-1')).status, 401);
    assert.equal((await asUser(stack, admin, `/api/admin/users/${user.id}`, { method: 'DELETE' })).status, 404);
  });

  it('keeps an admin from banning or deleting themself', async () => {
    const ban = await asUser(stack, admin, `/api/admin/users/${adminId}/ban`, { method: 'POST', body: {} });
    assert.equal(ban.status, 400);
    const del = await asUser(stack, admin, `/api/admin/users/${adminId}`, { method: 'DELETE' });
    assert.equal(del.status, 400);
    assert.equal(await count('"user"', adminId), 1);
  });

  it('refuses a change made with the login cookie from another origin', async () => {
    const user = await createUser('csrf@example.com');
    const res = await asUser(stack, admin, `/api/admin/users/${user.id}/ban`, { method: 'POST', body: {}, headers: { origin: 'https://evil.example' } });
    assert.equal(res.status, 403);
    assert.equal((await stack.db.query('SELECT banned FROM "user" WHERE id = $1', [user.id])).rows[0].banned, false);
  });

  it('creates an admin from the command line and promotes an existing user without touching their password', async () => {
    const r = spawnSync('node', ['scripts/admin-create.mjs', '--email', 'ops@example.com'], {
      env: { ...process.env, DATABASE_URL: stack.pg.superUrl },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const password = /password:\s+(\S+)/.exec(r.stdout)?.[1];
    assert.ok(password, r.stdout);
    const ops = await logIn(stack, 'ops@example.com', password);
    assert.equal((await asUser(stack, ops, '/api/admin/users')).status, 200);

    await createUser('promoted@example.com');
    const promoted = await ensureAdmin(stack.db, { email: 'Promoted@Example.com' });
    assert.equal(promoted.created, false);
    const login = await logIn(stack, 'promoted@example.com', 'user-password-1');
    assert.equal((await asUser(stack, login, '/api/admin/users')).status, 200);
  });
});

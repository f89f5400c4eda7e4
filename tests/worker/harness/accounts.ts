// Dashboard accounts for tests: admins made the way `npm start` makes them,
// logins through Better Auth's own endpoint, and requests that carry the
// login cookie (with the Origin a browser would send).
import assert from 'node:assert/strict';
import { ensureAdmin } from '../../../scripts/lib/admin.mjs';
import type { Stack } from './stack.ts';

export const ORIGIN = 'http://edgereplay.test';

export interface Login {
  email: string;
  cookie: string;
}

export async function makeAdmin(stack: Stack, email = 'admin@example.com', password = 'admin-password-1') {
  const { id } = await ensureAdmin(stack.db, { email, password });
  return { id, email, password };
}

export async function signIn(stack: Stack, email: string, password: string): Promise<Response> {
  return stack.fetch('/api/auth/sign-in/email', {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN },
    body: JSON.stringify({ email, password }),
  });
}

/** Logs in and returns the session cookie to send back. */
export async function logIn(stack: Stack, email: string, password: string): Promise<Login> {
  const res = await signIn(stack, email, password);
  assert.equal(res.status, 200, await res.clone().text());
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .find((c) => c.startsWith('edgereplay.session_token='));
  assert.ok(cookie, 'a session cookie is set');
  return { email, cookie };
}

/** A request as the dashboard sends it: the cookie, and JSON with our Origin. */
export function asUser(stack: Stack, login: Login, path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  return stack.fetch(path, {
    method: init.method ?? 'GET',
    headers: {
      cookie: login.cookie,
      origin: ORIGIN,
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
  });
}

export function asToken(stack: Stack, token: string, path: string, init: { method?: string; body?: unknown } = {}) {
  return stack.fetch(path, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
  });
}

export async function errorCode(res: Response): Promise<string> {
  const body = (await res.json()) as { error?: { code: string; message: string } };
  assert.ok(body.error, `an error body: ${JSON.stringify(body)}`);
  assert.equal(typeof body.error.message, 'string');
  return body.error.code;
}

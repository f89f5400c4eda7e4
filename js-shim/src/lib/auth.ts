// Who may call what. Read APIs take a dashboard login (Better Auth session
// cookie) or `Authorization: Bearer <api token>`; admin APIs take a login whose
// user has role admin. API tokens are stored as SHA-256 hashes; a verified
// token is remembered by this isolate for a minute so a dashboard's burst of
// calls costs one read (a revoked token may so live on for up to a minute).
import type { Context, Next } from 'hono';
import type { AppBindings, Principal } from '../env';
import { ApiError } from '../errors';
import { findApiToken } from '../storage/pg';
import { authFor, hasSessionCookie } from './accounts';
import { query } from './db';
import { sha256Hex } from './token';

const TTL_MS = 60_000;
const known = new Map<string, { principal: { id: string; site_id: string | null } | null; at: number }>();

/** Drops a revoked token from this isolate's memory at once. */
export function forgetToken(tokenId: string): void {
  for (const [hash, entry] of known) if (entry.principal?.id === tokenId) known.delete(hash);
}

async function tokenPrincipal(c: Context<AppBindings>, token: string): Promise<Principal> {
  const hash = await sha256Hex(token);
  const now = Date.now();
  let entry = known.get(hash);
  if (!entry || now - entry.at > TTL_MS) {
    const principal = await query(c, (sql) => findApiToken(sql, hash));
    entry = { principal, at: now };
    known.set(hash, entry);
  }
  if (!entry.principal) throw new ApiError(401, 'unauthorized', 'The API token is not valid.');
  return { kind: 'token', tokenId: entry.principal.id, siteId: entry.principal.site_id };
}

function originOf(url: string | undefined): string | null {
  try {
    return url ? new URL(url).origin : null;
  } catch {
    return null;
  }
}

async function userPrincipal(c: Context<AppBindings>): Promise<Principal> {
  const found = await query(c, async () => (await authFor(c)).api.getSession({ headers: c.req.raw.headers }));
  if (!found) throw new ApiError(401, 'unauthorized', 'The login has expired or was revoked; log in again.');
  const user = found.user as typeof found.user & { role?: string | null; banned?: boolean | null; banExpires?: Date | null };
  // Banning revokes every session; this catches a ban set by other means.
  if (user.banned && !(user.banExpires && new Date(user.banExpires).getTime() < Date.now())) {
    throw new ApiError(403, 'banned', 'This account is banned.');
  }
  // A cookie rides along on cross-site requests; a change needs our own Origin.
  const method = c.req.method;
  if (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS') {
    if (originOf(c.req.header('origin') ?? c.req.header('referer')) !== new URL(c.req.url).origin) {
      throw new ApiError(403, 'forbidden', 'A logged-in change must come from this origin (send an Origin header).');
    }
  }
  return { kind: 'user', userId: user.id, email: user.email, role: user.role ?? 'user', siteId: null };
}

async function authenticate(c: Context<AppBindings>): Promise<Principal> {
  const header = c.req.header('authorization');
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new ApiError(401, 'unauthorized', 'Send Authorization: Bearer <api token>.');
    return tokenPrincipal(c, match[1]);
  }
  if (hasSessionCookie(c.req.raw)) return userPrincipal(c);
  throw new ApiError(401, 'unauthorized', 'Log in, or send Authorization: Bearer <api token>.');
}

/** Read APIs: a login or an API token. */
export async function requireReader(c: Context<AppBindings>, next: Next) {
  c.set('principal', await authenticate(c));
  await next();
}

/** Admin APIs: a login whose user has role admin. API tokens only read. */
export async function requireAdmin(c: Context<AppBindings>, next: Next) {
  const p = await authenticate(c);
  if (p.kind !== 'user' || p.role.split(',').every((r) => r.trim() !== 'admin')) {
    throw new ApiError(403, 'forbidden', 'This needs an admin login.');
  }
  c.set('principal', p);
  await next();
}

/** Throws 403 when the caller may not read this site. */
export function assertSiteAccess(c: Context<AppBindings>, siteId: string): void {
  const p = c.get('principal');
  if (!p) throw new ApiError(401, 'unauthorized', 'Log in first.');
  if (p.siteId && p.siteId !== siteId) throw new ApiError(403, 'forbidden', 'This token may not read that site.');
}

/** The audit log's name for the caller. */
export function actorOf(c: Context<AppBindings>): { kind: 'user' | 'token'; id: string } {
  const p = c.get('principal');
  if (!p) throw new ApiError(401, 'unauthorized', 'Log in first.');
  return p.kind === 'user' ? { kind: 'user', id: p.userId } : { kind: 'token', id: p.tokenId };
}
